//! The planted SQLite bugs: `SqliteRegistry` built with each
//! `PlantedBug` against the strict suite, killed by the generic
//! cross-handle checks (REG-17) without `backends/sqlite/tests`.

use crate::suite::failing_checks;
use procreg::DurableFactory;
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

/// Each planted bug with the checks that kill it (the clean registry's
/// failures, if any, left out).
pub async fn run() -> Vec<(&'static str, &'static str, Vec<String>)> {
    let clean: Vec<String> = failing_checks(&factory(None))
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut rows = Vec::new();
    for (bug, name, description) in PlantedBug::ALL {
        let killers = failing_checks(&factory(Some(bug)))
            .await
            .into_iter()
            .map(|(id, _)| id)
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
        "`SqliteRegistry` built with a `PlantedBug` (`--backend mutant:NAME`) against the strict suite on scratch files: bugs that only show between handles on one file, killed by the generic cross-handle checks (REG-17), with no help from `backends/sqlite/tests`.\n\n",
    );
    // Races decide which further checks also fail, so the table names only
    // the first killing check in catalogue order, which fails every run.
    out.push_str("| mutant | bug | first killing check |\n|---|---|---|\n");
    for (name, description, killers) in rows {
        let first = killers
            .first()
            .map_or_else(|| "none: it survived".to_owned(), |id| format!("`{id}`"));
        let _ = writeln!(out, "| `{name}` | {description} | {first} |");
    }
    out
}
