//! Session deletion: revoking a session's grants and reporting what to cancel.

use super::Store;
use crate::codec::Failure;
use procreg::{session_delete_report, ProcessSessionDeleteReport, RegistryResult, RevokedProcess};
use rusqlite::OptionalExtension;
use std::collections::BTreeSet;

impl Store<'_> {
    /// SESSION-1..SESSION-8: O(grants of the session) through `grants_by_session`.
    pub(crate) fn delete_session(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        let process_ids: Vec<String> = self
            .conn
            .prepare_cached("SELECT process_id FROM grants WHERE session_id = ?1")
            .and_then(|mut stmt| stmt.query_map([session_id], |row| row.get(0))?.collect())
            .fail(self.label, "listing a session's grants")?;
        let revoked_handle_count = self
            .conn
            .prepare_cached("DELETE FROM grants WHERE session_id = ?1")
            .and_then(|mut stmt| stmt.execute([session_id]))
            .fail(self.label, "deleting a session's grants")?;
        let touched: BTreeSet<String> = process_ids.into_iter().collect();
        let mut revoked = Vec::with_capacity(touched.len());
        for process_id in touched {
            let status: Option<String> = self
                .conn
                .prepare_cached("SELECT status FROM processes WHERE id = ?1")
                .and_then(|mut stmt| stmt.query_row([&process_id], |row| row.get(0)).optional())
                .fail(self.label, "reading a process status")?;
            let still_granted: bool = self
                .conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM grants WHERE process_id = ?1)")
                .and_then(|mut stmt| stmt.query_row([&process_id], |row| row.get(0)))
                .fail(self.label, "reading remaining grants")?;
            revoked.push(RevokedProcess {
                is_terminal: status.map(|status| status != "running"),
                still_granted,
                process_id,
            });
        }
        Ok(session_delete_report(
            session_id,
            revoked_handle_count,
            revoked,
        ))
    }
}
