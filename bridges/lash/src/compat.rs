//! The compatibility matrix: how lash registries fare against every rule, as deterministic Markdown.
//!
//! Only outcomes go in (pass / FAIL / warn / skip, the failing rule, the
//! skip reason), never failure messages: those carry wall-clock
//! timestamps, lease tokens and temp paths. Whoever runs the suites settles
//! outcomes that vary from run to run before rendering (by repeating those
//! checks, or by excluding them); both are listed with their reasons, so the
//! matrix is the same on every run.

use procreg_conformance::machine::{ModelOutcome, ModelReport};
use procreg_conformance::{CheckReport, Level, Outcome, SuiteReport};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Everything run against one lash backend.
#[derive(Debug, Clone)]
pub struct BackendRun {
    /// The backend's name in the matrix (`in-memory`, `sqlite`).
    pub name: String,
    /// The suite with SHOULD violations as warnings.
    pub default: SuiteReport,
    /// The suite with SHOULD violations as failures.
    pub strict: SuiteReport,
    /// Pinned-time model checks, each with a label saying how its ops were adapted.
    pub models: Vec<(String, ModelReport)>,
    /// Checks left out of the matrix, by id, with the reason.
    pub excluded: BTreeMap<String, String>,
    /// Checks run more than once to make their outcome deterministic, by id, with how and why.
    pub repeated: BTreeMap<String, String>,
}

impl BackendRun {
    fn label(&self, check: &CheckReport) -> String {
        if self.excluded.contains_key(&check.id) {
            return "excl".to_owned();
        }
        match &check.outcome {
            Outcome::Passed { .. } => "pass".to_owned(),
            Outcome::Skipped { .. } => "skip".to_owned(),
            Outcome::Warned { rule, .. } => format!("warn {rule}"),
            Outcome::Failed { rule, .. } => format!("FAIL {rule}"),
        }
    }
}

fn rank(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Passed { .. } => 0,
        Outcome::Skipped { .. } => 1,
        Outcome::Warned { .. } => 2,
        Outcome::Failed { .. } => 3,
    }
}

fn short(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed { .. } => "pass",
        Outcome::Skipped { .. } => "skip",
        Outcome::Warned { .. } => "warn",
        Outcome::Failed { .. } => "FAIL",
    }
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    warned: usize,
    skipped: usize,
    excluded: usize,
}

fn tally(run: &BackendRun, report: &SuiteReport) -> Tally {
    let mut tally = Tally::default();
    for check in &report.checks {
        if run.excluded.contains_key(&check.id) {
            tally.excluded += 1;
            continue;
        }
        match check.outcome {
            Outcome::Passed { .. } => tally.passed += 1,
            Outcome::Failed { .. } => tally.failed += 1,
            Outcome::Warned { .. } => tally.warned += 1,
            Outcome::Skipped { .. } => tally.skipped += 1,
        }
    }
    tally
}

/// The worst outcome among the checks of `rule` that ran; `skip` when all
/// were skipped, `excl` when all were excluded.
fn rule_outcome(run: &BackendRun, report: &SuiteReport, rule: &str) -> &'static str {
    let covering: Vec<&CheckReport> = report
        .checks
        .iter()
        .filter(|check| check.rules.iter().any(|covered| covered == rule))
        .filter(|check| !run.excluded.contains_key(&check.id))
        .collect();
    let ran = covering
        .iter()
        .map(|check| &check.outcome)
        .filter(|outcome| !matches!(outcome, Outcome::Skipped { .. }))
        .max_by_key(|outcome| rank(outcome));
    match (ran, covering.is_empty()) {
        (Some(outcome), _) => short(outcome),
        (None, false) => "skip",
        (None, true) => "excl",
    }
}

fn level(level: Level) -> &'static str {
    level.as_str()
}

/// Renders the matrix for `runs` (each backend's default and strict suite,
/// in catalogue order; the model check; exclusions).
pub fn render_compat_matrix(runs: &[BackendRun]) -> String {
    let mut out = String::new();
    render_counts(&mut out, runs);
    let Some(first) = runs.first() else {
        return out;
    };
    render_rules(&mut out, runs, first);
    render_uneven_checks(&mut out, runs, first);
    render_skipped(&mut out, runs);
    render_notes(&mut out, runs);
    render_models(&mut out, runs);
    out
}

/// The counts section: one row per backend and mode.
fn render_counts(out: &mut String, runs: &[BackendRun]) {
    let _ = writeln!(out, "### Counts\n");
    out.push_str("| backend | mode | passed | failed | warned | skipped | excluded |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for run in runs {
        for (mode, report) in [("default", &run.default), ("strict", &run.strict)] {
            let t = tally(run, report);
            let _ = writeln!(
                out,
                "| {} | {mode} | {} | {} | {} | {} | {} |",
                run.name, t.passed, t.failed, t.warned, t.skipped, t.excluded
            );
        }
    }
}

/// The header row and separator of a table with `leading` columns and two per run.
fn render_run_columns(out: &mut String, runs: &[BackendRun], leading: &str, separator: &str) {
    out.push_str(leading);
    for run in runs {
        let _ = write!(out, " {0} | {0} strict |", run.name);
    }
    out.push_str(separator);
    for _ in runs {
        out.push_str("---|---|");
    }
    out.push('\n');
}

/// The rules section: every rule `first`'s default suite covers, in
/// catalogue order, with its outcome per backend and mode.
fn render_rules(out: &mut String, runs: &[BackendRun], first: &BackendRun) {
    let mut rules: Vec<(String, Level)> = Vec::new();
    for check in &first.default.checks {
        for rule in &check.rules {
            if !rules.iter().any(|(known, _)| known == rule) {
                rules.push((rule.clone(), check.level));
            }
        }
    }
    let _ = writeln!(out, "\n### Rules\n");
    render_run_columns(out, runs, "| rule | level |", "\n|---|---|");
    for (rule, rule_level) in &rules {
        let _ = write!(out, "| {rule} | {} |", level(*rule_level));
        for run in runs {
            let _ = write!(
                out,
                " {} | {} |",
                rule_outcome(run, &run.default, rule),
                rule_outcome(run, &run.strict, rule)
            );
        }
        out.push('\n');
    }
}

/// The section of checks that do not pass (or skip) on every backend and mode.
fn render_uneven_checks(out: &mut String, runs: &[BackendRun], first: &BackendRun) {
    let _ = writeln!(out, "\n### Checks that do not pass everywhere\n");
    render_run_columns(out, runs, "| check | rules | level |", "\n|---|---|---|");
    for (index, check) in first.default.checks.iter().enumerate() {
        let labels: Vec<String> = runs
            .iter()
            .flat_map(|run| {
                [&run.default, &run.strict]
                    .into_iter()
                    .map(|report| {
                        report
                            .checks
                            .get(index)
                            .map_or_else(|| "missing".to_owned(), |check| run.label(check))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        if labels
            .iter()
            .all(|label| label == "pass" || label == "skip")
        {
            continue;
        }
        let _ = write!(
            out,
            "| `{}` | {} | {} |",
            check.id,
            check.rules.join(", "),
            level(check.level)
        );
        for label in labels {
            let _ = write!(out, " {label} |");
        }
        out.push('\n');
    }
}

/// The skipped checks of the default suites, each with its reason and the backends skipping it.
fn render_skipped(out: &mut String, runs: &[BackendRun]) {
    let _ = writeln!(out, "\n### Skipped checks\n");
    let mut skipped: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for run in runs {
        for check in &run.default.checks {
            if let Outcome::Skipped { reason } = &check.outcome {
                skipped
                    .entry((check.id.clone(), reason.clone()))
                    .or_default()
                    .push(&run.name);
            }
        }
    }
    for ((id, reason), names) in &skipped {
        let _ = writeln!(out, "- `{id}` ({}): {reason}", names.join(", "));
    }
}

/// The excluded and the repeated checks, each with the reason its backend gave.
fn render_notes(out: &mut String, runs: &[BackendRun]) {
    for (title, notes) in [
        (
            "Excluded checks",
            runs.iter()
                .map(|run| (run, &run.excluded))
                .collect::<Vec<_>>(),
        ),
        (
            "Repeated checks",
            runs.iter().map(|run| (run, &run.repeated)).collect(),
        ),
    ] {
        let _ = writeln!(out, "\n### {title}\n");
        let mut any = false;
        for (run, notes) in notes {
            for (id, note) in notes {
                any = true;
                let _ = writeln!(out, "- `{id}` ({}): {note}", run.name);
            }
        }
        if !any {
            out.push_str("- none\n");
        }
    }
}

/// The model check section: each backend's pinned-time model checks, or that none ran.
fn render_models(out: &mut String, runs: &[BackendRun]) {
    let _ = writeln!(out, "\n### Model check (time held still)\n");
    for run in runs {
        if run.models.is_empty() {
            let _ = writeln!(out, "- {}: not run", run.name);
        }
        for (label, model) in &run.models {
            render_model(out, &format!("{} ({label})", run.name), model);
        }
    }
}

fn render_model(out: &mut String, name: &str, model: &ModelReport) {
    match &model.outcome {
        ModelOutcome::Passed => {
            let _ = writeln!(
                out,
                "- {name}: passed, seed {}, {} cases",
                model.seed, model.cases_run
            );
        }
        ModelOutcome::Skipped { reason } => {
            let _ = writeln!(out, "- {name}: skipped: {reason}");
        }
        ModelOutcome::Warned { rule, .. } => {
            let _ = writeln!(
                out,
                "- {name}: passed but for SHOULD {rule}, seed {}, {} cases",
                model.seed, model.cases_run
            );
        }
        ModelOutcome::Failed(failure) => {
            let divergence = &failure.divergence;
            let _ = writeln!(
                    out,
                    "- {name}: FAILED, seed {}, first failing case {}; shrunk to {} ops, step {} diverges on {}:",
                    model.seed,
                    model
                        .cases_to_failure
                        .map_or_else(|| "?".to_owned(), |case| case.to_string()),
                    failure.ops.len(),
                    divergence.step,
                    divergence.what
                );
            for (step, op) in failure.ops.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  {step}. `{}`",
                    serde_json::to_string(op).unwrap_or_default()
                );
            }
            let _ = writeln!(out, "  - expected (model): `{}`", divergence.expected);
            let _ = writeln!(out, "  - observed (lash): `{}`", divergence.observed);
        }
    }
}
