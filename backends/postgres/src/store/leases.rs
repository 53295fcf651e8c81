//! Leases: the lease row as a `LeaseSlot`, and claim, renew and release.
//!
//! All three lock the process row first (the module's locking rule), so
//! claims, renewals and releases of one process are serialised: two racing
//! claimants can never both see the slot free (LEASE-20).

use super::records::record_of;
use super::Store;
use crate::codec::{u64_from_sql, u64_to_sql, Db, StoreResult};
use procreg::{
    check_claimable, lease_token_for, LeaseSlot, ProcessLease, ProcessLeaseCompletion,
    RegistryError,
};
use procreg_storage::columns::LeaseRow;

impl Store<'_> {
    async fn lease_slot(&self, process_id: &str) -> StoreResult<LeaseSlot> {
        let row = self
            .conn
            .query_opt(
                "SELECT fencing_token, owner_id, lease_token, claimed_at_ms, expires_at_ms
                 FROM leases WHERE process_hash = key_of($1)",
                &[&process_id],
                "reading a lease",
            )
            .await?;
        let Some(row) = row else {
            return Ok(LeaseSlot::default());
        };
        Ok(LeaseRow {
            fencing_token: row.try_get(0).db("reading a lease")?,
            owner_id: row.try_get(1).db("reading a lease")?,
            lease_token: row.try_get(2).db("reading a lease")?,
            claimed_at_ms: row.try_get(3).db("reading a lease")?,
            expires_at_ms: row.try_get(4).db("reading a lease")?,
        }
        .into_slot())
    }

    async fn store_lease_slot(&self, process_id: &str, slot: &LeaseSlot) -> StoreResult<()> {
        let holder = slot.holder.as_ref();
        self.conn
            .execute(
                "INSERT INTO leases (process_id, fencing_token, owner_id, lease_token, claimed_at_ms, expires_at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (process_hash) DO UPDATE SET
                     fencing_token = excluded.fencing_token,
                     owner_id = excluded.owner_id,
                     lease_token = excluded.lease_token,
                     claimed_at_ms = excluded.claimed_at_ms,
                     expires_at_ms = excluded.expires_at_ms",
                &[
                    &process_id,
                    &u64_to_sql(slot.fencing_token),
                    &holder.map(|holder| holder.owner_id.as_str()),
                    &holder.map(|holder| holder.lease_token.as_str()),
                    &holder.map(|holder| u64_to_sql(holder.claimed_at_epoch_ms)),
                    &holder.map(|holder| u64_to_sql(holder.expires_at_epoch_ms)),
                ],
                "writing a lease",
            )
            .await?;
        Ok(())
    }

    /// LEASE-1..LEASE-9, LEASE-20, LEASE-21.
    ///
    /// The lease-token nonce is this transaction's id: unique across the
    /// whole cluster and never reused (a 64-bit `xid8`), so tokens are
    /// unique per claim without a shared counter row that every claim of
    /// every process would queue on (LEASE-8). Reading it in the locking
    /// statement is safe: it does not change after a lock wait.
    pub(crate) async fn claim(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> StoreResult<ProcessLease> {
        let row = self
            .conn
            .query_opt(
                "SELECT record_json, pg_current_xact_id()::text::bigint
                 FROM processes WHERE id_hash = key_of($1) AND id = $1 FOR NO KEY UPDATE",
                &[&process_id],
                "locking a process",
            )
            .await?;
        let record = row.as_ref().map(record_of).transpose()?;
        check_claimable(process_id, record.as_ref())?;
        let nonce: i64 = match &row {
            Some(row) => row.try_get(1).db("taking a lease nonce")?,
            None => 0,
        };
        let now_ms = self.now_ms();
        let mut slot = self.lease_slot(process_id).await?;
        let lease = slot.claim(
            process_id,
            owner_id,
            lease_ttl_ms,
            now_ms,
            |fencing_token| lease_token_for(process_id, fencing_token, u64_from_sql(nonce)),
        )?;
        self.store_lease_slot(process_id, &slot).await?;
        Ok(lease)
    }

    /// LEASE-10..LEASE-14, LEASE-22.
    pub(crate) async fn renew(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> StoreResult<ProcessLease> {
        if !self.lock_process(&lease.process_id).await? {
            return Err(RegistryError::lease_lost(&lease.process_id).into());
        }
        let now_ms = self.now_ms();
        let mut slot = self.lease_slot(&lease.process_id).await?;
        let renewed = slot.renew(lease, lease_ttl_ms, now_ms)?;
        self.store_lease_slot(&lease.process_id, &slot).await?;
        Ok(renewed)
    }

    /// LEASE-15..LEASE-19: a stale token changes nothing.
    pub(crate) async fn release(&self, completion: &ProcessLeaseCompletion) -> StoreResult<()> {
        if !self.lock_process(&completion.process_id).await? {
            return Ok(());
        }
        let mut slot = self.lease_slot(&completion.process_id).await?;
        if slot.release(completion) {
            self.store_lease_slot(&completion.process_id, &slot).await?;
        }
        Ok(())
    }
}
