//! Session deletion: revoking a session's grants and reporting what to cancel.

use super::Store;
use crate::codec::{Db, StoreResult};
use procreg::{session_delete_report, ProcessSessionDeleteReport, RevokedProcess};
use std::collections::{BTreeMap, BTreeSet};

impl Store<'_> {
    /// SESSION-1..SESSION-8: O(grants of the session) through `grants_by_session`.
    ///
    /// The touched processes are locked `FOR SHARE` (in id order) before
    /// their status is read, so no completion can change a status between
    /// this read and the commit.
    pub(crate) async fn delete_session(
        &self,
        session_id: &str,
    ) -> StoreResult<ProcessSessionDeleteReport> {
        let deleted = self
            .conn
            .query(
                "DELETE FROM grants WHERE session_hash = key_of($1) AND session_id = $1
                 RETURNING process_id",
                &[&session_id],
                "deleting a session's grants",
            )
            .await?;
        let revoked_handle_count = deleted.len();
        let mut touched = BTreeSet::new();
        for row in &deleted {
            let process_id: String = row.try_get(0).db("reading a deleted grant")?;
            touched.insert(process_id);
        }
        let touched: Vec<String> = touched.into_iter().collect();
        let mut statuses = BTreeMap::new();
        for row in self
            .conn
            .query(
                "SELECT id, status FROM processes
                 WHERE id_hash = ANY(ARRAY(SELECT key_of(wanted) FROM unnest($1::text[]) AS wanted)) AND id = ANY($1)
                 ORDER BY id FOR SHARE",
                &[&touched],
                "reading process statuses",
            )
            .await?
        {
            let id: String = row.try_get(0).db("reading a process status")?;
            let status: String = row.try_get(1).db("reading a process status")?;
            statuses.insert(id, status);
        }
        let mut still_granted = BTreeSet::new();
        for row in self
            .conn
            .query(
                "SELECT DISTINCT process_id FROM grants
                 WHERE process_hash = ANY(ARRAY(SELECT key_of(wanted) FROM unnest($1::text[]) AS wanted)) AND process_id = ANY($1)",
                &[&touched],
                "reading remaining grants",
            )
            .await?
        {
            let id: String = row.try_get(0).db("reading remaining grants")?;
            still_granted.insert(id);
        }
        let revoked = touched.into_iter().map(|process_id| RevokedProcess {
            is_terminal: statuses.get(&process_id).map(|status| status != "running"),
            still_granted: still_granted.contains(&process_id),
            process_id,
        });
        Ok(session_delete_report(
            session_id,
            revoked_handle_count,
            revoked,
        ))
    }
}
