//! LEASE: claims, renewals, releases and fencing.
//!
//! A lease cannot be read directly, so checks observe it through its
//! effects: a refused claim names the live holder and its expiry, a renew
//! with a token succeeds only while that token holds a live lease, and the
//! next claim's fencing token shows how many claims were issued.

mod claim;
mod fencing;
mod release;
mod renew;
mod support;

use crate::check::{Check, Level, Needs};
use claim::{
    claim_of_terminal_process_fails, claim_of_unknown_process_fails,
    expired_lease_can_be_taken_by_anyone, expiring_now_is_expired,
    live_lease_of_another_owner_fences_the_claim, live_owner_may_reclaim_and_supersedes_its_copy,
    racing_claims_have_one_winner, released_lease_can_be_taken_by_anyone,
    short_lease_expires_once_its_ttl_passes, ttl_zero_yields_an_expired_lease,
};
use fencing::{
    fencing_tokens_strictly_grow_across_releases, first_claim_issues_fencing_token_one,
    tokens_are_unique_per_claim,
};
use release::{
    completing_a_process_keeps_its_lease, expiry_does_not_block_a_release,
    release_with_the_current_token_frees_the_lease, releasing_a_lease_keeps_the_status,
    releasing_always_succeeds, stale_release_is_a_no_op,
};
use renew::{
    expired_lease_cannot_renew_even_unclaimed, huge_ttls_saturate, renewed_lease_keeps_renewing,
    renewing_moves_only_the_expiry, renewing_with_ttl_zero_hands_the_lease_over,
    renewing_without_a_lease_fails, superseded_lease_cannot_renew,
};

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
