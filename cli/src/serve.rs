//! `procreg serve`: a backend over the framed protocol on real TCP, one
//! fresh registry per namespace, each reading the clock its clients send.

use crate::backend::{BackendSpec, Factory};
use crate::exit::CliError;
use async_trait::async_trait;
use procreg::{ManualClock, RegistryResult};
use procreg_conformance::RegistryFactory;
use procreg_remote::{serve_tcp, Registries, Served, PROTOCOL_VERSION};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// A fresh registry per namespace from the backend's factory.
struct PerNamespace {
    factory: Factory,
    served: Mutex<BTreeMap<String, Served>>,
}

#[async_trait]
impl Registries for PerNamespace {
    async fn open(&self, namespace: &str) -> RegistryResult<Served> {
        let mut served = self.served.lock().await;
        if let Some(existing) = served.get(namespace) {
            return Ok(existing.clone());
        }
        let clock = ManualClock::new(0);
        let registry = self.factory.create(Arc::new(clock.clone())).await?;
        let entry = Served {
            registry,
            clock: Some(clock),
        };
        served.insert(namespace.to_owned(), entry.clone());
        Ok(entry)
    }
}

/// Resolves on Ctrl-C or SIGTERM, so the command returns and the backend's
/// scratch storage (sqlite's directory) is removed.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                biased;
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Serves until Ctrl-C or SIGTERM (exit 0). Exit 2 when the address is bad or in use, 3 when
/// the backend cannot start.
pub fn run(backend: &str, listen: &str) -> Result<u8, CliError> {
    let backend = BackendSpec::parse(backend)?;
    if let BackendSpec::Tcp(_) = backend {
        return Err(CliError::usage(
            "serve needs an in-process backend (memory, sqlite:PATH or mutant:NAME), not tcp://",
        ));
    }
    let factory = backend.factory()?;
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
        let registries: Arc<dyn Registries> = Arc::new(PerNamespace {
            factory,
            served: Mutex::new(BTreeMap::new()),
        });
        registries
            .open("default")
            .await
            .map_err(|error| CliError::backend(format!("the backend failed to start: {error}")))?;
        crate::exit::note(&format!(
            "procreg serve: {} on tcp://{address} (protocol {PROTOCOL_VERSION}, one registry per namespace, client-driven clock); stop with Ctrl-C",
            backend.flag()
        ));
        tokio::select! {
            biased;
            () = shutdown_signal() => {
                crate::exit::note("procreg serve: stopping");
                Ok(0)
            }
            result = serve_tcp(listener, registries) => result
                .map(|()| 0)
                .map_err(|error| CliError::backend(format!("accepting connections failed: {error}"))),
        }
    })
}
