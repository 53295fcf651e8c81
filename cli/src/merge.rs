//! `procreg merge-reports`: one report from several `check --format json` reports.
//!
//! Checks merge by id and the worst outcome wins (failed, then warned, then
//! passed, then skipped); a check whose outcome differs between files, or
//! that some files lack, is a conflict, printed on stderr and listed under
//! `conflicts`. Model outcomes and history verdicts merge the same way.

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
    let mut conflicts = Vec::new();

    // Checks: first-seen order, worst outcome wins.
    let mut order: Vec<String> = Vec::new();
    let mut merged: BTreeMap<String, (Value, Vec<(usize, String)>)> = BTreeMap::new();
    for (index, report) in reports.iter().enumerate() {
        for check in report
            .get("checks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = check
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let outcome = outcome_of(check).to_owned();
            match merged.get_mut(&id) {
                Some((kept, seen)) => {
                    if rank(&outcome) > rank(outcome_of(kept)) {
                        *kept = check.clone();
                    }
                    seen.push((index, outcome));
                }
                None => {
                    order.push(id.clone());
                    merged.insert(id, (check.clone(), vec![(index, outcome)]));
                }
            }
        }
    }
    let mut missing: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for id in &order {
        let Some((_, seen)) = merged.get(id) else {
            continue;
        };
        let outcomes: Vec<&str> = seen.iter().map(|(_, outcome)| outcome.as_str()).collect();
        if outcomes.iter().any(|outcome| *outcome != outcomes[0]) {
            let detail: Vec<String> = seen
                .iter()
                .map(|(index, outcome)| format!("{outcome} in {}", names[*index]))
                .collect();
            conflicts.push(format!("check `{id}`: {}", detail.join(", ")));
        }
        for index in 0..reports.len() {
            if !seen.iter().any(|(seen_index, _)| *seen_index == index) {
                missing.entry(index).or_default().push(id.clone());
            }
        }
    }
    for (index, ids) in &missing {
        conflicts.push(format!(
            "{} checks missing from {} (first: `{}`)",
            ids.len(),
            names[*index],
            ids.first().map_or("", String::as_str)
        ));
    }
    let strict: Vec<bool> = reports
        .iter()
        .map(|report| {
            report
                .get("strict")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        })
        .collect();
    if strict.iter().any(|value| *value != strict[0]) {
        conflicts.push("the reports mix strict and non-strict runs".to_owned());
    }

    // Model: worst outcome wins.
    let mut model: Option<Value> = None;
    for (index, report) in reports.iter().enumerate() {
        if let Some(value) = report.get("model") {
            match &model {
                Some(kept) if outcome_of(kept) != outcome_of(value) => {
                    conflicts.push(format!(
                        "model check: {} in {}, {} elsewhere",
                        outcome_of(value),
                        names[index],
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
    }
    // Histories: by seed, worst verdict wins.
    let mut histories: BTreeMap<u64, Value> = BTreeMap::new();
    for report in &reports {
        for history in report
            .get("linearizability")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(seed) = history.get("seed").and_then(Value::as_u64) else {
                continue;
            };
            let verdict = |value: &Value| {
                value
                    .get("verdict")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            match histories.get(&seed) {
                Some(kept) if rank(&verdict(history)) > rank(&verdict(kept)) => {
                    conflicts.push(format!(
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

    // Simulation: runs add up, seed ranges and failures collect.
    let mut simulation: Option<(u64, Vec<Value>, Vec<Value>)> = None;
    for report in &reports {
        let Some(section) = report.get("simulation").filter(|value| value.is_object()) else {
            continue;
        };
        let (runs, seeds, failures) = simulation.get_or_insert_with(Default::default);
        *runs += section.get("runs").and_then(Value::as_u64).unwrap_or(0);
        seeds.extend(
            section
                .get("seeds")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        failures.extend(
            section
                .get("failures")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
    }
    if let Some((_, _, failures)) = &mut simulation {
        failures.sort_by_key(|failure| failure.get("seed").and_then(Value::as_u64));
    }
    let simulation_failed = simulation
        .as_ref()
        .is_some_and(|(_, _, failures)| !failures.is_empty());

    let checks: Vec<Value> = order
        .iter()
        .filter_map(|id| merged.get(id).map(|(check, _)| check.clone()))
        .collect();
    let suite = SuiteReport {
        strict: strict.iter().any(|value| *value),
        capabilities: Capabilities::default(),
        checks: checks.iter().map(check_report).collect(),
    };
    let model_failed = model
        .as_ref()
        .is_some_and(|model| outcome_of(model) == "failed");
    let histories_failed = histories.values().any(|history| {
        matches!(
            history.get("verdict").and_then(Value::as_str),
            Some("not_linearizable" | "error")
        )
    });
    let code = if suite.is_success() && !model_failed && !histories_failed && !simulation_failed {
        exit::OK
    } else {
        exit::RULE_FAILURE
    };
    for conflict in &conflicts {
        exit::note(&format!("procreg: conflict: {conflict}"));
    }
    let text = match format {
        Format::Json => {
            let mut document = reports[0].clone();
            document.insert("checks".to_owned(), Value::Array(checks));
            document.insert(
                "counts".to_owned(),
                serde_json::to_value(suite.counts()).unwrap_or(Value::Null),
            );
            document.insert("strict".to_owned(), json!(suite.strict));
            document.insert("model".to_owned(), model.unwrap_or(Value::Null));
            document.insert(
                "linearizability".to_owned(),
                Value::Array(histories.into_values().collect()),
            );
            if let Some((runs, seeds, failures)) = &simulation {
                document.insert(
                    "simulation".to_owned(),
                    json!({ "runs": runs, "seeds": seeds, "failures": failures }),
                );
            }
            document.insert("merged_from".to_owned(), json!(names));
            document.insert("conflicts".to_owned(), json!(conflicts));
            document.insert("exit_code".to_owned(), json!(code));
            serde_json::to_string_pretty(&Value::Object(document)).unwrap_or_default() + "\n"
        }
        Format::Junit => render_junit(&suite),
        Format::Markdown => render_rule_matrix(&suite),
        Format::Text => {
            let mut text = render_text(&suite);
            if let Some(model) = &model {
                text.push_str(&format!("model check: {}\n", outcome_of(model)));
            }
            if let Some((runs, _, failures)) = &simulation {
                text.push_str(&format!(
                    "simulation: {} of {runs} seeds passed\n",
                    runs.saturating_sub(failures.len() as u64)
                ));
            }
            text.push_str(&format!(
                "merged {} reports, {} conflicts\n",
                names.len(),
                conflicts.len()
            ));
            text
        }
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
