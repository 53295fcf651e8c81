//! The planted SQLite bugs: `SqliteRegistry` built with each
//! `PlantedBug` against the strict suite, killed by the generic
//! cross-handle checks (REG-17) without `backends/sqlite/tests`.

use procreg::DurableFactory;
use procreg_conformance::{run_suite, Outcome, RegistryFactory, SuiteConfig};
use procreg_sqlite::{PlantedBug, SqliteFiles, SqliteOptions};
use std::fmt::Write as _;

/// Fresh files in a scratch directory, each registry built with `bug`.
fn factory(bug: Option<PlantedBug>) -> DurableFactory<SqliteFiles> {
    let options = SqliteOptions {
        planted_bug: bug,
        ..SqliteOptions::default()
    };
    DurableFactory::new(SqliteFiles::scratch("procreg-kill-", options).expect("a scratch dir"))
}

/// The REG-17 checks that fail against registries from `factory`, in catalogue order.
async fn failing_checks<F: RegistryFactory>(factory: &F) -> Vec<String> {
    let config = SuiteConfig {
        only: vec!["REG-17".to_owned()],
        ..SuiteConfig::strict()
    };
    run_suite(factory, &config, &mut ())
        .await
        .checks
        .into_iter()
        .filter(|check| matches!(check.outcome, Outcome::Failed { .. }))
        .map(|check| check.id)
        .collect()
}

/// Each planted bug with the cross-handle checks that kill it (the clean
/// registry's failures, if any, left out).
pub async fn run() -> Vec<(&'static str, &'static str, Vec<String>)> {
    let clean = failing_checks(&factory(None)).await;
    let mut rows = Vec::new();
    for (bug, name, description) in PlantedBug::ALL {
        let killers = failing_checks(&factory(Some(bug)))
            .await
            .into_iter()
            .filter(|id| !clean.contains(id))
            .collect();
        rows.push((name, description, killers));
    }
    rows
}

/// The section of the matrix.
pub fn section(rows: &[(&str, &str, Vec<String>)]) -> String {
    let mut out = String::from("## Planted SQLite bugs (`procreg-sqlite`)\n\n");
    out.push_str(
        "`SqliteRegistry` built with a `PlantedBug` (`--backend mutant:NAME`) against the cross-handle checks (REG-17, strict) on scratch files: bugs that only show between handles on one file, killed by the generic kit with no help from `backends/sqlite/tests`.\n\n",
    );
    // Races decide which of the checks fail on a given run, so the table
    // says only whether the bug was killed; `--only REG-17` shows by which.
    out.push_str("| mutant | bug | killed by the cross-handle checks |\n|---|---|---|\n");
    for (name, description, killers) in rows {
        let killed = if killers.is_empty() {
            "NO: it survived"
        } else {
            "yes"
        };
        let _ = writeln!(out, "| `{name}` | {description} | {killed} |");
    }
    out
}
