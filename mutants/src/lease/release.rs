//! LEASE mutants whose release is broken: fence reset and unfenced release.

use super::{TableLeases, TrackedLeases};
use async_trait::async_trait;
use procreg::ProcessRegistry;
use procreg::{ProcessLeaseCompletion, RegistryResult};

table_mutant! {
    /// Releasing deletes the lease row instead of clearing its holder, so the
    /// fencing token restarts: a re-claim after a release reports fence 1 and
    /// a stale writer's fence is valid again.
    ///
    /// Violates LEASE-7 and LEASE-15. Upstream: bug class 1 (fencing token
    /// reset on release).
    FenceResetOnRelease
}

#[async_trait]
impl TableLeases for FenceResetOnRelease {
    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        let matches = self.table.with_slot(&completion.process_id, |slot| {
            slot.holder
                .as_ref()
                .is_some_and(|holder| holder.lease_token == completion.lease_token)
        });
        if matches {
            // BUG: `DELETE FROM leases` forgets the fencing token with the holder.
            self.table.remove(&completion.process_id);
        }
        Ok(())
    }
}

tracking_mutant! {
    /// Releasing ignores the presented token and frees whatever lease the
    /// process holds: a stale worker's release frees the live owner's lease.
    ///
    /// Violates LEASE-16. Upstream: bug class 2 (unfenced release), the check
    /// `stale_lease_completion_cannot_release_live_lease`.
    ReleaseIgnoresToken
}

forward_with_leases!(ReleaseIgnoresToken, TrackedLeases);

#[async_trait]
impl TrackedLeases for ReleaseIgnoresToken {
    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        // BUG: `DELETE ... WHERE process_id = ?`: the token is not compared.
        let Some(current) = self.issued.current(&completion.process_id) else {
            return self.inner.complete_process_lease(completion).await;
        };
        let by_process = ProcessLeaseCompletion::from_lease(&current);
        self.issued.forget(&by_process);
        self.inner.complete_process_lease(&by_process).await
    }
}
