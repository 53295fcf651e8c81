//! The reference registry in the world: every invariant holds over a fixed
//! seed range, a seed reproduces its trace exactly, and seeds differ.
//! (`.ci/e2e.sh` also sweeps 1,000 seeds with the `procreg` binary.)

use procreg_memory::MemoryRegistry;
use procreg_sim::{run_seed, sweep, FaultSet, SimConfig};
use std::collections::BTreeSet;
use std::sync::Arc;

fn memory(clock: Arc<dyn procreg::Clock>) -> MemoryRegistry {
    MemoryRegistry::new(clock)
}

#[test]
fn the_reference_registry_passes_a_fixed_seed_range() {
    let report = sweep(&SimConfig::default(), 0..60, &memory, |_| {}).expect("runs");
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert_eq!(report.runs, 60);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_same_seed_gives_the_same_trace_and_seeds_differ() {
    let config = SimConfig {
        keep_trace: true,
        ..SimConfig::default().with_seed(11)
    };
    let first = run_seed(&config, &memory).expect("runs");
    let second = run_seed(&config, &memory).expect("runs");
    assert_eq!(first.trace_hash, second.trace_hash);
    assert_eq!(first.trace, second.trace, "line for line");
    assert_eq!(first.stats, second.stats);
    let hashes: BTreeSet<String> = (0..8)
        .map(|seed| {
            run_seed(&SimConfig::default().with_seed(seed), &memory)
                .expect("runs")
                .trace_hash
        })
        .collect();
    assert_eq!(hashes.len(), 8, "every seed its own run");
}

#[test]
fn faults_really_strike_and_zombies_get_fenced() {
    let mut totals = (0, 0, 0, 0);
    let config = SimConfig {
        faults: FaultSet::all(),
        swarm: false,
        ..SimConfig::default()
    };
    let report = sweep(&config, 0..20, &memory, |outcome| {
        totals.0 += outcome.stats.faults;
        totals.1 += outcome.stats.leases_lost;
        totals.2 += outcome.stats.incarnations;
        totals.3 += outcome.stats.sink_rejected;
    })
    .expect("runs");
    assert!(report.failures.is_empty());
    let (faults, lost, incarnations, rejected) = totals;
    assert!(faults > 100, "faults injected: {faults}");
    assert!(lost > 0, "some worker lost a lease");
    assert!(incarnations > 20 * 4, "workers restarted: {incarnations}");
    assert!(rejected > 0, "some zombie write was fenced off by the sink");
}

#[test]
fn without_faults_nothing_is_lost_and_every_process_is_awaited() {
    let config = SimConfig {
        faults: FaultSet::none(),
        ..SimConfig::default()
    };
    let outcome = run_seed(&config, &memory).expect("runs");
    assert!(outcome.passed(), "{outcome}");
    assert_eq!(outcome.stats.awaited, 32);
    assert_eq!(outcome.stats.faults, 0);
    assert_eq!(outcome.stats.leases_lost, 0);
    assert_eq!(outcome.stats.incarnations, 4);
}
