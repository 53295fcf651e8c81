//! Rule tests for the REPLAY area of docs/spec.md.

mod common;

use common::{expect_kind, note, register, registration, wake};
use procreg::hash::wake_id;
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest, ProcessEventType,
    ProcessRecord, ProcessRegistry, ProcessScope, ProcessStatus, ProcessTerminalState,
    ProcessValueSelector, PROCESS_CANCELLED, PROCESS_CANCEL_REQUESTED, PROCESS_COMPLETED,
    PROCESS_FAILED,
};
use procreg_memory::MemoryRegistry;
use serde_json::{json, Value};

/// The record and the whole log of `id`, to compare before and after a call.
async fn snapshot(registry: &MemoryRegistry, id: &str) -> (ProcessRecord, Vec<ProcessEvent>) {
    let record = registry
        .get_process(id)
        .await
        .expect("the process is registered");
    let events = registry
        .events_after(id, 0)
        .await
        .expect("the log of a registered process is readable");
    (record, events)
}

fn sequences(events: &[ProcessEvent]) -> Vec<u64> {
    events.iter().map(|event| event.sequence).collect()
}

/// A `process.completed` request carrying a success with `value`, under `key`.
fn completed(value: Value, key: &str) -> ProcessEventAppendRequest {
    ProcessEventAppendRequest::new(
        PROCESS_COMPLETED,
        json!({"await_output": {"type": "success", "value": value}}),
    )
    .with_replay_key(key)
}

#[tokio::test]
async fn replay_1_same_key_same_content_returns_the_original_event() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let first_at = clock.advance(100);
    let first = registry
        .append_event("p", note(json!({"n": 1})).with_replay_key("k"))
        .await
        .expect("first keyed append");
    clock.advance(100);

    let again = registry
        .append_event("p", note(json!({"n": 1})).with_replay_key("k"))
        .await
        .expect("replay of the same content");

    assert_eq!(again, first);
    assert_eq!(again.event.sequence, 1);
    assert_eq!(again.event.occurred_at_ms, first_at);
    let (_, events) = snapshot(&registry, "p").await;
    assert_eq!(events, vec![first.event]);
}

#[tokio::test]
async fn replay_2_a_replay_changes_nothing() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    clock.advance(100);
    registry
        .append_event("p", note(json!({"n": 1})).with_replay_key("k"))
        .await
        .expect("keyed append");
    registry
        .append_event("p", note(json!({"n": 2})))
        .await
        .expect("later append");
    let before = snapshot(&registry, "p").await;
    clock.advance(400);

    let replayed = registry
        .append_event("p", note(json!({"n": 1})).with_replay_key("k"))
        .await
        .expect("replay");

    assert_eq!(replayed.event.sequence, 1);
    let after = snapshot(&registry, "p").await;
    assert_eq!(after, before);
    assert_eq!(after.0.updated_at_ms, before.0.updated_at_ms);
    assert_eq!(after.0.status, ProcessStatus::Running);
}

#[tokio::test]
async fn replay_3_same_key_different_content_conflicts() {
    let (registry, clock) = common::registry();
    registry
        .register_process(
            registration("p").with_extra_event_types([ProcessEventType::new("other_note")]),
        )
        .await
        .expect("valid registration");
    registry
        .append_event("p", note(json!({"n": 1})).with_replay_key("k"))
        .await
        .expect("keyed append");
    clock.advance(100);
    let before = snapshot(&registry, "p").await;

    let other_payload = expect_kind(
        registry
            .append_event("p", note(json!({"n": 2})).with_replay_key("k"))
            .await,
        ErrorKind::ReplayConflict,
    );
    let other_type = expect_kind(
        registry
            .append_event(
                "p",
                ProcessEventAppendRequest::new("other_note", json!({"n": 1})).with_replay_key("k"),
            )
            .await,
        ErrorKind::ReplayConflict,
    );

    for error in [other_payload, other_type] {
        assert!(
            error
                .message
                .contains("event replay key `k` conflicts with an existing event"),
            "{error}"
        );
        assert!(error.message.contains("`p`"), "{error}");
    }
    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn replay_4_replaying_an_applied_terminal_event_on_a_terminal_process_succeeds() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let first = registry
        .append_event("p", completed(json!(1), "done"))
        .await
        .expect("terminal append");
    clock.advance(100);
    let before = snapshot(&registry, "p").await;
    assert_eq!(
        before.0.status,
        ProcessStatus::Completed {
            await_output: ProcessAwaitOutput::success(json!(1))
        }
    );

    let replayed = registry
        .append_event("p", completed(json!(1), "done"))
        .await
        .expect("replay wins over the already-terminal check");

    assert_eq!(replayed, first);
    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn replay_4_a_held_key_is_judged_before_the_declared_type_check() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;
    registry
        .append_event("p", note(json!({"n": 1})).with_replay_key("k"))
        .await
        .expect("keyed append");
    let before = snapshot(&registry, "p").await;

    expect_kind(
        registry
            .append_event(
                "p",
                ProcessEventAppendRequest::new("undeclared", json!({"n": 1})).with_replay_key("k"),
            )
            .await,
        ErrorKind::ReplayConflict,
    );

    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn replay_4_a_held_empty_key_is_judged_before_the_key_requirement() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;
    registry
        .append_event("p", note(json!({"n": 1})).with_replay_key(""))
        .await
        .expect("a note may carry the empty key");
    let before = snapshot(&registry, "p").await;

    // Without the held key this would be ReplayKeyRequired (REPLAY-6).
    expect_kind(
        registry.append_event("p", completed(json!(1), "")).await,
        ErrorKind::ReplayConflict,
    );

    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn replay_4_a_held_key_is_judged_before_the_terminal_check() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;
    registry
        .append_event("p", completed(json!(1), "done"))
        .await
        .expect("terminal append");
    let before = snapshot(&registry, "p").await;

    // A different terminal event under the held key conflicts rather than
    // failing as already terminal.
    let failed = ProcessEventAppendRequest::new(
        PROCESS_FAILED,
        json!({"await_output": {"type": "failure", "class": "c", "code": "x", "message": "m"}}),
    )
    .with_replay_key("done");
    expect_kind(
        registry.append_event("p", failed).await,
        ErrorKind::ReplayConflict,
    );

    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn replay_5_replay_keys_are_per_process() {
    let (registry, _clock) = common::registry();
    register(&registry, "a").await;
    register(&registry, "b").await;
    registry
        .append_event("a", note(json!({"n": 0})))
        .await
        .expect("unkeyed append to a");
    let on_a = registry
        .append_event("a", note(json!({"owner": "a"})).with_replay_key("k"))
        .await
        .expect("keyed append to a");

    let on_b = registry
        .append_event("b", note(json!({"owner": "b"})).with_replay_key("k"))
        .await
        .expect("the same key on b names a new event");
    let replay_a = registry
        .append_event("a", note(json!({"owner": "a"})).with_replay_key("k"))
        .await
        .expect("a still replays its own event");

    assert_eq!(on_a.event.sequence, 2);
    assert_eq!(on_b.event.sequence, 1);
    assert_eq!(on_b.event.process_id, "b");
    assert_eq!(on_b.event.payload, json!({"owner": "b"}));
    assert_eq!(replay_a, on_a);
    assert_eq!(snapshot(&registry, "a").await.1.len(), 2);
    assert_eq!(snapshot(&registry, "b").await.1, vec![on_b.event]);
}

#[tokio::test]
async fn replay_6_terminal_and_cancel_request_events_need_a_non_empty_key() {
    let (registry, clock) = common::registry();
    let finished = ProcessEventType::terminal(
        "finished",
        ProcessTerminalState::Completed,
        Some(ProcessValueSelector::pointer("/result")),
    );
    registry
        .register_process(registration("p").with_extra_event_types([finished]))
        .await
        .expect("valid registration");
    clock.advance(100);
    let before = snapshot(&registry, "p").await;
    let output = json!({"await_output": {"type": "cancelled", "message": "stop"}});
    let requests = [
        ProcessEventAppendRequest::new(PROCESS_COMPLETED, output.clone()),
        ProcessEventAppendRequest::new(PROCESS_FAILED, output.clone()),
        ProcessEventAppendRequest::new(PROCESS_CANCELLED, output.clone()),
        ProcessEventAppendRequest::new(PROCESS_CANCEL_REQUESTED, json!({"reason": "x"})),
        ProcessEventAppendRequest::new("finished", json!({"result": 1})),
    ];

    for unkeyed in requests {
        let event_type = unkeyed.event_type.clone();
        for request in [unkeyed.clone(), unkeyed.with_replay_key("")] {
            let error = expect_kind(
                registry.append_event("p", request).await,
                ErrorKind::ReplayKeyRequired,
            );
            assert!(
                error
                    .message
                    .contains("requires a deterministic replay key"),
                "{error}"
            );
            assert!(error.message.contains(&event_type), "{error}");
        }
    }

    assert_eq!(snapshot(&registry, "p").await, before);
    let plain = registry
        .append_event("p", note(json!({"n": 1})))
        .await
        .expect("a plain type needs no key");
    assert_eq!(plain.event.sequence, 1);
}

#[tokio::test]
async fn replay_7_cancel_requests_are_keyed_by_their_reason() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;
    let cancel = |reason| ProcessEventAppendRequest::cancel_requested("p", reason);

    let user = registry
        .append_event("p", cancel(Some("user")))
        .await
        .expect("first cancel request");
    let user_again = registry
        .append_event("p", cancel(Some("user")))
        .await
        .expect("same reason again");
    let timeout = registry
        .append_event("p", cancel(Some("timeout")))
        .await
        .expect("different reason");
    let no_reason = registry
        .append_event("p", cancel(None))
        .await
        .expect("no reason");
    let no_reason_again = registry
        .append_event("p", cancel(None))
        .await
        .expect("no reason again");

    assert_eq!(user_again, user);
    assert_eq!(no_reason_again, no_reason);
    assert_eq!(user.event.sequence, 1);
    assert_eq!(timeout.event.sequence, 2);
    assert_eq!(no_reason.event.sequence, 3);
    assert_ne!(user.event.replay_key, timeout.event.replay_key);
    assert_ne!(user.event.replay_key, no_reason.event.replay_key);
    assert!(user
        .event
        .replay_key
        .as_deref()
        .is_some_and(|key| !key.is_empty()));
    let (record, events) = snapshot(&registry, "p").await;
    let payloads: Vec<Value> = events.into_iter().map(|event| event.payload).collect();
    assert_eq!(
        payloads,
        vec![
            json!({"reason": "user"}),
            json!({"reason": "timeout"}),
            json!({"reason": null})
        ]
    );
    assert_eq!(record.status, ProcessStatus::Running);
}

#[tokio::test]
async fn replay_8_a_replay_rederives_its_wake_delivery_from_the_request() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let first = registry
        .append_event("p", wake("hi").with_replay_key("w1"))
        .await
        .expect("keyed wake");
    let first_delivery = first.wake_delivery.clone().expect("first delivery");
    clock.advance(100);

    let same_target = registry
        .append_event("p", wake("hi").with_replay_key("w1"))
        .await
        .expect("replay to the same target");
    let frame = ProcessScope::frame("s2", "f");
    let other_target = registry
        .append_event(
            "p",
            ProcessEventAppendRequest::new("wake", json!({"message": "hi"}))
                .with_replay_key("w1")
                .with_wake_target(frame),
        )
        .await
        .expect("replay to another target");

    assert_eq!(same_target.wake_delivery, Some(first_delivery.clone()));
    assert_eq!(same_target.event, first.event);
    let moved = other_target.wake_delivery.expect("replay delivery");
    assert_eq!(other_target.event, first.event);
    assert_eq!(moved.target_session_id, "s2");
    assert_eq!(moved.target_scope_id.as_str(), "session:s2/frame:f");
    assert_eq!(moved.wake_id, wake_id("session:s2/frame:f", "p:1"));
    assert_ne!(moved.wake_id, first_delivery.wake_id);
    assert_eq!(moved.sequence, 1);
    assert_eq!(moved.dedupe_key, first_delivery.dedupe_key);
    assert_eq!(moved.input, "hi");
    assert_eq!(moved.created_at_ms, first.event.occurred_at_ms);
    assert_eq!(moved.replay_key.as_deref(), Some("w1"));
}

#[tokio::test]
async fn replay_8_replaying_a_wake_without_a_target_fails() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    registry
        .append_event("p", wake("hi").with_replay_key("w1"))
        .await
        .expect("keyed wake");
    clock.advance(100);
    let before = snapshot(&registry, "p").await;

    let error = expect_kind(
        registry
            .append_event(
                "p",
                ProcessEventAppendRequest::new("wake", json!({"message": "hi"}))
                    .with_replay_key("w1"),
            )
            .await,
        ErrorKind::MissingWakeTarget,
    );

    assert!(
        error.message.contains("without a wake target scope"),
        "{error}"
    );
    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn replay_9_an_empty_key_is_still_a_key() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let first = registry
        .append_event("p", note(json!({"n": 1})).with_replay_key(""))
        .await
        .expect("empty key on a plain type");
    assert_eq!(first.event.replay_key.as_deref(), Some(""));
    clock.advance(100);

    let replayed = registry
        .append_event("p", note(json!({"n": 1})).with_replay_key(""))
        .await
        .expect("same content under the empty key replays");
    let before_conflict = snapshot(&registry, "p").await;
    let error = expect_kind(
        registry
            .append_event("p", note(json!({"n": 2})).with_replay_key(""))
            .await,
        ErrorKind::ReplayConflict,
    );

    assert_eq!(replayed, first);
    assert!(error.message.contains("event replay key ``"), "{error}");
    assert_eq!(snapshot(&registry, "p").await, before_conflict);
    assert_eq!(sequences(&before_conflict.1), vec![1]);
}

#[tokio::test]
async fn replay_10_unkeyed_appends_always_persist() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;

    let mut appended = Vec::new();
    for _ in 0..3 {
        appended.push(
            registry
                .append_event("p", note(json!({"same": true})))
                .await
                .expect("unkeyed append"),
        );
    }
    let wake_a = registry.append_event("p", wake("w")).await.expect("wake");
    let wake_b = registry
        .append_event("p", wake("w"))
        .await
        .expect("same wake again");

    let note_sequences: Vec<u64> = appended
        .iter()
        .map(|result| result.event.sequence)
        .collect();
    assert_eq!(note_sequences, vec![1, 2, 3]);
    assert!(appended
        .iter()
        .all(|result| result.event.replay_key.is_none()));
    assert_eq!((wake_a.event.sequence, wake_b.event.sequence), (4, 5));
    assert_eq!(
        sequences(&snapshot(&registry, "p").await.1),
        vec![1, 2, 3, 4, 5]
    );
}
