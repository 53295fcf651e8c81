//! Simulation speed and power, measured in one run:
//! `cargo bench -p procreg-sim --bench sim_speed`.
//!
//! Prints seeds per second for the default world (4 workers, 32 processes,
//! every fault kind in the swarm) against `MemoryRegistry`, the ratio of
//! simulated to real time, and for each mutant the median number of seeds
//! until the first failing one (over several disjoint seed ranges).

use procreg_memory::MemoryRegistry;
use procreg_sim::{run_seed, sweep, SimConfig};
use std::time::Instant;

/// The allocator of the `procreg` binary, so the bench measures what
/// `procreg sim` runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SPEED_SEEDS: u64 = 300;
const STARTS: [u64; 7] = [0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000];
const CAP: u64 = 300;
const MUTANTS: [&str; 9] = [
    "fence_reset_on_release",
    "stale_renew_accepted",
    "release_ignores_token",
    "sweep_lists_terminal",
    "duplicate_terminal_accepted",
    "expired_renew_accepted",
    "complete_not_idempotent",
    "lost_write_on_reopen",
    "fence_reset_on_reopen",
];

fn memory(clock: std::sync::Arc<dyn procreg::Clock>) -> MemoryRegistry {
    MemoryRegistry::new(clock)
}

fn main() {
    let config = SimConfig::default();
    let started = Instant::now();
    let mut simulated_ms = 0u64;
    let report = match sweep(&config, 0..SPEED_SEEDS, &memory, |outcome| {
        simulated_ms += outcome.stats.simulated_ms;
    }) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let real = started.elapsed().as_secs_f64();
    println!(
        "default world, {} seeds: {:.1} s real, {:.0} seeds/s, {:.1} s simulated, simulated/real = {:.0}x, {} failures",
        report.runs,
        real,
        report.runs as f64 / real,
        simulated_ms as f64 / 1000.0,
        simulated_ms as f64 / 1000.0 / real,
        report.failures.len()
    );

    for id in MUTANTS {
        let Some(mutant) = procreg_mutants::by_id(id) else {
            continue;
        };
        let mut counts = Vec::new();
        for start in STARTS {
            let mut found = None;
            for seed in start..start + CAP {
                match run_seed(&config.with_seed(seed), &mutant) {
                    Ok(outcome) if !outcome.passed() => {
                        found = Some(seed - start + 1);
                        break;
                    }
                    Ok(_) => {}
                    Err(error) => {
                        eprintln!("{error}");
                        std::process::exit(1);
                    }
                }
            }
            counts.push(found);
        }
        let mut found: Vec<u64> = counts.iter().flatten().copied().collect();
        found.sort_unstable();
        let median = if found.len() * 2 > counts.len() {
            found[found.len() / 2].to_string()
        } else {
            format!(">{CAP}")
        };
        println!(
            "{id:30} median seeds to failure {median:>5} (found in {}/{} ranges: {:?})",
            found.len(),
            counts.len(),
            counts
        );
    }
}
