//! Rule tests for the WAKE area of docs/spec.md.

mod common;

use common::{expect_kind, note, register, registration, wake};
use procreg::hash::{sha256_hex, wake_id};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessEventType, ProcessRecord, ProcessRegistry, ProcessScope,
    ProcessScopeId, ProcessValueSelector, ProcessWake, ProcessWakeDedupeKey, ProcessWakeDelivery,
    ProcessWakeSpec,
};
use procreg_memory::MemoryRegistry;
use serde_json::{json, Value};

/// The record, the whole log and the unacknowledged wakes of `id`.
async fn snapshot(
    registry: &MemoryRegistry,
    id: &str,
) -> (ProcessRecord, Vec<ProcessEvent>, Vec<ProcessEvent>) {
    let record = registry
        .get_process(id)
        .await
        .expect("the process is registered");
    let events = registry
        .events_after(id, 0)
        .await
        .expect("the log of a registered process is readable");
    let wakes = registry
        .wake_events_after(id, 0)
        .await
        .expect("the wakes of a registered process are readable");
    (record, events, wakes)
}

fn sequences(events: &[ProcessEvent]) -> Vec<u64> {
    events.iter().map(|event| event.sequence).collect()
}

/// A wake spec whose input is the `/message` pointer.
fn message_wake() -> ProcessWakeSpec {
    ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
}

/// A fresh registry holding `p`, registered with the fixture types plus `extra`.
async fn registry_with(extra: Vec<ProcessEventType>) -> (MemoryRegistry, procreg::ManualClock) {
    let (registry, clock) = common::registry();
    registry
        .register_process(registration("p").with_extra_event_types(extra))
        .await
        .expect("valid registration");
    (registry, clock)
}

/// Appends `event_type` with `payload` to `p`, targeted at session `s1`.
async fn append_targeted(
    registry: &MemoryRegistry,
    event_type: &str,
    payload: Value,
) -> ProcessEventAppendResult {
    registry
        .append_event(
            "p",
            ProcessEventAppendRequest::new(event_type, payload)
                .with_wake_target(ProcessScope::session("s1")),
        )
        .await
        .expect("targeted append")
}

#[tokio::test]
async fn wake_1_a_wake_type_materialises_a_wake_and_a_delivery() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;

    let result = registry
        .append_event("p", wake("hello"))
        .await
        .expect("wake");

    let expected = ProcessWake {
        input: "hello".to_owned(),
        dedupe_key: "p:1".to_owned(),
    };
    assert_eq!(result.event.semantics.wake, Some(expected.clone()));
    assert!(result.event.semantics.terminal.is_none());
    let delivery = result.wake_delivery.expect("a delivery is returned");
    assert_eq!(delivery.input, expected.input);
    assert_eq!(delivery.dedupe_key, expected.dedupe_key);
    let (_, events, _) = snapshot(&registry, "p").await;
    assert_eq!(events, vec![result.event]);
}

#[tokio::test]
async fn wake_2_a_falsy_when_suppresses_the_wake() {
    let spec = message_wake().when(ProcessValueSelector::pointer("/flag"));
    let (registry, _clock) = registry_with(vec![ProcessEventType::wake("maybe", spec)]).await;

    let falsy = [json!(null), json!(false), json!(""), json!([]), json!({})];
    for flag in &falsy {
        // No target: a suppressed wake needs none.
        let result = registry
            .append_event(
                "p",
                ProcessEventAppendRequest::new("maybe", json!({"flag": flag, "message": "m"})),
            )
            .await
            .expect("a falsy when persists the event");
        assert!(result.event.semantics.wake.is_none(), "flag {flag}");
        assert!(result.wake_delivery.is_none(), "flag {flag}");
    }
    let truthy = [
        json!(0),
        json!(-1.5),
        json!(true),
        json!("x"),
        json!([0]),
        json!({"a": null}),
    ];
    for flag in &truthy {
        let result =
            append_targeted(&registry, "maybe", json!({"flag": flag, "message": "m"})).await;
        assert!(result.event.semantics.wake.is_some(), "flag {flag}");
        assert!(result.wake_delivery.is_some(), "flag {flag}");
    }

    let (_, events, wakes) = snapshot(&registry, "p").await;
    assert_eq!(sequences(&events), (1..=11).collect::<Vec<u64>>());
    assert_eq!(sequences(&wakes), (6..=11).collect::<Vec<u64>>());
}

#[tokio::test]
async fn wake_3_selectors_and_stringification() {
    let template = ProcessValueSelector::template(
        "job {id} says {msg} {keep}",
        [
            ("id".to_owned(), ProcessValueSelector::pointer("/id")),
            ("msg".to_owned(), ProcessValueSelector::pointer("/msg")),
        ],
    );
    let (registry, _clock) = registry_with(vec![
        ProcessEventType::wake(
            "by_payload",
            ProcessWakeSpec::new(ProcessValueSelector::Payload),
        ),
        ProcessEventType::wake(
            "by_pointer",
            ProcessWakeSpec::new(ProcessValueSelector::pointer("/v")),
        ),
        ProcessEventType::wake(
            "by_const_text",
            ProcessWakeSpec::new(ProcessValueSelector::Const(json!("fixed"))),
        ),
        ProcessEventType::wake(
            "by_const_json",
            ProcessWakeSpec::new(ProcessValueSelector::Const(json!({"x": [1, "y"]}))),
        ),
        ProcessEventType::wake("by_template", ProcessWakeSpec::new(template)),
        ProcessEventType::wake(
            "by_present",
            ProcessWakeSpec::new(ProcessValueSelector::present("/flag")),
        ),
    ])
    .await;

    let cases = [
        (
            "by_payload",
            json!({"a": [1, 2], "b": "s"}),
            r#"{"a":[1,2],"b":"s"}"#,
        ),
        ("by_pointer", json!({"v": "raw text"}), "raw text"),
        ("by_pointer", json!({"v": 42}), "42"),
        ("by_pointer", json!({"v": true}), "true"),
        ("by_pointer", json!({"v": null}), "null"),
        ("by_pointer", json!({"v": {"k": "v"}}), r#"{"k":"v"}"#),
        ("by_pointer", json!({"v": ["q"]}), r#"["q"]"#),
        ("by_const_text", json!({}), "fixed"),
        ("by_const_json", json!({}), r#"{"x":[1,"y"]}"#),
        (
            "by_template",
            json!({"id": 7, "msg": "hi"}),
            "job 7 says hi {keep}",
        ),
        ("by_present", json!({"flag": null}), "true"),
        ("by_present", json!({}), "false"),
    ];
    for (event_type, payload, input) in cases {
        let result = append_targeted(&registry, event_type, payload.clone()).await;
        let wake = result.event.semantics.wake.expect("a wake materialises");
        assert_eq!(wake.input, input, "{event_type} on {payload}");
        let delivery = result.wake_delivery.expect("a delivery is returned");
        assert_eq!(delivery.input, input, "{event_type} on {payload}");
    }
}

#[tokio::test]
async fn wake_4_dedupe_keys_follow_their_declaration() {
    let by_thread = message_wake().with_dedupe_key(ProcessWakeDedupeKey::Selector(
        ProcessValueSelector::pointer("/thread"),
    ));
    let by_const = message_wake().with_dedupe_key(ProcessWakeDedupeKey::Const("only-one".into()));
    let (registry, _clock) = registry_with(vec![
        ProcessEventType::wake("threaded", by_thread),
        ProcessEventType::wake("singleton", by_const),
    ])
    .await;

    let identity_1 = registry.append_event("p", wake("a")).await.expect("wake");
    registry
        .append_event("p", note(json!({})))
        .await
        .expect("note");
    let identity_3 = registry.append_event("p", wake("b")).await.expect("wake");
    let text = append_targeted(
        &registry,
        "threaded",
        json!({"thread": "t-9", "message": "m"}),
    )
    .await;
    let number =
        append_targeted(&registry, "threaded", json!({"thread": 12, "message": "m"})).await;
    let object = append_targeted(
        &registry,
        "threaded",
        json!({"thread": {"id": 1}, "message": "m"}),
    )
    .await;
    let constant = append_targeted(&registry, "singleton", json!({"message": "m"})).await;

    for (result, key) in [
        (identity_1, "p:1"),
        (identity_3, "p:3"),
        (text, "t-9"),
        (number, "12"),
        (object, r#"{"id":1}"#),
        (constant, "only-one"),
    ] {
        let wake = result.event.semantics.wake.expect("a wake materialises");
        assert_eq!(wake.dedupe_key, key);
        let delivery = result.wake_delivery.expect("a delivery is returned");
        assert_eq!(delivery.dedupe_key, key);
    }
}

#[tokio::test]
async fn wake_5_wake_ids_are_stable_per_target_and_dedupe_key() {
    let by_thread = message_wake().with_dedupe_key(ProcessWakeDedupeKey::Selector(
        ProcessValueSelector::pointer("/thread"),
    ));
    let (registry, _clock) =
        registry_with(vec![ProcessEventType::wake("threaded", by_thread)]).await;
    let send = |thread: &'static str, target: ProcessScope| {
        ProcessEventAppendRequest::new("threaded", json!({"thread": thread, "message": "m"}))
            .with_wake_target(target)
    };
    let mut ids = Vec::new();
    for request in [
        send("a", ProcessScope::session("s1")),
        send("a", ProcessScope::session("s1")),
        send("a", ProcessScope::session("s2")),
        send("a", ProcessScope::frame("s1", "f")),
        send("b", ProcessScope::session("s1")),
    ] {
        let result = registry.append_event("p", request).await.expect("wake");
        ids.push(result.wake_delivery.expect("delivery").wake_id);
    }

    assert_eq!(ids[0], ids[1], "same target and dedupe key");
    assert_ne!(ids[0], ids[2], "another session");
    assert_ne!(ids[0], ids[3], "a frame of the same session");
    assert_ne!(ids[0], ids[4], "another dedupe key");
    assert_eq!(ids[0], wake_id("session:s1", "a"));
    assert_eq!(ids[2], wake_id("session:s2", "a"));
    assert_eq!(ids[3], wake_id("session:s1/frame:f", "a"));
    assert_eq!(ids[4], wake_id("session:s1", "b"));
    // The formula itself: "wake:" + sha256_hex of the JSON pair [scope id, dedupe key].
    let pair = serde_json::to_string(&json!(["session:s1", "a"])).expect("pair serialises");
    assert_eq!(ids[0], format!("wake:{}", sha256_hex(pair.as_bytes())));
}

#[tokio::test]
async fn wake_6_the_delivery_describes_the_event_and_the_requests_target() {
    let (registry, clock) = common::registry();
    let cause = json!({"turn": 7, "by": "agent"});
    registry
        .register_process(
            registration("p")
                .with_owner_scope(ProcessScope::session("owner-session"))
                .with_caused_by(cause.clone()),
        )
        .await
        .expect("valid registration");
    registry
        .append_event("p", note(json!({})))
        .await
        .expect("note");
    let woke_at = clock.advance(400);

    let result = registry
        .append_event(
            "p",
            ProcessEventAppendRequest::new("wake", json!({"message": "hello"}))
                .with_replay_key("k")
                .with_wake_target(ProcessScope::frame("s9", "f3")),
        )
        .await
        .expect("wake");

    let expected = ProcessWakeDelivery {
        wake_id: wake_id("session:s9/frame:f3", "p:2"),
        target_session_id: "s9".to_owned(),
        target_scope_id: ProcessScopeId("session:s9/frame:f3".to_owned()),
        process_id: "p".to_owned(),
        sequence: 2,
        event_type: "wake".to_owned(),
        replay_key: Some("k".to_owned()),
        process_caused_by: Some(cause),
        dedupe_key: "p:2".to_owned(),
        input: "hello".to_owned(),
        created_at_ms: woke_at,
    };
    assert_eq!(result.wake_delivery, Some(expected));
    assert_eq!(result.event.occurred_at_ms, woke_at);
}

#[tokio::test]
async fn wake_6_a_delivery_without_cause_or_key_leaves_them_empty() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;

    let result = registry.append_event("p", wake("hi")).await.expect("wake");

    let delivery = result.wake_delivery.expect("delivery");
    assert_eq!(delivery.process_caused_by, None);
    assert_eq!(delivery.replay_key, None);
    assert_eq!(delivery.target_session_id, "s1");
    assert_eq!(delivery.target_scope_id.as_str(), "session:s1");
}

#[tokio::test]
async fn wake_7_a_wake_without_a_target_is_rejected_and_not_persisted() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    registry
        .append_event("p", wake("first"))
        .await
        .expect("wake");
    clock.advance(100);
    let before = snapshot(&registry, "p").await;

    let error = expect_kind(
        registry
            .append_event(
                "p",
                ProcessEventAppendRequest::new("wake", json!({"message": "m"}))
                    .with_replay_key("k"),
            )
            .await,
        ErrorKind::MissingWakeTarget,
    );

    assert!(
        error.message.contains("without a wake target scope"),
        "{error}"
    );
    assert!(error.message.contains("`p`"), "{error}");
    assert_eq!(snapshot(&registry, "p").await, before);
    let next = registry
        .append_event("p", wake("m").with_replay_key("k"))
        .await
        .expect("the key was not taken by the failed append");
    assert_eq!(next.event.sequence, 2);
}

#[tokio::test]
async fn wake_8_the_registry_does_not_dedupe_wakes() {
    let fixed = message_wake().with_dedupe_key(ProcessWakeDedupeKey::Const("same".into()));
    let (registry, _clock) = registry_with(vec![ProcessEventType::wake("fixed", fixed)]).await;

    let first = append_targeted(&registry, "fixed", json!({"message": "m"})).await;
    let second = append_targeted(&registry, "fixed", json!({"message": "m"})).await;

    assert_eq!((first.event.sequence, second.event.sequence), (1, 2));
    let first = first.wake_delivery.expect("first delivery");
    let second = second.wake_delivery.expect("second delivery");
    assert_eq!(first.wake_id, second.wake_id);
    assert_eq!(first.dedupe_key, "same");
    assert_eq!(second.dedupe_key, "same");
    let (_, _, wakes) = snapshot(&registry, "p").await;
    assert_eq!(sequences(&wakes), vec![1, 2]);
}

#[tokio::test]
async fn wake_9_wake_events_after_lists_unacknowledged_wakes_after_the_cursor() {
    let (registry, _clock) = common::registry();
    register(&registry, "p").await;
    registry.append_event("p", wake("a")).await.expect("wake 1");
    registry
        .append_event("p", note(json!({})))
        .await
        .expect("note 2");
    registry.append_event("p", wake("b")).await.expect("wake 3");
    registry.append_event("p", wake("c")).await.expect("wake 4");
    let log = registry.events_after("p", 0).await.expect("log");

    let all = registry.wake_events_after("p", 0).await.expect("wakes");
    assert_eq!(all, vec![log[0].clone(), log[2].clone(), log[3].clone()]);
    let after_first = registry.wake_events_after("p", 1).await.expect("after 1");
    assert_eq!(sequences(&after_first), vec![3, 4]);
    let after_note = registry.wake_events_after("p", 2).await.expect("after 2");
    assert_eq!(sequences(&after_note), vec![3, 4]);
    let after_third = registry.wake_events_after("p", 3).await.expect("after 3");
    assert_eq!(sequences(&after_third), vec![4]);
    assert!(registry
        .wake_events_after("p", 4)
        .await
        .expect("at end")
        .is_empty());

    registry.ack_wake("p", 3).await.expect("ack");
    let unacked = registry.wake_events_after("p", 0).await.expect("unacked");
    assert_eq!(sequences(&unacked), vec![1, 4]);

    let error = expect_kind(
        registry.wake_events_after("ghost", 0).await,
        ErrorKind::NotFound,
    );
    assert!(error.message.contains("unknown process"), "{error}");
}

#[tokio::test]
async fn wake_10_acks_hide_wakes_and_nothing_else() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    registry.append_event("p", wake("a")).await.expect("wake 1");
    registry
        .append_event("p", note(json!({})))
        .await
        .expect("note 2");
    registry.append_event("p", wake("b")).await.expect("wake 3");
    let (record, log, _) = snapshot(&registry, "p").await;
    clock.advance(100);

    registry.ack_wake("p", 1).await.expect("ack");
    registry
        .ack_wake("p", 1)
        .await
        .expect("acking again is idempotent");

    let (record_after, log_after, wakes_after) = snapshot(&registry, "p").await;
    assert_eq!(sequences(&wakes_after), vec![3]);
    assert_eq!(log_after, log, "events_after is unaffected");
    assert_eq!(record_after, record, "the record is unaffected");

    for any in [0, 2, 999, u64::MAX] {
        registry
            .ack_wake("p", any)
            .await
            .expect("any sequence is accepted");
    }
    assert_eq!(snapshot(&registry, "p").await, (record, log, wakes_after));

    // There is no un-ack: later appends do not bring sequence 1 back.
    registry.append_event("p", wake("c")).await.expect("wake 4");
    let wakes = registry.wake_events_after("p", 0).await.expect("wakes");
    assert_eq!(sequences(&wakes), vec![3, 4]);

    let error = expect_kind(registry.ack_wake("ghost", 1).await, ErrorKind::NotFound);
    assert!(error.message.contains("unknown process"), "{error}");
    assert!(registry.get_process("ghost").await.is_none());
}

#[tokio::test]
async fn wake_11_non_wake_events_never_appear_as_wakes() {
    let spec = message_wake().when(ProcessValueSelector::pointer("/flag"));
    let (registry, _clock) = registry_with(vec![ProcessEventType::wake("maybe", spec)]).await;
    registry
        .append_event("p", note(json!({"n": 1})))
        .await
        .expect("plain note");
    registry
        .append_event(
            "p",
            ProcessEventAppendRequest::new("maybe", json!({"flag": false, "message": "m"})),
        )
        .await
        .expect("falsy wake");
    let real = registry
        .append_event("p", wake("real"))
        .await
        .expect("wake");
    registry
        .append_event(
            "p",
            ProcessEventAppendRequest::cancel_requested("p", Some("stop")),
        )
        .await
        .expect("cancel request");
    registry
        .complete_process("p", ProcessAwaitOutput::cancelled("stopped"))
        .await
        .expect("complete");

    let (_, events, wakes) = snapshot(&registry, "p").await;
    assert_eq!(events.len(), 5);
    assert_eq!(wakes, vec![real.event]);
    for cursor in 0..5 {
        let after = registry
            .wake_events_after("p", cursor)
            .await
            .expect("wakes");
        assert!(
            after.iter().all(|event| event.sequence == 3),
            "after {cursor}"
        );
    }
}
