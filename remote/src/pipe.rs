//! An in-process connector: each connection is a memory pipe whose far end
//! is served by a spawned task. Exercises the whole protocol without sockets.

use crate::client::Connector;
use crate::registries::{Registries, SingleRegistry};
use crate::server::serve_connection;
use async_trait::async_trait;
use procreg::ProcessRegistry;
use std::sync::Arc;
use tokio::io::DuplexStream;

/// Serves registries over in-memory pipes; needs a running tokio runtime.
#[derive(Clone)]
pub struct PipeConnector {
    registries: Arc<dyn Registries>,
}

impl PipeConnector {
    /// A connector whose every connection is served by `registry`.
    pub fn new(registry: Arc<dyn ProcessRegistry>) -> Self {
        Self::serving(Arc::new(SingleRegistry(registry)))
    }

    /// A connector whose connections are served by `registries`.
    pub fn serving(registries: Arc<dyn Registries>) -> Self {
        Self { registries }
    }
}

#[async_trait]
impl Connector for PipeConnector {
    type Stream = DuplexStream;

    async fn connect(&self) -> std::io::Result<DuplexStream> {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let registries = self.registries.clone();
        tokio::spawn(async move {
            serve_connection(server, registries).await;
        });
        Ok(client)
    }

    fn describe(&self) -> String {
        "pipe://in-process".to_owned()
    }
}
