//! LEASE-1, LEASE-2, LEASE-4 to LEASE-6, LEASE-9 and LEASE-20: who may claim, when a
//! lease expires, and racing claims.

use super::support::{
    claim, fence, lost, refused, register, release, renew, LONG, PAST_SHORT, SHORT,
};
use crate::check::CheckResult;
use crate::context::{failure, CheckContext};
use crate::fixtures::registration;
use procreg::{ErrorKind, ProcessAwaitOutput};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;
use tokio::time::timeout;

/// LEASE-1: claiming an unknown process fails with `NotFound` and creates nothing.
pub(super) async fn claim_of_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    let result = registry
        .claim_process_lease("ghost", "worker-a", 1_000)
        .await;
    cx.err_containing(
        "LEASE-1",
        "claim_process_lease(ghost, worker-a)",
        result,
        ErrorKind::NotFound,
        "unknown process",
    )?;
    cx.ensure_eq(
        "LEASE-1",
        "get_process(ghost) after the claim",
        &None,
        &registry.get_process("ghost").await,
    )?;
    cx.ok(
        "LEASE-1",
        "register p1",
        registry.register_process(registration("p1")).await,
    )?;
    Ok(())
}

/// LEASE-2 (SHOULD): a terminal process cannot be claimed.
pub(super) async fn claim_of_terminal_process_fails(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-2";
    register(&cx, RULE, "p1").await?;
    let completed = cx
        .registry()
        .complete_process("p1", ProcessAwaitOutput::success(json!("done")))
        .await;
    cx.ok(RULE, "complete_process(p1, success)", completed)?;
    let result = cx
        .registry()
        .claim_process_lease("p1", "worker-a", LONG)
        .await;
    cx.err_containing(
        RULE,
        "claim_process_lease(p1, worker-a) on a completed process",
        result,
        ErrorKind::AlreadyTerminal,
        "is already terminal",
    )?;
    Ok(())
}

/// LEASE-4: another owner's claim on a live lease is refused and changes nothing.
pub(super) async fn live_lease_of_another_owner_fences_the_claim(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "LEASE-4";
    register(&cx, RULE, "p1").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    refused(&cx, RULE, "worker-b", &held).await?;
    // The refusal left the stored lease as it was: same holder and expiry,
    // the holder's token still renews, and no fencing token was consumed.
    refused(&cx, RULE, "worker-c", &held).await?;
    let renewed = renew(&cx, RULE, &held, LONG).await?;
    cx.ensure_eq(
        RULE,
        "lease_token after the refused claims",
        &held.lease_token,
        &renewed.lease_token,
    )?;
    release(&cx, RULE, &renewed).await?;
    let next = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    fence(&cx, RULE, "worker-b's claim after the release", 2, &next)
}

/// LEASE-5: the live owner re-claims: new token, next fencing token, old copy superseded.
pub(super) async fn live_owner_may_reclaim_and_supersedes_its_copy(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "LEASE-5";
    register(&cx, RULE, "p1").await?;
    let first = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    let second = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    cx.ensure_ne(
        RULE,
        "lease_token of worker-a's re-claim",
        &first.lease_token,
        &second.lease_token,
    )?;
    fence(&cx, RULE, "worker-a's re-claim", 2, &second)?;
    cx.ensure_eq(
        RULE,
        "owner_id of the re-claim",
        &"worker-a",
        &second.owner_id.as_str(),
    )?;
    lost(&cx, RULE, &first, "after its owner re-claimed").await?;
    refused(&cx, RULE, "worker-b", &second).await?;
    renew(&cx, RULE, &second, LONG).await?;
    Ok(())
}

/// LEASE-6: once a lease expired, any owner takes it with the next fencing token.
pub(super) async fn expired_lease_can_be_taken_by_anyone(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-6";
    register(&cx, RULE, "p1").await?;
    claim(&cx, RULE, "p1", "worker-a", SHORT).await?;
    cx.advance(PAST_SHORT).await;
    let taken = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    cx.ensure_eq(
        RULE,
        "owner_id of the taken lease",
        &"worker-b",
        &taken.owner_id.as_str(),
    )?;
    fence(&cx, RULE, "worker-b's claim after expiry", 2, &taken)
}

/// LEASE-6, LEASE-15: once released, any owner takes the lease with the next fencing token.
pub(super) async fn released_lease_can_be_taken_by_anyone(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-6";
    register(&cx, RULE, "p1").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    release(&cx, RULE, &held).await?;
    let taken = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    cx.ensure_eq(
        RULE,
        "owner_id of the taken lease",
        &"worker-b",
        &taken.owner_id.as_str(),
    )?;
    fence(
        &cx,
        "LEASE-15",
        "worker-b's claim after the release",
        2,
        &taken,
    )
}

/// LEASE-9: a short lease is live until its TTL passes, then expired.
pub(super) async fn short_lease_expires_once_its_ttl_passes(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-9";
    register(&cx, RULE, "p1").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", 200).await?;
    refused(&cx, RULE, "worker-b", &held).await?;
    cx.advance(250).await;
    lost(&cx, RULE, &held, "after its TTL passed").await?;
    let taken = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    fence(&cx, RULE, "worker-b's claim after expiry", 2, &taken)
}

/// LEASE-9: at `now == expires` the lease is already expired.
pub(super) async fn expiring_now_is_expired(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-9";
    let clock = cx.manual_clock()?;
    register(&cx, RULE, "p1").await?;
    let start = cx.now_ms();
    let held = claim(&cx, RULE, "p1", "worker-a", 100).await?;
    clock.set(start + 99);
    refused(&cx, RULE, "worker-b", &held).await?;
    clock.set(start + 100);
    lost(&cx, RULE, &held, "at now == expires").await?;
    let taken = claim(&cx, RULE, "p1", "worker-b", 100).await?;
    fence(&cx, RULE, "worker-b's claim at now == expires", 2, &taken)
}

/// LEASE-9: a TTL of 0 yields a lease that is expired from the start.
pub(super) async fn ttl_zero_yields_an_expired_lease(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-9";
    cx.manual_clock()?;
    register(&cx, RULE, "p1").await?;
    let zero = claim(&cx, RULE, "p1", "worker-a", 0).await?;
    cx.ensure_eq(
        RULE,
        "expires_at_epoch_ms of a TTL-0 lease (its claimed_at)",
        &zero.claimed_at_epoch_ms,
        &zero.expires_at_epoch_ms,
    )?;
    lost(&cx, RULE, &zero, "with TTL 0").await?;
    let taken = claim(&cx, RULE, "p1", "worker-b", 100).await?;
    fence(&cx, RULE, "worker-b's claim after a TTL-0 lease", 2, &taken)
}

/// LEASE-20: eight owners racing for a free process: one wins, seven see `LeaseHeld`.
pub(super) async fn racing_claims_have_one_winner(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-20";
    const ROUNDS: usize = 20;
    const CLAIMANTS: usize = 8;
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        register(&cx, RULE, &id).await?;
        let start = Arc::new(Barrier::new(CLAIMANTS));
        let claims: Vec<_> = (0..CLAIMANTS)
            .map(|worker| {
                let (registry, id, start) = (cx.shared_registry(), id.clone(), Arc::clone(&start));
                tokio::spawn(async move {
                    start.wait().await;
                    let owner = format!("worker-{worker}");
                    registry.claim_process_lease(&id, &owner, LONG).await
                })
            })
            .collect();
        cx.step(format!("waiting for {CLAIMANTS} racing claims on {id}"));
        let mut winners = Vec::new();
        let mut refusals = Vec::new();
        for (worker, handle) in claims.into_iter().enumerate() {
            match timeout(Duration::from_secs(2), handle).await {
                Err(_) => {
                    return Err(failure(
                        RULE,
                        format!("claim_process_lease({id}, worker-{worker}): expected an answer, observed none after 2 s (timed out)"),
                    ))
                }
                Ok(Err(join)) => {
                    return Err(failure(
                        RULE,
                        format!("claim_process_lease({id}, worker-{worker}): the claiming task failed: {join}"),
                    ))
                }
                Ok(Ok(Ok(lease))) => winners.push(lease),
                Ok(Ok(Err(error))) => refusals.push((worker, error)),
            }
        }
        let owners: Vec<&str> = winners
            .iter()
            .map(|lease| lease.owner_id.as_str())
            .collect();
        cx.ensure_eq(
            RULE,
            &format!(
                "number of winning claims among {CLAIMANTS} racing on {id} (winners {owners:?})"
            ),
            &1,
            &winners.len(),
        )?;
        let winner = &winners[0];
        fence(&cx, RULE, &format!("the winning claim on {id}"), 1, winner)?;
        let expected = format!("already leased by `{}`", winner.owner_id);
        for (worker, error) in refusals {
            cx.err_containing(
                RULE,
                &format!("racing claim_process_lease({id}, worker-{worker})"),
                Err::<(), _>(error),
                ErrorKind::LeaseHeld,
                &expected,
            )?;
        }
        refused(&cx, RULE, "latecomer", winner).await?;
    }
    Ok(())
}
