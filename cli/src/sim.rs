//! `procreg sim`, the simulation phase of `procreg check`, and `procreg replay sim`.

use crate::backend::BackendSpec;
use crate::exit::{self, CliError};
use crate::picture;
use crate::progress::Mode;
use crate::seeds::SeedRange;
use procreg_conformance::RegistryFactory as _;
use procreg_report::render::{
    render_never_reached, render_sim_failures, render_sim_summary, render_sometimes,
};
use procreg_report::{
    sim_replay, simulation_phase, simulation_section, KitObserver, KitPhase, KitReport, Phase,
    RunConfig,
};
use procreg_sim::{run_seed, FaultSet, SimConfig, SimOutcome, Topology};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where `procreg sim` shows each seed's line: streamed to stdout for a
/// text report there, else collected into the report file with a copy on
/// stderr (not for JSON, whose report has no such lines).
struct SeedLines {
    streamed: bool,
    echo: bool,
    lines: String,
}

impl SeedLines {
    fn show(&mut self, line: &str) {
        if self.streamed {
            let _ = exit::emit(&format!("{line}\n"), None);
            return;
        }
        if self.echo {
            exit::note(line);
        }
        let _ = writeln!(self.lines, "{line}");
    }
}

impl KitObserver for SeedLines {
    fn step_started(&mut self, _phase: KitPhase, what: &str) {
        self.show(what);
    }
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
    /// `--html FILE`: the first failing seed (or the single seed) as a timeline page.
    pub html: Option<PathBuf>,
    /// `--format json` gives the mergeable JSON report.
    pub json: bool,
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--quiet`.
    pub quiet: bool,
    /// `--strict`: a sweep that never reached a moment fails.
    pub strict: bool,
}

/// `procreg sim`: one line per seed, failures in full; exit 1 when any seed fails.
pub fn run(options: &SimOptions) -> Result<u8, CliError> {
    let backend = BackendSpec::parse(&options.backend)?;
    refuse_bad_flags(options)?;
    let factory = backend.factory()?;
    fits(&options.config, &factory, &backend)?;
    let run = RunConfig {
        backend: backend.flag(),
        strict: options.strict,
        only: vec!["sim".to_owned()],
    };
    let mut lines = SeedLines {
        streamed: !options.json && options.out.is_none(),
        echo: Mode::detect(options.quiet) != Mode::Quiet && !options.json,
        lines: String::new(),
    };
    // A traced seed is drawn from its own run; otherwise the seed to draw runs again.
    let mut drawn: Option<Result<u64, CliError>> = None;
    let mut section = match &options.trace {
        Some(path) => {
            let config = SimConfig {
                keep_trace: true,
                ..options.config.with_seed(options.range.start)
            };
            let outcome = run_seed(&config, &factory)
                .map_err(|error| CliError::backend(error.to_string()))?;
            lines.show(&outcome.summary_line());
            write_trace(path, &outcome)?;
            if let Some(html) = &options.html {
                let replay = sim_replay(&run, &outcome.config);
                drawn = Some(picture::draw_outcome(&outcome, &replay, html).map(|()| config.seed));
            }
            let (outcome_seed, outcome_hash) = (outcome.config.seed, outcome.trace_hash.clone());
            let failures: Vec<SimOutcome> =
                (!outcome.passed()).then_some(outcome).into_iter().collect();
            simulation_section(
                &run,
                &factory.capabilities(),
                &config,
                options.range,
                [(outcome_seed, outcome_hash)].into_iter().collect(),
                &failures,
            )
        }
        None => simulation_phase(&factory, &run, &options.config, options.range, &mut lines)
            .map_err(|error| CliError::backend(error.to_string()))?,
    };
    let drawn = match &options.html {
        Some(path) => {
            let drawn =
                drawn.or_else(|| draw_first_failure(options, &factory, &run, &section, path));
            Some(picture_line(&mut section, drawn, path))
        }
        None => None,
    };
    let coverage_holds = !options.strict || section.never_reached().is_empty();
    let passed = section.failures.is_empty() && coverage_holds;
    let text = if options.json {
        KitReport::new(
            run,
            Phase::NotSelected,
            Phase::NotSelected,
            Phase::NotSelected,
            Phase::Ran(section),
        )
        .to_json()
    } else {
        let mut text = lines.lines;
        text.push_str(&render_sim_failures(&section));
        text.push_str(&render_never_reached(&section, options.strict));
        text.push_str(&render_sim_summary(&section, "simulation"));
        text.push('\n');
        if let Some(sometimes) = render_sometimes(&section) {
            text.push_str(&sometimes);
            text.push('\n');
        }
        if let Some(drawn) = &drawn {
            text.push_str(drawn);
            text.push('\n');
        }
        text
    };
    if let (Some(drawn), true) = (&drawn, options.json) {
        exit::note(drawn);
    }
    exit::emit(&text, options.out.as_deref())?;
    Ok(if passed { exit::OK } else { exit::RULE_FAILURE })
}

/// Refuses (exit 2), before anything runs, outputs that cannot be written
/// or would overwrite each other, and seed ranges the flags cannot take.
fn refuse_bad_flags(options: &SimOptions) -> Result<(), CliError> {
    if let Some(out) = &options.out {
        exit::ensure_writable(out)?;
    }
    if let Some(html) = &options.html {
        picture::ensure_html_target(html)?;
        let others = [options.out.as_deref(), options.trace.as_deref()];
        picture::ensure_distinct(html, others.into_iter().flatten())?;
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
    Ok(())
}

/// Draws the first failing seed of `section` (or the single seed run):
/// the seed drawn, or `None` when no seed failed.
fn draw_first_failure(
    options: &SimOptions,
    factory: &crate::backend::Factory,
    run: &RunConfig,
    section: &procreg_report::SimulationSection,
    path: &Path,
) -> Option<Result<u64, CliError>> {
    let seed = match section.failures.first() {
        Some(failure) => failure.seed,
        None if options.range.len() == 1 => options.range.start,
        None => return None,
    };
    let config = options.config.with_seed(seed);
    Some(picture::draw_seed(factory, &config, &sim_replay(run, &config), path).map(|()| seed))
}

/// The line that names the page (recorded in the drawn failure too, for
/// the JSON report), or says why there is none; a page that could not be
/// drawn is noted, never the end of the run's report.
fn picture_line(
    section: &mut procreg_report::SimulationSection,
    drawn: Option<Result<u64, CliError>>,
    path: &Path,
) -> String {
    match drawn {
        None => "picture: no seed failed, nothing drawn".to_owned(),
        Some(Ok(seed)) => {
            if let Some(failure) = section.failures.iter_mut().find(|f| f.seed == seed) {
                failure.picture = Some(path.display().to_string());
            }
            format!("picture of seed {seed}: {}", path.display())
        }
        Some(Err(error)) => {
            let line = format!("picture: not drawn: {}", error.message);
            exit::note(&line);
            line
        }
    }
}

/// Refuses (exit 2) a topology the backend cannot be simulated in.
fn fits(
    config: &SimConfig,
    factory: &crate::backend::Factory,
    backend: &BackendSpec,
) -> Result<(), CliError> {
    match config.topology.unfit_for(&factory.capabilities()) {
        Some(reason) => Err(CliError::usage(format!(
            "--topology {} on {}: {reason}",
            config.topology,
            backend.flag()
        ))),
        None => Ok(()),
    }
}

fn write_trace(path: &Path, outcome: &SimOutcome) -> Result<(), CliError> {
    let mut text = outcome.trace.join("\n");
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|error| CliError::usage(format!("cannot write `{}`: {error}", path.display())))
}

/// `procreg replay sim`: reruns one seed and prints its whole trace, then
/// the outcome; with `html`, also draws it there.
pub fn replay(backend: &str, config: SimConfig, html: Option<&Path>) -> Result<u8, CliError> {
    let backend = BackendSpec::parse(backend)?;
    if let Some(html) = html {
        picture::ensure_html_target(html)?;
    }
    let factory = backend.factory()?;
    fits(&config, &factory, &backend)?;
    let config = SimConfig {
        keep_trace: true,
        ..config
    };
    let outcome =
        run_seed(&config, &factory).map_err(|error| CliError::backend(error.to_string()))?;
    let mut text = outcome.trace.join("\n");
    text.push('\n');
    let run = RunConfig {
        backend: backend.flag(),
        strict: false,
        only: Vec::new(),
    };
    let _ = write!(
        text,
        "{}",
        outcome.to_string().replace(
            &outcome.config.replay_command(),
            &sim_replay(&run, &outcome.config)
        )
    );
    if let Some(html) = html {
        picture::draw_outcome(&outcome, &sim_replay(&run, &outcome.config), html)?;
        let _ = writeln!(text, "  picture: {}", html.display());
    }
    exit::emit(&text, None)?;
    Ok(if outcome.passed() {
        exit::OK
    } else {
        exit::RULE_FAILURE
    })
}

/// Parses `--topology`.
pub fn parse_topology(text: &str) -> Result<Topology, CliError> {
    text.parse().map_err(CliError::usage)
}

/// Parses `--faults`.
pub fn parse_faults(text: &str) -> Result<FaultSet, CliError> {
    text.parse().map_err(CliError::usage)
}
