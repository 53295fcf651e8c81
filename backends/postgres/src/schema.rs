//! The schema, its version table and the forward migrations run on connect.
//!
//! Every registry lives in its own PostgreSQL schema (a namespace, `procreg`
//! by default), which every pooled connection puts alone on its
//! `search_path`. `schema_version` holds one row (`id = 1`) with the version
//! the schema is at. Connecting runs every migration newer than that
//! version, in order, in one transaction holding a transaction-scoped
//! advisory lock on the schema name, so racing connectors migrate once. A
//! schema whose version is newer than [`SCHEMA_VERSION`] is refused before
//! anything is written to it.

use crate::codec::{Db, Fail, StoreResult};
use crate::pool::PooledConn;
use procreg::RegistryError;

/// The newest schema version this crate knows and writes.
pub const SCHEMA_VERSION: i32 = 2;

/// One forward step: the SQL that takes a schema from `version - 1` to `version`.
struct Migration {
    version: i32,
    sql: &'static str,
}

/// Every migration, oldest first. A new version appends `Migration { version, sql }`
/// (an `ALTER TABLE` or a new table) and bumps [`SCHEMA_VERSION`].
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: V1,
    },
    Migration {
        version: 2,
        sql: V2,
    },
];

/// Version 1: records and events as JSON text plus the indexed columns every
/// query filters or orders on. Text keys use the "C" collation, which
/// compares bytes, i.e. orders exactly like Rust's `String`. Names are
/// unqualified: the connection's `search_path` is the registry's schema.
const V1: &str = r#"
CREATE TABLE processes (
    id TEXT COLLATE "C" PRIMARY KEY,
    registration_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    record_json TEXT NOT NULL
);
CREATE INDEX processes_running ON processes (id) WHERE status = 'running';

CREATE TABLE events (
    process_id TEXT COLLATE "C" NOT NULL REFERENCES processes (id),
    sequence BIGINT NOT NULL CHECK (sequence > 0),
    event_type TEXT COLLATE "C" NOT NULL,
    replay_key TEXT COLLATE "C",
    has_wake BOOLEAN NOT NULL,
    event_json TEXT NOT NULL,
    PRIMARY KEY (process_id, sequence)
);
CREATE UNIQUE INDEX events_by_replay_key ON events (process_id, replay_key)
    WHERE replay_key IS NOT NULL;
CREATE INDEX events_by_type ON events (process_id, event_type, sequence);
CREATE INDEX events_wakes ON events (process_id, sequence) WHERE has_wake;

CREATE TABLE wake_acks (
    process_id TEXT COLLATE "C" NOT NULL REFERENCES processes (id),
    sequence BIGINT NOT NULL,
    PRIMARY KEY (process_id, sequence)
);

CREATE TABLE grants (
    scope_id TEXT COLLATE "C" NOT NULL,
    process_id TEXT COLLATE "C" NOT NULL REFERENCES processes (id),
    session_id TEXT COLLATE "C" NOT NULL,
    descriptor_json TEXT NOT NULL,
    PRIMARY KEY (scope_id, process_id)
);
CREATE INDEX grants_by_process ON grants (process_id, session_id, scope_id);
CREATE INDEX grants_by_session ON grants (session_id, scope_id, process_id);

CREATE TABLE leases (
    process_id TEXT COLLATE "C" PRIMARY KEY REFERENCES processes (id),
    fencing_token BIGINT NOT NULL,
    owner_id TEXT,
    lease_token TEXT,
    claimed_at_ms BIGINT,
    expires_at_ms BIGINT,
    CHECK ((owner_id IS NULL) = (lease_token IS NULL))
);
"#;

/// Version 2: ids of any length (REG-18). A btree index entry holds at most
/// about 2.7 KB, so an index on an id column refused a long id (a 64 KiB
/// process id could not be registered). Every id column now has a stored
/// companion `*_hash`, the SHA-256 of the id's UTF-8 bytes (`key_of`), and
/// every key, foreign key and index is on the hashes. Lookups compare the
/// hash through the index and then the id itself, so a read is exact byte
/// for byte; two ids could share a row only if their SHA-256 collided.
/// Listings still order by the ids (`"C"` collation), sorting the rows found.
const V2: &str = r#"
CREATE FUNCTION key_of(text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT sha256(textsend($1))';

ALTER TABLE events DROP CONSTRAINT events_process_id_fkey;
ALTER TABLE wake_acks DROP CONSTRAINT wake_acks_process_id_fkey;
ALTER TABLE grants DROP CONSTRAINT grants_process_id_fkey;
ALTER TABLE leases DROP CONSTRAINT leases_process_id_fkey;

ALTER TABLE processes DROP CONSTRAINT processes_pkey;
DROP INDEX processes_running;
ALTER TABLE processes ADD COLUMN id_hash BYTEA GENERATED ALWAYS AS (key_of(id)) STORED;
ALTER TABLE processes ADD CONSTRAINT processes_pkey PRIMARY KEY (id_hash);
CREATE INDEX processes_running ON processes (id_hash) WHERE status = 'running';

ALTER TABLE events DROP CONSTRAINT events_pkey;
DROP INDEX events_by_replay_key;
DROP INDEX events_by_type;
DROP INDEX events_wakes;
ALTER TABLE events
    ADD COLUMN process_hash BYTEA GENERATED ALWAYS AS (key_of(process_id)) STORED,
    ADD COLUMN event_type_hash BYTEA GENERATED ALWAYS AS (key_of(event_type)) STORED,
    ADD COLUMN replay_key_hash BYTEA GENERATED ALWAYS AS (key_of(replay_key)) STORED;
ALTER TABLE events
    ADD CONSTRAINT events_pkey PRIMARY KEY (process_hash, sequence),
    ADD CONSTRAINT events_process FOREIGN KEY (process_hash) REFERENCES processes (id_hash);
CREATE UNIQUE INDEX events_by_replay_key ON events (process_hash, replay_key_hash)
    WHERE replay_key IS NOT NULL;
CREATE INDEX events_by_type ON events (process_hash, event_type_hash, sequence);
CREATE INDEX events_wakes ON events (process_hash, sequence) WHERE has_wake;

ALTER TABLE wake_acks DROP CONSTRAINT wake_acks_pkey;
ALTER TABLE wake_acks
    ADD COLUMN process_hash BYTEA GENERATED ALWAYS AS (key_of(process_id)) STORED;
ALTER TABLE wake_acks
    ADD CONSTRAINT wake_acks_pkey PRIMARY KEY (process_hash, sequence),
    ADD CONSTRAINT wake_acks_process FOREIGN KEY (process_hash) REFERENCES processes (id_hash);

ALTER TABLE grants DROP CONSTRAINT grants_pkey;
DROP INDEX grants_by_process;
DROP INDEX grants_by_session;
ALTER TABLE grants
    ADD COLUMN scope_hash BYTEA GENERATED ALWAYS AS (key_of(scope_id)) STORED,
    ADD COLUMN process_hash BYTEA GENERATED ALWAYS AS (key_of(process_id)) STORED,
    ADD COLUMN session_hash BYTEA GENERATED ALWAYS AS (key_of(session_id)) STORED;
ALTER TABLE grants
    ADD CONSTRAINT grants_pkey PRIMARY KEY (scope_hash, process_hash),
    ADD CONSTRAINT grants_process FOREIGN KEY (process_hash) REFERENCES processes (id_hash);
CREATE INDEX grants_by_process ON grants (process_hash);
CREATE INDEX grants_by_session ON grants (session_hash);

ALTER TABLE leases DROP CONSTRAINT leases_pkey;
ALTER TABLE leases
    ADD COLUMN process_hash BYTEA GENERATED ALWAYS AS (key_of(process_id)) STORED;
ALTER TABLE leases
    ADD CONSTRAINT leases_pkey PRIMARY KEY (process_hash),
    ADD CONSTRAINT leases_process FOREIGN KEY (process_hash) REFERENCES processes (id_hash);
"#;

/// The SQL of migration `version` (the step from `version - 1`), as this
/// crate runs it; for tests that build a schema as an older release left it.
#[doc(hidden)]
pub fn migration_sql(version: i32) -> Option<&'static str> {
    MIGRATIONS
        .iter()
        .find(|step| step.version == version)
        .map(|step| step.sql)
}

/// Whether `name` is a schema name this crate accepts: lowercase ASCII
/// letters, digits and `_`, not starting with a digit, at most 63 bytes
/// (PostgreSQL's identifier limit). Such a name needs no quoting anywhere.
pub(crate) fn valid_schema_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|byte| byte.is_ascii_lowercase() || byte == b'_');
    first_ok
        && name.len() <= 63
        && bytes.all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

/// The schema's version; 0 for a schema (or database) without the version table.
async fn read_version(pooled: &PooledConn<'_>) -> StoreResult<i32> {
    let conn = pooled.conn()?;
    let row = conn
        .query_one(
            "SELECT to_regclass('schema_version') IS NOT NULL",
            &[],
            "reading the schema",
        )
        .await?;
    let has_table: bool = row.try_get(0).db("reading the schema")?;
    if !has_table {
        return Ok(0);
    }
    let row = conn
        .query_opt(
            "SELECT version FROM schema_version WHERE id = 1",
            &[],
            "reading the schema version",
        )
        .await?;
    match row {
        Some(row) => row.try_get(0).db("reading the schema version"),
        None => Ok(0),
    }
}

fn refuse_newer(found: i32, schema: &str) -> StoreResult<()> {
    if found > SCHEMA_VERSION {
        return Err(Fail::Registry(RegistryError::backend(format!(
            "schema `{schema}` is at version {found}, newer than version {SCHEMA_VERSION}, \
             the newest this procreg-postgres knows; connect with a newer procreg-postgres"
        ))));
    }
    Ok(())
}

/// Brings the schema up to [`SCHEMA_VERSION`], or refuses a newer one.
///
/// The version is first read without a lock, so connecting to an
/// up-to-date schema never waits for anyone; only a migration takes the
/// advisory lock, and it re-reads the version under it.
pub(crate) async fn migrate(pooled: &mut PooledConn<'_>, schema: &str) -> StoreResult<()> {
    let found = read_version(pooled).await?;
    refuse_newer(found, schema)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    pooled
        .conn()?
        .batch(
            "BEGIN ISOLATION LEVEL READ COMMITTED",
            "starting the migration",
        )
        .await?;
    // From here an error drops the connection, which rolls the migration back.
    pooled.in_transaction = true;
    let conn = pooled.conn()?;
    conn.query_one(
        "SELECT pg_advisory_xact_lock(hashtext($1))::text",
        &[&format!("procreg-postgres schema {schema}")],
        "locking the schema for migration",
    )
    .await?;
    // `schema` passed `valid_schema_name`: it needs no quoting.
    conn.batch(
        &format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             CREATE TABLE IF NOT EXISTS {schema}.schema_version (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 version INTEGER NOT NULL
             )"
        ),
        "creating the schema",
    )
    .await?;
    let found = read_version(pooled).await?;
    refuse_newer(found, schema)?;
    for migration in MIGRATIONS.iter().filter(|step| step.version > found) {
        conn.batch(migration.sql, "migrating the schema").await?;
        conn.execute(
            "INSERT INTO schema_version (id, version) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version",
            &[&migration.version],
            "recording the schema version",
        )
        .await?;
    }
    conn.batch("COMMIT", "committing the migration").await?;
    pooled.in_transaction = false;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::valid_schema_name;

    #[test]
    fn schema_names_need_no_quoting() {
        for good in ["procreg", "procreg_t_1_42", "_x", "a9"] {
            assert!(valid_schema_name(good), "{good}");
        }
        let too_long = "a".repeat(64);
        for bad in [
            "",
            "9a",
            "Procreg",
            "a-b",
            "a b",
            "a\"b",
            "ä",
            too_long.as_str(),
        ] {
            assert!(!valid_schema_name(bad), "{bad}");
        }
    }
}
