//! Rule tests for the LEASE area of docs/spec.md.

mod common;

use common::START_MS;
use procreg::{
    ErrorKind, ManualClock, ProcessAwaitOutput, ProcessLease, ProcessLeaseCompletion,
    ProcessRegistry, RegistryResult, LEASE_SCHEMA_VERSION,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::Barrier;

/// A registry holding the running process `p`, and its clock.
async fn with_process() -> (MemoryRegistry, ManualClock) {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    (registry, clock)
}

async fn claim(registry: &MemoryRegistry, id: &str, owner: &str, ttl: u64) -> ProcessLease {
    registry
        .claim_process_lease(id, owner, ttl)
        .await
        .unwrap_or_else(|error| panic!("`{owner}` should be able to claim `{id}`: {error}"))
}

async fn release(registry: &MemoryRegistry, lease: &ProcessLease) {
    registry
        .complete_process_lease(&ProcessLeaseCompletion::from_lease(lease))
        .await
        .expect("releasing never fails");
}

async fn renew(registry: &MemoryRegistry, lease: &ProcessLease, ttl: u64) -> ProcessLease {
    let renewed = registry.renew_process_lease(lease, ttl).await;
    renewed.unwrap_or_else(|error| panic!("`{}` should be able to renew: {error}", lease.owner_id))
}

/// Asserts a claim by `owner` is refused because `holder` holds a live lease until `until`.
async fn assert_held(registry: &MemoryRegistry, owner: &str, holder: &str, until: u64) {
    let error = common::expect_kind(
        registry.claim_process_lease("p", owner, 1_000).await,
        ErrorKind::LeaseHeld,
    );
    let expected = format!("already leased by `{holder}` until {until}");
    assert!(
        error.message.contains(&expected),
        "{error} should say {expected}"
    );
    assert!(
        error.message.contains("`p`"),
        "{error} should name the process"
    );
}

#[track_caller]
fn assert_lost<T: std::fmt::Debug>(result: RegistryResult<T>, process_id: &str) {
    let error = common::expect_kind(result, ErrorKind::LeaseLost);
    assert!(error.message.contains("missing or expired"), "{error}");
    assert!(
        error.message.contains(process_id),
        "{error} should name `{process_id}`"
    );
}

#[tokio::test]
async fn lease_1_claiming_an_unknown_process_fails() {
    let (registry, _clock) = common::registry();

    let error = common::expect_kind(
        registry.claim_process_lease("ghost", "worker", 1_000).await,
        ErrorKind::NotFound,
    );

    assert!(error.message.contains("unknown process `ghost`"), "{error}");
    assert_eq!(
        registry.get_process("ghost").await,
        None,
        "a claim creates no process"
    );
}

#[tokio::test]
async fn lease_2_claiming_a_terminal_process_fails() {
    let (registry, _clock) = with_process().await;
    registry
        .complete_process("p", ProcessAwaitOutput::success(json!("done")))
        .await
        .expect("completion is valid");

    let error = common::expect_kind(
        registry.claim_process_lease("p", "worker", 1_000).await,
        ErrorKind::AlreadyTerminal,
    );

    assert!(error.message.contains("is already terminal"), "{error}");
}

#[tokio::test]
async fn lease_3_first_claim_issues_fencing_token_one() {
    let (registry, _clock) = with_process().await;

    let lease = claim(&registry, "p", "worker-a", 30_000).await;

    assert_eq!(lease.schema_version, 1);
    assert_eq!(lease.schema_version, LEASE_SCHEMA_VERSION);
    assert_eq!(lease.process_id, "p");
    assert_eq!(lease.owner_id, "worker-a");
    assert!(!lease.lease_token.is_empty());
    assert_eq!(lease.fencing_token, 1);
    assert_eq!(lease.claimed_at_epoch_ms, START_MS);
    assert_eq!(lease.expires_at_epoch_ms, START_MS + 30_000);
}

#[tokio::test]
async fn lease_4_live_lease_of_another_owner_fences_the_claim() {
    let (registry, clock) = with_process().await;
    let held = claim(&registry, "p", "a", 100).await;
    clock.advance(99);

    assert_held(&registry, "b", "a", START_MS + 100).await;

    let renewed = renew(&registry, &held, 100).await;
    assert_eq!(renewed.lease_token, held.lease_token);
    assert_eq!(
        renewed.fencing_token, 1,
        "the refused claim consumed no fencing token"
    );
    release(&registry, &renewed).await;
    assert_eq!(claim(&registry, "p", "b", 100).await.fencing_token, 2);
}

#[tokio::test]
async fn lease_5_live_owner_may_reclaim_and_supersedes_its_earlier_copy() {
    let (registry, clock) = with_process().await;
    let first = claim(&registry, "p", "a", 1_000).await;
    clock.advance(10);

    let second = claim(&registry, "p", "a", 1_000).await;

    assert_ne!(second.lease_token, first.lease_token, "the token rotates");
    assert_eq!(second.fencing_token, 2);
    assert_eq!(second.owner_id, "a");
    assert_eq!(second.claimed_at_epoch_ms, START_MS + 10);
    assert_eq!(second.expires_at_epoch_ms, START_MS + 1_010);
    assert_lost(registry.renew_process_lease(&first, 1_000).await, "p");
    renew(&registry, &second, 1_000).await;
}

#[tokio::test]
async fn lease_6_expired_lease_can_be_taken_by_anyone() {
    let (registry, clock) = with_process().await;
    claim(&registry, "p", "a", 100).await;
    clock.advance(100);

    let taken = claim(&registry, "p", "b", 100).await;

    assert_eq!(taken.owner_id, "b");
    assert_eq!(taken.fencing_token, 2);
}

#[tokio::test]
async fn lease_6_released_lease_can_be_taken_by_anyone() {
    let (registry, _clock) = with_process().await;
    let held = claim(&registry, "p", "a", 60_000).await;
    release(&registry, &held).await;

    let taken = claim(&registry, "p", "b", 100).await;

    assert_eq!(taken.owner_id, "b");
    assert_eq!(taken.fencing_token, 2);
}

#[tokio::test]
async fn lease_7_fencing_tokens_strictly_grow_across_releases() {
    let (registry, clock) = with_process().await;
    let mut fences = Vec::new();
    let a = claim(&registry, "p", "a", 50).await;
    fences.push(a.fencing_token);
    fences.push(claim(&registry, "p", "a", 50).await.fencing_token); // own re-claim
    clock.advance(50);
    let b = claim(&registry, "p", "b", 50).await; // after expiry
    fences.push(b.fencing_token);
    release(&registry, &b).await;
    let c = claim(&registry, "p", "c", 0).await; // after release
    fences.push(c.fencing_token);
    release(&registry, &c).await;
    release(&registry, &c).await;
    fences.push(claim(&registry, "p", "a", 50).await.fencing_token); // after a repeated release

    assert!(
        fences.windows(2).all(|pair| pair[1] > pair[0]),
        "fencing tokens must strictly grow: {fences:?}"
    );
    assert_eq!(fences[0], 1);
}

#[tokio::test]
async fn lease_8_lease_tokens_are_unique_per_claim() {
    let (registry, clock) = common::registry();
    let mut tokens = Vec::new();
    for id in ["p", "q"] {
        common::register(&registry, id).await;
        let lease = claim(&registry, id, "a", 10).await;
        tokens.push(lease.lease_token.clone());
        tokens.push(claim(&registry, id, "a", 10).await.lease_token);
        clock.advance(10);
        let other = claim(&registry, id, "b", 10).await;
        tokens.push(other.lease_token.clone());
        release(&registry, &other).await;
        tokens.push(claim(&registry, id, "b", 10).await.lease_token);
    }

    let distinct: HashSet<&String> = tokens.iter().collect();
    assert_eq!(
        distinct.len(),
        tokens.len(),
        "a lease token was reused: {tokens:?}"
    );
}

#[tokio::test]
async fn lease_9_a_lease_expiring_now_is_expired() {
    let (registry, clock) = with_process().await;
    let held = claim(&registry, "p", "a", 100).await;

    clock.set(START_MS + 99);
    assert_held(&registry, "b", "a", START_MS + 100).await;
    clock.set(START_MS + 100);
    assert_lost(registry.renew_process_lease(&held, 100).await, "p");
    let taken = claim(&registry, "p", "b", 100).await;

    assert_eq!(taken.fencing_token, 2, "expires == now is expired");
}

#[tokio::test]
async fn lease_9_a_ttl_of_zero_yields_an_expired_lease() {
    let (registry, _clock) = with_process().await;

    let zero = claim(&registry, "p", "a", 0).await;

    assert_eq!(zero.expires_at_epoch_ms, zero.claimed_at_epoch_ms);
    assert_lost(registry.renew_process_lease(&zero, 100).await, "p");
    assert_eq!(claim(&registry, "p", "b", 100).await.fencing_token, 2);
}

#[tokio::test]
async fn lease_10_renewing_moves_only_the_expiry() {
    let (registry, clock) = with_process().await;
    let held = claim(&registry, "p", "a", 100).await;
    clock.advance(50);

    let renewed = renew(&registry, &held, 500).await;

    let expected = ProcessLease {
        expires_at_epoch_ms: START_MS + 50 + 500,
        ..held.clone()
    };
    assert_eq!(renewed, expected, "only the expiry moves");
    clock.set(START_MS + 200); // past the original expiry
    assert_held(&registry, "b", "a", START_MS + 550).await;
    clock.set(START_MS + 550);
    assert_eq!(claim(&registry, "p", "b", 100).await.fencing_token, 2);
}

#[tokio::test]
async fn lease_11_superseded_lease_cannot_renew() {
    let (registry, clock) = with_process().await;
    let stale = claim(&registry, "p", "a", 10).await;
    clock.advance(10);
    let current = claim(&registry, "p", "b", 1_000).await;

    assert_lost(registry.renew_process_lease(&stale, 5_000).await, "p");

    assert_held(&registry, "c", "b", START_MS + 1_010).await;
    let renewed = renew(&registry, &current, 1_000).await;
    assert_eq!(renewed.fencing_token, 2);
}

#[tokio::test]
async fn lease_12_expired_lease_cannot_renew_even_unclaimed() {
    let (registry, clock) = with_process().await;
    let held = claim(&registry, "p", "a", 100).await;
    clock.advance(150);

    assert_lost(registry.renew_process_lease(&held, 10_000).await, "p");

    let taken = claim(&registry, "p", "b", 100).await;
    assert_eq!(
        taken.fencing_token, 2,
        "the expired lease was not resurrected"
    );
}

#[tokio::test]
async fn lease_13_renewing_without_a_lease_fails() {
    let (registry, _clock) = with_process().await;
    common::register(&registry, "never").await;
    let held = claim(&registry, "p", "a", 10_000).await;
    release(&registry, &held).await;
    let fabricated = |process_id: &str| ProcessLease {
        process_id: process_id.to_owned(),
        ..held.clone()
    };

    assert_lost(registry.renew_process_lease(&held, 1_000).await, "p");
    assert_lost(
        registry
            .renew_process_lease(&fabricated("never"), 1_000)
            .await,
        "never",
    );
    assert_lost(
        registry
            .renew_process_lease(&fabricated("ghost"), 1_000)
            .await,
        "ghost",
    );
    assert_eq!(registry.get_process("ghost").await, None);
}

#[tokio::test]
async fn lease_14_renewing_with_ttl_zero_hands_the_lease_over() {
    let (registry, clock) = with_process().await;
    let held = claim(&registry, "p", "a", 1_000).await;
    clock.advance(10);

    let handed_over = renew(&registry, &held, 0).await;

    assert_eq!(
        handed_over.expires_at_epoch_ms,
        START_MS + 10,
        "expires == now"
    );
    let taken = claim(&registry, "p", "b", 1_000).await;
    assert_eq!(taken.fencing_token, 2);
    assert_lost(registry.renew_process_lease(&handed_over, 1_000).await, "p");
}

#[tokio::test]
async fn lease_15_releasing_with_the_current_token_frees_the_lease() {
    let (registry, _clock) = with_process().await;
    let held = claim(&registry, "p", "a", 60_000).await;

    registry
        .complete_process_lease(&ProcessLeaseCompletion::from_lease(&held))
        .await
        .expect("release with the current token");

    assert_lost(registry.renew_process_lease(&held, 60_000).await, "p");
    let taken = claim(&registry, "p", "b", 60_000).await;
    assert_eq!(taken.fencing_token, 2, "the release kept fencing token 1");
}

#[tokio::test]
async fn lease_16_stale_release_is_a_no_op() {
    let (registry, clock) = with_process().await;
    let stale = claim(&registry, "p", "a", 10).await;
    clock.advance(10);
    let live = claim(&registry, "p", "b", 1_000).await;

    release(&registry, &stale).await;
    registry
        .complete_process_lease(&ProcessLeaseCompletion {
            process_id: "p".to_owned(),
            lease_token: format!("{}-forged", live.lease_token),
        })
        .await
        .expect("a release with a wrong token still succeeds");

    assert_held(&registry, "c", "b", START_MS + 1_010).await;
    let renewed = renew(&registry, &live, 1_000).await;
    release(&registry, &renewed).await;
    assert_eq!(claim(&registry, "p", "c", 10).await.fencing_token, 3);
}

#[tokio::test]
async fn lease_17_releasing_always_succeeds() {
    let (registry, _clock) = with_process().await;
    let unknown = ProcessLeaseCompletion {
        process_id: "ghost".to_owned(),
        lease_token: "lt-none".to_owned(),
    };
    let never_leased = ProcessLeaseCompletion {
        process_id: "p".to_owned(),
        lease_token: "lt-none".to_owned(),
    };

    for completion in [&unknown, &never_leased] {
        registry
            .complete_process_lease(completion)
            .await
            .expect("releasing without a lease succeeds");
    }
    assert_eq!(registry.get_process("ghost").await, None);
    let held = claim(&registry, "p", "a", 1_000).await;
    assert_eq!(held.fencing_token, 1, "the no-op release issued nothing");
    for _ in 0..3 {
        release(&registry, &held).await;
    }
    assert_eq!(claim(&registry, "p", "b", 1_000).await.fencing_token, 2);
}

#[tokio::test]
async fn lease_18_expiry_does_not_block_a_release() {
    let (registry, clock) = with_process().await;
    common::register(&registry, "control").await;
    let held = claim(&registry, "p", "a", 100).await;
    claim(&registry, "control", "a", 100).await;
    clock.advance(500);

    release(&registry, &held).await;

    // Setting the clock back makes an unreleased lease live again (CLOCK-5),
    // which tells a released slot from one that merely expired.
    clock.set(START_MS + 50);
    common::expect_kind(
        registry.claim_process_lease("control", "b", 100).await,
        ErrorKind::LeaseHeld,
    );
    let taken = claim(&registry, "p", "b", 100).await;
    assert_eq!(taken.fencing_token, 2);
}

#[tokio::test]
async fn lease_19_completing_a_process_keeps_its_lease() {
    let (registry, _clock) = with_process().await;
    let held = claim(&registry, "p", "a", 1_000).await;

    registry
        .complete_process("p", ProcessAwaitOutput::success(json!("done")))
        .await
        .expect("completion does not check leases");

    let renewed = renew(&registry, &held, 1_000).await;
    assert_eq!(renewed.lease_token, held.lease_token);
}

#[tokio::test]
async fn lease_19_releasing_a_lease_keeps_the_status() {
    let (registry, clock) = with_process().await;
    common::register(&registry, "done").await;
    let running_lease = claim(&registry, "p", "a", 1_000).await;
    let done_lease = claim(&registry, "done", "a", 1_000).await;
    registry
        .complete_process("done", ProcessAwaitOutput::cancelled("stop"))
        .await
        .expect("completion is valid");
    let before = (
        registry.get_process("p").await,
        registry.get_process("done").await,
    );
    clock.advance(10);

    release(&registry, &running_lease).await;
    release(&registry, &done_lease).await;

    let after = (
        registry.get_process("p").await,
        registry.get_process("done").await,
    );
    assert_eq!(after, before, "a release changes neither record");
    assert!(after.1.expect("done exists").is_terminal());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_20_racing_claims_have_one_winner() {
    const ROUNDS: usize = 40;
    const CLAIMANTS: usize = 8;
    let (registry, _clock) = common::registry();
    let registry = Arc::new(registry);
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        common::register(&*registry, &id).await;
        let start = Arc::new(Barrier::new(CLAIMANTS));
        let claims: Vec<_> = (0..CLAIMANTS)
            .map(|worker| {
                let (registry, id, start) = (Arc::clone(&registry), id.clone(), Arc::clone(&start));
                tokio::spawn(async move {
                    start.wait().await;
                    registry
                        .claim_process_lease(&id, &format!("worker-{worker}"), 60_000)
                        .await
                })
            })
            .collect();
        let mut winners = Vec::new();
        let mut refusals = Vec::new();
        for handle in claims {
            match handle.await.expect("a claiming task does not panic") {
                Ok(lease) => winners.push(lease),
                Err(error) => refusals.push(error),
            }
        }

        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one claim wins: {winners:?}"
        );
        let winner = &winners[0];
        assert_eq!(winner.fencing_token, 1, "round {round}");
        assert_eq!(refusals.len(), CLAIMANTS - 1);
        for error in &refusals {
            assert_eq!(error.kind, ErrorKind::LeaseHeld, "round {round}: {error}");
            let by_winner = format!("already leased by `{}`", winner.owner_id);
            assert!(error.message.contains(&by_winner), "round {round}: {error}");
        }
    }
}

#[tokio::test]
async fn lease_21_huge_ttls_saturate() {
    let (registry, clock) = with_process().await;

    let claimed = claim(&registry, "p", "a", u64::MAX).await;
    assert_eq!(claimed.expires_at_epoch_ms, u64::MAX);
    clock.advance(1_000_000);
    let renewed = renew(&registry, &claimed, u64::MAX).await;

    assert_eq!(renewed.expires_at_epoch_ms, u64::MAX);
    assert_held(&registry, "b", "a", u64::MAX).await;
}

#[tokio::test]
async fn lease_22_renewed_lease_keeps_renewing() {
    let (registry, clock) = with_process().await;
    let mut current = claim(&registry, "p", "a", 100).await;

    for _ in 0..10 {
        clock.advance(90);
        current = renew(&registry, &current, 100).await;
    }

    assert_eq!(
        clock.advance(0),
        START_MS + 900,
        "far past the first expiry"
    );
    assert_eq!(current.expires_at_epoch_ms, START_MS + 1_000);
    assert_held(&registry, "b", "a", START_MS + 1_000).await;
    release(&registry, &current).await;
    assert_eq!(claim(&registry, "p", "b", 100).await.fencing_token, 2);
}
