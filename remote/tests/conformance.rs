//! The whole strict conformance suite against `MemoryRegistry` reached
//! through `RemoteRegistry` over in-process pipes: every method, argument
//! and error kind survives the protocol unchanged.

use procreg::{Clock, ProcessRegistry, RegistryResult};
use procreg_conformance::{registry_conformance_tests, RegistryFactory};
use procreg_memory::MemoryRegistry;
use procreg_remote::{PipeConnector, RemoteOptions, RemoteRegistry};
use std::sync::Arc;

struct OverPipes;

#[async_trait::async_trait]
impl RegistryFactory for OverPipes {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let served: Arc<dyn ProcessRegistry> = Arc::new(MemoryRegistry::new(clock));
        let remote =
            RemoteRegistry::connect(PipeConnector::new(served), RemoteOptions::default()).await?;
        Ok(Arc::new(remote))
    }
}

registry_conformance_tests!(OverPipes, strict);
