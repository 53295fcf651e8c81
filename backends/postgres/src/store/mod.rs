//! Every operation as SQL inside one open transaction.
//!
//! The caller (`PgRegistry`'s `transaction!`) opens the transaction, calls one
//! of these, and commits only when it returns `Ok`; an `Err` rolls back, so a
//! failed call leaves no trace (ERR-3). The one exception is `append`, which
//! opens and ends its own transaction to pipeline it (two round trips), with
//! the same rule: it commits only what it decided to write. Every decision is the contract's:
//! `prepare_registration`, `prepare_event_append` + `PersistAppend::apply_to`,
//! `check_claimable` + `LeaseSlot`, `session_delete_report`. This module only
//! reads and writes rows.
//!
//! # Locking rule
//!
//! Write transactions run at READ COMMITTED. Every write to a process's
//! record, event log or lease first locks its `processes` row with
//! `SELECT ... FOR NO KEY UPDATE` *in a statement of its own*, and only then
//! reads what it decides on: at READ COMMITTED each later statement sees
//! everything committed before the lock was granted, so the decision is made
//! on the latest state and no other writer of that process can interleave
//! (LEASE-20, EVENT-9). Reading other rows in the locking statement itself
//! would be wrong: PostgreSQL re-checks only the locked row after a lock
//! wait, and joined rows would keep the stale snapshot. `NO KEY UPDATE`
//! still lets other transactions insert grants or acks that reference the
//! row. The clock is read after the lock, so `now` is the time of the write.

mod events;

pub(crate) use events::{AppendFailure, AppendStage};
mod grants;
mod leases;
mod records;
mod session;

use crate::pool::Conn;
use procreg::Clock;

/// One open transaction's connection and the registry's clock.
pub(crate) struct Store<'a> {
    pub(crate) conn: &'a Conn,
    pub(crate) clock: &'a dyn Clock,
    /// The `NOTIFY` channel of appends: the schema's name (see `PgRegistry`'s waits).
    pub(crate) changes_channel: &'a str,
}

impl Store<'_> {
    /// The injected clock's reading; the only source of time (no SQL `now()`).
    pub(crate) fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }
}
