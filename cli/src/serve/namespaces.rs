//! The namespaces `procreg serve` keeps: a fresh registry per namespace a
//! client names, at most a set number of them, the least recently used idle
//! one evicted to make room (a later hello to it is refused), and freed on
//! `close_namespace`.

use crate::backend::Factory;
use async_trait::async_trait;
use procreg::{DurabilityTier, ManualClock, RegistryError, RegistryResult};
use procreg_conformance::RegistryFactory;
use procreg_remote::{Registries, Served};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// One namespace: what it serves, and when it was last opened.
struct Entry {
    served: Served,
    last_used: u64,
}

/// See the module docs.
pub struct PerNamespace {
    factory: Factory,
    /// What `hello` reports: `Inline` when the backend's stores do not
    /// outlive the server (scratch files removed at exit).
    durability: Option<DurabilityTier>,
    max: usize,
    state: Mutex<State>,
}

/// The namespaces served, and the names evicted to make room: a hello to
/// an evicted name is refused, never answered with a fresh, empty registry
/// that would pass for the old one.
#[derive(Default)]
struct State {
    entries: BTreeMap<String, Entry>,
    uses: u64,
    evicted: std::collections::BTreeSet<String>,
    evicted_order: std::collections::VecDeque<String>,
}

/// Evicted names remembered (the oldest are forgotten past this).
const EVICTED_REMEMBERED: usize = 65_536;

impl PerNamespace {
    /// Namespaces from `factory`, at most `max` of them.
    pub fn new(factory: Factory, durability: Option<DurabilityTier>, max: usize) -> Self {
        Self {
            factory,
            durability,
            max: max.max(1),
            state: Mutex::new(State::default()),
        }
    }
}

/// The least recently used namespace no connection is bound to, if any.
fn evictable(entries: &BTreeMap<String, Entry>) -> Option<String> {
    entries
        .iter()
        // The map holds one reference; each bound connection holds another.
        .filter(|(_, entry)| Arc::strong_count(&entry.served.registry) == 1)
        .min_by_key(|(_, entry)| entry.last_used)
        .map(|(name, _)| name.clone())
}

#[async_trait]
impl Registries for PerNamespace {
    async fn open(&self, namespace: &str) -> RegistryResult<Served> {
        let mut state = self.state.lock().await;
        state.uses += 1;
        let now = state.uses;
        if let Some(entry) = state.entries.get_mut(namespace) {
            entry.last_used = now;
            return Ok(entry.served.clone());
        }
        if state.evicted.contains(namespace) {
            return Err(RegistryError::backend(format!(
                "procreg-remote: namespace `{namespace}` was evicted (idle while the server held its {} namespaces) and its registry is gone; use a new namespace",
                self.max
            )));
        }
        if state.entries.len() >= self.max {
            let Some(idle) = evictable(&state.entries) else {
                return Err(RegistryError::backend(format!(
                    "procreg-remote: the server keeps at most {} namespaces and every one is in use; close one (close_namespace) or try later",
                    self.max
                )));
            };
            state.entries.remove(&idle);
            state.evicted.insert(idle.clone());
            state.evicted_order.push_back(idle);
            if state.evicted_order.len() > EVICTED_REMEMBERED {
                if let Some(oldest) = state.evicted_order.pop_front() {
                    state.evicted.remove(&oldest);
                }
            }
        }
        let manual = ManualClock::new(0);
        let registry = self.factory.create(Arc::new(manual.clone())).await?;
        let served = Served {
            registry,
            clock: Some(manual),
            durability: self.durability,
        };
        let entry = Entry {
            served: served.clone(),
            last_used: now,
        };
        state.entries.insert(namespace.to_owned(), entry);
        Ok(served)
    }

    async fn close(&self, namespace: &str) -> RegistryResult<bool> {
        Ok(self.state.lock().await.entries.remove(namespace).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_least_recently_used_idle_namespace_makes_room() {
        let namespaces = PerNamespace::new(Factory::Memory, None, 2);
        drop(namespaces.open("old").await.expect("opens"));
        let _bound = namespaces.open("bound").await.expect("opens");
        drop(namespaces.open("old").await.expect("used again"));
        // `bound` is older in use but a connection holds it: `old` makes room.
        let _new = namespaces.open("new").await.expect("room was made");
        let refused = namespaces
            .open("old")
            .await
            .err()
            .expect("never a fresh registry");
        assert!(refused.message.contains("was evicted"), "{refused}");
        assert!(!namespaces.close("old").await.expect("answers"), "evicted");
        assert!(namespaces.close("bound").await.expect("answers"), "kept");
    }

    #[tokio::test]
    async fn a_full_server_with_every_namespace_in_use_refuses_a_new_one() {
        let namespaces = PerNamespace::new(Factory::Memory, None, 2);
        let _a = namespaces.open("a").await.expect("opens");
        let _b = namespaces.open("b").await.expect("opens");
        let error = namespaces.open("c").await.err().expect("refused");
        assert!(error.message.contains("at most 2 namespaces"), "{error}");
        assert!(namespaces.close("a").await.expect("closes"));
        assert!(
            !namespaces.close("a").await.expect("closes"),
            "already gone"
        );
        assert!(namespaces.open("c").await.is_ok(), "closing made room");
    }

    #[tokio::test]
    async fn hello_reports_the_durability_the_server_keeps() {
        let namespaces = PerNamespace::new(Factory::Memory, Some(DurabilityTier::Inline), 4);
        let served = namespaces.open("a").await.expect("opens");
        assert_eq!(served.durability, Some(DurabilityTier::Inline));
    }
}
