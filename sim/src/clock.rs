//! Simulated time for the registry: the turmoil clock, never the wall clock.

use procreg::Clock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The epoch the simulated world starts at (2023-11-14T22:13:20Z), fixed so
/// timestamps in traces are the same on every run.
pub const SIM_EPOCH_MS: u64 = 1_700_000_000_000;

/// Reads turmoil's simulated elapsed time: `SIM_EPOCH_MS` plus the time the
/// simulation has run. Outside a simulation step (the final audit) it
/// answers the last time it saw.
#[derive(Debug, Default)]
pub struct SimClock {
    last_elapsed_ms: AtomicU64,
}

impl SimClock {
    /// A clock at the start of the simulation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Simulated milliseconds since the start.
    pub fn elapsed_ms(&self) -> u64 {
        match turmoil::sim_elapsed() {
            Some(elapsed) => {
                let elapsed = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
                self.last_elapsed_ms.fetch_max(elapsed, Ordering::Relaxed);
                elapsed
            }
            None => self.last_elapsed_ms.load(Ordering::Relaxed),
        }
    }

    /// Moves the time seen outside simulation steps forward to `elapsed_ms`.
    pub fn observe(&self, elapsed_ms: u64) {
        self.last_elapsed_ms
            .fetch_max(elapsed_ms, Ordering::Relaxed);
    }
}

impl Clock for SimClock {
    fn now_ms(&self) -> u64 {
        SIM_EPOCH_MS.saturating_add(self.elapsed_ms())
    }
}
