//! Process records: registration, the external ref and the non-terminal sweep.

use super::Store;
use crate::codec::{decode, encode, Failure};
use procreg::{
    PreparedRegistration, ProcessExternalRef, ProcessRecord, ProcessStatus, RegistryError,
    RegistryResult,
};
use rusqlite::{params, OptionalExtension};

/// The `status` column: the state name of the record's status.
fn status_column(status: &ProcessStatus) -> &'static str {
    match status {
        ProcessStatus::Running => "running",
        ProcessStatus::Completed { .. } => "completed",
        ProcessStatus::Failed { .. } => "failed",
        ProcessStatus::Cancelled { .. } => "cancelled",
    }
}

impl Store<'_> {
    pub(crate) fn record(&self, process_id: &str) -> RegistryResult<Option<ProcessRecord>> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT record_json FROM processes WHERE id = ?1")
            .and_then(|mut stmt| stmt.query_row([process_id], |row| row.get(0)).optional())
            .fail(self.label, "reading a process")?;
        text.map(|text| decode(self.label, "decoding a process record", &text))
            .transpose()
    }

    pub(crate) fn require_record(&self, process_id: &str) -> RegistryResult<ProcessRecord> {
        self.record(process_id)?
            .ok_or_else(|| RegistryError::unknown_process(process_id))
    }

    pub(super) fn exists(&self, process_id: &str) -> RegistryResult<bool> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM processes WHERE id = ?1)")
            .and_then(|mut stmt| stmt.query_row([process_id], |row| row.get(0)))
            .fail(self.label, "looking up a process")
    }

    pub(super) fn require_exists(&self, process_id: &str) -> RegistryResult<()> {
        if self.exists(process_id)? {
            Ok(())
        } else {
            Err(RegistryError::unknown_process(process_id))
        }
    }

    pub(super) fn update_record(&self, record: &ProcessRecord) -> RegistryResult<()> {
        let text = encode(self.label, "encoding a process record", record)?;
        self.conn
            .prepare_cached("UPDATE processes SET status = ?2, record_json = ?3 WHERE id = ?1")
            .and_then(|mut stmt| {
                stmt.execute(params![record.id, status_column(&record.status), text])
            })
            .fail(self.label, "updating a process")?;
        Ok(())
    }

    fn records_of(&self, sql: &str) -> RegistryResult<Vec<ProcessRecord>> {
        let texts: Vec<String> = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_map([], |row| row.get(0))?.collect())
            .fail(self.label, "listing processes")?;
        texts
            .iter()
            .map(|text| decode(self.label, "decoding a process record", text))
            .collect()
    }

    /// REG-8..REG-10: the stored record when the hash matches, a conflict otherwise.
    pub(crate) fn register(
        &self,
        prepared: PreparedRegistration,
        now_ms: u64,
    ) -> RegistryResult<ProcessRecord> {
        let process_id = prepared.registration.id.clone();
        if let Some(existing) = self.record(&process_id)? {
            if *existing.registration_hash == *prepared.registration_hash {
                return Ok(existing);
            }
            return Err(RegistryError::registration_conflict(
                &process_id,
                &existing.registration_hash,
                &prepared.registration_hash,
            ));
        }
        let record = prepared.into_record(now_ms);
        let text = encode(self.label, "encoding a process record", &record)?;
        self.conn
            .prepare_cached(
                "INSERT INTO processes (id, registration_hash, status, record_json)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    record.id,
                    record.registration_hash,
                    status_column(&record.status),
                    text
                ])
            })
            .fail(self.label, "inserting a process")?;
        Ok(record)
    }

    /// XREF-1..XREF-6.
    pub(crate) fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
        now_ms: u64,
    ) -> RegistryResult<ProcessRecord> {
        let mut record = self.require_record(process_id)?;
        record.external_ref = Some(external_ref);
        record.updated_at_ms = now_ms;
        self.update_record(&record)?;
        Ok(record)
    }

    /// SWEEP-1: through `processes_by_status`, O(running processes).
    pub(crate) fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        self.records_of("SELECT record_json FROM processes WHERE status = 'running' ORDER BY id")
    }
}
