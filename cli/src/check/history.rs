//! `procreg replay history FILE`: a saved history checked again.

use crate::exit::{self, CliError};
use procreg_conformance::linearizability::{check_history, Verdict};
use procreg_report::load_history;
use std::fmt::Write as _;

/// Checks a saved history again (strictly) and prints the verdict; exit 1 when it is not linearizable.
pub fn replay_history(file: &std::path::Path) -> Result<u8, CliError> {
    let history = load_history(file).map_err(CliError::usage)?;
    let report = check_history(&history);
    let (verdict, code) = match report.verdict {
        Verdict::Linearizable => ("linearizable", exit::OK),
        Verdict::Unknown => ("undecided within the search budget", exit::OK),
        Verdict::NotLinearizable => ("NOT linearizable", exit::RULE_FAILURE),
    };
    let mut out = format!(
        "history {}: {verdict} ({} operations)\n",
        file.display(),
        history.operations.len()
    );
    if let Some(counterexample) = &report.counterexample {
        let _ = writeln!(out, "{counterexample}");
    }
    exit::emit(&out, None)?;
    Ok(code)
}
