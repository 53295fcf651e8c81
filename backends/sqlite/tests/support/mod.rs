//! Shared test helpers: a factory of SQLite registries on fresh temp files.

#![allow(dead_code)]

use async_trait::async_trait;
use procreg::{Clock, ProcessRegistry, RegistryError, RegistryResult};
use procreg_conformance::{Capabilities, RegistryFactory, StoreMap};
use procreg_sqlite::{SqliteOptions, SqliteRegistry};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

/// Fresh file per `create`; `reopen` opens a new handle on the same file.
///
/// The temp dir lives as long as the factory, so every registry it made
/// keeps its file until the test ends.
pub struct SqliteFactory {
    dir: TempDir,
    next: AtomicU64,
    options: SqliteOptions,
    created: StoreMap<PathBuf>,
    /// Keeps every handle alive until the factory drops, so `StoreMap` entries never dangle.
    handles: Mutex<Vec<Arc<dyn ProcessRegistry>>>,
}

impl SqliteFactory {
    /// A factory with the default options.
    pub fn new() -> Self {
        Self::with_options(SqliteOptions::default())
    }

    /// A factory whose registries use `options`.
    pub fn with_options(options: SqliteOptions) -> Self {
        Self {
            dir: tempfile::Builder::new()
                .prefix("procreg-sqlite-")
                .tempdir()
                .expect("temp dir"),
            next: AtomicU64::new(0),
            options,
            created: StoreMap::default(),
            handles: Mutex::new(Vec::new()),
        }
    }

    fn keep(&self, registry: &Arc<dyn ProcessRegistry>, path: PathBuf) {
        self.created.remember(registry, path);
        self.handles
            .lock()
            .expect("handles lock")
            .push(Arc::clone(registry));
    }
}

#[async_trait]
impl RegistryFactory for SqliteFactory {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.path().join(format!("registry-{n}.db"));
        let registry: Arc<dyn ProcessRegistry> =
            Arc::new(SqliteRegistry::open_with(&path, clock, self.options)?);
        self.keep(&registry, path);
        Ok(registry)
    }

    async fn reopen(
        &self,
        previous: &Arc<dyn ProcessRegistry>,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let path = self.created.lookup(previous).ok_or_else(|| {
            RegistryError::backend("reopen: this factory did not create that registry")
        })?;
        let registry: Arc<dyn ProcessRegistry> =
            Arc::new(SqliteRegistry::open_with(&path, clock, self.options)?);
        self.keep(&registry, path);
        Ok(registry)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::durable()
    }
}
