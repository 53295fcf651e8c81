//! LEASE mutants: claims, renewals, releases and fencing gone wrong.
//!
//! Two building blocks keep the wrappers short. [`IssuedLeases`] remembers
//! the last lease the wrapped registry issued per process, for bugs that
//! substitute it for what the caller presented. [`LeaseTable`] keeps leases
//! beside the wrapped registry the way a SQL backend keeps a lease table:
//! its `claim`, `renew` and `release` are correct (they are the contract's
//! [`LeaseSlot`] transitions), and each table-backed mutant replaces exactly
//! one of them with a broken version.

use super::{lock, Delegate};
use procreg::{
    check_claimable, lease_token_for, Clock, ErrorKind, LeaseHolder, LeaseSlot, ProcessLease,
    ProcessLeaseCompletion, ProcessRegistry as _, RegistryError, RegistryResult,
};
use procreg_memory::MemoryRegistry;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
        inner: &MemoryRegistry,
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

/// Declares a table-backed mutant: the wrapped registry, its clock and a [`LeaseTable`].
macro_rules! table_mutant {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            inner: MemoryRegistry,
            clock: Arc<dyn Clock>,
            table: LeaseTable,
        }

        impl $name {
            /// The mutant, reading time from `clock`.
            pub fn new(clock: Arc<dyn Clock>) -> Self {
                Self {
                    inner: MemoryRegistry::new(Arc::clone(&clock)),
                    clock,
                    table: LeaseTable::default(),
                }
            }
        }

        delegate_registry!($name);
    };
}

/// Declares a tracking mutant: the wrapped registry and the [`IssuedLeases`].
macro_rules! tracking_mutant {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            inner: MemoryRegistry,
            issued: IssuedLeases,
        }

        impl $name {
            /// The mutant, reading time from `clock`.
            pub fn new(clock: Arc<dyn Clock>) -> Self {
                Self {
                    inner: MemoryRegistry::new(clock),
                    issued: IssuedLeases::default(),
                }
            }
        }

        delegate_registry!($name);
    };
}

table_mutant! {
    /// Claiming an unknown process creates a lease instead of failing with
    /// `NotFound` (the upstream in-memory registry's behaviour).
    ///
    /// Violates LEASE-1. Upstream: CONTRACT-NOTES section 9, "claim on an
    /// unknown process" (divergence 6.1).
    ClaimUnknownSucceeds
}

#[async_trait::async_trait]
impl Delegate for ClaimUnknownSucceeds {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

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
            .claim_slot(self.clock.now_ms(), process_id, owner_id, lease_ttl_ms)
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table.renew(self.clock.now_ms(), lease, lease_ttl_ms)
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.table.release(completion);
        Ok(())
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

#[async_trait::async_trait]
impl Delegate for ClaimTerminalAllowed {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

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
            .claim_slot(self.clock.now_ms(), process_id, owner_id, lease_ttl_ms)
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table.renew(self.clock.now_ms(), lease, lease_ttl_ms)
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.table.release(completion);
        Ok(())
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

#[async_trait::async_trait]
impl Delegate for SameOwnerReclaimRefused {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

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
        let now_ms = self.clock.now_ms();
        let held = self.table.with_slot(process_id, |slot| {
            slot.holder.as_ref().and_then(|holder| {
                // BUG: no `&& holder.owner_id != owner_id`.
                (holder.expires_at_epoch_ms > now_ms).then(|| {
                    RegistryError::lease_held(
                        process_id,
                        &holder.owner_id,
                        holder.expires_at_epoch_ms,
                    )
                })
            })
        });
        if let Some(error) = held {
            return Err(error);
        }
        self.table
            .claim_slot(now_ms, process_id, owner_id, lease_ttl_ms)
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table.renew(self.clock.now_ms(), lease, lease_ttl_ms)
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.table.release(completion);
        Ok(())
    }
}

table_mutant! {
    /// Releasing deletes the lease row instead of clearing its holder, so the
    /// fencing token restarts: a re-claim after a release reports fence 1 and
    /// a stale writer's fence is valid again.
    ///
    /// Violates LEASE-7 and LEASE-15. Upstream: bug class 1 (fencing token
    /// reset on release).
    FenceResetOnRelease
}

#[async_trait::async_trait]
impl Delegate for FenceResetOnRelease {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table
            .claim(
                &self.inner,
                self.clock.now_ms(),
                process_id,
                owner_id,
                lease_ttl_ms,
            )
            .await
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table.renew(self.clock.now_ms(), lease, lease_ttl_ms)
    }

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

table_mutant! {
    /// Liveness uses `>=`: a lease whose expiry equals now still counts as
    /// live, so another owner's claim at exactly `expires == now` is refused
    /// (and a TTL-0 hand-over does not hand over).
    ///
    /// Violates LEASE-9 and LEASE-14. Upstream: bug class 7 (boundary
    /// flakiness in expiry).
    InclusiveLiveness
}

#[async_trait::async_trait]
impl Delegate for InclusiveLiveness {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

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
        let now_ms = self.clock.now_ms();
        let held = self.table.with_slot(process_id, |slot| {
            slot.holder.as_ref().and_then(|holder| {
                // BUG: `>=` where the contract says `>`.
                (holder.expires_at_epoch_ms >= now_ms && holder.owner_id != owner_id).then(|| {
                    RegistryError::lease_held(
                        process_id,
                        &holder.owner_id,
                        holder.expires_at_epoch_ms,
                    )
                })
            })
        });
        if let Some(error) = held {
            return Err(error);
        }
        self.table
            .claim_slot(now_ms, process_id, owner_id, lease_ttl_ms)
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table.renew(self.clock.now_ms(), lease, lease_ttl_ms)
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.table.release(completion);
        Ok(())
    }
}

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

#[async_trait::async_trait]
impl Delegate for StaleRenewAccepted {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let result = self
            .inner
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await;
        self.issued.remember(&result);
        result
    }

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

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.issued.forget(completion);
        self.inner.complete_process_lease(completion).await
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

#[async_trait::async_trait]
impl Delegate for ExpiredRenewAccepted {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table
            .claim(
                &self.inner,
                self.clock.now_ms(),
                process_id,
                owner_id,
                lease_ttl_ms,
            )
            .await
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let now_ms = self.clock.now_ms();
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

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.table.release(completion);
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

#[async_trait::async_trait]
impl Delegate for ReleaseIgnoresToken {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let result = self
            .inner
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await;
        self.issued.remember(&result);
        result
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let result = self.inner.renew_process_lease(lease, lease_ttl_ms).await;
        self.issued.remember(&result);
        result
    }

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

#[async_trait::async_trait]
impl Delegate for RacyClaims {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

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
        let now_ms = self.clock.now_ms();
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

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.table.renew(self.clock.now_ms(), lease, lease_ttl_ms)
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.table.release(completion);
        Ok(())
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

#[async_trait::async_trait]
impl Delegate for ClaimErrorsReportedBusy {
    fn inner(&self) -> &MemoryRegistry {
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

plain_mutant! {
    /// Renew is implemented as a re-claim by the same owner: it rotates the
    /// lease token, bumps the fencing token and moves `claimed_at`, so the
    /// renewing worker fences itself out of its own copies.
    ///
    /// Violates LEASE-10. Upstream: bug class 8 (self-fencing re-claim:
    /// re-entry rotates the token and bumps the fence).
    RenewReclaims
}

#[async_trait::async_trait]
impl Delegate for RenewReclaims {
    fn inner(&self) -> &MemoryRegistry {
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

#[async_trait::async_trait]
impl Delegate for TtlOverflowWraps {
    fn inner(&self) -> &MemoryRegistry {
        &self.inner
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let now_ms = self.clock.now_ms();
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
        let now_ms = self.clock.now_ms();
        let renewed = self.table.renew(now_ms, lease, lease_ttl_ms)?;
        Ok(self.wrap_expiry(renewed, now_ms, lease_ttl_ms))
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.table.release(completion);
        Ok(())
    }
}
