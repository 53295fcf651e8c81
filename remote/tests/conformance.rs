//! The whole strict conformance suite against `MemoryRegistry` reached
//! through `RemoteRegistry` over in-process pipes: every method, argument
//! and error kind survives the protocol unchanged, and the client drives
//! the served registry's clock, so the suite's `ManualClock` rules hold.

use async_trait::async_trait;
use procreg::{Clock, ManualClock, ProcessRegistry, RegistryResult};
use procreg_conformance::{registry_conformance_tests, Capabilities, RegistryFactory};
use procreg_memory::MemoryRegistry;
use procreg_remote::{PipeConnector, Registries, RemoteOptions, RemoteRegistry, Served, Session};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A fresh `MemoryRegistry` per namespace, each on a clock its clients drive.
#[derive(Default)]
struct PerNamespace {
    served: Mutex<BTreeMap<String, Served>>,
}

#[async_trait]
impl Registries for PerNamespace {
    async fn open(&self, namespace: &str) -> RegistryResult<Served> {
        let mut served = self
            .served
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = served.entry(namespace.to_owned()).or_insert_with(|| {
            let clock = ManualClock::new(0);
            Served {
                registry: Arc::new(MemoryRegistry::new(Arc::new(clock.clone()))),
                clock: Some(clock),
            }
        });
        Ok(entry.clone())
    }
}

struct OverPipes {
    server: PipeConnector,
    next: AtomicU64,
    namespaces: Mutex<Vec<(usize, String)>>,
}

impl OverPipes {
    fn new() -> Self {
        Self {
            server: PipeConnector::serving(Arc::new(PerNamespace::default())),
            next: AtomicU64::new(0),
            namespaces: Mutex::new(Vec::new()),
        }
    }

    async fn connect(
        &self,
        namespace: String,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let session = Session {
            namespace: Some(namespace.clone()),
            clock: Some(clock),
        };
        let remote =
            RemoteRegistry::connect_session(self.server.clone(), RemoteOptions::default(), session)
                .await?;
        assert!(
            remote.client_clock(),
            "the pipe server lets clients drive time"
        );
        let registry: Arc<dyn ProcessRegistry> = Arc::new(remote);
        self.namespaces
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((Arc::as_ptr(&registry) as *const () as usize, namespace));
        Ok(registry)
    }
}

#[async_trait]
impl RegistryFactory for OverPipes {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let namespace = format!("check-{}", self.next.fetch_add(1, Ordering::Relaxed));
        self.connect(namespace, clock).await
    }

    async fn reopen(
        &self,
        previous: &Arc<dyn ProcessRegistry>,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let key = Arc::as_ptr(previous) as *const () as usize;
        let namespace = self
            .namespaces
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .find(|(ptr, _)| *ptr == key)
            .map(|(_, namespace)| namespace.clone())
            .ok_or_else(|| procreg::RegistryError::backend("unknown registry"))?;
        self.connect(namespace, clock).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reopen: true,
            ..Capabilities::default()
        }
    }
}

registry_conformance_tests!(OverPipes::new(), strict);
