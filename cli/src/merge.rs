//! `procreg merge-reports`: one report from several `check --format json` reports.
//!
//! Checks merge by id and the worst outcome wins (failed, then warned, then
//! passed, then skipped); a check whose outcome differs between files, or
//! that some files lack, is a conflict, printed on stderr and listed under
//! `conflicts`. Model outcomes and history verdicts merge the same way.
//! Simulation shards add up by distinct seed range (a shard merged with
//! itself counts once); shards of different worlds are refused (exit 2).

use crate::exit::{self, CliError};
use crate::Format;
use procreg_conformance::render::{render_junit, render_rule_matrix, render_text};
use procreg_conformance::{Capabilities, CheckReport, Level, Outcome, SuiteReport};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn rank(outcome: &str) -> u8 {
    match outcome {
        "failed" | "not_linearizable" | "error" => 4,
        "warned" | "unknown" => 3,
        "passed" | "linearizable" => 2,
        "skipped" => 1,
        _ => 0,
    }
}

fn read(path: &PathBuf) -> Result<Map<String, Value>, CliError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|error| CliError::usage(format!("cannot read `{shown}`: {error}")))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|error| CliError::usage(format!("`{shown}` is not JSON: {error}")))?;
    let Value::Object(map) = value else {
        return Err(CliError::usage(format!(
            "`{shown}` is not a procreg JSON report (not an object)"
        )));
    };
    let checks_ok = map
        .get("checks")
        .and_then(Value::as_array)
        .is_some_and(|checks| {
            checks.iter().all(|check| {
                check.get("id").and_then(Value::as_str).is_some() && !outcome_of(check).is_empty()
            })
        });
    let simulation_only =
        !map.contains_key("checks") && map.get("simulation").is_some_and(Value::is_object);
    if !checks_ok && !simulation_only {
        return Err(CliError::usage(format!(
            "`{shown}` is not a procreg JSON report (no `checks` array of {{id, outcome}} nor a `simulation` section); write one with `procreg check --format json --out FILE` or `procreg sim --format json --out FILE`"
        )));
    }
    Ok(map)
}

/// The outcome name: a string (`model`) or an object's `outcome` field (checks).
fn outcome_of(value: &Value) -> &str {
    match value.get("outcome") {
        Some(Value::String(outcome)) => outcome,
        Some(Value::Object(fields)) => fields.get("outcome").and_then(Value::as_str).unwrap_or(""),
        _ => "",
    }
}

/// The checks of all reports: first-seen order, each with the worst
/// outcome and every (report, outcome) it was seen with.
#[derive(Default)]
struct MergedChecks {
    order: Vec<String>,
    merged: BTreeMap<String, (Value, Vec<(usize, String)>)>,
}

/// Everything merged so far, and what disagreed.
struct Merge<'a> {
    names: &'a [String],
    reports: &'a [Map<String, Value>],
    conflicts: Vec<String>,
}

/// The simulation sections added up: distinct seed ranges only, so a shard
/// merged with itself counts once.
#[derive(Default)]
struct MergedSimulation {
    runs: u64,
    seeds: Vec<Value>,
    failures: Vec<Value>,
    config: Option<Value>,
}

impl Merge<'_> {
    /// Checks by id, worst outcome wins; differing outcomes and checks some
    /// reports lack are conflicts.
    fn checks(&mut self) -> MergedChecks {
        let mut checks = MergedChecks::default();
        for (index, report) in self.reports.iter().enumerate() {
            let listed = report.get("checks").and_then(Value::as_array);
            for check in listed.into_iter().flatten() {
                let id = check.get("id").and_then(Value::as_str).unwrap_or_default();
                let outcome = outcome_of(check).to_owned();
                match checks.merged.get_mut(id) {
                    Some((kept, seen)) => {
                        if rank(&outcome) > rank(outcome_of(kept)) {
                            *kept = check.clone();
                        }
                        seen.push((index, outcome));
                    }
                    None => {
                        checks.order.push(id.to_owned());
                        let seen = vec![(index, outcome)];
                        checks.merged.insert(id.to_owned(), (check.clone(), seen));
                    }
                }
            }
        }
        self.check_conflicts(&checks);
        checks
    }

    /// Conflicts among the merged checks: outcomes that differ, and checks missing from a report.
    fn check_conflicts(&mut self, checks: &MergedChecks) {
        let mut missing: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for id in &checks.order {
            let Some((_, seen)) = checks.merged.get(id) else {
                continue;
            };
            let outcomes: Vec<&str> = seen.iter().map(|(_, outcome)| outcome.as_str()).collect();
            if outcomes.iter().any(|outcome| *outcome != outcomes[0]) {
                let detail: Vec<String> = seen
                    .iter()
                    .map(|(index, outcome)| format!("{outcome} in {}", self.names[*index]))
                    .collect();
                self.conflicts
                    .push(format!("check `{id}`: {}", detail.join(", ")));
            }
            for index in 0..self.reports.len() {
                if !seen.iter().any(|(seen_index, _)| *seen_index == index) {
                    missing.entry(index).or_default().push(id.clone());
                }
            }
        }
        for (index, ids) in &missing {
            self.conflicts.push(format!(
                "{} checks missing from {} (first: `{}`)",
                ids.len(),
                self.names[*index],
                ids.first().map_or("", String::as_str)
            ));
        }
    }

    /// Whether any report ran strictly; mixing strict and non-strict runs is a conflict.
    fn strict(&mut self) -> bool {
        let strict: Vec<bool> = self
            .reports
            .iter()
            .map(|report| {
                report
                    .get("strict")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            })
            .collect();
        if strict.iter().any(|value| *value != strict[0]) {
            self.conflicts
                .push("the reports mix strict and non-strict runs".to_owned());
        }
        strict.iter().any(|value| *value)
    }

    /// The model check: worst outcome wins; differing outcomes are a conflict.
    fn model(&mut self) -> Option<Value> {
        let mut model: Option<Value> = None;
        for (index, report) in self.reports.iter().enumerate() {
            let Some(value) = report.get("model") else {
                continue;
            };
            match &model {
                Some(kept) if outcome_of(kept) != outcome_of(value) => {
                    self.conflicts.push(format!(
                        "model check: {} in {}, {} elsewhere",
                        outcome_of(value),
                        self.names[index],
                        outcome_of(kept)
                    ));
                    if rank(outcome_of(value)) > rank(outcome_of(kept)) {
                        model = Some(value.clone());
                    }
                }
                Some(_) => {}
                None => model = Some(value.clone()),
            }
        }
        model
    }

    /// Histories by seed, worst verdict wins; differing verdicts are a conflict.
    fn histories(&mut self) -> BTreeMap<u64, Value> {
        let verdict = |value: &Value| {
            let verdict = value.get("verdict").and_then(Value::as_str);
            verdict.unwrap_or("").to_owned()
        };
        let mut histories: BTreeMap<u64, Value> = BTreeMap::new();
        for report in self.reports {
            let listed = report.get("linearizability").and_then(Value::as_array);
            for history in listed.into_iter().flatten() {
                let Some(seed) = history.get("seed").and_then(Value::as_u64) else {
                    continue;
                };
                match histories.get(&seed) {
                    Some(kept) if rank(&verdict(history)) > rank(&verdict(kept)) => {
                        self.conflicts.push(format!(
                            "history seed {seed}: {} and {}",
                            verdict(kept),
                            verdict(history)
                        ));
                        histories.insert(seed, history.clone());
                    }
                    Some(_) => {}
                    None => {
                        histories.insert(seed, history.clone());
                    }
                }
            }
        }
        histories
    }

    /// Simulation sections: distinct seed ranges add up, failures collect by
    /// seed; sections of different worlds are a usage error.
    fn simulation(&self) -> Result<Option<MergedSimulation>, CliError> {
        let mut simulation: Option<MergedSimulation> = None;
        for (index, report) in self.reports.iter().enumerate() {
            let Some(section) = report.get("simulation").filter(|value| value.is_object()) else {
                continue;
            };
            let merged = simulation.get_or_insert_with(MergedSimulation::default);
            let config = section.get("config").cloned();
            match &merged.config {
                Some(world) if Some(world) != config.as_ref() => {
                    return Err(CliError::usage(format!(
                        "{} simulated another world ({}) than the reports before it ({world}); merge only shards of one sweep",
                        self.names[index],
                        config.unwrap_or(Value::Null)
                    )))
                }
                Some(_) => {}
                None => merged.config = config,
            }
            let seeds = section.get("seeds").and_then(Value::as_array);
            if seeds.is_some_and(|seeds| seeds.iter().all(|range| merged.seeds.contains(range))) {
                continue;
            }
            merged.runs += section.get("runs").and_then(Value::as_u64).unwrap_or(0);
            merged.seeds.extend(seeds.cloned().unwrap_or_default());
            let failures = section.get("failures").and_then(Value::as_array);
            merged
                .failures
                .extend(failures.cloned().unwrap_or_default());
        }
        if let Some(merged) = &mut simulation {
            merged
                .failures
                .sort_by_key(|failure| failure.get("seed").and_then(Value::as_u64));
        }
        Ok(simulation)
    }
}

/// Everything merged, ready to render.
struct Merged {
    checks: Vec<Value>,
    suite: SuiteReport,
    model: Option<Value>,
    histories: BTreeMap<u64, Value>,
    simulation: Option<MergedSimulation>,
    conflicts: Vec<String>,
}

impl Merged {
    /// 0 when every phase passed, 1 otherwise.
    fn exit_code(&self) -> u8 {
        let model_failed = self
            .model
            .as_ref()
            .is_some_and(|model| outcome_of(model) == "failed");
        let histories_failed = self.histories.values().any(|history| {
            matches!(
                history.get("verdict").and_then(Value::as_str),
                Some("not_linearizable" | "error")
            )
        });
        let simulation_failed = self
            .simulation
            .as_ref()
            .is_some_and(|simulation| !simulation.failures.is_empty());
        if self.suite.is_success() && !model_failed && !histories_failed && !simulation_failed {
            exit::OK
        } else {
            exit::RULE_FAILURE
        }
    }

    /// The merged report as JSON: the first report's fields, overwritten by the merge.
    fn json(self, first: &Map<String, Value>, names: &[String], code: u8) -> String {
        let mut document = first.clone();
        let counts = serde_json::to_value(self.suite.counts()).unwrap_or(Value::Null);
        document.insert("checks".to_owned(), Value::Array(self.checks));
        document.insert("counts".to_owned(), counts);
        document.insert("strict".to_owned(), json!(self.suite.strict));
        document.insert("model".to_owned(), self.model.unwrap_or(Value::Null));
        document.insert(
            "linearizability".to_owned(),
            Value::Array(self.histories.into_values().collect()),
        );
        if let Some(simulation) = &self.simulation {
            document.insert(
                "simulation".to_owned(),
                json!({
                    "config": simulation.config,
                    "runs": simulation.runs,
                    "seeds": simulation.seeds,
                    "failures": simulation.failures,
                }),
            );
        }
        document.insert("merged_from".to_owned(), json!(names));
        document.insert("conflicts".to_owned(), json!(self.conflicts));
        document.insert("exit_code".to_owned(), json!(code));
        serde_json::to_string_pretty(&Value::Object(document)).unwrap_or_default() + "\n"
    }

    /// The merged report as text: the suite, then one line per other phase.
    fn text(&self, names: &[String]) -> String {
        let mut text = render_text(&self.suite);
        if let Some(model) = &self.model {
            text.push_str(&format!("model check: {}\n", outcome_of(model)));
        }
        if let Some(simulation) = &self.simulation {
            text.push_str(&format!(
                "simulation: {} of {} seeds passed\n",
                simulation
                    .runs
                    .saturating_sub(simulation.failures.len() as u64),
                simulation.runs
            ));
        }
        text.push_str(&format!(
            "merged {} reports, {} conflicts\n",
            names.len(),
            self.conflicts.len()
        ));
        text
    }
}

/// Merges `files` and prints the result in `format`; returns the exit code.
pub fn run(
    files: &[PathBuf],
    format: Format,
    out: Option<&std::path::Path>,
) -> Result<u8, CliError> {
    if files.is_empty() {
        return Err(CliError::usage("merge-reports needs at least one FILE"));
    }
    let reports = files.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = files
        .iter()
        .map(|file| file.display().to_string())
        .collect();
    let mut merge = Merge {
        names: &names,
        reports: &reports,
        conflicts: Vec::new(),
    };
    let merged_checks = merge.checks();
    let strict = merge.strict();
    let model = merge.model();
    let histories = merge.histories();
    let simulation = merge.simulation()?;
    let checks: Vec<Value> = merged_checks
        .order
        .iter()
        .filter_map(|id| merged_checks.merged.get(id).map(|(check, _)| check.clone()))
        .collect();
    let suite = SuiteReport {
        strict,
        capabilities: Capabilities::default(),
        checks: checks.iter().map(check_report).collect(),
    };
    let merged = Merged {
        checks,
        suite,
        model,
        histories,
        simulation,
        conflicts: merge.conflicts,
    };
    let code = merged.exit_code();
    for conflict in &merged.conflicts {
        exit::note(&format!("procreg: conflict: {conflict}"));
    }
    let text = match format {
        Format::Json => merged.json(&reports[0], &names, code),
        Format::Junit => render_junit(&merged.suite),
        Format::Markdown => render_rule_matrix(&merged.suite),
        Format::Text => merged.text(&names),
    };
    exit::emit(&text, out)?;
    Ok(code)
}

fn check_report(value: &Value) -> CheckReport {
    let text = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let detail = value.get("outcome").cloned().unwrap_or(Value::Null);
    let field = |key: &str| {
        detail
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let outcome = match outcome_of(value) {
        "passed" => Outcome::Passed {
            assertions: detail
                .get("assertions")
                .and_then(Value::as_u64)
                .map_or(0, |count| usize::try_from(count).unwrap_or(usize::MAX)),
        },
        "skipped" => Outcome::Skipped {
            reason: field("reason"),
        },
        "warned" => Outcome::Warned {
            rule: field("rule"),
            message: field("message"),
        },
        "failed" => Outcome::Failed {
            rule: field("rule"),
            message: field("message"),
        },
        other => Outcome::Failed {
            rule: "SUITE".to_owned(),
            message: format!("unknown outcome `{other}` in a merged report"),
        },
    };
    CheckReport {
        id: text("id"),
        area: text("area"),
        rules: value
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|rule| rule.as_str().map(str::to_owned))
            .collect(),
        level: if text("level") == "SHOULD" {
            Level::Should
        } else {
            Level::Must
        },
        outcome,
    }
}
