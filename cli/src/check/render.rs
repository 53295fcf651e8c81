//! How a `procreg check` run reads: failures in full with their replay
//! commands, one summary line per phase, and the combined JSON report.

use super::{RunResult, SimulationResult};
use crate::exit;
use procreg_conformance::linearizability::Verdict;
use procreg_conformance::machine::ModelOutcome;
use procreg_conformance::render::render_json;
use procreg_conformance::Outcome;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The per-phase summary lines and the verdict.
pub(super) fn summary(result: &RunResult) -> String {
    let mut out = String::new();
    let counts = result.suite.counts();
    let _ = writeln!(
        out,
        "phase 1/4 scenario suite: {} passed, {} failed, {} skipped, {} warned ({} checks, backend {}{})",
        counts.passed,
        counts.failed,
        counts.skipped,
        counts.warned,
        result.suite.checks.len(),
        result.backend.flag(),
        if result.suite.strict { ", strict" } else { "" }
    );
    let _ = match &result.model {
        None => writeln!(out, "phase 2/4 model check: not selected by --only"),
        Some(model) => match &model.outcome {
            ModelOutcome::Passed => writeln!(
                out,
                "phase 2/4 model check: passed ({} cases, {} operations, seed {})",
                model.cases_run, model.ops_run, model.seed
            ),
            ModelOutcome::Failed(failure) => writeln!(
                out,
                "phase 2/4 model check: FAILED at seed {} (shrunk to {} operations)",
                failure.seed,
                failure.ops.len()
            ),
            ModelOutcome::Skipped { reason } => {
                writeln!(out, "phase 2/4 model check: skipped: {reason}")
            }
            ModelOutcome::Warned { rule, .. } => writeln!(
                out,
                "phase 2/4 model check: passed with a SHOULD warning ({rule}; {} cases, {} operations, seed {})",
                model.cases_run, model.ops_run, model.seed
            ),
        },
    };
    let _ = match &result.histories {
        None => writeln!(
            out,
            "phase 3/4 concurrent histories: not selected by --only"
        ),
        Some(histories) => {
            let linearizable = histories
                .iter()
                .filter(
                    |history| matches!(&history.outcome, Ok(report) if report.is_linearizable()),
                )
                .count();
            let undecided = histories
                .iter()
                .filter(|history| matches!(&history.outcome, Ok(report) if report.verdict == Verdict::Unknown))
                .count();
            let (first, last) = (
                histories.first().map_or(0, |history| history.seed),
                histories.last().map_or(0, |history| history.seed),
            );
            let warned = histories
                .iter()
                .filter(|history| matches!(&history.outcome, Ok(report) if report.should_warning.is_some()))
                .count();
            let warned = if warned > 0 {
                format!(", {warned} linearizable only with a SHOULD leniency (LEASE-2; fails with --strict)")
            } else {
                String::new()
            };
            let saved = if histories.iter().any(|history| history.saved.is_some()) {
                " (recorded with real parallelism; saved as procreg-history-seed-*.json under the temp dir)"
            } else {
                ""
            };
            writeln!(
                out,
                "phase 3/4 concurrent histories: {linearizable} of {} linearizable, {undecided} undecided (seeds {first}..={last}){warned}{saved}",
                histories.len()
            )
        }
    };
    let _ = match &result.simulation {
        SimulationResult::Ran(phase) => writeln!(out, "{}", phase.summary("phase 4/4 simulation")),
        SimulationResult::Skipped(reason) => {
            writeln!(out, "phase 4/4 simulation: skipped: {reason}")
        }
        SimulationResult::NotSelected => {
            writeln!(out, "phase 4/4 simulation: not selected by --only")
        }
    };
    let code = result.exit_code();
    let _ = writeln!(
        out,
        "{}",
        if code == exit::OK {
            "result: all passed".to_owned()
        } else {
            format!("result: FAILED (exit {code})")
        }
    );
    out
}

/// Failures in full (each naming its rule and replay command), then the summary.
pub(super) fn render_text(result: &RunResult) -> String {
    let mut out = String::new();
    for check in &result.suite.checks {
        let rules = check.rules.join(", ");
        let _ = match &check.outcome {
            Outcome::Failed { rule, message } => writeln!(
                out,
                "FAIL  {} [{rules}]\n      {rule}: {message}\n      replay: procreg check --only {}{}{}",
                check.id,
                check.id,
                if result.suite.strict { " --strict" } else { "" },
                result.backend_suffix()
            ),
            Outcome::Warned { rule, message } => writeln!(
                out,
                "WARN  {} [{rules}] (SHOULD)\n      {rule}: {message}\n      replay: procreg check --only {} --strict{}",
                check.id,
                check.id,
                result.backend_suffix()
            ),
            Outcome::Skipped { reason } => writeln!(out, "SKIP  {} [{rules}] {reason}", check.id),
            Outcome::Passed { .. } => Ok(()),
        };
    }
    match result.model.as_ref().map(|model| &model.outcome) {
        Some(ModelOutcome::Failed(failure)) => {
            let _ = writeln!(
                out,
                "FAIL  model check [MODEL: backend and executable model disagree]\n{failure}\n      replay: {}",
                result.model_replay(failure.seed)
            );
        }
        Some(ModelOutcome::Warned { rule, failure }) => {
            let _ = writeln!(
                out,
                "WARN  model check [{rule}] (SHOULD; the search went on without the ops that provoke it and found nothing else)\n{failure}\n      replay: {} --strict",
                result.model_replay(failure.seed)
            );
        }
        _ => {}
    }
    for history in result.histories.iter().flatten() {
        let replay = result.history_replay(history);
        let _ = match &history.outcome {
            Ok(report) if report.verdict == Verdict::NotLinearizable => writeln!(
                out,
                "FAIL  history seed {} [LINEARIZABILITY: not linearizable]\n{}\n      replay: {replay}",
                history.seed,
                report
                    .counterexample
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            Err(error) => writeln!(
                out,
                "FAIL  history seed {} [SUITE: recording failed]\n      {error}\n      replay: {replay}",
                history.seed
            ),
            Ok(_) => Ok(()),
        };
    }
    if let SimulationResult::Ran(phase) = &result.simulation {
        out.push_str(&phase.failures_text(&result.backend));
    }
    out.push_str(&summary(result));
    out
}

/// The suite's JSON report with the model and history outcomes as extra fields.
pub(super) fn render_json_all(result: &RunResult) -> String {
    let mut document: Value =
        serde_json::from_str(&render_json(&result.suite)).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut document {
        map.insert("backend".to_owned(), json!(result.backend.flag()));
        let model = match &result.model {
            Some(model) => {
                let mut value = serde_json::to_value(model).unwrap_or(Value::Null);
                // `outcome` becomes a plain string; a failure or skip reason moves to `detail`.
                if let Value::Object(fields) = &mut value {
                    if let Some(Value::Object(mut detail)) = fields.remove("outcome") {
                        let name = detail.remove("outcome").unwrap_or(Value::Null);
                        fields.insert("outcome".to_owned(), name);
                        if !detail.is_empty() {
                            fields.insert("detail".to_owned(), Value::Object(detail));
                        }
                    }
                }
                if let (Value::Object(fields), ModelOutcome::Failed(failure)) =
                    (&mut value, &model.outcome)
                {
                    fields.insert("cases".to_owned(), json!(result.cases));
                    fields.insert(
                        "replay".to_owned(),
                        json!(result.model_replay(failure.seed)),
                    );
                }
                value
            }
            None => json!({ "outcome": "not_selected" }),
        };
        map.insert("model".to_owned(), model);
        let histories = match &result.histories {
            Some(histories) => Value::Array(
                histories
                    .iter()
                    .map(|history| match &history.outcome {
                        Ok(report) => json!({
                            "seed": history.seed,
                            "verdict": report.verdict,
                            "operations": report.operations,
                            "partitions": report.partitions,
                            "counterexample": report.counterexample.as_ref().map(ToString::to_string),
                            "saved": history.saved.as_ref().map(|path| path.display().to_string()),
                        }),
                        Err(error) => json!({
                            "seed": history.seed,
                            "verdict": "error",
                            "error": error,
                        }),
                    })
                    .collect(),
            ),
            None => Value::Null,
        };
        map.insert("linearizability".to_owned(), histories);
        let simulation = match &result.simulation {
            SimulationResult::Ran(phase) => phase.to_json(&result.backend),
            SimulationResult::Skipped(reason) => json!({ "skipped": reason }),
            SimulationResult::NotSelected => Value::Null,
        };
        map.insert("simulation".to_owned(), simulation);
        map.insert("exit_code".to_owned(), json!(result.exit_code()));
    }
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}
