//! `SqliteRegistry`: a durable SQLite backend for the procreg `ProcessRegistry` contract.
//!
//! SQLite only stores; every decision is the contract crate's
//! ([`procreg::prepare_registration`], [`procreg::prepare_event_append`] and
//! [`procreg::PersistAppend::apply_to`], [`procreg::check_claimable`] and
//! [`procreg::LeaseSlot`], [`procreg::session_delete_report`]), so this
//! backend makes exactly the decisions `MemoryRegistry` makes. Time comes
//! only from the injected [`Clock`], read inside the transaction; no SQL
//! `now()` is ever used.
//!
//! # Schema (version [`SCHEMA_VERSION`])
//!
//! | table | key | holds | indexes |
//! |---|---|---|---|
//! | `schema_version` | `id = 1` | the file's schema version | |
//! | `meta` | `key` | `lease_nonce`, shared by every handle on the file | |
//! | `processes` | `id` (unique) | `record_json` (the whole `ProcessRecord`), `registration_hash`, `status` | `(status, id)`: the sweep |
//! | `events` | `(process_id, sequence)` (unique) | `event_json` (the whole `ProcessEvent`), `event_type`, `replay_key`, `has_wake` | unique `(process_id, replay_key)`; `(process_id, event_type, sequence)`: waits; partial `(process_id, sequence) WHERE has_wake`: wakes |
//! | `wake_acks` | `(process_id, sequence)` | acknowledged wakes | |
//! | `grants` | `(scope_id, process_id)` | `session_id`, `descriptor_json` | `(process_id, session_id, scope_id)`; `(session_id, scope_id, process_id)` |
//! | `leases` | `process_id` | the [`procreg::LeaseSlot`] fields: fencing token, holder (owner, token, claimed, expires) | |
//!
//! Records and events are JSON text, so they round-trip byte for byte in
//! JSON (REG-14, EVENT-5); the indexed columns duplicate only what queries
//! filter or order on. TEXT columns use SQLite's BINARY collation, which
//! orders like Rust's `String`, so every list comes back in the order the
//! contract fixes. `u64` values (timestamps, fencing tokens, acked
//! sequences) are stored bit for bit in INTEGER columns, so `u64::MAX`
//! round-trips (LEASE-21). No hot path scans a table: the sweep reads the
//! status index, session deletion the session index, `events_after` the
//! `(process_id, sequence)` index. Foreign keys tie every row to its process.
//!
//! Migrations are forward only: opening a file applies every step newer than
//! its `schema_version`; a file from a newer version is refused with a
//! `Backend` error naming the path and both versions, before anything is
//! written.
//!
//! # Transactions
//!
//! Every method is one transaction. Methods that read then write
//! (`register_process`, `set_external_ref`, `append_event`,
//! `complete_process`, grants, `ack_wake`, leases, session deletion) use
//! `BEGIN IMMEDIATE`: the write lock is taken before the first read, so two
//! handles, or two OS processes, on one file serialise instead of deciding
//! on stale reads (LEASE-20, EVENT-9), and no transaction has to upgrade a
//! read lock (which would fail with `SQLITE_BUSY` instead of waiting).
//! Reads use a deferred transaction, i.e. one consistent WAL snapshot. A
//! method commits only when the contract's decision succeeded; any error
//! drops the transaction, which rolls it back, so an error leaves no trace
//! (ERR-3). The file runs in WAL mode with `synchronous = FULL` by default (a
//! commit is on disk before the call returns), a busy timeout (5 s by
//! default) and `foreign_keys = ON`.
//!
//! # Waits
//!
//! `wait_event_after` and `await_process` subscribe to the handle's change
//! notifier, then look, then wait for either a notification or the poll
//! interval (25 ms by default) before looking again. Subscribing before
//! looking means an append through this handle after the look always wakes
//! the waiter (WAIT-3); the poll bounds how late a write from another handle
//! or another OS process on the same file is seen. Waits need a Tokio
//! runtime with the time driver enabled.
//!
//! # Errors
//!
//! Every SQLite failure (not a database, corrupt, unreadable path, busy past
//! the timeout, a newer schema) is a [`procreg::RegistryError`] of kind `Backend`
//! whose message names the database path. `get_process` has no error
//! channel in the trait: a storage failure there reads as `None`.

mod codec;
mod files;
mod inspect;
mod planted;
mod registry;
mod schema;
mod store;

pub use files::SqliteFiles;
pub use inspect::{inspect_file, FileKind};
pub use planted::PlantedBug;
use planted::WriteKind;
pub use schema::SCHEMA_VERSION;

use codec::{backend_error, Failure};
use procreg::{Clock, RegistryResult};
use procreg_storage::changes::Changes;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use store::Store;

/// How a commit reaches the disk (SQLite's `synchronous` pragma, in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is synced to the WAL before the call returns: an
    /// acknowledged write survives a power cut as well as a crash.
    #[default]
    Full,
    /// Commits reach the OS before the call returns and are synced at
    /// checkpoints: an acknowledged write survives the process being killed,
    /// but the last commits may be lost on a power cut. Faster.
    Normal,
}

/// Tuning for [`SqliteRegistry::open_with`]; [`Default`] suits production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How long a write waits for another connection's lock before failing
    /// with a `Backend` error (default 5 s).
    pub busy_timeout: Duration,
    /// How often a blocking wait re-reads the file, to see writes made by
    /// other handles or OS processes (default 25 ms).
    pub poll_interval: Duration,
    /// Commit durability (default [`Synchronous::Full`]).
    pub synchronous: Synchronous,
    /// A deliberate bug for the kit's zoo (default none); see [`PlantedBug`].
    pub planted_bug: Option<PlantedBug>,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            poll_interval: Duration::from_millis(25),
            synchronous: Synchronous::Full,
            planted_bug: None,
        }
    }
}

/// How long a planted deferred write lingers between its read and its write.
const PLANTED_OVERLAP: Duration = Duration::from_millis(20);

/// How long the planted `UnflushedAppend` keeps an acknowledged append uncommitted.
const UNFLUSHED_DELAY: Duration = Duration::from_millis(50);

/// What one handle owns: its connection, the file it names, its clock and
/// its change notifier.
struct Inner {
    /// One connection per handle, behind a `std` mutex that is only ever
    /// locked inside `spawn_blocking`, never across an `.await`.
    conn: Mutex<Connection>,
    path: PathBuf,
    /// The path, quoted, as every error names it.
    label: String,
    clock: Arc<dyn Clock>,
    options: SqliteOptions,
    /// Moved for a process after every committed append to it through this handle.
    changes: Changes,
}

/// A durable `ProcessRegistry` in one SQLite file.
///
/// # Why `spawn_blocking` around an `Arc<Mutex<Connection>>`
///
/// A `rusqlite::Connection` is `Send` but not `Sync`, and every SQLite call
/// blocks: on disk I/O, on the `fsync` of a commit, and, when another
/// handle or OS process holds the write lock, for up to the busy timeout.
/// Running each method's whole transaction in `tokio::task::spawn_blocking`
/// keeps those waits off the async worker threads (a second handle racing
/// on the same file could otherwise stall the runtime for seconds), works
/// on current-thread runtimes too, and lets the mutex be a plain
/// `std::sync::Mutex` held for exactly one transaction and never across an
/// `.await`. One connection per handle also serialises this handle's own
/// calls, so SQLite's locking only arbitrates between handles. Open several
/// handles on one file for parallel readers; WAL lets them read while one
/// writes.
///
/// Dropping a method's future (a cancelled wait, a timeout) never cancels a
/// transaction half-way: the blocking task runs to commit or rollback.
pub struct SqliteRegistry {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteRegistry")
            .field("path", &self.inner.path)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl SqliteRegistry {
    /// Opens the registry in the SQLite file at `path`, creating the file
    /// and its schema when missing, with [`SqliteOptions::default`].
    ///
    /// Blocks while opening (and, for a new or older file, migrating). Fails
    /// with a `Backend` error naming the path when the path cannot be opened
    /// or created, the file is not a SQLite database or is corrupt, its
    /// schema is newer than [`SCHEMA_VERSION`], or a migration cannot get
    /// the write lock within the busy timeout.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>) -> RegistryResult<Self> {
        Self::open_with(path, clock, SqliteOptions::default())
    }

    /// [`open`](Self::open) with explicit [`SqliteOptions`].
    pub fn open_with(
        path: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
        options: SqliteOptions,
    ) -> RegistryResult<Self> {
        let path = path.as_ref().to_path_buf();
        let label = format!("`{}`", path.display());
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .fail(&label, "opening")?;
        configure(&conn, &label, &options)?;
        schema::migrate(&mut conn, &label)?;
        Ok(Self {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                path,
                label,
                clock,
                options,
                changes: Changes::new(options.poll_interval),
            }),
        })
    }

    /// The database file this handle uses.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The options this handle was opened with.
    pub fn options(&self) -> SqliteOptions {
        self.inner.options
    }

    /// Runs `op` in one transaction of `behavior` on the blocking pool,
    /// committing only when it succeeds; an error rolls everything back.
    async fn run<T, F>(&self, behavior: TransactionBehavior, op: F) -> RegistryResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>, u64) -> RegistryResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let task = tokio::task::spawn_blocking(move || {
            let mut conn = inner.conn.lock().unwrap_or_else(PoisonError::into_inner);
            let tx = conn
                .transaction_with_behavior(behavior)
                .fail(&inner.label, "starting a transaction")?;
            // Read under the lock, so `now` is the time the write happens.
            let now_ms = inner.clock.now_ms();
            let store = Store {
                conn: &tx,
                label: &inner.label,
            };
            let value = op(&store, now_ms)?;
            tx.commit().fail(&inner.label, "committing")?;
            Ok(value)
        });
        match task.await {
            Ok(result) => result,
            Err(error) => Err(backend_error(
                &self.inner.label,
                "the blocking task failed",
                error,
            )),
        }
    }

    /// A read-then-write method: `BEGIN IMMEDIATE`.
    async fn write<T, F>(&self, op: F) -> RegistryResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>, u64) -> RegistryResult<T> + Send + 'static,
    {
        self.write_as(WriteKind::Other, op).await
    }

    /// [`Self::write`] for a write a planted bug may start deferred.
    async fn write_as<T, F>(&self, kind: WriteKind, op: F) -> RegistryResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>, u64) -> RegistryResult<T> + Send + 'static,
    {
        let bug = self.inner.options.planted_bug;
        if kind.acknowledged_early_under(bug) {
            return self.run_acknowledged_early(op).await;
        }
        if kind.deferred_under(bug) {
            return self
                .run(TransactionBehavior::Deferred, move |store, now_ms| {
                    // Read first and linger, as a slow deferred writer does,
                    // so racing handles overlap on every run.
                    let _ = store
                        .conn
                        .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()));
                    std::thread::sleep(PLANTED_OVERLAP);
                    op(store, now_ms)
                })
                .await;
        }
        self.run(TransactionBehavior::Immediate, op).await
    }

    /// The planted `UnflushedAppend`: answers as soon as `op` ran, and
    /// commits [`UNFLUSHED_DELAY`] later, still holding the connection.
    async fn run_acknowledged_early<T, F>(&self, op: F) -> RegistryResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>, u64) -> RegistryResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let (answer, answered) = tokio::sync::oneshot::channel();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.conn.lock().unwrap_or_else(PoisonError::into_inner);
            let tx = match conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .fail(&inner.label, "starting a transaction")
            {
                Ok(tx) => tx,
                Err(error) => {
                    let _ = answer.send(Err(error));
                    return;
                }
            };
            let now_ms = inner.clock.now_ms();
            let store = Store {
                conn: &tx,
                label: &inner.label,
            };
            let value = op(&store, now_ms);
            let failed = value.is_err();
            let _ = answer.send(value);
            if !failed {
                std::thread::sleep(UNFLUSHED_DELAY);
                let _ = tx.commit();
            }
        });
        answered.await.unwrap_or_else(|_| {
            Err(backend_error(
                &self.inner.label,
                "the blocking task failed",
                "no answer",
            ))
        })
    }

    /// A read-only method: one deferred transaction, one snapshot.
    async fn read<T, F>(&self, op: F) -> RegistryResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>) -> RegistryResult<T> + Send + 'static,
    {
        self.run(TransactionBehavior::Deferred, move |store, _| op(store))
            .await
    }

    /// Wakes this handle's waiters on `process_id` after a committed append to it.
    fn notify(&self, process_id: &str) {
        self.inner.changes.notify_key(process_id);
    }

    /// Looks until `look` finds something about `process_id`, woken by this
    /// handle's appends to it and polling for other handles' (see the
    /// storage kit's [`Changes`]).
    async fn wait_until<T, F>(&self, process_id: &str, look: F) -> RegistryResult<T>
    where
        T: Send + 'static,
        F: Fn(&Store<'_>) -> RegistryResult<Option<T>> + Send + Sync + 'static,
    {
        let look = Arc::new(look);
        self.inner
            .changes
            .wait_until_key(process_id, || {
                let looking = Arc::clone(&look);
                self.read(move |store| looking(store))
            })
            .await
    }
}

/// WAL, synchronous, busy timeout and foreign keys; a non-database file fails here.
fn configure(conn: &Connection, label: &str, options: &SqliteOptions) -> RegistryResult<()> {
    conn.busy_timeout(options.busy_timeout)
        .fail(label, "setting the busy timeout")?;
    // Every statement of `store` stays prepared (there are about 30).
    conn.set_prepared_statement_cache_capacity(64);
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .fail(label, "switching to WAL")?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(backend_error(
            label,
            "switching to WAL",
            format!("the journal mode stayed `{mode}`"),
        ));
    }
    let synchronous = match options.synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", synchronous)
        .fail(label, "setting synchronous")?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .fail(label, "enabling foreign keys")?;
    Ok(())
}
