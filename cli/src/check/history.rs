//! Histories recorded with real parallelism: saved to a file, and checked
//! again from it (`procreg replay history FILE`).

use crate::exit::{self, CliError};
use procreg_conformance::linearizability::{check_history, History, Verdict};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Saves a history recorded with real parallelism under the temp dir, so
/// its failure can be checked again; `None` (with a note) when it cannot be written.
pub(super) fn save_history(seed: u64, history: &History) -> Option<PathBuf> {
    let file = tempfile::Builder::new()
        .prefix(&format!("procreg-history-seed-{seed}-"))
        .suffix(".json")
        .tempfile()
        .ok()?;
    let text = serde_json::to_string_pretty(history).ok()?;
    let (_, path) = file.keep().ok()?;
    match std::fs::write(&path, text + "\n") {
        Ok(()) => Some(path),
        Err(error) => {
            exit::note(&format!(
                "procreg: could not save history seed {seed} to {}: {error}",
                path.display()
            ));
            None
        }
    }
}

/// `procreg replay history FILE`: checks a saved history again and prints the verdict.
pub fn replay_history(file: &std::path::Path) -> Result<u8, CliError> {
    let shown = file.display();
    let text = std::fs::read_to_string(file)
        .map_err(|error| CliError::usage(format!("cannot read `{shown}`: {error}")))?;
    let history: History = serde_json::from_str(&text).map_err(|error| {
        CliError::usage(format!("`{shown}` is not a saved procreg history: {error}"))
    })?;
    let report = check_history(&history);
    let (verdict, code) = match report.verdict {
        Verdict::Linearizable => ("linearizable", exit::OK),
        Verdict::Unknown => ("undecided within the search budget", exit::OK),
        Verdict::NotLinearizable => ("NOT linearizable", exit::RULE_FAILURE),
    };
    let mut out = format!(
        "history {shown}: {verdict} ({} operations)\n",
        history.operations.len()
    );
    if let Some(counterexample) = &report.counterexample {
        let _ = writeln!(out, "{counterexample}");
    }
    exit::emit(&out, None)?;
    Ok(code)
}
