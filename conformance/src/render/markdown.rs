//! A Markdown matrix of rules by outcome, for docs and review.

use crate::render::PhaseCase;
use crate::report::{Outcome, SuiteReport};
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn rank(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Passed { .. } => 0,
        Outcome::Skipped { .. } => 1,
        Outcome::Warned { .. } => 2,
        Outcome::Failed { .. } => 3,
    }
}

fn label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed { .. } => "pass",
        Outcome::Skipped { .. } => "skip",
        Outcome::Warned { .. } => "warn",
        Outcome::Failed { .. } => "FAIL",
    }
}

/// One row per rule: its level, the checks covering it, and the worst outcome among them.
pub fn render_rule_matrix(report: &SuiteReport) -> String {
    let mut rows: BTreeMap<(String, u32), (String, Vec<String>, Outcome)> = BTreeMap::new();
    for check in &report.checks {
        for rule in &check.rules {
            let (area, number) = rule.split_once('-').unwrap_or((rule.as_str(), "0"));
            let key = (area.to_owned(), number.parse().unwrap_or(0));
            let row = rows
                .entry(key)
                .or_insert_with(|| (rule.clone(), Vec::new(), check.outcome.clone()));
            row.1.push(format!("`{}`", check.id));
            if rank(&check.outcome) > rank(&row.2) {
                row.2 = check.outcome.clone();
            }
        }
    }
    let mut out = String::from("| rule | outcome | checks |\n|---|---|---|\n");
    for (rule, checks, outcome) in rows.values() {
        let _ = writeln!(
            out,
            "| {rule} | {} | {} |",
            label(outcome),
            checks.join(", ")
        );
    }
    out
}

/// The rule matrix, then a table of the other phases' cases (model check,
/// histories, simulation) with their outcome and replay command.
pub fn render_rule_matrix_run(report: &SuiteReport, phases: &[PhaseCase]) -> String {
    let mut out = render_rule_matrix(report);
    if phases.is_empty() {
        return out;
    }
    out.push_str("\n| phase | case | outcome | detail |\n|---|---|---|---|\n");
    for case in phases {
        let detail = match &case.outcome {
            Outcome::Failed { rule, message } | Outcome::Warned { rule, message } => {
                let replay = case
                    .replay
                    .as_deref()
                    .map(|replay| format!(" (replay: `{replay}`)"))
                    .unwrap_or_default();
                format!("{rule}: {}{replay}", message.lines().next().unwrap_or(""))
            }
            Outcome::Skipped { reason } => reason.clone(),
            Outcome::Passed { .. } => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            case.phase,
            case.name,
            label(&case.outcome),
            detail.replace('|', "\\|")
        );
    }
    out
}
