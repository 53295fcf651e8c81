//! What a run reports: its trace hash, counters, and every invariant it saw broken.

use crate::config::{FaultSet, SimConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The world's invariants, numbered as in `docs/sim.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Invariant {
    /// 1. At any simulated instant at most one unexpired lease holder per process.
    SingleHolder,
    /// 2. Fencing tokens strictly increase and reach the sink only from their holder.
    Fencing,
    /// 3. Exactly one terminal event per process; awaits return its output; completion is idempotent.
    ExactlyOnce,
    /// 4. Logs are 1..n without gaps and hold every acknowledged append; replay keys are unique; one terminal event.
    EventLog,
    /// 5. `list_non_terminal` lists every running process and no terminal one.
    Sweep,
    /// 6. Once faults stop, every process is terminal within the liveness bound.
    Liveness,
    /// 7. Every acknowledged write survives a registry restart, and fencing tokens keep growing across it.
    Durability,
    /// 8. The same seed gives the same trace: the backend's answers depend only on the calls and the clock.
    Reproducible,
}

impl Invariant {
    /// The invariant's number in `docs/sim.md`.
    pub fn number(self) -> u8 {
        match self {
            Invariant::SingleHolder => 1,
            Invariant::Fencing => 2,
            Invariant::ExactlyOnce => 3,
            Invariant::EventLog => 4,
            Invariant::Sweep => 5,
            Invariant::Liveness => 6,
            Invariant::Durability => 7,
            Invariant::Reproducible => 8,
        }
    }

    /// The spec rules the invariant rests on.
    pub fn rules(self) -> &'static [&'static str] {
        match self {
            Invariant::SingleHolder => &[
                "LEASE-4", "LEASE-9", "LEASE-10", "LEASE-11", "LEASE-12", "LEASE-16", "LEASE-20",
            ],
            Invariant::Fencing => &["LEASE-3", "LEASE-7"],
            Invariant::ExactlyOnce => &["TERM-3", "TERM-5", "TERM-11", "WAIT-5"],
            Invariant::EventLog => &[
                "EVENT-2", "EVENT-5", "EVENT-9", "REPLAY-1", "TERM-3", "TERM-4",
            ],
            Invariant::Sweep => &["SWEEP-1", "SWEEP-2", "SWEEP-3"],
            Invariant::Liveness => &["LEASE-6", "SWEEP-1", "WAIT-5"],
            Invariant::Durability => &["REG-16", "LEASE-7"],
            Invariant::Reproducible => &["CLOCK-1", "CLOCK-4"],
        }
    }

    /// A one-line statement of the invariant.
    pub fn title(self) -> &'static str {
        match self {
            Invariant::SingleHolder => "at most one unexpired lease holder per process",
            Invariant::Fencing => "fencing tokens strictly increase and stay with their holder",
            Invariant::ExactlyOnce => "exactly one terminal event, awaited output equals it",
            Invariant::EventLog => {
                "gap-free logs holding every acknowledged append, unique keys, one terminal event"
            }
            Invariant::Sweep => "the sweep lists every running process and no terminal one",
            Invariant::Liveness => "every process terminal within the bound once faults stop",
            Invariant::Durability => "acknowledged writes survive a registry restart",
            Invariant::Reproducible => "the same seed gives the same trace",
        }
    }
}

/// One broken invariant, with what was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Which invariant.
    pub invariant: Invariant,
    /// Simulated ms since the start when it was seen.
    pub at_ms: u64,
    /// The process concerned, if one is.
    pub process_id: Option<String>,
    /// The owners (worker incarnations) involved, if any.
    pub owners: Vec<String>,
    /// What was observed against what the invariant demands.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant {} ({}) [{}] at {} ms",
            self.invariant.number(),
            self.invariant.title(),
            self.invariant.rules().join(", "),
            self.at_ms
        )?;
        if let Some(process_id) = &self.process_id {
            write!(f, ", process {process_id}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// Counters of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SimStats {
    /// Simulated ms the run lasted.
    pub simulated_ms: u64,
    /// Turmoil steps taken.
    pub steps: u64,
    /// Calls the registry answered.
    pub registry_calls: u64,
    /// Leases granted.
    pub claims_granted: u64,
    /// Claims refused (another live holder, or the process finished).
    pub claims_refused: u64,
    /// Renewals refused: a worker learned it lost its lease.
    pub leases_lost: u64,
    /// Effect writes the sink accepted.
    pub sink_accepted: u64,
    /// Effect writes the sink rejected as fenced off (zombie writes).
    pub sink_rejected: u64,
    /// Faults injected.
    pub faults: u64,
    /// Worker incarnations started (initial starts, bounces and returns from crashes).
    pub incarnations: u64,
    /// Processes awaited to their terminal output by the producer.
    pub awaited: u64,
    /// Times the registry host crashed and came back on its reopened store.
    pub registry_restarts: u64,
    /// How often each interesting moment happened.
    pub coverage: crate::coverage::Coverage,
}

/// Why the run failed and what the world looked like then.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FailureContext {
    /// The last trace lines of each worker.
    pub worker_logs: BTreeMap<String, Vec<String>>,
    /// The lease table as the registry's answers described it.
    pub leases: Vec<String>,
    /// Registry calls started but not answered.
    pub pending_calls: Vec<String>,
}

/// Everything one seed produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimOutcome {
    /// The configuration run, seed included.
    pub config: SimConfig,
    /// The fault kinds this seed turned on.
    pub active_faults: FaultSet,
    /// Fault kinds of the configuration the backend cannot take, each with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<String>,
    /// SHA-256 (first 16 hex digits) over every trace line: same seed, same hash.
    pub trace_hash: String,
    /// Counters.
    pub stats: SimStats,
    /// Broken invariants, in the order seen; empty means the run passed.
    pub violations: Vec<Violation>,
    /// The world's state at the failure; `None` for a passing run.
    pub context: Option<FailureContext>,
    /// Every trace line, when `keep_trace` was set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<String>,
    /// The run as lanes on the time axis, when `keep_trace` was set.
    #[serde(skip)]
    pub timeline: Option<crate::timeline::Timeline>,
}

impl SimOutcome {
    /// Whether every invariant held.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }

    /// One line: seed, verdict, hash and the main counters.
    pub fn summary_line(&self) -> String {
        let stats = &self.stats;
        let restarts = if stats.registry_restarts > 0 {
            format!(", {} registry restarts", stats.registry_restarts)
        } else {
            String::new()
        };
        format!(
            "seed {}: {} hash {} | {} sim ms, {} calls, {} claims, {} leases lost, sink {}/{} rejected, {} faults{restarts} [{}]",
            self.config.seed,
            if self.passed() { "ok" } else { "FAILED" },
            self.trace_hash,
            stats.simulated_ms,
            stats.registry_calls,
            stats.claims_granted,
            stats.leases_lost,
            stats.sink_rejected,
            stats.sink_accepted + stats.sink_rejected,
            stats.faults,
            self.active_faults
        )
    }
}

impl fmt::Display for SimOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary_line())?;
        if self.passed() {
            return Ok(());
        }
        for violation in &self.violations {
            writeln!(f, "  VIOLATION {violation}")?;
        }
        for left_out in &self.left_out {
            writeln!(f, "  left out: {left_out}")?;
        }
        if let Some(context) = &self.context {
            writeln!(f, "  lease table:")?;
            for line in &context.leases {
                writeln!(f, "    {line}")?;
            }
            if !context.pending_calls.is_empty() {
                writeln!(f, "  calls in flight:")?;
                for line in &context.pending_calls {
                    writeln!(f, "    {line}")?;
                }
            }
            for (worker, lines) in &context.worker_logs {
                writeln!(f, "  last events of {worker}:")?;
                for line in lines {
                    writeln!(f, "    {line}")?;
                }
            }
        }
        writeln!(f, "  replay: {}", self.config.replay_command())
    }
}
