//! The event log: appends, replays, cursor reads, the awaited output and wake acks.

use super::records::record_of;
use super::Store;
use crate::codec::Fail;
use crate::codec::{
    cursor_to_sql, decode, encode, sequence_from_sql, sequence_to_sql, u64_to_sql, Db, StoreResult,
};
use crate::listen::wake_key;
use procreg::{
    prepare_event_append, AppendDecision, PersistAppend, ProcessAwaitOutput, ProcessEvent,
    ProcessEventAppendRequest, ProcessEventAppendResult, ProcessRecord, RegistryError,
};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Statement};

/// Locks the process row (a statement of its own: see the locking rule).
const LOCK_SQL: &str =
    "SELECT record_json FROM processes WHERE id_hash = key_of($1) AND id = $1 FOR NO KEY UPDATE";

/// The last sequence and the event holding the replay key, read after the lock.
const READ_SQL: &str = "SELECT (SELECT COALESCE(MAX(sequence), 0) FROM events
                         WHERE process_hash = key_of($1)),
                        (SELECT event_json FROM events
                         WHERE process_hash = key_of($1) AND replay_key_hash = key_of($2)
                           AND replay_key = $2)";

/// Stores the event and updates the record.
const WRITE_SQL: &str = "WITH appended AS (
                     INSERT INTO events (process_id, sequence, event_type, replay_key, has_wake, event_json)
                     VALUES ($1, $2, $3, $4, $5, $6)
                 )
                 UPDATE processes SET status = $7, record_json = $8 WHERE id_hash = key_of($1) AND id = $1";

/// Tells the handles listening on the schema's channel which process was
/// appended to (its [`wake_key`], so only that process's waits look again).
/// Sent after `COMMIT`, as a transaction of its own: a `NOTIFY` inside the
/// append's transaction would hold PostgreSQL's database-wide notify lock
/// through the commit's WAL flush, serialising every append's commit, where
/// they otherwise share flushes.
const NOTIFY_SQL: &str = "SELECT pg_notify($1, $2)";

/// Where a failed append left its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AppendStage {
    /// `BEGIN` failed: nothing ran, another connection may be tried.
    NotBegun,
    /// The transaction ended (committed nothing, or rolled back): the
    /// connection is clean.
    Ended,
    /// Ending the transaction failed: the connection must be dropped.
    Unknown,
}

/// An append that failed, and where it left its connection.
#[derive(Debug)]
pub(crate) struct AppendFailure {
    pub(crate) fail: Fail,
    pub(crate) stage: AppendStage,
}

impl AppendFailure {
    /// A failure that left the connection at `stage`.
    fn at(stage: AppendStage) -> impl Fn(Fail) -> Self {
        move |fail| Self { fail, stage }
    }
}

impl Store<'_> {
    /// EVENT, REPLAY, WAKE, TERM: `prepare_event_append` decides, this
    /// stores, in a transaction of its own and in two round trips: `BEGIN`,
    /// the row lock and the read are pipelined, then the write, `COMMIT` and
    /// the notification (or `COMMIT` alone for a replay, `ROLLBACK` alone
    /// for a refusal).
    /// Returns the result and the record as it is after the call.
    ///
    /// The sequence is `max + 1` read under the process row lock, inside
    /// this transaction: no sequence object, so no value can be taken by a
    /// transaction that later rolls back, and no reader can see `n + 1`
    /// committed before `n` (EVENT-9). The server runs pipelined statements
    /// one after another, so the read still starts after the lock is granted.
    pub(crate) async fn append(
        &self,
        process_id: &str,
        request: &ProcessEventAppendRequest,
    ) -> Result<(ProcessEventAppendResult, ProcessRecord), AppendFailure> {
        let conn = self.conn;
        let not_begun = AppendFailure::at(AppendStage::NotBegun);
        // Prepared before anything is sent (cached after a connection's first
        // append), so the pipelined requests reach the server in order.
        let lock = conn.statement(LOCK_SQL).await.map_err(&not_begun)?;
        let read = conn.statement(READ_SQL).await.map_err(&not_begun)?;
        let write = conn.statement(WRITE_SQL).await.map_err(&not_begun)?;
        let notify = conn.statement(NOTIFY_SQL).await.map_err(&not_begun)?;
        let lock_params: [&(dyn ToSql + Sync); 1] = [&process_id];
        let read_params: [&(dyn ToSql + Sync); 2] = [&process_id, &request.replay_key];
        // `biased`: polled in this order, so sent in this order.
        let (begun, locked, last) = tokio::join!(
            biased;
            conn.batch(
                "BEGIN ISOLATION LEVEL READ COMMITTED",
                "starting a transaction"
            ),
            conn.query_opt_prepared(&lock, &lock_params, "locking a process"),
            conn.query_one_prepared(
                &read,
                &read_params,
                "reading the last sequence and the replay key",
            ),
        );
        begun.map_err(&not_begun)?;
        let decided = async {
            let mut record = locked?
                .as_ref()
                .map(record_of)
                .transpose()?
                .ok_or_else(|| RegistryError::unknown_process(process_id))?;
            let now_ms = self.now_ms();
            let decision = self.decide(&record, request, &last?, now_ms)?;
            if let AppendDecision::Persist(persist) = &decision {
                persist.apply_to(&mut record);
            }
            Ok((decision, record))
        }
        .await;
        let (decision, record) = match decided {
            Ok(decided) => decided,
            Err(fail) => return Err(self.roll_back(fail).await),
        };
        let persist = match decision {
            AppendDecision::Replay(result) => {
                let ended = AppendFailure::at(AppendStage::Unknown);
                conn.batch("COMMIT", "committing").await.map_err(ended)?;
                return Ok((result, record));
            }
            AppendDecision::Persist(persist) => persist,
        };
        let written = self.write(&write, process_id, &persist, &record);
        let key = wake_key(process_id);
        let notified: [&(dyn ToSql + Sync); 2] = [&self.changes_channel, &key];
        let (written, committed, _notified) = tokio::join!(
            biased;
            written,
            conn.batch("COMMIT", "committing"),
            // Autocommitted after the COMMIT; if it fails, waiters see the
            // append at their next poll, and the connection is outside any
            // transaction either way.
            conn.query_one_prepared(&notify, &notified, "notifying the waiters"),
        );
        match (written, committed) {
            (Ok(_), Ok(())) => Ok((persist.result(), record)),
            // A failed write aborts the transaction, and the pipelined COMMIT
            // then ends it as a rollback: the connection is clean.
            (Err(fail), Ok(())) => Err(AppendFailure::at(AppendStage::Ended)(fail)),
            // Whether the COMMIT took effect is unknown.
            (Err(fail), Err(_)) | (Ok(_), Err(fail)) => {
                Err(AppendFailure::at(AppendStage::Unknown)(fail))
            }
        }
    }

    /// The contract's decision on `record`, given the row of [`READ_SQL`].
    fn decide(
        &self,
        record: &ProcessRecord,
        request: &ProcessEventAppendRequest,
        read: &Row,
        now_ms: u64,
    ) -> StoreResult<AppendDecision> {
        let last: i64 = read.try_get(0).db("reading the last sequence")?;
        let replay_text: Option<String> = read.try_get(1).db("looking up a replay key")?;
        let replay_match: Option<ProcessEvent> = replay_text
            .map(|text| decode("decoding an event", &text))
            .transpose()?;
        let next_sequence = sequence_from_sql(last).checked_add(1).ok_or_else(|| {
            RegistryError::backend(format!("process `{}` log is full", record.id))
        })?;
        Ok(prepare_event_append(
            record,
            request,
            replay_match.as_ref(),
            next_sequence,
            now_ms,
        )?)
    }

    /// Sends [`WRITE_SQL`] for `persist` (the statement is already prepared).
    async fn write(
        &self,
        write: &Statement,
        process_id: &str,
        persist: &PersistAppend,
        record: &ProcessRecord,
    ) -> StoreResult<u64> {
        let event = &persist.event;
        let event_text = encode("encoding an event", event)?;
        let record_text = encode("encoding a process record", record)?;
        let sequence = sequence_to_sql(event.sequence)?;
        self.conn
            .execute_prepared(
                write,
                &[
                    &process_id,
                    &sequence,
                    &event.event_type,
                    &event.replay_key,
                    &event.semantics.wake.is_some(),
                    &event_text,
                    &record.status.label(),
                    &record_text,
                ],
                "inserting an event",
            )
            .await
    }

    /// Ends the open transaction after `fail`: the connection is clean when
    /// the rollback succeeds, and must be dropped when it does not.
    async fn roll_back(&self, fail: Fail) -> AppendFailure {
        let stage = match self.conn.batch("ROLLBACK", "rolling back").await {
            Ok(()) => AppendStage::Ended,
            Err(_) => AppendStage::Unknown,
        };
        AppendFailure { fail, stage }
    }

    /// Rows of `(process exists, event_json)`: none for an unknown process,
    /// one `(id, NULL)` row for a known process without matching events.
    /// One statement, so one snapshot: existence and events agree.
    fn events_from(rows: &[Row], process_id: &str) -> StoreResult<Vec<ProcessEvent>> {
        if rows.is_empty() {
            return Err(RegistryError::unknown_process(process_id).into());
        }
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            let text: Option<String> = row.try_get(0).db("reading an event")?;
            if let Some(text) = text {
                events.push(decode("decoding an event", &text)?);
            }
        }
        Ok(events)
    }

    /// EVENT-7.
    pub(crate) async fn events_after(
        &self,
        process_id: &str,
        after: u64,
    ) -> StoreResult<Vec<ProcessEvent>> {
        let rows = self
            .conn
            .query(
                "SELECT e.event_json FROM processes p
                 LEFT JOIN events e ON e.process_hash = p.id_hash AND e.sequence > $2
                 WHERE p.id_hash = key_of($1) AND p.id = $1 ORDER BY e.sequence",
                &[&process_id, &cursor_to_sql(after)],
                "reading events",
            )
            .await?;
        Self::events_from(&rows, process_id)
    }

    /// WAKE-9, WAKE-10: through the partial index `events_wakes`.
    pub(crate) async fn wake_events_after(
        &self,
        process_id: &str,
        after: u64,
    ) -> StoreResult<Vec<ProcessEvent>> {
        let rows = self
            .conn
            .query(
                "SELECT e.event_json FROM processes p
                 LEFT JOIN events e ON e.process_hash = p.id_hash AND e.has_wake AND e.sequence > $2
                   AND NOT EXISTS (SELECT 1 FROM wake_acks a
                                   WHERE a.process_hash = e.process_hash
                                     AND a.sequence = e.sequence)
                 WHERE p.id_hash = key_of($1) AND p.id = $1 ORDER BY e.sequence",
                &[&process_id, &cursor_to_sql(after)],
                "reading wake events",
            )
            .await?;
        Self::events_from(&rows, process_id)
    }

    /// WAIT-1: the first event of `event_type` after the cursor, through `events_by_type`.
    pub(crate) async fn first_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after: u64,
    ) -> StoreResult<Option<ProcessEvent>> {
        let row = self
            .conn
            .query_opt(
                "SELECT (SELECT event_json FROM events
                         WHERE process_hash = p.id_hash AND event_type_hash = key_of($2)
                           AND event_type = $2 AND sequence > $3
                         ORDER BY sequence LIMIT 1)
                 FROM processes p WHERE p.id_hash = key_of($1) AND p.id = $1",
                &[&process_id, &event_type, &cursor_to_sql(after)],
                "reading events",
            )
            .await?
            .ok_or_else(|| RegistryError::unknown_process(process_id))?;
        let text: Option<String> = row.try_get(0).db("reading an event")?;
        text.map(|text| decode("decoding an event", &text))
            .transpose()
    }

    /// WAIT-5: the await output once terminal.
    pub(crate) async fn await_output(
        &self,
        process_id: &str,
    ) -> StoreResult<Option<ProcessAwaitOutput>> {
        let record = self
            .record(process_id)
            .await?
            .ok_or_else(|| RegistryError::unknown_process(process_id))?;
        Ok(record.status.await_output().cloned())
    }

    /// WAKE-10: idempotent; needs no lock (the ack set only grows).
    pub(crate) async fn ack_wake(&self, process_id: &str, sequence: u64) -> StoreResult<()> {
        self.require_exists(process_id).await?;
        self.conn
            .execute(
                "INSERT INTO wake_acks (process_id, sequence) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&process_id, &u64_to_sql(sequence)],
                "writing a wake ack",
            )
            .await?;
        Ok(())
    }
}
