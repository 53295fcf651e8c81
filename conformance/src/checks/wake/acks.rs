//! WAKE-9 to WAKE-11: `wake_events_after`, acks, and events that are never wakes.

use super::support::{message_wake, wakes_after};
use crate::check::CheckResult;
use crate::checks::event::{append, ensure_unchanged, register, sequences, snapshot};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType,
    ProcessValueSelector,
};
use serde_json::json;

/// WAKE-9: unacknowledged wakes strictly after the cursor, ascending.
pub(super) async fn wake_events_after_lists_unacked(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn acks_hide_wakes_and_nothing_else(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn ack_of_future_sequence(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn non_wake_events_never_appear(cx: CheckContext<'_>) -> CheckResult {
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
