//! `procreg merge-reports`: one report from the JSON reports of shards or
//! jobs of one run, folded by the library ([`merge_reports`]).
//!
//! A check, history seed or simulation seed that several reports ran
//! counts once; different verdicts for it, or reports of another backend,
//! strictness or world, are conflicts: each is named and the exit code is 2.

use crate::exit::{self, CliError};
use crate::Format;
use procreg_report::render::{render_junit, render_markdown, render_text};
use procreg_report::{merge_reports, KitReport, NamedReport};
use std::path::{Path, PathBuf};

fn read(path: &Path) -> Result<NamedReport, CliError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|error| CliError::usage(format!("cannot read `{name}`: {error}")))?;
    let report = KitReport::from_json(&text)
        .map_err(|error| CliError::usage(format!("`{name}` {error}")))?;
    Ok(NamedReport { name, report })
}

/// Merges `files` and prints the result in `format`; returns the exit code.
pub fn run(files: &[PathBuf], format: Format, out: Option<&Path>) -> Result<u8, CliError> {
    if files.is_empty() {
        return Err(CliError::usage("merge-reports needs at least one FILE"));
    }
    let reports = files
        .iter()
        .map(|file| read(file))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = merge_reports(&reports).map_err(|conflicts| {
        let mut message = format!(
            "the reports conflict ({} conflicts); merge only shards or jobs of one run:",
            conflicts.len()
        );
        for conflict in &conflicts {
            message.push_str("\n  ");
            message.push_str(conflict);
        }
        CliError::usage(message)
    })?;
    let text = match format {
        Format::Json => merged.to_json(),
        Format::Junit => render_junit(&merged),
        Format::Markdown => render_markdown(&merged),
        Format::Text => render_text(&merged),
    };
    exit::emit(&text, out)?;
    Ok(merged.exit_code)
}
