//! From each phase's raw results to the report's sections: verdicts as
//! CI cases, and the command that replays every failure.

use crate::config::{RunConfig, World};
use crate::report::{
    HistoryCase, HistoryVerdict, ModelCounterexample, ModelSection, SeedHash, SimFailure,
    SimulationSection,
};
use crate::seeds::SeedRange;
use procreg::Capabilities;
use procreg_conformance::linearizability::{LinearizabilityReport, Verdict};
use procreg_conformance::machine::{ModelOutcome, ModelReport};
use procreg_conformance::Outcome;
use procreg_sim::{SimConfig, SimOutcome, SweepCoverage};
use std::collections::BTreeMap;
use std::path::Path;

/// The command that reruns the model check's failing case: same seed,
/// cases and backend, strict when the run was or when only a SHOULD rule broke.
pub fn model_replay(config: &RunConfig, seed: u64, cases: u32, strict: bool) -> String {
    format!(
        "procreg replay model --seed {seed} --cases {cases}{}{}",
        if strict { " --strict" } else { "" },
        config.backend_suffix()
    )
}

/// The command that reruns one suite check through the CLI.
pub fn check_replay(config: &RunConfig, id: &str, outcome: &Outcome) -> String {
    let strict = match outcome {
        Outcome::Warned { .. } => " --strict",
        _ => config.strict_suffix(),
    };
    format!(
        "procreg check --only {id}{strict}{}",
        config.backend_suffix()
    )
}

/// The model check's section.
pub fn model_section(config: &RunConfig, report: &ModelReport, cases: u32) -> ModelSection {
    let (outcome, failure) = match &report.outcome {
        ModelOutcome::Passed => (
            Outcome::Passed {
                assertions: usize::try_from(report.ops_run).unwrap_or(usize::MAX),
            },
            None,
        ),
        ModelOutcome::Failed(failure) => (
            Outcome::Failed {
                rule: "MODEL".to_owned(),
                message: failure.to_string(),
            },
            Some(failure),
        ),
        ModelOutcome::Warned { rule, failure } => (
            Outcome::Warned {
                rule: rule.clone(),
                message: failure.to_string(),
            },
            Some(failure),
        ),
        ModelOutcome::Skipped { reason } => (
            Outcome::Skipped {
                reason: reason.clone(),
            },
            None,
        ),
    };
    let strict = config.strict || matches!(outcome, Outcome::Warned { .. });
    let replay = failure.map(|failure| model_replay(config, failure.seed, cases, strict));
    ModelSection {
        seed: report.seed,
        cases,
        cases_run: report.cases_run,
        ops_run: report.ops_run,
        outcome,
        counterexample: failure.map(|failure| ModelCounterexample {
            seed: failure.seed,
            ops: failure.ops.len(),
            case: report.cases_to_failure,
        }),
        replay,
    }
}

/// One history's case: `checked` is the checker's report, or why the
/// history could not be recorded; `saved` is its file, when it was saved.
pub fn history_case(
    config: &RunConfig,
    seed: u64,
    checked: Result<&LinearizabilityReport, &str>,
    saved: Option<&Path>,
) -> HistoryCase {
    let replay = match saved {
        Some(path) => format!("procreg replay history {}", path.display()),
        None => format!(
            "procreg check --only linearizability --seed {seed}{}{}",
            config.strict_suffix(),
            config.backend_suffix()
        ),
    };
    let saved = saved.map(|path| path.display().to_string());
    let report = match checked {
        Ok(report) => report,
        Err(error) => {
            return HistoryCase {
                seed,
                verdict: HistoryVerdict::Error,
                operations: 0,
                partitions: 0,
                outcome: Outcome::Failed {
                    rule: "SUITE".to_owned(),
                    message: format!("the history could not be recorded: {error}"),
                },
                saved,
                picture: None,
                replay,
            }
        }
    };
    let (verdict, outcome) = match report.verdict {
        Verdict::NotLinearizable => (
            HistoryVerdict::NotLinearizable,
            Outcome::Failed {
                rule: "LINEARIZABILITY".to_owned(),
                message: report.counterexample.as_ref().map_or_else(
                    || "not linearizable".to_owned(),
                    ToString::to_string,
                ),
            },
        ),
        Verdict::Unknown => (
            HistoryVerdict::Unknown,
            Outcome::Skipped {
                reason: format!(
                    "undecided: the search budget ran out on {}",
                    report.undecided.join(", ")
                ),
            },
        ),
        Verdict::Linearizable => (
            HistoryVerdict::Linearizable,
            match &report.should_warning {
                Some(rule) => Outcome::Warned {
                    rule: rule.clone(),
                    message: "linearizable only if terminal processes may be leased (SHOULD; fails with --strict)"
                        .to_owned(),
                },
                None => Outcome::Passed {
                    assertions: report.operations,
                },
            },
        ),
    };
    HistoryCase {
        seed,
        verdict,
        operations: report.operations,
        partitions: report.partitions,
        outcome,
        saved,
        picture: None,
        replay,
    }
}

/// The command that reruns one simulation seed on the run's backend.
pub fn sim_replay(config: &RunConfig, sim: &SimConfig) -> String {
    format!("{}{}", sim.replay_command(), config.backend_suffix())
}

/// One failing seed's entry.
pub fn sim_failure(config: &RunConfig, outcome: &SimOutcome) -> SimFailure {
    let replay = sim_replay(config, &outcome.config);
    let first = outcome.violations.first();
    SimFailure {
        seed: outcome.config.seed,
        trace_hash: outcome.trace_hash.clone(),
        rules: first.map_or_else(
            || vec!["SIM".to_owned()],
            |violation| {
                violation
                    .invariant
                    .rules()
                    .iter()
                    .map(|rule| (*rule).to_owned())
                    .collect()
            },
        ),
        violations: outcome.violations.iter().map(ToString::to_string).collect(),
        report: outcome
            .to_string()
            .replace(&outcome.config.replay_command(), &replay),
        replay,
        picture: None,
    }
}

/// The sweep's section on a backend with `capabilities`: `hashes` holds
/// every seed's trace hash, `failures` the failing seeds' outcomes.
pub fn simulation_section(
    config: &RunConfig,
    capabilities: &Capabilities,
    sim: &SimConfig,
    seeds: SeedRange,
    hashes: BTreeMap<u64, String>,
    failures: &[SimOutcome],
) -> SimulationSection {
    let mut failures: Vec<SimFailure> = failures
        .iter()
        .map(|outcome| sim_failure(config, outcome))
        .collect();
    failures.sort_by_key(|failure| failure.seed);
    SimulationSection {
        world: World::of(sim, capabilities),
        seeds: vec![seeds],
        runs: hashes.len() as u64,
        hashes: hashes
            .into_iter()
            .map(|(seed, hash)| SeedHash { seed, hash })
            .collect(),
        failures,
        coverage: SweepCoverage::default(),
    }
}
