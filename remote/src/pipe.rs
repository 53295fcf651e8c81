//! An in-process connector: each connection is a memory pipe whose far end
//! is served by a spawned task. Exercises the whole protocol without sockets.

use crate::client::Connector;
use crate::registries::{Registries, SingleRegistry};
use crate::server::{serve_connection_with, ServeOptions};
use async_trait::async_trait;
use procreg::ProcessRegistry;
use std::sync::Arc;
use tokio::io::DuplexStream;

/// Serves registries over in-memory pipes; needs a running tokio runtime.
#[derive(Clone)]
pub struct PipeConnector {
    registries: Arc<dyn Registries>,
    options: ServeOptions,
}

impl PipeConnector {
    /// A connector whose every connection is served by `registry`.
    pub fn new(registry: Arc<dyn ProcessRegistry>) -> Self {
        Self::serving(Arc::new(SingleRegistry(registry)))
    }

    /// A connector whose connections are served by `registries`.
    pub fn serving(registries: Arc<dyn Registries>) -> Self {
        Self::serving_with(registries, ServeOptions::default())
    }

    /// A connector whose connections are served by `registries` under `options`.
    pub fn serving_with(registries: Arc<dyn Registries>, options: ServeOptions) -> Self {
        Self {
            registries,
            options,
        }
    }
}

#[async_trait]
impl Connector for PipeConnector {
    type Stream = DuplexStream;

    async fn connect(&self) -> std::io::Result<DuplexStream> {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let (registries, options) = (self.registries.clone(), self.options.clone());
        tokio::spawn(async move {
            serve_connection_with(server, registries, &options).await;
        });
        Ok(client)
    }

    fn describe(&self) -> String {
        "pipe://in-process".to_owned()
    }
}
