//! Handle grants: grant, revoke, transfer and the grant listings.

use super::Store;
use crate::codec::{decode, encode, Failure};
use procreg::{
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry, ProcessScope,
    RegistryError, RegistryResult,
};
use rusqlite::{params, OptionalExtension};
use std::collections::BTreeSet;

impl Store<'_> {
    fn upsert_grant(&self, scope: &ProcessScope, grant: &ProcessHandleGrant) -> RegistryResult<()> {
        let descriptor = encode(self.label, "encoding a descriptor", &grant.descriptor)?;
        self.conn
            .prepare_cached(
                "INSERT INTO grants (scope_id, process_id, session_id, descriptor_json)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (scope_id, process_id) DO UPDATE SET
                     session_id = excluded.session_id,
                     descriptor_json = excluded.descriptor_json",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    scope.id().as_str(),
                    grant.process_id,
                    grant.session_id,
                    descriptor
                ])
            })
            .fail(self.label, "writing a grant")?;
        Ok(())
    }

    fn grant_of(
        &self,
        scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<Option<ProcessHandleGrant>> {
        let row: Option<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT session_id, descriptor_json FROM grants
                 WHERE scope_id = ?1 AND process_id = ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![scope.id().as_str(), process_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
            })
            .fail(self.label, "reading a grant")?;
        row.map(|(session_id, descriptor)| {
            Ok(ProcessHandleGrant {
                session_id,
                process_id: process_id.to_owned(),
                descriptor: decode(self.label, "decoding a descriptor", &descriptor)?,
            })
        })
        .transpose()
    }

    fn delete_grant(&self, scope: &ProcessScope, process_id: &str) -> RegistryResult<usize> {
        self.conn
            .prepare_cached("DELETE FROM grants WHERE scope_id = ?1 AND process_id = ?2")
            .and_then(|mut stmt| stmt.execute(params![scope.id().as_str(), process_id]))
            .fail(self.label, "deleting a grant")
    }

    /// GRANT-1, GRANT-2, GRANT-10.
    pub(crate) fn grant(
        &self,
        scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.require_exists(process_id)?;
        let grant = ProcessHandleGrant {
            session_id: scope.session_id.clone(),
            process_id: process_id.to_owned(),
            descriptor,
        };
        self.upsert_grant(scope, &grant)?;
        Ok(grant)
    }

    /// GRANT-5.
    pub(crate) fn revoke(&self, scope: &ProcessScope, process_id: &str) -> RegistryResult<()> {
        self.delete_grant(scope, process_id).map(drop)
    }

    /// GRANT-11..GRANT-14: validated in list order first, then moved.
    pub(crate) fn transfer(
        &self,
        from: &ProcessScope,
        to: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        let same_scope = from.id() == to.id();
        let mut moving = Vec::new();
        let mut seen = BTreeSet::new();
        for process_id in process_ids {
            let already_moved = !same_scope && seen.contains(process_id.as_str());
            let grant = if already_moved {
                None
            } else {
                self.grant_of(from, process_id)?
            };
            let Some(grant) = grant else {
                return Err(RegistryError::grant_missing(process_id, &from.session_id));
            };
            if seen.insert(process_id.as_str()) {
                moving.push(grant);
            }
        }
        for grant in moving {
            self.delete_grant(from, &grant.process_id)?;
            let moved = ProcessHandleGrant {
                session_id: to.session_id.clone(),
                ..grant
            };
            self.upsert_grant(to, &moved)?;
        }
        Ok(())
    }

    /// GRANT-6, GRANT-7: by `grants`' primary key (scope, process).
    pub(crate) fn list_grants(
        &self,
        scope: &ProcessScope,
        live_only: bool,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let sql = if live_only {
            "SELECT g.session_id, g.process_id, g.descriptor_json, p.record_json
             FROM grants g JOIN processes p ON p.id = g.process_id
             WHERE g.scope_id = ?1 AND p.status = 'running' ORDER BY g.process_id"
        } else {
            "SELECT g.session_id, g.process_id, g.descriptor_json, p.record_json
             FROM grants g JOIN processes p ON p.id = g.process_id
             WHERE g.scope_id = ?1 ORDER BY g.process_id"
        };
        let rows: Vec<(String, String, String, String)> = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut stmt| {
                stmt.query_map([scope.id().as_str()], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })?
                .collect()
            })
            .fail(self.label, "listing grants")?;
        rows.into_iter()
            .map(|(session_id, process_id, descriptor, record)| {
                let grant = ProcessHandleGrant {
                    session_id,
                    process_id,
                    descriptor: decode(self.label, "decoding a descriptor", &descriptor)?,
                };
                Ok((
                    grant,
                    decode(self.label, "decoding a process record", &record)?,
                ))
            })
            .collect()
    }

    /// GRANT-8.
    pub(crate) fn has_grant(&self, scope: &ProcessScope, process_id: &str) -> RegistryResult<bool> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM grants g JOIN processes p ON p.id = g.process_id
                                WHERE g.scope_id = ?1 AND g.process_id = ?2)",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![scope.id().as_str(), process_id], |row| row.get(0))
            })
            .fail(self.label, "reading a grant")
    }

    /// GRANT-9: through `grants_by_process`.
    pub(crate) fn grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        self.require_exists(process_id)?;
        let rows: Vec<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT session_id, descriptor_json FROM grants
                 WHERE process_id = ?1 ORDER BY session_id, scope_id",
            )
            .and_then(|mut stmt| {
                stmt.query_map([process_id], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .fail(self.label, "listing grants of a process")?;
        rows.into_iter()
            .map(|(session_id, descriptor)| {
                Ok(ProcessHandleGrant {
                    session_id,
                    process_id: process_id.to_owned(),
                    descriptor: decode(self.label, "decoding a descriptor", &descriptor)?,
                })
            })
            .collect()
    }
}
