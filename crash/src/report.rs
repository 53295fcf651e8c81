//! What a kill -9 run found: how many kills, what the cut-off writes
//! became, and the first rule the registry broke, with the steps before it.

use crate::run::KillPlan;
use serde::{Deserialize, Serialize};

/// The first rule broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KillViolation {
    /// `REG-16` (a write lost, half-stored or invented) or `LEASE-7` (fencing went back).
    pub rule: String,
    /// Kills before it was found.
    pub kill: u64,
    /// The step it was found at.
    pub step: u64,
    /// What the registry did.
    pub detail: String,
    /// The steps before it, with their answers and kills.
    pub trail: Vec<String>,
}

/// See the module docs. Which cut-off writes were stored depends on
/// timing, not on the seed: the counts may differ between two runs of one
/// seed, the writes, the kill moments and the verdict of a correct
/// registry do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KillReport {
    /// The seed of the writes and kill moments.
    pub seed: u64,
    /// Kills asked for.
    pub planned_kills: u64,
    /// Kills done (fewer when a violation stopped the run).
    pub kills: u64,
    /// Writes sent.
    pub steps: u64,
    /// Writes answered.
    pub acknowledged: u64,
    /// Cut-off writes found wholly stored after the restart.
    pub cut_off_stored: u64,
    /// Cut-off writes found wholly absent (and sent again).
    pub cut_off_absent: u64,
    /// Cut-off claims (a lease leaves no trace to read; claimed again).
    pub cut_off_unknown: u64,
    /// The first rule broken, if any.
    pub violation: Option<KillViolation>,
}

impl KillReport {
    /// An empty report of `plan`.
    pub fn new(plan: &KillPlan) -> Self {
        Self {
            seed: plan.seed,
            planned_kills: plan.kills,
            kills: 0,
            steps: 0,
            acknowledged: 0,
            cut_off_stored: 0,
            cut_off_absent: 0,
            cut_off_unknown: 0,
            violation: None,
        }
    }

    /// Whether no rule broke.
    pub fn passed(&self) -> bool {
        self.violation.is_none()
    }

    /// One line: `110 kills, 412 writes (389 answered); cut off: 9 stored, 12 absent, 2 claims`.
    pub fn summary(&self) -> String {
        format!(
            "{} kills, {} writes ({} answered); cut off: {} stored, {} absent, {} claims",
            self.kills,
            self.steps,
            self.acknowledged,
            self.cut_off_stored,
            self.cut_off_absent,
            self.cut_off_unknown
        )
    }
}
