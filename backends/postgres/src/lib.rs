//! `PgRegistry`: a PostgreSQL backend for the procreg `ProcessRegistry`
//! contract, for workers on many machines sharing one registry.
//!
//! PostgreSQL only stores; every decision is the contract crate's
//! ([`procreg::prepare_registration`], [`procreg::prepare_event_append`] and
//! [`procreg::PersistAppend::apply_to`], [`procreg::check_claimable`] and
//! [`procreg::LeaseSlot`], [`procreg::session_delete_report`]), so this
//! backend makes exactly the decisions `MemoryRegistry` makes. Time comes
//! only from the injected [`Clock`], read inside the transaction after the
//! row lock; SQL never computes a time (no `now()`).
//!
//! # Schema (version [`SCHEMA_VERSION`])
//!
//! A registry lives in one PostgreSQL schema ([`PgOptions::schema`], default
//! `procreg`), put alone on every pooled connection's `search_path`, so
//! several registries (or test runs) share one database without seeing each
//! other.
//!
//! | table | key | holds | indexes |
//! |---|---|---|---|
//! | `schema_version` | `id = 1` | the schema's version | |
//! | `processes` | `id_hash` | `id`, `record_json` (the whole `ProcessRecord`), `registration_hash`, `status` | partial `(id_hash) WHERE status = 'running'`: the sweep |
//! | `events` | `(process_hash, sequence)` | `event_json` (the whole `ProcessEvent`), `process_id`, `event_type`, `replay_key`, `has_wake` | unique partial `(process_hash, replay_key_hash)`; `(process_hash, event_type_hash, sequence)`: waits; partial `(process_hash, sequence) WHERE has_wake`: wakes |
//! | `wake_acks` | `(process_hash, sequence)` | acknowledged wakes | |
//! | `grants` | `(scope_hash, process_hash)` | `scope_id`, `process_id`, `session_id`, `descriptor_json` | `(process_hash)`; `(session_hash)` |
//! | `leases` | `process_hash` | the [`procreg::LeaseSlot`] fields: fencing token, holder (owner, token, claimed, expires) | |
//!
//! Ids may be of any length (REG-18), and a btree index entry cannot hold a
//! long one, so every id column has a stored companion `*_hash` (the
//! SHA-256 of the id's UTF-8 bytes, the schema's `key_of` function) and
//! every key and index is on the hashes. A lookup finds rows by hash and
//! then compares the id itself, so reads are exact byte for byte.
//!
//! Records and events are JSON text, so they round-trip byte for byte in
//! JSON (REG-14, EVENT-5). Id columns use the `"C"` collation, which
//! compares bytes like Rust's `String`, so every list comes back in the
//! order the contract fixes. `u64` values are stored bit for bit in BIGINT
//! columns, so `u64::MAX` round-trips (LEASE-21). Foreign keys tie every row
//! to its process. Migrations are forward only and run on connect; a schema
//! from a newer version is refused with a `Backend` error naming it.
//!
//! # Transactions
//!
//! Every method is one transaction. Writes run at READ COMMITTED and lock
//! the process row (`SELECT ... FOR NO KEY UPDATE`, in its own statement)
//! before reading what they decide on, so writers of one process, on any
//! connection of any machine, are serialised: racing claims have one winner
//! (LEASE-20) and racing appends get consecutive sequences, allocated as
//! `max + 1` inside the append transaction, never from a sequence object
//! (EVENT-9). Every read method is a single statement (existence and data
//! joined), hence one snapshot, run without `BEGIN`/`COMMIT` round trips. A
//! write commits only when the contract's decision succeeded; any error
//! rolls back, so an error leaves no trace (ERR-3). Serialization failures
//! and deadlocks (SQLSTATE 40001, 40P01) are retried up to
//! [`PgOptions::retries_max`] times, and so is a read that found its pooled
//! connection closed (a server restart).
//!
//! # Bounds
//!
//! Nothing waits forever: connecting is bounded by
//! [`PgOptions::connect_timeout`], every statement by the server-side
//! `statement_timeout` and `lock_timeout`, and every call (pool wait,
//! retries and all) by [`PgOptions::call_timeout`]. A call that exceeds a
//! bound, or finds the server down, fails with a `Backend` error; its
//! connection is dropped, so the server rolls back whatever was open.
//!
//! # Waits
//!
//! `wait_event_after` and `await_process` are woken by notifications: every
//! append notifies the schema's channel right after its commit, in the same
//! round trip, naming the process appended to, and each handle keeps one
//! connection listening on it, opened on its first wait. A wait makes sure
//! that connection is listening, subscribes to this handle's change signal
//! for its process, looks (a fresh snapshot), and sleeps until a notification
//! (any handle's append to that process) or the poll interval
//! ([`PgOptions::poll_interval`], a fallback for a lost listening
//! connection) before looking again. A look sees every append committed
//! before it began, and every later one is notified, so no append is missed
//! (WAIT-3). Waits themselves are bounded by the caller (each look is
//! bounded by the call timeout).
//!
//! # Round trips
//!
//! An append (and so `complete_process`) takes two round trips: `BEGIN`,
//! the row lock and the read are pipelined into one, the write and `COMMIT`
//! into the other. The first append on a connection also prepares its
//! statements.
//!
//! # Errors
//!
//! Every database failure (unreachable server, refused login, server
//! restart, timeout, a newer schema) is a [`procreg::RegistryError`] of kind
//! `Backend` whose message names host, database and schema (never the
//! password) and carries the server's message and SQLSTATE. `get_process`
//! has no error channel in the trait: a storage failure there reads as
//! `None`.
//!
//! Needs a Tokio runtime with the time driver: each connection's driver
//! runs as a spawned task.

mod codec;
mod listen;
mod pool;
mod schema;
mod store;

#[doc(hidden)]
pub use schema::migration_sql;
pub use schema::SCHEMA_VERSION;

use codec::{backend_error, Fail, StoreResult};
use listen::Listener;
use pool::{Pool, PooledConn};
use procreg::{Clock, RegistryError, RegistryResult};
use procreg_storage::changes::Changes;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use store::{AppendFailure, AppendStage, Store};
use tokio_postgres::config::Host;
use tokio_postgres::Config;

/// Runs `$body` (an expression using `$store: &Store` and returning a
/// `StoreResult`) as one transaction of `$mode` on `$registry`, committing
/// only on `Ok`, retrying serialization failures and deadlocks, the whole
/// call bounded by the call timeout. `$what` names the call in a timeout
/// error.
macro_rules! transaction {
    ($registry:expr, $mode:expr, $what:expr, |$store:ident| $body:expr) => {{
        let registry: &$crate::PgRegistry = &$registry;
        registry
            .bounded($what, async {
                let mut attempt: u32 = 0;
                loop {
                    attempt += 1;
                    let mut pooled = registry.begin($mode).await?;
                    let result = {
                        let $store = registry.store(&pooled)?;
                        $body
                    };
                    match registry.finish($mode, &mut pooled, result).await {
                        Err(fail)
                            if fail.is_retryable($mode == $crate::Mode::Read)
                                && attempt <= registry.inner.options.retries_max =>
                        {
                            drop(pooled);
                            registry.back_off(attempt).await;
                        }
                        outcome => break outcome,
                    }
                }
            })
            .await
    }};
}

mod registry;
mod scratch;

pub use scratch::PgScratchSchemas;

/// Tuning for [`PgRegistry::connect_with`]; [`Default`] suits production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// The PostgreSQL schema (namespace) holding this registry's tables,
    /// created on first connect: lowercase ASCII letters, digits and `_`,
    /// not starting with a digit, at most 63 bytes (default `procreg`).
    pub schema: String,
    /// Connections this handle opens at most for its calls, lazily (default
    /// 4). Calls beyond that wait for a free connection, within the call
    /// timeout. A handle that waits also holds one listening connection.
    pub pool_size: usize,
    /// Bound on opening one connection (default 5 s).
    pub connect_timeout: Duration,
    /// The server-side `statement_timeout`, `lock_timeout` and
    /// `idle_in_transaction_session_timeout` of every connection (default 10 s).
    pub statement_timeout: Duration,
    /// Bound on one whole call (waiting for a connection, every statement,
    /// every retry; one look of a wait), after which it fails with a
    /// `Backend` error (default 30 s).
    pub call_timeout: Duration,
    /// How often a blocking wait looks again without being notified
    /// (default 250 ms): the fallback that still sees other handles' appends
    /// while the listening connection is lost.
    pub poll_interval: Duration,
    /// How many times a transaction that hit a serialization failure or a
    /// deadlock is run again before the error is returned (default 8).
    pub retries_max: u32,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            schema: "procreg".to_owned(),
            pool_size: 4,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            call_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_millis(250),
            retries_max: 8,
        }
    }
}

impl PgOptions {
    /// The defaults with `schema` as the registry's schema.
    pub fn with_schema(schema: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            ..Self::default()
        }
    }
}

/// What kind of transaction a method is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One statement, no writes: its own transaction and snapshot
    /// (autocommit), so no `BEGIN`/`COMMIT` round trips.
    Read,
    /// Read-then-write under row locks, between `BEGIN ISOLATION LEVEL
    /// READ COMMITTED` and `COMMIT`.
    Write,
}

/// What one handle owns: its pool, its clock, its options and its change notifier.
struct Inner {
    pool: Pool,
    /// "postgres <host>:<port>/<database> schema `<schema>`", as every error names it.
    label: String,
    clock: Arc<dyn Clock>,
    options: PgOptions,
    /// Moved for a process after every committed append to it through this
    /// handle, and on every notification of another handle's append to it.
    changes: Arc<Changes>,
    /// The connection listening for other handles' appends.
    listener: Listener,
}

/// A durable `ProcessRegistry` in one PostgreSQL schema, shared by every
/// handle (on any machine) connected to it.
///
/// Each handle owns a small pool of [`PgOptions::pool_size`] connections,
/// opened on demand and reused; a connection that failed, timed out or was
/// abandoned mid-transaction is dropped instead of reused, and one closed by
/// a server restart is replaced on the next call. Clone-free sharing: wrap
/// the handle in an `Arc`.
pub struct PgRegistry {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PgRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgRegistry")
            .field("label", &self.inner.label)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// "postgres host:port/database schema `schema`", without the password.
fn label_of(config: &Config, schema: &str) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config
        .get_dbname()
        .or_else(|| config.get_user())
        .unwrap_or("postgres");
    format!("postgres {host}:{port}/{database} schema `{schema}`")
}

impl PgRegistry {
    /// Connects to the database named by `conninfo` (`host=... port=...
    /// user=... dbname=...` or a `postgres://` URL) with
    /// [`PgOptions::default`], creating or migrating the `procreg` schema.
    ///
    /// Fails with a `Backend` error when the string does not parse, the
    /// server cannot be reached within the connect timeout, the login or
    /// the migration fails, or the schema is newer than [`SCHEMA_VERSION`].
    pub async fn connect(conninfo: &str, clock: Arc<dyn Clock>) -> RegistryResult<Self> {
        Self::connect_with(conninfo, clock, PgOptions::default()).await
    }

    /// [`connect`](Self::connect) with explicit [`PgOptions`] (another
    /// schema, pool size or bounds).
    pub async fn connect_with(
        conninfo: &str,
        clock: Arc<dyn Clock>,
        options: PgOptions,
    ) -> RegistryResult<Self> {
        if !schema::valid_schema_name(&options.schema) {
            return Err(RegistryError::backend(format!(
                "postgres: schema name `{}` is not lowercase ASCII letters, digits and `_` \
                 (not starting with a digit, at most 63 bytes)",
                options.schema
            )));
        }
        if options.pool_size == 0 {
            return Err(RegistryError::backend(
                "postgres: pool_size must be at least 1",
            ));
        }
        // The parse error never echoes the string, which may hold a password.
        let mut config: Config = conninfo.parse().map_err(|error| {
            RegistryError::backend(format!(
                "postgres: the connection string does not parse: {error}"
            ))
        })?;
        let label = label_of(&config, &options.schema);
        config.connect_timeout(options.connect_timeout);
        config.tcp_user_timeout(options.call_timeout);
        if config.get_application_name().is_none() {
            config.application_name("procreg-postgres");
        }
        let statement_ms = options.statement_timeout.as_millis().max(1);
        let session = format!(
            "-c search_path={schema} -c statement_timeout={statement_ms} \
             -c lock_timeout={statement_ms} -c idle_in_transaction_session_timeout={statement_ms}",
            schema = options.schema
        );
        let startup = match config.get_options() {
            Some(existing) if !existing.trim().is_empty() => format!("{existing} {session}"),
            _ => session,
        };
        config.options(startup);
        let pool = Pool::new(
            config,
            options.pool_size,
            options.connect_timeout,
            label.clone(),
        );
        let registry = Self {
            inner: Arc::new(Inner {
                pool,
                label,
                clock,
                changes: Arc::new(Changes::new(options.poll_interval)),
                listener: Listener::default(),
                options,
            }),
        };
        registry
            .bounded("connecting and migrating", async {
                let mut pooled = registry.inner.pool.get().await?;
                schema::migrate(&mut pooled, &registry.inner.options.schema).await
            })
            .await?;
        Ok(registry)
    }

    /// The schema this handle uses.
    pub fn schema(&self) -> &str {
        &self.inner.options.schema
    }

    /// The options this handle was connected with.
    pub fn options(&self) -> &PgOptions {
        &self.inner.options
    }

    /// How errors name this registry: "postgres host:port/database schema `name`".
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// Runs `call` within the call timeout, turning failures into typed errors.
    async fn bounded<T>(
        &self,
        what: &'static str,
        call: impl Future<Output = StoreResult<T>>,
    ) -> RegistryResult<T> {
        let bound = self.inner.options.call_timeout;
        match tokio::time::timeout(bound, call).await {
            Ok(result) => result.map_err(|fail| fail.into_registry(&self.inner.label)),
            Err(_) => Err(backend_error(
                &self.inner.label,
                what,
                format!(
                    "no answer within the call timeout ({} ms)",
                    bound.as_millis()
                ),
            )),
        }
    }

    /// A pooled connection ready for a transaction of `mode`: inside
    /// `BEGIN` for writes; as is for reads, which are single statements.
    ///
    /// A connection that sat in the pool may have been closed by a server
    /// restart before the driver noticed; `BEGIN` is the first thing sent on
    /// it, so nothing ran and another connection is taken.
    async fn begin(&self, mode: Mode) -> StoreResult<PooledConn<'_>> {
        let attempts_max = self.inner.options.pool_size + 1;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut pooled = self.inner.pool.get().await?;
            if mode == Mode::Read {
                return Ok(pooled);
            }
            // Marked before BEGIN is sent: a call dropped while BEGIN is in
            // flight must not hand a connection in a transaction back to the pool.
            pooled.in_transaction = true;
            match pooled
                .conn()?
                .batch(
                    "BEGIN ISOLATION LEVEL READ COMMITTED",
                    "starting a transaction",
                )
                .await
            {
                Ok(()) => return Ok(pooled),
                Err(_) if pooled.reused && attempt < attempts_max => pooled.discard(),
                Err(fail) => {
                    pooled.discard();
                    return Err(fail);
                }
            }
        }
    }

    /// The store over `pooled`'s open transaction.
    fn store<'a>(&'a self, pooled: &'a PooledConn<'_>) -> StoreResult<Store<'a>> {
        Ok(Store {
            conn: pooled.conn()?,
            clock: self.inner.clock.as_ref(),
            changes_channel: &self.inner.options.schema,
        })
    }

    /// Commits a write when `result` is `Ok`, rolls it back otherwise; a
    /// read (one autocommitted statement) has nothing to end.
    async fn finish<T>(
        &self,
        mode: Mode,
        pooled: &mut PooledConn<'_>,
        result: StoreResult<T>,
    ) -> StoreResult<T> {
        if mode == Mode::Read {
            if matches!(result, Err(Fail::Db { .. })) {
                // Possibly a dead connection: never hand it out again.
                pooled.discard();
            }
            return result;
        }
        match result {
            Ok(value) => {
                pooled.conn()?.batch("COMMIT", "committing").await?;
                pooled.in_transaction = false;
                Ok(value)
            }
            Err(fail) => {
                // A failed rollback leaves `in_transaction` set: the connection is dropped.
                if pooled
                    .conn()?
                    .batch("ROLLBACK", "rolling back")
                    .await
                    .is_ok()
                {
                    pooled.in_transaction = false;
                }
                Err(fail)
            }
        }
    }

    /// An append, in the two round trips of [`Store::append`], retried like
    /// [`transaction!`]: on another connection when a reused one fails at
    /// `BEGIN`, after a pause on a serialization failure or deadlock.
    async fn pipelined_append(
        &self,
        process_id: &str,
        request: &procreg::ProcessEventAppendRequest,
    ) -> RegistryResult<(procreg::ProcessEventAppendResult, procreg::ProcessRecord)> {
        let options = &self.inner.options;
        self.bounded("appending an event", async {
            let mut attempt: u32 = 0;
            loop {
                attempt += 1;
                let mut pooled = self.inner.pool.get().await?;
                // Set before BEGIN is sent: a call dropped mid-flight must not
                // hand a connection in a transaction back to the pool.
                pooled.in_transaction = true;
                let appended = self.store(&pooled)?.append(process_id, request).await;
                let AppendFailure { fail, stage } = match appended {
                    Ok(appended) => {
                        pooled.in_transaction = false;
                        return Ok(appended);
                    }
                    Err(failure) => failure,
                };
                match stage {
                    AppendStage::NotBegun => pooled.discard(),
                    AppendStage::Ended => pooled.in_transaction = false,
                    AppendStage::Unknown => {}
                }
                let retry = match stage {
                    AppendStage::NotBegun => pooled.reused && attempt as usize <= options.pool_size,
                    AppendStage::Ended => {
                        fail.is_retryable(false) && attempt <= options.retries_max
                    }
                    AppendStage::Unknown => false,
                };
                if !retry {
                    return Err(fail);
                }
                drop(pooled);
                if stage == AppendStage::Ended {
                    self.back_off(attempt).await;
                }
            }
        })
        .await
    }

    /// A short pause before retrying a serialization failure or deadlock,
    /// growing with the attempt, so the transactions that collided spread out.
    async fn back_off(&self, attempt: u32) {
        tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(10)) * 2)).await;
    }

    /// Wakes this handle's waiters on `process_id` after a committed append to it.
    fn notify(&self, process_id: &str) {
        self.inner.changes.notify_key(&listen::wake_key(process_id));
    }

    /// Looks until `look` finds something about `process_id`, woken by this
    /// handle's appends to it and by notifications of other handles', the
    /// poll interval only as a fallback (see [`listen`] and the storage
    /// kit's [`Changes`]).
    async fn wait_until<T, F, Fut>(&self, process_id: &str, look: F) -> RegistryResult<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = RegistryResult<Option<T>>>,
    {
        let key = listen::wake_key(process_id);
        self.inner
            .changes
            .wait_until_key(&key, || async {
                // Listening before looking: an append committed after the
                // look begins is then notified to this handle.
                let (config, connect_timeout) = self.inner.pool.config();
                let channel = &self.inner.options.schema;
                // A listener that cannot open leaves this wait to the poll.
                let _ = (self.inner.listener)
                    .ensure(config, connect_timeout, channel, &self.inner.changes)
                    .await;
                look().await
            })
            .await
    }

    /// Round trips this handle made to the server so far, over all its pooled
    /// connections: requests sent while nothing else was in flight on their
    /// connection (pipelined requests ride along). For tests and benches.
    #[doc(hidden)]
    pub fn round_trips(&self) -> u64 {
        self.inner.pool.round_trips()
    }
}
