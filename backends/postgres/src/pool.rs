//! A small connection pool: a semaphore of `pool_size` permits over lazily
//! opened connections, each with its prepared statements.
//!
//! A connection goes back to the pool only when it is healthy and outside a
//! transaction. Anything else (an error mid-transaction, a caller that
//! dropped the call's future, a timeout) drops the client, which closes the
//! socket, and the server rolls the open transaction back. So a cancelled
//! call can never leave a half-done transaction on a pooled connection.

use crate::codec::{backend_error, Db, Fail, StoreResult};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

/// One open connection and the statements prepared on it.
pub(crate) struct Conn {
    client: Client,
    /// Prepared once per connection, keyed by the SQL text (a `BTreeMap`:
    /// nothing iterates it, but no hash order can leak either).
    statements: Mutex<BTreeMap<&'static str, Statement>>,
    /// Requests sent and not yet answered on this connection.
    in_flight: AtomicUsize,
    /// The pool's count of round trips (see [`Pool::round_trips`]).
    round_trips: Arc<AtomicU64>,
}

/// Marks one request in flight; the first of a pipelined group starts a round trip.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Conn {
    /// Counts a request about to be sent: a new round trip unless another
    /// request on this connection is still waiting for its answer (then it
    /// is pipelined behind it). Held until the answer arrives.
    fn send(&self) -> InFlight<'_> {
        if self.in_flight.fetch_add(1, Ordering::SeqCst) == 0 {
            self.round_trips.fetch_add(1, Ordering::SeqCst);
        }
        InFlight(&self.in_flight)
    }

    /// The prepared statement for `sql`, preparing it on first use (one
    /// round trip, once per connection). Prepare every statement of a
    /// pipeline before sending any of it, so they reach the server in order.
    pub(crate) async fn statement(&self, sql: &'static str) -> StoreResult<Statement> {
        let cached = self
            .statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(sql)
            .cloned();
        if let Some(statement) = cached {
            return Ok(statement);
        }
        let statement = {
            let _sent = self.send();
            self.client.prepare(sql).await.db("preparing a statement")?
        };
        self.statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(sql, statement.clone());
        Ok(statement)
    }

    /// Runs a prepared query and returns its rows.
    pub(crate) async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        what: &'static str,
    ) -> StoreResult<Vec<Row>> {
        let statement = self.statement(sql).await?;
        let _sent = self.send();
        self.client.query(&statement, params).await.db(what)
    }

    /// Runs a prepared query that returns at most one row.
    pub(crate) async fn query_opt(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        what: &'static str,
    ) -> StoreResult<Option<Row>> {
        let statement = self.statement(sql).await?;
        self.query_opt_prepared(&statement, params, what).await
    }

    /// [`Self::query_opt`] of a statement prepared with [`Self::statement`]:
    /// sent on the first poll, so it can be pipelined.
    pub(crate) async fn query_opt_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
        what: &'static str,
    ) -> StoreResult<Option<Row>> {
        let _sent = self.send();
        self.client.query_opt(statement, params).await.db(what)
    }

    /// Runs a prepared query that returns exactly one row.
    pub(crate) async fn query_one(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        what: &'static str,
    ) -> StoreResult<Row> {
        let statement = self.statement(sql).await?;
        self.query_one_prepared(&statement, params, what).await
    }

    /// [`Self::query_one`] of a statement prepared with [`Self::statement`].
    pub(crate) async fn query_one_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
        what: &'static str,
    ) -> StoreResult<Row> {
        let _sent = self.send();
        self.client.query_one(statement, params).await.db(what)
    }

    /// Runs a prepared statement and returns how many rows it touched.
    pub(crate) async fn execute(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        what: &'static str,
    ) -> StoreResult<u64> {
        let statement = self.statement(sql).await?;
        self.execute_prepared(&statement, params, what).await
    }

    /// [`Self::execute`] of a statement prepared with [`Self::statement`].
    pub(crate) async fn execute_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
        what: &'static str,
    ) -> StoreResult<u64> {
        let _sent = self.send();
        self.client.execute(statement, params).await.db(what)
    }

    /// Runs unprepared SQL (transaction control, migrations).
    pub(crate) async fn batch(&self, sql: &str, what: &'static str) -> StoreResult<()> {
        let _sent = self.send();
        self.client.batch_execute(sql).await.db(what)
    }
}

/// The pool: at most `pool_size` connections, opened on demand.
pub(crate) struct Pool {
    config: Config,
    connect_timeout: Duration,
    permits: Semaphore,
    idle: Mutex<Vec<Conn>>,
    label: String,
    round_trips: Arc<AtomicU64>,
}

impl Pool {
    /// A pool of `size` connections made from `config` (nothing is opened yet).
    pub(crate) fn new(
        config: Config,
        size: usize,
        connect_timeout: Duration,
        label: String,
    ) -> Self {
        Self {
            config,
            connect_timeout,
            permits: Semaphore::new(size),
            idle: Mutex::new(Vec::with_capacity(size)),
            label,
            round_trips: Arc::new(AtomicU64::new(0)),
        }
    }

    /// What connections are made from, and the bound on opening one.
    pub(crate) fn config(&self) -> (&Config, Duration) {
        (&self.config, self.connect_timeout)
    }

    /// Round trips to the server so far over all of this pool's connections:
    /// requests sent while nothing else was in flight on their connection
    /// (connecting not included).
    pub(crate) fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::SeqCst)
    }

    /// Waits for a permit, then hands out an idle healthy connection or opens one.
    ///
    /// The wait has no bound of its own: callers bound the whole call.
    pub(crate) async fn get(&self) -> StoreResult<PooledConn<'_>> {
        let permit = self.permits.acquire().await.map_err(|_| {
            Fail::Registry(backend_error(
                &self.label,
                "taking a connection",
                "the pool is closed",
            ))
        })?;
        let reused = loop {
            let next = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            match next {
                // A server restart closes every pooled socket: skip the dead ones.
                Some(conn) if conn.client.is_closed() => continue,
                other => break other,
            }
        };
        let (conn, reused) = match reused {
            Some(conn) => (conn, true),
            None => (self.connect().await?, false),
        };
        Ok(PooledConn {
            pool: self,
            conn: Some(conn),
            reused,
            in_transaction: false,
            _permit: permit,
        })
    }

    /// Opens a connection, bounded by the connect timeout, and spawns its driver task.
    async fn connect(&self) -> StoreResult<Conn> {
        let connecting = tokio::time::timeout(self.connect_timeout, self.config.connect(NoTls));
        let (client, connection) = match connecting.await {
            Ok(result) => result.db("connecting")?,
            Err(_) => {
                return Err(Fail::Registry(backend_error(
                    &self.label,
                    "connecting",
                    format!(
                        "no connection within the connect timeout ({} ms)",
                        self.connect_timeout.as_millis()
                    ),
                )))
            }
        };
        // The driver task ends when the client is dropped or the socket
        // closes; its error has no one to go to, and the next call on this
        // client fails with its own error.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Conn {
            client,
            statements: Mutex::new(BTreeMap::new()),
            in_flight: AtomicUsize::new(0),
            round_trips: Arc::clone(&self.round_trips),
        })
    }
}

/// A connection taken from the pool; returned on drop when healthy and idle.
pub(crate) struct PooledConn<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
    /// Whether it was idle in the pool before (so possibly closed by a server restart).
    pub(crate) reused: bool,
    /// Set between `BEGIN` and the end of the transaction: such a connection is never reused.
    pub(crate) in_transaction: bool,
    _permit: SemaphorePermit<'a>,
}

impl PooledConn<'_> {
    /// The connection (present until drop).
    pub(crate) fn conn(&self) -> StoreResult<&Conn> {
        self.conn.as_ref().ok_or_else(|| {
            Fail::Registry(backend_error(
                &self.pool.label,
                "using a connection",
                "the connection was already returned",
            ))
        })
    }

    /// Drops the connection instead of returning it to the pool.
    pub(crate) fn discard(&mut self) {
        self.conn = None;
    }
}

impl Drop for PooledConn<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if self.in_transaction || conn.client.is_closed() {
            return; // Dropping the client closes the socket; the server rolls back.
        }
        self.pool
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
    }
}
