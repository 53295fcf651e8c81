//! Fenced leases: the per-process state machine every backend shares (LEASE rules).

use crate::error::{RegistryError, RegistryResult};
use crate::hash::sha256_hex;
use crate::record::ProcessRecord;
use serde::{Deserialize, Serialize};

/// The lease schema version this contract speaks (alpha.38: 1).
pub const LEASE_SCHEMA_VERSION: u32 = 1;

/// Single-owner execution rights over a process (LEASE-3).
///
/// A worker presents it on every renew and release; the `lease_token` is
/// opaque and unique per claim (LEASE-8), the `fencing_token` strictly grows
/// with every claim of the process (LEASE-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessLease {
    /// Always [`LEASE_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The leased process.
    pub process_id: String,
    /// Who claimed it.
    pub owner_id: String,
    /// Opaque, unique per claim; compare for equality only.
    pub lease_token: String,
    /// Strictly greater than every token issued before for this process.
    pub fencing_token: u64,
    /// Clock reading at the claim.
    pub claimed_at_epoch_ms: u64,
    /// Live while the clock reads strictly less (LEASE-9).
    pub expires_at_epoch_ms: u64,
}

/// What a holder presents to release its lease (LEASE-15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessLeaseCompletion {
    /// The leased process.
    pub process_id: String,
    /// The token of the claim being released.
    pub lease_token: String,
}

impl ProcessLeaseCompletion {
    /// The completion for `lease`.
    pub fn from_lease(lease: &ProcessLease) -> Self {
        Self {
            process_id: lease.process_id.clone(),
            lease_token: lease.lease_token.clone(),
        }
    }
}

/// The current holder of a lease slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseHolder {
    /// Who claimed.
    pub owner_id: String,
    /// Token of the claim.
    pub lease_token: String,
    /// Clock reading at the claim.
    pub claimed_at_epoch_ms: u64,
    /// Live while the clock reads strictly less.
    pub expires_at_epoch_ms: u64,
}

/// The stored lease state of one process: `NONE` is the default slot,
/// `HELD` has a holder, `RELEASED` has none but keeps its fencing token.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LeaseSlot {
    /// The holder, live or expired; `None` when never claimed or released.
    pub holder: Option<LeaseHolder>,
    /// The last fencing token issued; kept across releases (LEASE-7).
    pub fencing_token: u64,
}

/// Rejects claims on unknown processes (LEASE-1) and on terminal ones (LEASE-2, SHOULD).
pub fn check_claimable(process_id: &str, record: Option<&ProcessRecord>) -> RegistryResult<()> {
    match record {
        None => Err(RegistryError::unknown_process(process_id)),
        Some(record) if record.is_terminal() => Err(RegistryError::already_terminal(process_id)),
        Some(_) => Ok(()),
    }
}

/// An opaque lease token, unique per (process, fencing token, nonce) and deterministic.
pub fn lease_token_for(process_id: &str, fencing_token: u64, nonce: u64) -> String {
    let digest = sha256_hex(format!("{process_id}\u{0}{fencing_token}\u{0}{nonce}").as_bytes());
    format!("lt-{}", &digest[..32])
}

impl LeaseSlot {
    /// True when a holder exists and its expiry is strictly after `now_ms` (LEASE-9).
    pub fn is_live(&self, now_ms: u64) -> bool {
        self.holder
            .as_ref()
            .is_some_and(|holder| holder.expires_at_epoch_ms > now_ms)
    }

    /// The lease as the current holder sees it, live or expired.
    pub fn current_lease(&self, process_id: &str) -> Option<ProcessLease> {
        self.holder.as_ref().map(|holder| ProcessLease {
            schema_version: LEASE_SCHEMA_VERSION,
            process_id: process_id.to_owned(),
            owner_id: holder.owner_id.clone(),
            lease_token: holder.lease_token.clone(),
            fencing_token: self.fencing_token,
            claimed_at_epoch_ms: holder.claimed_at_epoch_ms,
            expires_at_epoch_ms: holder.expires_at_epoch_ms,
        })
    }

    /// Claims the slot for `owner_id` (LEASE-3..LEASE-7).
    ///
    /// A live lease of another owner refuses with `LeaseHeld` and leaves the
    /// slot untouched; otherwise (free, released, expired, or the same owner)
    /// the slot gets a new holder, a fencing token one above the last, and the
    /// token `mint_token(new_fencing_token)`.
    pub fn claim(
        &mut self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
        now_ms: u64,
        mint_token: impl FnOnce(u64) -> String,
    ) -> RegistryResult<ProcessLease> {
        if let Some(holder) = &self.holder {
            if holder.expires_at_epoch_ms > now_ms && holder.owner_id != owner_id {
                return Err(RegistryError::lease_held(
                    process_id,
                    &holder.owner_id,
                    holder.expires_at_epoch_ms,
                ));
            }
        }
        let fencing_token = self.fencing_token.checked_add(1).ok_or_else(|| {
            RegistryError::backend(format!(
                "process `{process_id}` exhausted its fencing tokens"
            ))
        })?;
        self.fencing_token = fencing_token;
        self.holder = Some(LeaseHolder {
            owner_id: owner_id.to_owned(),
            lease_token: mint_token(fencing_token),
            claimed_at_epoch_ms: now_ms,
            expires_at_epoch_ms: now_ms.saturating_add(lease_ttl_ms),
        });
        self.current_lease(process_id)
            .ok_or_else(|| RegistryError::backend("lease vanished during claim"))
    }

    /// Extends a live lease presented with the current token (LEASE-10..LEASE-14).
    ///
    /// Only the expiry changes; anything else (superseded, released, expired,
    /// never claimed) is `LeaseLost` and leaves the slot untouched.
    pub fn renew(
        &mut self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
        now_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let live = self.is_live(now_ms);
        match self.holder.as_mut() {
            Some(holder) if live && holder.lease_token == lease.lease_token => {
                holder.expires_at_epoch_ms = now_ms.saturating_add(lease_ttl_ms);
            }
            _ => return Err(RegistryError::lease_lost(&lease.process_id)),
        }
        self.current_lease(&lease.process_id)
            .ok_or_else(|| RegistryError::lease_lost(&lease.process_id))
    }

    /// Releases the slot when `completion` carries the current token (LEASE-15..LEASE-18).
    ///
    /// Expiry is not checked; a stale token is a silent no-op. Returns whether
    /// anything changed. The fencing token is kept.
    pub fn release(&mut self, completion: &ProcessLeaseCompletion) -> bool {
        let matches = self
            .holder
            .as_ref()
            .is_some_and(|holder| holder.lease_token == completion.lease_token);
        if matches {
            self.holder = None;
        }
        matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(fence: u64) -> String {
        format!("t{fence}")
    }

    #[test]
    fn first_claim_gets_fence_one_and_saturating_expiry() {
        let mut slot = LeaseSlot::default();
        let lease = slot.claim("p", "a", u64::MAX, 10, token).expect("claim");
        assert_eq!(lease.fencing_token, 1);
        assert_eq!(lease.expires_at_epoch_ms, u64::MAX);
        assert_eq!(lease.claimed_at_epoch_ms, 10);
        assert_eq!(lease.schema_version, LEASE_SCHEMA_VERSION);
    }

    #[test]
    fn other_owner_is_fenced_until_expiry_and_equality_is_expired() {
        let mut slot = LeaseSlot::default();
        slot.claim("p", "a", 10, 0, token).expect("claim");
        let held = slot.claim("p", "b", 10, 9, token).expect_err("held");
        assert!(held.is(crate::ErrorKind::LeaseHeld));
        assert_eq!(slot.fencing_token, 1);
        let taken = slot
            .claim("p", "b", 10, 10, token)
            .expect("expired at equality");
        assert_eq!(taken.fencing_token, 2);
    }

    #[test]
    fn release_keeps_the_fence_and_ignores_stale_tokens() {
        let mut slot = LeaseSlot::default();
        let first = slot.claim("p", "a", 0, 0, token).expect("claim");
        let second = slot
            .claim("p", "b", 5, 0, token)
            .expect("claim over zero ttl");
        assert!(!slot.release(&ProcessLeaseCompletion::from_lease(&first)));
        assert!(slot.is_live(1));
        assert!(slot.release(&ProcessLeaseCompletion::from_lease(&second)));
        assert!(slot.holder.is_none());
        assert_eq!(slot.fencing_token, 2);
        let third = slot
            .claim("p", "c", 5, 0, token)
            .expect("claim after release");
        assert_eq!(third.fencing_token, 3);
    }

    #[test]
    fn renew_requires_current_token_and_liveness() {
        let mut slot = LeaseSlot::default();
        let lease = slot.claim("p", "a", 10, 0, token).expect("claim");
        let renewed = slot.renew(&lease, 100, 5).expect("renew");
        assert_eq!(renewed.expires_at_epoch_ms, 105);
        assert_eq!(renewed.lease_token, lease.lease_token);
        assert!(slot.renew(&lease, 100, 105).is_err());
        let mut stale = lease.clone();
        stale.lease_token = "other".into();
        assert!(slot.renew(&stale, 100, 50).is_err());
    }

    #[test]
    fn tokens_differ_by_nonce_and_fence() {
        assert_ne!(lease_token_for("p", 1, 0), lease_token_for("p", 1, 1));
        assert_ne!(lease_token_for("p", 1, 0), lease_token_for("p", 2, 0));
        assert_eq!(lease_token_for("p", 1, 0), lease_token_for("p", 1, 0));
    }
}
