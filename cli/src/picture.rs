//! `--html` and `--html-dir`: failures drawn as self-contained timeline
//! pages (docs/sim.md, "Pictures"). A path that cannot be written is a
//! usage error found before anything runs.

use crate::exit::{self, CliError};
use procreg_conformance::RegistryFactory;
use procreg_sim::{run_seed, SimConfig, SimOutcome};
use std::path::Path;

/// Refuses (exit 2) an HTML path that cannot be written, before the run;
/// leaves no empty file behind.
pub fn ensure_html_target(path: &Path) -> Result<(), CliError> {
    let existed = path.symlink_metadata().is_ok();
    exit::ensure_writable(path)?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Refuses (exit 2) a page path that names one of `others` (the report,
/// the trace, the history read): the page would overwrite it.
pub fn ensure_distinct<'a>(
    page: &Path,
    others: impl IntoIterator<Item = &'a Path>,
) -> Result<(), CliError> {
    let resolved = |path: &Path| {
        std::fs::canonicalize(path)
            .or_else(|_| std::path::absolute(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let page_at = resolved(page);
    for other in others {
        if resolved(other) == page_at {
            return Err(CliError::usage(format!(
                "--html {} would overwrite `{}`: give the page a path of its own",
                page.display(),
                other.display()
            )));
        }
    }
    Ok(())
}

/// Refuses (exit 2) a directory for pages that cannot be created or written.
pub fn ensure_html_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|error| CliError::usage(format!("cannot create `{}`: {error}", dir.display())))?;
    ensure_html_target(&dir.join(".procreg-write-test"))
}

/// Writes the page of `outcome` (run with `keep_trace`) to `path`.
pub fn draw_outcome(outcome: &SimOutcome, replay: &str, path: &Path) -> Result<(), CliError> {
    let html = procreg_picture::sim_page(outcome, replay).map_err(CliError::usage)?;
    procreg_picture::write_page(path, &html).map_err(CliError::usage)
}

/// Runs `config`'s seed again with its trace kept and writes its page to `path`.
pub fn draw_seed<F: RegistryFactory + ?Sized>(
    factory: &F,
    config: &SimConfig,
    replay: &str,
    path: &Path,
) -> Result<(), CliError> {
    let traced = SimConfig {
        keep_trace: true,
        ..config.clone()
    };
    let outcome =
        run_seed(&traced, factory).map_err(|error| CliError::backend(error.to_string()))?;
    draw_outcome(&outcome, replay, path)
}
