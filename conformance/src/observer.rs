//! Watching a suite run as it goes: which check starts, how each one ends.

use crate::check::Check;
use crate::report::CheckReport;

/// Told about a suite run's progress; progress bars and live logs implement it.
///
/// Every method has a no-op default, and `()` observes nothing. Observers
/// are `Send`, so a run can move between threads.
pub trait SuiteObserver: Send {
    /// The run selected `total` checks and is about to start the first.
    fn suite_started(&mut self, total: usize) {
        let _ = total;
    }

    /// `check` starts on a fresh registry.
    fn check_started(&mut self, check: &Check) {
        let _ = check;
    }

    /// A check ended with `report`.
    fn check_finished(&mut self, report: &CheckReport) {
        let _ = report;
    }
}

/// Observes nothing.
impl SuiteObserver for () {}
