//! The five-phase run: the scenario suite, the model check, concurrent
//! histories, the simulation and kill -9, on one backend, into one [`KitReport`].

use crate::collect::{history_case, model_section, simulation_section};
use crate::config::RunConfig;
use crate::history_file::save_history;
use crate::kill9::{kill9_replay, Kill9Section};
use crate::observer::{KitObserver, SuiteSteps};
use crate::phase::{KitPhase, Phase};
use crate::report::{
    HistoriesSection, HistoryCase, KitReport, ModelSection, SimulationSection, SuiteSection,
};
use crate::seeds::SeedRange;
use procreg_conformance::linearizability::{
    check_history_for, record_history, History, HistoryConfig, LinearizabilityReport, Verdict,
};
use procreg_conformance::machine::{model_check, ModelConfig};
use procreg_conformance::{backend_alive, run_suite, Outcome, RegistryFactory, SuiteConfig};
use procreg_crash::{run_kills, KillPlan};
use procreg_sim::{sweep, SimConfig};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// What a run is asked to do; `None` leaves a phase out.
#[derive(Debug, Clone)]
pub struct KitPlan {
    /// The flags, recorded in the report and used in every printed replay.
    pub config: RunConfig,
    /// Phase 1: which checks, how strictly.
    pub suite: Option<SuiteConfig>,
    /// Phase 2: cases, seed, strictness.
    pub model: Option<ModelConfig>,
    /// Phase 3: the seeds of the histories to record.
    pub histories: Option<SeedRange>,
    /// Phase 4.
    pub simulation: SimPlan,
    /// Phase 5.
    pub kill9: Kill9Plan,
    /// Where each failing history is drawn as a page (`--html-dir`); `None` draws nothing.
    pub pictures: Option<PathBuf>,
}

/// Phase 5 of a plan.
#[derive(Debug, Clone, Default)]
pub enum Kill9Plan {
    /// `--only` left it out.
    #[default]
    NotSelected,
    /// The backend cannot take part (no store outlives its process), for this reason.
    Skipped(String),
    /// Kill the registry's process as `plan` says.
    Run(KillPlan),
}

/// Phase 4 of a plan.
#[derive(Debug, Clone)]
pub enum SimPlan {
    /// `--only` left it out.
    NotSelected,
    /// The backend cannot take part, for this reason; the report shows the skip.
    Skipped(String),
    /// Sweep `seeds` in the world of `config` (its seed is ignored).
    Sweep {
        /// The world.
        config: SimConfig,
        /// The seeds.
        seeds: SeedRange,
    },
}

/// Why a run stopped without a report: the backend died, or could not be run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The backend stopped handing out registries during `phase`.
    BackendDied {
        /// The phase it died in.
        phase: KitPhase,
        /// At which check, case or seed, and the error.
        detail: String,
    },
    /// The run could not start or go on (no runtime, a simulation error).
    Backend(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BackendDied { phase, detail } => write!(f, "{}: {detail}", phase.label()),
            Self::Backend(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for RunError {}

/// Runs `plan` against registries from `factory`, telling `observer` as it
/// goes. A backend that dies mid-run stops the run with
/// [`RunError::BackendDied`] naming the phase and the step, instead of a
/// cascade of rule failures.
pub fn run_kit<F: RegistryFactory>(
    factory: &F,
    plan: &KitPlan,
    observer: &mut dyn KitObserver,
) -> Result<KitReport, RunError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| RunError::Backend(format!("could not start a tokio runtime: {error}")))?;
    let suite = match &plan.suite {
        None => Phase::NotSelected,
        Some(config) => {
            let report = runtime.block_on(run_suite(factory, config, &mut SuiteSteps(observer)));
            observer.phase_finished(KitPhase::Suite);
            if let Some(detail) = &report.stopped {
                return Err(RunError::BackendDied {
                    phase: KitPhase::Suite,
                    detail: detail.clone(),
                });
            }
            Phase::Ran(SuiteSection::of(report))
        }
    };
    let model = match &plan.model {
        None => Phase::NotSelected,
        Some(config) => Phase::Ran(model_phase(&runtime, factory, plan, config, observer)?),
    };
    let histories = match plan.histories {
        None => Phase::NotSelected,
        Some(seeds) => Phase::Ran(histories_phase(&runtime, factory, plan, seeds, observer)?),
    };
    drop(runtime);
    let simulation = match &plan.simulation {
        SimPlan::NotSelected => Phase::NotSelected,
        SimPlan::Skipped(reason) => Phase::Skipped {
            reason: reason.clone(),
        },
        SimPlan::Sweep { config, seeds } => Phase::Ran(simulation_phase(
            factory,
            &plan.config,
            config,
            *seeds,
            observer,
        )?),
    };
    let kill9 = match &plan.kill9 {
        Kill9Plan::NotSelected => Phase::NotSelected,
        Kill9Plan::Skipped(reason) => Phase::Skipped {
            reason: reason.clone(),
        },
        Kill9Plan::Run(kill_plan) => Phase::Ran(kill9_phase(&plan.config, kill_plan, observer)?),
    };
    Ok(KitReport::new(plan.config.clone(), suite, model, histories, simulation).with_kill9(kill9))
}

/// Runs the kill -9 plan, each kill a step; also what `procreg replay kill9` runs.
pub fn kill9_phase(
    run: &RunConfig,
    plan: &KillPlan,
    observer: &mut dyn KitObserver,
) -> Result<Kill9Section, RunError> {
    observer.phase_started(KitPhase::Kill9, Some(plan.kills));
    let report = run_kills(plan, &mut |done, _| {
        observer.step_started(KitPhase::Kill9, &format!("kill {done}"));
        observer.step_finished(KitPhase::Kill9);
    })
    .map_err(|error| RunError::BackendDied {
        phase: KitPhase::Kill9,
        detail: error.to_string(),
    })?;
    observer.phase_finished(KitPhase::Kill9);
    Ok(Kill9Section {
        command: plan.command.describe(),
        replay: kill9_replay(run, plan.seed, plan.kills),
        report,
    })
}

/// After a failure in `phase` at `what`: when the backend cannot hand out
/// a fresh registry any more, it died there.
fn still_alive<F: RegistryFactory>(
    runtime: &tokio::runtime::Runtime,
    factory: &F,
    phase: KitPhase,
    what: &str,
) -> Result<(), RunError> {
    runtime
        .block_on(backend_alive(factory))
        .map_err(|error| RunError::BackendDied {
            phase,
            detail: format!("the backend died at {what}: {error}"),
        })
}

fn model_phase<F: RegistryFactory>(
    runtime: &tokio::runtime::Runtime,
    factory: &F,
    plan: &KitPlan,
    config: &ModelConfig,
    observer: &mut dyn KitObserver,
) -> Result<ModelSection, RunError> {
    observer.phase_started(KitPhase::Model, None);
    observer.step_started(
        KitPhase::Model,
        &format!("{} cases, seed {}", config.cases, config.seed),
    );
    let report = model_check(factory, config);
    observer.step_finished(KitPhase::Model);
    observer.phase_finished(KitPhase::Model);
    let section = model_section(&plan.config, &report, config.cases);
    if matches!(section.outcome, Outcome::Failed { .. }) {
        still_alive(runtime, factory, KitPhase::Model, "a failing case")?;
    }
    Ok(section)
}

fn histories_phase<F: RegistryFactory>(
    runtime: &tokio::runtime::Runtime,
    factory: &F,
    plan: &KitPlan,
    seeds: SeedRange,
    observer: &mut dyn KitObserver,
) -> Result<HistoriesSection, RunError> {
    observer.phase_started(KitPhase::Histories, Some(seeds.len()));
    let scheduled = factory.capabilities().inline_calls;
    let mut histories = Vec::new();
    for seed in seeds.iter() {
        observer.step_started(KitPhase::Histories, &format!("seed {seed}"));
        let config = HistoryConfig {
            seed,
            ..HistoryConfig::default()
        };
        let recorded = runtime.block_on(record_history(factory, &config));
        // Interleavings no seed schedules are kept, so the verdict can be checked again.
        let saved = match (&recorded, scheduled) {
            (Ok(history), false) => save_history(seed, history)
                .map_err(|error| {
                    observer.note(&format!("could not save history seed {seed}: {error}"));
                })
                .ok(),
            _ => None,
        };
        let case = match &recorded {
            Ok(history) => {
                let report = check_history_for(history, plan.config.strict);
                let case = history_case(&plan.config, seed, Ok(&report), saved.as_deref());
                match (&plan.pictures, report.verdict) {
                    (Some(dir), Verdict::NotLinearizable) => {
                        draw_history(dir, (history, &report), case, observer)
                    }
                    _ => case,
                }
            }
            Err(error) => history_case(&plan.config, seed, Err(&error.to_string()), None),
        };
        let failed = matches!(case.outcome, Outcome::Failed { .. });
        histories.push(case);
        observer.step_finished(KitPhase::Histories);
        if failed {
            still_alive(
                runtime,
                factory,
                KitPhase::Histories,
                &format!("history seed {seed}"),
            )?;
        }
    }
    observer.phase_finished(KitPhase::Histories);
    Ok(HistoriesSection { histories })
}

/// Draws a failing history as `DIR/history-seed-S.html`; the case names
/// the page, in its failure message too, so text and JUnit reports link it.
fn draw_history(
    dir: &Path,
    (history, report): (&History, &LinearizabilityReport),
    mut case: HistoryCase,
    observer: &mut dyn KitObserver,
) -> HistoryCase {
    let path = dir.join(format!("history-seed-{}.html", case.seed));
    let title = format!("history seed {}", case.seed);
    let html = procreg_picture::history_page(history, report, &title, &case.replay);
    match procreg_picture::write_page(&path, &html) {
        Ok(()) => {
            let shown = path.display().to_string();
            if let Outcome::Failed { message, .. } = &mut case.outcome {
                if !message.ends_with('\n') {
                    message.push('\n');
                }
                message.push_str(&format!("picture: {shown}"));
            }
            case.picture = Some(shown);
        }
        Err(error) => observer.note(&format!(
            "could not draw history seed {}: {error}",
            case.seed
        )),
    }
    case
}

/// Sweeps `seeds` in the world of `config`, each seed a step; also what
/// `procreg sim` runs on its own.
pub fn simulation_phase<F: RegistryFactory>(
    factory: &F,
    run: &RunConfig,
    config: &SimConfig,
    seeds: SeedRange,
    observer: &mut dyn KitObserver,
) -> Result<SimulationSection, RunError> {
    observer.phase_started(KitPhase::Simulation, Some(seeds.len()));
    let mut hashes = BTreeMap::new();
    let report = sweep(config, seeds.iter(), factory, |outcome| {
        hashes.insert(outcome.config.seed, outcome.trace_hash.clone());
        observer.step_started(KitPhase::Simulation, &outcome.summary_line());
        observer.step_finished(KitPhase::Simulation);
    })
    .map_err(|error| RunError::Backend(error.to_string()))?;
    observer.phase_finished(KitPhase::Simulation);
    let mut section = simulation_section(
        run,
        &factory.capabilities(),
        &config.with_seed(seeds.start),
        seeds,
        hashes,
        &report.failures,
    );
    section.coverage = report.coverage;
    Ok(section)
}
