//! The simulated network: host names, ports, and `RemoteRegistry` over turmoil TCP.

use async_trait::async_trait;
use procreg::ProcessRegistry;
use procreg_remote::{serve_connection, Connector, Registries, RemoteOptions, SingleRegistry};
use std::sync::Arc;
use std::time::Duration;

/// The host serving the registry.
pub const REGISTRY_HOST: &str = "registry";
/// The host of the effect sink.
pub const SINK_HOST: &str = "sink";
/// The client that registers and awaits processes.
pub const PRODUCER_HOST: &str = "producer";
/// The registry's port.
pub const REGISTRY_PORT: u16 = 7070;
/// The sink's port.
pub const SINK_PORT: u16 = 7171;

/// The name of worker host `index`.
pub fn worker_host(index: usize) -> String {
    format!("worker-{index}")
}

/// Opens turmoil TCP connections to `host:port`.
#[derive(Debug, Clone)]
pub struct TurmoilConnector {
    host: &'static str,
    port: u16,
}

impl TurmoilConnector {
    /// The registry host's connector.
    pub fn registry() -> Self {
        Self {
            host: REGISTRY_HOST,
            port: REGISTRY_PORT,
        }
    }
}

#[async_trait]
impl Connector for TurmoilConnector {
    type Stream = turmoil::net::TcpStream;

    async fn connect(&self) -> std::io::Result<Self::Stream> {
        turmoil::net::TcpStream::connect((self.host, self.port)).await
    }

    fn describe(&self) -> String {
        format!("sim://{}:{}", self.host, self.port)
    }
}

/// Call limits inside the world, in simulated time: short enough that a
/// partitioned worker notices within a lease TTL.
pub fn remote_options() -> RemoteOptions {
    RemoteOptions {
        connect_timeout: Duration::from_millis(100),
        call_timeout: Duration::from_millis(150),
        wait_timeout: Duration::from_millis(1_000),
        max_idle_connections: 2,
    }
}

/// The registry host's software: accepts connections and serves each with
/// `registry`, which lives outside the host and survives its restarts.
pub async fn serve_registry(registry: Arc<dyn ProcessRegistry>) -> turmoil::Result {
    let listener = turmoil::net::TcpListener::bind(("0.0.0.0", REGISTRY_PORT)).await?;
    let registries: Arc<dyn Registries> = Arc::new(SingleRegistry(registry));
    loop {
        let (stream, _) = listener.accept().await?;
        let registries = registries.clone();
        tokio::task::spawn_local(async move {
            serve_connection(stream, registries).await;
        });
    }
}
