//! Change waits: a handle wakes its own waiters on every committed append,
//! and waiters look again at least every poll interval for appends made
//! through other handles.

use procreg::RegistryResult;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// The change signal of one registry handle.
#[derive(Debug)]
pub struct Changes {
    version: watch::Sender<u64>,
    poll_interval: Duration,
}

impl Changes {
    /// A signal whose waiters look again at least every `poll_interval`.
    pub fn new(poll_interval: Duration) -> Self {
        Self {
            version: watch::Sender::new(0),
            poll_interval,
        }
    }

    /// Wakes this handle's waiters: call it after a committed append.
    pub fn notify(&self) {
        self.version
            .send_modify(|version| *version = version.wrapping_add(1));
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
            let mut changes = self.version.subscribe();
            if let Some(found) = look().await? {
                return Ok(found);
            }
            tokio::select! {
                _ = changes.changed() => {}
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

    #[tokio::test]
    async fn a_notification_wakes_the_waiter_before_the_poll() {
        let changes = Arc::new(Changes::new(Duration::from_secs(3600)));
        let looks = Arc::new(AtomicU32::new(0));
        let waiter = {
            let (changes, looks) = (Arc::clone(&changes), Arc::clone(&looks));
            tokio::spawn(async move {
                changes
                    .wait_until(|| {
                        let seen = looks.fetch_add(1, Ordering::SeqCst);
                        async move { Ok((seen >= 1).then_some(seen)) }
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        changes.notify();
        let found = waiter.await.expect("joins").expect("found");
        assert_eq!(found, 1, "one look, one notification, one more look");
    }
}
