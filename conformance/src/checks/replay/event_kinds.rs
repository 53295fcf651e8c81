//! REPLAY-6 to REPLAY-8: keys of terminal, cancel-request and wake events.

use crate::check::CheckResult;
use crate::checks::event::{
    append, append_fails, completed, describe_append, ensure_unchanged, register, snapshot,
};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake, WAKE};
use procreg::hash::wake_id;
use procreg::{
    ErrorKind, ProcessEventAppendRequest, ProcessEventType, ProcessScope, ProcessScopeId,
    ProcessStatus, ProcessTerminalState, ProcessValueSelector, ProcessWakeDelivery,
    PROCESS_CANCELLED, PROCESS_CANCEL_REQUESTED, PROCESS_COMPLETED, PROCESS_FAILED,
};
use serde_json::{json, Value};

/// REPLAY-6: terminal and cancel-request types without a non-empty key fail.
pub(super) async fn terminal_and_cancel_events_need_a_key(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-6";
    let finished = ProcessEventType::terminal(
        "finished",
        ProcessTerminalState::Completed,
        Some(ProcessValueSelector::pointer("/result")),
    );
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([finished]),
    )
    .await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let output = json!({"await_output": {"type": "cancelled", "message": "stop"}});
    let unkeyed = [
        ProcessEventAppendRequest::new(PROCESS_COMPLETED, output.clone()),
        ProcessEventAppendRequest::new(PROCESS_FAILED, output.clone()),
        ProcessEventAppendRequest::new(PROCESS_CANCELLED, output),
        ProcessEventAppendRequest::new(PROCESS_CANCEL_REQUESTED, json!({"reason": "x"})),
        ProcessEventAppendRequest::new("finished", json!({"result": 1})),
    ];
    for request in unkeyed {
        for request in [request.clone(), request.with_replay_key("")] {
            let call = describe_append("p1", &request);
            let expected = format!(
                "event `{}` requires a deterministic replay key",
                request.event_type
            );
            append_fails(
                &cx,
                RULE,
                "p1",
                request,
                ErrorKind::ReplayKeyRequired,
                &expected,
            )
            .await?;
            ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
        }
    }
    let plain = append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of an unkeyed note",
        &1,
        &plain.event.sequence,
    )?;
    let keyed = append(&cx, RULE, "p1", completed(json!(1), "done")).await?;
    cx.ensure_eq(
        RULE,
        "sequence of a keyed terminal event",
        &2,
        &keyed.event.sequence,
    )
}

/// REPLAY-7: one event per distinct cancel reason.
pub(super) async fn cancel_requests_keyed_by_reason(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-7";
    register(&cx, RULE, registration("p1")).await?;
    let cancel = |reason| ProcessEventAppendRequest::cancel_requested("p1", reason);
    let user = append(&cx, RULE, "p1", cancel(Some("user"))).await?;
    let user_again = append(&cx, RULE, "p1", cancel(Some("user"))).await?;
    let timeout = append(&cx, RULE, "p1", cancel(Some("timeout"))).await?;
    let no_reason = append(&cx, RULE, "p1", cancel(None)).await?;
    let no_reason_again = append(&cx, RULE, "p1", cancel(None)).await?;
    let user_late = append(&cx, RULE, "p1", cancel(Some("user"))).await?;
    cx.ensure_eq(
        RULE,
        "cancel request \"user\" appended twice",
        &user,
        &user_again,
    )?;
    cx.ensure_eq(
        RULE,
        "cancel request \"user\" appended again later",
        &user,
        &user_late,
    )?;
    cx.ensure_eq(
        RULE,
        "cancel request without reason appended twice",
        &no_reason,
        &no_reason_again,
    )?;
    let returned: Vec<u64> = [&user, &timeout, &no_reason]
        .iter()
        .map(|result| result.event.sequence)
        .collect();
    cx.ensure_eq(
        RULE,
        "sequences of user, timeout, no reason",
        &vec![1, 2, 3],
        &returned,
    )?;
    let (record, events) = snapshot(&cx, RULE, "p1").await?;
    let payloads: Vec<Value> = events.iter().map(|event| event.payload.clone()).collect();
    cx.ensure_eq(
        RULE,
        "stored cancel-request payloads",
        &vec![
            json!({"reason": "user"}),
            json!({"reason": "timeout"}),
            json!({"reason": null}),
        ],
        &payloads,
    )?;
    cx.ensure_eq(
        RULE,
        "status after cancel requests",
        &ProcessStatus::Running,
        &record.status,
    )
}

/// REPLAY-8: a replay builds its delivery from the stored wake and the new request's target.
pub(super) async fn rederives_wake_delivery(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-8";
    register(&cx, RULE, registration("p1")).await?;
    let first = append(
        &cx,
        RULE,
        "p1",
        wake("hi", &session("s1")).with_replay_key("w1"),
    )
    .await?;
    let first_delivery = cx.some(
        RULE,
        "wake delivery of append_event(p1, wake \"hi\", key \"w1\")",
        first.wake_delivery.clone(),
    )?;
    let before = snapshot(&cx, RULE, "p1").await?;
    cx.advance(10).await;

    let same = append(
        &cx,
        RULE,
        "p1",
        wake("hi", &session("s1")).with_replay_key("w1"),
    )
    .await?;
    cx.ensure_eq(RULE, "replay to the same target", &first, &same)?;

    let frame = ProcessScope::frame("s2", "f");
    let request = wake("hi", &frame).with_replay_key("w1");
    let call = describe_append("p1", &request);
    let moved = append(&cx, RULE, "p1", request).await?;
    cx.ensure_eq(
        RULE,
        &format!("event returned by {call}"),
        &first.event,
        &moved.event,
    )?;
    let expected = ProcessWakeDelivery {
        wake_id: wake_id("session:s2/frame:f", &first_delivery.dedupe_key),
        target_session_id: "s2".to_owned(),
        target_scope_id: ProcessScopeId("session:s2/frame:f".to_owned()),
        ..first_delivery.clone()
    };
    let observed = cx.some(
        RULE,
        &format!("wake delivery of {call}"),
        moved.wake_delivery,
    )?;
    cx.ensure_eq(
        RULE,
        &format!("wake delivery of {call}"),
        &expected,
        &observed,
    )?;
    cx.ensure_ne(
        RULE,
        "wake id of the replay to another target",
        &first_delivery.wake_id,
        &observed.wake_id,
    )?;
    ensure_unchanged(&cx, RULE, &call, "p1", &before).await
}

/// REPLAY-8: replaying a wake event without a target is `MissingWakeTarget`.
pub(super) async fn wake_replay_without_target_fails(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-8";
    register(&cx, RULE, registration("p1")).await?;
    append(
        &cx,
        RULE,
        "p1",
        wake("hi", &session("s1")).with_replay_key("w1"),
    )
    .await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let request =
        ProcessEventAppendRequest::new(WAKE, json!({"message": "hi"})).with_replay_key("w1");
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
    ensure_unchanged(&cx, RULE, &call, "p1", &before).await
}
