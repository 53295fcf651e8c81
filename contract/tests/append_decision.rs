//! The append decision table: `prepare_event_append` checks in upstream order, first failure wins.

use procreg::{
    prepare_event_append, prepare_registration, AppendDecision, ErrorKind, ProcessAwaitOutput,
    ProcessEvent, ProcessEventAppendRequest, ProcessEventType, ProcessInput, ProcessRecord,
    ProcessRegistration, ProcessScope, ProcessStatus, ProcessTerminalState, ProcessValueSelector,
    ProcessWakeSpec, PROCESS_CANCEL_REQUESTED, PROCESS_COMPLETED,
};
use serde_json::{json, Value};

const NOW_MS: u64 = 77;

fn record() -> ProcessRecord {
    let registration = ProcessRegistration::new("p", ProcessInput::external(json!(null)))
        .with_caused_by(json!({"type": "turn", "id": "t1"}))
        .with_extra_event_types([
            ProcessEventType::new("note").with_schema(json!({"type": "object", "required": ["n"]})),
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
    prepare_registration(registration)
        .expect("valid")
        .into_record(1)
}

fn terminal_record() -> ProcessRecord {
    let mut record = record();
    record.status = ProcessStatus::from_terminal(
        ProcessTerminalState::Completed,
        ProcessAwaitOutput::success(json!(1)),
    );
    record
}

fn stored(event_type: &str, payload: Value, key: &str, record: &ProcessRecord) -> ProcessEvent {
    let request = ProcessEventAppendRequest::new(event_type, payload)
        .with_replay_key(key)
        .with_wake_target(ProcessScope::session("s"));
    match prepare_event_append(record, &request, None, 1, NOW_MS).expect("persists") {
        AppendDecision::Persist(persist) => persist.event,
        AppendDecision::Replay(_) => panic!("first append cannot replay"),
    }
}

fn kind_of(
    record: &ProcessRecord,
    request: &ProcessEventAppendRequest,
    replay: Option<&ProcessEvent>,
) -> Option<ErrorKind> {
    prepare_event_append(record, request, replay, 2, NOW_MS)
        .err()
        .map(|error| error.kind)
}

#[test]
fn each_check_in_order() {
    let record = record();
    let note = |payload| ProcessEventAppendRequest::new("note", payload);
    let cases: Vec<(&str, ProcessEventAppendRequest, Option<ErrorKind>)> = vec![
        ("declared, valid", note(json!({"n": 1})), None),
        (
            "undeclared",
            ProcessEventAppendRequest::new("nope", json!({})),
            Some(ErrorKind::UndeclaredEvent),
        ),
        ("schema", note(json!({})), Some(ErrorKind::InvalidPayload)),
        (
            "terminal without key",
            ProcessEventAppendRequest::new("done", json!({"result": 1})),
            Some(ErrorKind::ReplayKeyRequired),
        ),
        (
            "terminal with empty key",
            ProcessEventAppendRequest::new("done", json!({"result": 1})).with_replay_key(""),
            Some(ErrorKind::ReplayKeyRequired),
        ),
        (
            "cancel without key",
            ProcessEventAppendRequest::new(PROCESS_CANCEL_REQUESTED, json!({})),
            Some(ErrorKind::ReplayKeyRequired),
        ),
        (
            "terminal pointer miss",
            ProcessEventAppendRequest::new("done", json!({})).with_replay_key("k"),
            Some(ErrorKind::InvalidPayload),
        ),
        (
            "wake without target",
            ProcessEventAppendRequest::new("wake", json!({"message": "m"})),
            Some(ErrorKind::MissingWakeTarget),
        ),
        (
            "falsy when needs no target",
            ProcessEventAppendRequest::new("wake", json!({})),
            None,
        ),
    ];
    for (name, request, expected) in cases {
        assert_eq!(kind_of(&record, &request, None), expected, "case: {name}");
    }
}

#[test]
fn undeclared_wins_over_missing_key_and_schema() {
    let request = ProcessEventAppendRequest::new("nope", json!(null));
    assert_eq!(
        kind_of(&record(), &request, None),
        Some(ErrorKind::UndeclaredEvent)
    );
}

#[test]
fn schema_wins_over_already_terminal() {
    let request = ProcessEventAppendRequest::new("note", json!({}));
    assert_eq!(
        kind_of(&terminal_record(), &request, None),
        Some(ErrorKind::InvalidPayload)
    );
}

#[test]
fn terminal_on_terminal_is_already_terminal_but_notes_persist() {
    let record = terminal_record();
    let done = ProcessEventAppendRequest::new("done", json!({"result": 2})).with_replay_key("k2");
    assert_eq!(
        kind_of(&record, &done, None),
        Some(ErrorKind::AlreadyTerminal)
    );
    let note = ProcessEventAppendRequest::new("note", json!({"n": 1}));
    assert_eq!(kind_of(&record, &note, None), None);
}

#[test]
fn persist_carries_event_status_and_delivery() {
    let record = record();
    let request =
        ProcessEventAppendRequest::new("done", json!({"result": {"v": 1}})).with_replay_key("k");
    let AppendDecision::Persist(persist) =
        prepare_event_append(&record, &request, None, 5, NOW_MS).expect("persists")
    else {
        panic!("expected persist");
    };
    assert_eq!(persist.event.sequence, 5);
    assert_eq!(persist.event.occurred_at_ms, NOW_MS);
    assert_eq!(persist.event.replay_key.as_deref(), Some("k"));
    assert_eq!(
        persist.new_status,
        Some(ProcessStatus::Completed {
            await_output: ProcessAwaitOutput::success(json!({"v": 1}))
        })
    );
    assert!(persist.wake_delivery.is_none());
    let mut updated = record.clone();
    persist.apply_to(&mut updated);
    assert_eq!(updated.updated_at_ms, NOW_MS);
    assert!(updated.is_terminal());

    let wake = ProcessEventAppendRequest::new("wake", json!({"message": "hi"}))
        .with_wake_target(ProcessScope::frame("s", "f"));
    let AppendDecision::Persist(persist) =
        prepare_event_append(&record, &wake, None, 3, NOW_MS).expect("persists")
    else {
        panic!("expected persist");
    };
    let delivery = persist.wake_delivery.expect("delivery");
    assert_eq!(delivery.target_scope_id.as_str(), "session:s/frame:f");
    assert_eq!(delivery.target_session_id, "s");
    assert_eq!(delivery.dedupe_key, "p:3");
    assert_eq!(delivery.input, "hi");
    assert_eq!(
        delivery.process_caused_by,
        Some(json!({"type": "turn", "id": "t1"}))
    );
    assert_eq!(
        delivery.wake_id,
        procreg::hash::wake_id("session:s/frame:f", "p:3")
    );
}

#[test]
fn replay_runs_first_and_compares_type_and_payload() {
    let record = record();
    let original = stored("done", json!({"result": 1}), "k", &record);
    let terminal = terminal_record();
    let same = ProcessEventAppendRequest::new("done", json!({"result": 1})).with_replay_key("k");
    match prepare_event_append(&terminal, &same, Some(&original), 9, NOW_MS).expect("replays") {
        AppendDecision::Replay(result) => assert_eq!(result.event, original),
        AppendDecision::Persist(_) => panic!("expected replay"),
    }
    let other_payload =
        ProcessEventAppendRequest::new("done", json!({"result": 2})).with_replay_key("k");
    assert_eq!(
        kind_of(&terminal, &other_payload, Some(&original)),
        Some(ErrorKind::ReplayConflict)
    );
    let other_type = ProcessEventAppendRequest::new(PROCESS_COMPLETED, json!({"result": 1}))
        .with_replay_key("k");
    assert_eq!(
        kind_of(&terminal, &other_type, Some(&original)),
        Some(ErrorKind::ReplayConflict)
    );
}

#[test]
fn replayed_wake_needs_a_target_and_rederives_the_delivery() {
    let record = record();
    let original = stored("wake", json!({"message": "m"}), "k", &record);
    let without_target =
        ProcessEventAppendRequest::new("wake", json!({"message": "m"})).with_replay_key("k");
    assert_eq!(
        kind_of(&record, &without_target, Some(&original)),
        Some(ErrorKind::MissingWakeTarget)
    );
    let elsewhere = without_target.with_wake_target(ProcessScope::session("other"));
    let AppendDecision::Replay(result) =
        prepare_event_append(&record, &elsewhere, Some(&original), 2, NOW_MS).expect("replays")
    else {
        panic!("expected replay");
    };
    let delivery = result.wake_delivery.expect("delivery");
    assert_eq!(delivery.target_session_id, "other");
    assert_eq!(delivery.sequence, original.sequence);
    assert_eq!(
        delivery.wake_id,
        procreg::hash::wake_id("session:other", "p:1")
    );
}

#[test]
fn cancel_requested_keys_follow_the_reason() {
    let first = ProcessEventAppendRequest::cancel_requested("p", Some("bye"));
    let again = ProcessEventAppendRequest::cancel_requested("p", Some("bye"));
    let other = ProcessEventAppendRequest::cancel_requested("p", None);
    assert_eq!(first.replay_key, again.replay_key);
    assert_ne!(first.replay_key, other.replay_key);
    assert_eq!(first.payload, json!({"reason": "bye"}));
    assert_eq!(other.payload, json!({"reason": null}));
    assert!(first
        .replay_key
        .as_deref()
        .is_some_and(|key| key.starts_with("process:p:cancel_requested:")));
}

#[test]
fn terminal_request_matches_complete_process() {
    let output = ProcessAwaitOutput::failure("timeout", "slow", "too slow");
    let request = ProcessEventAppendRequest::terminal("p", &output);
    assert_eq!(request.event_type, "process.failed");
    assert_eq!(
        request.replay_key.as_deref(),
        Some("process:p:terminal:process.failed")
    );
    assert_eq!(request.payload, json!({"await_output": output}));
}
