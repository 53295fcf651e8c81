//! Rendering a [`crate::SuiteReport`] as human text, JSON, JUnit XML and a
//! Markdown rule matrix; JUnit and Markdown also carry the other phases'
//! cases ([`PhaseCase`]).

mod junit;
mod markdown;
mod text;

pub use junit::{render_junit, render_junit_run};
pub use markdown::{render_rule_matrix, render_rule_matrix_run};
pub use text::render_text;

use crate::report::{Outcome, SuiteReport};

/// One case of a phase beside the scenario suite, as CI reports show it:
/// the model check, one history, the simulation sweep or one failing seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseCase {
    /// The phase: `model`, `histories` or `simulation`.
    pub phase: String,
    /// The case within it (`model_check`, `history_seed_3`, `seed_42`).
    pub name: String,
    /// How it ended (`Failed` with rule `MODEL`, `LINEARIZABILITY` or the invariant's rules).
    pub outcome: Outcome,
    /// The command that reruns it, when it failed.
    pub replay: Option<String>,
}

impl PhaseCase {
    /// Whether the case counts as a failure.
    pub fn is_failure(&self) -> bool {
        matches!(self.outcome, Outcome::Failed { .. })
    }
}

/// The report as pretty JSON (stable field order, no timings).
pub fn render_json(report: &SuiteReport) -> String {
    let mut document = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut document {
        map.insert(
            "counts".to_owned(),
            serde_json::to_value(report.counts()).unwrap_or(serde_json::Value::Null),
        );
    }
    serde_json::to_string_pretty(&document).unwrap_or_default()
}
