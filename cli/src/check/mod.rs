//! `procreg check`: parses the flags into a plan, runs it with the
//! library's five-phase run, and renders the report.

mod history;
mod kill9;

pub use history::replay_history;
pub use kill9::replay as replay_kill9;

use crate::backend::{BackendSpec, Factory};
use crate::exit::{self, CliError};
use crate::picture;
use crate::progress::{Mode, Progress};
use crate::seeds::SeedRange;
use crate::Format;
use procreg_conformance::machine::{model_check, ModelConfig, ModelOutcome};
use procreg_conformance::{all_checks, RegistryFactory, SuiteConfig};
use procreg_report::render::{render_junit, render_markdown, render_summary, render_text};
use procreg_report::{run_kit, Kill9Plan, KitPlan, KitReport, Phase, RunConfig, RunError, SimPlan};
use procreg_sim::{SimConfig, Topology};
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
/// The `--only` term that selects the kill -9 phase.
pub const ONLY_KILL9: &str = "kill9";
/// Kills of a kill -9 run unless `--kills` says otherwise.
pub const KILLS: u64 = 100;

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
    /// `--kills`: the kill -9 run.
    pub kills: u64,
    /// `--format`.
    pub format: Format,
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--html-dir`: where failing histories and the first failing seed are drawn.
    pub html_dir: Option<PathBuf>,
    /// `--quiet`.
    pub quiet: bool,
}

/// Which phases `--only` selects, and the suite terms among its words.
struct Selection {
    suite_terms: Vec<String>,
    suite: bool,
    model: bool,
    histories: bool,
    simulation: bool,
    kill9: bool,
}

/// Runs `procreg check`; returns the exit code.
pub fn run(options: &CheckOptions) -> Result<u8, CliError> {
    let backend = BackendSpec::parse(&options.backend)?;
    let selection = select(&options.only)?;
    nothing_would_run(options, &selection)?;
    if let Some(out) = &options.out {
        exit::ensure_writable(out)?;
    }
    if let Some(dir) = &options.html_dir {
        picture::ensure_html_dir(dir)?;
    }
    let factory = backend.factory()?;
    probe(&factory)?;
    let kill9 = if selection.kill9 {
        kill9::plan(&backend, &factory, options.seed, options.kills)?
    } else {
        Kill9Plan::NotSelected
    };
    // A backend that opens several handles on one store is simulated as
    // it is deployed: every worker with a handle of its own.
    let topology = if factory.capabilities().handles {
        Topology::SharedStore
    } else {
        Topology::Served
    };
    let plan = plan(options, &backend, selection, kill9, topology);
    let mut progress = Progress::new(Mode::detect(options.quiet));
    let mut report = run_kit(&factory, &plan, &mut progress).map_err(|error| match error {
        RunError::BackendDied { .. } => CliError::backend(error.to_string()),
        RunError::Backend(message) => CliError::backend(message),
    })?;
    if let (Some(dir), SimPlan::Sweep { config, .. }) = (&options.html_dir, &plan.simulation) {
        // A page that cannot be drawn is noted; the run's report still follows.
        if let Err(error) = draw_first_failing_seed(&factory, &mut report, config, dir) {
            exit::note(&format!("picture: not drawn: {}", error.message));
        }
    }
    let text = match options.format {
        Format::Text => render_text(&report),
        Format::Json => report.to_json(),
        Format::Junit => render_junit(&report),
        Format::Markdown => render_markdown(&report),
    };
    exit::emit(&text, options.out.as_deref())?;
    if (options.out.is_some() || options.format != Format::Text) && !options.quiet {
        // Keep the verdict visible when the report went elsewhere.
        exit::note(render_summary(&report).trim_end());
    }
    Ok(report.exit_code)
}

/// Draws the first failing simulation seed as `DIR/sim-seed-S.html` and
/// names the page in its failure, so every report format links it.
fn draw_first_failing_seed(
    factory: &Factory,
    report: &mut KitReport,
    config: &SimConfig,
    dir: &std::path::Path,
) -> Result<(), CliError> {
    let Phase::Ran(section) = &mut report.simulation else {
        return Ok(());
    };
    let Some(failure) = section.failures.first_mut() else {
        return Ok(());
    };
    let path = dir.join(format!("sim-seed-{}.html", failure.seed));
    picture::draw_seed(
        factory,
        &config.with_seed(failure.seed),
        &failure.replay,
        &path,
    )?;
    failure.drawn_at(&path);
    Ok(())
}

/// The run `options` ask for.
fn plan(
    options: &CheckOptions,
    backend: &BackendSpec,
    selection: Selection,
    kill9: Kill9Plan,
    topology: Topology,
) -> KitPlan {
    let config = RunConfig {
        backend: backend.flag(),
        strict: options.strict,
        only: options.only.clone(),
    };
    let suite = selection.suite.then(|| SuiteConfig {
        only: selection.suite_terms,
        strict: options.strict,
        ..SuiteConfig::default()
    });
    let model = selection.model.then(|| ModelConfig {
        cases: options.cases,
        seed: options.seed,
        strict: options.strict,
        ..ModelConfig::default()
    });
    let histories = selection.histories.then(|| SeedRange {
        start: options.seed,
        end: options.seed.saturating_add(HISTORIES),
    });
    let simulation = if selection.simulation {
        SimPlan::Sweep {
            config: SimConfig::default().with_topology(topology),
            seeds: options.seeds,
        }
    } else {
        SimPlan::NotSelected
    };
    KitPlan {
        config,
        suite,
        model,
        histories,
        simulation,
        kill9,
        pictures: options.html_dir.clone(),
    }
}

/// Refuses a run that would test nothing in a phase it selected (exit 2):
/// zero model cases, an empty seed range.
fn nothing_would_run(options: &CheckOptions, selection: &Selection) -> Result<(), CliError> {
    if selection.model && options.cases == 0 {
        return Err(CliError::usage(
            "--cases 0 runs no model case: give at least 1, or leave the model check out with --only",
        ));
    }
    if selection.kill9 && options.kills == 0 {
        return Err(CliError::usage(
            "--kills 0 kills nothing: give at least 1, or leave the kill -9 phase out with --only",
        ));
    }
    if selection.simulation && options.seeds.is_empty() {
        return Err(CliError::usage(format!(
            "--seeds {} holds no seed: the simulation would run nothing",
            options.seeds
        )));
    }
    Ok(())
}

/// Splits `--only` into suite terms and phase switches; an unknown term is a usage error.
fn select(only: &[String]) -> Result<Selection, CliError> {
    let mut selection = Selection {
        suite_terms: Vec::new(),
        suite: only.is_empty(),
        model: only.is_empty(),
        histories: only.is_empty(),
        simulation: only.is_empty(),
        kill9: only.is_empty(),
    };
    let checks = all_checks();
    for term in only {
        if term.eq_ignore_ascii_case(ONLY_MODEL) {
            selection.model = true;
        } else if term.eq_ignore_ascii_case(ONLY_HISTORIES) {
            selection.histories = true;
        } else if term.eq_ignore_ascii_case(ONLY_SIM) {
            selection.simulation = true;
        } else if term.eq_ignore_ascii_case(ONLY_KILL9) {
            selection.kill9 = true;
        } else if checks.iter().any(|check| check.matches(term)) {
            selection.suite = true;
            selection.suite_terms.push(term.clone());
        } else {
            return Err(CliError::usage(format!(
                "--only `{term}` matches no check id, area or rule (see `procreg rules`), nor `model`, `linearizability`, `sim` or `kill9`"
            )));
        }
    }
    Ok(selection)
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
