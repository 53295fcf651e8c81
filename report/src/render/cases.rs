//! The phases beside the suite as CI cases (JUnit testcases, Markdown rows).

use crate::phase::Phase;
use crate::report::KitReport;
use procreg_conformance::render::PhaseCase;
use procreg_conformance::Outcome;

fn case(phase: &str, name: String, outcome: Outcome, replay: Option<String>) -> PhaseCase {
    PhaseCase {
        phase: phase.to_owned(),
        name,
        outcome,
        replay,
    }
}

fn skipped(phase: &str, name: &str, reason: &str) -> PhaseCase {
    let outcome = Outcome::Skipped {
        reason: reason.to_owned(),
    };
    case(phase, name.to_owned(), outcome, None)
}

/// The model check, one case per history, the sweep, one case per
/// failing seed and the kill -9 run; a phase skipped for the backend shows
/// as a skipped case.
pub fn phase_cases(report: &KitReport) -> Vec<PhaseCase> {
    let mut cases = Vec::new();
    match &report.model {
        Phase::NotSelected => {}
        Phase::Skipped { reason } => cases.push(skipped("model", "model_check", reason)),
        Phase::Ran(model) => cases.push(case(
            "model",
            "model_check".to_owned(),
            model.outcome.clone(),
            model.replay.clone(),
        )),
    }
    match &report.histories {
        Phase::NotSelected => {}
        Phase::Skipped { reason } => cases.push(skipped("histories", "histories", reason)),
        Phase::Ran(section) => {
            for history in &section.histories {
                let failed = matches!(history.outcome, Outcome::Failed { .. });
                cases.push(case(
                    "histories",
                    format!("history_seed_{}", history.seed),
                    history.outcome.clone(),
                    failed.then(|| history.replay.clone()),
                ));
            }
        }
    }
    simulation_cases(report, &mut cases);
    match &report.kill9 {
        Phase::NotSelected => {}
        Phase::Skipped { reason } => cases.push(skipped("kill9", "kill9", reason)),
        Phase::Ran(section) => {
            let outcome = section.outcome();
            let failed = matches!(outcome, Outcome::Failed { .. });
            let name = format!("kill9_seed_{}", section.report.seed);
            cases.push(case(
                "kill9",
                name,
                outcome,
                failed.then(|| section.replay.clone()),
            ));
        }
    }
    cases
}

/// The sweep, its "sometimes" coverage when it fell short, and one case per failing seed.
fn simulation_cases(report: &KitReport, cases: &mut Vec<PhaseCase>) {
    match &report.simulation {
        Phase::NotSelected => {}
        Phase::Skipped { reason } => cases.push(skipped("simulation", "sweep", reason)),
        Phase::Ran(section) => {
            let sweep = if section.failures.is_empty() {
                Outcome::Passed {
                    assertions: usize::try_from(section.runs).unwrap_or(usize::MAX),
                }
            } else {
                Outcome::Failed {
                    rule: "SIM".to_owned(),
                    message: format!(
                        "{} of {} seeds failed: {}",
                        section.failures.len(),
                        section.runs,
                        section
                            .failures
                            .iter()
                            .map(|failure| failure.seed.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            };
            cases.push(case("simulation", "sweep".to_owned(), sweep, None));
            let never = section.never_reached();
            if !never.is_empty() {
                let rule = "SOMETIMES".to_owned();
                let message = format!(
                    "in {} seeds the world never reached {}",
                    section.coverage.runs,
                    never
                        .iter()
                        .map(|moment| moment.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let outcome = if report.config.strict {
                    Outcome::Failed { rule, message }
                } else {
                    Outcome::Warned { rule, message }
                };
                cases.push(case("simulation", "sometimes".to_owned(), outcome, None));
            }
            for failure in &section.failures {
                let mut message = failure.violations.first().cloned().unwrap_or_default();
                if let Some(picture) = &failure.picture {
                    message.push_str(&format!("\npicture: {picture}"));
                }
                let outcome = Outcome::Failed {
                    rule: failure.rules.join(", "),
                    message,
                };
                let name = format!("seed_{}", failure.seed);
                cases.push(case(
                    "simulation",
                    name,
                    outcome,
                    Some(failure.replay.clone()),
                ));
            }
        }
    }
}
