//! Human text: one line per check, failures with their replay command, then the totals.

use crate::report::{Outcome, SuiteReport};
use std::fmt::Write as _;

/// One line per check and a summary line `N passed, N failed, N skipped`.
pub fn render_text(report: &SuiteReport) -> String {
    let mut out = String::new();
    for check in &report.checks {
        let rules = check.rules.join(", ");
        let _ = match &check.outcome {
            Outcome::Passed { assertions } => {
                writeln!(
                    out,
                    "PASS  {} [{rules}] ({assertions} assertions)",
                    check.id
                )
            }
            Outcome::Failed { rule, message } => writeln!(
                out,
                "FAIL  {} [{rules}]\n      {rule}: {message}\n      replay: {}",
                check.id,
                check.replay_command()
            ),
            Outcome::Skipped { reason } => writeln!(out, "SKIP  {} [{rules}] {reason}", check.id),
            Outcome::Warned { rule, message } => writeln!(
                out,
                "WARN  {} [{rules}] (SHOULD)\n      {rule}: {message}",
                check.id
            ),
        };
    }
    let counts = report.counts();
    let _ = writeln!(
        out,
        "{} passed, {} failed, {} skipped",
        counts.passed, counts.failed, counts.skipped
    );
    if counts.warned > 0 {
        let _ = writeln!(
            out,
            "{} warned: SHOULD rules violated; run strict to make them failures",
            counts.warned
        );
    }
    if let Some(stopped) = &report.stopped {
        let _ = writeln!(out, "STOPPED: {stopped}; later checks did not run");
    }
    out
}
