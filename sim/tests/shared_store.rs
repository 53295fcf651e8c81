//! The shared-store topology: every worker and the producer call through a
//! handle of their own on one store, a worker that goes down drops its
//! handle, and a registry whose handles do not see each other's writes
//! fails where the served topology cannot tell.

use async_trait::async_trait;
use procreg::{
    Capabilities, Clock, DurabilityTier, ProcessRegistry, RegistryFactory, RegistryResult,
};
use procreg_memory::MemoryRegistry;
use procreg_sim::{run_seed, FaultSet, Invariant, SimConfig, SimError, Topology};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One `MemoryRegistry` per store; every further handle is the same
/// registry (a store whose handles see everything at once), counted.
#[derive(Default)]
struct SharedMemory {
    handles_opened: AtomicUsize,
}

#[async_trait]
impl RegistryFactory for SharedMemory {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok(Arc::new(MemoryRegistry::new(clock)))
    }

    async fn reopen(
        &self,
        previous: &Arc<dyn ProcessRegistry>,
        _clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        self.handles_opened.fetch_add(1, Ordering::Relaxed);
        Ok(Arc::clone(previous))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            durability_tier: DurabilityTier::Durable,
            reopen: true,
            handles: true,
            ..Capabilities::default()
        }
    }
}

fn shared(seed: u64) -> SimConfig {
    SimConfig {
        keep_trace: true,
        ..SimConfig::default()
            .with_topology(Topology::SharedStore)
            .with_seed(seed)
    }
}

#[test]
fn a_store_whose_handles_agree_passes_with_every_client_on_its_own_handle() {
    for seed in 0..4 {
        let factory = SharedMemory::default();
        let outcome = run_seed(&shared(seed), &factory).expect("runs");
        assert!(outcome.passed(), "{outcome}");
        let trace = outcome.trace.join("\n");
        for client in ["via worker-0", "via worker-3", "via producer"] {
            assert!(trace.contains(client), "seed {seed}: no call {client}");
        }
        assert!(
            factory.handles_opened.load(Ordering::Relaxed) >= 5,
            "four workers and the producer each open a handle"
        );
        let again = run_seed(&shared(seed), &SharedMemory::default()).expect("runs");
        assert_eq!(
            again.trace_hash, outcome.trace_hash,
            "same seed, same trace"
        );
    }
}

#[test]
fn a_worker_that_goes_down_drops_its_handle_and_comes_back_with_a_new_one() {
    let factory = SharedMemory::default();
    let config = SimConfig {
        faults: "crash,bounce".parse::<FaultSet>().expect("kinds"),
        swarm: false,
        ..shared(5)
    };
    let outcome = run_seed(&config, &factory).expect("runs");
    assert!(outcome.passed(), "{outcome}");
    let restarts = outcome
        .trace
        .iter()
        .filter(|line| line.contains("comes back") || line.contains("bounce worker"))
        .count();
    assert!(restarts > 0, "the seed brought a worker back");
    assert_eq!(
        factory.handles_opened.load(Ordering::Relaxed),
        5 + restarts,
        "one handle per client, and a new one per worker that came back"
    );
}

#[test]
fn handles_that_see_a_snapshot_fail_the_shared_store_world_and_pass_the_served_one() {
    let mutant = procreg_mutants::by_id("handles_see_a_snapshot").expect("in the zoo");
    let outcome = run_seed(&shared(0), &mutant).expect("runs");
    let violation = outcome.violations.first().expect("caught");
    assert_eq!(violation.invariant, Invariant::Sweep, "{outcome}");
    let served = run_seed(&SimConfig::default(), &mutant).expect("runs");
    assert!(served.passed(), "one handle hides the bug: {served}");
}

#[test]
fn the_shared_store_topology_needs_a_backend_with_handles() {
    let Err(error) = run_seed(&shared(0), &|clock| MemoryRegistry::new(clock)) else {
        panic!("a backend without handles was simulated in the shared-store topology");
    };
    assert!(matches!(error, SimError::Harness(_)), "{error}");
    assert!(
        error.to_string().contains("Capabilities::handles"),
        "{error}"
    );
}
