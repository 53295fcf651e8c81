//! The operation language of the model check: every trait method plus clock moves,
//! with ids drawn from small pools so collisions, conflicts and clock races happen.

use procreg::{
    ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessExternalRef,
    ProcessHandleDescriptor, ProcessInput, ProcessRegistration, ProcessScope, ProcessTerminalState,
    ProcessValueSelector, ProcessWakeSpec,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Process ids the generator draws from; the last one is rarely
/// registered. Look-alikes (REG-18): they differ only in case, and the
/// last is a `LIKE` pattern matching both.
pub const PROCESSES: [&str; 3] = ["p0", "P0", "p_"];
/// Sessions (the last one never holds a grant); look-alikes as [`PROCESSES`].
pub const SESSIONS: [&str; 3] = ["s0", "S0", "s_"];
/// Lease owners; look-alikes as [`PROCESSES`].
pub const OWNERS: [&str; 3] = ["w0", "W0", "w_"];
/// Replay keys; the first two differ only in case.
pub const KEYS: [&str; 3] = ["k0", "K0", ""];
/// Event types the generated registrations declare, plus one undeclared.
pub const EVENT_TYPES: [&str; 6] = [
    "note",
    "typed",
    "wake",
    "done",
    "process.cancel_requested",
    "undeclared",
];

/// The scope with index `index`: two session scopes whose ids differ only in
/// case (REG-18), a frame scope in each, and a session whose id reads like
/// the first frame scope's rendering (`s0/frame:f0`), which must never share
/// its grants (GRANT-16).
pub fn scope(index: u8) -> ProcessScope {
    match index % SCOPES {
        0 => ProcessScope::session("s0"),
        1 => ProcessScope::session("S0"),
        2 => ProcessScope::frame("s0", "f0"),
        3 => ProcessScope::frame("S0", "f0"),
        _ => ProcessScope::session("s0/frame:f0"),
    }
}

/// How many scopes [`scope`] draws from.
pub const SCOPES: u8 = 5;

/// The process id with index `index`.
pub fn process(index: u8) -> &'static str {
    PROCESSES[usize::from(index) % PROCESSES.len()]
}

/// The registration variant `variant` of `process_id`: 0 the usual one, 1 different
/// content (a conflict after 0), 2 invalid (a blank host profile).
pub fn registration(process_id: &str, variant: u8) -> ProcessRegistration {
    let registration = ProcessRegistration::new(
        process_id,
        ProcessInput::external(json!({ "v": variant % 2 })),
    )
    .with_caused_by(json!({ "cause": process_id }))
    .with_extra_event_types([
        ProcessEventType::new("note"),
        ProcessEventType::new("typed").with_schema(json!({
            "type": "object", "required": ["n"], "properties": { "n": { "type": "integer" } }
        })),
        ProcessEventType::wake(
            "wake",
            ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
                .when(ProcessValueSelector::present("/message")),
        ),
        ProcessEventType::terminal(
            "done",
            ProcessTerminalState::Completed,
            Some(ProcessValueSelector::pointer("/result")),
        ),
    ]);
    if variant % 3 == 2 {
        let mut invalid = registration;
        invalid.provenance.host_profile_id = " ".to_owned();
        return invalid;
    }
    registration
}

/// The await output with index `index`.
pub fn await_output(index: u8) -> ProcessAwaitOutput {
    match index % 3 {
        0 => ProcessAwaitOutput::success(json!({ "answer": index })),
        1 => ProcessAwaitOutput::failure("execution", "boom", "it failed"),
        _ => ProcessAwaitOutput::cancelled("stopped"),
    }
}

/// The external ref with index `index`.
pub fn external_ref(index: u8) -> ProcessExternalRef {
    ProcessExternalRef::new("engine", format!("job-{}", index % 2))
}

/// What an append carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A plain `note`.
    Note,
    /// A `typed` event with a valid payload.
    Typed,
    /// A `typed` event failing its schema.
    BadTyped,
    /// A `wake` with a message (wakes).
    Wake,
    /// A `wake` without a message (`when` is falsy).
    SilentWake,
    /// The custom terminal `done`.
    Done,
    /// A `done` whose selector misses.
    DoneWithoutResult,
    /// A cancel request.
    Cancel,
    /// An undeclared type.
    Undeclared,
}

impl EventKind {
    /// The request for this kind, with payload variant `value`.
    pub fn request(self, value: u8) -> ProcessEventAppendRequest {
        let (event_type, payload) = match self {
            EventKind::Note => ("note", json!({ "n": value })),
            EventKind::Typed => ("typed", json!({ "n": value })),
            EventKind::BadTyped => ("typed", json!({ "n": "not a number" })),
            EventKind::Wake => ("wake", json!({ "message": format!("m{value}") })),
            EventKind::SilentWake => ("wake", json!({ "other": value })),
            EventKind::Done => ("done", json!({ "result": value })),
            EventKind::DoneWithoutResult => ("done", json!({})),
            EventKind::Cancel => (
                "process.cancel_requested",
                json!({ "reason": format!("r{value}") }),
            ),
            EventKind::Undeclared => ("undeclared", json!({})),
        };
        ProcessEventAppendRequest::new(event_type, payload)
    }
}

/// One step of a generated sequence: a trait call with pooled arguments, or a clock move.
///
/// Fields named `process`, `scope`, `owner`, `session`, `key`, `target` are
/// indexes into the pools ([`PROCESSES`], [`scope`], [`OWNERS`], [`SESSIONS`],
/// [`KEYS`]), taken modulo the pool size; `lease` indexes the leases issued so
/// far in the sequence; `variant`, `label`, `value` and `output` pick fixed
/// payload variants.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Move the manual clock forward.
    AdvanceClock { ms: u64 },
    /// Set the manual clock back (CLOCK-5).
    RewindClock { ms: u64 },
    /// `register_process(registration(process, variant))`.
    Register { process: u8, variant: u8 },
    /// `set_external_ref`.
    SetExternalRef { process: u8, variant: u8 },
    /// `grant_handle`.
    GrantHandle { scope: u8, process: u8, label: u8 },
    /// `revoke_handle`.
    RevokeHandle { scope: u8, process: u8 },
    /// `transfer_handle_grants`.
    TransferHandleGrants {
        from: u8,
        to: u8,
        processes: Vec<u8>,
    },
    /// `list_handle_grants`.
    ListHandleGrants { scope: u8 },
    /// `list_live_handle_grants`.
    ListLiveHandleGrants { scope: u8 },
    /// `has_handle_grant`.
    HasHandleGrant { scope: u8, process: u8 },
    /// `handle_grants_for_process`.
    HandleGrantsForProcess { process: u8 },
    /// `delete_session_process_state`.
    DeleteSession { session: u8 },
    /// `append_event`.
    AppendEvent {
        process: u8,
        event: EventKind,
        value: u8,
        key: Option<u8>,
        target: Option<u8>,
    },
    /// `append_event` again with the `append`-th request sent so far
    /// (same process, type, payload and key), to another wake target.
    ReplayAppend { append: u8, target: Option<u8> },
    /// `events_after`.
    EventsAfter { process: u8, after: u64 },
    /// `wake_events_after`.
    WakeEventsAfter { process: u8, after: u64 },
    /// `wait_event_after`, polled once when the model says it would block.
    WaitEventAfter {
        process: u8,
        event_type: u8,
        after: u64,
    },
    /// `await_process`, polled once when the model says it would block.
    AwaitProcess { process: u8 },
    /// `complete_process`.
    CompleteProcess { process: u8, output: u8 },
    /// `get_process`.
    GetProcess { process: u8 },
    /// `ack_wake`.
    AckWake { process: u8, sequence: u64 },
    /// `list_non_terminal`.
    ListNonTerminal,
    /// `claim_process_lease`.
    ClaimLease { process: u8, owner: u8, ttl_ms: u64 },
    /// `renew_process_lease` on the `lease`-th lease issued so far.
    RenewLease { lease: u8, ttl_ms: u64 },
    /// `complete_process_lease` on the `lease`-th lease issued so far.
    ReleaseLease { lease: u8 },
}

/// The append request of an `AppendEvent` op.
pub fn append_request(
    process_id: &str,
    event: EventKind,
    value: u8,
    key: Option<u8>,
    target: Option<u8>,
) -> ProcessEventAppendRequest {
    let mut request = event.request(value);
    if event == EventKind::Cancel && key.is_none() {
        // Unkeyed cancel requests use the content-keyed helper, as callers do.
        request =
            ProcessEventAppendRequest::cancel_requested(process_id, Some(&format!("r{value}")));
    }
    if let Some(key) = key {
        request.replay_key = Some(KEYS[usize::from(key) % KEYS.len()].to_owned());
    }
    if let Some(target) = target {
        request.wake_target_scope = Some(scope(target));
    }
    request
}

/// A handle descriptor with label index `label`.
pub fn descriptor(label: u8) -> ProcessHandleDescriptor {
    ProcessHandleDescriptor::labelled(format!("h{}", label % 2))
}

fn cursor() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..4, 1 => Just(u64::MAX)]
}

/// Small variant indexes, biased toward 0 so replays (same key, same content) happen.
fn small() -> impl Strategy<Value = u8> {
    prop_oneof![3 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)]
}

/// Process indexes, biased toward the first ids so ops meet on the same process.
fn process_index() -> impl Strategy<Value = u8> {
    prop_oneof![6 => Just(0u8), 3 => Just(1u8), 1 => Just(2u8)]
}

fn ttl() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(10u64),
        Just(50u64),
        Just(1_000u64),
        Just(u64::MAX)
    ]
}

/// The generator of single operations, weighted toward the stateful calls.
pub fn op_strategy() -> impl Strategy<Value = Op> {
    let id = process_index;
    let event = prop_oneof![
        4 => Just(EventKind::Note),
        2 => Just(EventKind::Typed),
        1 => Just(EventKind::BadTyped),
        3 => Just(EventKind::Wake),
        1 => Just(EventKind::SilentWake),
        2 => Just(EventKind::Done),
        1 => Just(EventKind::DoneWithoutResult),
        2 => Just(EventKind::Cancel),
        1 => Just(EventKind::Undeclared),
    ];
    prop_oneof![
        3 => prop_oneof![Just(1u64), Just(10u64), Just(50u64), Just(1_000u64)].prop_map(|ms| Op::AdvanceClock { ms }),
        1 => prop_oneof![Just(1u64), Just(50u64)].prop_map(|ms| Op::RewindClock { ms }),
        8 => (id(), prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)])
            .prop_map(|(process, variant)| Op::Register { process, variant }),
        1 => (id(), 0u8..2).prop_map(|(process, variant)| Op::SetExternalRef { process, variant }),
        4 => (0u8..SCOPES, id(), 0u8..2).prop_map(|(scope, process, label)| Op::GrantHandle { scope, process, label }),
        1 => (0u8..SCOPES, id()).prop_map(|(scope, process)| Op::RevokeHandle { scope, process }),
        3 => (0u8..SCOPES, 0u8..SCOPES, proptest::collection::vec(id(), 0..3))
            .prop_map(|(from, to, processes)| Op::TransferHandleGrants { from, to, processes }),
        1 => (0u8..SCOPES).prop_map(|scope| Op::ListHandleGrants { scope }),
        1 => (0u8..SCOPES).prop_map(|scope| Op::ListLiveHandleGrants { scope }),
        1 => (0u8..SCOPES, id()).prop_map(|(scope, process)| Op::HasHandleGrant { scope, process }),
        1 => id().prop_map(|process| Op::HandleGrantsForProcess { process }),
        3 => prop_oneof![3 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8)].prop_map(|session| Op::DeleteSession { session }),
        10 => (id(), event, small(), proptest::option::weighted(0.5, small()), proptest::option::weighted(0.8, 0u8..4))
            .prop_map(|(process, event, value, key, target)| Op::AppendEvent { process, event, value, key, target }),
        3 => (0u8..4, proptest::option::weighted(0.8, 0u8..4))
            .prop_map(|(append, target)| Op::ReplayAppend { append, target }),
        2 => (id(), cursor()).prop_map(|(process, after)| Op::EventsAfter { process, after }),
        2 => (id(), cursor()).prop_map(|(process, after)| Op::WakeEventsAfter { process, after }),
        2 => (id(), 0u8..6, cursor()).prop_map(|(process, event_type, after)| Op::WaitEventAfter { process, event_type, after }),
        1 => id().prop_map(|process| Op::AwaitProcess { process }),
        3 => (id(), 0u8..3).prop_map(|(process, output)| Op::CompleteProcess { process, output }),
        1 => id().prop_map(|process| Op::GetProcess { process }),
        3 => (id(), prop_oneof![8 => 1u64..5, 1 => Just(0u64), 1 => Just(u64::MAX)]).prop_map(|(process, sequence)| Op::AckWake { process, sequence }),
        1 => Just(Op::ListNonTerminal),
        6 => (id(), 0u8..3, ttl()).prop_map(|(process, owner, ttl_ms)| Op::ClaimLease { process, owner, ttl_ms }),
        4 => (0u8..4, ttl()).prop_map(|(lease, ttl_ms)| Op::RenewLease { lease, ttl_ms }),
        3 => (0u8..4).prop_map(|lease| Op::ReleaseLease { lease }),
    ]
}

/// Sequences of 1..=`max_ops` operations.
pub fn sequence_strategy(max_ops: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op_strategy(), 1..=max_ops.max(1))
}
