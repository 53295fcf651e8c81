//! A phase of the run as the report records it: not selected, skipped
//! with a reason, or run with its results.

use serde::{Deserialize, Serialize};

/// The five phases, in the order a run takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KitPhase {
    /// Phase 1: the scenario suite.
    Suite,
    /// Phase 2: the model check.
    Model,
    /// Phase 3: seeded concurrent histories, checked for linearizability.
    Histories,
    /// Phase 4: the turmoil simulation sweep.
    Simulation,
    /// Phase 5: the registry's process killed with SIGKILL and restarted.
    Kill9,
}

impl KitPhase {
    /// Every phase, in run order.
    pub const ALL: [KitPhase; 5] = [
        Self::Suite,
        Self::Model,
        Self::Histories,
        Self::Simulation,
        Self::Kill9,
    ];

    /// How progress output and summaries name the phase (`phase 2/5 model check`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Suite => "phase 1/5 scenario suite",
            Self::Model => "phase 2/5 model check",
            Self::Histories => "phase 3/5 concurrent histories",
            Self::Simulation => "phase 4/5 simulation",
            Self::Kill9 => "phase 5/5 kill -9",
        }
    }
}

/// What became of one phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Phase<T> {
    /// `--only` left it out.
    NotSelected,
    /// The backend cannot take part; the reason says why.
    Skipped {
        /// Why.
        reason: String,
    },
    /// It ran.
    Ran(T),
}

impl<T> Default for Phase<T> {
    /// Not selected: what a report written before the phase existed holds.
    fn default() -> Self {
        Self::NotSelected
    }
}

impl<T> Phase<T> {
    /// The results, when the phase ran.
    pub fn ran(&self) -> Option<&T> {
        match self {
            Self::Ran(results) => Some(results),
            _ => None,
        }
    }
}
