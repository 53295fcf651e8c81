//! The report as a person reads it: every failure in full with the
//! command that replays it, then one summary line per phase and the verdict.

use crate::collect::check_replay;
use crate::kill9::Kill9Section;
use crate::phase::{KitPhase, Phase};
use crate::report::{HistoryVerdict, KitReport, SimulationSection, EXIT_PASSED};
use procreg_conformance::Outcome;
use std::fmt::Write as _;

/// Failures, warnings and skips in full, then [`render_summary`].
pub fn render_text(report: &KitReport) -> String {
    let mut out = String::new();
    if let Phase::Ran(suite) = &report.suite {
        for check in &suite.report.checks {
            let rules = check.rules.join(", ");
            let replay = check_replay(&report.config, &check.id, &check.outcome);
            let _ = match &check.outcome {
                Outcome::Failed { rule, message } => writeln!(
                    out,
                    "FAIL  {} [{rules}]\n      {rule}: {message}\n      replay: {replay}",
                    check.id
                ),
                Outcome::Warned { rule, message } => writeln!(
                    out,
                    "WARN  {} [{rules}] (SHOULD)\n      {rule}: {message}\n      replay: {replay}",
                    check.id
                ),
                Outcome::Skipped { reason } => {
                    writeln!(out, "SKIP  {} [{rules}] {reason}", check.id)
                }
                Outcome::Passed { .. } => Ok(()),
            };
        }
    }
    if let Phase::Ran(model) = &report.model {
        let replay = model.replay.as_deref().unwrap_or_default();
        let _ = match &model.outcome {
            Outcome::Failed { message, .. } => writeln!(
                out,
                "FAIL  model check [MODEL: backend and executable model disagree]\n{message}\n      replay: {replay}"
            ),
            Outcome::Warned { rule, message } => writeln!(
                out,
                "WARN  model check [{rule}] (SHOULD; the search went on without the ops that provoke it and found nothing else)\n{message}\n      replay: {replay}"
            ),
            _ => Ok(()),
        };
    }
    if let Phase::Ran(section) = &report.histories {
        for history in &section.histories {
            let _ = match (&history.outcome, history.verdict) {
                (Outcome::Failed { message, .. }, HistoryVerdict::Error) => writeln!(
                    out,
                    "FAIL  history seed {} [SUITE: recording failed]\n      {message}\n      replay: {}",
                    history.seed, history.replay
                ),
                (Outcome::Failed { message, .. }, _) => writeln!(
                    out,
                    "FAIL  history seed {} [LINEARIZABILITY: not linearizable]\n{message}\n      replay: {}",
                    history.seed, history.replay
                ),
                _ => Ok(()),
            };
        }
    }
    if let Phase::Ran(section) = &report.simulation {
        out.push_str(&render_sim_failures(section));
        out.push_str(&render_never_reached(section, report.config.strict));
    }
    if let Phase::Ran(section) = &report.kill9 {
        out.push_str(&render_kill9_failure(section));
    }
    out.push_str(&render_summary(report));
    out
}

/// The kill -9 run's failure in full (nothing when it passed): the rule,
/// the steps before it, the replay.
pub fn render_kill9_failure(section: &Kill9Section) -> String {
    let mut out = String::new();
    if let Some(failure) = section.failure_text() {
        let _ = writeln!(out, "FAIL  kill -9 run seed {}", section.report.seed);
        for line in failure.lines() {
            let _ = writeln!(out, "      {line}");
        }
    }
    out
}

/// The moments a sweep long enough never reached: a warning, or a failure
/// when `strict` (nothing for a sweep that reached them all).
pub fn render_never_reached(section: &SimulationSection, strict: bool) -> String {
    let never = section.never_reached();
    if never.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = never.iter().map(|moment| moment.name()).collect();
    format!(
        "{}  sometimes: in {} seeds the world never reached {}: it no longer exercises what these moments test (docs/sim.md, Sometimes){}\n",
        if strict { "FAIL" } else { "WARN" },
        section.coverage.runs,
        names.join(", "),
        if strict { "" } else { "; a failure with --strict" }
    )
}

/// The sweep's "sometimes" line: how many seeds reached each moment.
pub fn render_sometimes(section: &SimulationSection) -> Option<String> {
    (section.coverage.runs > 0).then(|| format!("  sometimes: {}", section.coverage.summary()))
}

/// Every failing seed in full: violations, the world at that moment, the replay.
pub fn render_sim_failures(section: &SimulationSection) -> String {
    let mut out = String::new();
    for failure in &section.failures {
        let _ = writeln!(out, "FAIL  simulation seed {}", failure.seed);
        for line in failure.report.lines() {
            let _ = writeln!(out, "      {line}");
        }
    }
    out
}

/// The sweep's one-line summary, labelled `label`.
pub fn render_sim_summary(section: &SimulationSection, label: &str) -> String {
    format!(
        "{label}: {} of {} seeds passed (seeds {}, {} workers{}, {} processes, faults {})",
        section.passed(),
        section.runs,
        section
            .seeds
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        section.world.workers,
        if section.world.topology == "served" {
            ""
        } else {
            " with a handle each on one store"
        },
        section.world.processes,
        section.world.faults_label(),
    )
}

/// One line per phase and the verdict: what a CI log's last lines should say.
pub fn render_summary(report: &KitReport) -> String {
    let mut out = String::new();
    for line in [
        suite_line(report),
        model_line(report),
        histories_line(report),
        simulation_line(report),
        kill9_line(report),
    ] {
        let _ = writeln!(out, "{line}");
    }
    if !report.merged_from.is_empty() {
        let _ = writeln!(
            out,
            "merged from {} reports: {}",
            report.merged_from.len(),
            report.merged_from.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if report.exit_code == EXIT_PASSED {
            "result: all passed".to_owned()
        } else {
            format!("result: FAILED (exit {})", report.exit_code)
        }
    );
    out
}

/// The line of a phase that did not run, or `None` when it ran.
fn not_run<T>(phase: &Phase<T>, name: KitPhase) -> Option<String> {
    match phase {
        Phase::NotSelected => Some(format!("{}: not selected by --only", name.label())),
        Phase::Skipped { reason } => Some(format!("{}: skipped: {reason}", name.label())),
        Phase::Ran(_) => None,
    }
}

fn suite_line(report: &KitReport) -> String {
    let Phase::Ran(suite) = &report.suite else {
        return not_run(&report.suite, KitPhase::Suite).unwrap_or_default();
    };
    format!(
        "{}: {} passed, {} failed, {} skipped, {} warned ({} checks, backend {}{})",
        KitPhase::Suite.label(),
        suite.counts.passed,
        suite.counts.failed,
        suite.counts.skipped,
        suite.counts.warned,
        suite.report.checks.len(),
        report.config.backend,
        if report.config.strict { ", strict" } else { "" }
    )
}

fn model_line(report: &KitReport) -> String {
    let Phase::Ran(model) = &report.model else {
        return not_run(&report.model, KitPhase::Model).unwrap_or_default();
    };
    let label = KitPhase::Model.label();
    let counts = format!(
        "{} cases, {} operations, seed {}",
        model.cases_run, model.ops_run, model.seed
    );
    match (&model.outcome, &model.counterexample) {
        (Outcome::Failed { .. }, Some(found)) => format!(
            "{label}: FAILED at seed {} (shrunk to {} operations)",
            found.seed, found.ops
        ),
        (Outcome::Failed { .. }, None) => format!("{label}: FAILED ({counts})"),
        (Outcome::Warned { rule, .. }, _) => {
            format!("{label}: passed with a SHOULD warning ({rule}; {counts})")
        }
        (Outcome::Skipped { reason }, _) => format!("{label}: skipped: {reason}"),
        (Outcome::Passed { .. }, _) => format!("{label}: passed ({counts})"),
    }
}

fn histories_line(report: &KitReport) -> String {
    let Phase::Ran(section) = &report.histories else {
        return not_run(&report.histories, KitPhase::Histories).unwrap_or_default();
    };
    let count = |verdict: HistoryVerdict| {
        section
            .histories
            .iter()
            .filter(|history| history.verdict == verdict)
            .count()
    };
    let warned = section
        .histories
        .iter()
        .filter(|history| matches!(history.outcome, Outcome::Warned { .. }))
        .count();
    let seeds = match (section.histories.first(), section.histories.last()) {
        (Some(first), Some(last)) => format!(" (seeds {}..={})", first.seed, last.seed),
        _ => String::new(),
    };
    let mut line = format!(
        "{}: {} of {} linearizable, {} undecided{seeds}",
        KitPhase::Histories.label(),
        count(HistoryVerdict::Linearizable),
        section.histories.len(),
        count(HistoryVerdict::Unknown),
    );
    if warned > 0 {
        let _ = write!(
            line,
            ", {warned} linearizable only with a SHOULD leniency (LEASE-2; fails with --strict)"
        );
    }
    if section
        .histories
        .iter()
        .any(|history| history.saved.is_some())
    {
        line.push_str(" (recorded with real parallelism; saved as procreg-history-seed-*.json under the temp dir)");
    }
    line
}

fn simulation_line(report: &KitReport) -> String {
    match &report.simulation {
        Phase::Ran(section) => {
            let mut line = render_sim_summary(section, KitPhase::Simulation.label());
            if let Some(sometimes) = render_sometimes(section) {
                line.push('\n');
                line.push_str(&sometimes);
            }
            line
        }
        phase => not_run(phase, KitPhase::Simulation).unwrap_or_default(),
    }
}

fn kill9_line(report: &KitReport) -> String {
    match &report.kill9 {
        Phase::Ran(section) => render_kill9_summary(section, KitPhase::Kill9.label()),
        phase => not_run(phase, KitPhase::Kill9).unwrap_or_default(),
    }
}

/// The kill -9 run's one-line summary, labelled `label`.
pub fn render_kill9_summary(section: &Kill9Section, label: &str) -> String {
    match &section.report.violation {
        None => format!(
            "{label}: passed: {} (seed {})",
            section.report.summary(),
            section.report.seed
        ),
        Some(violation) => format!(
            "{label}: FAILED ({} after {} of {} kills, seed {})",
            violation.rule, violation.kill, section.report.planned_kills, section.report.seed
        ),
    }
}
