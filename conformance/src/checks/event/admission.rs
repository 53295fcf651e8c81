//! EVENT-1, EVENT-3, EVENT-4, EVENT-12 and EVENT-13: which appends are accepted,
//! and that rejected ones persist nothing.

use super::support::{
    append, append_fails, describe_append, ensure_unchanged, register, sequences, snapshot,
};
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake, WAKE};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventSemantics,
    ProcessEventType, ProcessStatus, ProcessTerminalState, ProcessValueSelector,
    ProcessWakeDedupeKey, ProcessWakeSpec,
};
use serde_json::json;

/// EVENT-1: an append to an unknown id is `NotFound` and creates nothing.
pub(super) async fn append_to_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "EVENT-1", registration("p1")).await?;
    append_fails(
        &cx,
        "EVENT-1",
        "ghost",
        note(json!({"n": 1})),
        ErrorKind::NotFound,
        "unknown process",
    )
    .await?;
    let ghost = cx.registry().get_process("ghost").await;
    cx.ensure("EVENT-1", ghost.is_none(), || {
        "get_process(ghost) after a failed append: expected none, observed a record".to_owned()
    })?;
    let (_, events) = snapshot(&cx, "EVENT-1", "p1").await?;
    cx.ensure_eq(
        "EVENT-1",
        "events of the other process p1",
        &Vec::<u64>::new(),
        &sequences(&events),
    )
}

/// EVENT-3: undeclared types (names are exact) fail and persist nothing.
pub(super) async fn undeclared_type_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-3";
    register(&cx, RULE, registration("p1")).await?;
    append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    cx.advance(5).await;
    for undeclared in ["mystery", "Note", "note ", ""] {
        let request = ProcessEventAppendRequest::new(undeclared, json!({}));
        let expected = format!("emitted undeclared event type `{undeclared}`");
        let call = describe_append("p1", &request);
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::UndeclaredEvent,
            &expected,
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    }
    Ok(())
}

/// EVENT-4: a payload failing its schema fails and persists nothing.
pub(super) async fn payload_failing_schema_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-4";
    let order = ProcessEventType::new("order").with_schema(json!({
        "type": "object",
        "required": ["sku"],
        "properties": {
            "sku": {"type": "string"},
            "qty": {"type": "integer", "minimum": 1}
        }
    }));
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([order]),
    )
    .await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let order = |payload| ProcessEventAppendRequest::new("order", payload);
    for payload in [
        json!({"qty": 2}),
        json!({"sku": "a", "qty": 0}),
        json!({"sku": 7}),
        json!("sku"),
    ] {
        let request = order(payload);
        let call = describe_append("p1", &request);
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::InvalidPayload,
            "invalid `order` payload: ",
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    }
    let valid = append(&cx, RULE, "p1", order(json!({"sku": "a", "qty": 1}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the first valid order after rejected ones",
        &1,
        &valid.event.sequence,
    )
}

/// EVENT-12: notes and wakes still append to a terminal process; status stays.
pub(super) async fn non_terminal_events_accepted_after_terminal(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "EVENT-12";
    register(&cx, RULE, registration("p1")).await?;
    let output = ProcessAwaitOutput::success(json!("done"));
    cx.ok(
        RULE,
        "complete_process(p1, success \"done\")",
        cx.registry().complete_process("p1", output.clone()).await,
    )?;
    let terminal = ProcessStatus::Completed {
        await_output: output,
    };
    let late_note = append(&cx, RULE, "p1", note(json!({"late": true}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of a note after terminal",
        &2,
        &late_note.event.sequence,
    )?;
    let late_wake = append(&cx, RULE, "p1", wake("still here", &session("s1"))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of a wake after terminal",
        &3,
        &late_wake.event.sequence,
    )?;
    cx.ensure(RULE, late_wake.wake_delivery.is_some(), || {
        "append_event(p1, wake) after terminal: expected a wake delivery, observed none".to_owned()
    })?;
    let (record, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "status of p1 after late events",
        &terminal,
        &record.status,
    )?;
    cx.ensure_eq(
        RULE,
        "stored sequences",
        &vec![1, 2, 3],
        &sequences(&events),
    )?;
    cx.ensure_eq(RULE, "stored late note", &late_note.event, &events[1])
}

/// EVENT-13: a pointer miss in any selector (terminal output, wake input,
/// `when`, dedupe key) fails with `InvalidPayload` and persists nothing.
pub(super) async fn selector_miss_rejects_the_append(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-13";
    let finished = ProcessEventType::terminal(
        "finished",
        ProcessTerminalState::Completed,
        Some(ProcessValueSelector::pointer("/result")),
    );
    let gated = ProcessEventType::wake(
        "gated",
        ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
            .when(ProcessValueSelector::pointer("/urgent")),
    );
    let threaded = ProcessEventType::wake(
        "threaded",
        ProcessWakeSpec::new(ProcessValueSelector::pointer("/message")).with_dedupe_key(
            ProcessWakeDedupeKey::Selector(ProcessValueSelector::pointer("/thread")),
        ),
    );
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([finished, gated, threaded]),
    )
    .await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let target = session("s1");
    let cases = [
        (
            ProcessEventAppendRequest::new(WAKE, json!({"other": 1}))
                .with_wake_target(target.clone()),
            "/message",
        ),
        (
            ProcessEventAppendRequest::new("finished", json!({"outcome": 1})).with_replay_key("t"),
            "/result",
        ),
        (
            ProcessEventAppendRequest::new("gated", json!({"message": "m"}))
                .with_wake_target(target.clone()),
            "/urgent",
        ),
        (
            ProcessEventAppendRequest::new("threaded", json!({"message": "m"}))
                .with_wake_target(target),
            "/thread",
        ),
    ];
    for (request, pointer) in cases {
        let call = describe_append("p1", &request);
        let expected = format!("payload pointer `{pointer}` did not match");
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::InvalidPayload,
            &expected,
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    }
    cx.ensure_eq(
        RULE,
        "status of p1 after a terminal selector miss",
        &ProcessStatus::Running,
        &before.0.status,
    )?;
    let next = append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the first append after the rejected ones",
        &1,
        &next.event.sequence,
    )
}

/// EVENT-13: a falsy `when` persists the event without a wake, and is no error.
pub(super) async fn falsy_when_is_not_an_error(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-13";
    let maybe = ProcessEventType::wake(
        "maybe",
        ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
            .when(ProcessValueSelector::pointer("/urgent")),
    );
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([maybe]),
    )
    .await?;
    let request = ProcessEventAppendRequest::new("maybe", json!({"urgent": false, "message": "m"}));
    let quiet = append(&cx, RULE, "p1", request).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the quiet event",
        &1,
        &quiet.event.sequence,
    )?;
    cx.ensure_eq(
        RULE,
        "semantics of an event whose when is false",
        &ProcessEventSemantics::default(),
        &quiet.event.semantics,
    )?;
    cx.ensure(RULE, quiet.wake_delivery.is_none(), || {
        "append_event(p1, maybe {urgent: false}): expected no wake delivery, observed one"
            .to_owned()
    })?;
    let (_, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(RULE, "stored log of p1", &vec![quiet.event], &events)
}
