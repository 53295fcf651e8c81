//! A worker: sweeps for running processes, claims one, runs its script
//! with fenced effects, renews between steps, finishes it, releases the lease.
//! Every restart is a new incarnation with a new owner id.

use crate::clock::SimClock;
use crate::faults::{Checkpoint, Stalls};
use crate::journal::{lock, SharedJournal};
use crate::network::{remote_options, session_of, worker_host, TurmoilConnector};
use crate::rng::SimRng;
use crate::script::Script;
use crate::sink::{send_to_sink, SinkWrite};
use crate::timeline::FaultSpan;
use procreg::{ErrorKind, ProcessLease, ProcessLeaseCompletion, ProcessRegistry, RegistryResult};
use procreg_remote::RemoteRegistry;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// What every incarnation of a worker shares.
pub struct WorkerSetup {
    /// The run seed.
    pub seed: u64,
    /// Script length bound.
    pub max_steps: u64,
    /// TTL of claims and renewals.
    pub lease_ttl_ms: u64,
    /// The run's journal.
    pub journal: SharedJournal,
    /// Simulated time.
    pub clock: Arc<SimClock>,
    /// Freezes the fault injector has ordered.
    pub stalls: Stalls,
    /// Whether each worker opens its own handle (shared-store topology).
    pub own_handles: bool,
}

struct Worker<'a> {
    setup: &'a WorkerSetup,
    index: usize,
    owner_id: String,
    rng: SimRng,
    registry: RemoteRegistry<TurmoilConnector>,
}

/// Attempts per call before a worker gives up on a transport failure.
const ATTEMPTS: u32 = 4;

async fn pause(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Retries `call` on transport (`Backend`) failures, as a real worker would:
/// a partition outlasting the lease makes it a zombie that resumes later.
async fn retrying<T, F, Fut>(mut call: F) -> RegistryResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = RegistryResult<T>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Err(error) if error.kind == ErrorKind::Backend && attempt < ATTEMPTS => {
                attempt += 1;
                pause(60).await;
            }
            other => return other,
        }
    }
}

impl Worker<'_> {
    /// Freezes here if the injector ordered a stall: afterwards the worker
    /// carries on as if no time had passed.
    async fn checkpoint(&self, here: Checkpoint) {
        let freeze = {
            let mut stalls = self
                .setup
                .stalls
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match stalls.get(&self.index) {
                Some((at, freeze_ms)) if *at == here => {
                    let freeze_ms = *freeze_ms;
                    stalls.remove(&self.index);
                    Some(freeze_ms)
                }
                _ => None,
            }
        };
        if let Some(freeze_ms) = freeze {
            self.note(&format!("frozen for {freeze_ms} ms"));
            self.picture_freeze(freeze_ms);
            pause(freeze_ms).await;
        }
    }

    /// Best-effort release of a lease the worker may no longer hold; a
    /// correct registry ignores a stale token (LEASE-16).
    async fn abandon(&self, lease: &ProcessLease) {
        let _ = self
            .registry
            .complete_process_lease(&ProcessLeaseCompletion::from_lease(lease))
            .await;
    }

    /// Draws a freeze as a stall span on this worker's lanes.
    fn picture_freeze(&self, freeze_ms: u64) {
        let at_ms = self.setup.clock.elapsed_ms();
        let mut journal = lock(&self.setup.journal);
        if let Some(timeline) = journal.timeline() {
            let family = self.owner_id.split('.').next().unwrap_or(&self.owner_id);
            timeline.fault_struck(
                None,
                FaultSpan {
                    kind: "stall".to_owned(),
                    target: family.to_owned(),
                    from_ms: at_ms,
                    to_ms: Some(at_ms + freeze_ms),
                    text: format!("{} frozen for {freeze_ms} ms", self.owner_id),
                },
            );
        }
    }

    fn note(&self, text: &str) {
        let at_ms = self.setup.clock.elapsed_ms();
        lock(&self.setup.journal).note(at_ms, &self.owner_id, text);
    }

    async fn sweep_and_claim(&mut self) -> Option<ProcessLease> {
        let mut running = self.registry.list_non_terminal().await.ok()?;
        // The pick must not depend on the order a backend happens to return.
        running.sort_by(|a, b| a.id.cmp(&b.id));
        for candidate in self.claim_order(running) {
            let claimed = self
                .registry
                .claim_process_lease(&candidate, &self.owner_id, self.setup.lease_ttl_ms)
                .await;
            if let Ok(lease) = claimed {
                self.note(&format!(
                    "holds {} with fence {}",
                    lease.process_id, lease.fencing_token
                ));
                return Some(lease);
            }
        }
        None
    }

    /// The order to try claiming `running` (sorted by id) in: started work
    /// first, as a scheduler that finishes what it began does, then the
    /// rest, each group in a random rotation. A started process (its record
    /// updated since registration) is held by a live worker, and the claim
    /// fails, or was orphaned by one that froze, was cut off or died, and
    /// the claim takes it over: the moment fencing exists for.
    fn claim_order(&mut self, running: Vec<procreg::ProcessRecord>) -> Vec<String> {
        let (started, fresh): (Vec<_>, Vec<_>) = running
            .into_iter()
            .partition(|record| record.updated_at_ms > record.created_at_ms);
        let mut order = Vec::new();
        for group in [started, fresh] {
            let start = self.rng.index(group.len());
            for offset in 0..group.len() {
                order.push(group[(start + offset) % group.len()].id.clone());
            }
        }
        order
    }

    /// Runs the script of the leased process; returns the lease to release,
    /// or `None` when the worker lost it (or gave up) and must not touch it.
    async fn run_script(&mut self, mut lease: ProcessLease) -> Option<ProcessLease> {
        let process_id = lease.process_id.clone();
        let Some(script) = Script::for_id(&process_id, self.setup.max_steps) else {
            self.note(&format!("{process_id} has no script; releasing it"));
            return Some(lease);
        };
        match self.registry.get_process(&process_id).await {
            Some(record) if !record.is_terminal() => {}
            _ => {
                self.note(&format!(
                    "{process_id} is finished or unreadable; releasing it"
                ));
                return Some(lease);
            }
        }
        for step in 0..script.steps {
            let write = SinkWrite {
                process_id: process_id.clone(),
                owner_id: self.owner_id.clone(),
                fencing_token: lease.fencing_token,
                step,
            };
            self.checkpoint(Checkpoint::Effect).await;
            match send_to_sink(&write).await {
                None => {
                    self.note(&format!(
                        "{process_id} step {step}: sink unreachable, giving up"
                    ));
                    return None;
                }
                Some(reply) if !reply.accepted => {
                    self.note(&format!(
                        "{process_id} step {step}: fenced off by the sink (saw {}), stopping",
                        reply.highest_seen
                    ));
                    self.abandon(&lease).await;
                    return None;
                }
                Some(_) => {}
            }
            let registry = &self.registry;
            let appended =
                retrying(|| registry.append_event(&process_id, script.step_event(step))).await;
            if let Err(error) = appended {
                self.note(&format!(
                    "{process_id} step {step}: append failed ({}), giving up",
                    error.kind
                ));
                return None;
            }
            pause(self.rng.range(10, 60)).await;
            let registry = &self.registry;
            let ttl = self.setup.lease_ttl_ms;
            match retrying(|| registry.renew_process_lease(&lease, ttl)).await {
                Ok(renewed) => lease = renewed,
                Err(error) => {
                    self.note(&format!(
                        "{process_id}: lost the lease ({}), stopping",
                        error.kind
                    ));
                    self.abandon(&lease).await;
                    return None;
                }
            }
            if step + 1 < script.steps && self.rng.chance(1, 6) {
                self.note(&format!("{process_id}: yields after step {step}"));
                return Some(lease);
            }
        }
        if script.woken {
            if let Ok(wakes) = self.registry.wake_events_after(&process_id, 0).await {
                for wake in wakes {
                    let _ = self.registry.ack_wake(&process_id, wake.sequence).await;
                }
            }
        }
        self.checkpoint(Checkpoint::Finish).await;
        let registry = &self.registry;
        let finished = if script.completes_via_api {
            retrying(|| registry.complete_process(&process_id, script.output()))
                .await
                .map(|_| ())
        } else {
            let terminal = script.terminal_event(&self.owner_id);
            retrying(|| registry.append_event(&process_id, terminal.clone()))
                .await
                .map(|_| ())
        };
        match finished {
            Ok(()) => self.note(&format!("{process_id}: finished")),
            Err(error) if error.kind == ErrorKind::AlreadyTerminal => {
                self.note(&format!("{process_id}: someone else finished it"))
            }
            Err(error) => {
                self.note(&format!("{process_id}: finishing failed ({})", error.kind));
                return None;
            }
        }
        Some(lease)
    }
}

/// The software of one worker host, incarnation `incarnation`.
pub async fn run_worker(
    setup: Arc<WorkerSetup>,
    index: usize,
    incarnation: u64,
) -> turmoil::Result {
    let owner_id = format!("worker-{index}.{incarnation}");
    let rng = SimRng::derive(setup.seed, &owner_id);
    let registry = loop {
        let session = session_of(&worker_host(index), setup.own_handles);
        match RemoteRegistry::connect_session(
            TurmoilConnector::registry(),
            remote_options(),
            session,
        )
        .await
        {
            Ok(registry) => break registry,
            Err(_) => pause(50).await,
        }
    };
    let mut worker = Worker {
        setup: &setup,
        index,
        owner_id,
        rng,
        registry,
    };
    worker.note("started");
    loop {
        if let Some(lease) = worker.sweep_and_claim().await {
            if let Some(lease) = worker.run_script(lease).await {
                let _ = worker
                    .registry
                    .complete_process_lease(&ProcessLeaseCompletion::from_lease(&lease))
                    .await;
            }
        }
        let idle = worker.rng.range(10, 40);
        pause(idle).await;
    }
}
