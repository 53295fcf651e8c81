//! The cases of the phases beside the suite (model check, histories,
//! simulation) as JUnit and Markdown show them.

use super::{RunResult, SimulationResult};
use crate::sim;
use procreg_conformance::linearizability::Verdict;
use procreg_conformance::machine::ModelOutcome;
use procreg_conformance::render::PhaseCase;
use procreg_conformance::Outcome;

/// A case of a phase beside the suite.
fn case(phase: &str, name: String, outcome: Outcome, replay: Option<String>) -> PhaseCase {
    PhaseCase {
        phase: phase.to_owned(),
        name,
        outcome,
        replay,
    }
}

/// The model check's case, when it ran.
fn model_case(result: &RunResult) -> Option<PhaseCase> {
    let model = result.model.as_ref()?;
    let outcome = match &model.outcome {
        ModelOutcome::Passed => Outcome::Passed {
            assertions: usize::try_from(model.ops_run).unwrap_or(usize::MAX),
        },
        ModelOutcome::Failed(failure) => Outcome::Failed {
            rule: "MODEL".to_owned(),
            message: failure.to_string(),
        },
        ModelOutcome::Skipped { reason } => Outcome::Skipped {
            reason: reason.clone(),
        },
        ModelOutcome::Warned { rule, failure } => Outcome::Warned {
            rule: rule.clone(),
            message: failure.to_string(),
        },
    };
    let replay = matches!(
        model.outcome,
        ModelOutcome::Failed(_) | ModelOutcome::Warned { .. }
    )
    .then(|| result.model_replay(model.seed));
    Some(case("model", "model_check".to_owned(), outcome, replay))
}

/// One case per recorded history.
fn history_cases(result: &RunResult) -> Vec<PhaseCase> {
    let mut cases = Vec::new();
    for history in result.histories.iter().flatten() {
        let name = format!("history_seed_{}", history.seed);
        let replay = result.history_replay(history);
        let (outcome, failed) = match &history.outcome {
            Ok(report) if report.verdict == Verdict::NotLinearizable => {
                let shown = report.counterexample.as_ref().map(ToString::to_string);
                let message = shown.unwrap_or_else(|| "not linearizable".to_owned());
                let rule = "LINEARIZABILITY".to_owned();
                (Outcome::Failed { rule, message }, true)
            }
            Ok(report) => match &report.should_warning {
                Some(rule) => (
                    Outcome::Warned {
                        rule: rule.clone(),
                        message: "linearizable only if terminal processes may be leased (SHOULD)"
                            .to_owned(),
                    },
                    false,
                ),
                None => (
                    Outcome::Passed {
                        assertions: report.operations,
                    },
                    false,
                ),
            },
            Err(error) => {
                let rule = "SUITE".to_owned();
                (
                    Outcome::Failed {
                        rule,
                        message: error.clone(),
                    },
                    true,
                )
            }
        };
        cases.push(case("histories", name, outcome, failed.then_some(replay)));
    }
    cases
}

/// The sweep's case and one case per failing seed.
fn simulation_cases(result: &RunResult) -> Vec<PhaseCase> {
    let phase = match &result.simulation {
        SimulationResult::NotSelected => return Vec::new(),
        SimulationResult::Skipped(reason) => {
            let outcome = Outcome::Skipped {
                reason: reason.clone(),
            };
            return vec![case("simulation", "sweep".to_owned(), outcome, None)];
        }
        SimulationResult::Ran(phase) => phase,
    };
    let sweep = if phase.passed() {
        Outcome::Passed {
            assertions: usize::try_from(phase.runs).unwrap_or(usize::MAX),
        }
    } else {
        Outcome::Failed {
            rule: "SIM".to_owned(),
            message: phase.summary("simulation"),
        }
    };
    let mut cases = vec![case("simulation", "sweep".to_owned(), sweep, None)];
    for failure in &phase.failures {
        let first = failure.violations.first();
        let outcome = Outcome::Failed {
            rule: first.map_or("SIM".to_owned(), |violation| {
                violation.invariant.rules().join(", ")
            }),
            message: first.map_or(String::new(), ToString::to_string),
        };
        let replay = Some(sim::replay_command(failure, &result.backend));
        let name = format!("seed_{}", failure.config.seed);
        cases.push(case("simulation", name, outcome, replay));
    }
    cases
}

/// The cases of every phase beside the suite, for JUnit and Markdown.
pub(super) fn phase_cases(result: &RunResult) -> Vec<PhaseCase> {
    let mut cases: Vec<PhaseCase> = model_case(result).into_iter().collect();
    cases.extend(history_cases(result));
    cases.extend(simulation_cases(result));
    cases
}
