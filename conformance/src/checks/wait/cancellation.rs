//! WAIT-7: dropping a pending wait or await has no side effects.

use super::support::{
    append, finished, register, spawn_await, spawn_wait, still_pending, BOUND, PENDING_PROBE,
};
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::{note, session, wake, NOTE};
use procreg::{ProcessAwaitOutput, ProcessEvent, ProcessRecord, RegistryResult};
use serde_json::json;
use tokio::time::timeout;

/// Everything a wait could disturb: the record, the log, the wakes and the sweep.
async fn observable(
    cx: &CheckContext<'_>,
    id: &str,
) -> (
    Option<ProcessRecord>,
    RegistryResult<Vec<ProcessEvent>>,
    RegistryResult<Vec<ProcessEvent>>,
    RegistryResult<Vec<ProcessRecord>>,
) {
    let registry = cx.registry();
    (
        registry.get_process(id).await,
        registry.events_after(id, 0).await,
        registry.wake_events_after(id, 0).await,
        registry.list_non_terminal().await,
    )
}

/// WAIT-7: dropped and aborted waits change nothing and leave the registry usable.
pub(super) async fn dropping_a_pending_wait_has_no_side_effects(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "WAIT-7";
    register(&cx, RULE, "p1").await?;
    append(&cx, RULE, "p1", wake("before", &session("s1"))).await?;
    let before = observable(&cx, "p1").await;

    cx.step("dropping a pending wait_event_after(p1, note, 0)");
    let dropped = timeout(PENDING_PROBE, cx.registry().wait_event_after("p1", NOTE, 0)).await;
    cx.ensure(RULE, dropped.is_err(), || {
        format!("wait_event_after(p1, note, 0): expected it pending when dropped, observed it finished with {dropped:?}")
    })?;
    let mut aborted = spawn_wait(&cx, "p1", NOTE, 0);
    still_pending(
        &cx,
        RULE,
        "a spawned wait_event_after(p1, note, 0)",
        &mut aborted,
    )
    .await?;
    aborted.abort();
    let _ = timeout(BOUND, aborted).await;

    let after = observable(&cx, "p1").await;
    cx.ensure_eq(
        RULE,
        "record, events, wakes and sweep of p1 after dropping waits",
        &before,
        &after,
    )?;
    let fresh = spawn_wait(&cx, "p1", NOTE, 0);
    let appended = append(&cx, RULE, "p1", note(json!({ "still": "works" }))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the first note after dropped waits",
        &2,
        &appended.sequence,
    )?;
    let what = "a later wait_event_after(p1, note, 0)";
    let found = finished(&cx, RULE, what, fresh).await?;
    cx.ensure_eq(RULE, what, &appended, &found)
}

/// WAIT-7: a dropped await changes nothing and a later await still completes.
pub(super) async fn dropping_a_pending_await_has_no_side_effects(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "WAIT-7";
    register(&cx, RULE, "p1").await?;
    let before = observable(&cx, "p1").await;

    cx.step("dropping a pending await_process(p1)");
    let dropped = timeout(PENDING_PROBE, cx.registry().await_process("p1")).await;
    cx.ensure(RULE, dropped.is_err(), || {
        format!("await_process(p1): expected it pending when dropped, observed it finished with {dropped:?}")
    })?;
    let after = observable(&cx, "p1").await;
    cx.ensure_eq(
        RULE,
        "record, events, wakes and sweep of p1 after dropping an await",
        &before,
        &after,
    )?;

    let output = ProcessAwaitOutput::success(json!({ "ok": true }));
    let awaiting = spawn_await(&cx, "p1");
    let completed = cx.registry().complete_process("p1", output.clone()).await;
    cx.ok(RULE, "complete_process(p1, success)", completed)?;
    let what = "a later await_process(p1)";
    let awaited = finished(&cx, RULE, what, awaiting).await?;
    cx.ensure_eq(RULE, what, &output, &awaited)
}
