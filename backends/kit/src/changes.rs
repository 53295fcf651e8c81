//! Change waits: a handle wakes its waiters on every committed append, and
//! waiters look again at least every poll interval for appends made through
//! other handles. A wait on one process (a key) is woken only by changes to
//! that process, or by a change that may concern every process.

use procreg::RegistryResult;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// The change signal of one registry handle.
#[derive(Debug)]
pub struct Changes {
    /// Moves on every notification: what [`Changes::wait_until`] watches.
    any: watch::Sender<u64>,
    /// Moves on [`Changes::notify`] only: every keyed wait watches it too.
    everyone: watch::Sender<u64>,
    /// The signal of each key a wait is on now.
    keyed: Mutex<BTreeMap<String, KeySignal>>,
    poll_interval: Duration,
}

/// The signal of one key, and how many waits are on it.
#[derive(Debug)]
struct KeySignal {
    version: Arc<watch::Sender<u64>>,
    waits: usize,
}

/// A keyed wait's place in [`Changes::keyed`], given back when the wait ends.
struct KeyedWait<'a> {
    changes: &'a Changes,
    key: &'a str,
}

impl Drop for KeyedWait<'_> {
    fn drop(&mut self) {
        let mut keyed = self.changes.keyed();
        if let Some(signal) = keyed.get_mut(self.key) {
            signal.waits -= 1;
            if signal.waits == 0 {
                keyed.remove(self.key);
            }
        }
    }
}

fn bump(version: &watch::Sender<u64>) {
    version.send_modify(|version| *version = version.wrapping_add(1));
}

impl Changes {
    /// A signal whose waiters look again at least every `poll_interval`.
    pub fn new(poll_interval: Duration) -> Self {
        Self {
            any: watch::Sender::new(0),
            everyone: watch::Sender::new(0),
            keyed: Mutex::new(BTreeMap::new()),
            poll_interval,
        }
    }

    fn keyed(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, KeySignal>> {
        self.keyed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes every waiter, keyed or not: call it after a change that may
    /// concern any process (or when changes may have gone unnoticed).
    pub fn notify(&self) {
        bump(&self.any);
        bump(&self.everyone);
    }

    /// Wakes the waiters of `key` and the unkeyed ones, not the waiters of
    /// other keys: call it after a committed append to the process `key` names.
    pub fn notify_key(&self, key: &str) {
        bump(&self.any);
        if let Some(signal) = self.keyed().get(key) {
            bump(&signal.version);
        }
    }

    /// Subscribes, looks, and waits for a change or the poll interval
    /// before looking again, until `look` finds something: no lost wake-up
    /// from this handle (WAIT-3), and writes from other handles are seen
    /// within one poll interval. Dropping the future ends the wait with no
    /// side effect (WAIT-7).
    pub async fn wait_until<T, F, Fut>(&self, mut look: F) -> RegistryResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = RegistryResult<Option<T>>>,
    {
        loop {
            let mut changes = self.any.subscribe();
            if let Some(found) = look().await? {
                return Ok(found);
            }
            tokio::select! {
                _ = changes.changed() => {}
                () = tokio::time::sleep(self.poll_interval) => {}
            }
        }
    }

    /// [`Changes::wait_until`] on one key: woken by [`Changes::notify_key`]
    /// for this key (writers must notify with the key waiters use) and by
    /// [`Changes::notify`], never by another key's notification, so an
    /// append to one process does not make the waiters of every other
    /// process look again. As with `wait_until`, it looks again at least
    /// every poll interval, and dropping the future ends the wait with no
    /// side effect (WAIT-7).
    pub async fn wait_until_key<T, F, Fut>(&self, key: &str, mut look: F) -> RegistryResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = RegistryResult<Option<T>>>,
    {
        let signal = {
            let mut keyed = self.keyed();
            let signal = keyed.entry(key.to_owned()).or_insert_with(|| KeySignal {
                version: Arc::new(watch::Sender::new(0)),
                waits: 0,
            });
            signal.waits += 1;
            Arc::clone(&signal.version)
        };
        let _registered = KeyedWait { changes: self, key };
        loop {
            let mut everyone = self.everyone.subscribe();
            let mut mine = signal.subscribe();
            if let Some(found) = look().await? {
                return Ok(found);
            }
            tokio::select! {
                _ = everyone.changed() => {}
                _ = mine.changed() => {}
                () = tokio::time::sleep(self.poll_interval) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    /// The look of the test waiters: it counts, and finds something on the second.
    fn second_look(looks: &AtomicU32) -> impl Future<Output = RegistryResult<Option<u32>>> {
        let seen = looks.fetch_add(1, Ordering::SeqCst);
        async move { Ok((seen >= 1).then_some(seen)) }
    }

    /// An unkeyed waiter counting its looks in `looks`.
    fn waiter(
        changes: &Arc<Changes>,
        looks: &Arc<AtomicU32>,
    ) -> tokio::task::JoinHandle<RegistryResult<u32>> {
        let (changes, looks) = (Arc::clone(changes), Arc::clone(looks));
        tokio::spawn(async move { changes.wait_until(|| second_look(&looks)).await })
    }

    /// A waiter on `key` counting its looks in `looks`.
    fn keyed_waiter(
        changes: &Arc<Changes>,
        key: &'static str,
        looks: &Arc<AtomicU32>,
    ) -> tokio::task::JoinHandle<RegistryResult<u32>> {
        let (changes, looks) = (Arc::clone(changes), Arc::clone(looks));
        tokio::spawn(async move { changes.wait_until_key(key, || second_look(&looks)).await })
    }

    #[tokio::test]
    async fn a_notification_wakes_the_waiter_before_the_poll() {
        let changes = Arc::new(Changes::new(Duration::from_secs(3600)));
        let looks = Arc::new(AtomicU32::new(0));
        let waiter = waiter(&changes, &looks);
        tokio::task::yield_now().await;
        changes.notify();
        let found = waiter.await.expect("joins").expect("found");
        assert_eq!(found, 1, "one look, one notification, one more look");
    }

    #[tokio::test]
    async fn a_keyed_wait_sleeps_through_other_keys_and_wakes_for_its_own() {
        let changes = Arc::new(Changes::new(Duration::from_secs(3600)));
        let looks = Arc::new(AtomicU32::new(0));
        let waiter = keyed_waiter(&changes, "a", &looks);
        tokio::task::yield_now().await;
        for _ in 0..5 {
            changes.notify_key("b");
            tokio::task::yield_now().await;
        }
        assert_eq!(looks.load(Ordering::SeqCst), 1, "other keys do not wake it");
        changes.notify_key("a");
        let found = waiter.await.expect("joins").expect("found");
        assert_eq!(found, 1, "its own key wakes it at once");
        assert!(
            changes.keyed().is_empty(),
            "an ended wait leaves no signal behind"
        );
    }

    #[tokio::test]
    async fn a_wait_that_ends_leaves_the_other_wait_on_its_key_wakeable() {
        let changes = Arc::new(Changes::new(Duration::from_secs(3600)));
        let (first_looks, second_looks) =
            (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
        let first = keyed_waiter(&changes, "a", &first_looks);
        let second = keyed_waiter(&changes, "a", &second_looks);
        tokio::task::yield_now().await;
        first.abort();
        assert!(first.await.is_err(), "the first wait was dropped");
        changes.notify_key("a");
        assert_eq!(second.await.expect("joins").expect("found"), 1);
        assert!(changes.keyed().is_empty());
    }

    #[tokio::test]
    async fn notify_wakes_keyed_waits_and_notify_key_wakes_unkeyed_ones() {
        let changes = Arc::new(Changes::new(Duration::from_secs(3600)));
        let looks = Arc::new(AtomicU32::new(0));
        let keyed = keyed_waiter(&changes, "a", &looks);
        tokio::task::yield_now().await;
        changes.notify();
        assert_eq!(keyed.await.expect("joins").expect("found"), 1);

        let looks = Arc::new(AtomicU32::new(0));
        let unkeyed = waiter(&changes, &looks);
        tokio::task::yield_now().await;
        changes.notify_key("z");
        assert_eq!(unkeyed.await.expect("joins").expect("found"), 1);
    }
}
