//! The event log: appends, replays, cursor reads, the awaited output and wake acks.

use super::Store;
use crate::codec::{
    cursor_to_sql, decode, encode, sequence_to_sql, u64_from_sql, u64_to_sql, Failure,
};
use procreg::{
    prepare_event_append, AppendDecision, ProcessAwaitOutput, ProcessEvent,
    ProcessEventAppendRequest, ProcessEventAppendResult, ProcessRecord, RegistryError,
    RegistryResult,
};
use rusqlite::{params, OptionalExtension};

impl Store<'_> {
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
}
