//! Waits woken by other handles: one connection per handle `LISTEN`s on the
//! schema's channel, and every committed append notifies it (`pg_notify` in
//! the append's own statement, delivered at commit, never on rollback).
//!
//! The connection opens on the handle's first wait, so a handle that never
//! waits holds none. A wait makes sure it is listening *before* it looks,
//! so any append committed after its look reaches it (WAIT-3). If the
//! connection cannot open or is lost, waits still see every append within
//! the poll interval ([`crate::PgOptions::poll_interval`]), and the next
//! wait opens it again.

use crate::codec::{Db, StoreResult};
use procreg_storage::changes::Changes;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls};

/// One handle's listening connection, opened on demand.
#[derive(Default)]
pub(crate) struct Listener {
    /// The client of the listening connection: dropping it closes the socket.
    client: tokio::sync::Mutex<Option<Client>>,
    /// Whether the connection is open and `LISTEN` was acknowledged.
    listening: Arc<AtomicBool>,
}

impl Listener {
    /// Whether notifications reach this handle now.
    pub(crate) fn is_listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// Listens on `channel` unless already listening, waking `changes` on
    /// every notification. Returns once `LISTEN` is acknowledged, or fails
    /// (the caller's waits then poll).
    pub(crate) async fn ensure(
        &self,
        config: &Config,
        connect_timeout: Duration,
        channel: &str,
        changes: &Arc<Changes>,
    ) -> StoreResult<()> {
        if self.is_listening() {
            return Ok(());
        }
        let mut client = self.client.lock().await;
        if self.is_listening() {
            return Ok(()); // Another wait opened it meanwhile.
        }
        *client = None;
        let connecting = tokio::time::timeout(connect_timeout, config.connect(NoTls));
        let Ok(connected) = connecting.await else {
            return Ok(()); // Slow server: this wait polls; the next one tries again.
        };
        let (opened, mut connection) = connected.db("connecting the listener")?;
        let listening = Arc::clone(&self.listening);
        let changes = Arc::clone(changes);
        tokio::spawn(async move {
            while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
                match message {
                    Ok(AsyncMessage::Notification(_)) => changes.notify(),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            listening.store(false, Ordering::SeqCst);
            // Wake the waiters, so each looks once more and reopens the listener.
            changes.notify();
        });
        // Schema names are lowercase letters, digits and `_`: a plain identifier.
        opened
            .batch_execute(&format!("LISTEN \"{channel}\""))
            .await
            .db("listening for appends")?;
        self.listening.store(true, Ordering::SeqCst);
        if opened.is_closed() {
            self.listening.store(false, Ordering::SeqCst); // Lost already: the driver task has ended.
        }
        *client = Some(opened);
        Ok(())
    }
}
