//! `--backend` strings and the registry factories they name.

use crate::exit::CliError;
use async_trait::async_trait;
use procreg::{
    Capabilities, Clock, DurableFactory, ManualClock, ProcessRegistry, RegistryFactory,
    RegistryResult,
};
use procreg_memory::MemoryRegistry;
use procreg_mutants::{self as mutants, Mutant};
use procreg_postgres::{PgOptions, PgScratchSchemas};
use procreg_remote::{RemoteNamespaces, RemoteOptions, TcpConnector};
use procreg_sqlite::{
    inspect_file, FileKind, PlantedBug, SqliteFiles, SqliteOptions, SqliteRegistry,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A parsed `--backend` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendSpec {
    /// The embedded reference registry, `MemoryRegistry`.
    Memory,
    /// `SqliteRegistry` on the database file at the path.
    Sqlite(PathBuf),
    /// A registry served over the framed protocol (`procreg serve`) at `HOST:PORT`.
    Tcp(String),
    /// `PgRegistry` on the PostgreSQL server of this `postgres://` URL.
    Postgres(String),
    /// A mutant of the conformance zoo: a registry with one planted bug.
    Mutant(String),
}

impl BackendSpec {
    /// Parses `memory` or `sqlite:PATH`; anything else is a usage error.
    pub fn parse(text: &str) -> Result<Self, CliError> {
        if text == "memory" {
            return Ok(Self::Memory);
        }
        if let Some(path) = text.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(CliError::usage(
                    "--backend sqlite:PATH needs a path, e.g. sqlite:./registry.db",
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some(address) = text.strip_prefix("tcp://") {
            let valid = address
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid {
                return Err(CliError::usage(format!(
                    "--backend tcp://HOST:PORT needs a host and a port, e.g. tcp://127.0.0.1:7070 (got `{text}`)"
                )));
            }
            return Ok(Self::Tcp(address.to_owned()));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            if text
                .split_once("://")
                .is_some_and(|(_, rest)| rest.is_empty())
            {
                return Err(CliError::usage(
                    "--backend postgres://URL needs a server, e.g. postgres://postgres@127.0.0.1:5432/postgres",
                ));
            }
            return Ok(Self::Postgres(text.to_owned()));
        }
        if let Some(name) = text.strip_prefix("mutant:") {
            if name == "?" {
                let mut listing = String::new();
                for mutant in mutants::zoo() {
                    listing.push_str(&format!(
                        "{:<36} [{}] {}\n",
                        mutant.id,
                        mutant.violates.join(", "),
                        mutant.description
                    ));
                }
                for (_, name, description) in PlantedBug::ALL {
                    listing.push_str(&format!("{name:<36} [REG-17] {description}\n"));
                }
                return Err(CliError::listing(listing));
            }
            if mutants::by_id(name).is_none() && PlantedBug::by_name(name).is_none() {
                let names: Vec<&str> = mutants::zoo()
                    .iter()
                    .map(|mutant| mutant.id)
                    .chain(PlantedBug::ALL.iter().map(|(_, name, _)| *name))
                    .collect();
                return Err(CliError::usage(format!(
                    "unknown mutant `{name}`; the zoo has: {}",
                    names.join(", ")
                )));
            }
            return Ok(Self::Mutant(name.to_owned()));
        }
        let scheme = text.split(':').next().unwrap_or(text);
        Err(CliError::usage(format!(
            "unknown backend `{text}` (scheme `{scheme}`): expected `memory`, `sqlite:PATH`, `postgres://URL`, `tcp://HOST:PORT` or `mutant:NAME`"
        )))
    }

    /// The string that selects this backend again (for replay commands).
    pub fn flag(&self) -> String {
        match self {
            Self::Memory => "memory".to_owned(),
            Self::Sqlite(path) => format!("sqlite:{}", path.display()),
            Self::Postgres(url) => url.clone(),
            Self::Tcp(address) => format!("tcp://{address}"),
            Self::Mutant(name) => format!("mutant:{name}"),
        }
    }

    /// Builds the factory: validates the configuration (exit 2) and starts
    /// the backend once on its own storage (exit 3 when that fails).
    pub fn factory(&self) -> Result<Factory, CliError> {
        match self {
            Self::Memory => Ok(Factory::Memory),
            Self::Sqlite(path) => Ok(Factory::Sqlite(sqlite_factory(path)?)),
            Self::Postgres(url) => Ok(Factory::Postgres(postgres_factory(url)?)),
            Self::Tcp(address) => Ok(Factory::Tcp(tcp_factory(address)?)),
            Self::Mutant(name) => match (mutants::by_id(name), PlantedBug::by_name(name)) {
                (Some(mutant), _) => Ok(Factory::Mutant(mutant)),
                (None, Some(bug)) => Ok(Factory::Sqlite(scratch_sqlite(Some(bug))?)),
                (None, None) => Err(CliError::usage(format!("unknown mutant `{name}`"))),
            },
        }
    }
}

/// The factory behind a [`BackendSpec`].
pub enum Factory {
    /// Fresh `MemoryRegistry`s.
    Memory,
    /// Fresh SQLite files in a scratch directory.
    Sqlite(SqliteFactory),
    /// Fresh namespaces on a `procreg serve` server.
    Tcp(TcpFactory),
    /// Fresh schemas on a PostgreSQL server, dropped when the command ends.
    Postgres(PostgresFactory),
    /// Fresh instances of one zoo mutant.
    Mutant(Mutant),
}

#[async_trait]
impl RegistryFactory for Factory {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        match self {
            Self::Memory => Ok(Arc::new(MemoryRegistry::new(clock))),
            Self::Sqlite(factory) => factory.create(clock).await,
            Self::Tcp(factory) => factory.create(clock).await,
            Self::Postgres(factory) => factory.create(clock).await,
            Self::Mutant(mutant) => mutant.create(clock).await,
        }
    }

    async fn reopen(
        &self,
        previous: &Arc<dyn ProcessRegistry>,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        match self {
            // A MemoryRegistry's storage is the registry itself: a second
            // handle on it is the same `Arc`, which is what REG-16 asks of
            // every handle on one storage.
            Self::Mutant(mutant) if mutant.reopen.is_some() => mutant.reopen(previous, clock).await,
            Self::Memory | Self::Mutant(_) => Ok(Arc::clone(previous)),
            Self::Sqlite(factory) => factory.reopen(previous, clock).await,
            Self::Tcp(factory) => factory.reopen(previous, clock).await,
            Self::Postgres(factory) => factory.reopen(previous, clock).await,
        }
    }

    fn capabilities(&self) -> Capabilities {
        match self {
            Self::Mutant(mutant) if mutant.reopen.is_some() => mutant.capabilities(),
            Self::Memory | Self::Mutant(_) => Capabilities {
                reopen: true,
                ..Capabilities::default()
            },
            Self::Sqlite(factory) => factory.capabilities(),
            Self::Tcp(factory) => factory.capabilities(),
            Self::Postgres(factory) => factory.capabilities(),
        }
    }
}

/// Runs `future` to its end on a runtime of its own, on a thread of its
/// own (a drop may happen inside another runtime).
fn on_own_runtime<T: Send>(
    future: impl std::future::Future<Output = Result<T, String>> + Send,
) -> Result<T, String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|error| error.to_string())?
                    .block_on(future)
            })
            .join()
            .unwrap_or_else(|_| Err("the clean-up thread panicked".to_owned()))
    })
}

impl Drop for Factory {
    /// Frees what the run made on a server: the namespaces of a `tcp://`
    /// server (`close_namespace`), the schemas of a PostgreSQL server
    /// (bounded; a failure is a note, not an error).
    fn drop(&mut self) {
        if let Self::Tcp(factory) = self {
            let namespaces = factory.opener();
            if let Err(error) = on_own_runtime(async {
                namespaces
                    .close_all()
                    .await
                    .map_err(|error| error.to_string())
            }) {
                crate::exit::note(&format!(
                    "procreg: could not free the namespaces this run made on the server: {error}"
                ));
            }
            return;
        }
        let Self::Postgres(factory) = self else {
            return;
        };
        let schemas = factory.opener();
        let cleanup = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|error| error.to_string())?;
                    runtime
                        .block_on(schemas.drop_all(std::time::Duration::from_secs(30)))
                        .map_err(|error| error.to_string())
                })
                .join()
        });
        if let Ok(Err(error)) = cleanup {
            crate::exit::note(&format!(
                "procreg: could not drop the scratch schemas: {error}"
            ));
        }
    }
}

/// The factory for `postgres://URL`: a fresh schema per check, model case
/// and history, all dropped when the command ends.
pub type PostgresFactory = DurableFactory<PgScratchSchemas>;

/// Connects once to the server (exit 3 when it does not answer or refuses the login).
pub fn postgres_factory(url: &str) -> Result<PostgresFactory, CliError> {
    let factory = DurableFactory::new(PgScratchSchemas::new(url, PgOptions::default()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::backend(format!("could not start a tokio runtime: {error}")))?;
    let probe = runtime.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(15),
            factory.create(Arc::new(ManualClock::new(0))),
        )
        .await
    });
    match probe {
        Ok(Ok(_)) => Ok(factory),
        Ok(Err(error)) => Err(CliError::backend(format!(
            "the postgres backend failed to start: {error}"
        ))),
        Err(_) => Err(CliError::backend(
            "the postgres backend failed to start: no answer within 15 s",
        )),
    }
}

/// `SqliteRegistry` factory for `sqlite:PATH`.
///
/// `PATH` is a database file (created when missing) that must open as a
/// registry: that is the start-up probe. Every check, model case and
/// history then gets a fresh, empty file `registry-<n>.db` in a scratch
/// directory under the system temp dir, removed when the command ends;
/// `PATH` itself is never written to by the checks.
pub type SqliteFactory = DurableFactory<SqliteFiles>;

/// Validates `path`, probes it, and creates the scratch directory.
pub fn sqlite_factory(path: &Path) -> Result<SqliteFactory, CliError> {
    let shown = path.display();
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "sqlite:{shown} is a directory; expected a database file path"
        )));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(CliError::usage(format!(
            "sqlite:{shown}: directory `{}` does not exist",
            parent.display()
        )));
    }
    if path.exists() {
        if let Err(error) = std::fs::File::open(path) {
            return Err(CliError::usage(format!(
                "sqlite:{shown} cannot be read: {error}"
            )));
        }
    }
    refuse_foreign_file(path)?;
    remove_stale_scratch();
    let probe = SqliteRegistry::open(path, Arc::new(ManualClock::new(0)));
    if let Err(error) = probe {
        return Err(CliError::backend(format!(
            "the sqlite backend failed to start on `{shown}`: {error}"
        )));
    }
    scratch_sqlite(None)
}

/// Fresh SQLite files in a scratch directory, built with `planted_bug` (the
/// zoo's `mutant:sqlite_*`) or none.
fn scratch_sqlite(planted_bug: Option<PlantedBug>) -> Result<SqliteFactory, CliError> {
    let options = SqliteOptions {
        planted_bug,
        ..SqliteOptions::default()
    };
    let files = SqliteFiles::scratch("procreg-scratch-", options).map_err(|error| {
        CliError::backend(format!("could not create a scratch directory: {error}"))
    })?;
    Ok(DurableFactory::new(files))
}

/// Refuses (exit 2, the file untouched) a path that holds something other
/// than a procreg registry: another application's database, or no database.
pub(crate) fn refuse_foreign_file(path: &Path) -> Result<(), CliError> {
    let shown = path.display();
    match inspect_file(path) {
        FileKind::Missing | FileKind::Empty | FileKind::Registry { .. } => Ok(()),
        FileKind::ForeignDatabase { tables } => Err(CliError::usage(format!(
            "sqlite:{shown} is an SQLite database but not a procreg registry (tables: {}); \
             procreg never migrates another database: name a new file instead",
            tables.join(", ")
        ))),
        FileKind::NotADatabase { detail } => Err(CliError::usage(format!(
            "sqlite:{shown} is not an SQLite database ({detail}); name a new file instead"
        ))),
    }
}

/// How old a scratch directory must be before a later run removes it as
/// left behind by a killed run (a live run's is younger than its run).
const STALE_SCRATCH_AGE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes `procreg-scratch-*` directories under the temp dir that a
/// killed run left behind (untouched for a day); never fails the run.
fn remove_stale_scratch() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let named = entry
            .file_name()
            .to_string_lossy()
            .starts_with(SCRATCH_PREFIX);
        let stale = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > STALE_SCRATCH_AGE);
        if named && stale && entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The prefix of the scratch directories `sqlite:PATH` runs use.
const SCRATCH_PREFIX: &str = "procreg-scratch-";

/// The environment variable holding the shared token of a `procreg serve`
/// started with one; `tcp://` backends send it in every hello.
pub const TOKEN_VARIABLE: &str = "PROCREG_TOKEN";

/// `PROCREG_TOKEN`, when set and not empty.
pub fn token_from_env() -> Option<String> {
    std::env::var(TOKEN_VARIABLE)
        .ok()
        .filter(|token| !token.is_empty())
}

/// The factory for `tcp://HOST:PORT`: a fresh namespace of the served
/// registry per check, model case and history (see [`RemoteNamespaces`]).
pub type TcpFactory = DurableFactory<RemoteNamespaces<TcpConnector>>;

/// Connects once (exit 3 when the server cannot be reached or is no registry server).
pub fn tcp_factory(address: &str) -> Result<TcpFactory, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::backend(format!("could not start a tokio runtime: {error}")))?;
    let probe = runtime.block_on(RemoteNamespaces::probe_with_token(
        TcpConnector::new(address),
        RemoteOptions::default(),
        token_from_env(),
    ));
    match probe {
        Ok(namespaces) => Ok(DurableFactory::new(namespaces)),
        Err(error) => Err(CliError::backend(format!(
            "the tcp backend failed to start: {error}"
        ))),
    }
}
