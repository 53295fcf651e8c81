//! Plugging a lash registry into the conformance suite: [`LashBackend`] and [`LashFactory`].

use crate::registry::{LashProcessRegistry, LashRegistry};
use async_trait::async_trait;
use procreg::{Clock, DurabilityTier, ProcessRegistry, RegistryError, RegistryResult};
use procreg_conformance::{Capabilities, ClockControl, ErrorTyping, RegistryFactory, StoreMap};
use std::sync::Arc;

/// What lash-core 0.1.0-alpha.38 registries can honestly declare through the bridge.
///
/// - `clock: WallOnly`: lash reads `SystemTime::now()` itself; nothing is injectable.
/// - `errors: Typed`: kinds are read from upstream's stable wording by
///   [`crate::classify`], exactly per call; unknown wording is `Backend`.
/// - `blocking_waits: true`: both upstream registries block in
///   `wait_event_after` and `await_process`.
/// - `inline_calls: false`: lash's SQLite registry runs on real files and
///   threads, so histories run with real parallelism.
/// - `handles: false`: the cross-handle checks (REG-17) are not yet pinned
///   for lash's registries (see docs/lash-compat.md).
pub fn lash_capabilities(durability_tier: DurabilityTier, reopen: bool) -> Capabilities {
    Capabilities {
        durability_tier,
        clock: ClockControl::WallOnly,
        errors: ErrorTyping::Typed,
        blocking_waits: true,
        reopen,
        inline_calls: false,
        handles: false,
    }
}

/// Where fresh lash registries come from: what the author of a lash
/// `ProcessRegistry` implements to run the kit on it.
#[async_trait]
pub trait LashBackend: Send + Sync {
    /// What identifies a registry's storage for [`reopen`](Self::reopen) (a path, a URL; `()` for memory).
    type Store: Clone + Send + Sync + 'static;

    /// A fresh, empty lash registry and its storage.
    async fn open(&self) -> RegistryResult<(Arc<LashProcessRegistry>, Self::Store)>;

    /// A second handle on `store`, as after a restart. The default says the
    /// backend has no storage to reopen.
    async fn reopen(&self, store: &Self::Store) -> RegistryResult<Arc<LashProcessRegistry>> {
        let _ = store;
        Err(RegistryError::unsupported(
            "this lash backend cannot reopen storage",
        ))
    }

    /// What the backend declares (start from [`lash_capabilities`]).
    fn capabilities(&self) -> Capabilities;
}

/// A [`RegistryFactory`] of [`LashRegistry`] bridges over a [`LashBackend`].
///
/// The injected clock the suite offers is not used: lash reads the wall clock.
pub struct LashFactory<B: LashBackend> {
    backend: B,
    stores: StoreMap<B::Store>,
}

impl<B: LashBackend> LashFactory<B> {
    /// A factory over `backend`.
    pub fn new(backend: B) -> Self {
        Self {
            backend,
            stores: StoreMap::default(),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }
}

#[async_trait]
impl<B: LashBackend> RegistryFactory for LashFactory<B> {
    async fn create(&self, _clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let (inner, store) = self.backend.open().await?;
        let registry: Arc<dyn ProcessRegistry> = Arc::new(LashRegistry::new(inner));
        self.stores.remember(&registry, store);
        Ok(registry)
    }

    async fn reopen(
        &self,
        previous: &Arc<dyn ProcessRegistry>,
        _clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let store = self.stores.lookup(previous).ok_or_else(|| {
            RegistryError::backend("reopen: this factory did not create that registry")
        })?;
        let inner = self.backend.reopen(&store).await?;
        let registry: Arc<dyn ProcessRegistry> = Arc::new(LashRegistry::new(inner));
        self.stores.remember(&registry, store);
        Ok(registry)
    }

    fn capabilities(&self) -> Capabilities {
        self.backend.capabilities()
    }
}

/// lash-core's in-memory `TestLocalProcessRegistry` (feature `testing`),
/// fresh per registry, tier `Inline`, no reopen.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestLocalBackend;

#[async_trait]
impl LashBackend for TestLocalBackend {
    type Store = ();

    async fn open(&self) -> RegistryResult<(Arc<LashProcessRegistry>, ())> {
        Ok((Arc::new(lash_core::TestLocalProcessRegistry::default()), ()))
    }

    fn capabilities(&self) -> Capabilities {
        lash_capabilities(DurabilityTier::Inline, false)
    }
}
