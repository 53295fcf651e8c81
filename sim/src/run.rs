//! Runs the world for one seed, or for a range of seeds.

use crate::audit::audit;
use crate::clock::{SimClock, SIM_EPOCH_MS};
use crate::config::{SimConfig, Topology};
use crate::coverage::{Moment, SweepCoverage};
use crate::durability::audit_durability;
use crate::faults::{FaultInjector, RegistryFaults, Stalls};
use crate::host::RegistryHost;
use crate::journal::{lock, Journal};
use crate::network::{
    serve_registry, worker_host, ClientRegistries, PRODUCER_HOST, REGISTRY_HOST, SINK_HOST,
};
use crate::observed::ObservedRegistry;
use crate::outcome::{Invariant, SimOutcome};
use crate::producer::{run_producer, ProducerSetup};
use crate::script::Script;
use crate::sink::{serve_sink, EffectSink};
use crate::worker::{run_worker, WorkerSetup};
use procreg::{ProcessRegistry, RegistryError};
use procreg_conformance::RegistryFactory;
use procreg_remote::Registries;
use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

/// Simulated time per turmoil step.
pub const TICK_MS: u64 = 20;

/// Why a run could not take place at all (as opposed to failing an invariant).
#[derive(Debug)]
pub enum SimError {
    /// The backend's factory could not create a registry.
    Backend(RegistryError),
    /// The host machinery failed (a tokio runtime could not be built).
    Harness(String),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Backend(error) => write!(f, "the backend failed to start: {error}"),
            SimError::Harness(detail) => write!(f, "the simulation could not start: {detail}"),
        }
    }
}

impl std::error::Error for SimError {}

/// Where the stepping loop stopped.
struct Stepped {
    now_ms: u64,
    steps: u64,
    faults: u64,
    finished: bool,
}

/// Builds the world of `config`: the registry host serving `observed`,
/// the effect sink, the workers and the producer. Returns the simulation,
/// the stall switches the fault injector flips, and the count of worker
/// incarnations started.
fn build_world(
    config: &SimConfig,
    registries: Arc<dyn Registries>,
    sink: &Arc<Mutex<EffectSink>>,
    journal: &crate::journal::SharedJournal,
    clock: &Arc<SimClock>,
    active: &crate::config::FaultSet,
) -> (turmoil::Sim<'static>, Stalls, Rc<Cell<u64>>) {
    let mut sim = turmoil::Builder::new()
        .rng_seed(config.seed)
        .epoch(UNIX_EPOCH + Duration::from_millis(SIM_EPOCH_MS))
        .tick_duration(Duration::from_millis(TICK_MS))
        .simulation_duration(Duration::from_millis(
            config.fault_phase_ms + config.liveness_bound_ms + 60_000,
        ))
        .min_message_latency(Duration::from_millis(1))
        .max_message_latency(FaultInjector::initial_latency(active))
        .enable_random_order()
        .build();
    sim.host(REGISTRY_HOST, move || serve_registry(registries.clone()));
    {
        let (sink, journal, clock) = (sink.clone(), journal.clone(), clock.clone());
        sim.host(SINK_HOST, move || {
            serve_sink(sink.clone(), journal.clone(), clock.clone())
        });
    }
    let stalls: Stalls = Arc::default();
    let worker_setup = Arc::new(WorkerSetup {
        seed: config.seed,
        max_steps: config.max_steps,
        lease_ttl_ms: config.lease_ttl_ms,
        journal: journal.clone(),
        clock: clock.clone(),
        stalls: stalls.clone(),
        own_handles: config.topology == Topology::SharedStore,
    });
    let incarnations = Rc::new(Cell::new(0u64));
    for index in 0..config.workers {
        let setup = worker_setup.clone();
        let starts = Rc::new(Cell::new(0u64));
        let incarnations = incarnations.clone();
        sim.host(worker_host(index).as_str(), move || {
            starts.set(starts.get() + 1);
            incarnations.set(incarnations.get() + 1);
            run_worker(setup.clone(), index, starts.get())
        });
    }
    sim.client(
        PRODUCER_HOST,
        run_producer(Arc::new(ProducerSetup {
            seed: config.seed,
            processes: config.processes,
            max_steps: config.max_steps,
            journal: journal.clone(),
            clock: clock.clone(),
            own_handle: config.topology == Topology::SharedStore,
        })),
    );
    (sim, stalls, incarnations)
}

/// Steps the world until the producer is done, the deadline passes or an
/// invariant breaks, injecting faults during the fault phase.
fn step_world(
    sim: &mut turmoil::Sim<'static>,
    config: &SimConfig,
    injector: &mut FaultInjector,
    journal: &crate::journal::SharedJournal,
    clock: &SimClock,
    registry: &dyn RegistryFaults,
) -> Stepped {
    let deadline_ms = config.fault_phase_ms + config.liveness_bound_ms;
    let mut quiet = false;
    let mut stepped = Stepped {
        now_ms: 0,
        steps: 0,
        faults: 0,
        finished: false,
    };
    loop {
        stepped.now_ms = u64::try_from(sim.elapsed().as_millis()).unwrap_or(u64::MAX);
        let now_ms = stepped.now_ms;
        clock.observe(now_ms);
        if now_ms < config.fault_phase_ms {
            stepped.faults += injector.tick(sim, now_ms, journal, registry);
        } else if !quiet {
            injector.quiesce(sim, now_ms, journal, registry);
            quiet = true;
        }
        if now_ms >= deadline_ms {
            break;
        }
        stepped.steps += 1;
        match sim.step() {
            Ok(true) => {
                stepped.finished = true;
                break;
            }
            Ok(false) => {}
            Err(error) => {
                lock(journal).violate(
                    Invariant::Liveness,
                    now_ms,
                    None,
                    Vec::new(),
                    format!("a simulated host stopped with an error: {error}"),
                );
                break;
            }
        }
        if !lock(journal).violations.is_empty() {
            break;
        }
    }
    clock.observe(stepped.now_ms);
    stepped
}

/// The liveness violation of a run that did not finish within the bound.
fn liveness_violation(
    host: &RegistryHost,
    raw: &Arc<dyn ProcessRegistry>,
    config: &SimConfig,
    journal: &mut Journal,
    now_ms: u64,
) {
    let running: Vec<String> = host
        .block_on(raw.list_non_terminal())
        .map(|records| records.into_iter().map(|record| record.id).collect())
        .unwrap_or_default();
    let detail = format!(
        "{} ms after the faults stopped the producer has awaited {} of {} processes; still running: {}",
        config.liveness_bound_ms,
        journal.stats.awaited,
        config.processes,
        if running.is_empty() { "none".to_owned() } else { running.join(", ") }
    );
    journal.violate(Invariant::Liveness, now_ms, None, Vec::new(), detail);
}

/// The registry host as the fault injector sees it.
struct HostFaults<'a, F: ?Sized> {
    host: &'a RegistryHost,
    factory: &'a F,
    journal: &'a crate::journal::SharedJournal,
}

impl<F: RegistryFactory + ?Sized> RegistryFaults for HostFaults<'_, F> {
    fn worker_down(&self, index: usize, _now_ms: u64) {
        self.host.drop_handle(&worker_host(index));
    }

    fn worker_up(&self, index: usize, now_ms: u64) {
        if let Err(error) = self.host.open_handle(self.factory, &worker_host(index)) {
            lock(self.journal).violate(
                Invariant::Durability,
                now_ms,
                None,
                Vec::new(),
                format!("a worker came back and opened a handle on the shared store: {error}"),
            );
        }
    }

    fn crash_registry(&self, _now_ms: u64) {
        self.host.crash();
    }

    fn restart_registry(&self, now_ms: u64) {
        let restarted = self.host.restart(self.factory);
        let mut journal = lock(self.journal);
        journal.stats.registry_restarts += 1;
        journal.oracle.registry_restarted();
        let registry = match restarted.and_then(|()| self.host.current().map_err(|e| e.to_string()))
        {
            Ok(registry) => registry,
            Err(error) => {
                journal.violate(
                    Invariant::Durability,
                    now_ms,
                    None,
                    Vec::new(),
                    format!("after a registry crash: {error}"),
                );
                return;
            }
        };
        journal.stats.coverage.hit(Moment::RegistryCrashRecovered);
        let when = format!("after registry restart {}", journal.stats.registry_restarts);
        self.host.block_on(audit_durability(
            registry.as_ref(),
            &mut journal,
            now_ms,
            &when,
        ));
    }
}

/// Runs the world with `config.seed`: same seed and config, same trace
/// hash. The registry comes from `factory`, reads simulated time and runs
/// in the registry host ([`crate::host`]); fault kinds the backend cannot
/// take are left out (see [`SimOutcome::left_out`]). A backend that does
/// not answer inline runs the seed twice: different traces are a violation
/// naming the first step where they part.
pub fn run_seed<F: RegistryFactory + ?Sized>(
    config: &SimConfig,
    factory: &F,
) -> Result<SimOutcome, SimError> {
    run_seed_checking(config, factory, true)
}

/// [`run_seed`]; a backend that does not answer inline runs the seed a
/// second time when `twice` is set or when the first run failed (so a
/// failure is only reported with the knowledge whether it reproduces).
fn run_seed_checking<F: RegistryFactory + ?Sized>(
    config: &SimConfig,
    factory: &F,
    twice: bool,
) -> Result<SimOutcome, SimError> {
    let capabilities = factory.capabilities();
    if let Some(reason) = config.topology.unfit_for(&capabilities) {
        return Err(SimError::Harness(format!(
            "the {} topology needs several handles on one store: {reason}",
            config.topology
        )));
    }
    let (fitted, left_out) = config.fit_for(&capabilities);
    let left_out: Vec<String> = left_out
        .into_iter()
        .map(|(kind, reason)| format!("{}: {reason}", kind.name()))
        .collect();
    let hosted = !capabilities.inline_calls;
    let traced = SimConfig {
        keep_trace: config.keep_trace || hosted,
        ..fitted
    };
    // The timeline is drawn only when asked for, not for a hosted backend's trace comparison.
    let picture = config.keep_trace;
    let mut first = run_once(&traced, factory, picture)?;
    first.left_out = left_out;
    if hosted && (twice || !first.passed()) {
        let second = run_once(&traced, factory, picture)?;
        if first.trace_hash != second.trace_hash {
            let detail = first_divergence(&first.trace, &second.trace);
            first.violations.push(crate::outcome::Violation {
                invariant: Invariant::Reproducible,
                at_ms: first.stats.simulated_ms,
                process_id: None,
                owners: Vec::new(),
                detail: format!(
                    "the seed ran twice and gave traces {} and {}; {detail}",
                    first.trace_hash, second.trace_hash
                ),
            });
        }
    }
    if !config.keep_trace {
        first.trace.clear();
        first.timeline = None;
    }
    first.config.keep_trace = config.keep_trace;
    Ok(first)
}

/// Where two traces of one seed part: the line number and both lines.
fn first_divergence(first: &[String], second: &[String]) -> String {
    let parted = first
        .iter()
        .zip(second)
        .position(|(one, two)| one != two)
        .unwrap_or(first.len().min(second.len()));
    let line = |trace: &[String]| {
        trace
            .get(parted)
            .cloned()
            .unwrap_or_else(|| "(the trace ended)".to_owned())
    };
    format!(
        "they part at trace line {}: first run `{}`, second run `{}`",
        parted + 1,
        line(first),
        line(second)
    )
}

/// The clients with a handle of their own: every worker and the producer
/// in the shared-store topology, nobody in the served one.
fn own_handle_clients(config: &SimConfig) -> Vec<String> {
    match config.topology {
        Topology::Served => Vec::new(),
        Topology::SharedStore => (0..config.workers)
            .map(worker_host)
            .chain(std::iter::once(PRODUCER_HOST.to_owned()))
            .collect(),
    }
}

/// One run of the world with `config` (already fitted to the backend);
/// `picture` keeps its timeline.
fn run_once<F: RegistryFactory + ?Sized>(
    config: &SimConfig,
    factory: &F,
    picture: bool,
) -> Result<SimOutcome, SimError> {
    let clock = Arc::new(SimClock::new());
    let clients = own_handle_clients(config);
    let host = Arc::new(RegistryHost::start(
        factory,
        clock.clone(),
        clients.clone(),
    )?);
    let journal = Journal::shared(config.keep_trace, picture);
    let sink = Arc::new(Mutex::new(EffectSink::default()));
    let active = config.active_faults();
    let scripts: Vec<Script> = (0..config.processes)
        .map(|index| Script::new(index, config.max_steps))
        .collect();
    let observed = ObservedRegistry::new(host.clone(), clock.clone(), journal.clone());
    let registries: Arc<dyn Registries> = Arc::new(ClientRegistries {
        own: clients
            .iter()
            .map(|client| {
                let own: Arc<dyn ProcessRegistry> = Arc::new(observed.for_client(client));
                (client.clone(), own)
            })
            .collect(),
        shared: Arc::new(observed),
    });
    let (mut sim, stalls, incarnations) =
        build_world(config, registries, &sink, &journal, &clock, &active);
    let mut injector = FaultInjector::new(config.seed, &active, config.workers, stalls);
    let faults = HostFaults {
        host: &host,
        factory,
        journal: &journal,
    };
    let stepped = step_world(&mut sim, config, &mut injector, &journal, &clock, &faults);
    let now_ms = stepped.now_ms;
    drop(sim);
    // A run can end (the producer done) while a registry crash is still
    // pending its restart: bring the registry back before the final audit.
    if host.current().is_err() {
        faults.restart_registry(now_ms);
    }

    let sink = sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut journal = lock(&journal);
    if journal.violations.is_empty() {
        match host.current() {
            Ok(raw) => {
                if !stepped.finished {
                    liveness_violation(&host, &raw, config, &mut journal, now_ms);
                }
                if journal.stats.registry_restarts > 0 {
                    host.block_on(audit_durability(
                        raw.as_ref(),
                        &mut journal,
                        now_ms,
                        "at the end of the run",
                    ));
                }
                host.block_on(audit(raw.as_ref(), &scripts, &sink, &mut journal, now_ms));
            }
            Err(error) => journal.violate(
                Invariant::Durability,
                now_ms,
                None,
                Vec::new(),
                format!("the registry is not back at the end of the run: {error}"),
            ),
        }
    }
    let rejected = journal.stats.sink_rejected;
    journal
        .stats
        .coverage
        .add(Moment::ZombieWriteRejected, rejected);
    journal.stats.simulated_ms = now_ms;
    journal.stats.steps = stepped.steps;
    journal.stats.faults = stepped.faults;
    journal.stats.incarnations = incarnations.get();
    let context =
        (!journal.violations.is_empty()).then(|| journal.failure_context(SIM_EPOCH_MS + now_ms));
    Ok(SimOutcome {
        config: config.clone(),
        active_faults: active,
        left_out: Vec::new(),
        trace_hash: journal.trace_hash(),
        stats: journal.stats.clone(),
        violations: journal.violations.clone(),
        context,
        trace: journal.take_trace(),
        timeline: journal.take_timeline(),
    })
}

/// What a sweep over many seeds found.
#[derive(Debug, Clone, Default)]
pub struct SweepReport {
    /// Seeds run.
    pub runs: u64,
    /// The outcomes that broke an invariant, in seed order.
    pub failures: Vec<SimOutcome>,
    /// How often each interesting moment happened over the sweep.
    pub coverage: SweepCoverage,
}

/// Runs every seed in `seeds` with `config` otherwise unchanged on as many
/// threads as the machine has cores, calling `each` for every outcome in
/// seed order (for progress output), and collects the failures. Seeds are
/// independent worlds, so the outcomes are the same as one by one. For a
/// backend that does not answer inline, the first seed and every failing
/// seed run twice (see [`run_seed`]).
pub fn sweep<F: RegistryFactory + ?Sized, S>(
    config: &SimConfig,
    seeds: S,
    factory: &F,
    each: impl FnMut(&SimOutcome),
) -> Result<SweepReport, SimError>
where
    S: IntoIterator<Item = u64>,
    S::IntoIter: Send,
{
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    sweep_on(config, seeds, factory, threads, each)
}

/// [`sweep`] on exactly `threads` threads (at least one).
pub fn sweep_on<F: RegistryFactory + ?Sized, S>(
    config: &SimConfig,
    seeds: S,
    factory: &F,
    threads: usize,
    mut each: impl FnMut(&SimOutcome),
) -> Result<SweepReport, SimError>
where
    S: IntoIterator<Item = u64>,
    S::IntoIter: Send,
{
    // Seeds are handed out lazily: a range of billions costs nothing up front.
    let seeds = Mutex::new(seeds.into_iter().enumerate());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, Result<SimOutcome, SimError>)>();
    let mut report = SweepReport::default();
    let mut first_error = None;
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let sender = sender.clone();
            let (seeds, stop) = (&seeds, &stop);
            scope.spawn(move || loop {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let next = seeds
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .next();
                let Some((index, seed)) = next else {
                    break;
                };
                // The first seed of a hosted backend runs twice, so a
                // backend that is not reproducible fails the sweep at once.
                let outcome = run_seed_checking(&config.with_seed(seed), factory, index == 0);
                let failed = outcome.is_err();
                if sender.send((index, outcome)).is_err() || failed {
                    break;
                }
            });
        }
        drop(sender);
        // Deliver in seed order whatever order the threads finish in.
        let mut pending = std::collections::BTreeMap::new();
        let mut due = 0;
        for (index, outcome) in receiver {
            pending.insert(index, outcome);
            while let Some(outcome) = pending.remove(&due) {
                due += 1;
                match outcome {
                    Ok(outcome) => {
                        report.runs += 1;
                        report.coverage.record(&outcome.stats.coverage);
                        each(&outcome);
                        if !outcome.passed() {
                            report.failures.push(outcome);
                        }
                    }
                    Err(error) => {
                        first_error.get_or_insert(error);
                        stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        }
    });
    match first_error {
        Some(error) => Err(error),
        None => Ok(report),
    }
}
