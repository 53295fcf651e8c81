//! What a server serves: a registry per namespace, and who drives its clock.

use async_trait::async_trait;
use procreg::{DurabilityTier, ManualClock, ProcessRegistry, RegistryError, RegistryResult};
use std::sync::Arc;

/// One served registry.
#[derive(Clone)]
pub struct Served {
    /// The registry calls go to.
    pub registry: Arc<dyn ProcessRegistry>,
    /// When present, the registry reads this clock and each request's
    /// `now_ms` sets it first (a client-driven clock); when absent the
    /// registry keeps its own time and `now_ms` is ignored.
    pub clock: Option<ManualClock>,
    /// What `hello` reports instead of the registry's own tier, when the
    /// server does not keep the namespace as long as the registry would
    /// (scratch files removed when the server stops are not durable).
    pub durability: Option<DurabilityTier>,
}

/// Resolves the namespace a connection's hello names (`default` when it
/// names none) to the registry that serves it.
#[async_trait]
pub trait Registries: Send + Sync {
    /// The registry for `namespace`, created on first use if the server does that.
    async fn open(&self, namespace: &str) -> RegistryResult<Served>;

    /// Frees `namespace` (`close_namespace`); `true` when it existed. A
    /// server with one registry for every namespace frees nothing.
    async fn close(&self, namespace: &str) -> RegistryResult<bool> {
        let _ = namespace;
        Ok(false)
    }
}

/// Serves one registry under every namespace, on its own clock.
#[derive(Clone)]
pub struct SingleRegistry(pub Arc<dyn ProcessRegistry>);

#[async_trait]
impl Registries for SingleRegistry {
    async fn open(&self, _namespace: &str) -> RegistryResult<Served> {
        Ok(Served {
            registry: self.0.clone(),
            clock: None,
            durability: None,
        })
    }
}

/// Serves one store under the namespace `default` and refuses every other
/// name: what a registry's own process serves when the kit kills it and
/// starts it again on the same store (the kill -9 phase). Give the served
/// registry a [`ManualClock`] in [`Served::clock`] so its client drives time.
#[derive(Clone)]
pub struct OneStore(pub Served);

#[async_trait]
impl Registries for OneStore {
    async fn open(&self, namespace: &str) -> RegistryResult<Served> {
        if namespace == "default" {
            Ok(self.0.clone())
        } else {
            Err(RegistryError::backend(format!(
                "procreg-remote: this server serves one store, under the namespace `default`; `{namespace}` does not exist"
            )))
        }
    }
}
