//! WAIT-3 and WAIT-5: `await_process` answers at once when terminal, and otherwise blocks
//! until the terminal event.

use super::support::{
    append, bounded, finished, register, spawn_await, spawn_racers, still_pending,
};
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::{note, session, wake};
use procreg::{ProcessAwaitOutput, ProcessEventAppendRequest};
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Barrier;

/// WAIT-3, WAIT-5: an await started together with the completion always returns its output.
pub(super) async fn await_raced_with_completion_never_hangs(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-3";
    const ROUNDS: usize = 100;
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        register(&cx, RULE, &id).await?;
        let output = ProcessAwaitOutput::success(json!({ "round": round }));
        let start = Arc::new(Barrier::new(2));
        let waiter = {
            let (registry, id, start) = (cx.shared_registry(), id.clone(), Arc::clone(&start));
            async move {
                start.wait().await;
                registry.await_process(&id).await
            }
        };
        let completer = {
            let (registry, id, start) = (cx.shared_registry(), id.clone(), Arc::clone(&start));
            let output = output.clone();
            async move {
                start.wait().await;
                registry.complete_process(&id, output).await
            }
        };
        let (waiter, completer) = spawn_racers(round, waiter, completer);
        finished(&cx, RULE, &format!("complete_process({id})"), completer).await?;
        let what = format!("await_process({id}) raced with its completion (round {round})");
        let awaited = finished(&cx, RULE, &what, waiter).await?;
        cx.ensure_eq("WAIT-5", &what, &output, &awaited)?;
    }
    Ok(())
}

/// WAIT-5: a terminal process answers `await_process` with its output at once.
pub(super) async fn await_of_terminal_process_returns_at_once(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-5";
    register(&cx, RULE, "p1").await?;
    let output = ProcessAwaitOutput::failure("execution", "boom", "it broke");
    let completed = cx.registry().complete_process("p1", output.clone()).await;
    cx.ok(RULE, "complete_process(p1, failure)", completed)?;
    let what = "await_process(p1) on a failed process";
    let awaited = bounded(&cx, RULE, what, cx.registry().await_process("p1")).await?;
    let awaited = cx.ok(RULE, what, awaited)?;
    cx.ensure_eq(RULE, what, &output, &awaited)
}

/// WAIT-5: `await_process` on a running process blocks until the terminal event.
pub(super) async fn await_blocks_until_the_terminal_event(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-5";
    register(&cx, RULE, "p1").await?;
    let mut awaiting = spawn_await(&cx, "p1");
    still_pending(
        &cx,
        RULE,
        "await_process(p1) on a running process",
        &mut awaiting,
    )
    .await?;
    append(&cx, RULE, "p1", note(json!({ "progress": 50 }))).await?;
    append(&cx, RULE, "p1", wake("halfway", &session("s1"))).await?;
    still_pending(
        &cx,
        RULE,
        "await_process(p1) after non-terminal events",
        &mut awaiting,
    )
    .await?;
    let cancelled = ProcessEventAppendRequest::new(
        "process.cancelled",
        json!({ "await_output": { "type": "cancelled", "message": "stopped" } }),
    )
    .with_replay_key("cancel-1");
    append(&cx, RULE, "p1", cancelled).await?;
    let what = "await_process(p1) after process.cancelled";
    let awaited = finished(&cx, RULE, what, awaiting).await?;
    cx.ensure_eq(
        RULE,
        what,
        &ProcessAwaitOutput::cancelled("stopped"),
        &awaited,
    )
}
