//! The whole strict conformance suite against `MemoryRegistry` reached
//! through `RemoteRegistry` over in-process pipes: every method, argument
//! and error kind survives the protocol unchanged, and the client drives
//! the served registry's clock, so the suite's `ManualClock` rules hold.
//! Every connection asks for `known_records`, as the simulation's do, so
//! records restored from the parts a connection already carried must pass
//! every check too (`procreg check --backend tcp://`, in `cli/tests/network.rs`,
//! checks whole records).

use async_trait::async_trait;
use procreg::{Capabilities, DurableFactory, ManualClock, RegistryResult};
use procreg_conformance::registry_conformance_tests;
use procreg_memory::MemoryRegistry;
use procreg_remote::{
    PipeConnector, Registries, RemoteNamespaces, RemoteOptions, ServeOptions, Served,
};
use std::collections::BTreeMap;
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
                durability: None,
            }
        });
        Ok(entry.clone())
    }
}

/// The suite's factory: a fresh namespace of the pipe server per registry,
/// reopened by connecting to the same namespace again.
fn over_pipes() -> DurableFactory<RemoteNamespaces<PipeConnector>> {
    let options = ServeOptions {
        known_records: true,
        ..ServeOptions::default()
    };
    let server = PipeConnector::serving_with(Arc::new(PerNamespace::default()), options);
    let capabilities = Capabilities {
        reopen: true,
        inline_calls: false,
        ..Capabilities::default()
    };
    DurableFactory::new(
        RemoteNamespaces::declared(server, RemoteOptions::default(), capabilities)
            .with_known_records(),
    )
}

registry_conformance_tests!(over_pipes(), strict);
