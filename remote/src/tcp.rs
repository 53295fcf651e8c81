//! Real TCP (tokio): a connector for `RemoteRegistry` and an accept loop.

use crate::client::Connector;
use crate::frame::write_frame;
use crate::protocol::{Outcome, ReplyFrame};
use crate::registries::Registries;
use crate::server::{serve_connection_with, ServeOptions};
use async_trait::async_trait;
use procreg::RegistryError;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// Connects to `host:port` over TCP, with Nagle off (one frame per call).
#[derive(Debug, Clone)]
pub struct TcpConnector {
    address: String,
}

impl TcpConnector {
    /// A connector for `address` (`127.0.0.1:7070`, `localhost:7070`).
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
        }
    }
}

#[async_trait]
impl Connector for TcpConnector {
    type Stream = TcpStream;

    async fn connect(&self) -> std::io::Result<TcpStream> {
        let stream = TcpStream::connect(&self.address).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    fn describe(&self) -> String {
        format!("tcp://{}", self.address)
    }
}

/// Limits of a TCP server: how it treats each peer, and how many
/// connections it serves at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpServeOptions {
    /// Token and time limits for every connection.
    pub connection: ServeOptions,
    /// Connections served at once; the next is answered with an error frame and closed.
    pub max_connections: usize,
}

impl Default for TcpServeOptions {
    /// No token, a 30 s frame deadline, a 300 s idle timeout, 256 connections.
    fn default() -> Self {
        Self {
            connection: ServeOptions {
                token: None,
                frame_deadline: Some(Duration::from_secs(30)),
                idle_timeout: Some(Duration::from_secs(300)),
                log_budget: true,
                known_records: false,
            },
            max_connections: 256,
        }
    }
}

/// One stderr line per refused or timed-out peer, at most
/// [`LOG_LINES_PER_SECOND`] a second; the lines dropped are counted in the next one.
struct RefusalLog {
    window: Mutex<(Instant, u32, u64)>,
}

/// The most refusal lines [`serve_tcp_with`] writes in one second.
pub const LOG_LINES_PER_SECOND: u32 = 10;

impl RefusalLog {
    fn new() -> Self {
        Self {
            window: Mutex::new((Instant::now(), 0, 0)),
        }
    }

    fn refused(&self, peer: &str, reason: &str) {
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (started, written, dropped) = &mut *window;
        if started.elapsed() >= Duration::from_secs(1) {
            *started = Instant::now();
            *written = 0;
        }
        if *written >= LOG_LINES_PER_SECOND {
            *dropped += 1;
            return;
        }
        *written += 1;
        let dropped_note = match std::mem::take(dropped) {
            0 => String::new(),
            count => format!(" ({count} more lines dropped by the rate limit)"),
        };
        let _ = writeln!(
            std::io::stderr(),
            "procreg-remote: peer {peer}: {reason}{dropped_note}"
        );
    }
}

/// Accepts connections forever with [`TcpServeOptions::default`].
pub async fn serve_tcp(
    listener: TcpListener,
    registries: Arc<dyn Registries>,
) -> std::io::Result<()> {
    serve_tcp_with(listener, registries, TcpServeOptions::default()).await
}

/// Accepts connections forever, serving each on its own task within
/// `options`. Beyond `max_connections` a peer gets an error frame and is
/// closed while existing peers keep working. A failed accept (too many
/// open files, a connection reset before it was taken) is logged and
/// retried after a short pause; it never ends the server. Every refused or
/// timed-out peer is logged (rate-limited) with its address and the reason.
pub async fn serve_tcp_with(
    listener: TcpListener,
    registries: Arc<dyn Registries>,
    options: TcpServeOptions,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(
        options.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let log = Arc::new(RefusalLog::new());
    let connection = Arc::new(options.connection);
    loop {
        let (mut stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                log.refused(
                    "-",
                    &format!("accepting a connection failed: {error}; retrying"),
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let peer = peer.to_string();
        let _ = stream.set_nodelay(true);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            let log = log.clone();
            let limit = options.max_connections;
            tokio::spawn(async move {
                let refusal = ReplyFrame {
                    id: 0,
                    outcome: Outcome::Err(RegistryError::backend(format!(
                        "procreg-remote: the server serves at most {limit} connections; try again later"
                    ))),
                };
                let _ = tokio::time::timeout(
                    Duration::from_secs(1),
                    write_frame(&mut stream, &refusal),
                )
                .await;
                log.refused(&peer, &format!("refused: {limit} connections already open"));
            });
            continue;
        };
        let (registries, log, connection) = (registries.clone(), log.clone(), connection.clone());
        tokio::spawn(async move {
            let end = serve_connection_with(stream, registries, &connection).await;
            drop(slot);
            if let Some(reason) = end.refusal() {
                log.refused(&peer, &reason);
            }
        });
    }
}
