//! The model check for wall-clock registries: time held still, timestamps pinned.
//!
//! The model check (`procreg_conformance::machine`) needs an injected clock:
//! the model stamps every record, event and lease with the `ManualClock`
//! reading and moves it with `AdvanceClock` / `RewindClock` ops. A lash
//! registry reads the wall clock and cannot be told the time. What still
//! makes sense is the model check with time held still:
//! - [`pin_ops`] drops the clock ops and turns every TTL that is neither 0
//!   nor `u64::MAX` into [`PINNED_TTL_MS`] (an hour), so no lease expires
//!   by the wall clock during a sequence. TTL 0 is expired at once on both
//!   sides (liveness is strict: `expires > now`), `u64::MAX` never.
//! - [`PinnedRegistry`] reports every timestamp as the (still) injected
//!   reading: `created_at_ms`, `updated_at_ms`, `occurred_at_ms`, a wake's
//!   `created_at_ms`, a lease's `claimed_at_epoch_ms`, and a lease's expiry
//!   as that reading plus the TTL asked for. It also maps the registry's own
//!   registration hash to the kit's for the same content (hashes are
//!   compared only for equality, REG-11; lash hashes lash's JSON).
//!
//! Everything else, results, errors and the whole observable state after
//! every step, is compared with the model as usual. What this cannot
//! check is time itself: expiry, timestamps and clocks set back (the
//! conformance suite checks those on the wall clock).

use async_trait::async_trait;
use procreg::{
    CallAnswer, CallHandler, CallResult, Clock, DurabilityTier, ProcessEvent,
    ProcessHandleGrantEntry, ProcessLease, ProcessRecord, ProcessRegistry, RegistryCall,
    RegistryResult,
};
use procreg_conformance::machine::{model_check_with, ModelConfig, ModelReport, Op};
use procreg_conformance::{Capabilities, ClockControl, RegistryFactory};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The TTL that replaces every generated TTL other than 0 and `u64::MAX`:
/// an hour, far longer than any sequence runs.
pub const PINNED_TTL_MS: u64 = 3_600_000;

/// `ops` without clock moves, with TTLs pinned (see the module docs).
pub fn pin_ops(ops: Vec<Op>) -> Vec<Op> {
    let pin = |ttl_ms: u64| {
        if ttl_ms == 0 || ttl_ms == u64::MAX {
            ttl_ms
        } else {
            PINNED_TTL_MS
        }
    };
    ops.into_iter()
        .filter_map(|op| match op {
            Op::AdvanceClock { .. } | Op::RewindClock { .. } => None,
            Op::ClaimLease {
                process,
                owner,
                ttl_ms,
            } => Some(Op::ClaimLease {
                process,
                owner,
                ttl_ms: pin(ttl_ms),
            }),
            Op::RenewLease { lease, ttl_ms } => Some(Op::RenewLease {
                lease,
                ttl_ms: pin(ttl_ms),
            }),
            other => Some(other),
        })
        .collect()
}

/// A registry whose timestamps read as the injected clock and whose
/// registration hashes read as the kit's (see the module docs). Only
/// meaningful while that clock stands still.
pub struct PinnedRegistry {
    inner: Arc<dyn ProcessRegistry>,
    clock: Arc<dyn Clock>,
    /// The inner registry's hash of a registration -> the kit's hash of it.
    hashes: Mutex<BTreeMap<Arc<str>, Arc<str>>>,
}

impl PinnedRegistry {
    /// Pins `inner` to `clock`.
    pub fn new(inner: Arc<dyn ProcessRegistry>, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner,
            clock,
            hashes: Mutex::new(BTreeMap::new()),
        }
    }

    fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    fn record(&self, mut record: ProcessRecord) -> ProcessRecord {
        let now = self.now_ms();
        record.created_at_ms = now;
        record.updated_at_ms = now;
        let hashes = self
            .hashes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(kit_hash) = hashes.get(&*record.registration_hash) {
            record.registration_hash = Arc::clone(kit_hash);
        }
        record
    }

    fn records(&self, records: Vec<ProcessRecord>) -> Vec<ProcessRecord> {
        records
            .into_iter()
            .map(|record| self.record(record))
            .collect()
    }

    fn entries(&self, entries: Vec<ProcessHandleGrantEntry>) -> Vec<ProcessHandleGrantEntry> {
        entries
            .into_iter()
            .map(|(grant, record)| (grant, self.record(record)))
            .collect()
    }

    fn event(&self, mut event: ProcessEvent) -> ProcessEvent {
        event.occurred_at_ms = self.now_ms();
        event
    }

    fn events(&self, events: Vec<ProcessEvent>) -> Vec<ProcessEvent> {
        events.into_iter().map(|event| self.event(event)).collect()
    }

    fn lease(
        &self,
        mut lease: ProcessLease,
        claimed_at_epoch_ms: u64,
        ttl_ms: u64,
    ) -> ProcessLease {
        lease.claimed_at_epoch_ms = claimed_at_epoch_ms;
        lease.expires_at_epoch_ms = self.now_ms().saturating_add(ttl_ms);
        lease
    }
}

impl PinnedRegistry {
    /// Pins every timestamp and hash in `answer` (leases are pinned by the
    /// caller, which knows the TTL asked for).
    fn pin(&self, answer: CallAnswer) -> CallAnswer {
        match answer {
            CallAnswer::Record(record) => CallAnswer::Record(self.record(record)),
            CallAnswer::MaybeRecord(record) => {
                CallAnswer::MaybeRecord(record.map(|record| self.record(record)))
            }
            CallAnswer::Records(records) => CallAnswer::Records(self.records(records)),
            CallAnswer::GrantEntries(entries) => CallAnswer::GrantEntries(self.entries(entries)),
            CallAnswer::Appended(mut result) => {
                result.event = self.event(result.event);
                if let Some(delivery) = result.wake_delivery.as_mut() {
                    delivery.created_at_ms = self.now_ms();
                }
                CallAnswer::Appended(result)
            }
            CallAnswer::Event(event) => CallAnswer::Event(self.event(event)),
            CallAnswer::Events(events) => CallAnswer::Events(self.events(events)),
            other => other,
        }
    }
}

#[async_trait]
impl CallHandler for PinnedRegistry {
    fn durability_tier(&self) -> DurabilityTier {
        self.inner.durability_tier()
    }

    async fn handle(&self, call: RegistryCall) -> CallResult {
        let inner = self.inner.as_ref();
        match call {
            RegistryCall::RegisterProcess { registration } => {
                let kit_hash = procreg::prepare_registration(registration.clone())
                    .map(|prepared| prepared.registration_hash)
                    .ok();
                let record = inner.register_process(registration).await?;
                if let Some(kit_hash) = kit_hash {
                    self.hashes
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .insert(Arc::clone(&record.registration_hash), kit_hash.into());
                }
                Ok(CallAnswer::Record(self.record(record)))
            }
            RegistryCall::ClaimProcessLease {
                process_id,
                owner_id,
                lease_ttl_ms,
            } => {
                let lease = inner
                    .claim_process_lease(&process_id, &owner_id, lease_ttl_ms)
                    .await?;
                Ok(CallAnswer::Lease(self.lease(
                    lease,
                    self.now_ms(),
                    lease_ttl_ms,
                )))
            }
            RegistryCall::RenewProcessLease {
                lease,
                lease_ttl_ms,
            } => {
                let renewed = inner.renew_process_lease(&lease, lease_ttl_ms).await?;
                Ok(CallAnswer::Lease(self.lease(
                    renewed,
                    lease.claimed_at_epoch_ms,
                    lease_ttl_ms,
                )))
            }
            other => Ok(self.pin(other.dispatch(inner).await?)),
        }
    }
}

/// A factory of [`PinnedRegistry`]s over `inner`'s registries; it declares
/// an injected clock so the model check runs (see the module docs).
pub struct PinnedFactory<F> {
    inner: F,
}

impl<F: RegistryFactory> PinnedFactory<F> {
    /// Pins the registries of `inner`.
    pub fn new(inner: F) -> Self {
        Self { inner }
    }
}

#[async_trait]
impl<F: RegistryFactory> RegistryFactory for PinnedFactory<F> {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let inner = self.inner.create(Arc::clone(&clock)).await?;
        Ok(Arc::new(PinnedRegistry::new(inner, clock)))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            clock: ClockControl::Injected,
            ..self.inner.capabilities()
        }
    }
}

/// The model check of `factory`'s (wall-clock) registries with time held
/// still: `config.cases` generated sequences passed through [`pin_ops`] and
/// then `adapt` (pass `std::convert::identity` for none; an adapter can
/// steer the search away from divergences already known), run on
/// [`PinnedRegistry`]s and the model, the first divergence shrunk.
/// `config.regressions` is not used. Runs its own current-thread runtime,
/// so call it outside any async context.
pub fn pinned_model_check<F, A>(factory: F, config: &ModelConfig, adapt: A) -> ModelReport
where
    F: RegistryFactory,
    A: Fn(Vec<Op>) -> Vec<Op>,
{
    let config = ModelConfig {
        regressions: None,
        ..config.clone()
    };
    let pinned = PinnedFactory::new(factory);
    model_check_with(&pinned, &config, &|ops| adapt(pin_ops(ops)))
}
