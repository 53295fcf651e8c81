//! The plug-in point: how the suite gets fresh registries from a backend, and what the backend can do.

use crate::clock::Clock;
use crate::durability::DurabilityTier;
use crate::error::{RegistryError, RegistryResult};
use crate::registry::ProcessRegistry;
use async_trait::async_trait;
use std::sync::{Arc, Mutex, Weak};

/// How the backend reads time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockControl {
    /// The backend reads the injected clock: checks move time with a `ManualClock` and never sleep.
    Injected,
    /// The backend reads only the wall clock: expiry checks use short real TTLs and
    /// bounded polling; checks that need exact timestamps are skipped.
    WallOnly,
}

/// How precisely the backend reports errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorTyping {
    /// Errors carry the spec's `ErrorKind`: checks compare kinds.
    Typed,
    /// Errors are opaque: checks assert only that an error happened.
    Untyped,
}

/// What a backend declares about itself; each check lists what it needs and
/// is skipped, with the reason printed, when the backend lacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Capabilities {
    /// The tier `durability_tier()` must report (REG-15).
    pub durability_tier: DurabilityTier,
    /// Injected clock or wall clock only.
    pub clock: ClockControl,
    /// Typed or untyped errors.
    pub errors: ErrorTyping,
    /// Whether `wait_event_after` and `await_process` block until an answer exists.
    pub blocking_waits: bool,
    /// Whether [`RegistryFactory::reopen`] hands back a second handle on the same storage.
    pub reopen: bool,
    /// Whether every call runs to completion on the caller's task, with no
    /// threads, sockets or files underneath (an in-memory registry): the kit
    /// then chooses the interleaving of concurrent calls from a seed, so a
    /// history's verdict repeats on every run. Backends with real
    /// parallelism declare `false`; their histories are saved to replay.
    #[serde(default)]
    pub inline_calls: bool,
    /// Whether several live handles may share one store at once, as many
    /// workers each open their own handle on one database: `reopen` then
    /// hands back a further handle while the first stays in use, and every
    /// rule holds whichever handle a call goes through (REG-17).
    #[serde(default)]
    pub handles: bool,
}

impl Default for Capabilities {
    /// An in-memory backend: inline, injected clock, typed errors, blocking
    /// waits, no reopen, calls that run on the caller's task.
    fn default() -> Self {
        Self {
            durability_tier: DurabilityTier::Inline,
            clock: ClockControl::Injected,
            errors: ErrorTyping::Typed,
            blocking_waits: true,
            reopen: false,
            inline_calls: true,
            handles: false,
        }
    }
}

impl Capabilities {
    /// A durable backend that can reopen its storage, with several live
    /// handles on one store (its calls reach real storage).
    pub fn durable() -> Self {
        Self {
            durability_tier: DurabilityTier::Durable,
            reopen: true,
            inline_calls: false,
            handles: true,
            ..Self::default()
        }
    }
}

/// What a backend author implements: fresh, empty registries on demand.
///
/// Every `create` must return a registry with no processes that reads time
/// from `clock` (when the backend declares [`ClockControl::Injected`]).
/// Plain closures `Fn(Arc<dyn Clock>) -> R` where `R: ProcessRegistry`
/// implement it already, so the simple case is one line.
#[async_trait]
pub trait RegistryFactory: Send + Sync {
    /// A fresh, empty registry reading `clock`.
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>>;

    /// A second handle on the storage behind `previous` (a registry this
    /// factory created), as after a process restart. Durable backends
    /// implement it and declare `Capabilities::reopen`; [`StoreMap`] makes
    /// finding the storage of `previous` a one-liner.
    async fn reopen(
        &self,
        previous: &Arc<dyn ProcessRegistry>,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let _ = (previous, clock);
        Err(RegistryError::unsupported(
            "this factory cannot reopen storage",
        ))
    }

    /// What the backend can do.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
}

#[async_trait]
impl<F, R> RegistryFactory for F
where
    F: Fn(Arc<dyn Clock>) -> R + Send + Sync,
    R: ProcessRegistry + 'static,
{
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok(Arc::new(self(clock)))
    }
}

/// Remembers which storage (a path, a URL, a schema name) each created
/// registry uses, so [`RegistryFactory::reopen`] can find it again.
///
/// Keyed by the registry's allocation, held weakly: dropping a registry
/// forgets it at the next insertion.
pub struct StoreMap<S> {
    entries: Mutex<Vec<(Weak<dyn ProcessRegistry>, S)>>,
}

impl<S> Default for StoreMap<S> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(Vec::new()),
        }
    }
}

impl<S: Clone> StoreMap<S> {
    /// Records that `registry` lives in `store`.
    pub fn remember(&self, registry: &Arc<dyn ProcessRegistry>, store: S) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.retain(|(weak, _)| weak.strong_count() > 0);
        entries.push((Arc::downgrade(registry), store));
    }

    /// The storage of `registry`, if this map remembers it.
    pub fn lookup(&self, registry: &Arc<dyn ProcessRegistry>) -> Option<S> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .iter()
            .find(|(weak, _)| {
                weak.upgrade().is_some_and(|alive| {
                    std::ptr::addr_eq(Arc::as_ptr(&alive), Arc::as_ptr(registry))
                })
            })
            .map(|(_, store)| store.clone())
    }
}
