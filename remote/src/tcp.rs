//! Real TCP (tokio): a connector for `RemoteRegistry` and an accept loop.

use crate::client::Connector;
use crate::registries::Registries;
use crate::server::serve_connection;
use async_trait::async_trait;
use std::io::Write as _;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};

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

/// Accepts connections forever, serving each on its own task. A failed
/// accept (too many open files, a connection reset before it was taken) is
/// reported on stderr and retried after a short pause; it never ends the server.
pub async fn serve_tcp(
    listener: TcpListener,
    registries: Arc<dyn Registries>,
) -> std::io::Result<()> {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "procreg-remote: accepting a connection failed: {error}; retrying"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let registries = registries.clone();
        tokio::spawn(async move {
            serve_connection(stream, registries).await;
        });
    }
}
