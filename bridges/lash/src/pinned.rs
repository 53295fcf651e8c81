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
    Clock, DurabilityTier, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessHandleGrantEntry, ProcessLease, ProcessLeaseCompletion, ProcessRecord,
    ProcessRegistration, ProcessRegistry, ProcessScope, ProcessSessionDeleteReport, RegistryResult,
};
use procreg_conformance::machine::{
    run_sequence, sequence_strategy, ModelConfig, ModelFailure, ModelOutcome, ModelReport, Op,
};
use procreg_conformance::{Capabilities, ClockControl, RegistryFactory};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
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
    hashes: Mutex<BTreeMap<String, String>>,
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
        if let Some(kit_hash) = hashes.get(&record.registration_hash) {
            record.registration_hash = kit_hash.clone();
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

#[async_trait]
impl ProcessRegistry for PinnedRegistry {
    fn durability_tier(&self) -> DurabilityTier {
        self.inner.durability_tier()
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let kit_hash = procreg::prepare_registration(registration.clone())
            .map(|prepared| prepared.registration_hash)
            .ok();
        let record = self.inner.register_process(registration).await?;
        if let Some(kit_hash) = kit_hash {
            self.hashes
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .insert(record.registration_hash.clone(), kit_hash);
        }
        Ok(self.record(record))
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        let record = self
            .inner
            .set_external_ref(process_id, external_ref)
            .await?;
        Ok(self.record(record))
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.inner
            .grant_handle(owner_scope, process_id, descriptor)
            .await
    }

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        self.inner.revoke_handle(owner_scope, process_id).await
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        self.inner
            .transfer_handle_grants(from_scope, to_scope, process_ids)
            .await
    }

    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        Ok(self.entries(self.inner.list_handle_grants(owner_scope).await?))
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        Ok(self.entries(self.inner.list_live_handle_grants(owner_scope).await?))
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        self.inner.has_handle_grant(owner_scope, process_id).await
    }

    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        self.inner.handle_grants_for_process(process_id).await
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        self.inner.delete_session_process_state(session_id).await
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let mut result = self.inner.append_event(process_id, request).await?;
        result.event = self.event(result.event);
        if let Some(delivery) = result.wake_delivery.as_mut() {
            delivery.created_at_ms = self.now_ms();
        }
        Ok(result)
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        Ok(self.events(self.inner.events_after(process_id, after_sequence).await?))
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        Ok(self.events(
            self.inner
                .wake_events_after(process_id, after_sequence)
                .await?,
        ))
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        let event = self
            .inner
            .wait_event_after(process_id, event_type, after_sequence)
            .await?;
        Ok(self.event(event))
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        self.inner.await_process(process_id).await
    }

    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let record = self
            .inner
            .complete_process(process_id, await_output)
            .await?;
        Ok(self.record(record))
    }

    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        let record = self.inner.get_process(process_id).await?;
        Some(self.record(record))
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        self.inner.ack_wake(process_id, sequence).await
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        Ok(self.records(self.inner.list_non_terminal().await?))
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let lease = self
            .inner
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await?;
        Ok(self.lease(lease, self.now_ms(), lease_ttl_ms))
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let renewed = self.inner.renew_process_lease(lease, lease_ttl_ms).await?;
        Ok(self.lease(renewed, lease.claimed_at_epoch_ms, lease_ttl_ms))
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.inner.complete_process_lease(completion).await
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

fn seeded_rng(seed: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
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
    let factory = PinnedFactory::new(factory);
    let mut report = ModelReport {
        seed: config.seed,
        cases_run: 0,
        ops_run: 0,
        cases_to_failure: None,
        outcome: ModelOutcome::Passed,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            report.outcome = ModelOutcome::Skipped {
                reason: format!("could not start a runtime: {error}"),
            };
            return report;
        }
    };
    let proptest_config = Config {
        cases: config.cases,
        failure_persistence: None,
        max_shrink_iters: 4_096,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(proptest_config, seeded_rng(config.seed));
    let counters = std::cell::Cell::new((0u64, 0u64));
    let first_failure = std::cell::Cell::new(None);
    let strategy = sequence_strategy(config.max_ops).prop_map(move |ops| adapt(pin_ops(ops)));
    let result = runner.run(&strategy, |ops| {
        let (cases, steps) = counters.get();
        counters.set((cases + 1, steps + ops.len() as u64));
        let verdict = match run_sequence(&runtime, &factory, &ops, config.compare_state) {
            Ok(None) => Ok(()),
            Ok(Some(divergence)) => Err(TestCaseError::fail(divergence.what)),
            Err(message) => Err(TestCaseError::fail(message)),
        };
        if verdict.is_err() && first_failure.get().is_none() {
            first_failure.set(Some(cases + 1));
        }
        verdict
    });
    report.cases_to_failure = first_failure.get();
    let (cases, steps) = counters.get();
    report.cases_run = cases;
    report.ops_run = steps;
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            report.outcome = match run_sequence(&runtime, &factory, &ops, config.compare_state) {
                Ok(Some(divergence)) => ModelOutcome::Failed(Box::new(ModelFailure {
                    seed: config.seed,
                    ops,
                    divergence,
                })),
                _ => ModelOutcome::Skipped {
                    reason: format!("a failure did not reproduce on replay: {reason}"),
                },
            }
        }
        Err(TestError::Abort(reason)) => {
            report.outcome = ModelOutcome::Skipped {
                reason: format!("the search aborted: {reason}"),
            }
        }
    }
    report
}
