//! The run's shared notebook: every observable step goes into the trace
//! hash, each actor keeps its last lines, and broken invariants are collected.

use crate::oracle::Oracle;
use crate::outcome::{FailureContext, Invariant, SimStats, Violation};
use crate::timeline::Timeline;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many lines of each actor a failure report shows.
const LOG_TAIL: usize = 12;

/// Everything the world's actors write down during a run.
pub struct Journal {
    hasher: Sha256,
    trace: Option<Vec<String>>,
    timeline: Option<Timeline>,
    actor_logs: BTreeMap<String, VecDeque<String>>,
    /// Broken invariants, in the order seen.
    pub violations: Vec<Violation>,
    /// Counters.
    pub stats: SimStats,
    /// What the registry's answers imply, for checking the next answer.
    pub oracle: Oracle,
    pending: BTreeMap<u64, String>,
    next_call: u64,
}

/// The journal as the actors share it.
pub type SharedJournal = Arc<Mutex<Journal>>;

/// Locks the journal; a poisoned lock (a panicking actor) still yields it.
pub fn lock(journal: &SharedJournal) -> MutexGuard<'_, Journal> {
    journal
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Journal {
    /// An empty journal; `keep_trace` keeps every line besides hashing it,
    /// `keep_timeline` the run's picture.
    pub fn new(keep_trace: bool, keep_timeline: bool) -> Self {
        Self {
            hasher: Sha256::new(),
            trace: keep_trace.then(Vec::new),
            timeline: keep_timeline.then(Timeline::default),
            actor_logs: BTreeMap::new(),
            violations: Vec::new(),
            stats: SimStats::default(),
            oracle: Oracle::default(),
            pending: BTreeMap::new(),
            next_call: 0,
        }
    }

    /// A shared empty journal.
    pub fn shared(keep_trace: bool, keep_timeline: bool) -> SharedJournal {
        Arc::new(Mutex::new(Self::new(keep_trace, keep_timeline)))
    }

    /// Records one observable step of `actor` at `at_ms`.
    pub fn note(&mut self, at_ms: u64, actor: &str, text: &str) {
        let family = actor_family(actor);
        // The line that drops out of a full tail lends its buffer to the new one.
        let recycled = match self.actor_logs.get_mut(family) {
            Some(log) if log.len() == LOG_TAIL => log.pop_front(),
            _ => None,
        };
        let mut line = recycled.unwrap_or_default();
        line.clear();
        // Writing into a String cannot fail.
        let _ = write!(line, "{at_ms:>7} {actor:<12} {text}");
        self.hasher.update(line.as_bytes());
        self.hasher.update(b"\n");
        if let Some(trace) = &mut self.trace {
            trace.push(line.clone());
        }
        match self.actor_logs.get_mut(family) {
            Some(log) => log.push_back(line),
            None => {
                self.actor_logs
                    .insert(family.to_owned(), VecDeque::from([line]));
            }
        }
        if let Some(timeline) = &mut self.timeline {
            timeline.note(at_ms, actor, text);
        }
    }

    /// The run's picture, when the journal keeps one (`keep_timeline`).
    pub fn timeline(&mut self) -> Option<&mut Timeline> {
        self.timeline.as_mut()
    }

    /// Takes the run's picture (`None` unless `keep_timeline`).
    pub fn take_timeline(&mut self) -> Option<Timeline> {
        self.timeline.take()
    }

    /// Records a broken invariant (and notes it in the trace).
    pub fn violate(
        &mut self,
        invariant: Invariant,
        at_ms: u64,
        process_id: Option<&str>,
        owners: Vec<String>,
        detail: String,
    ) {
        self.note(
            at_ms,
            "checker",
            &format!("VIOLATION {}: {detail}", invariant.number()),
        );
        self.violations.push(Violation {
            invariant,
            at_ms,
            process_id: process_id.map(str::to_owned),
            owners,
            detail,
        });
    }

    /// Marks a registry call as started; returns its ticket.
    pub fn call_started(&mut self, description: String) -> u64 {
        self.next_call += 1;
        self.pending.insert(self.next_call, description);
        self.next_call
    }

    /// Marks the call with `ticket` as answered.
    pub fn call_finished(&mut self, ticket: u64) {
        self.pending.remove(&ticket);
        self.stats.registry_calls += 1;
    }

    /// The trace hash so far: the first 16 hex digits of SHA-256.
    pub fn trace_hash(&self) -> String {
        let digest = self.hasher.clone().finalize();
        digest
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Takes the kept trace lines (empty unless `keep_trace`).
    pub fn take_trace(&mut self) -> Vec<String> {
        self.trace.take().unwrap_or_default()
    }

    /// What a failure report shows: actors' last lines, leases, calls in flight.
    pub fn failure_context(&self, now_ms: u64) -> FailureContext {
        FailureContext {
            worker_logs: self
                .actor_logs
                .iter()
                .map(|(actor, lines)| (actor.clone(), lines.iter().cloned().collect()))
                .collect(),
            leases: self.oracle.lease_table(now_ms),
            pending_calls: self.pending.values().cloned().collect(),
        }
    }
}

/// Groups a worker's incarnations (`worker-1.3`) under the worker (`worker-1`).
fn actor_family(actor: &str) -> &str {
    actor.split('.').next().unwrap_or(actor)
}
