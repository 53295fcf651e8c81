//! LEASE-15 to LEASE-19: releases free the lease with the current token only, never fail,
//! and leave the status alone.

use super::support::{
    claim, fence, lost, refused, register, release, renew, LONG, PAST_SHORT, SHORT,
};
use crate::check::CheckResult;
use crate::context::CheckContext;
use procreg::{ProcessAwaitOutput, ProcessLeaseCompletion};
use serde_json::json;

/// LEASE-15: releasing with the current token frees the lease and keeps the fencing token.
pub(super) async fn release_with_the_current_token_frees_the_lease(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "LEASE-15";
    register(&cx, RULE, "p1").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    release(&cx, RULE, &held).await?;
    lost(&cx, RULE, &held, "after its release").await?;
    let taken = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    fence(&cx, RULE, "worker-b's claim after the release", 2, &taken)
}

/// LEASE-16: releases with a superseded or forged token change nothing.
pub(super) async fn stale_release_is_a_no_op(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-16";
    register(&cx, RULE, "p1").await?;
    let stale = claim(&cx, RULE, "p1", "worker-a", SHORT).await?;
    cx.advance(PAST_SHORT).await;
    let live = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    release(&cx, RULE, &stale).await?;
    let forged = ProcessLeaseCompletion {
        process_id: "p1".to_owned(),
        lease_token: format!("{}-forged", live.lease_token),
    };
    let released = cx.registry().complete_process_lease(&forged).await;
    cx.ok(RULE, "complete_process_lease(p1, forged token)", released)?;
    refused(&cx, RULE, "worker-c", &live).await?;
    let renewed = renew(&cx, RULE, &live, LONG).await?;
    release(&cx, RULE, &renewed).await?;
    let next = claim(&cx, RULE, "p1", "worker-c", LONG).await?;
    fence(
        &cx,
        RULE,
        "worker-c's claim after the live release",
        3,
        &next,
    )
}

/// LEASE-17: releasing never fails: unknown, never leased, released again.
pub(super) async fn releasing_always_succeeds(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-17";
    register(&cx, RULE, "p1").await?;
    for (process_id, what) in [
        ("ghost", "an unknown process"),
        ("p1", "a never-leased process"),
    ] {
        let completion = ProcessLeaseCompletion {
            process_id: process_id.to_owned(),
            lease_token: "lt-none".to_owned(),
        };
        let released = cx.registry().complete_process_lease(&completion).await;
        cx.ok(
            RULE,
            &format!("complete_process_lease({process_id}) for {what}"),
            released,
        )?;
    }
    cx.ensure_eq(
        RULE,
        "get_process(ghost) after the release",
        &None,
        &cx.registry().get_process("ghost").await,
    )?;
    let held = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    fence(&cx, RULE, "the first claim after no-op releases", 1, &held)?;
    for _ in 0..3 {
        release(&cx, RULE, &held).await?;
    }
    let next = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    fence(
        &cx,
        RULE,
        "worker-b's claim after repeated releases",
        2,
        &next,
    )
}

/// LEASE-18: a holder whose lease expired unsuperseded can still release it.
pub(super) async fn expiry_does_not_block_a_release(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-18";
    let clock = cx.manual_clock()?;
    register(&cx, RULE, "p1").await?;
    register(&cx, RULE, "control").await?;
    let start = cx.now_ms();
    let held = claim(&cx, RULE, "p1", "worker-a", 100).await?;
    let control = claim(&cx, RULE, "control", "worker-a", 100).await?;
    clock.set(start + 500);
    release(&cx, RULE, &held).await?;
    // Setting the clock back makes an unreleased lease live again (CLOCK-5),
    // which tells the released slot of p1 from the merely expired control.
    clock.set(start + 50);
    refused(&cx, RULE, "worker-b", &control).await?;
    let taken = claim(&cx, RULE, "p1", "worker-b", 100).await?;
    fence(
        &cx,
        RULE,
        "worker-b's claim after the expired release",
        2,
        &taken,
    )
}

/// LEASE-19: completing a process leaves its lease in place.
pub(super) async fn completing_a_process_keeps_its_lease(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-19";
    register(&cx, RULE, "p1").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    let completed = cx
        .registry()
        .complete_process("p1", ProcessAwaitOutput::success(json!("done")))
        .await;
    cx.ok(RULE, "complete_process(p1) while leased", completed)?;
    let renewed = renew(&cx, RULE, &held, LONG).await?;
    cx.ensure_eq(
        RULE,
        "lease_token renewed after completion",
        &held.lease_token,
        &renewed.lease_token,
    )?;
    fence(&cx, RULE, "the lease renewed after completion", 1, &renewed)?;
    release(&cx, RULE, &renewed).await
}

/// LEASE-19: releasing a lease changes neither a running nor a terminal record.
pub(super) async fn releasing_a_lease_keeps_the_status(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-19";
    register(&cx, RULE, "p1").await?;
    register(&cx, RULE, "done").await?;
    let running = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    let finished = claim(&cx, RULE, "done", "worker-a", LONG).await?;
    let completed = cx
        .registry()
        .complete_process("done", ProcessAwaitOutput::cancelled("stop"))
        .await;
    cx.ok(RULE, "complete_process(done, cancelled)", completed)?;
    let registry = cx.registry();
    let before = (
        registry.get_process("p1").await,
        registry.get_process("done").await,
    );
    cx.advance(5).await;
    release(&cx, RULE, &running).await?;
    release(&cx, RULE, &finished).await?;
    let after = (
        registry.get_process("p1").await,
        registry.get_process("done").await,
    );
    cx.ensure_eq(
        RULE,
        "records of p1 (running) and done (cancelled) after releasing their leases",
        &before,
        &after,
    )
}
