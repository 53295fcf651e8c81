//! `procreg check`: the scenario suite, the model check and concurrent histories.

use crate::backend::{BackendSpec, Factory};
use crate::exit::{self, CliError};
use crate::progress::{Mode, Phase};
use crate::seeds::SeedRange;
use crate::sim::{self, SimPhase};
use crate::Format;
use procreg_conformance::linearizability::{
    check_history, check_history_for, record_history, History, HistoryConfig,
    LinearizabilityReport, Verdict,
};
use procreg_conformance::machine::{model_check, ModelConfig, ModelOutcome, ModelReport};
use procreg_conformance::render::{
    render_json, render_junit_run, render_rule_matrix_run, PhaseCase,
};
use procreg_conformance::{
    all_checks, run_check, Outcome, RegistryFactory, SuiteConfig, SuiteReport,
};
use procreg_sim::SimConfig;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::PathBuf;

/// How many seeded concurrent histories phase 3 records.
pub const HISTORIES: u64 = 4;

/// The `--only` term that selects the model check phase.
pub const ONLY_MODEL: &str = "model";
/// The `--only` term that selects the concurrent-histories phase.
pub const ONLY_HISTORIES: &str = "linearizability";
/// The `--only` term that selects the simulation phase.
pub const ONLY_SIM: &str = "sim";

/// Everything `procreg check` was asked to do.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// `--backend`.
    pub backend: String,
    /// `--only` terms.
    pub only: Vec<String>,
    /// `--strict`.
    pub strict: bool,
    /// `--cases`.
    pub cases: u32,
    /// `--seed`.
    pub seed: u64,
    /// `--seeds`: the simulation sweep.
    pub seeds: SeedRange,
    /// `--format`.
    pub format: Format,
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--quiet`.
    pub quiet: bool,
}

/// One recorded and checked history.
struct HistoryResult {
    seed: u64,
    outcome: Result<LinearizabilityReport, String>,
    /// Where the history was saved, for a backend whose interleavings the
    /// seed cannot schedule (its replay re-checks this file).
    saved: Option<PathBuf>,
}

/// Everything a run produced.
struct RunResult {
    backend: BackendSpec,
    suite: SuiteReport,
    model: Option<ModelReport>,
    histories: Option<Vec<HistoryResult>>,
    simulation: SimulationResult,
    cases: u32,
}

/// Phase 4: run, skipped with a reason, or not selected.
enum SimulationResult {
    Ran(SimPhase),
    Skipped(String),
    NotSelected,
}

impl RunResult {
    fn model_failed(&self) -> bool {
        matches!(
            self.model.as_ref().map(|model| &model.outcome),
            Some(ModelOutcome::Failed(_))
        )
    }

    fn histories_failed(&self) -> bool {
        self.histories
            .iter()
            .flatten()
            .any(|history| match &history.outcome {
                Ok(report) => report.verdict == Verdict::NotLinearizable,
                Err(_) => true,
            })
    }

    fn simulation_failed(&self) -> bool {
        matches!(&self.simulation, SimulationResult::Ran(phase) if !phase.passed())
    }

    fn exit_code(&self) -> u8 {
        if !self.suite.is_success()
            || self.model_failed()
            || self.histories_failed()
            || self.simulation_failed()
        {
            exit::RULE_FAILURE
        } else {
            exit::OK
        }
    }

    fn model_replay(&self, seed: u64) -> String {
        let mut command = format!("procreg replay model --seed {seed} --cases {}", self.cases);
        if self.suite.strict {
            command.push_str(" --strict");
        }
        if self.backend != BackendSpec::Memory {
            let _ = write!(command, " --backend {}", self.backend.flag());
        }
        command
    }

    fn backend_suffix(&self) -> String {
        match self.backend {
            BackendSpec::Memory => String::new(),
            _ => format!(" --backend {}", self.backend.flag()),
        }
    }
}

/// Runs `procreg check`; returns the exit code.
pub fn run(options: &CheckOptions) -> Result<u8, CliError> {
    let backend = BackendSpec::parse(&options.backend)?;
    let (suite_terms, run_model, run_histories, run_sim) = split_only(&options.only)?;
    nothing_would_run(options, &backend, run_model, run_sim)?;
    if let Some(out) = &options.out {
        exit::ensure_writable(out)?;
    }
    let factory = backend.factory()?;
    probe(&factory)?;
    let mode = Mode::detect(options.quiet);
    let config = SuiteConfig {
        only: suite_terms,
        strict: options.strict,
        ..SuiteConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| CliError::backend(format!("could not start a tokio runtime: {error}")))?;

    let suite = if options.only.is_empty() || !config.only.is_empty() {
        run_suite_phase(&runtime, &factory, &config, mode)?
    } else {
        SuiteReport {
            strict: config.strict,
            capabilities: factory.capabilities(),
            checks: Vec::new(),
        }
    };
    let model = run_model.then(|| {
        let phase = Phase::start(mode, "phase 2/4 model check", None);
        phase.message(&format!("{} cases, seed {}", options.cases, options.seed));
        let report = model_check(
            &factory,
            &ModelConfig {
                cases: options.cases,
                seed: options.seed,
                strict: options.strict,
                ..ModelConfig::default()
            },
        );
        phase.finish();
        report
    });
    if matches!(&model, Some(report) if matches!(report.outcome, ModelOutcome::Failed(_))) {
        still_alive(
            &runtime,
            &factory,
            "phase 2/4 (model check)",
            "a failing case",
        )?;
    }
    let histories = if run_histories {
        Some(run_histories_phase(
            &runtime,
            &factory,
            options.seed,
            options.strict,
            mode,
        )?)
    } else {
        None
    };
    let simulation = if !run_sim {
        SimulationResult::NotSelected
    } else if let Some(reason) = sim::unsupported_reason(&backend) {
        SimulationResult::Skipped(reason.to_owned())
    } else {
        SimulationResult::Ran(sim::run_phase(
            &factory,
            &SimConfig::default(),
            options.seeds,
            mode,
            "phase 4/4 simulation",
        )?)
    };
    let result = RunResult {
        backend,
        suite,
        model,
        histories,
        simulation,
        cases: options.cases,
    };
    let text = match options.format {
        Format::Text => render_text(&result),
        Format::Json => render_json_all(&result),
        Format::Junit => render_junit_run(&result.suite, &phase_cases(&result)),
        Format::Markdown => render_rule_matrix_run(&result.suite, &phase_cases(&result)),
    };
    exit::emit(&text, options.out.as_deref())?;
    if options.out.is_some() || options.format != Format::Text {
        // Keep the verdict visible when the report went elsewhere.
        if !options.quiet {
            crate::exit::note(summary(&result).trim_end());
        }
    }
    Ok(result.exit_code())
}

/// Refuses a run that would test nothing in a phase it selected (exit 2):
/// zero model cases, an empty seed range, a simulation `--only sim` asks
/// for on a backend that cannot take part.
fn nothing_would_run(
    options: &CheckOptions,
    backend: &BackendSpec,
    run_model: bool,
    run_sim: bool,
) -> Result<(), CliError> {
    if run_model && options.cases == 0 {
        return Err(CliError::usage(
            "--cases 0 runs no model case: give at least 1, or leave the model check out with --only",
        ));
    }
    if run_sim && options.seeds.is_empty() {
        return Err(CliError::usage(format!(
            "--seeds {} holds no seed: the simulation would run nothing",
            options.seeds
        )));
    }
    let asked_for_sim = options
        .only
        .iter()
        .any(|term| term.eq_ignore_ascii_case(ONLY_SIM));
    if let (true, Some(reason)) = (asked_for_sim, sim::unsupported_reason(backend)) {
        return Err(CliError::usage(format!(
            "--only sim: --backend {}: {reason}",
            backend.flag()
        )));
    }
    Ok(())
}

/// Splits `--only` into suite terms and the three phase switches; an unknown term is a usage error.
fn split_only(only: &[String]) -> Result<(Vec<String>, bool, bool, bool), CliError> {
    if only.is_empty() {
        return Ok((Vec::new(), true, true, true));
    }
    let checks = all_checks();
    let (mut terms, mut model, mut histories, mut simulation) = (Vec::new(), false, false, false);
    for term in only {
        if term.eq_ignore_ascii_case(ONLY_MODEL) {
            model = true;
        } else if term.eq_ignore_ascii_case(ONLY_HISTORIES) {
            histories = true;
        } else if term.eq_ignore_ascii_case(ONLY_SIM) {
            simulation = true;
        } else if checks.iter().any(|check| check.matches(term)) {
            terms.push(term.clone());
        } else {
            return Err(CliError::usage(format!(
                "--only `{term}` matches no check id, area or rule (see `procreg rules`), nor `model`, `linearizability` or `sim`"
            )));
        }
    }
    Ok((terms, model, histories, simulation))
}

/// Starts the backend once: a factory that cannot create a registry fails with exit 3.
fn probe(factory: &Factory) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::backend(format!("could not start a tokio runtime: {error}")))?;
    let clock = std::sync::Arc::new(procreg::ManualClock::new(0));
    runtime
        .block_on(factory.create(clock))
        .map(|_| ())
        .map_err(|error| CliError::backend(format!("the backend failed to start: {error}")))
}

/// How long a backend gets to hand out a fresh registry when a failure
/// raises the question whether it is still alive.
const ALIVE_PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// After a failure in `phase` (at `what`): when the backend cannot hand
/// out a fresh registry any more, it died mid-run, which is exit 3 naming
/// the phase and the check, not a cascade of rule failures.
fn still_alive(
    runtime: &tokio::runtime::Runtime,
    factory: &Factory,
    phase: &str,
    what: &str,
) -> Result<(), CliError> {
    let clock = std::sync::Arc::new(procreg::ManualClock::new(0));
    let probe = runtime
        .block_on(async { tokio::time::timeout(ALIVE_PROBE_TIMEOUT, factory.create(clock)).await });
    let error = match probe {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!("no registry within {} ms", ALIVE_PROBE_TIMEOUT.as_millis()),
    };
    Err(CliError::backend(format!(
        "the backend died during {phase}, at {what}: {error}"
    )))
}

/// Phase 3: seeded concurrent histories from `first_seed`, each checked
/// for linearizability (and saved when the seed cannot schedule them).
fn run_histories_phase(
    runtime: &tokio::runtime::Runtime,
    factory: &Factory,
    first_seed: u64,
    strict: bool,
    mode: Mode,
) -> Result<Vec<HistoryResult>, CliError> {
    let phase = Phase::start(mode, "phase 3/4 concurrent histories", Some(HISTORIES));
    let mut results = Vec::new();
    for seed in first_seed..first_seed.saturating_add(HISTORIES) {
        phase.message(&format!("seed {seed}"));
        let config = HistoryConfig {
            seed,
            ..HistoryConfig::default()
        };
        let recorded = runtime.block_on(record_history(factory, &config));
        let saved = match (&recorded, factory.capabilities().inline_calls) {
            (Ok(history), false) => save_history(seed, history),
            _ => None,
        };
        let outcome = recorded
            .map(|history| check_history_for(&history, strict))
            .map_err(|error| error.to_string());
        let failed = !matches!(&outcome, Ok(report) if report.verdict != Verdict::NotLinearizable);
        results.push(HistoryResult {
            seed,
            outcome,
            saved,
        });
        if failed {
            still_alive(
                runtime,
                factory,
                "phase 3/4 (concurrent histories)",
                &format!("history seed {seed}"),
            )?;
        }
        phase.tick();
    }
    phase.finish();
    Ok(results)
}

fn run_suite_phase(
    runtime: &tokio::runtime::Runtime,
    factory: &Factory,
    config: &SuiteConfig,
    mode: Mode,
) -> Result<SuiteReport, CliError> {
    let selected: Vec<_> = all_checks()
        .into_iter()
        .filter(|check| config.selects(check))
        .collect();
    let phase = Phase::start(
        mode,
        "phase 1/4 scenario suite",
        Some(selected.len() as u64),
    );
    let mut checks = Vec::with_capacity(selected.len());
    for check in &selected {
        phase.message(check.id);
        let report = runtime.block_on(run_check(factory, check, config));
        if !report.is_ok() {
            still_alive(runtime, factory, "phase 1/4 (scenario suite)", check.id)?;
        }
        checks.push(report);
        phase.tick();
    }
    phase.finish();
    Ok(SuiteReport {
        strict: config.strict,
        capabilities: factory.capabilities(),
        checks,
    })
}

/// The per-phase summary lines and the verdict.
fn summary(result: &RunResult) -> String {
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
        let replay = match &history.saved {
            Some(path) => format!("procreg replay history {}", path.display()),
            None => format!(
                "procreg check --only linearizability --seed {}{}{}",
                history.seed,
                if result.suite.strict { " --strict" } else { "" },
                result.backend_suffix()
            ),
        };
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
fn phase_cases(result: &RunResult) -> Vec<PhaseCase> {
    let mut cases: Vec<PhaseCase> = model_case(result).into_iter().collect();
    cases.extend(history_cases(result));
    cases.extend(simulation_cases(result));
    cases
}

/// Failures in full (each naming its rule and replay command), then the summary.
fn render_text(result: &RunResult) -> String {
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
        let replay = match &history.saved {
            Some(path) => format!("procreg replay history {}", path.display()),
            None => format!(
                "procreg check --only linearizability --seed {}{}{}",
                history.seed,
                if result.suite.strict { " --strict" } else { "" },
                result.backend_suffix()
            ),
        };
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
fn render_json_all(result: &RunResult) -> String {
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

/// Saves a history recorded with real parallelism under the temp dir, so
/// its failure can be checked again; `None` (with a note) when it cannot be written.
fn save_history(seed: u64, history: &History) -> Option<PathBuf> {
    let file = tempfile::Builder::new()
        .prefix(&format!("procreg-history-seed-{seed}-"))
        .suffix(".json")
        .tempfile()
        .ok()?;
    let text = serde_json::to_string_pretty(history).ok()?;
    let (_, path) = file.keep().ok()?;
    match std::fs::write(&path, text + "\n") {
        Ok(()) => Some(path),
        Err(error) => {
            exit::note(&format!(
                "procreg: could not save history seed {seed} to {}: {error}",
                path.display()
            ));
            None
        }
    }
}

/// `procreg replay history FILE`: checks a saved history again and prints the verdict.
pub fn replay_history(file: &std::path::Path) -> Result<u8, CliError> {
    let shown = file.display();
    let text = std::fs::read_to_string(file)
        .map_err(|error| CliError::usage(format!("cannot read `{shown}`: {error}")))?;
    let history: History = serde_json::from_str(&text).map_err(|error| {
        CliError::usage(format!("`{shown}` is not a saved procreg history: {error}"))
    })?;
    let report = check_history(&history);
    let (verdict, code) = match report.verdict {
        Verdict::Linearizable => ("linearizable", exit::OK),
        Verdict::Unknown => ("undecided within the search budget", exit::OK),
        Verdict::NotLinearizable => ("NOT linearizable", exit::RULE_FAILURE),
    };
    let mut out = format!(
        "history {shown}: {verdict} ({} operations)\n",
        history.operations.len()
    );
    if let Some(counterexample) = &report.counterexample {
        let _ = writeln!(out, "{counterexample}");
    }
    exit::emit(&out, None)?;
    Ok(code)
}

/// `procreg replay model`: reruns the model check with one seed and prints the failure in full.
pub fn replay_model(backend: &str, seed: u64, cases: u32, strict: bool) -> Result<u8, CliError> {
    let backend = BackendSpec::parse(backend)?;
    let factory = backend.factory()?;
    probe(&factory)?;
    let report = model_check(
        &factory,
        &ModelConfig {
            cases,
            seed,
            strict,
            ..ModelConfig::default()
        },
    );
    let mut out = String::new();
    let code = match &report.outcome {
        ModelOutcome::Passed => {
            let _ = writeln!(
                out,
                "model check passes: seed {seed}, {} cases, {} operations on backend {}",
                report.cases_run,
                report.ops_run,
                backend.flag()
            );
            exit::OK
        }
        ModelOutcome::Skipped { reason } => {
            let _ = writeln!(out, "model check skipped: {reason}");
            exit::OK
        }
        ModelOutcome::Warned { rule, failure } => {
            let _ = writeln!(
                out,
                "model check passes but for SHOULD {rule} (a failure with --strict):\n{failure}"
            );
            exit::OK
        }
        ModelOutcome::Failed(failure) => {
            let _ = writeln!(out, "{failure}");
            exit::RULE_FAILURE
        }
    };
    exit::emit(&out, None)?;
    Ok(code)
}
