//! LEASE-10 to LEASE-14, LEASE-21 and LEASE-22: renewing, who may renew, and TTL saturation.

use super::support::{
    claim, fence, lost, refused, register, release, renew, renew_call, within, LONG, PAST_SHORT,
    SHORT,
};
use crate::check::CheckResult;
use crate::context::CheckContext;
use procreg::{ErrorKind, ProcessLease};

/// LEASE-10: a renew sets `expires = now + ttl` and keeps everything else.
pub(super) async fn renewing_moves_only_the_expiry(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-10";
    register(&cx, RULE, "p1").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    cx.advance(10).await;
    let before = cx.now_ms();
    let renewed = renew(&cx, RULE, &held, 2 * LONG).await?;
    let after = cx.now_ms();
    within(
        &cx,
        RULE,
        "expires_at_epoch_ms of the renewed lease (now + 120000)",
        (before + 2 * LONG, after + 2 * LONG),
        renewed.expires_at_epoch_ms,
    )?;
    let expected = ProcessLease {
        expires_at_epoch_ms: renewed.expires_at_epoch_ms,
        ..held.clone()
    };
    cx.ensure_eq(
        RULE,
        "the renewed lease apart from its expiry",
        &expected,
        &renewed,
    )?;
    // The stored expiry moved too: a refused claim reports the new one.
    refused(&cx, RULE, "worker-b", &renewed).await
}

/// LEASE-11: a token that was superseded cannot renew, and the live holder keeps its lease.
pub(super) async fn superseded_lease_cannot_renew(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-11";
    register(&cx, RULE, "p1").await?;
    let stale = claim(&cx, RULE, "p1", "worker-a", SHORT).await?;
    cx.advance(PAST_SHORT).await;
    let current = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    let result = cx.registry().renew_process_lease(&stale, 5 * LONG).await;
    cx.err_containing(
        RULE,
        &format!("{} after worker-b took over", renew_call(&stale, 5 * LONG)),
        result,
        ErrorKind::LeaseLost,
        "missing or expired",
    )?;
    refused(&cx, RULE, "worker-c", &current).await?;
    let renewed = renew(&cx, RULE, &current, LONG).await?;
    fence(&cx, RULE, "worker-b's renewed lease", 2, &renewed)
}

/// LEASE-12: an expired lease cannot renew even when nobody claimed it since.
pub(super) async fn expired_lease_cannot_renew_even_unclaimed(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-12";
    register(&cx, RULE, "p1").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", SHORT).await?;
    cx.advance(PAST_SHORT).await;
    lost(&cx, RULE, &held, "after it expired unclaimed").await?;
    // Not resurrected: another owner takes it at once.
    let taken = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    fence(
        &cx,
        RULE,
        "worker-b's claim after the refused renew",
        2,
        &taken,
    )
}

/// LEASE-13: renewing after release, without any lease, or for an unknown process fails.
pub(super) async fn renewing_without_a_lease_fails(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-13";
    register(&cx, RULE, "p1").await?;
    register(&cx, RULE, "never").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    release(&cx, RULE, &held).await?;
    lost(&cx, RULE, &held, "after its release").await?;
    let fabricated = |process_id: &str| ProcessLease {
        process_id: process_id.to_owned(),
        ..held.clone()
    };
    lost(
        &cx,
        RULE,
        &fabricated("never"),
        "for a never-leased process",
    )
    .await?;
    lost(&cx, RULE, &fabricated("ghost"), "for an unknown process").await?;
    cx.ensure_eq(
        RULE,
        "get_process(ghost) after the renew",
        &None,
        &cx.registry().get_process("ghost").await,
    )
}

/// LEASE-14: a renew with TTL 0 succeeds and leaves the lease expired for others to take.
pub(super) async fn renewing_with_ttl_zero_hands_the_lease_over(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "LEASE-14";
    register(&cx, RULE, "p1").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    cx.advance(10).await;
    let before = cx.now_ms();
    let handed_over = renew(&cx, RULE, &held, 0).await?;
    let after = cx.now_ms();
    within(
        &cx,
        RULE,
        "expires_at_epoch_ms after a TTL-0 renew (now)",
        (before, after),
        handed_over.expires_at_epoch_ms,
    )?;
    let taken = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    fence(&cx, RULE, "worker-b's claim after the hand-over", 2, &taken)?;
    lost(&cx, RULE, &handed_over, "after handing it over").await
}

/// LEASE-21: `u64::MAX` TTLs saturate to `u64::MAX` on claim and renew.
pub(super) async fn huge_ttls_saturate(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-21";
    register(&cx, RULE, "p1").await?;
    let claimed = claim(&cx, RULE, "p1", "worker-a", u64::MAX).await?;
    cx.ensure_eq(
        RULE,
        "expires_at_epoch_ms of a claim with TTL u64::MAX",
        &u64::MAX,
        &claimed.expires_at_epoch_ms,
    )?;
    cx.advance(5).await;
    let renewed = renew(&cx, RULE, &claimed, u64::MAX).await?;
    cx.ensure_eq(
        RULE,
        "expires_at_epoch_ms of a renew with TTL u64::MAX",
        &u64::MAX,
        &renewed.expires_at_epoch_ms,
    )?;
    refused(&cx, RULE, "worker-b", &renewed).await
}

/// LEASE-22: renewing before expiry keeps a lease alive past its first expiry, and
/// the renewed lease renews and releases like the original.
pub(super) async fn renewed_lease_keeps_renewing(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-22";
    register(&cx, RULE, "p1").await?;
    let first = claim(&cx, RULE, "p1", "worker-a", 200).await?;
    let mut current = first.clone();
    for _ in 0..3 {
        cx.advance(100).await;
        current = renew(&cx, RULE, &current, 200).await?;
    }
    // 300 ms have passed: far beyond the first expiry, still held.
    cx.ensure(RULE, cx.now_ms() > first.expires_at_epoch_ms, || {
        format!(
            "the clock after three renewals: expected past the first expiry {}, observed {}",
            first.expires_at_epoch_ms,
            cx.now_ms()
        )
    })?;
    refused(&cx, RULE, "worker-b", &current).await?;
    fence(&cx, RULE, "the thrice-renewed lease", 1, &current)?;
    release(&cx, RULE, &current).await?;
    let next = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    fence(
        &cx,
        RULE,
        "worker-b's claim after the renewed lease's release",
        2,
        &next,
    )
}
