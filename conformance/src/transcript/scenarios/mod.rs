//! The canonical scenarios: named, deterministic call sequences, at least
//! one per area of docs/spec.md, each with its reference transcript.

mod errors;
mod events;
mod grants;
mod lease;
mod registration;
mod sweep;
mod terminal;
mod time;
mod wakes;

use super::recorder::{Recorder, Stopped};
use std::future::Future;
use std::pin::Pin;

/// The future a scenario body returns.
pub type ScenarioFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Stopped>> + Send + 'a>>;

/// A scenario body: calls made through the recorder.
pub type ScenarioBody = for<'a> fn(&'a mut Recorder) -> ScenarioFuture<'a>;

/// One canonical scenario.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// Stable snake_case name; the golden check is `transcript_matches_reference_<name>`.
    pub name: &'static str,
    /// The docs/spec.md area whose heading shows this transcript (`LEASE`).
    pub area: &'static str,
    /// What the scenario shows, in one line.
    pub title: &'static str,
    /// The rules the scenario exercises.
    pub rules: &'static [&'static str],
    /// The reference transcript, generated from `MemoryRegistry`
    /// (`conformance/transcripts/<name>.yaml`).
    pub reference: &'static str,
    /// The calls.
    pub body: ScenarioBody,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("area", &self.area)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

macro_rules! reference {
    ($name:literal) => {
        include_str!(concat!("../../../transcripts/", $name, ".yaml"))
    };
}

pub(crate) const REGISTRATION_CONFLICTS: Scenario = Scenario {
    name: "registration_conflicts",
    area: "REG",
    title: "registration: validation, core types, idempotent re-registration, hash conflicts",
    rules: &["REG-1", "REG-7", "REG-8", "REG-9", "REG-10", "REG-12"],
    reference: reference!("registration_conflicts"),
    body: |rec| Box::pin(registration::registration_conflicts(rec)),
};

pub(crate) const EXTERNAL_REFS: Scenario = Scenario {
    name: "external_refs",
    area: "XREF",
    title: "external refs: unknown process, last writer wins, terminal processes, identical repeat",
    rules: &["XREF-1", "XREF-2", "XREF-3", "XREF-4", "XREF-5", "XREF-6"],
    reference: reference!("external_refs"),
    body: |rec| Box::pin(registration::external_refs(rec)),
};

pub(crate) const HANDLE_GRANTS: Scenario = Scenario {
    name: "handle_grants",
    area: "GRANT",
    title: "handle grants: upsert, exact scopes, listings, revoke, all-or-nothing transfers",
    rules: &[
        "GRANT-1", "GRANT-2", "GRANT-3", "GRANT-4", "GRANT-5", "GRANT-6", "GRANT-7", "GRANT-8",
        "GRANT-9", "GRANT-10", "GRANT-11", "GRANT-12", "GRANT-13", "GRANT-14", "GRANT-15",
    ],
    reference: reference!("handle_grants"),
    body: |rec| Box::pin(grants::handle_grants(rec)),
};

pub(crate) const SESSION_DELETION: Scenario = Scenario {
    name: "session_deletion",
    area: "SESSION",
    title:
        "session deletion: frames revoked, cancel versus preserved, terminal skipped, idempotent",
    rules: &[
        "SESSION-1",
        "SESSION-2",
        "SESSION-3",
        "SESSION-4",
        "SESSION-5",
        "SESSION-6",
        "SESSION-7",
        "SESSION-8",
    ],
    reference: reference!("session_deletion"),
    body: |rec| Box::pin(grants::session_deletion(rec)),
};

pub(crate) const EVENT_ORDERING: Scenario = Scenario {
    name: "event_ordering",
    area: "EVENT",
    title: "event ordering: gapless sequences, validation, per-process logs, cursors",
    rules: &[
        "EVENT-1", "EVENT-2", "EVENT-3", "EVENT-4", "EVENT-5", "EVENT-6", "EVENT-7", "EVENT-8",
        "EVENT-10", "EVENT-13",
    ],
    reference: reference!("event_ordering"),
    body: |rec| Box::pin(events::event_ordering(rec)),
};

pub(crate) const REPLAY_KEYS: Scenario = Scenario {
    name: "replay_keys",
    area: "REPLAY",
    title: "replay: same key same content replays, conflicts, required keys, empty and absent keys",
    rules: &[
        "REPLAY-1",
        "REPLAY-2",
        "REPLAY-3",
        "REPLAY-4",
        "REPLAY-5",
        "REPLAY-6",
        "REPLAY-7",
        "REPLAY-9",
        "REPLAY-10",
    ],
    reference: reference!("replay_keys"),
    body: |rec| Box::pin(events::replay_keys(rec)),
};

pub(crate) const WAKES_AND_ACKS: Scenario = Scenario {
    name: "wakes_and_acks",
    area: "WAKE",
    title: "wakes: deliveries, falsy when, missing target, no dedupe, acks hide wakes only",
    rules: &[
        "WAKE-1", "WAKE-2", "WAKE-4", "WAKE-5", "WAKE-6", "WAKE-7", "WAKE-8", "WAKE-9", "WAKE-10",
        "WAKE-11", "REPLAY-8",
    ],
    reference: reference!("wakes_and_acks"),
    body: |rec| Box::pin(wakes::wakes_and_acks(rec)),
};

pub(crate) const TERMINAL_COMPLETION: Scenario = Scenario {
    name: "terminal_completion",
    area: "TERM",
    title:
        "terminal state: completion, idempotent repeat, conflicts, frozen status, leases ignored",
    rules: &[
        "TERM-1", "TERM-2", "TERM-3", "TERM-4", "TERM-5", "TERM-6", "TERM-7", "TERM-8", "TERM-9",
        "TERM-10", "TERM-11", "EVENT-12",
    ],
    reference: reference!("terminal_completion"),
    body: |rec| Box::pin(terminal::terminal_completion(rec)),
};

pub(crate) const IMMEDIATE_WAITS: Scenario = Scenario {
    name: "immediate_waits",
    area: "WAIT",
    title: "waits that answer at once: existing matches, exact types, unknown processes, await",
    rules: &["WAIT-1", "WAIT-4", "WAIT-5"],
    reference: reference!("immediate_waits"),
    body: |rec| Box::pin(terminal::immediate_waits(rec)),
};

pub(crate) const SWEEP: Scenario = Scenario {
    name: "sweep",
    area: "SWEEP",
    title: "the recovery worklist: running processes by id, current records, leases ignored",
    rules: &["SWEEP-1", "SWEEP-2", "SWEEP-3", "SWEEP-4"],
    reference: reference!("sweep"),
    body: |rec| Box::pin(sweep::sweep(rec)),
};

pub(crate) const LEASE_CLAIM: Scenario = Scenario {
    name: "lease_claim",
    area: "LEASE",
    title: "lease claim: unknown process, first claim, fenced competitor, owner re-claim",
    rules: &[
        "LEASE-1", "LEASE-3", "LEASE-4", "LEASE-5", "LEASE-8", "LEASE-11",
    ],
    reference: reference!("lease_claim"),
    body: |rec| Box::pin(lease::lease_claim(rec)),
};

pub(crate) const LEASE_RENEW: Scenario = Scenario {
    name: "lease_renew",
    area: "LEASE",
    title: "lease renew: only the expiry moves, renewed leases renew, TTL 0 hands over, no resurrection",
    rules: &[
        "LEASE-10", "LEASE-11", "LEASE-12", "LEASE-13", "LEASE-14", "LEASE-21", "LEASE-22",
    ],
    reference: reference!("lease_renew"),
    body: |rec| Box::pin(lease::lease_renew(rec)),
};

pub(crate) const LEASE_EXPIRY: Scenario = Scenario {
    name: "lease_expiry",
    area: "LEASE",
    title: "lease expiry: strict liveness at expires == now, TTL 0, expired leases taken by anyone",
    rules: &["LEASE-6", "LEASE-7", "LEASE-9", "LEASE-18", "CLOCK-2"],
    reference: reference!("lease_expiry"),
    body: |rec| Box::pin(lease::lease_expiry(rec)),
};

pub(crate) const LEASE_FENCING: Scenario = Scenario {
    name: "lease_fencing",
    area: "LEASE",
    title: "fencing and release: stale releases are no-ops, releases keep the fence, status independent",
    rules: &[
        "LEASE-6", "LEASE-7", "LEASE-15", "LEASE-16", "LEASE-17", "LEASE-19",
    ],
    reference: reference!("lease_fencing"),
    body: |rec| Box::pin(lease::lease_fencing(rec)),
};

pub(crate) const ERROR_ATOMICITY: Scenario = Scenario {
    name: "error_atomicity",
    area: "ERR",
    title: "errors: stable kinds and wording, failed calls leave no trace, absence where allowed",
    rules: &["ERR-1", "ERR-2", "ERR-3", "ERR-4", "ERR-5"],
    reference: reference!("error_atomicity"),
    body: |rec| Box::pin(errors::error_atomicity(rec)),
};

pub(crate) const CLOCK: Scenario = Scenario {
    name: "clock",
    area: "CLOCK",
    title: "time: every timestamp is the injected reading, also after the clock is set back",
    rules: &["CLOCK-1", "CLOCK-2", "CLOCK-4", "CLOCK-5"],
    reference: reference!("clock"),
    body: |rec| Box::pin(time::clock(rec)),
};

/// Every canonical scenario, in docs/spec.md area order.
pub fn all_scenarios() -> Vec<Scenario> {
    vec![
        REGISTRATION_CONFLICTS,
        EXTERNAL_REFS,
        HANDLE_GRANTS,
        SESSION_DELETION,
        EVENT_ORDERING,
        REPLAY_KEYS,
        WAKES_AND_ACKS,
        TERMINAL_COMPLETION,
        IMMEDIATE_WAITS,
        SWEEP,
        LEASE_CLAIM,
        LEASE_RENEW,
        LEASE_EXPIRY,
        LEASE_FENCING,
        ERROR_ATOMICITY,
        CLOCK,
    ]
}

/// The scenario called `name`.
pub fn scenario(name: &str) -> Option<Scenario> {
    all_scenarios()
        .into_iter()
        .find(|scenario| scenario.name == name)
}
