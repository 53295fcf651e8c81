//! Watching a run as it goes: progress bars and live logs implement [`KitObserver`].

use crate::phase::KitPhase;
use procreg_conformance::{Check, CheckReport, SuiteObserver};

/// Told about a run's progress, phase by phase and step by step (a check,
/// the model check's cases, a history, a simulation seed).
///
/// Every method has a no-op default, and `()` observes nothing. Observers
/// are `Send`, so a run can move between threads.
pub trait KitObserver: Send {
    /// `phase` starts; `steps` is how many steps it will take, when known.
    fn phase_started(&mut self, phase: KitPhase, steps: Option<u64>) {
        let _ = (phase, steps);
    }

    /// A step of `phase` starts; `what` names it (a check id, `seed 3`).
    fn step_started(&mut self, phase: KitPhase, what: &str) {
        let _ = (phase, what);
    }

    /// The step of `phase` that started last has ended.
    fn step_finished(&mut self, phase: KitPhase) {
        let _ = phase;
    }

    /// Something the user should know that is not a verdict (a history
    /// that could not be saved).
    fn note(&mut self, message: &str) {
        let _ = message;
    }

    /// `phase` has ended.
    fn phase_finished(&mut self, phase: KitPhase) {
        let _ = phase;
    }
}

/// Observes nothing.
impl KitObserver for () {}

/// A run's observer as the suite's: each check is a step of phase 1.
pub(crate) struct SuiteSteps<'a>(pub(crate) &'a mut dyn KitObserver);

impl SuiteObserver for SuiteSteps<'_> {
    fn suite_started(&mut self, total: usize) {
        self.0.phase_started(KitPhase::Suite, Some(total as u64));
    }

    fn check_started(&mut self, check: &Check) {
        self.0.step_started(KitPhase::Suite, check.id);
    }

    fn check_finished(&mut self, _report: &CheckReport) {
        self.0.step_finished(KitPhase::Suite);
    }
}
