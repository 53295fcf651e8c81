//! Phase 5, kill -9: its section of the report, and the command that runs
//! one kill -9 run again.

use crate::config::RunConfig;
use procreg_conformance::Outcome;
use procreg_crash::KillReport;
use serde::{Deserialize, Serialize};

/// Phase 5's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kill9Section {
    /// The registry's process, as started after every kill.
    pub command: String,
    /// What the run found.
    #[serde(flatten)]
    pub report: KillReport,
    /// The command that runs the same writes and kills again.
    pub replay: String,
}

impl Kill9Section {
    /// The verdict as a CI case: the first rule broken, or the kills survived.
    pub fn outcome(&self) -> Outcome {
        match &self.report.violation {
            None => Outcome::Passed {
                assertions: usize::try_from(self.report.acknowledged).unwrap_or(usize::MAX),
            },
            Some(violation) => Outcome::Failed {
                rule: violation.rule.clone(),
                message: format!(
                    "after {} kills, at step {}: {}",
                    violation.kill, violation.step, violation.detail
                ),
            },
        }
    }

    /// The failure in full: what broke, the steps before it, the replay.
    pub fn failure_text(&self) -> Option<String> {
        let violation = self.report.violation.as_ref()?;
        let mut text = format!(
            "{}: after {} kills, at step {}: {}\nthe steps before it (the registry process: {}):\n",
            violation.rule, violation.kill, violation.step, violation.detail, self.command
        );
        for line in &violation.trail {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(&format!("replay: {}", self.replay));
        Some(text)
    }
}

/// The command that reruns a kill -9 run: same seed, kills and backend.
pub fn kill9_replay(config: &RunConfig, seed: u64, kills: u64) -> String {
    format!(
        "procreg replay kill9 --seed {seed} --kills {kills}{}",
        config.backend_suffix()
    )
}
