//! Shared test helpers: where the server is (and the skip rule when it is
//! not), a factory of registries each in a fresh schema, and a registry
//! that spreads calls over several handles ("machines") on one schema.

#![allow(dead_code)]

use async_trait::async_trait;
use procreg::{
    CallHandler, CallResult, Clock, ProcessRegistry, RegistryCall, RegistryError, RegistryResult,
};
use procreg::{Capabilities, DurableFactory, StoreOpener};
use procreg_postgres::{PgOptions, PgRegistry};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

/// The runtime every PostgreSQL test runs on: two worker threads, time and I/O.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The environment variable naming the server.
pub const URL_VAR: &str = "PROCREG_PG_URL";

/// The server's connection string, or `None` (with the reason printed) when
/// the tests must skip. In CI (`CI` set) a missing server is a failure: the
/// PostgreSQL tests must run there.
pub fn pg_url(test: &str) -> Option<String> {
    if let Ok(url) = std::env::var(URL_VAR) {
        if !url.trim().is_empty() {
            return Some(url);
        }
    }
    let in_ci = std::env::var("CI")
        .map(|value| !value.is_empty() && value != "false" && value != "0")
        .unwrap_or(false);
    assert!(
        !in_ci,
        "{test}: {URL_VAR} is not set but CI is: in CI the PostgreSQL tests must run \
         (.ci/run sources .ci/postgres.sh and calls procreg_pg_start, which starts a \
         throwaway server and sets {URL_VAR})"
    );
    eprintln!(
        "skipped {test}: {URL_VAR} is not set. To run the PostgreSQL tests, start a throwaway \
         server with `source .ci/postgres.sh && procreg_pg_start` (or set {URL_VAR} to a \
         server you own, e.g. `host=127.0.0.1 port=5432 user=postgres dbname=postgres`)."
    );
    None
}

static SCHEMAS: AtomicU64 = AtomicU64::new(0);

/// A schema name unique in this test binary and across binaries running at
/// once: `procreg_t_<pid>_<counter>`.
pub fn fresh_schema() -> String {
    format!(
        "procreg_t_{}_{}",
        std::process::id(),
        SCHEMAS.fetch_add(1, Ordering::Relaxed)
    )
}

/// A plain admin connection (its driver spawned on the current runtime).
pub async fn admin(url: &str) -> Result<tokio_postgres::Client, String> {
    let connecting = tokio_postgres::connect(url, tokio_postgres::NoTls);
    let (client, connection) = tokio::time::timeout(Duration::from_secs(10), connecting)
        .await
        .map_err(|_| "connecting the admin client timed out".to_owned())?
        .map_err(|error| format!("connecting the admin client: {error}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// `DROP SCHEMA ... CASCADE` for each name, a few per statement (dropping
/// many schemas in one transaction can run out of lock slots).
pub async fn drop_schemas(
    client: &tokio_postgres::Client,
    schemas: &[String],
) -> Result<(), String> {
    for chunk in schemas.chunks(8) {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", chunk.join(", "));
        client
            .batch_execute(&sql)
            .await
            .map_err(|error| format!("dropping schemas: {error}"))?;
    }
    Ok(())
}

/// One schema this factory made and the handles on it.
struct SchemaUse {
    name: String,
    handles: Vec<Weak<dyn ProcessRegistry>>,
    /// Handed to a `create` that has not connected yet: not spare.
    reserved: bool,
}

impl SchemaUse {
    fn is_spare(&self) -> bool {
        !self.reserved && self.handles.iter().all(|handle| handle.strong_count() == 0)
    }
}

/// A schema of its own per registry (no two live registries share one);
/// opening a schema again connects a second pool to it. A schema whose
/// handles are all gone is emptied and reused by the next `make_store`;
/// every schema is dropped when this value drops.
pub struct PgSchemas {
    url: String,
    options: PgOptions,
    /// Handles per registry: 1 is a plain `PgRegistry`; more make a
    /// [`Machines`] registry spreading calls over that many pools.
    machines: usize,
    schemas: Mutex<Vec<SchemaUse>>,
    admin: tokio::sync::Mutex<Option<tokio_postgres::Client>>,
}

/// The suite's factory: [`PgSchemas`] behind the contract's durable factory.
pub type PgFactory = DurableFactory<PgSchemas>;

/// A factory with the default options (pool of 4 per handle).
pub fn pg_factory(url: &str) -> PgFactory {
    DurableFactory::new(PgSchemas::new(url))
}

impl PgSchemas {
    /// A factory with the default options (pool of 4 per handle).
    pub fn new(url: &str) -> Self {
        Self::with_options(url, PgOptions::default())
    }

    /// A factory whose registries use `options` (the schema is replaced).
    pub fn with_options(url: &str, options: PgOptions) -> Self {
        Self {
            url: url.to_owned(),
            options,
            machines: 1,
            schemas: Mutex::new(Vec::new()),
            admin: tokio::sync::Mutex::new(None),
        }
    }

    /// Every `create` returns a [`Machines`] registry of `count` handles on one schema.
    pub fn machines(mut self, count: usize) -> Self {
        self.machines = count.max(1);
        self
    }

    /// A new handle (its own pool) on `schema`.
    pub async fn connect(&self, schema: &str, clock: Arc<dyn Clock>) -> RegistryResult<PgRegistry> {
        let options = PgOptions {
            schema: schema.to_owned(),
            ..self.options.clone()
        };
        PgRegistry::connect_with(&self.url, clock, options).await
    }

    /// `count` handles, each with its own pool of `pool_size` connections,
    /// on one schema of their own: several machines sharing a registry.
    pub async fn handles(
        &self,
        count: usize,
        pool_size: usize,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Vec<Arc<PgRegistry>>> {
        let schema = self.schema_for_create().await?;
        let options = PgOptions {
            schema: schema.clone(),
            pool_size,
            ..self.options.clone()
        };
        let mut handles = Vec::with_capacity(count);
        for _ in 0..count {
            let handle = Arc::new(
                PgRegistry::connect_with(&self.url, Arc::clone(&clock), options.clone()).await?,
            );
            let as_dyn: Arc<dyn ProcessRegistry> = handle.clone();
            self.keep(&as_dyn, &schema);
            handles.push(handle);
        }
        Ok(handles)
    }

    /// Runs `sql` on the admin connection (test set-up: locks, version bumps).
    pub async fn admin_execute(&self, sql: &str) -> RegistryResult<()> {
        let sql = sql.to_owned();
        self.with_admin(|client| {
            Box::pin(async move {
                client
                    .batch_execute(&sql)
                    .await
                    .map_err(|error| format!("admin: {error}"))
            })
        })
        .await
    }

    fn keep(&self, registry: &Arc<dyn ProcessRegistry>, schema: &str) {
        let mut schemas = self.schemas.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = schemas.iter_mut().find(|entry| entry.name == schema) {
            entry.handles.push(Arc::downgrade(registry));
            entry.reserved = false;
        }
    }

    /// The admin connection, reconnected when closed (a new runtime, a server restart).
    async fn with_admin<T>(
        &self,
        work: impl for<'c> FnOnce(
            &'c tokio_postgres::Client,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<T, String>> + Send + 'c>,
        >,
    ) -> RegistryResult<T> {
        let mut admin = self.admin.lock().await;
        if admin.as_ref().is_none_or(tokio_postgres::Client::is_closed) {
            *admin = Some(admin_or_error(&self.url).await?);
        }
        let Some(client) = admin.as_ref() else {
            return Err(RegistryError::backend("no admin connection"));
        };
        work(client).await.map_err(RegistryError::backend)
    }

    /// A schema for a new registry: a schema whose handles are all gone,
    /// emptied, or else a new name (dropping a stale schema of an earlier
    /// run that happened to get the same name).
    ///
    /// Emptying takes `EXCLUSIVE` locks first, so a transaction of a dropped
    /// handle that is still finishing on the server commits (or rolls back)
    /// before the rows are deleted: the reused schema is empty. It is much
    /// cheaper than creating tables (about 1 ms against 30 ms), which is what
    /// makes the model check's hundreds of fresh registries affordable.
    async fn schema_for_create(&self) -> RegistryResult<String> {
        let spare = {
            let mut schemas = self.schemas.lock().unwrap_or_else(PoisonError::into_inner);
            schemas
                .iter_mut()
                .find(|entry| entry.is_spare())
                .map(|entry| {
                    entry.handles.clear();
                    entry.reserved = true;
                    entry.name.clone()
                })
        };
        if let Some(name) = spare {
            self.with_admin(|client| {
                let sql = format!(
                    "BEGIN;
                     LOCK TABLE {name}.leases, {name}.grants, {name}.wake_acks, {name}.events,
                         {name}.processes IN EXCLUSIVE MODE;
                     DELETE FROM {name}.leases; DELETE FROM {name}.grants;
                     DELETE FROM {name}.wake_acks; DELETE FROM {name}.events;
                     DELETE FROM {name}.processes;
                     COMMIT"
                );
                Box::pin(async move {
                    client
                        .batch_execute(&sql)
                        .await
                        .map_err(|error| format!("emptying a test schema: {error}"))
                })
            })
            .await?;
            return Ok(name);
        }
        let name = fresh_schema();
        let stale = vec![name.clone()];
        self.with_admin(|client| Box::pin(async move { drop_schemas(client, &stale).await }))
            .await?;
        self.schemas
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(SchemaUse {
                name: name.clone(),
                handles: Vec::new(),
                reserved: true,
            });
        Ok(name)
    }
}

async fn admin_or_error(url: &str) -> RegistryResult<tokio_postgres::Client> {
    admin(url).await.map_err(RegistryError::backend)
}

impl Drop for PgSchemas {
    fn drop(&mut self) {
        let names: Vec<String> = self
            .schemas
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
            .map(|entry| entry.name)
            .collect();
        if names.is_empty() {
            return;
        }
        let url = self.url.clone();
        // A thread of its own: Drop may run inside or outside a runtime.
        let cleanup = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime.block_on(async {
                let client = admin(&url).await?;
                tokio::time::timeout(Duration::from_secs(60), drop_schemas(&client, &names))
                    .await
                    .map_err(|_| "dropping schemas timed out".to_owned())?
            })
        });
        match cleanup.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                eprintln!("procreg-postgres tests: could not drop test schemas: {error}")
            }
            Err(_) => eprintln!("procreg-postgres tests: the schema cleanup thread panicked"),
        }
    }
}

#[async_trait]
impl StoreOpener for PgSchemas {
    type Store = String;

    async fn make_store(&self) -> RegistryResult<String> {
        self.schema_for_create().await
    }

    async fn open_store(
        &self,
        schema: &String,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let mut handles = Vec::with_capacity(self.machines);
        for _ in 0..self.machines {
            handles.push(Arc::new(self.connect(schema, Arc::clone(&clock)).await?));
        }
        let registry: Arc<dyn ProcessRegistry> = if self.machines == 1 {
            handles.remove(0)
        } else {
            Arc::new(Machines::new(handles))
        };
        self.keep(&registry, schema);
        Ok(registry)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::durable()
    }
}

/// Several `PgRegistry` handles (pools) on one schema, as workers on
/// several machines: each call goes to the next handle in turn, so
/// concurrent calls race through different pools.
pub struct Machines {
    handles: Vec<Arc<PgRegistry>>,
    next: AtomicUsize,
}

impl Machines {
    /// Spreads calls over `handles` (at least one).
    pub fn new(handles: Vec<Arc<PgRegistry>>) -> Self {
        assert!(!handles.is_empty(), "Machines needs at least one handle");
        Self {
            handles,
            next: AtomicUsize::new(0),
        }
    }

    fn pick(&self) -> &PgRegistry {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len();
        &self.handles[index]
    }
}

#[async_trait]
impl CallHandler for Machines {
    fn durability_tier(&self) -> procreg::DurabilityTier {
        self.handles[0].durability_tier()
    }

    async fn handle(&self, call: RegistryCall) -> CallResult {
        call.dispatch(self.pick()).await
    }
}
