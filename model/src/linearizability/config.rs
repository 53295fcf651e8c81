//! How a history is recorded: the call mix and the run's size, seed and bounds.

use std::time::Duration;

/// Relative weights of the calls a recording task draws (0 disables a call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpMix {
    /// `register_process` (mostly identical content, sometimes conflicting or invalid).
    pub register: u32,
    /// `append_event` (notes, typed, wakes with and without targets, cancels, custom terminals).
    pub append: u32,
    /// `complete_process`.
    pub complete: u32,
    /// `events_after`.
    pub events_after: u32,
    /// `wake_events_after`.
    pub wake_events_after: u32,
    /// `ack_wake`.
    pub ack_wake: u32,
    /// `get_process`.
    pub get_process: u32,
    /// `wait_event_after` and `await_process`, each bounded by the wait timeout.
    pub wait: u32,
    /// `claim_process_lease`.
    pub claim: u32,
    /// `renew_process_lease` of a lease the same task obtained.
    pub renew: u32,
    /// `complete_process_lease` of a lease the same task obtained.
    pub release: u32,
}

impl Default for OpMix {
    fn default() -> Self {
        Self {
            register: 10,
            append: 24,
            complete: 4,
            events_after: 10,
            wake_events_after: 5,
            ack_wake: 4,
            get_process: 6,
            wait: 3,
            claim: 12,
            renew: 8,
            release: 5,
        }
    }
}

impl OpMix {
    /// Mostly lease calls: claims racing on few processes.
    pub fn lease_heavy() -> Self {
        Self {
            register: 4,
            append: 2,
            complete: 0,
            events_after: 1,
            wake_events_after: 0,
            ack_wake: 0,
            get_process: 1,
            wait: 0,
            claim: 20,
            renew: 6,
            release: 8,
        }
    }

    pub(super) fn weights(&self) -> [u32; 11] {
        [
            self.register,
            self.append,
            self.complete,
            self.events_after,
            self.wake_events_after,
            self.ack_wake,
            self.get_process,
            self.wait,
            self.claim,
            self.renew,
            self.release,
        ]
    }
}

/// How a history is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryConfig {
    /// Seeds every task's generator; the same seed issues the same calls
    /// (the interleaving, and so the results, still depend on scheduling).
    pub seed: u64,
    /// Concurrent tasks.
    pub tasks: usize,
    /// Calls each task issues.
    pub ops_per_task: usize,
    /// Shared processes, named by [`process_id`].
    pub processes: usize,
    /// The bound of every call; a call that exceeds it is recorded as a timeout.
    pub call_timeout: Duration,
    /// The bound of `wait_event_after` and `await_process`.
    pub wait_timeout: Duration,
    /// Which calls the tasks issue.
    pub mix: OpMix,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            tasks: 4,
            ops_per_task: 40,
            processes: 3,
            call_timeout: Duration::from_secs(2),
            wait_timeout: Duration::from_millis(20),
            mix: OpMix::default(),
        }
    }
}

/// The id of the `index`-th shared process: `p0`, `p1`, ...
pub fn process_id(index: usize) -> String {
    format!("p{index}")
}
