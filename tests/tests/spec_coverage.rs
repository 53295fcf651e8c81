//! docs/spec.md is the rule catalogue: every rule is well formed and tested.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

struct Rule {
    id: String,
    level: String,
    body: String,
}

fn rules() -> Vec<Rule> {
    let spec = std::fs::read_to_string(workspace_root().join("docs/spec.md"))
        .expect("docs/spec.md is readable");
    let mut rules: Vec<Rule> = Vec::new();
    for line in spec.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            let mut parts = heading.split(" · ");
            let id = parts.next().unwrap_or_default().to_owned();
            let level = parts.next().unwrap_or_default().to_owned();
            rules.push(Rule {
                id,
                level,
                body: String::new(),
            });
        } else if line.starts_with("## ") {
            continue;
        } else if let Some(rule) = rules.last_mut() {
            rule.body.push_str(line);
            rule.body.push('\n');
        }
    }
    rules
}

fn test_function_names() -> BTreeSet<String> {
    let dir = workspace_root().join("reference-impl/tests");
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("reference-impl/tests is readable") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            let source = std::fs::read_to_string(&path).expect("test file is readable");
            for line in source.lines() {
                if let Some(rest) = line
                    .trim_start()
                    .strip_prefix("async fn ")
                    .or_else(|| line.trim_start().strip_prefix("fn "))
                {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn spec_has_at_least_eighty_unique_well_formed_rules() {
    let rules = rules();
    assert!(
        rules.len() >= 80,
        "docs/spec.md has only {} rules",
        rules.len()
    );
    let mut seen = BTreeSet::new();
    for rule in &rules {
        let valid_id = rule.id.split_once('-').is_some_and(|(area, number)| {
            !area.is_empty()
                && area.chars().all(|c| c.is_ascii_uppercase())
                && number.parse::<u32>().is_ok()
        });
        assert!(valid_id, "malformed rule id `{}`", rule.id);
        assert!(
            seen.insert(rule.id.clone()),
            "rule id {} appears twice",
            rule.id
        );
        assert!(
            rule.level == "MUST" || rule.level == "SHOULD",
            "{} has level `{}`",
            rule.id,
            rule.level
        );
        assert!(rule.body.contains("Source:"), "{} names no source", rule.id);
    }
}

#[test]
fn spec_rules_are_all_tested() {
    let names = test_function_names();
    let untested: Vec<String> = rules()
        .iter()
        .map(|rule| rule.id.to_lowercase().replace('-', "_") + "_")
        .filter(|prefix| !names.iter().any(|name| name.starts_with(prefix.as_str())))
        .collect();
    assert!(
        untested.is_empty(),
        "rules without a test in reference-impl/tests: {untested:?}"
    );
}

#[test]
fn spec_rules_are_all_covered_by_conformance_checks() {
    let covered: BTreeSet<&str> = procreg_conformance::all_checks()
        .iter()
        .flat_map(|check| check.rules.iter().copied())
        .collect();
    let rules = rules();
    let uncovered: Vec<&str> = rules
        .iter()
        .map(|rule| rule.id.as_str())
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(
        uncovered.is_empty(),
        "rules no conformance check covers: {uncovered:?}"
    );
    let known: BTreeSet<&str> = rules.iter().map(|rule| rule.id.as_str()).collect();
    let unknown: Vec<&&str> = covered.iter().filter(|id| !known.contains(**id)).collect();
    assert!(
        unknown.is_empty(),
        "checks cite rules docs/spec.md does not have: {unknown:?}"
    );
}

#[test]
fn check_levels_match_their_rules() {
    let levels: std::collections::BTreeMap<String, String> = rules()
        .into_iter()
        .map(|rule| (rule.id, rule.level))
        .collect();
    for check in procreg_conformance::all_checks() {
        let should = check.level == procreg_conformance::Level::Should;
        for rule in check.rules {
            let rule_level = levels.get(*rule).map(String::as_str).unwrap_or("?");
            assert!(
                should == (rule_level == "SHOULD"),
                "{} is a {} check but covers {rule} ({rule_level})",
                check.id,
                check.level.as_str()
            );
        }
    }
}
