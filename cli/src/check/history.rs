//! `procreg replay history FILE`: a saved history checked again.

use crate::exit::{self, CliError};
use procreg_conformance::linearizability::{check_history, Verdict};
use procreg_report::load_history;
use std::fmt::Write as _;

/// Checks a saved history again (strictly) and prints the verdict; exit 1 when it is not linearizable.
pub fn replay_history(
    file: &std::path::Path,
    html: Option<&std::path::Path>,
) -> Result<u8, CliError> {
    if let Some(html) = html {
        crate::picture::ensure_distinct(html, [file])?;
        crate::picture::ensure_html_target(html)?;
    }
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
    if let Some(html) = html {
        let title = format!("history {}", file.display());
        let replay = format!("procreg replay history {}", file.display());
        let page = procreg_picture::history_page(&history, &report, &title, &replay);
        procreg_picture::write_page(html, &page).map_err(CliError::usage)?;
        let _ = writeln!(out, "picture: {}", html.display());
    }
    exit::emit(&out, None)?;
    Ok(code)
}
