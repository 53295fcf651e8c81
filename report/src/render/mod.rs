//! A [`KitReport`] as text, JSON, JUnit XML and a Markdown rule matrix;
//! every format carries every phase.

mod cases;
mod text;

pub use cases::phase_cases;
pub use text::{
    render_kill9_failure, render_kill9_summary, render_never_reached, render_sim_failures,
    render_sim_summary, render_sometimes, render_summary, render_text,
};

use crate::phase::Phase;
use crate::report::KitReport;
use procreg_conformance::render::{render_junit_run, render_rule_matrix_run};
use procreg_conformance::{Capabilities, SuiteReport};

/// The report as pretty JSON: what `merge-reports` and [`KitReport::from_json`] read.
pub fn render_json(report: &KitReport) -> String {
    report.to_json()
}

/// JUnit XML: one testcase per check, one for the model check, one per
/// history seed, one for the sweep and one per failing simulation seed.
pub fn render_junit(report: &KitReport) -> String {
    render_junit_run(&suite_or_empty(report), &phase_cases(report))
}

/// The Markdown rule matrix, with the other phases' cases below it.
pub fn render_markdown(report: &KitReport) -> String {
    render_rule_matrix_run(&suite_or_empty(report), &phase_cases(report))
}

/// The suite's report, or an empty one when the suite did not run.
fn suite_or_empty(report: &KitReport) -> SuiteReport {
    match &report.suite {
        Phase::Ran(section) => section.report.clone(),
        _ => SuiteReport {
            strict: report.config.strict,
            capabilities: Capabilities::default(),
            checks: Vec::new(),
            stopped: None,
        },
    }
}
