//! Shared test helpers: a factory of SQLite registries on fresh temp files.

#![allow(dead_code)]

use procreg::DurableFactory;
use procreg_sqlite::{SqliteFiles, SqliteOptions};

/// Fresh file per `create` in a scratch directory; `reopen` opens a new
/// handle on the same file. The directory lives as long as the factory.
pub type SqliteFactory = DurableFactory<SqliteFiles>;

/// A factory with the default options.
pub fn sqlite_factory() -> SqliteFactory {
    sqlite_factory_with(SqliteOptions::default())
}

/// A factory whose registries use `options`.
pub fn sqlite_factory_with(options: SqliteOptions) -> SqliteFactory {
    DurableFactory::new(SqliteFiles::scratch("procreg-sqlite-", options).expect("scratch dir"))
}
