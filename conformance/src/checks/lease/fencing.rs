//! LEASE-3, LEASE-7 and LEASE-8: fencing tokens start at one and grow; lease tokens are unique.

use super::support::{claim, fence, register, release, within, LONG, PAST_SHORT, SHORT};
use crate::check::CheckResult;
use crate::context::CheckContext;
use procreg::LEASE_SCHEMA_VERSION;
use std::collections::BTreeSet;

/// LEASE-3: the first claim is fencing token 1, stamped with the clock at the call.
pub(super) async fn first_claim_issues_fencing_token_one(cx: CheckContext<'_>) -> CheckResult {
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

/// LEASE-7: fencing tokens grow with every claim: re-claims, expiries, releases.
pub(super) async fn fencing_tokens_strictly_grow_across_releases(
    cx: CheckContext<'_>,
) -> CheckResult {
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
pub(super) async fn tokens_are_unique_per_claim(cx: CheckContext<'_>) -> CheckResult {
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
