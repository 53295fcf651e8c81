//! WAIT-1 to WAIT-4 and WAIT-6: `wait_event_after` answers at once, blocks until a
//! match, never loses a wake-up, and matches the exact type.

use super::support::{
    append, bounded, finished, register, spawn_racers, spawn_wait, still_pending,
};
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::{note, session, wake, NOTE, WAKE};
use procreg::{ErrorKind, ProcessAwaitOutput};
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Barrier;

/// WAIT-1: the lowest-sequence match after the cursor comes back without waiting.
pub(super) async fn existing_match_is_returned_at_once(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-1";
    register(&cx, RULE, "p1").await?;
    let first = append(&cx, RULE, "p1", note(json!({ "n": 1 }))).await?;
    let woke = append(&cx, RULE, "p1", wake("hello", &session("s1"))).await?;
    let second = append(&cx, RULE, "p1", note(json!({ "n": 2 }))).await?;
    let registry = cx.registry();
    let cases = [
        (NOTE, 0, &first, "wait_event_after(p1, note, 0)"),
        (NOTE, 1, &second, "wait_event_after(p1, note, 1)"),
        (NOTE, 2, &second, "wait_event_after(p1, note, 2)"),
        (WAKE, 0, &woke, "wait_event_after(p1, wake, 0)"),
        (WAKE, 1, &woke, "wait_event_after(p1, wake, 1)"),
    ];
    for (event_type, after, expected, what) in cases {
        let found = bounded(
            &cx,
            RULE,
            what,
            registry.wait_event_after("p1", event_type, after),
        )
        .await?;
        let found = cx.ok(RULE, what, found)?;
        cx.ensure_eq(RULE, what, expected, &found)?;
    }
    Ok(())
}

/// WAIT-2: with no match yet the wait blocks, then returns the appended event.
pub(super) async fn blocks_until_a_matching_append_and_returns_it(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "WAIT-2";
    register(&cx, RULE, "p1").await?;
    let mut waiting = spawn_wait(&cx, "p1", NOTE, 0);
    still_pending(
        &cx,
        RULE,
        "wait_event_after(p1, note, 0) on an empty log",
        &mut waiting,
    )
    .await?;
    let appended = append(&cx, RULE, "p1", note(json!({ "late": true }))).await?;
    let what = "wait_event_after(p1, note, 0) after the append";
    let found = finished(&cx, RULE, what, waiting).await?;
    cx.ensure_eq(RULE, what, &appended, &found)?;
    cx.ensure_eq(RULE, "sequence of the returned event", &1, &found.sequence)
}

/// WAIT-2: events at or before the cursor never satisfy the wait.
pub(super) async fn never_returns_events_at_or_before_the_cursor(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "WAIT-2";
    register(&cx, RULE, "p1").await?;
    append(&cx, RULE, "p1", note(json!({ "n": 1 }))).await?;
    append(&cx, RULE, "p1", note(json!({ "n": 2 }))).await?;
    let mut waiting = spawn_wait(&cx, "p1", NOTE, 2);
    still_pending(
        &cx,
        RULE,
        "wait_event_after(p1, note, 2) with notes at 1 and 2 only",
        &mut waiting,
    )
    .await?;
    let third = append(&cx, RULE, "p1", note(json!({ "n": 3 }))).await?;
    let what = "wait_event_after(p1, note, 2) after a third note";
    let found = finished(&cx, RULE, what, waiting).await?;
    cx.ensure_eq(RULE, what, &third, &found)?;
    cx.ensure_eq(RULE, "sequence of the returned event", &3, &found.sequence)
}

/// WAIT-3: a wait started together with the append it waits for always returns.
pub(super) async fn raced_with_its_append_never_hangs(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-3";
    const ROUNDS: usize = 200;
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        register(&cx, RULE, &id).await?;
        let start = Arc::new(Barrier::new(2));
        let waiter = {
            let (registry, id, start) = (cx.shared_registry(), id.clone(), Arc::clone(&start));
            async move {
                start.wait().await;
                registry.wait_event_after(&id, NOTE, 0).await
            }
        };
        let appender = {
            let (registry, id, start) = (cx.shared_registry(), id.clone(), Arc::clone(&start));
            async move {
                start.wait().await;
                registry
                    .append_event(&id, note(json!({ "round": round })))
                    .await
            }
        };
        let (waiter, appender) = spawn_racers(round, waiter, appender);
        let appended = finished(&cx, RULE, &format!("append_event({id}, note)"), appender).await?;
        let what = format!("wait_event_after({id}, note, 0) raced with its append (round {round})");
        let found = finished(&cx, RULE, &what, waiter).await?;
        cx.ensure_eq(RULE, &what, &appended.event, &found)?;
    }
    Ok(())
}

/// WAIT-4: waits on an unknown id fail with `NotFound` and create nothing.
pub(super) async fn on_unknown_process_fails_instead_of_blocking(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "WAIT-4";
    let registry = cx.registry();
    let what = "wait_event_after(ghost, note, 0)";
    let waited = bounded(&cx, RULE, what, registry.wait_event_after("ghost", NOTE, 0)).await?;
    cx.err_containing(RULE, what, waited, ErrorKind::NotFound, "unknown process")?;
    let what = "await_process(ghost)";
    let awaited = bounded(&cx, RULE, what, registry.await_process("ghost")).await?;
    cx.err_containing(RULE, what, awaited, ErrorKind::NotFound, "unknown process")?;
    let created = registry.get_process("ghost").await;
    cx.ensure_eq(RULE, "get_process(ghost) after the waits", &None, &created)
}

/// WAIT-6: events of other types leave a wait pending.
pub(super) async fn events_of_other_types_do_not_end_a_wait(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-6";
    register(&cx, RULE, "p1").await?;
    let mut waiting = spawn_wait(&cx, "p1", WAKE, 0);
    append(&cx, RULE, "p1", note(json!({ "n": 1 }))).await?;
    append(&cx, RULE, "p1", note(json!({ "n": 2 }))).await?;
    still_pending(
        &cx,
        RULE,
        "wait_event_after(p1, wake, 0) after two notes",
        &mut waiting,
    )
    .await?;
    let woke = append(&cx, RULE, "p1", wake("now", &session("s1"))).await?;
    let what = "wait_event_after(p1, wake, 0) after a wake";
    let found = finished(&cx, RULE, what, waiting).await?;
    cx.ensure_eq(RULE, what, &woke, &found)?;
    cx.ensure_eq(RULE, "sequence of the returned wake", &3, &found.sequence)
}

/// WAIT-6: the process becoming terminal does not end a wait for another type.
pub(super) async fn becoming_terminal_does_not_end_a_wait(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-6";
    register(&cx, RULE, "p1").await?;
    let mut waiting = spawn_wait(&cx, "p1", NOTE, 0);
    let completed = cx
        .registry()
        .complete_process("p1", ProcessAwaitOutput::success(json!("done")))
        .await;
    cx.ok(RULE, "complete_process(p1, success)", completed)?;
    still_pending(
        &cx,
        RULE,
        "wait_event_after(p1, note, 0) after the process completed",
        &mut waiting,
    )
    .await?;
    let late = append(&cx, RULE, "p1", note(json!({ "after": "terminal" }))).await?;
    let what = "wait_event_after(p1, note, 0) after a note on the completed process";
    let found = finished(&cx, RULE, what, waiting).await?;
    cx.ensure_eq(RULE, what, &late, &found)?;
    cx.ensure_eq(RULE, "sequence of the returned note", &2, &found.sequence)
}
