//! The world catches registry bugs through their consequences: fencing not
//! bumped, stale renewals, unfenced releases, terminal processes in the
//! sweep, duplicate terminal events, and more. Each mutant here must break
//! an invariant within the first seeds; the seed that caught it goes into
//! the simulation section of `docs/kill-matrix.md`.

use procreg_mutants::by_id;
use procreg_sim::{run_seed, SimConfig, SimOutcome};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Seeds tried per mutant before the test gives up on it.
const SEED_CAP: u64 = 60;

/// Where the simulation's table starts in `docs/kill-matrix.md`.
const MARKER: &str = "<!-- procreg-sim:begin -->";

/// The mutants whose bugs the world's workload reaches; the first five are
/// the ones the simulation issue requires.
/// (`wall_clock_timestamps` is left to the CLOCK checks: against a registry
/// that reads the wall clock, a run's outcome depends on real time.)
const REACHED: [&str; 13] = [
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
];

/// The detail with epoch timestamps (13 digits) masked: the wall-clock
/// mutant's are different on every run, and the table must not be.
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

fn first_failure(id: &str) -> Option<SimOutcome> {
    let mutant = by_id(id).unwrap_or_else(|| panic!("no mutant {id}"));
    let config = SimConfig::default();
    (0..SEED_CAP).find_map(|seed| {
        let outcome = run_seed(&config.with_seed(seed), &mutant).expect("the world runs");
        (!outcome.passed()).then_some(outcome)
    })
}

#[test]
fn the_world_kills_every_reached_mutant_and_the_table_records_where() {
    let mut table = String::new();
    let _ = writeln!(table, "{MARKER}");
    let _ = writeln!(table, "## Simulation (`procreg-sim`)\n");
    let _ = writeln!(
        table,
        "Written by `sim/tests/mutants.rs`: the first failing seed (default world: 4 workers, 32 processes, swarm over every fault kind) and the first invariant broken. Median seeds-to-failure over several ranges: `cargo bench -p procreg-sim --bench sim_speed`.\n"
    );
    let _ = writeln!(
        table,
        "| mutant | first failing seed | invariant | what was seen |"
    );
    let _ = writeln!(table, "|---|---|---|---|");
    let mut survivors = Vec::new();
    for id in REACHED {
        match first_failure(id) {
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
                survivors.push(id);
            }
        }
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/kill-matrix.md");
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let head = existing.split(MARKER).next().unwrap_or_default().trim_end();
    std::fs::write(&path, format!("{head}\n\n{table}")).expect("write docs/kill-matrix.md");
    assert!(survivors.is_empty(), "the simulation missed: {survivors:?}");
}
