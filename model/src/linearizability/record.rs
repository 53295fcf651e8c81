//! Recording: concurrent tasks issue seeded random calls on a few shared
//! processes of one fresh registry, each call stamped on a logical clock.

use super::history::{await_output, History, HistoryOp, OpValue, Operation, Outcome, OWNERS};
use super::rng::Rng;
use crate::machine::EventKind;
use crate::CHECK_START_MS;
use procreg::{ClockControl, ErrorTyping, RegistryFactory};
use procreg::{
    ErrorKind, ManualClock, ProcessLease, ProcessLeaseCompletion, ProcessRegistry, RegistryError,
    RegistryResult,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use super::config::{process_id, HistoryConfig, OpMix};

/// What every task shares: the logical clock and the token names.
#[derive(Debug, Default)]
struct Shared {
    clock: AtomicU64,
    tokens: Mutex<BTreeMap<String, usize>>,
}

impl Shared {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst)
    }

    /// The lease with its opaque token replaced by its `<token-N>` name.
    fn named(&self, lease: &ProcessLease) -> ProcessLease {
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = tokens.len() + 1;
        let number = *tokens.entry(lease.lease_token.clone()).or_insert(next);
        ProcessLease {
            lease_token: format!("<token-{number}>"),
            ..lease.clone()
        }
    }
}

/// A call's raw result, before token naming.
enum Raw {
    Value(OpValue),
    Lease(ProcessLease),
    Err(ErrorKind),
    Timeout,
}

fn raw<T>(result: RegistryResult<T>, wrap: impl FnOnce(T) -> OpValue) -> Raw {
    match result {
        Ok(value) => Raw::Value(wrap(value)),
        Err(error) => Raw::Err(error.kind),
    }
}

fn raw_lease(result: RegistryResult<ProcessLease>) -> Raw {
    match result {
        Ok(lease) => Raw::Lease(lease),
        Err(error) => Raw::Err(error.kind),
    }
}

async fn bounded<T>(
    bound: Duration,
    call: impl std::future::Future<Output = RegistryResult<T>>,
    wrap: impl FnOnce(T) -> OpValue,
) -> Raw {
    match tokio::time::timeout(bound, call).await {
        Ok(result) => raw(result, wrap),
        Err(_) => Raw::Timeout,
    }
}

/// Issues `op` on `registry`; `lease` is the raw lease a renew or release presents.
async fn issue(
    registry: &dyn ProcessRegistry,
    process: &str,
    op: &HistoryOp,
    lease: Option<&ProcessLease>,
    wait_timeout: Duration,
) -> Raw {
    match op {
        HistoryOp::Register { variant } => raw(
            registry
                .register_process(HistoryOp::registration(process, *variant))
                .await,
            OpValue::record,
        ),
        HistoryOp::AppendEvent {
            event,
            value,
            key,
            target,
        } => raw(
            registry
                .append_event(
                    process,
                    HistoryOp::append_request(process, *event, *value, key.as_deref(), *target),
                )
                .await,
            OpValue::append,
        ),
        HistoryOp::CompleteProcess { output } => raw(
            registry
                .complete_process(process, await_output(*output))
                .await,
            OpValue::record,
        ),
        HistoryOp::EventsAfter { after } => raw(
            registry.events_after(process, *after).await,
            OpValue::Events,
        ),
        HistoryOp::WakeEventsAfter { after } => raw(
            registry.wake_events_after(process, *after).await,
            OpValue::Events,
        ),
        HistoryOp::AckWake { sequence } => raw(registry.ack_wake(process, *sequence).await, |()| {
            OpValue::Unit
        }),
        HistoryOp::GetProcess => {
            Raw::Value(OpValue::maybe_record(registry.get_process(process).await))
        }
        HistoryOp::WaitEventAfter { event_type, after } => {
            bounded(
                wait_timeout,
                registry.wait_event_after(process, event_type, *after),
                OpValue::event,
            )
            .await
        }
        HistoryOp::AwaitProcess => {
            bounded(
                wait_timeout,
                registry.await_process(process),
                OpValue::await_output,
            )
            .await
        }
        HistoryOp::ClaimLease { owner, ttl_ms } => {
            raw_lease(registry.claim_process_lease(process, owner, *ttl_ms).await)
        }
        HistoryOp::RenewLease { ttl_ms, .. } => match lease {
            Some(lease) => raw_lease(registry.renew_process_lease(lease, *ttl_ms).await),
            None => Raw::Err(ErrorKind::LeaseLost),
        },
        HistoryOp::ReleaseLease { .. } => match lease {
            Some(lease) => raw(
                registry
                    .complete_process_lease(&ProcessLeaseCompletion::from_lease(lease))
                    .await,
                |()| OpValue::Unit,
            ),
            None => Raw::Value(OpValue::Unit),
        },
    }
}

/// One task's generator state: what it has seen, and the leases it holds.
struct Task {
    index: usize,
    rng: Rng,
    /// Seeded pauses around each call, when the run is scheduled from the seed.
    pacer: Option<Rng>,
    /// Highest sequence seen per process index.
    seen: BTreeMap<usize, u64>,
    /// Wake sequences seen per process index.
    wakes: BTreeMap<usize, Vec<u64>>,
    /// Leases this task obtained: (name, raw lease as last returned).
    leases: Vec<(String, ProcessLease)>,
}

const TTLS: [u64; 3] = [0, 1_000, u64::MAX];

impl Task {
    fn cursor(&mut self, process: usize) -> u64 {
        let seen = self.seen.get(&process).copied().unwrap_or(0);
        seen.saturating_sub(self.rng.below(3))
    }

    /// The next call: (process index, process id, op, index into `leases` for renew and release).
    fn next_op(&mut self, config: &HistoryConfig) -> (usize, String, HistoryOp, Option<usize>) {
        let process = self.rng.index(config.processes.max(1));
        let mut choice = self.rng.weighted(&config.mix.weights());
        if (choice == 9 || choice == 10) && self.leases.is_empty() {
            choice = 8;
        }
        let op = match choice {
            0 => HistoryOp::Register {
                variant: match self.rng.below(10) {
                    0 => 1,
                    1 => 2,
                    _ => 0,
                },
            },
            1 => {
                let kinds = [
                    (EventKind::Note, 5),
                    (EventKind::Wake, 4),
                    (EventKind::SilentWake, 1),
                    (EventKind::Typed, 2),
                    (EventKind::BadTyped, 1),
                    (EventKind::Cancel, 1),
                    (EventKind::Done, 1),
                ];
                let weights: Vec<u32> = kinds.iter().map(|(_, weight)| *weight).collect();
                let event = kinds[self.rng.weighted(&weights)].0;
                let key = if self.rng.chance(50) && event != EventKind::Done {
                    None
                } else {
                    Some(format!("k{}", self.rng.below(3)))
                };
                HistoryOp::AppendEvent {
                    event,
                    value: self.rng.small(2),
                    key,
                    target: self.rng.chance(85).then(|| self.rng.small(4)),
                }
            }
            2 => HistoryOp::CompleteProcess {
                output: self.rng.small(3),
            },
            3 => HistoryOp::EventsAfter {
                after: self.cursor(process),
            },
            4 => HistoryOp::WakeEventsAfter {
                after: if self.rng.chance(50) {
                    0
                } else {
                    self.cursor(process)
                },
            },
            5 => {
                let wakes = self.wakes.get(&process).cloned().unwrap_or_default();
                let sequence = if wakes.is_empty() || self.rng.chance(20) {
                    self.cursor(process) + 1
                } else {
                    wakes[self.rng.index(wakes.len())]
                };
                HistoryOp::AckWake { sequence }
            }
            6 => HistoryOp::GetProcess,
            7 => {
                if self.rng.chance(25) {
                    HistoryOp::AwaitProcess
                } else {
                    HistoryOp::WaitEventAfter {
                        event_type: if self.rng.chance(70) { "note" } else { "wake" }.to_owned(),
                        after: self.cursor(process).saturating_sub(1),
                    }
                }
            }
            9 | 10 => {
                let index = self.rng.index(self.leases.len());
                let (name, lease) = &self.leases[index];
                let op = if choice == 9 {
                    HistoryOp::RenewLease {
                        lease: name.clone(),
                        ttl_ms: TTLS[self.rng.index(TTLS.len())],
                    }
                } else {
                    HistoryOp::ReleaseLease {
                        lease: name.clone(),
                    }
                };
                // A renew or release addresses the process of its lease.
                return (process, lease.process_id.clone(), op, Some(index));
            }
            _ => HistoryOp::ClaimLease {
                owner: OWNERS[self.rng.index(OWNERS.len())].to_owned(),
                ttl_ms: [0, 1_000, 1_000, u64::MAX, u64::MAX][self.rng.index(5)],
            },
        };
        (process, process_id(process), op, None)
    }

    /// Learns cursors, wakes and leases from a result.
    fn observe(&mut self, process: usize, value: &OpValue) {
        let saw = |task: &mut Task, event: &procreg::ProcessEvent| {
            let seen = task.seen.entry(process).or_insert(0);
            *seen = (*seen).max(event.sequence);
            if event.semantics.wake.is_some() {
                let wakes = task.wakes.entry(process).or_default();
                if !wakes.contains(&event.sequence) {
                    wakes.push(event.sequence);
                }
            }
        };
        match value {
            OpValue::Append(result) => saw(self, &result.event),
            OpValue::Events(events) => {
                for event in events {
                    saw(self, event);
                }
            }
            OpValue::Event(event) => saw(self, event),
            _ => {}
        }
    }

    /// In a scheduled run, lets the other tasks go first for a seeded
    /// while (virtual time: the scheduled runtime's clock is paused); this
    /// is where the seed chooses the interleaving.
    async fn pause(&mut self) {
        let Some(pacer) = self.pacer.as_mut() else {
            return;
        };
        match pacer.below(PAUSE_CHOICES) {
            0 => {}
            1 => tokio::task::yield_now().await,
            ms => tokio::time::sleep(Duration::from_millis(ms - 1)).await,
        }
    }

    async fn run(
        mut self,
        registry: Arc<dyn ProcessRegistry>,
        shared: Arc<Shared>,
        config: HistoryConfig,
    ) -> Vec<Operation> {
        let mut operations = Vec::with_capacity(config.ops_per_task);
        for _ in 0..config.ops_per_task {
            let (process, process_name, op, lease_index) = self.next_op(&config);
            self.pause().await;
            let invoke = shared.tick();
            self.pause().await;
            let lease = lease_index.and_then(|index| self.leases.get(index).map(|(_, l)| l));
            let result = tokio::time::timeout(
                config.call_timeout,
                issue(
                    registry.as_ref(),
                    &process_name,
                    &op,
                    lease,
                    config.wait_timeout,
                ),
            )
            .await
            .unwrap_or(Raw::Timeout);
            self.pause().await;
            let response = shared.tick();
            let (response, outcome) = match result {
                Raw::Timeout => (None, Outcome::Timeout),
                Raw::Err(kind) => (Some(response), Outcome::Err { kind }),
                Raw::Value(value) => {
                    self.observe(process, &value);
                    (Some(response), Outcome::Ok { value })
                }
                Raw::Lease(lease) => {
                    let named = shared.named(&lease);
                    match (&op, lease_index) {
                        (HistoryOp::RenewLease { .. }, Some(index)) => {
                            if let Some(held) = self.leases.get_mut(index) {
                                held.1 = lease;
                            }
                        }
                        _ => self.leases.push((named.lease_token.clone(), lease)),
                    }
                    (
                        Some(response),
                        Outcome::Ok {
                            value: OpValue::Lease(named),
                        },
                    )
                }
            };
            operations.push(Operation {
                id: 0,
                task: self.index,
                process: process_name,
                op,
                invoke,
                response,
                outcome,
            });
        }
        operations
    }
}

/// How many pause lengths a scheduled task draws from: none, a yield, or
/// a virtual sleep of 1..=3 ms.
const PAUSE_CHOICES: u64 = 5;

/// Mixed into the seed for the pauses, so they never correlate with the calls drawn.
const PAUSE_STREAM: u64 = 0x5CED_u64;

/// Records a concurrent history of a fresh registry from `factory`.
///
/// The registry reads a [`ManualClock`] fixed at [`CHECK_START_MS`] for the
/// whole run, so time is no source of nondeterminism. `config.tasks` tasks
/// issue `config.ops_per_task` seeded random calls each on
/// `config.processes` shared processes. Every call is stamped on one
/// logical clock just before it starts and just after it returns, and
/// recorded with its task, process, call and result, lease tokens renamed
/// `<token-N>` history-wide.
///
/// How the tasks interleave depends on the backend:
/// - a backend whose calls run on the caller's task
///   ([`Capabilities::inline_calls`](procreg::Capabilities)) is *scheduled*:
///   the tasks run on one thread of their own with virtual time, and each
///   pauses for a seeded while before, inside and after every call, so the
///   seed alone chooses the interleaving and the same seed records the same
///   history, verdict and counterexample on every run (this call then
///   blocks its thread until the history is recorded);
/// - any other backend runs the tasks on the caller's runtime (use a
///   multi-thread runtime for real parallelism): the interleaving is the
///   machine's, so save the history to check it again.
///
/// Fails when the backend cannot start, declares wall-clock time only, or a
/// task panics.
pub async fn record_history<F: RegistryFactory + ?Sized>(
    factory: &F,
    config: &HistoryConfig,
) -> RegistryResult<History> {
    let capabilities = factory.capabilities();
    if capabilities.clock != ClockControl::Injected {
        return Err(RegistryError::unsupported(
            "recording a history needs an injected clock (the backend declares wall-clock time only)",
        ));
    }
    if capabilities.inline_calls {
        return record_scheduled(factory, config);
    }
    record_tasks(factory, config, false).await
}

/// Records on a thread of its own, on a current-thread runtime whose clock
/// is paused: every task, timer and wake-up runs in an order fixed by the seed.
fn record_scheduled<F: RegistryFactory + ?Sized>(
    factory: &F,
    config: &HistoryConfig,
) -> RegistryResult<History> {
    std::thread::scope(|scope| {
        let recorder = scope.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .map_err(|error| {
                    RegistryError::backend(format!("could not start a scheduled runtime: {error}"))
                })?;
            runtime.block_on(record_tasks(factory, config, true))
        });
        recorder.join().unwrap_or_else(|_| {
            Err(RegistryError::backend(
                "the scheduled recording thread panicked",
            ))
        })
    })
}

/// Handles on one store a history's tasks are spread over, for a backend
/// that declares `Capabilities::handles`.
pub const HANDLES_PER_HISTORY: usize = 3;

/// Spawns the tasks on the current runtime and collects their calls.
async fn record_tasks<F: RegistryFactory + ?Sized>(
    factory: &F,
    config: &HistoryConfig,
    scheduled: bool,
) -> RegistryResult<History> {
    let capabilities = factory.capabilities();
    let clock = ManualClock::new(CHECK_START_MS);
    let registry = factory.create(Arc::new(clock.clone())).await?;
    // A backend with several live handles on one store gets its tasks spread
    // over them, as many workers each open their own handle (REG-17).
    let mut stores = vec![Arc::clone(&registry)];
    if capabilities.handles && capabilities.reopen {
        while stores.len() < HANDLES_PER_HISTORY {
            stores.push(factory.reopen(&registry, Arc::new(clock.clone())).await?);
        }
    }
    let shared = Arc::new(Shared::default());
    let mut handles = Vec::with_capacity(config.tasks);
    for index in 0..config.tasks {
        let stream = index as u64 + 1;
        let task = Task {
            index,
            rng: Rng::new(config.seed, stream),
            pacer: scheduled.then(|| Rng::new(config.seed ^ PAUSE_STREAM, stream)),
            seen: BTreeMap::new(),
            wakes: BTreeMap::new(),
            leases: Vec::new(),
        };
        handles.push(tokio::spawn(task.run(
            Arc::clone(&stores[index % stores.len()]),
            Arc::clone(&shared),
            config.clone(),
        )));
    }
    let mut operations = Vec::with_capacity(config.tasks * config.ops_per_task);
    for (index, handle) in handles.into_iter().enumerate() {
        let recorded = handle.await.map_err(|error| {
            RegistryError::backend(format!("recording task {index} failed: {error}"))
        })?;
        operations.extend(recorded);
    }
    operations.sort_by_key(|operation| operation.invoke);
    for (id, operation) in operations.iter_mut().enumerate() {
        operation.id = id;
    }
    Ok(History {
        clock_ms: procreg::Clock::now_ms(&clock),
        handles: stores.len(),
        durability_tier: registry.durability_tier(),
        typed_errors: capabilities.errors == ErrorTyping::Typed,
        operations,
    })
}
