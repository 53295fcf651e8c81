//! The schema, its version table and the forward migrations run on open.
//!
//! `schema_version` holds one row (`id = 1`) with the version the file is at.
//! Opening a file runs every migration newer than that version, in order, in
//! one `BEGIN IMMEDIATE` transaction; a file whose version is newer than
//! [`SCHEMA_VERSION`] is refused before anything is written to it.

use crate::codec::Failure;
use procreg::{RegistryError, RegistryResult};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// The newest schema version this crate knows and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// One forward step: the SQL that takes a file from `version - 1` to `version`.
struct Migration {
    version: i64,
    sql: &'static str,
}

/// Every migration, oldest first. A v2 appends `Migration { version: 2, sql: V2 }`
/// (an `ALTER TABLE` or a new table) and bumps [`SCHEMA_VERSION`].
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    sql: V1,
}];

/// Version 1: records and events as JSON text plus the indexed columns every
/// query filters or orders on.
const V1: &str = "
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('lease_nonce', 0);

CREATE TABLE processes (
    id TEXT NOT NULL UNIQUE,
    registration_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    record_json TEXT NOT NULL
);
CREATE INDEX processes_by_status ON processes (status, id);

CREATE TABLE events (
    process_id TEXT NOT NULL REFERENCES processes (id),
    sequence INTEGER NOT NULL CHECK (sequence > 0),
    event_type TEXT NOT NULL,
    replay_key TEXT,
    has_wake INTEGER NOT NULL CHECK (has_wake IN (0, 1)),
    event_json TEXT NOT NULL,
    UNIQUE (process_id, sequence)
);
CREATE UNIQUE INDEX events_by_replay_key ON events (process_id, replay_key)
    WHERE replay_key IS NOT NULL;
CREATE INDEX events_by_type ON events (process_id, event_type, sequence);
CREATE INDEX events_wakes ON events (process_id, sequence) WHERE has_wake = 1;

CREATE TABLE wake_acks (
    process_id TEXT NOT NULL REFERENCES processes (id),
    sequence INTEGER NOT NULL,
    PRIMARY KEY (process_id, sequence)
) WITHOUT ROWID;

CREATE TABLE grants (
    scope_id TEXT NOT NULL,
    process_id TEXT NOT NULL REFERENCES processes (id),
    session_id TEXT NOT NULL,
    descriptor_json TEXT NOT NULL,
    PRIMARY KEY (scope_id, process_id)
) WITHOUT ROWID;
CREATE INDEX grants_by_process ON grants (process_id, session_id, scope_id);
CREATE INDEX grants_by_session ON grants (session_id, scope_id, process_id);

CREATE TABLE leases (
    process_id TEXT PRIMARY KEY REFERENCES processes (id),
    fencing_token INTEGER NOT NULL,
    owner_id TEXT,
    lease_token TEXT,
    claimed_at_ms INTEGER,
    expires_at_ms INTEGER,
    CHECK ((owner_id IS NULL) = (lease_token IS NULL))
) WITHOUT ROWID;
";

/// Reads the file's schema version; 0 for a file without the version table.
fn read_version(conn: &Connection, label: &str) -> RegistryResult<i64> {
    let has_table: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version')",
            [],
            |row| row.get(0),
        )
        .fail(label, "reading the schema")?;
    if !has_table {
        return Ok(0);
    }
    let version: Option<i64> = conn
        .query_row(
            "SELECT version FROM schema_version WHERE id = 1",
            [],
            |row| row.get(0),
        )
        .optional()
        .fail(label, "reading the schema version")?;
    Ok(version.unwrap_or(0))
}

fn refuse_newer(found: i64, label: &str) -> RegistryResult<()> {
    if found > SCHEMA_VERSION {
        return Err(RegistryError::backend(format!(
            "sqlite database {label}: schema version {found} is newer than version \
             {SCHEMA_VERSION}, the newest this procreg-sqlite knows; open it with a newer \
             procreg-sqlite"
        )));
    }
    Ok(())
}

/// Brings the file up to [`SCHEMA_VERSION`], or refuses a newer file.
///
/// The version is first read without a write lock, so opening an up-to-date
/// file never waits for another handle's write; only a migration takes
/// `BEGIN IMMEDIATE`, and it re-reads the version under that lock so two
/// handles opening a fresh file at once migrate it exactly once.
pub(crate) fn migrate(conn: &mut Connection, label: &str) -> RegistryResult<()> {
    let found = read_version(conn, label)?;
    refuse_newer(found, label)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .fail(label, "starting the migration")?;
    let found = read_version(&tx, label)?;
    refuse_newer(found, label)?;
    if found == 0 {
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 version INTEGER NOT NULL
             )",
        )
        .fail(label, "creating the schema version table")?;
    }
    for migration in MIGRATIONS.iter().filter(|step| step.version > found) {
        tx.execute_batch(migration.sql).fail(
            label,
            &format!("migrating to schema version {}", migration.version),
        )?;
        tx.execute(
            "INSERT INTO schema_version (id, version) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version",
            [migration.version],
        )
        .fail(label, "recording the schema version")?;
    }
    tx.commit().fail(label, "committing the migration")
}
