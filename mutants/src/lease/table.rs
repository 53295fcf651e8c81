//! [`LeaseTable`]: leases kept beside the wrapped registry, and the table-backed mutants built on it.

use crate::lock;
use async_trait::async_trait;
use procreg::{
    check_claimable, lease_token_for, LeaseHolder, LeaseSlot, ProcessLease, ProcessLeaseCompletion,
    RegistryError, RegistryResult,
};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Leases kept beside the wrapped registry, one [`LeaseSlot`] per process.
///
/// Its methods are the correct transitions; a table-backed mutant calls them
/// for every lease method but the one it breaks.
#[derive(Debug, Default)]
pub struct LeaseTable {
    slots: Mutex<BTreeMap<String, LeaseSlot>>,
    nonce: Mutex<u64>,
}

impl LeaseTable {
    /// A fresh, unique lease token for the claim that gets `fencing_token`.
    pub fn mint(&self, process_id: &str, fencing_token: u64) -> String {
        let mut nonce = lock(&self.nonce);
        *nonce += 1;
        lease_token_for(process_id, fencing_token, *nonce)
    }

    /// Runs `change` on the slot of `process_id` (created empty when missing).
    pub fn with_slot<T>(&self, process_id: &str, change: impl FnOnce(&mut LeaseSlot) -> T) -> T {
        change(lock(&self.slots).entry(process_id.to_owned()).or_default())
    }

    /// Drops the slot of `process_id` entirely.
    pub fn remove(&self, process_id: &str) {
        lock(&self.slots).remove(process_id);
    }

    /// A correct claim: unknown is `NotFound`, terminal is `AlreadyTerminal`, then the slot claim.
    pub async fn claim(
        &self,
        inner: &dyn procreg::ProcessRegistry,
        now_ms: u64,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        check_claimable(process_id, inner.get_process(process_id).await.as_ref())?;
        self.claim_slot(now_ms, process_id, owner_id, lease_ttl_ms)
    }

    /// The slot claim alone, without the existence and terminal checks.
    pub fn claim_slot(
        &self,
        now_ms: u64,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let token = |fence| self.mint(process_id, fence);
        self.with_slot(process_id, |slot| {
            slot.claim(process_id, owner_id, lease_ttl_ms, now_ms, token)
        })
    }

    /// A correct renew: the current token on a live lease moves the expiry.
    pub fn renew(
        &self,
        now_ms: u64,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let mut slots = lock(&self.slots);
        match slots.get_mut(&lease.process_id) {
            Some(slot) => slot.renew(lease, lease_ttl_ms, now_ms),
            None => Err(RegistryError::lease_lost(&lease.process_id)),
        }
    }

    /// A correct release: the current token frees the slot and keeps the fence.
    pub fn release(&self, completion: &ProcessLeaseCompletion) {
        if let Some(slot) = lock(&self.slots).get_mut(&completion.process_id) {
            slot.release(completion);
        }
    }
}

/// A claim with the existence and terminal checks, refused with `LeaseHeld`
/// when `blocks(holder, now_ms)` says the current holder keeps the claimant
/// out: the claim guards of the table-backed claim mutants, which differ
/// only in `blocks`.
pub async fn guarded_claim<M: TableBacked + ?Sized>(
    mutant: &M,
    process_id: &str,
    owner_id: &str,
    lease_ttl_ms: u64,
    blocks: impl FnOnce(&LeaseHolder, u64) -> bool + Send,
) -> RegistryResult<ProcessLease> {
    check_claimable(
        process_id,
        mutant.inner().get_process(process_id).await.as_ref(),
    )?;
    let now_ms = mutant.now_ms();
    let table = mutant.table();
    let held = table.with_slot(process_id, |slot| {
        slot.holder.as_ref().and_then(|holder| {
            blocks(holder, now_ms).then(|| {
                RegistryError::lease_held(process_id, &holder.owner_id, holder.expires_at_epoch_ms)
            })
        })
    });
    if let Some(error) = held {
        return Err(error);
    }
    table.claim_slot(now_ms, process_id, owner_id, lease_ttl_ms)
}

/// A mutant that keeps its leases in a [`LeaseTable`].
pub trait TableBacked: procreg::ForwardRegistry {
    /// The lease table.
    fn table(&self) -> &LeaseTable;

    /// The current time of the mutant's clock.
    fn now_ms(&self) -> u64;
}

/// The lease methods of a table-backed mutant: the correct [`LeaseTable`]
/// transitions. A mutant overrides only the one it breaks.
#[async_trait]
pub trait TableLeases: TableBacked {
    /// A correct claim ([`LeaseTable::claim`]).
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table()
            .claim(
                self.inner(),
                self.now_ms(),
                process_id,
                owner_id,
                lease_ttl_ms,
            )
            .await
    }

    /// A correct renew ([`LeaseTable::renew`]).
    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table().renew(self.now_ms(), lease, lease_ttl_ms)
    }

    /// A correct release ([`LeaseTable::release`]).
    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.table().release(completion);
        Ok(())
    }
}

/// Declares a table-backed mutant: the wrapped registry, its clock and a
/// [`LeaseTable`]. The mutant implements [`TableLeases`], overriding the
/// lease method it breaks; every other call goes to the reference.
macro_rules! table_mutant {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            inner: procreg_memory::MemoryRegistry,
            clock: std::sync::Arc<dyn procreg::Clock>,
            table: $crate::lease::LeaseTable,
        }

        impl $name {
            /// The mutant, reading time from `clock`.
            pub fn new(clock: std::sync::Arc<dyn procreg::Clock>) -> Self {
                Self {
                    inner: procreg_memory::MemoryRegistry::new(std::sync::Arc::clone(&clock)),
                    clock,
                    table: $crate::lease::LeaseTable::default(),
                }
            }
        }

        impl $crate::lease::TableBacked for $name {
            fn table(&self) -> &$crate::lease::LeaseTable {
                &self.table
            }

            fn now_ms(&self) -> u64 {
                procreg::Clock::now_ms(&*self.clock)
            }
        }

        forward_with_leases!($name, $crate::lease::TableLeases);
    };
}
