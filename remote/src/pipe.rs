//! An in-process connector: each connection is a memory pipe whose far end
//! is served by a spawned task. Exercises the whole protocol without sockets.

use crate::client::Connector;
use crate::server::serve_connection;
use async_trait::async_trait;
use procreg::ProcessRegistry;
use std::sync::Arc;
use tokio::io::DuplexStream;

/// Serves `registry` over in-memory pipes; needs a running tokio runtime.
#[derive(Clone)]
pub struct PipeConnector {
    registry: Arc<dyn ProcessRegistry>,
}

impl PipeConnector {
    /// A connector whose every connection is served by `registry`.
    pub fn new(registry: Arc<dyn ProcessRegistry>) -> Self {
        Self { registry }
    }
}

#[async_trait]
impl Connector for PipeConnector {
    type Stream = DuplexStream;

    async fn connect(&self) -> std::io::Result<DuplexStream> {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let registry = self.registry.clone();
        tokio::spawn(async move {
            serve_connection(server, registry).await;
        });
        Ok(client)
    }

    fn describe(&self) -> String {
        "pipe://in-process".to_owned()
    }
}
