//! The one kill matrix: every mutant of the zoo against the strict suite,
//! the model check and the simulation, rendered as `docs/kill-matrix.md`.
//!
//! The test fails when a mutant survives an instrument that must kill it,
//! or when the committed file differs from what this run renders;
//! `PROCREG_BLESS=1 cargo test -p procreg-tests --test kill_matrix`
//! rewrites the file. Nothing else writes it.

mod planted;
mod sim;
mod suite;

use procreg_conformance::all_checks;
use procreg_mutants::zoo;
use std::path::PathBuf;

fn blessing() -> bool {
    std::env::var_os("PROCREG_BLESS").is_some_and(|value| value != "0" && !value.is_empty())
}

/// Rewrites `path` under `PROCREG_BLESS=1`; otherwise fails when it differs from `fresh`.
fn compare_or_bless(path: &std::path::Path, fresh: &str) {
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed == fresh {
        return;
    }
    if blessing() {
        std::fs::write(path, fresh).expect("write docs/kill-matrix.md");
        return;
    }
    let first = committed
        .lines()
        .zip(fresh.lines())
        .position(|(old, new)| old != new)
        .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()));
    panic!(
        "docs/kill-matrix.md is stale from line {}:\n  committed: {}\n  this run:  {}\n\
         regenerate it with `PROCREG_BLESS=1 cargo test -p procreg-tests --test kill_matrix`",
        first + 1,
        committed.lines().nth(first).unwrap_or("<end of file>"),
        fresh.lines().nth(first).unwrap_or("<end of file>"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutant_dies_and_the_kill_matrix_is_current() {
    let mutants = zoo();
    let (rows, ignored) = suite::run_zoo(&mutants).await;
    let simulated = tokio::task::spawn_blocking(|| {
        sim::REACHED
            .iter()
            .map(|id| (*id, sim::first_failure(id)))
            .collect::<Vec<_>>()
    })
    .await
    .expect("the simulation panicked");
    let (sim_section, sim_missed) = sim::section(&simulated);
    let planted = planted::run().await;
    let matrix = suite::render_matrix(&rows, all_checks().len(), &ignored);
    let fresh = format!(
        "{}\n\n{}\n{}",
        matrix.trim_end(),
        sim_section.trim_end(),
        planted::section(&planted)
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/kill-matrix.md");
    compare_or_bless(&path, &fresh);

    let survivors: Vec<&str> = rows
        .iter()
        .filter(|row| row.killers.is_empty())
        .map(|row| row.mutant.id)
        .collect();
    assert!(
        survivors.is_empty(),
        "survived the strict suite: {survivors:?}"
    );
    let model_misses: Vec<String> = rows
        .iter()
        .filter(|row| !suite::INVISIBLE_TO_SEQUENTIAL_MODEL.contains(&row.mutant.id))
        .filter_map(|row| match row.model {
            None => Some(format!("{} survived the model check", row.mutant.id)),
            Some(kill) if kill.shrunk_ops > suite::SHRUNK_OPS_MAX => Some(format!(
                "{} shrank only to {} ops (at most {})",
                row.mutant.id,
                kill.shrunk_ops,
                suite::SHRUNK_OPS_MAX
            )),
            Some(_) => None,
        })
        .collect();
    assert!(
        model_misses.is_empty(),
        "the model check missed: {model_misses:?}"
    );
    assert!(
        sim_missed.is_empty(),
        "the simulation missed: {sim_missed:?}"
    );
    let planted_survivors: Vec<&str> = planted
        .iter()
        .filter(|(_, _, killers)| killers.is_empty())
        .map(|(name, _, _)| *name)
        .collect();
    assert!(
        planted_survivors.is_empty(),
        "planted SQLite bugs survived the suite: {planted_survivors:?}"
    );
}
