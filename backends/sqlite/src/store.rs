//! Every operation as synchronous SQL inside one open transaction.
//!
//! The caller (`SqliteRegistry::run`) opens the transaction, calls one of
//! these, and commits only when it returns `Ok`; an `Err` drops the
//! transaction, which rolls it back, so a failed call leaves no trace (ERR-3).
//! Every decision is the contract's: `prepare_registration`,
//! `prepare_event_append` + `PersistAppend::apply_to`, `check_claimable` +
//! `LeaseSlot`, `session_delete_report`. This module only reads and writes rows.

use crate::codec::{
    cursor_to_sql, decode, encode, sequence_to_sql, u64_from_sql, u64_to_sql, Failure,
};
use procreg::{
    check_claimable, lease_token_for, prepare_event_append, session_delete_report, AppendDecision,
    LeaseHolder, LeaseSlot, PreparedRegistration, ProcessAwaitOutput, ProcessEvent,
    ProcessEventAppendRequest, ProcessEventAppendResult, ProcessExternalRef,
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry, ProcessLease,
    ProcessLeaseCompletion, ProcessRecord, ProcessScope, ProcessSessionDeleteReport, ProcessStatus,
    RegistryError, RegistryResult, RevokedProcess,
};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeSet;

/// One open transaction and the quoted path its errors name.
pub(crate) struct Store<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) label: &'a str,
}

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
    // ---- records -------------------------------------------------------

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

    fn exists(&self, process_id: &str) -> RegistryResult<bool> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM processes WHERE id = ?1)")
            .and_then(|mut stmt| stmt.query_row([process_id], |row| row.get(0)))
            .fail(self.label, "looking up a process")
    }

    fn require_exists(&self, process_id: &str) -> RegistryResult<()> {
        if self.exists(process_id)? {
            Ok(())
        } else {
            Err(RegistryError::unknown_process(process_id))
        }
    }

    fn update_record(&self, record: &ProcessRecord) -> RegistryResult<()> {
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
            if existing.registration_hash == prepared.registration_hash {
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

    // ---- grants --------------------------------------------------------

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

    // ---- events --------------------------------------------------------

    fn events_of(
        &self,
        sql: &str,
        process_id: &str,
        cursor: i64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let texts: Vec<String> = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut stmt| {
                stmt.query_map(params![process_id, cursor], |row| row.get(0))?
                    .collect()
            })
            .fail(self.label, "reading events")?;
        texts
            .iter()
            .map(|text| decode(self.label, "decoding an event", text))
            .collect()
    }

    fn last_sequence(&self, process_id: &str) -> RegistryResult<u64> {
        let last: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT sequence FROM events WHERE process_id = ?1 ORDER BY sequence DESC LIMIT 1",
            )
            .and_then(|mut stmt| stmt.query_row([process_id], |row| row.get(0)).optional())
            .fail(self.label, "reading the last sequence")?;
        Ok(last.map_or(0, u64_from_sql))
    }

    fn replay_match(&self, process_id: &str, key: &str) -> RegistryResult<Option<ProcessEvent>> {
        let text: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT event_json FROM events WHERE process_id = ?1 AND replay_key = ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row([process_id, key], |row| row.get(0))
                    .optional()
            })
            .fail(self.label, "looking up a replay key")?;
        text.map(|text| decode(self.label, "decoding an event", &text))
            .transpose()
    }

    /// EVENT, REPLAY, WAKE, TERM: `prepare_event_append` decides, this stores.
    /// Returns the result and the record as it is after the call.
    pub(crate) fn append(
        &self,
        process_id: &str,
        request: &ProcessEventAppendRequest,
        now_ms: u64,
    ) -> RegistryResult<(ProcessEventAppendResult, ProcessRecord)> {
        let mut record = self.require_record(process_id)?;
        let replay_match = match &request.replay_key {
            Some(key) => self.replay_match(process_id, key)?,
            None => None,
        };
        let next_sequence = self
            .last_sequence(process_id)?
            .checked_add(1)
            .ok_or_else(|| RegistryError::backend(format!("process `{process_id}` log is full")))?;
        let persist = match prepare_event_append(
            &record,
            request,
            replay_match.as_ref(),
            next_sequence,
            now_ms,
        )? {
            AppendDecision::Replay(result) => return Ok((result, record)),
            AppendDecision::Persist(persist) => persist,
        };
        persist.apply_to(&mut record);
        let event = &persist.event;
        let text = encode(self.label, "encoding an event", event)?;
        let sequence = sequence_to_sql(self.label, event.sequence)?;
        self.conn
            .prepare_cached(
                "INSERT INTO events (process_id, sequence, event_type, replay_key, has_wake, event_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    process_id,
                    sequence,
                    event.event_type,
                    event.replay_key,
                    event.semantics.wake.is_some(),
                    text
                ])
            })
            .fail(self.label, "inserting an event")?;
        self.update_record(&record)?;
        Ok((persist.result(), record))
    }

    /// EVENT-7.
    pub(crate) fn events_after(
        &self,
        process_id: &str,
        after: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        self.require_exists(process_id)?;
        self.events_of(
            "SELECT event_json FROM events WHERE process_id = ?1 AND sequence > ?2 ORDER BY sequence",
            process_id,
            cursor_to_sql(after),
        )
    }

    /// WAKE-9, WAKE-10: through the partial index `events_wakes`.
    pub(crate) fn wake_events_after(
        &self,
        process_id: &str,
        after: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        self.require_exists(process_id)?;
        self.events_of(
            "SELECT e.event_json FROM events e
             WHERE e.process_id = ?1 AND e.has_wake = 1 AND e.sequence > ?2
               AND NOT EXISTS (SELECT 1 FROM wake_acks a
                               WHERE a.process_id = e.process_id AND a.sequence = e.sequence)
             ORDER BY e.sequence",
            process_id,
            cursor_to_sql(after),
        )
    }

    /// WAIT-1: the first event of `event_type` after the cursor, through `events_by_type`.
    pub(crate) fn first_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after: u64,
    ) -> RegistryResult<Option<ProcessEvent>> {
        self.require_exists(process_id)?;
        let text: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT event_json FROM events
                 WHERE process_id = ?1 AND event_type = ?2 AND sequence > ?3
                 ORDER BY sequence LIMIT 1",
            )
            .and_then(|mut stmt| {
                stmt.query_row(
                    params![process_id, event_type, cursor_to_sql(after)],
                    |row| row.get(0),
                )
                .optional()
            })
            .fail(self.label, "reading events")?;
        text.map(|text| decode(self.label, "decoding an event", &text))
            .transpose()
    }

    /// WAIT-5: the await output once terminal.
    pub(crate) fn await_output(
        &self,
        process_id: &str,
    ) -> RegistryResult<Option<ProcessAwaitOutput>> {
        Ok(self
            .require_record(process_id)?
            .status
            .await_output()
            .cloned())
    }

    /// WAKE-10.
    pub(crate) fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        self.require_exists(process_id)?;
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO wake_acks (process_id, sequence) VALUES (?1, ?2)",
            )
            .and_then(|mut stmt| stmt.execute(params![process_id, u64_to_sql(sequence)]))
            .fail(self.label, "writing a wake ack")?;
        Ok(())
    }

    // ---- leases --------------------------------------------------------

    fn lease_slot(&self, process_id: &str) -> RegistryResult<LeaseSlot> {
        type Row = (
            i64,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
        );
        let row: Option<Row> = self
            .conn
            .prepare_cached(
                "SELECT fencing_token, owner_id, lease_token, claimed_at_ms, expires_at_ms
                 FROM leases WHERE process_id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([process_id], |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                })
                .optional()
            })
            .fail(self.label, "reading a lease")?;
        let Some((fencing_token, owner_id, lease_token, claimed_at, expires_at)) = row else {
            return Ok(LeaseSlot::default());
        };
        let holder = match (owner_id, lease_token) {
            (Some(owner_id), Some(lease_token)) => Some(LeaseHolder {
                owner_id,
                lease_token,
                claimed_at_epoch_ms: claimed_at.map_or(0, u64_from_sql),
                expires_at_epoch_ms: expires_at.map_or(0, u64_from_sql),
            }),
            _ => None,
        };
        Ok(LeaseSlot {
            holder,
            fencing_token: u64_from_sql(fencing_token),
        })
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
