//! Simulated time for the registry: the turmoil clock, never the wall clock.

use procreg::Clock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The epoch the simulated world starts at (2023-11-14T22:13:20Z), fixed so
/// timestamps in traces are the same on every run.
pub const SIM_EPOCH_MS: u64 = 1_700_000_000_000;

/// Reads turmoil's simulated elapsed time: `SIM_EPOCH_MS` plus the time the
/// simulated host reading it has reached. Off the world's thread (a hosted
/// backend's blocking pool) and outside simulation steps (the audit) it
/// answers the time last pinned or observed.
#[derive(Debug, Default)]
pub struct SimClock {
    outside_ms: AtomicU64,
    /// Set while a hosted backend answers a call: time stands still then.
    held: AtomicBool,
}

/// Time held still for one hosted call; dropping it lets time run again.
#[derive(Debug)]
pub struct HeldClock<'a> {
    clock: &'a SimClock,
    was_held: bool,
}

impl Drop for HeldClock<'_> {
    fn drop(&mut self) {
        self.clock.held.store(self.was_held, Ordering::Relaxed);
    }
}

impl SimClock {
    /// A clock at the start of the simulation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Simulated milliseconds since the start.
    pub fn elapsed_ms(&self) -> u64 {
        if self.held.load(Ordering::Relaxed) {
            return self.outside_ms.load(Ordering::Relaxed);
        }
        match turmoil::sim_elapsed() {
            Some(elapsed) => u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            None => self.outside_ms.load(Ordering::Relaxed),
        }
    }

    /// Pins the time read off the world's thread to the time of the host
    /// running now (the registry host, before a call a backend may serve
    /// from another thread), so every thread reads what the host reads.
    pub fn pin_to_current_host(&self) {
        if let Some(elapsed) = turmoil::sim_elapsed() {
            let elapsed = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
            self.outside_ms.store(elapsed, Ordering::Relaxed);
        }
    }

    /// Pins the time to the running host's and holds it there, on every
    /// thread, until the guard drops: a hosted backend's call runs inside its
    /// own runtime, where turmoil's reading of the host's time would mix the
    /// backend's real clock into it (and so read later under a loaded CPU).
    pub fn hold_at_current_host(&self) -> HeldClock<'_> {
        self.pin_to_current_host();
        HeldClock {
            clock: self,
            was_held: self.held.swap(true, Ordering::Relaxed),
        }
    }

    /// Moves the time seen outside simulation steps forward to `elapsed_ms`.
    pub fn observe(&self, elapsed_ms: u64) {
        self.outside_ms.fetch_max(elapsed_ms, Ordering::Relaxed);
    }
}

impl Clock for SimClock {
    fn now_ms(&self) -> u64 {
        SIM_EPOCH_MS.saturating_add(self.elapsed_ms())
    }
}
