//! Waits woken by other handles: one connection per handle `LISTEN`s on the
//! schema's channel, and every committed append notifies it (`pg_notify`
//! pipelined right after the append's `COMMIT`), naming the process by its
//! [`wake_key`]: only the waits on that process look again.
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

/// The name a notification gives a process: the hex SHA-256 of its id,
/// since an id may be longer than a notification's 8,000-byte payload.
pub(crate) fn wake_key(process_id: &str) -> String {
    procreg::hash::sha256_hex(process_id.as_bytes())
}

/// One handle's listening connection, opened on demand.
#[derive(Default)]
pub(crate) struct Listener {
    /// The client of the listening connection: dropping it closes the socket.
    client: tokio::sync::Mutex<Option<Client>>,
    /// Whether the connection is open and `LISTEN` was acknowledged.
    listening: Arc<AtomicBool>,
}

/// Owned by the task driving the listening connection: when the task ends,
/// however it ends (the socket closed, the runtime shut down), the handle
/// stops counting on notifications and its waiters look once more.
struct Ended {
    ended: Arc<AtomicBool>,
    listening: Arc<AtomicBool>,
    changes: Arc<Changes>,
}

impl Drop for Ended {
    fn drop(&mut self) {
        self.ended.store(true, Ordering::SeqCst);
        self.listening.store(false, Ordering::SeqCst);
        self.changes.notify();
    }
}

impl Listener {
    /// Whether notifications reach this handle now.
    pub(crate) fn is_listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// Listens on `channel` unless already listening, waking `changes` on
    /// every notification. Returns once `LISTEN` is acknowledged; returns
    /// without listening when the server does not answer within
    /// `connect_timeout`, and fails when it refuses (the caller's waits
    /// then poll, and the next wait tries again).
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
        let opening = tokio::time::timeout(connect_timeout, self.open(config, channel, changes));
        if let Ok(opened) = opening.await {
            *client = Some(opened?);
        }
        Ok(())
    }

    /// Connects, starts the task driving the connection, and listens.
    async fn open(
        &self,
        config: &Config,
        channel: &str,
        changes: &Arc<Changes>,
    ) -> StoreResult<Client> {
        let mut config = config.clone();
        // An idle socket silently dropped by the network is noticed within a minute.
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        let (opened, mut connection) = config.connect(NoTls).await.db("connecting the listener")?;
        let ended = Arc::new(AtomicBool::new(false));
        let guard = Ended {
            ended: Arc::clone(&ended),
            listening: Arc::clone(&self.listening),
            changes: Arc::clone(changes),
        };
        tokio::spawn(async move {
            let guard = guard;
            while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
                match message {
                    // An empty payload (a writer from before keyed
                    // notifications) may concern any process.
                    Ok(AsyncMessage::Notification(note)) if note.payload().is_empty() => {
                        guard.changes.notify();
                    }
                    Ok(AsyncMessage::Notification(note)) => {
                        guard.changes.notify_key(note.payload());
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        });
        // Schema names are lowercase letters, digits and `_`: a plain identifier.
        opened
            .batch_execute(&format!("LISTEN \"{channel}\""))
            .await
            .db("listening for appends")?;
        self.listening.store(true, Ordering::SeqCst);
        if ended.load(Ordering::SeqCst) {
            // The connection ended before the flag was set: the guard has
            // already cleared it, so clear it again.
            self.listening.store(false, Ordering::SeqCst);
        }
        Ok(opened)
    }
}
