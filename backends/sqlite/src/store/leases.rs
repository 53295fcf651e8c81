//! Leases: the lease row as a `LeaseSlot`, and claim, renew and release.

use super::Store;
use crate::codec::{u64_from_sql, u64_to_sql, Failure};
use procreg::{
    check_claimable, lease_token_for, LeaseSlot, ProcessLease, ProcessLeaseCompletion,
    RegistryError, RegistryResult,
};
use procreg_storage::columns::LeaseRow;
use rusqlite::{params, OptionalExtension};

impl Store<'_> {
    fn lease_slot(&self, process_id: &str) -> RegistryResult<LeaseSlot> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT fencing_token, owner_id, lease_token, claimed_at_ms, expires_at_ms
                 FROM leases WHERE process_id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([process_id], |row| {
                    Ok(LeaseRow {
                        fencing_token: row.get(0)?,
                        owner_id: row.get(1)?,
                        lease_token: row.get(2)?,
                        claimed_at_ms: row.get(3)?,
                        expires_at_ms: row.get(4)?,
                    })
                })
                .optional()
            })
            .fail(self.label, "reading a lease")?;
        Ok(row.map(LeaseRow::into_slot).unwrap_or_default())
    }

    fn store_lease_slot(&self, process_id: &str, slot: &LeaseSlot) -> RegistryResult<()> {
        let holder = slot.holder.as_ref();
        self.conn
            .prepare_cached(
                "INSERT INTO leases (process_id, fencing_token, owner_id, lease_token, claimed_at_ms, expires_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (process_id) DO UPDATE SET
                     fencing_token = excluded.fencing_token,
                     owner_id = excluded.owner_id,
                     lease_token = excluded.lease_token,
                     claimed_at_ms = excluded.claimed_at_ms,
                     expires_at_ms = excluded.expires_at_ms",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    process_id,
                    u64_to_sql(slot.fencing_token),
                    holder.map(|holder| holder.owner_id.as_str()),
                    holder.map(|holder| holder.lease_token.as_str()),
                    holder.map(|holder| u64_to_sql(holder.claimed_at_epoch_ms)),
                    holder.map(|holder| u64_to_sql(holder.expires_at_epoch_ms)),
                ])
            })
            .fail(self.label, "writing a lease")?;
        Ok(())
    }

    /// The next lease-token nonce, shared by every handle on the file (LEASE-8).
    fn next_nonce(&self) -> RegistryResult<u64> {
        let nonce: i64 = self
            .conn
            .prepare_cached(
                "UPDATE meta SET value = value + 1 WHERE key = 'lease_nonce' RETURNING value",
            )
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .fail(self.label, "advancing the lease nonce")?;
        Ok(u64_from_sql(nonce))
    }

    /// LEASE-1..LEASE-9, LEASE-20, LEASE-21.
    pub(crate) fn claim(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
        now_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        check_claimable(process_id, self.record(process_id)?.as_ref())?;
        let mut slot = self.lease_slot(process_id)?;
        let nonce = self.next_nonce()?;
        let lease = slot.claim(
            process_id,
            owner_id,
            lease_ttl_ms,
            now_ms,
            |fencing_token| lease_token_for(process_id, fencing_token, nonce),
        )?;
        self.store_lease_slot(process_id, &slot)?;
        Ok(lease)
    }

    /// LEASE-10..LEASE-14, LEASE-22.
    pub(crate) fn renew(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
        now_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        if !self.exists(&lease.process_id)? {
            return Err(RegistryError::lease_lost(&lease.process_id));
        }
        let mut slot = self.lease_slot(&lease.process_id)?;
        let renewed = slot.renew(lease, lease_ttl_ms, now_ms)?;
        self.store_lease_slot(&lease.process_id, &slot)?;
        Ok(renewed)
    }

    /// LEASE-15..LEASE-19: a stale token changes nothing.
    pub(crate) fn release(&self, completion: &ProcessLeaseCompletion) -> RegistryResult<()> {
        if !self.exists(&completion.process_id)? {
            return Ok(());
        }
        let mut slot = self.lease_slot(&completion.process_id)?;
        if slot.release(completion) {
            self.store_lease_slot(&completion.process_id, &slot)?;
        }
        Ok(())
    }
}
