//! [`IssuedLeases`]: the leases the wrapped registry issued, and the tracking mutants built on it.

use crate::lock;
use async_trait::async_trait;
use procreg::{ProcessLease, ProcessLeaseCompletion, RegistryResult};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The last lease the wrapped registry issued (or renewed) per process, until released.
#[derive(Debug, Default)]
pub struct IssuedLeases {
    leases: Mutex<BTreeMap<String, ProcessLease>>,
}

impl IssuedLeases {
    /// Remembers `lease` as the current one of its process when `result` is a lease.
    pub fn remember(&self, result: &RegistryResult<ProcessLease>) {
        if let Ok(lease) = result {
            lock(&self.leases).insert(lease.process_id.clone(), lease.clone());
        }
    }

    /// Forgets the current lease of the completion's process when its token matches.
    pub fn forget(&self, completion: &ProcessLeaseCompletion) {
        let mut leases = lock(&self.leases);
        if leases
            .get(&completion.process_id)
            .is_some_and(|lease| lease.lease_token == completion.lease_token)
        {
            leases.remove(&completion.process_id);
        }
    }

    /// The current lease of `process_id`, if one was issued and not released.
    pub fn current(&self, process_id: &str) -> Option<ProcessLease> {
        lock(&self.leases).get(process_id).cloned()
    }
}

/// A mutant that tracks the leases its wrapped registry issues.
pub trait Tracking: procreg::ForwardRegistry {
    /// The leases issued so far.
    fn issued(&self) -> &IssuedLeases;
}

/// The lease methods of a tracking mutant: the reference's, recorded in
/// [`IssuedLeases`]. A mutant overrides only the one it breaks.
#[async_trait]
pub trait TrackedLeases: Tracking {
    /// Claims through the reference and remembers the lease.
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let result = self
            .inner()
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await;
        self.issued().remember(&result);
        result
    }

    /// Renews through the reference and remembers the renewed lease.
    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let result = self.inner().renew_process_lease(lease, lease_ttl_ms).await;
        self.issued().remember(&result);
        result
    }

    /// Forgets the released lease and releases it through the reference.
    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.issued().forget(completion);
        self.inner().complete_process_lease(completion).await
    }
}

/// Declares a tracking mutant: the wrapped registry and the [`IssuedLeases`]
/// (and, with `clock`, the clock to judge their liveness). The mutant
/// implements [`TrackedLeases`] and declares its `ForwardRegistry` with
/// `forward_with_leases!(Name, TrackedLeases, { overrides })`, so the lease
/// methods go through [`TrackedLeases`].
macro_rules! tracking_mutant {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            inner: procreg_memory::MemoryRegistry,
            issued: $crate::lease::IssuedLeases,
        }

        impl $name {
            /// The mutant, reading time from `clock`.
            pub fn new(clock: std::sync::Arc<dyn procreg::Clock>) -> Self {
                Self {
                    inner: procreg_memory::MemoryRegistry::new(clock),
                    issued: $crate::lease::IssuedLeases::default(),
                }
            }
        }

        tracking_mutant!(@tracking $name);
    };
    ($(#[$doc:meta])* $name:ident with clock) => {
        $(#[$doc])*
        pub struct $name {
            inner: procreg_memory::MemoryRegistry,
            clock: std::sync::Arc<dyn procreg::Clock>,
            issued: $crate::lease::IssuedLeases,
        }

        impl $name {
            /// The mutant, reading time from `clock`.
            pub fn new(clock: std::sync::Arc<dyn procreg::Clock>) -> Self {
                Self {
                    inner: procreg_memory::MemoryRegistry::new(std::sync::Arc::clone(&clock)),
                    clock,
                    issued: $crate::lease::IssuedLeases::default(),
                }
            }
        }

        tracking_mutant!(@tracking $name);
    };
    (@tracking $name:ident) => {
        impl $crate::lease::Tracking for $name {
            fn issued(&self) -> &$crate::lease::IssuedLeases {
                &self.issued
            }
        }

    };
}
