//! [`RemoteNamespaces`]: fresh namespaces on a served registry, one per
//! registry the kit asks for, so every instrument can check a server
//! through [`procreg::DurableFactory`].

use crate::client::{Connector, RemoteOptions, RemoteRegistry, Session};
use async_trait::async_trait;
use procreg::{Capabilities, Clock, ClockControl, ProcessRegistry, RegistryResult, StoreOpener};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Makes namespaces `procreg-<nonce>-<n>` on one server and connects to
/// them, reading the checker's clock when the server lets clients drive
/// time. The nonce is 128 random bits drawn once per value, so runs that
/// share a server (from containers with the same pid, say) never share a
/// namespace; it names storage only and never reaches a report.
pub struct RemoteNamespaces<C: Connector + Clone> {
    connector: C,
    options: RemoteOptions,
    nonce: String,
    next: AtomicU64,
    capabilities: Capabilities,
    token: Option<String>,
    known_records: bool,
}

/// 128 random bits as 32 hex digits, from the standard library's per-process random keys.
fn random_nonce() -> String {
    let half = || {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0);
        hasher.finish()
    };
    format!("{:016x}{:016x}", half(), half())
}

impl<C: Connector + Clone> RemoteNamespaces<C> {
    /// Connects once to learn the server's durability tier and clock; fails
    /// with `Backend` when it is unreachable or speaks no registry protocol.
    pub async fn probe(connector: C, options: RemoteOptions) -> RegistryResult<Self> {
        Self::probe_with_token(connector, options, None).await
    }

    /// [`RemoteNamespaces::probe`] for a server started with a shared
    /// token: every hello carries `token`.
    pub async fn probe_with_token(
        connector: C,
        options: RemoteOptions,
        token: Option<String>,
    ) -> RegistryResult<Self> {
        let nonce = random_nonce();
        let session = Session {
            namespace: Some(format!("procreg-{nonce}-probe")),
            clock: None,
            token: token.clone(),
            known_records: false,
        };
        let probe = RemoteRegistry::connect_session(connector.clone(), options, session).await?;
        let _ = probe
            .close_namespace(&format!("procreg-{nonce}-probe"))
            .await;
        let capabilities = Capabilities {
            durability_tier: procreg::ProcessRegistry::durability_tier(&probe),
            clock: if probe.client_clock() {
                ClockControl::Injected
            } else {
                ClockControl::WallOnly
            },
            reopen: true,
            inline_calls: false,
            // Connections bound to one namespace are handles on one store.
            handles: true,
            ..Capabilities::default()
        };
        Ok(Self {
            connector,
            options,
            nonce,
            next: AtomicU64::new(0),
            capabilities,
            token,
            known_records: false,
        })
    }

    /// Namespaces on the server `connector` reaches, declared to have
    /// `capabilities` (no probe: for servers whose answers the caller knows).
    pub fn declared(connector: C, options: RemoteOptions, capabilities: Capabilities) -> Self {
        Self {
            connector,
            options,
            nonce: random_nonce(),
            next: AtomicU64::new(0),
            capabilities,
            token: None,
            known_records: false,
        }
    }

    /// Every registry this value opens asks its server for `known_records`
    /// (records without the parts the connection already carried).
    pub fn with_known_records(mut self) -> Self {
        self.known_records = true;
        self
    }

    /// Frees every namespace this value made on the server (`close_namespace`),
    /// so a finished run leaves nothing behind; returns how many the server freed.
    pub async fn close_all(&self) -> RegistryResult<usize> {
        let session = Session {
            namespace: Some(format!("{}close", self.prefix())),
            clock: None,
            token: self.token.clone(),
            known_records: false,
        };
        let control =
            RemoteRegistry::connect_session(self.connector.clone(), self.options, session).await?;
        let mut freed = 0;
        for n in 0..self.next.load(Ordering::Relaxed) {
            if control
                .close_namespace(&format!("{}{n}", self.prefix()))
                .await?
            {
                freed += 1;
            }
        }
        let _ = control
            .close_namespace(&format!("{}close", self.prefix()))
            .await;
        Ok(freed)
    }

    /// The prefix every namespace of this value starts with.
    pub fn prefix(&self) -> String {
        format!("procreg-{}-", self.nonce)
    }
}

#[async_trait]
impl<C: Connector + Clone> StoreOpener for RemoteNamespaces<C> {
    type Store = String;

    async fn make_store(&self) -> RegistryResult<String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        Ok(format!("{}{n}", self.prefix()))
    }

    async fn open_store(
        &self,
        namespace: &String,
        clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let session = Session {
            namespace: Some(namespace.clone()),
            clock: Some(clock),
            token: self.token.clone(),
            known_records: self.known_records,
        };
        let remote =
            RemoteRegistry::connect_session(self.connector.clone(), self.options, session).await?;
        Ok(Arc::new(remote))
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }
}

#[cfg(test)]
mod tests {
    use super::random_nonce;

    #[test]
    fn nonces_are_128_bits_and_differ() {
        let (first, second) = (random_nonce(), random_nonce());
        assert_eq!(first.len(), 32);
        assert!(first.chars().all(|digit| digit.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }
}
