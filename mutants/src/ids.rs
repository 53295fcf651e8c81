//! The identifier mutant: owner ids compared under a case-insensitive
//! collation, as a column declared with MySQL's default `utf8mb4_0900_ai_ci`
//! compares them.

use procreg::{ForwardRegistry, ProcessLease, ProcessRegistry, RegistryResult};

plain_mutant! {
    /// Lease owners are stored and compared folded to lower case: a claim
    /// by `Ab` while `ab` holds a live lease takes it as the holder's own,
    /// so two workers whose ids differ only in case share one lease.
    ///
    /// Violates REG-18 (and with it LEASE-4).
    OwnersFoldCase
}

#[async_trait::async_trait]
impl ForwardRegistry for OwnersFoldCase {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        // BUG: the owner column compares case-insensitively.
        self.inner
            .claim_process_lease(process_id, &owner_id.to_lowercase(), lease_ttl_ms)
            .await
    }
}
