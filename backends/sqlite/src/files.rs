//! [`SqliteFiles`]: fresh SQLite files in one directory, one per registry,
//! so that every instrument of the kit (suite, model check, histories,
//! simulation) can make registries and reopen them through
//! [`procreg::DurableFactory`].

use crate::{SqliteOptions, SqliteRegistry};
use async_trait::async_trait;
use procreg::{Capabilities, Clock, ProcessRegistry, RegistryResult, StoreOpener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Makes `registry-<n>.db` files in a directory and opens them with one set of options.
///
/// The directory must exist and outlive every registry opened from it.
#[derive(Debug)]
pub struct SqliteFiles {
    dir: PathBuf,
    next: AtomicU64,
    options: SqliteOptions,
    /// The scratch directory this value owns and deletes when dropped, if any.
    scratch: Option<tempfile::TempDir>,
}

impl SqliteFiles {
    /// Files in `dir`, opened with the default options.
    pub fn in_dir(dir: impl AsRef<Path>) -> Self {
        Self::with_options(dir, SqliteOptions::default())
    }

    /// Files in `dir`, opened with `options`.
    pub fn with_options(dir: impl AsRef<Path>, options: SqliteOptions) -> Self {
        Self {
            dir: dir.as_ref().to_path_buf(),
            next: AtomicU64::new(0),
            options,
            scratch: None,
        }
    }

    /// Files in a new scratch directory under the system temp dir, named
    /// `<prefix>...`; the directory and every file in it are deleted when
    /// this value is dropped.
    pub fn scratch(prefix: &str, options: SqliteOptions) -> std::io::Result<Self> {
        let scratch = tempfile::Builder::new().prefix(prefix).tempdir()?;
        Ok(Self {
            dir: scratch.path().to_path_buf(),
            next: AtomicU64::new(0),
            options,
            scratch: Some(scratch),
        })
    }

    /// Whether the directory is a scratch directory this value deletes.
    pub fn is_scratch(&self) -> bool {
        self.scratch.is_some()
    }

    /// The directory the files go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl StoreOpener for SqliteFiles {
    type Store = PathBuf;

    async fn make_store(&self) -> RegistryResult<PathBuf> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        Ok(self.dir.join(format!("registry-{n}.db")))
    }

    async fn open_store(
        &self,
        path: &PathBuf,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok(Arc::new(SqliteRegistry::open_with(
            path,
            clock,
            self.options,
        )?))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::durable()
    }
}
