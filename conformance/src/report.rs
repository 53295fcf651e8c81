//! The suite's results: one outcome per check, and counts CI can gate on.

use crate::check::Level;
use procreg::Capabilities;
use serde::{Deserialize, Serialize};

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Every assertion held.
    Passed {
        /// How many assertions the check made.
        assertions: usize,
    },
    /// A MUST rule (or a SHOULD rule in strict mode) was violated, or the
    /// check could not run to its end (timeout, panic, backend start failure).
    Failed {
        /// The violated rule, or `SUITE` for harness-level failures.
        rule: String,
        /// Expected versus observed.
        message: String,
    },
    /// The backend lacks a capability the check needs.
    Skipped {
        /// Which capability is missing.
        reason: String,
    },
    /// A SHOULD rule was violated and the suite is not strict.
    Warned {
        /// The violated rule.
        rule: String,
        /// Expected versus observed.
        message: String,
    },
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The check id.
    pub id: String,
    /// Its area.
    pub area: String,
    /// The rules it covers.
    pub rules: Vec<String>,
    /// MUST or SHOULD.
    pub level: Level,
    /// What happened.
    pub outcome: Outcome,
}

impl CheckReport {
    /// True unless the check failed.
    pub fn is_ok(&self) -> bool {
        !matches!(self.outcome, Outcome::Failed { .. })
    }

    /// The command that reruns just this check in a crate that expands
    /// `registry_conformance_tests!` (its tests are named by check id).
    pub fn replay_command(&self) -> String {
        format!("cargo test {} -- --exact", self.id)
    }
}

/// Totals of a suite run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
    /// Checks skipped for a missing capability.
    pub skipped: usize,
    /// SHOULD violations reported as warnings.
    pub warned: usize,
}

/// Every check's result, in catalogue order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteReport {
    /// Whether SHOULD violations counted as failures.
    pub strict: bool,
    /// What the backend declared.
    pub capabilities: Capabilities,
    /// The results.
    pub checks: Vec<CheckReport>,
    /// Set when the backend stopped handing out registries after a failed
    /// check: the run stopped there, and names the check and the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl SuiteReport {
    /// Totals by outcome.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for check in &self.checks {
            match check.outcome {
                Outcome::Passed { .. } => counts.passed += 1,
                Outcome::Failed { .. } => counts.failed += 1,
                Outcome::Skipped { .. } => counts.skipped += 1,
                Outcome::Warned { .. } => counts.warned += 1,
            }
        }
        counts
    }

    /// True when no check failed and the run was not stopped.
    pub fn is_success(&self) -> bool {
        self.stopped.is_none() && self.checks.iter().all(CheckReport::is_ok)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &CheckReport> {
        self.checks.iter().filter(|check| !check.is_ok())
    }
}
