//! WAKE: materialised wakes, their deliveries and ids, `wake_events_after` and acks.

use super::event::{
    append, append_fails, describe_append, ensure_unchanged, register, sequences, snapshot,
};
use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake, WAKE};
use procreg::hash::wake_id;
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessEventType, ProcessScope, ProcessScopeId, ProcessValueSelector,
    ProcessWake, ProcessWakeDedupeKey, ProcessWakeDelivery, ProcessWakeSpec,
};
use serde_json::{json, Value};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "wake_type_materialises_a_wake_and_a_delivery",
            rules: &["WAKE-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_type_materialises(cx)),
        },
        Check {
            id: "wake_falsy_when_suppresses_the_wake",
            rules: &["WAKE-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(falsy_when_suppresses_the_wake(cx)),
        },
        Check {
            id: "wake_selectors_and_stringification",
            rules: &["WAKE-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(selectors_and_stringification(cx)),
        },
        Check {
            id: "wake_dedupe_keys_follow_their_declaration",
            rules: &["WAKE-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(dedupe_keys_follow_their_declaration(cx)),
        },
        Check {
            id: "wake_ids_are_stable_per_target_and_dedupe_key",
            rules: &["WAKE-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_ids_are_stable(cx)),
        },
        Check {
            id: "wake_delivery_describes_the_event_and_the_request_target",
            rules: &["WAKE-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(delivery_describes_event_and_target(cx)),
        },
        Check {
            id: "wake_delivery_created_at_is_the_clock_reading",
            rules: &["WAKE-6"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(delivery_created_at_is_the_clock_reading(cx)),
        },
        Check {
            id: "wake_without_a_target_is_rejected_and_not_persisted",
            rules: &["WAKE-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_without_target_is_rejected(cx)),
        },
        Check {
            id: "wake_registry_does_not_dedupe_wakes",
            rules: &["WAKE-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(registry_does_not_dedupe_wakes(cx)),
        },
        Check {
            id: "wake_events_after_lists_unacknowledged_wakes_after_the_cursor",
            rules: &["WAKE-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_events_after_lists_unacked(cx)),
        },
        Check {
            id: "wake_acks_hide_wakes_and_nothing_else",
            rules: &["WAKE-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(acks_hide_wakes_and_nothing_else(cx)),
        },
        Check {
            id: "wake_ack_of_a_future_sequence_hides_it_once_appended",
            rules: &["WAKE-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(ack_of_future_sequence(cx)),
        },
        Check {
            id: "wake_non_wake_events_never_appear_as_wakes",
            rules: &["WAKE-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(non_wake_events_never_appear(cx)),
        },
    ]
}

/// A wake spec whose input is the `/message` pointer.
fn message_wake() -> ProcessWakeSpec {
    ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
}

/// `event_type` with `payload`, targeted at session `s1`.
fn targeted(event_type: &str, payload: Value) -> ProcessEventAppendRequest {
    ProcessEventAppendRequest::new(event_type, payload).with_wake_target(session("s1"))
}

/// The unacknowledged wakes of `id` after `cursor`.
async fn wakes_after(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    cursor: u64,
) -> Result<Vec<ProcessEvent>, CheckFailure> {
    let what = format!("wake_events_after({id}, {cursor})");
    cx.ok(
        rule,
        &what,
        cx.registry().wake_events_after(id, cursor).await,
    )
}

/// Asserts the stored wake and the delivery of `result` both carry `input` and `dedupe_key`.
fn ensure_wake(
    cx: &CheckContext<'_>,
    rule: &str,
    call: &str,
    result: &ProcessEventAppendResult,
    input: &str,
    dedupe_key: &str,
) -> CheckResult {
    let expected = ProcessWake {
        input: input.to_owned(),
        dedupe_key: dedupe_key.to_owned(),
    };
    cx.ensure_eq(
        rule,
        &format!("semantics.wake of the event from {call}"),
        &Some(expected),
        &result.event.semantics.wake,
    )?;
    let delivery = cx.some(
        rule,
        &format!("wake delivery of {call}"),
        result.wake_delivery.as_ref(),
    )?;
    cx.ensure_eq(
        rule,
        &format!("delivery input of {call}"),
        &input,
        &delivery.input.as_str(),
    )?;
    cx.ensure_eq(
        rule,
        &format!("delivery dedupe key of {call}"),
        &dedupe_key,
        &delivery.dedupe_key.as_str(),
    )
}

/// WAKE-1: a wake type stores `{input, dedupe_key}` and returns a delivery.
async fn wake_type_materialises(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-1";
    register(&cx, RULE, registration("p1")).await?;
    let request = wake("hello", &session("s1"));
    let call = describe_append("p1", &request);
    let result = append(&cx, RULE, "p1", request).await?;
    ensure_wake(&cx, RULE, &call, &result, "hello", "p1:1")?;
    cx.ensure_eq(
        RULE,
        &format!("semantics.terminal of the event from {call}"),
        &None,
        &result.event.semantics.terminal,
    )?;
    let (_, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(RULE, "stored log of p1", &vec![result.event], &events)
}

/// WAKE-2: falsy `when` values persist without a wake (and skip the other
/// selectors); truthy ones, numbers included, wake.
async fn falsy_when_suppresses_the_wake(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-2";
    let spec = ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
        .when(ProcessValueSelector::pointer("/flag"))
        .with_dedupe_key(ProcessWakeDedupeKey::Selector(
            ProcessValueSelector::pointer("/thread"),
        ));
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([ProcessEventType::wake("maybe", spec)]),
    )
    .await?;
    let falsy = [json!(null), json!(false), json!(""), json!([]), json!({})];
    for flag in &falsy {
        // No target, no message, no thread: a suppressed wake needs none of them.
        let request = ProcessEventAppendRequest::new("maybe", json!({"flag": flag}));
        let call = describe_append("p1", &request);
        let result = append(&cx, RULE, "p1", request).await?;
        cx.ensure_eq(
            RULE,
            &format!("semantics.wake of the event from {call}"),
            &None,
            &result.event.semantics.wake,
        )?;
        cx.ensure(RULE, result.wake_delivery.is_none(), || {
            format!("{call}: expected no wake delivery, observed one")
        })?;
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
        let request = targeted(
            "maybe",
            json!({"flag": flag, "message": "m", "thread": "t"}),
        );
        let call = describe_append("p1", &request);
        let result = append(&cx, RULE, "p1", request).await?;
        ensure_wake(&cx, RULE, &call, &result, "m", "t")?;
    }
    let (_, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "stored sequences",
        &(1..=11).collect::<Vec<u64>>(),
        &sequences(&events),
    )?;
    let wakes = wakes_after(&cx, RULE, "p1", 0).await?;
    cx.ensure_eq(
        RULE,
        "wake_events_after(p1, 0)",
        &(6..=11).collect::<Vec<u64>>(),
        &sequences(&wakes),
    )
}

/// WAKE-3: payload, pointer, const, template and present selectors; strings
/// raw, everything else compact JSON.
async fn selectors_and_stringification(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-3";
    let template = ProcessValueSelector::template(
        "job {id} says {msg} {keep}",
        [
            ("id".to_owned(), ProcessValueSelector::pointer("/id")),
            ("msg".to_owned(), ProcessValueSelector::pointer("/msg")),
        ],
    );
    let types = [
        ("by_payload", ProcessValueSelector::Payload),
        ("by_pointer", ProcessValueSelector::pointer("/v")),
        ("by_const_text", ProcessValueSelector::Const(json!("fixed"))),
        (
            "by_const_json",
            ProcessValueSelector::Const(json!({"x": [1, "y"]})),
        ),
        ("by_template", template),
        ("by_present", ProcessValueSelector::present("/flag")),
    ]
    .map(|(name, input)| ProcessEventType::wake(name, ProcessWakeSpec::new(input)));
    register(&cx, RULE, registration("p1").with_extra_event_types(types)).await?;
    let cases = [
        (
            "by_payload",
            json!({"a": [1, 2], "b": "s"}),
            r#"{"a":[1,2],"b":"s"}"#,
        ),
        ("by_pointer", json!({"v": "raw \"text\""}), "raw \"text\""),
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
    for (sequence, (event_type, payload, input)) in (1_u64..).zip(cases) {
        let request = targeted(event_type, payload);
        let call = describe_append("p1", &request);
        let result = append(&cx, RULE, "p1", request).await?;
        ensure_wake(&cx, RULE, &call, &result, input, &format!("p1:{sequence}"))?;
    }
    Ok(())
}

/// WAKE-4: event identity, selector and const dedupe keys.
async fn dedupe_keys_follow_their_declaration(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-4";
    let by_thread = message_wake().with_dedupe_key(ProcessWakeDedupeKey::Selector(
        ProcessValueSelector::pointer("/thread"),
    ));
    let by_const = message_wake().with_dedupe_key(ProcessWakeDedupeKey::Const("only-one".into()));
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([
            ProcessEventType::wake("threaded", by_thread),
            ProcessEventType::wake("singleton", by_const),
        ]),
    )
    .await?;
    let target = session("s1");
    let cases = [
        (wake("a", &target), Some(("a", "p1:1"))),
        (note(json!({})), None),
        (wake("b", &target), Some(("b", "p1:3"))),
        (
            targeted("threaded", json!({"thread": "t-9", "message": "m"})),
            Some(("m", "t-9")),
        ),
        (
            targeted("threaded", json!({"thread": 12, "message": "m"})),
            Some(("m", "12")),
        ),
        (
            targeted("threaded", json!({"thread": {"id": 1}, "message": "m"})),
            Some(("m", r#"{"id":1}"#)),
        ),
        (
            targeted("singleton", json!({"message": "m"})),
            Some(("m", "only-one")),
        ),
    ];
    for (request, expected) in cases {
        let call = describe_append("p1", &request);
        let result = append(&cx, RULE, "p1", request).await?;
        if let Some((input, key)) = expected {
            ensure_wake(&cx, RULE, &call, &result, input, key)?;
        }
    }
    Ok(())
}

/// WAKE-5: wake ids are `wake_id(target scope id, dedupe key)`.
async fn wake_ids_are_stable(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-5";
    let by_thread = message_wake().with_dedupe_key(ProcessWakeDedupeKey::Selector(
        ProcessValueSelector::pointer("/thread"),
    ));
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([ProcessEventType::wake("threaded", by_thread)]),
    )
    .await?;
    let send = |thread: &str, target: ProcessScope| {
        ProcessEventAppendRequest::new("threaded", json!({"thread": thread, "message": "m"}))
            .with_wake_target(target)
    };
    let cases = [
        (send("a", session("s1")), "session:s1", "a"),
        (send("a", session("s1")), "session:s1", "a"),
        (send("a", session("s2")), "session:s2", "a"),
        (
            send("a", ProcessScope::frame("s1", "f")),
            "session:s1/frame:f",
            "a",
        ),
        (send("a", ProcessScope::frame("s1", "")), "session:s1", "a"),
        (send("b", session("s1")), "session:s1", "b"),
    ];
    let mut ids = Vec::new();
    for (request, scope_id, key) in cases {
        let call = describe_append("p1", &request);
        let result = append(&cx, RULE, "p1", request).await?;
        let delivery = cx.some(
            RULE,
            &format!("wake delivery of {call}"),
            result.wake_delivery,
        )?;
        cx.ensure_eq(
            RULE,
            &format!("wake id of {call}: wake_id({scope_id:?}, {key:?})"),
            &wake_id(scope_id, key),
            &delivery.wake_id,
        )?;
        ids.push(delivery.wake_id);
    }
    cx.ensure_eq(
        RULE,
        "wake ids for the same target and dedupe key",
        &ids[0],
        &ids[1],
    )?;
    cx.ensure_ne(RULE, "wake id for another session", &ids[0], &ids[2])?;
    cx.ensure_ne(
        RULE,
        "wake id for a frame of the same session",
        &ids[0],
        &ids[3],
    )?;
    cx.ensure_eq(
        RULE,
        "wake id for an empty frame (the session scope)",
        &ids[0],
        &ids[4],
    )?;
    cx.ensure_ne(RULE, "wake id for another dedupe key", &ids[0], &ids[5])
}

/// WAKE-6: the delivery's fields, target from the request, cause from the record.
async fn delivery_describes_event_and_target(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-6";
    let cause = json!({"turn": 7, "by": "agent"});
    register(
        &cx,
        RULE,
        registration("p1")
            .with_owner_scope(session("owner-session"))
            .with_caused_by(cause.clone()),
    )
    .await?;
    append(&cx, RULE, "p1", note(json!({}))).await?;
    let request = wake("hello", &ProcessScope::frame("s9", "f3")).with_replay_key("k");
    let call = describe_append("p1", &request);
    let result = append(&cx, RULE, "p1", request).await?;
    let expected = ProcessWakeDelivery {
        wake_id: wake_id("session:s9/frame:f3", "p1:2"),
        target_session_id: "s9".to_owned(),
        target_scope_id: ProcessScopeId("session:s9/frame:f3".to_owned()),
        process_id: "p1".to_owned(),
        sequence: 2,
        event_type: WAKE.to_owned(),
        replay_key: Some("k".to_owned()),
        process_caused_by: Some(cause),
        dedupe_key: "p1:2".to_owned(),
        input: "hello".to_owned(),
        created_at_ms: result.event.occurred_at_ms,
    };
    cx.ensure_eq(
        RULE,
        &format!("wake delivery of {call}"),
        &Some(expected),
        &result.wake_delivery,
    )?;

    // Without a cause or a key, the delivery carries neither.
    register(&cx, RULE, registration("p2")).await?;
    let request = wake("hi", &session("s1"));
    let call = describe_append("p2", &request);
    let result = append(&cx, RULE, "p2", request).await?;
    let expected = ProcessWakeDelivery {
        wake_id: wake_id("session:s1", "p2:1"),
        target_session_id: "s1".to_owned(),
        target_scope_id: ProcessScopeId("session:s1".to_owned()),
        process_id: "p2".to_owned(),
        sequence: 1,
        event_type: WAKE.to_owned(),
        replay_key: None,
        process_caused_by: None,
        dedupe_key: "p2:1".to_owned(),
        input: "hi".to_owned(),
        created_at_ms: result.event.occurred_at_ms,
    };
    cx.ensure_eq(
        RULE,
        &format!("wake delivery of {call}"),
        &Some(expected),
        &result.wake_delivery,
    )
}

/// WAKE-6 with exact time: `created_at_ms` is the clock reading at the append.
async fn delivery_created_at_is_the_clock_reading(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-6";
    register(&cx, RULE, registration("p1")).await?;
    cx.advance(400).await;
    let now = cx.now_ms();
    let request = wake("hello", &session("s1"));
    let call = describe_append("p1", &request);
    let result = append(&cx, RULE, "p1", request).await?;
    let delivery = cx.some(
        RULE,
        &format!("wake delivery of {call}"),
        result.wake_delivery,
    )?;
    cx.ensure_eq(
        RULE,
        &format!("created_at_ms of the delivery of {call} at clock {now}"),
        &now,
        &delivery.created_at_ms,
    )
}

/// WAKE-7: a materialised wake without a target fails and persists nothing.
async fn wake_without_target_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-7";
    register(&cx, RULE, registration("p1")).await?;
    append(&cx, RULE, "p1", wake("first", &session("s1"))).await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let wakes_before = wakes_after(&cx, RULE, "p1", 0).await?;
    cx.advance(5).await;
    for request in [
        ProcessEventAppendRequest::new(WAKE, json!({"message": "m"})),
        ProcessEventAppendRequest::new(WAKE, json!({"message": "m"})).with_replay_key("k"),
    ] {
        let call = describe_append("p1", &request);
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::MissingWakeTarget,
            "without a wake target scope",
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
        let wakes = wakes_after(&cx, RULE, "p1", 0).await?;
        cx.ensure_eq(
            RULE,
            &format!("wake_events_after(p1, 0) after {call}"),
            &wakes_before,
            &wakes,
        )?;
    }
    let next = append(
        &cx,
        RULE,
        "p1",
        wake("m", &session("s1")).with_replay_key("k"),
    )
    .await?;
    cx.ensure_eq(
        RULE,
        "sequence of the targeted append under the key the failed one used",
        &2,
        &next.event.sequence,
    )
}

/// WAKE-8: the same dedupe key twice is two events, two deliveries, one wake id.
async fn registry_does_not_dedupe_wakes(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-8";
    let fixed = message_wake().with_dedupe_key(ProcessWakeDedupeKey::Const("same".into()));
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([ProcessEventType::wake("fixed", fixed)]),
    )
    .await?;
    let first = append(&cx, RULE, "p1", targeted("fixed", json!({"message": "m"}))).await?;
    let second = append(&cx, RULE, "p1", targeted("fixed", json!({"message": "m"}))).await?;
    cx.ensure_eq(
        RULE,
        "sequences of two wakes with the same dedupe key",
        &(1, 2),
        &(first.event.sequence, second.event.sequence),
    )?;
    let first = cx.some(RULE, "delivery of the first wake", first.wake_delivery)?;
    let second = cx.some(RULE, "delivery of the second wake", second.wake_delivery)?;
    cx.ensure_eq(
        RULE,
        "wake ids of the two deliveries",
        &first.wake_id,
        &second.wake_id,
    )?;
    cx.ensure_eq(
        RULE,
        "sequences of the two deliveries",
        &(1, 2),
        &(first.sequence, second.sequence),
    )?;
    let wakes = wakes_after(&cx, RULE, "p1", 0).await?;
    cx.ensure_eq(
        RULE,
        "wake_events_after(p1, 0)",
        &vec![1, 2],
        &sequences(&wakes),
    )
}

/// WAKE-9: unacknowledged wakes strictly after the cursor, ascending.
async fn wake_events_after_lists_unacked(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-9";
    register(&cx, RULE, registration("p1")).await?;
    let empty = wakes_after(&cx, RULE, "p1", 0).await?;
    cx.ensure_eq(
        RULE,
        "wake_events_after(p1, 0) before any append",
        &Vec::<u64>::new(),
        &sequences(&empty),
    )?;
    let target = session("s1");
    for request in [
        wake("a", &target),
        note(json!({})),
        wake("b", &target),
        wake("c", &target),
    ] {
        append(&cx, RULE, "p1", request).await?;
    }
    let (_, log) = snapshot(&cx, RULE, "p1").await?;
    let all = wakes_after(&cx, RULE, "p1", 0).await?;
    let expected = vec![log[0].clone(), log[2].clone(), log[3].clone()];
    cx.ensure_eq(RULE, "wake_events_after(p1, 0)", &expected, &all)?;
    for (cursor, expected) in [
        (1, vec![3, 4]),
        (2, vec![3, 4]),
        (3, vec![4]),
        (4, vec![]),
        (9, vec![]),
    ] {
        let after = wakes_after(&cx, RULE, "p1", cursor).await?;
        let what = format!("wake_events_after(p1, {cursor})");
        cx.ensure_eq(RULE, &what, &expected, &sequences(&after))?;
    }
    cx.ok(
        RULE,
        "ack_wake(p1, 3)",
        cx.registry().ack_wake("p1", 3).await,
    )?;
    let unacked = wakes_after(&cx, RULE, "p1", 0).await?;
    cx.ensure_eq(
        RULE,
        "wake_events_after(p1, 0) after ack_wake(p1, 3)",
        &vec![1, 4],
        &sequences(&unacked),
    )?;
    let result = cx.registry().wake_events_after("ghost", 0).await;
    cx.err_containing(
        RULE,
        "wake_events_after(ghost, 0)",
        result,
        ErrorKind::NotFound,
        "unknown process",
    )?;
    Ok(())
}

/// WAKE-10: acks hide only from `wake_events_after`, are idempotent, accept
/// any sequence, never un-ack, and fail for unknown processes.
async fn acks_hide_wakes_and_nothing_else(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-10";
    register(&cx, RULE, registration("p1")).await?;
    let target = session("s1");
    for request in [wake("a", &target), note(json!({})), wake("b", &target)] {
        append(&cx, RULE, "p1", request).await?;
    }
    let before = snapshot(&cx, RULE, "p1").await?;
    cx.advance(5).await;
    cx.ok(
        RULE,
        "ack_wake(p1, 1)",
        cx.registry().ack_wake("p1", 1).await,
    )?;
    cx.ok(
        RULE,
        "ack_wake(p1, 1) again",
        cx.registry().ack_wake("p1", 1).await,
    )?;
    ensure_unchanged(&cx, RULE, "ack_wake(p1, 1)", "p1", &before).await?;
    let wakes = wakes_after(&cx, RULE, "p1", 0).await?;
    cx.ensure_eq(
        RULE,
        "wake_events_after(p1, 0) after ack_wake(p1, 1)",
        &vec![3],
        &sequences(&wakes),
    )?;
    for any in [0, 2, u64::MAX] {
        let what = format!("ack_wake(p1, {any})");
        cx.ok(RULE, &what, cx.registry().ack_wake("p1", any).await)?;
        ensure_unchanged(&cx, RULE, &what, "p1", &before).await?;
        let after = wakes_after(&cx, RULE, "p1", 0).await?;
        cx.ensure_eq(
            RULE,
            &format!("wake_events_after(p1, 0) after {what}"),
            &vec![3],
            &sequences(&after),
        )?;
    }
    append(&cx, RULE, "p1", wake("c", &target)).await?;
    let wakes = wakes_after(&cx, RULE, "p1", 0).await?;
    cx.ensure_eq(
        RULE,
        "wake_events_after(p1, 0) after a later wake (no un-ack)",
        &vec![3, 4],
        &sequences(&wakes),
    )?;
    let result = cx.registry().ack_wake("ghost", 1).await;
    cx.err_containing(
        RULE,
        "ack_wake(ghost, 1)",
        result,
        ErrorKind::NotFound,
        "unknown process",
    )?;
    let ghost = cx.registry().get_process("ghost").await;
    cx.ensure(RULE, ghost.is_none(), || {
        "get_process(ghost) after ack_wake(ghost, 1): expected none, observed a record".to_owned()
    })
}

/// WAKE-10: an ack of a sequence not appended yet hides that wake once it is.
async fn ack_of_future_sequence(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-10";
    register(&cx, RULE, registration("p1")).await?;
    let target = session("s1");
    append(&cx, RULE, "p1", wake("a", &target)).await?;
    cx.ok(
        RULE,
        "ack_wake(p1, 3) before sequence 3 exists",
        cx.registry().ack_wake("p1", 3).await,
    )?;
    append(&cx, RULE, "p1", wake("b", &target)).await?;
    let third = append(&cx, RULE, "p1", wake("c", &target)).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the third wake",
        &3,
        &third.event.sequence,
    )?;
    cx.ensure(RULE, third.wake_delivery.is_some(), || {
        "append_event(p1, wake \"c\"): expected a delivery (acks do not suppress deliveries), observed none".to_owned()
    })?;
    append(&cx, RULE, "p1", wake("d", &target)).await?;
    let wakes = wakes_after(&cx, RULE, "p1", 0).await?;
    cx.ensure_eq(
        RULE,
        "wake_events_after(p1, 0) after a pre-ack of sequence 3",
        &vec![1, 2, 4],
        &sequences(&wakes),
    )?;
    let (_, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "events_after(p1, 0) sequences (acks hide nothing there)",
        &vec![1, 2, 3, 4],
        &sequences(&events),
    )
}

/// WAKE-11: plain, suppressed, cancel-request and terminal events are never wakes.
async fn non_wake_events_never_appear(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAKE-11";
    let spec = message_wake().when(ProcessValueSelector::pointer("/flag"));
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([ProcessEventType::wake("maybe", spec)]),
    )
    .await?;
    append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    let quiet = ProcessEventAppendRequest::new("maybe", json!({"flag": false, "message": "m"}));
    append(&cx, RULE, "p1", quiet).await?;
    let real = append(&cx, RULE, "p1", wake("real", &session("s1"))).await?;
    let cancel = ProcessEventAppendRequest::cancel_requested("p1", Some("stop"));
    append(&cx, RULE, "p1", cancel).await?;
    cx.ok(
        RULE,
        "complete_process(p1, cancelled \"stopped\")",
        cx.registry()
            .complete_process("p1", ProcessAwaitOutput::cancelled("stopped"))
            .await,
    )?;
    append(&cx, RULE, "p1", note(json!({"late": true}))).await?;
    let (_, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "stored sequences",
        &vec![1, 2, 3, 4, 5, 6],
        &sequences(&events),
    )?;
    let wakes = wakes_after(&cx, RULE, "p1", 0).await?;
    cx.ensure_eq(RULE, "wake_events_after(p1, 0)", &vec![real.event], &wakes)?;
    for cursor in 1..=6 {
        let after = wakes_after(&cx, RULE, "p1", cursor).await?;
        let expected: Vec<u64> = if cursor < 3 { vec![3] } else { vec![] };
        cx.ensure_eq(
            RULE,
            &format!("wake_events_after(p1, {cursor})"),
            &expected,
            &sequences(&after),
        )?;
    }
    Ok(())
}
