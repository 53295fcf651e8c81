//! `procreg rules`: the rule catalogue of docs/spec.md and the checks covering each rule.

use crate::Format;
use procreg_conformance::all_checks;
use std::fmt::Write as _;

/// docs/spec.md, embedded at compile time.
pub const SPEC: &str = include_str!("../../docs/spec.md");

/// One rule heading: `### LEASE-7 · MUST · Title`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `LEASE-7`.
    pub id: String,
    /// `MUST` or `SHOULD`.
    pub level: String,
    /// The heading's title.
    pub title: String,
    /// Ids of the checks citing the rule, in catalogue order.
    pub checks: Vec<String>,
}

/// Every rule of the spec, in document order, with its checks.
pub fn catalogue() -> Vec<Rule> {
    let checks = all_checks();
    SPEC.lines()
        .filter_map(|line| line.strip_prefix("### "))
        .filter_map(|heading| {
            let mut parts = heading.splitn(3, " · ");
            let (id, level, title) = (parts.next()?, parts.next()?, parts.next()?);
            let (area, number) = id.split_once('-')?;
            let well_formed = !area.is_empty()
                && area.chars().all(|c| c.is_ascii_uppercase())
                && number.chars().all(|c| c.is_ascii_digit());
            if !well_formed {
                return None;
            }
            Some(Rule {
                id: id.to_owned(),
                level: level.trim().to_owned(),
                title: title.trim().to_owned(),
                checks: checks
                    .iter()
                    .filter(|check| check.rules.contains(&id))
                    .map(|check| check.id.to_owned())
                    .collect(),
            })
        })
        .collect()
}

/// The catalogue as text or a Markdown table.
pub fn render(format: Format) -> String {
    let rules = catalogue();
    let mut out = String::new();
    match format {
        Format::Markdown => {
            out.push_str("| rule | level | title | checks |\n|---|---|---|---|\n");
            for rule in &rules {
                let checks: Vec<String> = rule.checks.iter().map(|id| format!("`{id}`")).collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    rule.id,
                    rule.level,
                    rule.title.replace('|', "\\|"),
                    if checks.is_empty() {
                        "(none)".to_owned()
                    } else {
                        checks.join(", ")
                    }
                );
            }
        }
        _ => {
            for rule in &rules {
                let _ = writeln!(out, "{:<11} {:<6} {}", rule.id, rule.level, rule.title);
                let checks = if rule.checks.is_empty() {
                    "(none)".to_owned()
                } else {
                    rule.checks.join(", ")
                };
                let _ = writeln!(out, "{:<18} checks: {checks}", "");
            }
        }
    }
    let covered = rules.iter().filter(|rule| !rule.checks.is_empty()).count();
    let _ = writeln!(
        out,
        "\n{} rules, {covered} covered by checks, {} checks",
        rules.len(),
        all_checks().len()
    );
    out
}
