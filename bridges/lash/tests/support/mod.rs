//! Shared test helpers: lash's SQLite registry as a `LashBackend` on fresh temp files.

#![allow(dead_code)]

pub mod ops;

use async_trait::async_trait;
use lash_sqlite_store::SqliteProcessRegistry;
use procreg::{DurabilityTier, RegistryError, RegistryResult};
use procreg_conformance::Capabilities;
use procreg_lash::{lash_capabilities, LashBackend, LashProcessRegistry};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tempfile::TempDir;

/// lash-sqlite-store's `SqliteProcessRegistry`, one fresh file per registry
/// in a temp dir that lives as long as the backend; reopen opens a second
/// handle on the same file.
pub struct LashSqliteBackend {
    dir: TempDir,
    next: AtomicU64,
}

impl LashSqliteBackend {
    /// A backend in a fresh temp dir.
    pub fn new() -> Self {
        Self {
            dir: tempfile::Builder::new()
                .prefix("procreg-lash-sqlite-")
                .tempdir()
                .expect("temp dir"),
            next: AtomicU64::new(0),
        }
    }
}

async fn open(path: &Path) -> RegistryResult<Arc<LashProcessRegistry>> {
    let registry = SqliteProcessRegistry::open(path)
        .await
        .map_err(|error| RegistryError::backend(format!("opening {}: {error}", path.display())))?;
    Ok(Arc::new(registry))
}

#[async_trait]
impl LashBackend for LashSqliteBackend {
    type Store = PathBuf;

    async fn open(&self) -> RegistryResult<(Arc<LashProcessRegistry>, PathBuf)> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.path().join(format!("registry-{n}.db"));
        Ok((open(&path).await?, path))
    }

    async fn reopen(&self, store: &PathBuf) -> RegistryResult<Arc<LashProcessRegistry>> {
        open(store).await
    }

    fn capabilities(&self) -> Capabilities {
        lash_capabilities(DurabilityTier::Durable, true)
    }
}
