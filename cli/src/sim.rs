//! `procreg sim`, the simulation phase of `procreg check`, and `procreg replay sim`.

use crate::backend::{BackendSpec, Factory};
use crate::exit::{self, CliError};
use crate::progress::{Mode, Phase};
use crate::seeds::SeedRange;
use procreg_sim::{run_seed, sweep, FaultSet, SimConfig, SimOutcome};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a sweep over a seed range found.
pub struct SimPhase {
    /// The seeds covered.
    pub range: SeedRange,
    /// The configuration (its seed is the range's first).
    pub config: SimConfig,
    /// Runs completed.
    pub runs: u64,
    /// The failing runs, by seed.
    pub failures: Vec<SimOutcome>,
}

impl SimPhase {
    /// Whether every seed passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The one-line summary.
    pub fn summary(&self, label: &str) -> String {
        let faults = if self.config.swarm {
            format!("swarm over {}", self.config.faults)
        } else {
            self.config.faults.to_string()
        };
        format!(
            "{label}: {} of {} seeds passed (seeds {}, {} workers, {} processes, faults {faults})",
            self.runs - self.failures.len() as u64,
            self.runs,
            self.range,
            self.config.workers,
            self.config.processes,
        )
    }

    /// Every failure in full: violations, the world at that moment, the replay command.
    pub fn failures_text(&self, backend: &BackendSpec) -> String {
        let mut out = String::new();
        for failure in &self.failures {
            let _ = writeln!(out, "FAIL  simulation seed {}", failure.config.seed);
            let replay = failure.config.replay_command();
            let text = failure
                .to_string()
                .replace(&replay, &replay_command(failure, backend));
            for line in text.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
        out
    }

    /// The JSON section `merge-reports` understands.
    pub fn to_json(&self, backend: &BackendSpec) -> Value {
        json!({
            "runs": self.runs,
            "seeds": [self.range.to_string()],
            "config": {
                "workers": self.config.workers,
                "processes": self.config.processes,
                "faults": self.config.faults.to_string(),
                "swarm": self.config.swarm,
            },
            "failures": self.failures.iter().map(|failure| json!({
                "seed": failure.config.seed,
                "trace_hash": failure.trace_hash,
                "violations": failure.violations.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "replay": replay_command(failure, backend),
            })).collect::<Vec<_>>(),
        })
    }
}

/// The command that reruns `failure` on `backend`.
pub fn replay_command(failure: &SimOutcome, backend: &BackendSpec) -> String {
    let replay = failure.config.replay_command();
    match backend {
        BackendSpec::Memory => replay,
        _ => format!("{replay} --backend {}", backend.flag()),
    }
}

/// Sweeps `range` with `config` against `factory`, showing progress as `label`.
pub fn run_phase(
    factory: &Factory,
    config: &SimConfig,
    range: SeedRange,
    mode: Mode,
    label: &str,
) -> Result<SimPhase, CliError> {
    let phase = Phase::start(mode, label, Some(range.len()));
    let report = sweep(config, range.iter(), factory, |outcome| {
        phase.message(&outcome.summary_line());
        phase.tick();
    })
    .map_err(|error| CliError::backend(error.to_string()))?;
    phase.finish();
    Ok(SimPhase {
        range,
        config: config.with_seed(range.start),
        runs: report.runs,
        failures: report.failures,
    })
}

/// Everything `procreg sim` was asked to do.
pub struct SimOptions {
    /// `--backend`.
    pub backend: String,
    /// The seeds (after `--shard`).
    pub range: SeedRange,
    /// World size and faults.
    pub config: SimConfig,
    /// `--trace FILE`: every trace line of the (single) seed.
    pub trace: Option<PathBuf>,
    /// `--format json` gives the mergeable JSON report.
    pub json: bool,
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--quiet`.
    pub quiet: bool,
}

/// Why `backend` cannot take part in the simulation, if it cannot: the
/// registry must run inside the simulated host, on its thread, or runs
/// stop being reproducible.
pub fn unsupported_reason(backend: &BackendSpec) -> Option<&'static str> {
    match backend {
        BackendSpec::Tcp(_) => Some(
            "the simulation hosts the registry in-process; a tcp:// registry cannot take part",
        ),
        BackendSpec::Postgres(_) => Some(
            "PgRegistry talks to a real server outside simulated time, so runs would not be reproducible",
        ),
        BackendSpec::Sqlite(_) => Some(
            "SqliteRegistry runs its transactions on tokio's blocking thread pool, outside simulated time, so runs would not be reproducible",
        ),
        BackendSpec::Memory | BackendSpec::Mutant(_) => None,
    }
}

/// Makes sure the backend can run inside the simulated world.
pub fn sim_factory(backend: &BackendSpec) -> Result<Factory, CliError> {
    if let Some(reason) = unsupported_reason(backend) {
        return Err(CliError::usage(format!(
            "--backend {}: {reason}",
            backend.flag()
        )));
    }
    backend.factory()
}

/// `procreg sim`: one line per seed, failures in full; exit 1 when any seed fails.
pub fn run(options: &SimOptions) -> Result<u8, CliError> {
    let backend = BackendSpec::parse(&options.backend)?;
    if let Some(out) = &options.out {
        exit::ensure_writable(out)?;
    }
    if options.range.is_empty() {
        return Err(CliError::usage(format!(
            "--seeds {} holds no seed: nothing would run",
            options.range
        )));
    }
    if options.trace.is_some() && options.range.len() != 1 {
        return Err(CliError::usage(
            "--trace writes one run's trace: give a single --seed",
        ));
    }
    let factory = sim_factory(&backend)?;
    let mut lines = String::new();
    let mode = Mode::detect(options.quiet);
    // A text report on stdout streams each seed's line there once; with
    // --out (or JSON) the lines go into the report and stderr shows progress.
    let streamed = !options.json && options.out.is_none();
    let mut report_line = |outcome: &SimOutcome| {
        let line = outcome.summary_line();
        if streamed {
            let _ = exit::emit(&format!("{line}\n"), None);
            return;
        }
        if mode != Mode::Quiet && !options.json {
            exit::note(&line);
        }
        let _ = writeln!(lines, "{line}");
    };
    let (runs, failures) = match &options.trace {
        Some(path) => {
            let config = SimConfig {
                keep_trace: true,
                ..options.config.with_seed(options.range.start)
            };
            let outcome = run_seed(&config, &factory)
                .map_err(|error| CliError::backend(error.to_string()))?;
            report_line(&outcome);
            write_trace(path, &outcome)?;
            let failures = if outcome.passed() {
                Vec::new()
            } else {
                vec![outcome]
            };
            (1, failures)
        }
        None => {
            let report = sweep(&options.config, options.range.iter(), &factory, report_line)
                .map_err(|error| CliError::backend(error.to_string()))?;
            (report.runs, report.failures)
        }
    };
    let phase = SimPhase {
        range: options.range,
        config: options.config.with_seed(options.range.start),
        runs,
        failures,
    };
    let code = if phase.passed() {
        exit::OK
    } else {
        exit::RULE_FAILURE
    };
    let text = if options.json {
        let mut document =
            json!({ "backend": backend.flag(), "simulation": phase.to_json(&backend) });
        document["exit_code"] = json!(code);
        serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
    } else {
        let mut text = lines;
        text.push_str(&phase.failures_text(&backend));
        text.push_str(&phase.summary("simulation"));
        text.push('\n');
        text
    };
    exit::emit(&text, options.out.as_deref())?;
    Ok(code)
}

fn write_trace(path: &Path, outcome: &SimOutcome) -> Result<(), CliError> {
    let mut text = outcome.trace.join("\n");
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|error| CliError::usage(format!("cannot write `{}`: {error}", path.display())))
}

/// `procreg replay sim`: reruns one seed and prints its whole trace, then the outcome.
pub fn replay(backend: &str, config: SimConfig) -> Result<u8, CliError> {
    let backend = BackendSpec::parse(backend)?;
    let factory = sim_factory(&backend)?;
    let config = SimConfig {
        keep_trace: true,
        ..config
    };
    let outcome =
        run_seed(&config, &factory).map_err(|error| CliError::backend(error.to_string()))?;
    let mut text = outcome.trace.join("\n");
    text.push('\n');
    let _ = write!(text, "{outcome}");
    exit::emit(&text, None)?;
    Ok(if outcome.passed() {
        exit::OK
    } else {
        exit::RULE_FAILURE
    })
}

/// Parses `--faults`.
pub fn parse_faults(text: &str) -> Result<FaultSet, CliError> {
    text.parse().map_err(CliError::usage)
}
