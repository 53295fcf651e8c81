//! `procreg serve --store NAME`: one durable store, the same on every start,
//! served under the namespace `default` with a client-driven clock. This
//! is the registry process the kill -9 phase kills and starts again.

use crate::backend::BackendSpec;
use crate::exit::CliError;
use procreg::{ManualClock, ProcessRegistry, RegistryResult};
use procreg_postgres::{PgOptions, PgRegistry};
use procreg_sqlite::{PlantedBug, SqliteOptions, SqliteRegistry};
use std::sync::Arc;

/// Whether `backend` has a store that outlives the process (`--store` applies).
pub fn has_store(backend: &BackendSpec) -> bool {
    match backend {
        BackendSpec::Sqlite(_) | BackendSpec::Postgres(_) => true,
        BackendSpec::Mutant(name) => PlantedBug::by_name(name).is_some(),
        BackendSpec::Memory | BackendSpec::Tcp(_) => false,
    }
}

/// Opens the store `name` of `backend` (an SQLite file for `sqlite:` and the
/// planted `mutant:sqlite_*`, a schema for `postgres://`), reading `clock`.
pub async fn open_store(
    backend: &BackendSpec,
    name: &str,
    clock: ManualClock,
) -> Result<Arc<dyn ProcessRegistry>, CliError> {
    let clock = Arc::new(clock);
    if matches!(backend, BackendSpec::Sqlite(_) | BackendSpec::Mutant(_)) {
        // Never write procreg's tables into another application's database.
        crate::backend::refuse_foreign_file(std::path::Path::new(name))?;
    }
    let opened: RegistryResult<Arc<dyn ProcessRegistry>> = match backend {
        BackendSpec::Sqlite(_) => SqliteRegistry::open(name, clock)
            .map(|registry| Arc::new(registry) as Arc<dyn ProcessRegistry>),
        BackendSpec::Mutant(mutant) => match PlantedBug::by_name(mutant) {
            Some(bug) => {
                let options = SqliteOptions {
                    planted_bug: Some(bug),
                    ..SqliteOptions::default()
                };
                SqliteRegistry::open_with(name, clock, options)
                    .map(|registry| Arc::new(registry) as Arc<dyn ProcessRegistry>)
            }
            None => return Err(no_store(backend)),
        },
        BackendSpec::Postgres(url) => {
            PgRegistry::connect_with(url, clock, PgOptions::with_schema(name))
                .await
                .map(|registry| Arc::new(registry) as Arc<dyn ProcessRegistry>)
        }
        BackendSpec::Memory | BackendSpec::Tcp(_) => return Err(no_store(backend)),
    };
    opened.map_err(|error| {
        CliError::backend(format!(
            "the store `{name}` of {} did not open: {error}",
            backend.flag()
        ))
    })
}

fn no_store(backend: &BackendSpec) -> CliError {
    CliError::usage(format!(
        "--store needs a backend whose store outlives the process (sqlite:PATH, postgres://URL or a planted mutant:sqlite_*), not {}",
        backend.flag()
    ))
}
