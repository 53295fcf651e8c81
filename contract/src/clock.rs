//! Time as a registry sees it: an injected source of epoch milliseconds (CLOCK rules).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The single source of "now" for a registry (CLOCK-1).
///
/// Every timestamp a registry writes and every lease-expiry comparison it
/// makes reads this clock, never the wall clock directly, so tests and the
/// simulation control time completely.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch, as this clock sees them now.
    fn now_ms(&self) -> u64;
}

/// A clock that only moves when told to (CLOCK-3).
///
/// Clones share one reading: advancing any clone advances them all, so a test
/// can keep a handle while the registry holds another.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    now_ms: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock reading `start_ms` until it is advanced or set.
    pub fn new(start_ms: u64) -> Self {
        Self {
            now_ms: Arc::new(AtomicU64::new(start_ms)),
        }
    }

    /// Moves time forward by `delta_ms`, saturating at `u64::MAX`; returns the new reading.
    pub fn advance(&self, delta_ms: u64) -> u64 {
        let mut current = self.now_ms.load(Ordering::SeqCst);
        loop {
            let next = current.saturating_add(delta_ms);
            match self.now_ms.compare_exchange_weak(
                current,
                next,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return next,
                Err(observed) => current = observed,
            }
        }
    }

    /// Sets the reading to `now_ms`, forward or backward (CLOCK-5 lets time go back).
    pub fn set(&self, now_ms: u64) {
        self.now_ms.store(now_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}

/// The wall clock, for production wiring only; tests and the simulation use [`ManualClock`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        // Pre-epoch readings map to 0, as upstream does.
        std::time::SystemTime::now() // SystemClock: the one sanctioned wall-clock read
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_reading() {
        let clock = ManualClock::new(10);
        let other = clock.clone();
        clock.advance(5);
        assert_eq!(other.now_ms(), 15);
        other.set(3);
        assert_eq!(clock.now_ms(), 3);
    }

    #[test]
    fn advance_saturates() {
        let clock = ManualClock::new(u64::MAX - 1);
        assert_eq!(clock.advance(10), u64::MAX);
        assert_eq!(clock.now_ms(), u64::MAX);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_ms() > 1_577_836_800_000);
    }
}
