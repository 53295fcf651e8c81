//! The operation language of the model check: every trait method plus clock moves,
//! with ids drawn from small pools so collisions, conflicts and clock races happen.

use crate::adversarial::long_id;
use procreg::{
    ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessExternalRef,
    ProcessHandleDescriptor, ProcessInput, ProcessRegistration, ProcessScope, ProcessTerminalState,
    ProcessValueSelector, ProcessWakeSpec,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::LazyLock;

/// The seed of the one long id in the pools
/// ([`crate::adversarial::long_id`]): the last process id and the last
/// replay key.
pub const LONG_ID_SEED: u32 = 17;

/// How long the pools' long id is: 9 KiB, past what one index entry holds
/// in PostgreSQL (8,191 bytes) or MySQL (3,072), yet cheap enough to copy
/// on every step (the suite's `reg_ids_*` checks use 64 KiB ids).
pub const LONG_MODEL_ID_BYTES: usize = 9 * 1024;

/// The pools' long id: the first [`LONG_MODEL_ID_BYTES`] of
/// `long_id(LONG_ID_SEED)`.
pub fn long_model_id() -> String {
    long_id(LONG_ID_SEED)[..LONG_MODEL_ID_BYTES].to_owned()
}

/// Process ids the generator draws from, most often the first (so ops meet
/// on one process and shrunk sequences read plainly). The others are built
/// to collide with it (REG-18): a case look-alike, a `LIKE` pattern matching
/// both, the first with a trailing space, quotes and a backslash, and a
/// long id ([`long_model_id`]).
pub fn processes() -> &'static [String] {
    static POOL: LazyLock<Vec<String>> =
        LazyLock::new(|| then_the_long_id(&["p0", "P0", "p_", "p0 ", "p'0\"\\"]));
    &POOL
}

/// `short` ids, then [`long_model_id`].
fn then_the_long_id(short: &[&str]) -> Vec<String> {
    let mut pool: Vec<String> = short.iter().map(|id| (*id).to_owned()).collect();
    pool.push(long_model_id());
    pool
}

/// Sessions [`Op::DeleteSession`] draws from: the two sessions of [`scope`]
/// that differ in case, a `LIKE` pattern that never holds a grant, a session
/// whose id reads like a frame scope's rendering, and one word in two
/// Unicode normalisation forms.
pub const SESSIONS: [&str; 6] = ["s0", "S0", "s_", "s0/frame:f0", "s\u{e9}", "se\u{301}"];
/// Lease owners: a case look-alike, a `LIKE` pattern, and one word in two
/// Unicode normalisation forms.
pub const OWNERS: [&str; 5] = ["w0", "W0", "w_", "w\u{e9}", "we\u{301}"];

/// Replay keys: two that differ only in case, the empty key, the first with
/// a trailing space, and a long key ([`long_model_id`]).
pub fn keys() -> &'static [String] {
    static POOL: LazyLock<Vec<String>> =
        LazyLock::new(|| then_the_long_id(&["k0", "K0", "", "k0 "]));
    &POOL
}

/// A declared event type made of the characters naive code mishandles:
/// quotes, separators, `LIKE` wildcards, a space and a precomposed `é`.
pub const ODD_EVENT_TYPE: &str = "ev'/:%_ \u{e9}";
/// [`ODD_EVENT_TYPE`] with its `é` decomposed: never declared, so an append
/// of it is refused however a store normalises text.
pub const UNDECLARED_EVENT_TYPE: &str = "ev'/:%_ e\u{301}";

/// Event types waits draw from: the declared ones, the undeclared look-alike
/// of [`ODD_EVENT_TYPE`], and a case look-alike of `note`.
pub const EVENT_TYPES: [&str; 8] = [
    "note",
    "typed",
    "wake",
    "done",
    "process.cancel_requested",
    ODD_EVENT_TYPE,
    UNDECLARED_EVENT_TYPE,
    "Note",
];

/// The scope with index `index`:
/// - 0, 1: two sessions whose ids differ only in case (REG-18);
/// - 2, 3: a frame scope in each;
/// - 4: a session whose id reads like scope 2's naive rendering
///   (`s0/frame:f0`), which must never share its grants (GRANT-16);
/// - 5, 6: two frame scopes that render alike without escaping
///   (`session:s0/frame:f0/frame:f1`);
/// - 7, 8: one session id in two Unicode normalisation forms.
pub fn scope(index: u8) -> ProcessScope {
    match index % SCOPES {
        0 => ProcessScope::session("s0"),
        1 => ProcessScope::session("S0"),
        2 => ProcessScope::frame("s0", "f0"),
        3 => ProcessScope::frame("S0", "f0"),
        4 => ProcessScope::session("s0/frame:f0"),
        5 => ProcessScope::frame("s0", "f0/frame:f1"),
        6 => ProcessScope::frame("s0/frame:f0", "f1"),
        7 => ProcessScope::session("s\u{e9}"),
        _ => ProcessScope::session("se\u{301}"),
    }
}

/// How many scopes [`scope`] draws from.
pub const SCOPES: u8 = 9;

/// The process id with index `index`.
pub fn process(index: u8) -> &'static str {
    let pool = processes();
    &pool[usize::from(index) % pool.len()]
}

/// The session id with index `index`.
pub fn session(index: u8) -> &'static str {
    SESSIONS[usize::from(index) % SESSIONS.len()]
}

/// The lease owner with index `index`.
pub fn owner(index: u8) -> &'static str {
    OWNERS[usize::from(index) % OWNERS.len()]
}

/// The replay key with index `index`.
pub fn key(index: u8) -> &'static str {
    let pool = keys();
    &pool[usize::from(index) % pool.len()]
}

/// The event type with index `index`.
pub fn event_type(index: u8) -> &'static str {
    EVENT_TYPES[usize::from(index) % EVENT_TYPES.len()]
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
        ProcessEventType::new(ODD_EVENT_TYPE),
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
    /// A plain event of the declared [`ODD_EVENT_TYPE`].
    Odd,
    /// The undeclared look-alike [`UNDECLARED_EVENT_TYPE`].
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
            EventKind::Odd => (ODD_EVENT_TYPE, json!({ "n": value })),
            EventKind::Undeclared => (UNDECLARED_EVENT_TYPE, json!({})),
        };
        ProcessEventAppendRequest::new(event_type, payload)
    }
}

/// One step of a generated sequence: a trait call with pooled arguments, or a clock move.
///
/// Fields named `process`, `scope`, `owner`, `session`, `key`, `target` are
/// indexes into the pools ([`process`], [`scope`], [`owner`], [`session`],
/// [`key`]), taken modulo the pool size; `lease` indexes the leases issued so
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
    /// `append_event` again with a request sent before (same process, type,
    /// payload and key), to another wake target: `append` counts back from
    /// the latest, so a shrunk sequence keeps its replay as earlier appends
    /// are dropped.
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

/// Which of `sent` earlier requests [`Op::ReplayAppend`] with `append`
/// replays: `append` counts back from the latest (0 is the latest).
pub fn replayed_index(append: u8, sent: usize) -> usize {
    sent - 1 - usize::from(append) % sent
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
        request.replay_key = Some(self::key(key).to_owned());
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

/// Process indexes, biased toward the first ids so ops meet on the same
/// process; every other id of the pool is drawn now and then.
fn process_index() -> impl Strategy<Value = u8> {
    prop_oneof![
        17 => Just(0u8),
        7 => Just(1u8),
        2 => Just(2u8),
        1 => Just(3u8),
        1 => Just(4u8),
        1 => Just(5u8),
    ]
}

/// Scope indexes, biased toward the first session and its look-alikes.
fn scope_index() -> impl Strategy<Value = u8> {
    prop_oneof![
        6 => Just(0u8),
        2 => Just(1u8),
        3 => Just(2u8),
        1 => Just(3u8),
        1 => Just(4u8),
        1 => Just(5u8),
        1 => Just(6u8),
        1 => Just(7u8),
        1 => Just(8u8),
    ]
}

/// Replay key indexes, biased toward the first so replays happen.
fn key_index() -> impl Strategy<Value = u8> {
    prop_oneof![6 => Just(0u8), 2 => Just(1u8), 2 => Just(2u8), 1 => Just(3u8), 1 => Just(4u8)]
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
        1 => Just(EventKind::Odd),
        1 => Just(EventKind::Undeclared),
    ];
    prop_oneof![
        3 => prop_oneof![Just(1u64), Just(10u64), Just(50u64), Just(1_000u64)].prop_map(|ms| Op::AdvanceClock { ms }),
        1 => prop_oneof![Just(1u64), Just(50u64)].prop_map(|ms| Op::RewindClock { ms }),
        8 => (id(), prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)])
            .prop_map(|(process, variant)| Op::Register { process, variant }),
        2 => (id(), 0u8..2).prop_map(|(process, variant)| Op::SetExternalRef { process, variant }),
        4 => (scope_index(), id(), 0u8..2).prop_map(|(scope, process, label)| Op::GrantHandle { scope, process, label }),
        1 => (scope_index(), id()).prop_map(|(scope, process)| Op::RevokeHandle { scope, process }),
        3 => (scope_index(), scope_index(), proptest::collection::vec(id(), 0..3))
            .prop_map(|(from, to, processes)| Op::TransferHandleGrants { from, to, processes }),
        1 => scope_index().prop_map(|scope| Op::ListHandleGrants { scope }),
        1 => scope_index().prop_map(|scope| Op::ListLiveHandleGrants { scope }),
        1 => (scope_index(), id()).prop_map(|(scope, process)| Op::HasHandleGrant { scope, process }),
        1 => id().prop_map(|process| Op::HandleGrantsForProcess { process }),
        3 => prop_oneof![6 => Just(0u8), 4 => Just(1u8), 2 => Just(2u8), 1 => Just(3u8), 1 => Just(4u8), 1 => Just(5u8)].prop_map(|session| Op::DeleteSession { session }),
        10 => (id(), event, small(), proptest::option::weighted(0.5, key_index()), proptest::option::weighted(0.8, scope_index()))
            .prop_map(|(process, event, value, key, target)| Op::AppendEvent { process, event, value, key, target }),
        3 => (0u8..4, proptest::option::weighted(0.8, scope_index()))
            .prop_map(|(append, target)| Op::ReplayAppend { append, target }),
        2 => (id(), cursor()).prop_map(|(process, after)| Op::EventsAfter { process, after }),
        2 => (id(), cursor()).prop_map(|(process, after)| Op::WakeEventsAfter { process, after }),
        2 => (id(), 0u8..8, cursor()).prop_map(|(process, event_type, after)| Op::WaitEventAfter { process, event_type, after }),
        1 => id().prop_map(|process| Op::AwaitProcess { process }),
        3 => (id(), 0u8..3).prop_map(|(process, output)| Op::CompleteProcess { process, output }),
        1 => id().prop_map(|process| Op::GetProcess { process }),
        4 => (id(), prop_oneof![4 => Just(1u64), 2 => Just(2u64), 2 => 3u64..5, 1 => Just(0u64), 1 => Just(u64::MAX)]).prop_map(|(process, sequence)| Op::AckWake { process, sequence }),
        1 => Just(Op::ListNonTerminal),
        6 => (id(), 0u8..5, ttl()).prop_map(|(process, owner, ttl_ms)| Op::ClaimLease { process, owner, ttl_ms }),
        4 => (0u8..4, ttl()).prop_map(|(lease, ttl_ms)| Op::RenewLease { lease, ttl_ms }),
        3 => (0u8..4).prop_map(|lease| Op::ReleaseLease { lease }),
    ]
}

/// Sequences of 1..=`max_ops` operations.
pub fn sequence_strategy(max_ops: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op_strategy(), 1..=max_ops.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn naive(scope: &ProcessScope) -> String {
        match &scope.agent_frame_id {
            Some(frame) => format!("session:{}/frame:{frame}", scope.session_id),
            None => format!("session:{}", scope.session_id),
        }
    }

    #[test]
    fn the_look_alike_scopes_render_alike_only_without_escaping() {
        for (alias, original) in [(4, 2), (6, 5)] {
            assert_eq!(naive(&scope(alias)), naive(&scope(original)));
            assert_ne!(scope(alias).id(), scope(original).id());
        }
        let ids: BTreeSet<_> = (0..SCOPES).map(|index| scope(index).id()).collect();
        assert_eq!(ids.len(), usize::from(SCOPES));
    }

    #[test]
    fn every_pool_holds_distinct_ids_and_the_long_one_outgrows_an_index_entry() {
        let distinct: BTreeSet<&String> = processes().iter().collect();
        assert_eq!(distinct.len(), processes().len());
        assert!(processes().iter().any(|id| id.len() > 8_191));
        assert!(keys().iter().any(|key| key.len() > 8_191));
        assert_eq!(processes().iter().filter(|id| id.trim() == "p0").count(), 2);
        for pool in [&SESSIONS[..], &OWNERS[..], &EVENT_TYPES[..]] {
            let distinct: BTreeSet<&&str> = pool.iter().collect();
            assert_eq!(distinct.len(), pool.len());
        }
        assert_ne!(ODD_EVENT_TYPE, UNDECLARED_EVENT_TYPE);
        assert_eq!(
            ODD_EVENT_TYPE.chars().count() + 1,
            UNDECLARED_EVENT_TYPE.chars().count()
        );
    }
}
