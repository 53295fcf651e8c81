//! Process records: registration, the external ref, the row lock and the non-terminal sweep.

use super::Store;
use crate::codec::{decode, encode, invalid, Db, StoreResult};
use procreg::{PreparedRegistration, ProcessExternalRef, ProcessRecord, RegistryError};
use tokio_postgres::Row;

/// The record in column 0 of `row`.
pub(super) fn record_of(row: &Row) -> StoreResult<ProcessRecord> {
    let text: String = row.try_get(0).db("reading a process record")?;
    decode("decoding a process record", &text)
}

impl Store<'_> {
    /// The record, read without a lock.
    pub(crate) async fn record(&self, process_id: &str) -> StoreResult<Option<ProcessRecord>> {
        self.conn
            .query_opt(
                "SELECT record_json FROM processes WHERE id_hash = key_of($1) AND id = $1",
                &[&process_id],
                "reading a process",
            )
            .await?
            .as_ref()
            .map(record_of)
            .transpose()
    }

    /// Locks the process row for this transaction (see the module's locking
    /// rule) and returns the record as of the lock; `None` for an unknown id.
    pub(super) async fn lock_record(&self, process_id: &str) -> StoreResult<Option<ProcessRecord>> {
        self.conn
            .query_opt(
                "SELECT record_json FROM processes WHERE id_hash = key_of($1) AND id = $1 FOR NO KEY UPDATE",
                &[&process_id],
                "locking a process",
            )
            .await?
            .as_ref()
            .map(record_of)
            .transpose()
    }

    /// Locks the process row without reading the record; false for an unknown id.
    pub(super) async fn lock_process(&self, process_id: &str) -> StoreResult<bool> {
        Ok(self
            .conn
            .query_opt(
                "SELECT 1 FROM processes WHERE id_hash = key_of($1) AND id = $1 FOR NO KEY UPDATE",
                &[&process_id],
                "locking a process",
            )
            .await?
            .is_some())
    }

    pub(super) async fn exists(&self, process_id: &str) -> StoreResult<bool> {
        let row = self
            .conn
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM processes WHERE id_hash = key_of($1) AND id = $1)",
                &[&process_id],
                "looking up a process",
            )
            .await?;
        row.try_get(0).db("looking up a process")
    }

    pub(super) async fn require_exists(&self, process_id: &str) -> StoreResult<()> {
        if self.exists(process_id).await? {
            Ok(())
        } else {
            Err(RegistryError::unknown_process(process_id).into())
        }
    }

    pub(super) async fn update_record(&self, record: &ProcessRecord) -> StoreResult<()> {
        let text = encode("encoding a process record", record)?;
        self.conn
            .execute(
                "UPDATE processes SET status = $2, record_json = $3 WHERE id_hash = key_of($1) AND id = $1",
                &[&record.id, &record.status.label(), &text],
                "updating a process",
            )
            .await?;
        Ok(())
    }

    /// The stored record when its hash matches, a conflict otherwise (REG-9, REG-10).
    fn stored_or_conflict(
        existing: ProcessRecord,
        prepared_hash: &str,
    ) -> StoreResult<ProcessRecord> {
        if *existing.registration_hash == *prepared_hash {
            return Ok(existing);
        }
        Err(RegistryError::registration_conflict(
            &existing.id,
            &existing.registration_hash,
            prepared_hash,
        )
        .into())
    }

    /// REG-8..REG-10: insert unless present; racing registrations of one id
    /// serialise on its primary key (`ON CONFLICT DO NOTHING` waits for the
    /// other inserter, then the stored row is compared).
    pub(crate) async fn register(
        &self,
        prepared: PreparedRegistration,
    ) -> StoreResult<ProcessRecord> {
        let process_id = prepared.registration.id.clone();
        let hash = prepared.registration_hash.clone();
        if let Some(existing) = self.record(&process_id).await? {
            return Self::stored_or_conflict(existing, &hash);
        }
        let record = prepared.into_record(self.now_ms());
        let text = encode("encoding a process record", &record)?;
        let inserted = self
            .conn
            .execute(
                "INSERT INTO processes (id, registration_hash, status, record_json)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (id_hash) DO NOTHING",
                &[
                    &record.id,
                    &&*record.registration_hash,
                    &record.status.label(),
                    &text,
                ],
                "inserting a process",
            )
            .await?;
        if inserted == 1 {
            return Ok(record);
        }
        // Another transaction registered the id first and has committed.
        match self.record(&process_id).await? {
            Some(existing) => Self::stored_or_conflict(existing, &hash),
            None => Err(invalid(
                "registering a process",
                format!("process `{process_id}` conflicted on insert but cannot be read"),
            )),
        }
    }

    /// XREF-1..XREF-6: last writer wins, under the row lock.
    pub(crate) async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> StoreResult<ProcessRecord> {
        let mut record = self
            .lock_record(process_id)
            .await?
            .ok_or_else(|| RegistryError::unknown_process(process_id))?;
        record.external_ref = Some(external_ref);
        record.updated_at_ms = self.now_ms();
        self.update_record(&record).await?;
        Ok(record)
    }

    /// SWEEP-1: through the partial index `processes_running`, O(running processes).
    pub(crate) async fn list_non_terminal(&self) -> StoreResult<Vec<ProcessRecord>> {
        self.conn
            .query(
                "SELECT record_json FROM processes WHERE status = 'running' ORDER BY id",
                &[],
                "listing processes",
            )
            .await?
            .iter()
            .map(record_of)
            .collect()
    }
}
