//! Every operation as synchronous SQL inside one open transaction.
//!
//! The caller (`SqliteRegistry::run`) opens the transaction, calls one of
//! these, and commits only when it returns `Ok`; an `Err` drops the
//! transaction, which rolls it back, so a failed call leaves no trace (ERR-3).
//! Every decision is the contract's: `prepare_registration`,
//! `prepare_event_append` + `PersistAppend::apply_to`, `check_claimable` +
//! `LeaseSlot`, `session_delete_report`. This module only reads and writes rows.

mod events;
mod grants;
mod leases;
mod records;
mod session;

use rusqlite::Connection;

/// One open transaction and the quoted path its errors name.
pub(crate) struct Store<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) label: &'a str,
}
