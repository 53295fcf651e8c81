//! LEASE mutants whose claim is broken: existence, terminal, owner, liveness and race checks.

use super::{guarded_claim, TableBacked, TableLeases};
use async_trait::async_trait;
use procreg::{
    check_claimable, ErrorKind, LeaseHolder, ProcessLease, RegistryError, RegistryResult,
};
use procreg::{ForwardRegistry, ProcessRegistry};
use std::time::Duration;

table_mutant! {
    /// Claiming an unknown process creates a lease instead of failing with
    /// `NotFound` (the upstream in-memory registry's behaviour).
    ///
    /// Violates LEASE-1. Upstream: CONTRACT-NOTES section 9, "claim on an
    /// unknown process" (divergence 6.1).
    ClaimUnknownSucceeds
}

#[async_trait]
impl TableLeases for ClaimUnknownSucceeds {
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        // BUG: only a terminal record refuses; a missing one is claimed.
        if let Some(record) = self.inner.get_process(process_id).await {
            check_claimable(process_id, Some(&record))?;
        }
        self.table
            .claim_slot(self.now_ms(), process_id, owner_id, lease_ttl_ms)
    }
}

table_mutant! {
    /// Claiming a terminal process succeeds: the claim checks only that the
    /// process exists (upstream does not enforce "non-terminal").
    ///
    /// Violates LEASE-2, a SHOULD rule: only the strict suite kills it.
    /// Upstream: kit decision D5 (the trait doc says "non-terminal").
    ClaimTerminalAllowed
}

#[async_trait]
impl TableLeases for ClaimTerminalAllowed {
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        // BUG: existence is checked, the terminal status is not.
        if self.inner.get_process(process_id).await.is_none() {
            return Err(RegistryError::unknown_process(process_id));
        }
        self.table
            .claim_slot(self.now_ms(), process_id, owner_id, lease_ttl_ms)
    }
}

table_mutant! {
    /// A re-claim by the owner of the live lease is refused with `LeaseHeld`
    /// (the guard refuses any live holder, forgetting to let its owner in).
    ///
    /// Violates LEASE-5. Upstream: bug class 8 (self-fencing re-claim), the
    /// opposite mistake: the owner is locked out of its own process.
    SameOwnerReclaimRefused
}

#[async_trait]
impl TableLeases for SameOwnerReclaimRefused {
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        guarded_claim(
            self,
            process_id,
            owner_id,
            lease_ttl_ms,
            |holder, now_ms| {
                // BUG: no `&& holder.owner_id != owner_id`.
                holder.expires_at_epoch_ms > now_ms
            },
        )
        .await
    }
}

table_mutant! {
    /// Liveness uses `>=`: a lease whose expiry equals now still counts as
    /// live, so another owner's claim at exactly `expires == now` is refused
    /// (and a TTL-0 hand-over does not hand over).
    ///
    /// Violates LEASE-9 and LEASE-14. Upstream: bug class 7 (boundary
    /// flakiness in expiry).
    InclusiveLiveness
}

#[async_trait]
impl TableLeases for InclusiveLiveness {
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        guarded_claim(
            self,
            process_id,
            owner_id,
            lease_ttl_ms,
            |holder, now_ms| {
                // BUG: `>=` where the contract says `>`.
                holder.expires_at_epoch_ms >= now_ms && holder.owner_id != owner_id
            },
        )
        .await
    }
}

table_mutant! {
    /// Claims read the slot, let go of it for the round trip, then write
    /// unconditionally: claimants racing on a free process all read "free"
    /// and all win, with the same fencing token.
    ///
    /// Violates LEASE-20 (and LEASE-7 for the duplicate fence). Upstream: bug
    /// class 4 (non-serialised lease claims: DEFERRED transactions, READ
    /// COMMITTED check-then-upsert).
    RacyClaims
}

/// The round trip between the read and the write of a racy claim.
const CLAIM_ROUND_TRIP: Duration = Duration::from_millis(5);

#[async_trait]
impl TableLeases for RacyClaims {
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        check_claimable(
            process_id,
            self.inner.get_process(process_id).await.as_ref(),
        )?;
        let now_ms = self.now_ms();
        // SELECT: check the slot and read the fence...
        let fence = self
            .table
            .with_slot(process_id, |slot| match slot.holder.as_ref() {
                Some(holder)
                    if holder.expires_at_epoch_ms > now_ms && holder.owner_id != owner_id =>
                {
                    Err(RegistryError::lease_held(
                        process_id,
                        &holder.owner_id,
                        holder.expires_at_epoch_ms,
                    ))
                }
                _ => Ok(slot.fencing_token),
            })?;
        // BUG: ...no lock is held across the round trip...
        tokio::time::sleep(CLAIM_ROUND_TRIP).await;
        // ...then UPSERT what was decided on the stale read.
        let fencing_token = fence.saturating_add(1);
        let lease_token = self.table.mint(process_id, fencing_token);
        self.table.with_slot(process_id, |slot| {
            slot.fencing_token = fencing_token;
            slot.holder = Some(LeaseHolder {
                owner_id: owner_id.to_owned(),
                lease_token,
                claimed_at_epoch_ms: now_ms,
                expires_at_epoch_ms: now_ms.saturating_add(lease_ttl_ms),
            });
            slot.current_lease(process_id)
                .ok_or_else(|| RegistryError::backend("lease vanished during claim"))
        })
    }
}

plain_mutant! {
    /// Every claim failure is reported as `LeaseHeld`: a claim on an unknown
    /// process says "already leased" instead of `NotFound`, so recovery
    /// workers read a missing process as contention.
    ///
    /// Violates LEASE-1 and ERR-6. Upstream: bug class 8 ("errors-as-busy":
    /// the recovery worker treats any claim error as leased elsewhere).
    ClaimErrorsReportedBusy
}

#[async_trait]
impl ForwardRegistry for ClaimErrorsReportedBusy {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.inner
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await
            // BUG: whatever went wrong, the caller hears "busy".
            .map_err(|error| match error.kind {
                ErrorKind::NotFound => RegistryError::lease_held(process_id, "unknown", 0),
                _ => error,
            })
    }
}
