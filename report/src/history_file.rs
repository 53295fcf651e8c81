//! Histories recorded with real parallelism are saved to a file, so that
//! their verdict can be checked again from exactly the same calls.

use procreg_conformance::linearizability::History;
use std::path::PathBuf;

/// Saves `history` (recorded with `seed`) as
/// `procreg-history-seed-<seed>-*.json` under the temp dir; the error says
/// why it could not be written.
pub fn save_history(seed: u64, history: &History) -> Result<PathBuf, String> {
    let file = tempfile::Builder::new()
        .prefix(&format!("procreg-history-seed-{seed}-"))
        .suffix(".json")
        .tempfile()
        .map_err(|error| format!("cannot create a file under the temp dir: {error}"))?;
    let text = serde_json::to_string_pretty(history)
        .map_err(|error| format!("cannot encode the history: {error}"))?;
    let (_, path) = file
        .keep()
        .map_err(|error| format!("cannot keep the history file: {error}"))?;
    std::fs::write(&path, text + "\n")
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    Ok(path)
}

/// Reads a history [`save_history`] wrote; the error says what is wrong with the file.
pub fn load_history(path: &std::path::Path) -> Result<History, String> {
    let shown = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("cannot read `{shown}`: {error}"))?;
    serde_json::from_str(&text)
        .map_err(|error| format!("`{shown}` is not a saved procreg history: {error}"))
}
