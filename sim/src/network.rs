//! The simulated network: host names, ports, and `RemoteRegistry` over turmoil TCP.

use async_trait::async_trait;
use procreg::ProcessRegistry;
use procreg_remote::{
    serve_connection_with, Connector, Registries, RemoteOptions, ServeOptions, Served,
};
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
/// `registries` (one observed registry, or one per client's own handle),
/// which live outside the host and survive its restarts. Its clients are
/// the world's own, so it offers them `known_records`.
pub async fn serve_registry(registries: Arc<dyn Registries>) -> turmoil::Result {
    let listener = turmoil::net::TcpListener::bind(("0.0.0.0", REGISTRY_PORT)).await?;
    let options = Arc::new(ServeOptions {
        known_records: true,
        ..ServeOptions::default()
    });
    loop {
        let (stream, _) = listener.accept().await?;
        let (registries, options) = (registries.clone(), options.clone());
        tokio::task::spawn_local(async move {
            serve_connection_with(stream, registries, &options).await;
        });
    }
}

/// What each client reaches: in the shared-store topology a client names
/// itself as its namespace and gets its own handle's observed registry;
/// every other name gets `shared`.
pub struct ClientRegistries {
    /// The registry of every namespace without a handle of its own.
    pub shared: Arc<dyn ProcessRegistry>,
    /// The observed registry of each client with its own handle.
    pub own: std::collections::BTreeMap<String, Arc<dyn ProcessRegistry>>,
}

#[async_trait]
impl Registries for ClientRegistries {
    async fn open(&self, namespace: &str) -> procreg::RegistryResult<Served> {
        let registry = self.own.get(namespace).unwrap_or(&self.shared).clone();
        Ok(Served {
            registry,
            clock: None,
            durability: None,
        })
    }
}

/// The session a client opens: its own name as the namespace in the
/// shared-store topology (the registry host serves it its own handle), and
/// records without the parts its connection already carried (`known_records`:
/// a sweep's answers are most of the world's bytes).
pub fn session_of(client: &str, own_handle: bool) -> procreg_remote::Session {
    procreg_remote::Session {
        namespace: own_handle.then(|| client.to_owned()),
        known_records: true,
        ..procreg_remote::Session::default()
    }
}
