//! The one durable factory: a backend that keeps registries in stores (a
//! file, a schema, a namespace) says how to make an empty store and how to
//! open a handle on one; [`DurableFactory`] does the rest of
//! [`RegistryFactory`], reopen included.

use crate::clock::Clock;
use crate::error::{RegistryError, RegistryResult};
use crate::factory::{Capabilities, RegistryFactory, StoreMap};
use crate::registry::ProcessRegistry;
use async_trait::async_trait;
use std::sync::Arc;

/// Where a durable backend keeps its registries.
#[async_trait]
pub trait StoreOpener: Send + Sync {
    /// What names one registry's storage: a path, a schema name, a namespace.
    type Store: Clone + Send + Sync + 'static;

    /// A new, empty store.
    async fn make_store(&self) -> RegistryResult<Self::Store>;

    /// A handle on `store`, reading `clock`; opening a store again gives a
    /// second handle on the same data, as after a restart.
    async fn open_store(
        &self,
        store: &Self::Store,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>>;

    /// What the registries can do; a durable store that reopens by default.
    fn capabilities(&self) -> Capabilities {
        Capabilities::durable()
    }
}

/// A [`RegistryFactory`] over a [`StoreOpener`]: `create` makes a store and
/// opens it, `reopen` opens the store of a registry it created again.
pub struct DurableFactory<O: StoreOpener> {
    opener: O,
    created: StoreMap<O::Store>,
}

impl<O: StoreOpener> DurableFactory<O> {
    /// A factory over `opener`.
    pub fn new(opener: O) -> Self {
        Self {
            opener,
            created: StoreMap::default(),
        }
    }

    /// The opener.
    pub fn opener(&self) -> &O {
        &self.opener
    }

    /// The store behind `registry`, when this factory created or reopened it.
    pub fn store_of(&self, registry: &Arc<dyn ProcessRegistry>) -> Option<O::Store> {
        self.created.lookup(registry)
    }

    async fn open(
        &self,
        store: O::Store,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let registry = self.opener.open_store(&store, clock).await?;
        self.created.remember(&registry, store);
        Ok(registry)
    }
}

#[async_trait]
impl<O: StoreOpener> RegistryFactory for DurableFactory<O> {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let store = self.opener.make_store().await?;
        self.open(store, clock).await
    }

    async fn reopen(
        &self,
        previous: &Arc<dyn ProcessRegistry>,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let store = self.created.lookup(previous).ok_or_else(|| {
            RegistryError::backend("reopen: this factory did not create that registry")
        })?;
        self.open(store, clock).await
    }

    fn capabilities(&self) -> Capabilities {
        self.opener.capabilities()
    }
}
