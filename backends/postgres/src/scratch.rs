//! [`PgScratchSchemas`]: a fresh schema per registry on one server, so the
//! kit's instruments can make and reopen registries through
//! [`procreg::DurableFactory`], and every schema made is dropped afterwards.

use crate::{PgOptions, PgRegistry};
use async_trait::async_trait;
use procreg::{Capabilities, Clock, ProcessRegistry, RegistryError, RegistryResult, StoreOpener};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Schemas `procreg_<nonce>_<n>` on the server `conninfo` names, one per
/// registry; the nonce (random, per value) keeps runs that share a server apart.
pub struct PgScratchSchemas {
    conninfo: String,
    options: PgOptions,
    nonce: String,
    next: AtomicU64,
    made: Mutex<Vec<String>>,
}

/// 64 random bits as 16 hex digits, from the standard library's per-process random keys.
fn random_nonce() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    format!("{:016x}", hasher.finish())
}

impl PgScratchSchemas {
    /// Scratch schemas on `conninfo`, every handle opened with `options`
    /// (their `schema` is replaced).
    pub fn new(conninfo: &str, options: PgOptions) -> Self {
        Self {
            conninfo: conninfo.to_owned(),
            options,
            nonce: random_nonce(),
            next: AtomicU64::new(0),
            made: Mutex::new(Vec::new()),
        }
    }

    /// Drops every schema this value made (`DROP SCHEMA ... CASCADE`),
    /// bounded by `timeout`; call it when the registries are done.
    pub async fn drop_all(&self, timeout: Duration) -> RegistryResult<()> {
        let made: Vec<String> = self
            .made
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
            .collect();
        if made.is_empty() {
            return Ok(());
        }
        let drop_them = async {
            let (client, connection) =
                tokio_postgres::connect(&self.conninfo, tokio_postgres::NoTls)
                    .await
                    .map_err(|error| RegistryError::backend(format!("postgres: {error}")))?;
            let driver = tokio::spawn(connection);
            for chunk in made.chunks(8) {
                let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", chunk.join(", "));
                client.batch_execute(&sql).await.map_err(|error| {
                    RegistryError::backend(format!("postgres: dropping scratch schemas: {error}"))
                })?;
            }
            drop(client);
            let _ = driver.await;
            Ok(())
        };
        tokio::time::timeout(timeout, drop_them)
            .await
            .map_err(|_| RegistryError::backend("postgres: dropping scratch schemas timed out"))?
    }
}

#[async_trait]
impl StoreOpener for PgScratchSchemas {
    type Store = String;

    async fn make_store(&self) -> RegistryResult<String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let schema = format!("procreg_{}_{n}", self.nonce);
        self.made
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(schema.clone());
        Ok(schema)
    }

    async fn open_store(
        &self,
        schema: &String,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let options = PgOptions {
            schema: schema.clone(),
            ..self.options.clone()
        };
        Ok(Arc::new(
            PgRegistry::connect_with(&self.conninfo, clock, options).await?,
        ))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::durable()
    }
}
