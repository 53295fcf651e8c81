//! Handle grants: grant, revoke, transfer and the grant listings.

use super::records::record_of;
use super::Store;
use crate::codec::{decode, encode, Db, StoreResult};
use procreg::{
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry, ProcessScope,
    RegistryError,
};
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::Row;

/// A grant from columns `session_id, descriptor_json` at `first`.
fn grant_of(row: &Row, process_id: String, first: usize) -> StoreResult<ProcessHandleGrant> {
    let session_id: String = row.try_get(first).db("reading a grant")?;
    let descriptor: String = row.try_get(first + 1).db("reading a grant")?;
    Ok(ProcessHandleGrant {
        session_id,
        process_id,
        descriptor: decode("decoding a descriptor", &descriptor)?,
    })
}

impl Store<'_> {
    async fn upsert_grant(&self, scope_id: &str, grant: &ProcessHandleGrant) -> StoreResult<()> {
        let descriptor = encode("encoding a descriptor", &grant.descriptor)?;
        self.conn
            .execute(
                "INSERT INTO grants (scope_id, process_id, session_id, descriptor_json)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (scope_hash, process_hash) DO UPDATE SET
                     session_id = excluded.session_id,
                     descriptor_json = excluded.descriptor_json",
                &[&scope_id, &grant.process_id, &grant.session_id, &descriptor],
                "writing a grant",
            )
            .await?;
        Ok(())
    }

    /// GRANT-1, GRANT-2, GRANT-10.
    pub(crate) async fn grant(
        &self,
        scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> StoreResult<ProcessHandleGrant> {
        self.require_exists(process_id).await?;
        let grant = ProcessHandleGrant {
            session_id: scope.session_id.clone(),
            process_id: process_id.to_owned(),
            descriptor,
        };
        self.upsert_grant(scope.id().as_str(), &grant).await?;
        Ok(grant)
    }

    /// GRANT-5.
    pub(crate) async fn revoke(&self, scope: &ProcessScope, process_id: &str) -> StoreResult<()> {
        self.conn
            .execute(
                "DELETE FROM grants
                 WHERE scope_hash = key_of($1) AND scope_id = $1 AND process_hash = key_of($2)",
                &[&scope.id().as_str(), &process_id],
                "deleting a grant",
            )
            .await?;
        Ok(())
    }

    /// GRANT-11..GRANT-14: the source grants are locked (`FOR UPDATE`, in
    /// process-id order so two transfers lock in the same order), validated
    /// in list order, then moved; a missing one fails the whole call.
    pub(crate) async fn transfer(
        &self,
        from: &ProcessScope,
        to: &ProcessScope,
        process_ids: &[String],
    ) -> StoreResult<()> {
        let from_id = from.id();
        let to_id = to.id();
        let wanted: Vec<&str> = process_ids
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let rows = self
            .conn
            .query(
                "SELECT process_id, session_id, descriptor_json FROM grants
                 WHERE scope_hash = key_of($1) AND scope_id = $1 AND process_id = ANY($2)
                 ORDER BY process_id FOR UPDATE",
                &[&from_id.as_str(), &wanted],
                "locking grants to transfer",
            )
            .await?;
        let mut held = BTreeMap::new();
        for row in &rows {
            let process_id: String = row.try_get(0).db("reading a grant")?;
            let grant = grant_of(row, process_id.clone(), 1)?;
            held.insert(process_id, grant);
        }
        let same_scope = from_id == to_id;
        let mut moving = Vec::new();
        let mut seen = BTreeSet::new();
        for process_id in process_ids {
            // Moving a grant twice finds it gone the second time (unless it stays put).
            let already_moved = !same_scope && seen.contains(process_id.as_str());
            let grant = if already_moved {
                None
            } else {
                held.get(process_id)
            };
            let Some(grant) = grant else {
                return Err(RegistryError::grant_missing(process_id, &from.session_id).into());
            };
            if seen.insert(process_id.as_str()) {
                moving.push(grant);
            }
        }
        for grant in moving {
            self.conn
                .execute(
                    "DELETE FROM grants
                 WHERE scope_hash = key_of($1) AND scope_id = $1 AND process_hash = key_of($2)",
                    &[&from_id.as_str(), &grant.process_id],
                    "deleting a grant",
                )
                .await?;
            let moved = ProcessHandleGrant {
                session_id: to.session_id.clone(),
                ..grant.clone()
            };
            self.upsert_grant(to_id.as_str(), &moved).await?;
        }
        Ok(())
    }

    /// GRANT-6, GRANT-7: by `grants`' primary key (scope, process).
    pub(crate) async fn list_grants(
        &self,
        scope: &ProcessScope,
        live_only: bool,
    ) -> StoreResult<Vec<ProcessHandleGrantEntry>> {
        let sql = if live_only {
            "SELECT p.record_json, g.session_id, g.descriptor_json, g.process_id
             FROM grants g JOIN processes p ON p.id_hash = g.process_hash
             WHERE g.scope_hash = key_of($1) AND g.scope_id = $1 AND p.status = 'running'
             ORDER BY g.process_id"
        } else {
            "SELECT p.record_json, g.session_id, g.descriptor_json, g.process_id
             FROM grants g JOIN processes p ON p.id_hash = g.process_hash
             WHERE g.scope_hash = key_of($1) AND g.scope_id = $1 ORDER BY g.process_id"
        };
        let rows = self
            .conn
            .query(sql, &[&scope.id().as_str()], "listing grants")
            .await?;
        rows.iter()
            .map(|row| {
                let process_id: String = row.try_get(3).db("reading a grant")?;
                Ok((grant_of(row, process_id, 1)?, record_of(row)?))
            })
            .collect()
    }

    /// GRANT-8.
    pub(crate) async fn has_grant(
        &self,
        scope: &ProcessScope,
        process_id: &str,
    ) -> StoreResult<bool> {
        let row = self
            .conn
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM grants g JOIN processes p ON p.id_hash = g.process_hash
                                WHERE g.scope_hash = key_of($1) AND g.scope_id = $1
                                  AND g.process_hash = key_of($2) AND g.process_id = $2)",
                &[&scope.id().as_str(), &process_id],
                "reading a grant",
            )
            .await?;
        row.try_get(0).db("reading a grant")
    }

    /// GRANT-9: through `grants_by_process`; one statement, no rows for an
    /// unknown process, one `NULL` row for a known one without grants.
    pub(crate) async fn grants_for_process(
        &self,
        process_id: &str,
    ) -> StoreResult<Vec<ProcessHandleGrant>> {
        let rows = self
            .conn
            .query(
                "SELECT g.session_id, g.descriptor_json FROM processes p
                 LEFT JOIN grants g ON g.process_hash = p.id_hash
                 WHERE p.id_hash = key_of($1) AND p.id = $1 ORDER BY g.session_id, g.scope_id",
                &[&process_id],
                "listing grants of a process",
            )
            .await?;
        if rows.is_empty() {
            return Err(RegistryError::unknown_process(process_id).into());
        }
        let mut grants = Vec::with_capacity(rows.len());
        for row in &rows {
            let session_id: Option<String> = row.try_get(0).db("reading a grant")?;
            let descriptor: Option<String> = row.try_get(1).db("reading a grant")?;
            if let (Some(session_id), Some(descriptor)) = (session_id, descriptor) {
                grants.push(ProcessHandleGrant {
                    session_id,
                    process_id: process_id.to_owned(),
                    descriptor: decode("decoding a descriptor", &descriptor)?,
                });
            }
        }
        Ok(grants)
    }
}
