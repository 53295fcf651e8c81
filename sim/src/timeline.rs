//! The picture of one run: what each actor did when, kept beside the trace
//! (never hashed) for a seed run with `keep_trace`, so a failing seed can be
//! drawn as lanes on the simulated time axis.

use serde::Serialize;
use std::collections::BTreeMap;

/// Everything one traced run did, in the order it happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// Every trace line, by actor (`worker-1.2`, `producer`, `sink`, `faults`, `checker`, `registry`).
    pub notes: Vec<TimelineNote>,
    /// Every registry call, from invocation to answer.
    pub calls: Vec<TimelineCall>,
    /// Every change of a lease the registry's answers announced.
    pub leases: Vec<LeaseChange>,
    /// Every fault, from the moment it struck to the moment it healed.
    pub faults: Vec<FaultSpan>,
    /// Faults struck and not healed yet, by what heals them.
    #[serde(skip)]
    open_faults: BTreeMap<String, usize>,
}

/// One trace line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineNote {
    /// Simulated ms since the start.
    pub at_ms: u64,
    /// Who wrote it.
    pub actor: String,
    /// What it says.
    pub text: String,
}

/// One registry call and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineCall {
    /// Simulated ms when the registry started it.
    pub from_ms: u64,
    /// Simulated ms when it answered.
    pub to_ms: u64,
    /// The call and its arguments.
    pub call: String,
    /// The answer.
    pub answer: String,
}

/// What happened to a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseEvent {
    /// A claim was granted.
    Granted,
    /// A renewal was granted.
    Renewed,
    /// A renewal was refused: the holder learns it lost the lease.
    Lost,
    /// The holder released it.
    Released,
}

/// One change of one lease, as the registry announced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaseChange {
    /// Simulated ms of the answer.
    pub at_ms: u64,
    /// What happened.
    pub event: LeaseEvent,
    /// The leased process.
    pub process_id: String,
    /// The holder (a worker incarnation).
    pub owner_id: String,
    /// The lease's fencing token.
    pub fencing_token: u64,
    /// Simulated ms the lease expires at, when the answer says.
    pub until_ms: Option<u64>,
}

/// A fault in force over a span of simulated time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultSpan {
    /// The fault kind (`crash`, `partition`, `stall`, ...).
    pub kind: String,
    /// The lane family it hits: `worker-N` or `registry`.
    pub target: String,
    /// Simulated ms it struck.
    pub from_ms: u64,
    /// Simulated ms it healed; `None` while still in force at the end.
    pub to_ms: Option<u64>,
    /// The trace line that announced it.
    pub text: String,
}

impl Timeline {
    /// Notes one trace line.
    pub fn note(&mut self, at_ms: u64, actor: &str, text: &str) {
        self.notes.push(TimelineNote {
            at_ms,
            actor: actor.to_owned(),
            text: text.to_owned(),
        });
    }

    /// Notes a fault that lasts until [`Timeline::fault_healed`] with the same `key`,
    /// or one of a known length when `to_ms` is given.
    pub fn fault_struck(&mut self, key: Option<String>, span: FaultSpan) {
        if let Some(key) = key {
            self.open_faults.insert(key, self.faults.len());
        }
        self.faults.push(span);
    }

    /// Ends the fault struck with `key`.
    pub fn fault_healed(&mut self, key: &str, at_ms: u64) {
        if let Some(index) = self.open_faults.remove(key) {
            self.faults[index].to_ms = Some(at_ms);
        }
    }

    /// The last simulated ms anything happened at.
    pub fn end_ms(&self) -> u64 {
        let notes = self.notes.iter().map(|note| note.at_ms);
        let calls = self.calls.iter().map(|call| call.to_ms);
        notes.chain(calls).max().unwrap_or(0)
    }
}
