//! The simulation column: the first seed of the default world that breaks
//! an invariant against each mutant whose bug the world's workload reaches.

use procreg_conformance::RegistryFactory as _;
use procreg_mutants::by_id;
use procreg_sim::{run_seed, SimConfig, SimOutcome, Topology};
use std::fmt::Write as _;

/// Seeds tried per mutant before the simulation counts it as missed.
pub const SEED_CAP: u64 = 60;

/// The mutants whose bugs the world's workload reaches.
/// (`wall_clock_timestamps` is left to the CLOCK checks: against a registry
/// that reads the wall clock, a run's outcome depends on real time.)
pub const REACHED: [&str; 16] = [
    "fence_reset_on_release",
    "stale_renew_accepted",
    "release_ignores_token",
    "sweep_lists_terminal",
    "duplicate_terminal_accepted",
    "expired_renew_accepted",
    "renew_reclaims",
    "racy_claims",
    "complete_not_idempotent",
    "complete_requires_lease",
    "await_returns_before_terminal",
    "await_raw_terminal_payload",
    "sweep_unsorted",
    "lost_write_on_reopen",
    "fence_reset_on_reopen",
    "handles_see_a_snapshot",
];

/// The detail with epoch timestamps (13 digits) masked, so the table is
/// the same on every run.
fn epoch_free(detail: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    for character in detail.chars().chain(std::iter::once(' ')) {
        if character.is_ascii_digit() {
            digits.push(character);
            continue;
        }
        if digits.len() >= 13 {
            out.push_str("<epoch-ms>");
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        out.push(character);
    }
    out.pop();
    out
}

/// The first failing seed of the default world against mutant `id`, in
/// the shared-store topology when the mutant declares handles (as `procreg
/// check` simulates such a backend).
pub fn first_failure(id: &str) -> Option<SimOutcome> {
    let mutant = by_id(id).unwrap_or_else(|| panic!("no mutant {id}"));
    let topology = if mutant.capabilities().handles {
        Topology::SharedStore
    } else {
        Topology::Served
    };
    let config = SimConfig::default().with_topology(topology);
    (0..SEED_CAP).find_map(|seed| {
        let outcome = run_seed(&config.with_seed(seed), &mutant).expect("the world runs");
        (!outcome.passed()).then_some(outcome)
    })
}

/// The simulation section of the matrix, and the mutants it missed.
pub fn section(results: &[(&str, Option<SimOutcome>)]) -> (String, Vec<String>) {
    let mut table = String::new();
    let _ = writeln!(table, "## Simulation (`procreg-sim`)\n");
    let _ = writeln!(
        table,
        "The first failing seed (default world: 4 workers, 32 processes, swarm over every fault kind; a handle each on one store for mutants that declare handles) and the first invariant broken. Median seeds-to-failure over several ranges: `cargo bench -p procreg-sim --bench sim_speed`.\n"
    );
    let _ = writeln!(
        table,
        "| mutant | first failing seed | invariant | what was seen |"
    );
    let _ = writeln!(table, "|---|---|---|---|");
    let mut missed = Vec::new();
    for (id, outcome) in results {
        match outcome {
            Some(outcome) => {
                let violation = &outcome.violations[0];
                let detail = epoch_free(&violation.detail).replace('|', "\\|");
                let _ = writeln!(
                    table,
                    "| `{id}` | {} | {} ({}) | {} |",
                    outcome.config.seed,
                    violation.invariant.number(),
                    violation.invariant.rules().join(", "),
                    detail
                );
            }
            None => {
                let _ = writeln!(table, "| `{id}` | not within {SEED_CAP} seeds | | |");
                missed.push((*id).to_owned());
            }
        }
    }
    (table, missed)
}
