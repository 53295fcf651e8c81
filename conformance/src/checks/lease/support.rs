//! TTLs, the claim, renew and release calls, and the lease assertions shared by the
//! LEASE checks.

use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use crate::fixtures::registration;
use procreg::{ErrorKind, ProcessLease, ProcessLeaseCompletion};

/// A TTL no check outlives: the lease stays live throughout.
pub(super) const LONG: u64 = 60_000;

/// A TTL checks let pass with [`PAST_SHORT`].
pub(super) const SHORT: u64 = 50;

/// Enough time for a [`SHORT`] lease to expire.
pub(super) const PAST_SHORT: u64 = 60;

pub(super) async fn register(cx: &CheckContext<'_>, rule: &str, id: &str) -> CheckResult {
    let registered = cx.registry().register_process(registration(id)).await;
    cx.ok(rule, &format!("register_process({id})"), registered)?;
    Ok(())
}

pub(super) async fn claim(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    owner: &str,
    ttl: u64,
) -> Result<ProcessLease, CheckFailure> {
    let claimed = cx.registry().claim_process_lease(id, owner, ttl).await;
    cx.ok(
        rule,
        &format!("claim_process_lease({id}, {owner}, {ttl})"),
        claimed,
    )
}

pub(super) async fn renew(
    cx: &CheckContext<'_>,
    rule: &str,
    lease: &ProcessLease,
    ttl: u64,
) -> Result<ProcessLease, CheckFailure> {
    let renewed = cx.registry().renew_process_lease(lease, ttl).await;
    cx.ok(rule, &renew_call(lease, ttl), renewed)
}

pub(super) fn renew_call(lease: &ProcessLease, ttl: u64) -> String {
    format!(
        "renew_process_lease({}'s lease on {} with fencing token {}, {ttl})",
        lease.owner_id, lease.process_id, lease.fencing_token
    )
}

pub(super) async fn release(
    cx: &CheckContext<'_>,
    rule: &str,
    lease: &ProcessLease,
) -> CheckResult {
    let completion = ProcessLeaseCompletion::from_lease(lease);
    let released = cx.registry().complete_process_lease(&completion).await;
    cx.ok(
        rule,
        &format!(
            "complete_process_lease({}'s lease on {} with fencing token {})",
            lease.owner_id, lease.process_id, lease.fencing_token
        ),
        released,
    )
}

/// Asserts `owner`'s claim on the holder's process is refused with
/// `LeaseHeld` naming the holder and its expiry.
pub(super) async fn refused(
    cx: &CheckContext<'_>,
    rule: &str,
    owner: &str,
    holder: &ProcessLease,
) -> CheckResult {
    let id = &holder.process_id;
    let result = cx.registry().claim_process_lease(id, owner, LONG).await;
    let expected = format!(
        "already leased by `{}` until {}",
        holder.owner_id, holder.expires_at_epoch_ms
    );
    cx.err_containing(
        rule,
        &format!(
            "claim_process_lease({id}, {owner}) while {} holds it until {}",
            holder.owner_id, holder.expires_at_epoch_ms
        ),
        result,
        ErrorKind::LeaseHeld,
        &expected,
    )?;
    Ok(())
}

/// Asserts renewing `lease` fails with `LeaseLost` ("missing or expired").
pub(super) async fn lost(
    cx: &CheckContext<'_>,
    rule: &str,
    lease: &ProcessLease,
    why: &str,
) -> CheckResult {
    let result = cx.registry().renew_process_lease(lease, LONG).await;
    let what = format!("{} {why}", renew_call(lease, LONG));
    cx.err_containing(
        rule,
        &what,
        result,
        ErrorKind::LeaseLost,
        "missing or expired",
    )?;
    Ok(())
}

pub(super) fn fence(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    expected: u64,
    lease: &ProcessLease,
) -> CheckResult {
    cx.ensure_eq(
        rule,
        &format!("fencing token of {what}"),
        &expected,
        &lease.fencing_token,
    )
}

/// Asserts `before <= observed <= after` (exact when the clock is injected).
pub(super) fn within(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    (before, after): (u64, u64),
    observed: u64,
) -> CheckResult {
    cx.ensure(rule, before <= observed && observed <= after, || {
        if before == after {
            format!("{what}: expected {before}, observed {observed}")
        } else {
            format!("{what}: expected a value in [{before}, {after}] (the clock during the call), observed {observed}")
        }
    })
}
