//! `procreg serve`: a backend over the framed protocol on real TCP, one
//! fresh registry per namespace, each reading the clock its clients send.

mod namespaces;
mod store;

use crate::backend::{BackendSpec, Factory};
use crate::exit::CliError;
use namespaces::PerNamespace;
use procreg::{DurabilityTier, ManualClock};
use procreg_remote::{
    serve_tcp_with, OneStore, Registries, ServeOptions, Served, TcpServeOptions, PROTOCOL_VERSION,
};
use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::Duration;
pub use store::has_store;

/// What `procreg serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeFlags {
    /// `--backend`.
    pub backend: String,
    /// `--listen`.
    pub listen: String,
    /// `--token` or `PROCREG_TOKEN`.
    pub token: Option<String>,
    /// `--max-connections`.
    pub max_connections: usize,
    /// `--max-namespaces`.
    pub max_namespaces: usize,
    /// `--frame-deadline-secs`.
    pub frame_deadline_secs: u64,
    /// `--idle-timeout-secs`.
    pub idle_timeout_secs: u64,
    /// `--store`: serve this one durable store instead of a fresh registry per namespace.
    pub store: Option<String>,
}

/// Refuses a listener another host can reach without a token (exit 2).
fn refuse_open_listener(listen: &str, token: Option<&str>) -> Result<(), CliError> {
    if token.is_some() {
        return Ok(());
    }
    let addresses: Vec<std::net::SocketAddr> = listen
        .to_socket_addrs()
        .map_err(|error| CliError::usage(format!("cannot listen on `{listen}`: {error}")))?
        .collect();
    match addresses.iter().find(|address| !address.ip().is_loopback()) {
        Some(open) => Err(CliError::usage(format!(
            "--listen {listen} ({open}) is reachable from other hosts, and a served registry lets any client join any namespace, move its clock and take its leases: give a shared token (--token or PROCREG_TOKEN), or listen on 127.0.0.1"
        ))),
        None => Ok(()),
    }
}

/// Listens for Ctrl-C and SIGTERM from the moment it is called (so a
/// signal sent right after the address is printed is not lost) and
/// resolves on the first, so the command returns and the backend's scratch
/// storage (sqlite's directory) is removed. Call it inside the runtime.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            match (interrupt, terminate) {
                (Some(mut interrupt), Some(mut terminate)) => {
                    tokio::select! {
                        biased;
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Serves until Ctrl-C or SIGTERM (exit 0). Exit 2 when the address is bad, in use, or
/// reachable from other hosts without a token; 3 when the backend cannot start.
pub fn run(flags: &ServeFlags) -> Result<u8, CliError> {
    let listen = flags.listen.as_str();
    let backend = BackendSpec::parse(&flags.backend)?;
    refuse_open_listener(listen, flags.token.as_deref())?;
    if let BackendSpec::Tcp(_) = backend {
        return Err(CliError::usage(
            "serve needs an in-process backend (memory, sqlite:PATH or mutant:NAME), not tcp://",
        ));
    }
    if flags.store.is_some() && !has_store(&backend) {
        return Err(CliError::usage(format!(
            "--store needs a backend whose store outlives the process (sqlite:PATH, postgres://URL or a planted mutant:sqlite_*), not {}",
            backend.flag()
        )));
    }
    // Built outside the runtime: some factories probe on a runtime of their own.
    let factory = match flags.store {
        None => Some(backend.factory()?),
        Some(_) => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| CliError::backend(format!("could not start a tokio runtime: {error}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|error| {
            CliError::usage(format!("cannot listen on `{listen}`: {error}"))
        })?;
        let address = listener
            .local_addr()
            .map_err(|error| CliError::usage(format!("cannot listen on `{listen}`: {error}")))?;
        let (registries, served) = match (&flags.store, factory) {
            (Some(name), _) => (
                one_store(&backend, name).await?,
                format!("store `{name}` under namespace `default`"),
            ),
            (None, Some(factory)) => (
                per_namespace(factory, flags.max_namespaces).await?,
                "one registry per namespace".to_owned(),
            ),
            (None, None) => return Err(CliError::usage("no backend to serve")),
        };
        let options = TcpServeOptions {
            connection: ServeOptions {
                token: flags.token.clone(),
                frame_deadline: Some(Duration::from_secs(flags.frame_deadline_secs.max(1))),
                idle_timeout: Some(Duration::from_secs(flags.idle_timeout_secs.max(1))),
                log_budget: true,
                // Its memory per connection is not bounded by bytes: not for strangers.
                known_records: false,
            },
            max_connections: flags.max_connections.max(1),
        };
        let shutdown = shutdown_signal();
        crate::exit::note(&format!(
            "procreg serve: {} on tcp://{address} (protocol {PROTOCOL_VERSION}, {served}, client-driven clock; at most {} connections and {} namespaces, frames within {} s, idle connections closed after {} s{}); stop with Ctrl-C",
            backend.flag(),
            options.max_connections,
            flags.max_namespaces,
            flags.frame_deadline_secs,
            flags.idle_timeout_secs,
            if flags.token.is_some() { ", token required" } else { "" }
        ));
        tokio::select! {
            biased;
            () = shutdown => {
                crate::exit::note("procreg serve: stopping");
                Ok(0)
            }
            result = serve_tcp_with(listener, registries, options) => result
                .map(|()| 0)
                .map_err(|error| CliError::backend(format!("accepting connections failed: {error}"))),
        }
    })
}

/// A fresh registry from the backend per namespace.
async fn per_namespace(
    factory: Factory,
    max_namespaces: usize,
) -> Result<Arc<dyn Registries>, CliError> {
    // Scratch stores (sqlite's files) are removed when the server stops:
    // say so in every hello rather than claim a durability they lack.
    let durability = match &factory {
        Factory::Sqlite(_) | Factory::Postgres(_) => Some(DurabilityTier::Inline),
        Factory::Mutant(mutant) if mutant.reopen.is_some() => Some(DurabilityTier::Inline),
        _ => None,
    };
    let registries: Arc<dyn Registries> =
        Arc::new(PerNamespace::new(factory, durability, max_namespaces));
    registries
        .open("default")
        .await
        .map_err(|error| CliError::backend(format!("the backend failed to start: {error}")))?;
    Ok(registries)
}

/// The one store `name` of the backend, reading the clients' clock.
async fn one_store(backend: &BackendSpec, name: &str) -> Result<Arc<dyn Registries>, CliError> {
    let clock = ManualClock::new(0);
    let registry = store::open_store(backend, name, clock.clone()).await?;
    Ok(Arc::new(OneStore(Served {
        registry,
        clock: Some(clock),
        durability: None,
    })))
}
