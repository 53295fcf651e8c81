//! WAKE-1 to WAKE-4: which events materialise a wake, and its input and dedupe key.

use super::support::{message_wake, targeted, wakes_after};
use crate::check::CheckResult;
use crate::checks::event::{append, describe_append, register, sequences, snapshot};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    ProcessEventAppendRequest, ProcessEventAppendResult, ProcessEventType, ProcessValueSelector,
    ProcessWake, ProcessWakeDedupeKey, ProcessWakeSpec,
};
use serde_json::json;

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
pub(super) async fn wake_type_materialises(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn falsy_when_suppresses_the_wake(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn selectors_and_stringification(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn dedupe_keys_follow_their_declaration(cx: CheckContext<'_>) -> CheckResult {
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
