//! Rule tests for the EVENT area of docs/spec.md.

mod common;

use common::{expect_kind, note, register, registration, wake, START_MS};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessEventSemantics, ProcessEventType, ProcessRecord,
    ProcessRegistry, ProcessScope, ProcessStatus, ProcessTerminalSemantics, ProcessTerminalState,
    ProcessValueSelector, ProcessWake, ProcessWakeSpec, PROCESS_COMPLETED,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;

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

/// Appends `request` to `id`; the append is valid by construction.
async fn append(
    registry: &MemoryRegistry,
    id: &str,
    request: ProcessEventAppendRequest,
) -> ProcessEventAppendResult {
    registry
        .append_event(id, request)
        .await
        .expect("a valid append succeeds")
}

fn sequences(events: &[ProcessEvent]) -> Vec<u64> {
    events.iter().map(|event| event.sequence).collect()
}

#[tokio::test]
async fn event_1_appending_to_an_unknown_process_fails_with_not_found() {
    let (registry, _clock) = common::registry();
    register(&registry, "known").await;

    let error = expect_kind(
        registry.append_event("ghost", note(json!({"n": 1}))).await,
        ErrorKind::NotFound,
    );

    assert!(error.message.contains("unknown process"), "{error}");
    assert!(error.message.contains("ghost"), "{error}");
    assert!(registry.get_process("ghost").await.is_none());
    assert!(snapshot(&registry, "known").await.1.is_empty());
}

#[tokio::test]
async fn event_2_sequences_start_at_one_without_gaps() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;

    let first = append(&registry, "p", note(json!({"n": 1}))).await;
    let keyed = append(&registry, "p", note(json!({"n": 2})).with_replay_key("k")).await;
    // Failed appends (undeclared type, wake without target) consume nothing.
    let undeclared = ProcessEventAppendRequest::new("nope", json!({}));
    expect_kind(
        registry.append_event("p", undeclared).await,
        ErrorKind::UndeclaredEvent,
    );
    let untargeted = ProcessEventAppendRequest::new("wake", json!({"message": "m"}));
    expect_kind(
        registry.append_event("p", untargeted).await,
        ErrorKind::MissingWakeTarget,
    );
    // A replay returns the stored event and consumes nothing.
    let replayed = append(&registry, "p", note(json!({"n": 2})).with_replay_key("k")).await;
    let third = append(&registry, "p", note(json!({"n": 3}))).await;

    assert_eq!(first.event.sequence, 1);
    assert_eq!(keyed.event.sequence, 2);
    assert_eq!(replayed.event.sequence, 2);
    assert_eq!(third.event.sequence, 3);
    assert_eq!(sequences(&snapshot(&registry, "p").await.1), vec![1, 2, 3]);
}

#[tokio::test]
async fn event_3_an_undeclared_event_type_is_rejected_and_not_persisted() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    append(&registry, "p", note(json!({"n": 1}))).await;
    let before = snapshot(&registry, "p").await;
    clock.advance(50);

    for undeclared in ["mystery", "Note", "note "] {
        let request = ProcessEventAppendRequest::new(undeclared, json!({}));
        let error = expect_kind(
            registry.append_event("p", request).await,
            ErrorKind::UndeclaredEvent,
        );
        let expected = format!("emitted undeclared event type `{undeclared}`");
        assert!(error.message.contains(&expected), "{error}");
        assert!(error.message.contains("`p`"), "{error}");
    }

    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn event_4_a_payload_failing_its_schema_is_rejected_and_not_persisted() {
    let (registry, clock) = common::registry();
    let order = ProcessEventType::new("order").with_schema(json!({
        "type": "object",
        "required": ["sku"],
        "properties": {
            "sku": {"type": "string"},
            "qty": {"type": "integer", "minimum": 1}
        }
    }));
    registry
        .register_process(registration("p").with_extra_event_types([order]))
        .await
        .expect("valid registration");
    clock.advance(10);
    let before = snapshot(&registry, "p").await;
    let order = |payload| ProcessEventAppendRequest::new("order", payload);

    let missing = expect_kind(
        registry.append_event("p", order(json!({"qty": 2}))).await,
        ErrorKind::InvalidPayload,
    );
    let too_small = expect_kind(
        registry
            .append_event("p", order(json!({"sku": "a", "qty": 0})))
            .await,
        ErrorKind::InvalidPayload,
    );
    let not_an_object = expect_kind(
        registry.append_event("p", order(json!("sku"))).await,
        ErrorKind::InvalidPayload,
    );

    for error in [&missing, &too_small, &not_an_object] {
        assert!(
            error.message.contains("invalid `order` payload: "),
            "{error}"
        );
    }
    let missing_sku = "missing required property `sku`";
    assert!(missing.message.contains(missing_sku), "{missing}");
    assert!(too_small.message.contains("/qty"), "{too_small}");
    assert!(too_small.message.contains("minimum"), "{too_small}");
    assert_eq!(snapshot(&registry, "p").await, before);
    let valid = append(&registry, "p", order(json!({"sku": "a", "qty": 1}))).await;
    assert_eq!(valid.event.sequence, 1);
}

#[tokio::test]
async fn event_5_a_stored_event_is_exactly_what_was_appended() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let woke_at = clock.advance(250);

    let woke = append(&registry, "p", wake("hello").with_replay_key("wake-1")).await;
    let expected_wake = ProcessEvent {
        process_id: "p".to_owned(),
        sequence: 1,
        event_type: "wake".to_owned(),
        payload: json!({"message": "hello"}),
        replay_key: Some("wake-1".to_owned()),
        semantics: ProcessEventSemantics {
            terminal: None,
            wake: Some(ProcessWake {
                input: "hello".to_owned(),
                dedupe_key: "p:1".to_owned(),
            }),
        },
        occurred_at_ms: woke_at,
    };
    assert_eq!(woke.event, expected_wake);

    let done_at = clock.advance(250);
    let value = json!({"nested": [1, null, "x"]});
    let payload = json!({"await_output": {"type": "success", "value": value}});
    let request = ProcessEventAppendRequest::new(PROCESS_COMPLETED, payload.clone());
    let done = append(&registry, "p", request.with_replay_key("done")).await;
    let expected_done = ProcessEvent {
        process_id: "p".to_owned(),
        sequence: 2,
        event_type: PROCESS_COMPLETED.to_owned(),
        payload,
        replay_key: Some("done".to_owned()),
        semantics: ProcessEventSemantics {
            terminal: Some(ProcessTerminalSemantics {
                state: ProcessTerminalState::Completed,
                await_output: ProcessAwaitOutput::success(value),
            }),
            wake: None,
        },
        occurred_at_ms: done_at,
    };
    assert_eq!(done.event, expected_done);

    let (_, stored) = snapshot(&registry, "p").await;
    assert_eq!(stored, vec![expected_wake, expected_done]);
}

#[tokio::test]
async fn event_6_a_persisted_append_bumps_updated_at_only() {
    let (registry, clock) = common::registry();
    let registered = register(&registry, "p").await;
    assert_eq!(registered.updated_at_ms, START_MS);

    let first_at = clock.advance(500);
    let first = append(&registry, "p", note(json!({"n": 1}))).await;
    let after_first = snapshot(&registry, "p").await.0;
    assert_eq!(first.event.occurred_at_ms, first_at);
    assert_eq!(after_first.updated_at_ms, first_at);
    assert_eq!(after_first.created_at_ms, START_MS);

    let second_at = clock.advance(250);
    let second = append(&registry, "p", wake("w")).await;
    let after_second = snapshot(&registry, "p").await.0;
    assert_eq!(second.event.occurred_at_ms, second_at);
    assert_eq!(after_second.updated_at_ms, second_at);
    assert_eq!(after_second.created_at_ms, START_MS);
    assert_eq!(
        ProcessRecord {
            updated_at_ms: registered.updated_at_ms,
            ..after_second
        },
        registered,
        "nothing but updated_at_ms changes on the record"
    );
}

#[tokio::test]
async fn event_7_events_after_reads_strictly_after_the_cursor_in_order() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;
    for n in 1..=4 {
        append(&registry, "p", note(json!({"n": n}))).await;
    }

    let all = registry.events_after("p", 0).await.expect("whole log");
    assert_eq!(sequences(&all), vec![1, 2, 3, 4]);
    let payloads: Vec<_> = all.iter().map(|event| event.payload.clone()).collect();
    let expected: Vec<_> = (1..=4).map(|n| json!({"n": n})).collect();
    assert_eq!(payloads, expected);

    let tail = registry.events_after("p", 2).await.expect("tail");
    assert_eq!(tail, all[2..].to_vec());
    let at_end = registry.events_after("p", 4).await.expect("at end");
    assert!(at_end.is_empty());
    let past_end = registry.events_after("p", 10).await.expect("past end");
    assert!(past_end.is_empty());

    let error = expect_kind(registry.events_after("ghost", 0).await, ErrorKind::NotFound);
    assert!(error.message.contains("unknown process"), "{error}");
}

#[tokio::test]
async fn event_8_logs_sequences_and_replay_keys_are_per_process() {
    let (registry, _clock) = common::registry();
    register(&registry, "a").await;
    register(&registry, "b").await;
    for n in 1..=3 {
        append(&registry, "a", note(json!({"a": n}))).await;
    }

    let first_b = append(&registry, "b", note(json!({"b": 1}))).await;
    let from_a = note(json!({"from": "a"})).with_replay_key("shared");
    let keyed_a = append(&registry, "a", from_a).await;
    // The same key on b is independent of a: no replay, no conflict.
    let from_b = note(json!({"from": "b"})).with_replay_key("shared");
    let keyed_b = append(&registry, "b", from_b).await;

    assert_eq!(first_b.event.sequence, 1);
    assert_eq!(keyed_a.event.sequence, 4);
    assert_eq!(keyed_b.event.sequence, 2);
    let log_a = snapshot(&registry, "a").await.1;
    let log_b = snapshot(&registry, "b").await.1;
    assert_eq!(sequences(&log_a), vec![1, 2, 3, 4]);
    assert_eq!(sequences(&log_b), vec![1, 2]);
    assert!(log_a.iter().all(|event| event.process_id == "a"));
    assert!(log_b.iter().all(|event| event.process_id == "b"));
    assert_eq!(log_b[1].payload, json!({"from": "b"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn event_9_concurrent_appends_serialise_without_gaps() {
    const TASKS: u64 = 8;
    const APPENDS: u64 = 25;
    let (registry, _clock) = common::registry();
    let registry = Arc::new(registry);
    register(registry.as_ref(), "p").await;

    let mut handles = Vec::new();
    for task in 0..TASKS {
        let registry = Arc::clone(&registry);
        handles.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for i in 0..APPENDS {
                let request = note(json!({"task": task, "i": i}));
                seen.push(append(&registry, "p", request).await.event.sequence);
            }
            seen
        }));
    }
    let mut all_sequences = Vec::new();
    for handle in handles {
        let seen = handle.await.expect("append task finished");
        assert!(
            seen.windows(2).all(|pair| pair[0] < pair[1]),
            "one task's appends are ordered: {seen:?}"
        );
        all_sequences.extend(seen);
    }

    all_sequences.sort_unstable();
    let expected: Vec<u64> = (1..=TASKS * APPENDS).collect();
    assert_eq!(all_sequences, expected);
    let log = snapshot(&registry, "p").await.1;
    assert_eq!(sequences(&log), expected);
    let distinct: BTreeSet<String> = log.iter().map(|event| event.payload.to_string()).collect();
    assert_eq!(
        distinct.len() as u64,
        TASKS * APPENDS,
        "every append persisted once"
    );
}

#[tokio::test]
async fn event_10_u64_max_cursors_yield_empty_lists() {
    let (registry, _clock) = common::registry();
    register(&registry, "empty").await;
    register(&registry, "p").await;
    append(&registry, "p", wake("w")).await;
    append(&registry, "p", note(json!({"n": 1}))).await;

    for id in ["empty", "p"] {
        for cursor in [u64::MAX, u64::MAX - 1] {
            let events = registry
                .events_after(id, cursor)
                .await
                .expect("an extreme cursor is defined");
            assert!(events.is_empty(), "{id} after {cursor}");
            let wakes = registry
                .wake_events_after(id, cursor)
                .await
                .expect("an extreme wake cursor is defined");
            assert!(wakes.is_empty(), "{id} wakes after {cursor}");
        }
    }
}

#[tokio::test]
async fn event_11_a_one_mebibyte_payload_round_trips() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;
    let blob: String = (0..1usize << 20)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    assert_eq!(blob.len(), 1 << 20);
    let payload = json!({"blob": blob, "tail": "end"});

    let appended = append(&registry, "p", note(payload.clone())).await;

    assert_eq!(appended.event.payload, payload);
    let stored = snapshot(&registry, "p").await.1;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].payload, payload);
}

#[tokio::test]
async fn event_12_non_terminal_events_are_accepted_after_terminal() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let output = ProcessAwaitOutput::success(json!("done"));
    registry
        .complete_process("p", output.clone())
        .await
        .expect("complete");
    let completed = ProcessStatus::Completed {
        await_output: output,
    };

    let note_at = clock.advance(100);
    let late_note = append(&registry, "p", note(json!({"late": true}))).await;
    let late_wake = append(&registry, "p", wake("still here")).await;

    assert_eq!(late_note.event.sequence, 2);
    assert_eq!(late_note.event.occurred_at_ms, note_at);
    assert_eq!(late_wake.event.sequence, 3);
    assert!(late_wake.wake_delivery.is_some());
    let (record, events) = snapshot(&registry, "p").await;
    assert_eq!(record.status, completed);
    assert_eq!(sequences(&events), vec![1, 2, 3]);
}

#[tokio::test]
async fn event_13_a_selector_miss_rejects_the_append_and_persists_nothing() {
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
    clock.advance(10);
    let before = snapshot(&registry, "p").await;

    let wake_without_message = ProcessEventAppendRequest::new("wake", json!({"other": 1}))
        .with_wake_target(ProcessScope::session("s1"));
    let wake_miss = expect_kind(
        registry.append_event("p", wake_without_message).await,
        ErrorKind::InvalidPayload,
    );
    let finished_without_result =
        ProcessEventAppendRequest::new("finished", json!({"outcome": 1})).with_replay_key("t");
    let terminal_miss = expect_kind(
        registry.append_event("p", finished_without_result).await,
        ErrorKind::InvalidPayload,
    );

    let message_miss = "payload pointer `/message` did not match";
    assert!(wake_miss.message.contains(message_miss), "{wake_miss}");
    let result_miss = "payload pointer `/result` did not match";
    assert!(
        terminal_miss.message.contains(result_miss),
        "{terminal_miss}"
    );
    assert_eq!(snapshot(&registry, "p").await, before);
    assert_eq!(before.0.status, ProcessStatus::Running);
    let next = append(&registry, "p", note(json!({"n": 1}))).await;
    assert_eq!(
        next.event.sequence, 1,
        "the failed appends consumed no sequence"
    );
}

#[tokio::test]
async fn event_13_a_falsy_when_is_not_an_error() {
    let (registry, _clock) = common::registry();
    let maybe = ProcessEventType::wake(
        "maybe",
        ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
            .when(ProcessValueSelector::pointer("/urgent")),
    );
    registry
        .register_process(registration("p").with_extra_event_types([maybe]))
        .await
        .expect("valid registration");

    let payload = json!({"urgent": false, "message": "m"});
    let quiet = registry
        .append_event("p", ProcessEventAppendRequest::new("maybe", payload))
        .await
        .expect("a falsy when persists the event");

    assert_eq!(quiet.event.sequence, 1);
    assert_eq!(quiet.event.semantics, ProcessEventSemantics::default());
    assert!(quiet.wake_delivery.is_none());
    assert_eq!(snapshot(&registry, "p").await.1, vec![quiet.event]);
}
