//! `procreg check`: the scenario suite, the model check and concurrent histories.

mod cases;
mod history;
mod render;

use cases::phase_cases;
pub use history::replay_history;
use history::save_history;
use render::{render_json_all, render_text, summary};

use crate::backend::{BackendSpec, Factory};
use crate::exit::{self, CliError};
use crate::progress::{Mode, Phase};
use crate::seeds::SeedRange;
use crate::sim::{self, SimPhase};
use crate::Format;
use procreg_conformance::linearizability::{
    check_history_for, record_history, HistoryConfig, LinearizabilityReport, Verdict,
};
use procreg_conformance::machine::{model_check, ModelConfig, ModelOutcome, ModelReport};
use procreg_conformance::render::{render_junit_run, render_rule_matrix_run};
use procreg_conformance::{all_checks, run_check, RegistryFactory, SuiteConfig, SuiteReport};
use procreg_sim::SimConfig;
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
    /// The command that reruns `history`: its saved file, or its seed.
    fn history_replay(&self, history: &HistoryResult) -> String {
        match &history.saved {
            Some(path) => format!("procreg replay history {}", path.display()),
            None => format!(
                "procreg check --only linearizability --seed {}{}{}",
                history.seed,
                if self.suite.strict { " --strict" } else { "" },
                self.backend_suffix()
            ),
        }
    }

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
