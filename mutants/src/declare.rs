//! The macros that declare a mutant: a struct around the reference
//! registry whose `ProcessRegistry` comes from the contract's
//! [`ForwardRegistry`](procreg::ForwardRegistry), so a mutant writes only the method it breaks.

/// Declares a mutant that only wraps the reference registry; the mutant
/// then implements `ForwardRegistry` with `inner` and the method it breaks.
macro_rules! plain_mutant {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            inner: procreg_memory::MemoryRegistry,
        }

        impl $name {
            /// The mutant, reading time from `clock`.
            pub fn new(clock: std::sync::Arc<dyn procreg::Clock>) -> Self {
                Self {
                    inner: procreg_memory::MemoryRegistry::new(clock),
                }
            }
        }
    };
}

/// Implements `ForwardRegistry` for a mutant with a field `inner`, routing
/// the three lease methods through `$leases` (a trait with the same lease
/// method names, such as the lease table's) and adding the overrides given
/// in braces.
macro_rules! forward_with_leases {
    ($name:ident, $leases:path) => {
        forward_with_leases!($name, $leases, {});
    };
    ($name:ident, $leases:path, { $($overrides:tt)* }) => {
        #[async_trait::async_trait]
        impl procreg::ForwardRegistry for $name {
            fn inner(&self) -> &dyn procreg::ProcessRegistry {
                &self.inner
            }

            async fn claim_process_lease(
                &self,
                process_id: &str,
                owner_id: &str,
                lease_ttl_ms: u64,
            ) -> procreg::RegistryResult<procreg::ProcessLease> {
                <Self as $leases>::claim_process_lease(self, process_id, owner_id, lease_ttl_ms)
                    .await
            }

            async fn renew_process_lease(
                &self,
                lease: &procreg::ProcessLease,
                lease_ttl_ms: u64,
            ) -> procreg::RegistryResult<procreg::ProcessLease> {
                <Self as $leases>::renew_process_lease(self, lease, lease_ttl_ms).await
            }

            async fn complete_process_lease(
                &self,
                completion: &procreg::ProcessLeaseCompletion,
            ) -> procreg::RegistryResult<()> {
                <Self as $leases>::complete_process_lease(self, completion).await
            }

            $($overrides)*
        }
    };
}
