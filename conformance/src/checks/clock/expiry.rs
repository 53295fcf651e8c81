//! CLOCK-2 and CLOCK-5: lease expiry and liveness follow the injected clock's reading.

use super::support::{claim, register};
use crate::check::CheckResult;
use crate::context::{CheckContext, CHECK_START_MS};
use procreg::ErrorKind;

/// Asserts another owner's claim on `p1` is refused: the lease is live.
async fn live(cx: &CheckContext<'_>, rule: &str, when: &str) -> CheckResult {
    let result = cx.registry().claim_process_lease("p1", "other", 10).await;
    let what = format!("claim_process_lease(p1, other) {when}");
    cx.err_containing(rule, &what, result, ErrorKind::LeaseHeld, "already leased")?;
    Ok(())
}

/// CLOCK-2: only the injected clock expires a lease.
pub(super) async fn lease_expiry_follows_the_injected_clock(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "CLOCK-2";
    let clock = cx.manual_clock()?;
    register(&cx, RULE, "p1").await?;
    // The injected clock starts at CHECK_START_MS (November 2023): the wall
    // clock is far past this lease's expiry, so a backend consulting it
    // would see the lease expired at once.
    let lease = claim(&cx, RULE, "worker", 20).await?;
    live(
        &cx,
        RULE,
        &format!("at {CHECK_START_MS}, long after the wall clock passed the expiry"),
    )
    .await?;
    let renewed = cx.registry().renew_process_lease(&lease, 20).await;
    let renewed = cx.ok(
        RULE,
        "renew_process_lease(p1, 20) before the injected expiry",
        renewed,
    )?;
    clock.advance(19);
    live(&cx, RULE, "one millisecond before the injected expiry").await?;
    clock.advance(1);
    let result = cx.registry().renew_process_lease(&renewed, 20).await;
    cx.err_containing(
        RULE,
        "renew_process_lease(p1, 20) at the injected expiry",
        result,
        ErrorKind::LeaseLost,
        "missing or expired",
    )?;
    let taken = claim(&cx, RULE, "other", 20).await?;
    cx.ensure_eq(
        RULE,
        "fencing token of other's claim after the expiry",
        &2,
        &taken.fencing_token,
    )
}

/// CLOCK-5: liveness is judged against the current reading, even an earlier one.
pub(super) async fn lease_liveness_is_judged_against_the_new_reading(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "CLOCK-5";
    let clock = cx.manual_clock()?;
    register(&cx, RULE, "p1").await?;
    let start = cx.now_ms();
    let lease = claim(&cx, RULE, "worker", 100).await?;
    clock.set(start + 500);
    let result = cx.registry().renew_process_lease(&lease, 100).await;
    cx.err(
        RULE,
        "renew_process_lease(p1, 100) past the expiry",
        result,
        ErrorKind::LeaseLost,
    )?;
    clock.set(start + 50);
    live(&cx, RULE, "after the clock went back before the expiry").await?;
    let renewed = cx.registry().renew_process_lease(&lease, 100).await;
    let renewed = cx.ok(
        RULE,
        "renew_process_lease(p1, 100) after the clock went back",
        renewed,
    )?;
    cx.ensure_eq(
        RULE,
        "expires_at_epoch_ms of the renew at start + 50",
        &(start + 150),
        &renewed.expires_at_epoch_ms,
    )?;
    clock.set(start - 500);
    let reclaimed = claim(&cx, RULE, "worker", 10).await?;
    cx.ensure_eq(
        RULE,
        "(claimed_at, expires_at) of the owner's re-claim at start - 500",
        &(start - 500, start - 490),
        &(reclaimed.claimed_at_epoch_ms, reclaimed.expires_at_epoch_ms),
    )
}
