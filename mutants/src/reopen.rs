//! Durable-tier mutants: a `MemoryRegistry` whose store is the journal of
//! the writes it acknowledged, replayed into a fresh registry on reopen;
//! each mutant loses part of the journal on the way, as real stores do
//! when a write was acknowledged before it was durable.

use procreg::{
    CallHandler, CallResult, Capabilities, Clock, DurabilityTier, ProcessRegistry, RegistryCall,
    RegistryError, StoreMap,
};
use procreg_memory::MemoryRegistry;
use std::sync::{Arc, Mutex, OnceLock};

/// What a reopen loses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// The last acknowledged write (a write-behind cache that was never flushed).
    LastWrite,
    /// Every lease call: fencing counters and holders lived only in memory.
    Leases,
    /// Nothing: the store is whole, but each handle reads its own copy of it.
    Nothing,
}

/// The acknowledged writes, each with the time it was made.
type Journal = Arc<Mutex<Vec<(u64, RegistryCall)>>>;

/// Which journal each live handle writes to.
fn stores() -> &'static StoreMap<Journal> {
    static STORES: OnceLock<StoreMap<Journal>> = OnceLock::new();
    STORES.get_or_init(StoreMap::default)
}

/// The injected clock, or the times of the journal while it is replayed.
struct ReplayClock {
    real: Arc<dyn Clock>,
    replaying: Mutex<Option<u64>>,
}

impl Clock for ReplayClock {
    fn now_ms(&self) -> u64 {
        crate::lock(&self.replaying).unwrap_or_else(|| self.real.now_ms())
    }
}

/// A registry that journals every write it acknowledges.
struct Journaled {
    inner: MemoryRegistry,
    clock: Arc<ReplayClock>,
    journal: Journal,
}

#[async_trait::async_trait]
impl CallHandler for Journaled {
    fn durability_tier(&self) -> DurabilityTier {
        DurabilityTier::Durable
    }

    async fn handle(&self, call: RegistryCall) -> CallResult {
        let kept = call.is_write().then(|| (self.clock.now_ms(), call.clone()));
        let result = call.dispatch(&self.inner).await;
        if let (Ok(_), Some(entry)) = (&result, kept) {
            crate::lock(&self.journal).push(entry);
        }
        result
    }
}

/// Opens `journal` reading `clock`: a fresh registry with the journal replayed into it.
async fn open(journal: Journal, clock: Arc<dyn Clock>) -> Arc<dyn ProcessRegistry> {
    let clock = Arc::new(ReplayClock {
        real: clock,
        replaying: Mutex::new(None),
    });
    let inner = MemoryRegistry::new(clock.clone() as Arc<dyn Clock>);
    let writes = crate::lock(&journal).clone();
    for (at_ms, call) in writes {
        *crate::lock(&clock.replaying) = Some(at_ms);
        let _ = call.dispatch(&inner).await;
    }
    *crate::lock(&clock.replaying) = None;
    let registry: Arc<dyn ProcessRegistry> = Arc::new(Journaled {
        inner,
        clock,
        journal: journal.clone(),
    });
    stores().remember(&registry, journal);
    registry
}

/// A new registry on an empty journal.
pub fn create(clock: Arc<dyn Clock>) -> Arc<dyn ProcessRegistry> {
    let journal: Journal = Arc::default();
    let clock = Arc::new(ReplayClock {
        real: clock,
        replaying: Mutex::new(None),
    });
    let registry: Arc<dyn ProcessRegistry> = Arc::new(Journaled {
        inner: MemoryRegistry::new(clock.clone() as Arc<dyn Clock>),
        clock,
        journal: journal.clone(),
    });
    stores().remember(&registry, journal);
    registry
}

/// A reopen of `previous`'s journal that first loses what `loss` names.
pub fn reopen_losing(
    loss: Loss,
    previous: &Arc<dyn ProcessRegistry>,
    clock: Arc<dyn Clock>,
) -> crate::Reopening {
    let journal = stores().lookup(previous);
    Box::pin(async move {
        let journal = journal.ok_or_else(|| {
            RegistryError::backend("reopen: this registry was not made by this mutant")
        })?;
        {
            let mut writes = crate::lock(&journal);
            match loss {
                Loss::LastWrite => {
                    writes.pop();
                }
                Loss::Nothing => {}
                Loss::Leases => writes.retain(|(_, call)| {
                    !matches!(
                        call,
                        RegistryCall::ClaimProcessLease { .. }
                            | RegistryCall::RenewProcessLease { .. }
                            | RegistryCall::CompleteProcessLease { .. }
                    )
                }),
            }
        }
        Ok(open(journal, clock).await)
    })
}

/// What the journaled mutants declare: durable, reopenable, answering inline.
pub fn capabilities() -> Capabilities {
    Capabilities {
        durability_tier: DurabilityTier::Durable,
        reopen: true,
        ..Capabilities::default()
    }
}
