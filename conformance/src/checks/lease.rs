//! LEASE: claims, renewals, releases and fencing.
//!
//! A lease cannot be read directly, so checks observe it through its
//! effects: a refused claim names the live holder and its expiry, a renew
//! with a token succeeds only while that token holds a live lease, and the
//! next claim's fencing token shows how many claims were issued.

use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::{failure, CheckContext};
use crate::fixtures::registration;
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessLease, ProcessLeaseCompletion, LEASE_SCHEMA_VERSION,
};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;
use tokio::time::timeout;

/// A TTL no check outlives: the lease stays live throughout.
const LONG: u64 = 60_000;
/// A TTL checks let pass with [`PAST_SHORT`].
const SHORT: u64 = 50;
/// Enough time for a [`SHORT`] lease to expire.
const PAST_SHORT: u64 = 60;

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "lease_claim_of_unknown_process_fails",
            rules: &["LEASE-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(claim_of_unknown_process_fails(cx)),
        },
        Check {
            id: "lease_claim_of_terminal_process_fails",
            rules: &["LEASE-2"],
            level: Level::Should,
            needs: Needs::NONE,
            body: |cx| Box::pin(claim_of_terminal_process_fails(cx)),
        },
        Check {
            id: "lease_first_claim_issues_fencing_token_one",
            rules: &["LEASE-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(first_claim_issues_fencing_token_one(cx)),
        },
        Check {
            id: "lease_live_lease_of_another_owner_fences_the_claim",
            rules: &["LEASE-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(live_lease_of_another_owner_fences_the_claim(cx)),
        },
        Check {
            id: "lease_live_owner_may_reclaim_and_supersedes_its_copy",
            rules: &["LEASE-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(live_owner_may_reclaim_and_supersedes_its_copy(cx)),
        },
        Check {
            id: "lease_expired_lease_can_be_taken_by_anyone",
            rules: &["LEASE-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(expired_lease_can_be_taken_by_anyone(cx)),
        },
        Check {
            id: "lease_released_lease_can_be_taken_by_anyone",
            rules: &["LEASE-6", "LEASE-15"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(released_lease_can_be_taken_by_anyone(cx)),
        },
        Check {
            id: "lease_fencing_tokens_strictly_grow_across_releases",
            rules: &["LEASE-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(fencing_tokens_strictly_grow_across_releases(cx)),
        },
        Check {
            id: "lease_tokens_are_unique_per_claim",
            rules: &["LEASE-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(tokens_are_unique_per_claim(cx)),
        },
        Check {
            id: "lease_short_lease_expires_once_its_ttl_passes",
            rules: &["LEASE-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(short_lease_expires_once_its_ttl_passes(cx)),
        },
        Check {
            id: "lease_expiring_now_is_expired",
            rules: &["LEASE-9"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(expiring_now_is_expired(cx)),
        },
        Check {
            id: "lease_ttl_zero_yields_an_expired_lease",
            rules: &["LEASE-9"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(ttl_zero_yields_an_expired_lease(cx)),
        },
        Check {
            id: "lease_renewing_moves_only_the_expiry",
            rules: &["LEASE-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(renewing_moves_only_the_expiry(cx)),
        },
        Check {
            id: "lease_superseded_lease_cannot_renew",
            rules: &["LEASE-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(superseded_lease_cannot_renew(cx)),
        },
        Check {
            id: "lease_expired_lease_cannot_renew_even_unclaimed",
            rules: &["LEASE-12"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(expired_lease_cannot_renew_even_unclaimed(cx)),
        },
        Check {
            id: "lease_renewing_without_a_lease_fails",
            rules: &["LEASE-13"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(renewing_without_a_lease_fails(cx)),
        },
        Check {
            id: "lease_renewing_with_ttl_zero_hands_the_lease_over",
            rules: &["LEASE-14"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(renewing_with_ttl_zero_hands_the_lease_over(cx)),
        },
        Check {
            id: "lease_release_with_the_current_token_frees_the_lease",
            rules: &["LEASE-15"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(release_with_the_current_token_frees_the_lease(cx)),
        },
        Check {
            id: "lease_stale_release_is_a_no_op",
            rules: &["LEASE-16"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(stale_release_is_a_no_op(cx)),
        },
        Check {
            id: "lease_releasing_always_succeeds",
            rules: &["LEASE-17"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(releasing_always_succeeds(cx)),
        },
        Check {
            id: "lease_expiry_does_not_block_a_release",
            rules: &["LEASE-18"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(expiry_does_not_block_a_release(cx)),
        },
        Check {
            id: "lease_completing_a_process_keeps_its_lease",
            rules: &["LEASE-19"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(completing_a_process_keeps_its_lease(cx)),
        },
        Check {
            id: "lease_releasing_a_lease_keeps_the_status",
            rules: &["LEASE-19"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(releasing_a_lease_keeps_the_status(cx)),
        },
        Check {
            id: "lease_racing_claims_have_one_winner",
            rules: &["LEASE-20"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(racing_claims_have_one_winner(cx)),
        },
        Check {
            id: "lease_huge_ttls_saturate",
            rules: &["LEASE-21"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(huge_ttls_saturate(cx)),
        },
        Check {
            id: "lease_renewed_lease_keeps_renewing",
            rules: &["LEASE-22"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(renewed_lease_keeps_renewing(cx)),
        },
    ]
}

async fn register(cx: &CheckContext<'_>, rule: &str, id: &str) -> CheckResult {
    let registered = cx.registry().register_process(registration(id)).await;
    cx.ok(rule, &format!("register_process({id})"), registered)?;
    Ok(())
}

async fn claim(
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

async fn renew(
    cx: &CheckContext<'_>,
    rule: &str,
    lease: &ProcessLease,
    ttl: u64,
) -> Result<ProcessLease, CheckFailure> {
    let renewed = cx.registry().renew_process_lease(lease, ttl).await;
    cx.ok(rule, &renew_call(lease, ttl), renewed)
}

fn renew_call(lease: &ProcessLease, ttl: u64) -> String {
    format!(
        "renew_process_lease({}'s lease on {} with fencing token {}, {ttl})",
        lease.owner_id, lease.process_id, lease.fencing_token
    )
}

async fn release(cx: &CheckContext<'_>, rule: &str, lease: &ProcessLease) -> CheckResult {
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
async fn refused(
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
async fn lost(cx: &CheckContext<'_>, rule: &str, lease: &ProcessLease, why: &str) -> CheckResult {
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

fn fence(
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
fn within(
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

/// LEASE-1: claiming an unknown process fails with `NotFound` and creates nothing.
async fn claim_of_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
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
async fn claim_of_terminal_process_fails(cx: CheckContext<'_>) -> CheckResult {
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

/// LEASE-3: the first claim is fencing token 1, stamped with the clock at the call.
async fn first_claim_issues_fencing_token_one(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-3";
    register(&cx, RULE, "p1").await?;
    let before = cx.now_ms();
    let lease = claim(&cx, RULE, "p1", "worker-a", 30_000).await?;
    let after = cx.now_ms();
    cx.ensure_eq(
        RULE,
        "schema_version of the first lease",
        &1,
        &lease.schema_version,
    )?;
    cx.ensure_eq(
        RULE,
        "schema_version of the first lease",
        &LEASE_SCHEMA_VERSION,
        &lease.schema_version,
    )?;
    cx.ensure_eq(
        RULE,
        "process_id of the first lease",
        &"p1",
        &lease.process_id.as_str(),
    )?;
    cx.ensure_eq(
        RULE,
        "owner_id of the first lease",
        &"worker-a",
        &lease.owner_id.as_str(),
    )?;
    cx.ensure(RULE, !lease.lease_token.is_empty(), || {
        "lease_token of the first lease: expected a non-empty token, observed \"\"".to_owned()
    })?;
    fence(&cx, RULE, "the first claim of p1", 1, &lease)?;
    within(
        &cx,
        RULE,
        "claimed_at_epoch_ms of the first lease",
        (before, after),
        lease.claimed_at_epoch_ms,
    )?;
    cx.ensure_eq(
        RULE,
        "expires_at_epoch_ms of the first lease (claimed_at + 30000)",
        &lease.claimed_at_epoch_ms.saturating_add(30_000),
        &lease.expires_at_epoch_ms,
    )
}

/// LEASE-4: another owner's claim on a live lease is refused and changes nothing.
async fn live_lease_of_another_owner_fences_the_claim(cx: CheckContext<'_>) -> CheckResult {
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
async fn live_owner_may_reclaim_and_supersedes_its_copy(cx: CheckContext<'_>) -> CheckResult {
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
async fn expired_lease_can_be_taken_by_anyone(cx: CheckContext<'_>) -> CheckResult {
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
async fn released_lease_can_be_taken_by_anyone(cx: CheckContext<'_>) -> CheckResult {
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

/// LEASE-7: fencing tokens grow with every claim: re-claims, expiries, releases.
async fn fencing_tokens_strictly_grow_across_releases(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-7";
    register(&cx, RULE, "p1").await?;
    let mut fences = Vec::new();
    fences.push(
        claim(&cx, RULE, "p1", "worker-a", SHORT)
            .await?
            .fencing_token,
    );
    fences.push(
        claim(&cx, RULE, "p1", "worker-a", SHORT)
            .await?
            .fencing_token,
    );
    cx.advance(PAST_SHORT).await;
    let b = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    fences.push(b.fencing_token);
    release(&cx, RULE, &b).await?;
    let c = claim(&cx, RULE, "p1", "worker-c", LONG).await?;
    fences.push(c.fencing_token);
    release(&cx, RULE, &c).await?;
    release(&cx, RULE, &c).await?;
    fences.push(
        claim(&cx, RULE, "p1", "worker-a", LONG)
            .await?
            .fencing_token,
    );
    cx.ensure_eq(RULE, "fencing token of the first claim", &1, &fences[0])?;
    cx.ensure(RULE, fences.windows(2).all(|pair| pair[1] > pair[0]), || {
        format!("fencing tokens of claims (own re-claim, after expiry, after releases): expected strictly growing, observed {fences:?}")
    })
}

/// LEASE-8: every claim, of any process, returns a lease token never seen before.
async fn tokens_are_unique_per_claim(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-8";
    let mut tokens = Vec::new();
    for id in ["p1", "p2"] {
        register(&cx, RULE, id).await?;
        tokens.push(claim(&cx, RULE, id, "worker-a", SHORT).await?.lease_token);
        tokens.push(claim(&cx, RULE, id, "worker-a", SHORT).await?.lease_token);
        cx.advance(PAST_SHORT).await;
        let other = claim(&cx, RULE, id, "worker-b", LONG).await?;
        tokens.push(other.lease_token.clone());
        release(&cx, RULE, &other).await?;
        tokens.push(claim(&cx, RULE, id, "worker-b", LONG).await?.lease_token);
    }
    let distinct: BTreeSet<&String> = tokens.iter().collect();
    cx.ensure(RULE, distinct.len() == tokens.len(), || {
        format!(
            "lease tokens of 8 claims over p1 and p2: expected all distinct, observed {tokens:?}"
        )
    })
}

/// LEASE-9: a short lease is live until its TTL passes, then expired.
async fn short_lease_expires_once_its_ttl_passes(cx: CheckContext<'_>) -> CheckResult {
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
async fn expiring_now_is_expired(cx: CheckContext<'_>) -> CheckResult {
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
async fn ttl_zero_yields_an_expired_lease(cx: CheckContext<'_>) -> CheckResult {
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

/// LEASE-10: a renew sets `expires = now + ttl` and keeps everything else.
async fn renewing_moves_only_the_expiry(cx: CheckContext<'_>) -> CheckResult {
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
async fn superseded_lease_cannot_renew(cx: CheckContext<'_>) -> CheckResult {
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
async fn expired_lease_cannot_renew_even_unclaimed(cx: CheckContext<'_>) -> CheckResult {
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
async fn renewing_without_a_lease_fails(cx: CheckContext<'_>) -> CheckResult {
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
async fn renewing_with_ttl_zero_hands_the_lease_over(cx: CheckContext<'_>) -> CheckResult {
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

/// LEASE-15: releasing with the current token frees the lease and keeps the fencing token.
async fn release_with_the_current_token_frees_the_lease(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "LEASE-15";
    register(&cx, RULE, "p1").await?;
    let held = claim(&cx, RULE, "p1", "worker-a", LONG).await?;
    release(&cx, RULE, &held).await?;
    lost(&cx, RULE, &held, "after its release").await?;
    let taken = claim(&cx, RULE, "p1", "worker-b", LONG).await?;
    fence(&cx, RULE, "worker-b's claim after the release", 2, &taken)
}

/// LEASE-16: releases with a superseded or forged token change nothing.
async fn stale_release_is_a_no_op(cx: CheckContext<'_>) -> CheckResult {
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
async fn releasing_always_succeeds(cx: CheckContext<'_>) -> CheckResult {
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
async fn expiry_does_not_block_a_release(cx: CheckContext<'_>) -> CheckResult {
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
async fn completing_a_process_keeps_its_lease(cx: CheckContext<'_>) -> CheckResult {
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
async fn releasing_a_lease_keeps_the_status(cx: CheckContext<'_>) -> CheckResult {
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

/// LEASE-20: eight owners racing for a free process: one wins, seven see `LeaseHeld`.
async fn racing_claims_have_one_winner(cx: CheckContext<'_>) -> CheckResult {
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

/// LEASE-21: `u64::MAX` TTLs saturate to `u64::MAX` on claim and renew.
async fn huge_ttls_saturate(cx: CheckContext<'_>) -> CheckResult {
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
async fn renewed_lease_keeps_renewing(cx: CheckContext<'_>) -> CheckResult {
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
