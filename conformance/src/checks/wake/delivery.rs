//! WAKE-5 to WAKE-8: wake ids, deliveries, the required target, and no deduplication.

use super::support::{message_wake, targeted, wakes_after};
use crate::check::CheckResult;
use crate::checks::event::{
    append, append_fails, describe_append, ensure_unchanged, register, sequences, snapshot,
};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake, WAKE};
use procreg::hash::wake_id;
use procreg::{
    ErrorKind, ProcessEventAppendRequest, ProcessEventType, ProcessScope, ProcessScopeId,
    ProcessValueSelector, ProcessWakeDedupeKey, ProcessWakeDelivery,
};
use serde_json::json;

/// WAKE-5: wake ids are `wake_id(target scope id, dedupe key)`.
pub(super) async fn wake_ids_are_stable(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn delivery_describes_event_and_target(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn delivery_created_at_is_the_clock_reading(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn wake_without_target_is_rejected(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn registry_does_not_dedupe_wakes(cx: CheckContext<'_>) -> CheckResult {
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
