//! LEASE mutants whose renewal or expiry is broken: stale, expired, re-claiming and wrapping renews.

use super::{TableBacked, TableLeases, TrackedLeases};
use async_trait::async_trait;
use procreg::{ForwardRegistry, ProcessRegistry};
use procreg::{ProcessLease, RegistryError, RegistryResult};

tracking_mutant! {
    /// Renew looks the lease up by process id only and extends whatever lease
    /// the process holds: a superseded (stale) lease "renews", extending the
    /// new holder's lease and handing the stale worker its token.
    ///
    /// Violates LEASE-11. Upstream: the check
    /// `superseded_process_lease_cannot_renew`; bug class 8 (stale copies
    /// after a re-claim).
    StaleRenewAccepted
}

forward_with_leases!(StaleRenewAccepted, TrackedLeases);

#[async_trait]
impl TrackedLeases for StaleRenewAccepted {
    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        // BUG: `WHERE process_id = ?` without `AND lease_token = ?`.
        let presented = self
            .issued
            .current(&lease.process_id)
            .unwrap_or_else(|| lease.clone());
        let result = self
            .inner
            .renew_process_lease(&presented, lease_ttl_ms)
            .await;
        self.issued.remember(&result);
        result
    }
}

table_mutant! {
    /// Renew checks the token but not liveness: an expired lease that nobody
    /// else claimed yet comes back to life.
    ///
    /// Violates LEASE-12 (no resurrection). Upstream: bug class 3 ("accept an
    /// expired lease").
    ExpiredRenewAccepted
}

#[async_trait]
impl TableLeases for ExpiredRenewAccepted {
    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let now_ms = self.now_ms();
        self.table.with_slot(&lease.process_id, |slot| {
            match slot.holder.as_mut() {
                // BUG: the token is compared, the expiry is not.
                Some(holder) if holder.lease_token == lease.lease_token => {
                    holder.expires_at_epoch_ms = now_ms.saturating_add(lease_ttl_ms);
                }
                _ => return Err(RegistryError::lease_lost(&lease.process_id)),
            }
            slot.current_lease(&lease.process_id)
                .ok_or_else(|| RegistryError::lease_lost(&lease.process_id))
        })
    }
}

plain_mutant! {
    /// Renew is implemented as a re-claim by the same owner: it rotates the
    /// lease token, bumps the fencing token and moves `claimed_at`, so the
    /// renewing worker fences itself out of its own copies.
    ///
    /// Violates LEASE-10. Upstream: bug class 8 (self-fencing re-claim:
    /// re-entry rotates the token and bumps the fence).
    RenewReclaims
}

#[async_trait]
impl ForwardRegistry for RenewReclaims {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.inner.renew_process_lease(lease, lease_ttl_ms).await?;
        // BUG: "extend" goes through the claim path.
        self.inner
            .claim_process_lease(&lease.process_id, &lease.owner_id, lease_ttl_ms)
            .await
    }
}

table_mutant! {
    /// Expiry is computed as `now + ttl` with wrapping arithmetic, so a huge
    /// TTL (`u64::MAX`) wraps around into the past and yields an expired lease.
    ///
    /// Violates LEASE-21. Upstream: no bug class; kit rule "bad input never
    /// panics" (saturating expiry).
    TtlOverflowWraps
}

impl TtlOverflowWraps {
    /// Rewrites the stored and returned expiry the way the broken helper computes it.
    fn wrap_expiry(&self, lease: ProcessLease, now_ms: u64, lease_ttl_ms: u64) -> ProcessLease {
        // BUG: wrapping (release-mode) addition instead of saturating.
        let expires_at_epoch_ms = now_ms.wrapping_add(lease_ttl_ms);
        self.table.with_slot(&lease.process_id, |slot| {
            if let Some(holder) = slot.holder.as_mut() {
                holder.expires_at_epoch_ms = expires_at_epoch_ms;
            }
        });
        ProcessLease {
            expires_at_epoch_ms,
            ..lease
        }
    }
}

#[async_trait]
impl TableLeases for TtlOverflowWraps {
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let now_ms = self.now_ms();
        let lease = self
            .table
            .claim(&self.inner, now_ms, process_id, owner_id, lease_ttl_ms)
            .await?;
        Ok(self.wrap_expiry(lease, now_ms, lease_ttl_ms))
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let now_ms = self.now_ms();
        let renewed = self.table.renew(now_ms, lease, lease_ttl_ms)?;
        Ok(self.wrap_expiry(renewed, now_ms, lease_ttl_ms))
    }
}
