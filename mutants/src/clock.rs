//! CLOCK mutants, and the clock wrappers other mutants use to bend time for one call.

use super::lock;
use procreg::{Clock, SystemClock};
use procreg::{ForwardRegistry, ProcessRegistry};
use procreg_memory::MemoryRegistry;
use std::sync::{Arc, Mutex};

/// The injected clock, except while pinned: then every reading is the pinned value.
///
/// Lets a wrapper make the wrapped registry write a chosen timestamp for one
/// call (e.g. "leave `updated_at_ms` as it was").
pub struct PinnableClock {
    base: Arc<dyn Clock>,
    pinned: Mutex<Option<u64>>,
}

impl PinnableClock {
    /// Reads `base` until pinned.
    pub fn new(base: Arc<dyn Clock>) -> Self {
        Self {
            base,
            pinned: Mutex::new(None),
        }
    }

    /// Makes every reading `now_ms` until [`unpin`](Self::unpin).
    pub fn pin(&self, now_ms: u64) {
        *lock(&self.pinned) = Some(now_ms);
    }

    /// Reads the base clock again.
    pub fn unpin(&self) {
        *lock(&self.pinned) = None;
    }
}

impl Clock for PinnableClock {
    fn now_ms(&self) -> u64 {
        lock(&self.pinned).unwrap_or_else(|| self.base.now_ms())
    }
}

/// Reads the wall clock and ignores the injected one: every timestamp is real
/// time and leases expire only as real time passes.
///
/// Violates CLOCK-1, CLOCK-2 and CLOCK-4. Upstream: kit decision D3; bug
/// class 7 (clock flakiness in expiry: timestamps from the database clock).
pub struct WallClock {
    inner: MemoryRegistry,
}

impl WallClock {
    /// The mutant; `clock` is dropped on the floor.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        drop(clock);
        // BUG: the one wall-clock read of the zoo, behind the injected clock's back.
        Self {
            inner: MemoryRegistry::new(Arc::new(SystemClock)),
        }
    }
}

impl ForwardRegistry for WallClock {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }
}

/// The highest reading seen so far: time never goes back.
struct NeverBack {
    base: Arc<dyn Clock>,
    highest: Mutex<u64>,
}

impl Clock for NeverBack {
    fn now_ms(&self) -> u64 {
        let mut highest = lock(&self.highest);
        *highest = (*highest).max(self.base.now_ms());
        *highest
    }
}

/// Guards the clock against going backwards by keeping the highest reading
/// seen: after the clock is set back, timestamps stay at the old high and
/// leases stay expired.
///
/// Violates CLOCK-5. Upstream: kit decision D3 (registries must assume no
/// monotonicity; a "monotonic" guard hides a clock step from them).
pub struct MonotonicGuard {
    inner: MemoryRegistry,
}

impl MonotonicGuard {
    /// The mutant, reading time from `clock` through the guard.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let guarded = NeverBack {
            base: clock,
            highest: Mutex::new(0),
        };
        Self {
            inner: MemoryRegistry::new(Arc::new(guarded)),
        }
    }
}

impl ForwardRegistry for MonotonicGuard {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }
}
