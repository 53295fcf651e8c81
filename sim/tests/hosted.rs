//! The registry host: a backend that does not answer inline runs off the
//! world's thread in zero simulated time and gives the same trace as the
//! inline reference; a backend that reads the wall clock is caught as not
//! reproducible, with the step where its two runs part.

use async_trait::async_trait;
use procreg::{
    CallHandler, CallResult, Capabilities, Clock, DurabilityTier, ProcessRegistry, RegistryCall,
    RegistryError, RegistryFactory, RegistryResult, SystemClock,
};
use procreg_memory::MemoryRegistry;
use procreg_sim::{run_seed, Invariant, SimConfig};
use std::sync::Arc;

/// `MemoryRegistry` declared as not answering inline, so the host runs it
/// on its own runtime and resolves its waits; `wall_clock` makes it read
/// the system clock instead of the injected one; `blocking_pool` runs every
/// call on tokio's blocking pool, as SQLite backends do.
struct Hosted {
    wall_clock: bool,
    blocking_pool: bool,
}

/// `MemoryRegistry` as a durable store whose reopen hands back the same
/// registry, so the world crashes the registry host too; `inline` says
/// whether the host may call it on the world's thread.
struct Durable {
    inline: bool,
    blocking_pool: bool,
}

/// A durable store whose reopen always fails.
struct CannotReopen;

#[async_trait]
impl RegistryFactory for CannotReopen {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok(Arc::new(MemoryRegistry::new(clock)))
    }

    async fn reopen(
        &self,
        _previous: &Arc<dyn ProcessRegistry>,
        _clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Err(RegistryError::backend("disk I/O error"))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::durable()
    }
}

#[async_trait]
impl RegistryFactory for Durable {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let registry = Arc::new(MemoryRegistry::new(clock));
        Ok(if self.blocking_pool {
            Arc::new(OnBlockingPool(registry))
        } else {
            registry
        })
    }

    async fn reopen(
        &self,
        previous: &Arc<dyn ProcessRegistry>,
        _clock: Arc<dyn Clock>,
    ) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok(Arc::clone(previous))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            inline_calls: self.inline,
            reopen: true,
            durability_tier: DurabilityTier::Durable,
            ..Capabilities::default()
        }
    }
}

/// Runs every call of `inner` on a blocking-pool thread.
struct OnBlockingPool(Arc<MemoryRegistry>);

#[async_trait]
impl CallHandler for OnBlockingPool {
    fn durability_tier(&self) -> DurabilityTier {
        self.0.durability_tier()
    }

    async fn handle(&self, call: RegistryCall) -> CallResult {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            tokio::runtime::Handle::current().block_on(call.dispatch(inner.as_ref()))
        })
        .await
        .unwrap_or_else(|error| Err(RegistryError::backend(error.to_string())))
    }
}

#[async_trait]
impl RegistryFactory for Hosted {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let clock: Arc<dyn Clock> = if self.wall_clock {
            Arc::new(SystemClock)
        } else {
            clock
        };
        let registry = Arc::new(MemoryRegistry::new(clock));
        Ok(if self.blocking_pool {
            Arc::new(OnBlockingPool(registry))
        } else {
            registry
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            inline_calls: false,
            ..Capabilities::default()
        }
    }
}

#[test]
fn a_hosted_backend_gives_the_inline_reference_trace() {
    for seed in [0, 3, 7] {
        let config = SimConfig::default().with_seed(seed);
        let inline = run_seed(&config, &|clock| MemoryRegistry::new(clock)).expect("runs");
        for blocking_pool in [false, true] {
            let factory = Hosted {
                wall_clock: false,
                blocking_pool,
            };
            let hosted = run_seed(&config, &factory).expect("runs");
            assert!(hosted.passed(), "{hosted}");
            assert_eq!(
                hosted.trace_hash, inline.trace_hash,
                "seed {seed}, blocking pool {blocking_pool}"
            );
            assert_eq!(
                hosted.left_out,
                ["registry-crash: the backend cannot reopen its store (no Capabilities::reopen)"]
            );
        }
    }
}

#[test]
fn registry_crashes_give_the_same_trace_on_any_thread() {
    let mut crashed = 0;
    for seed in 0..12 {
        let config = SimConfig::default().with_seed(seed);
        let factory = |inline, blocking_pool| Durable {
            inline,
            blocking_pool,
        };
        let inline = run_seed(&config, &factory(true, false)).expect("runs");
        assert!(inline.passed(), "{inline}");
        crashed += inline.stats.registry_restarts;
        for blocking_pool in [false, true] {
            let hosted = run_seed(&config, &factory(false, blocking_pool)).expect("runs");
            assert_eq!(
                hosted.trace_hash, inline.trace_hash,
                "seed {seed}, blocking pool {blocking_pool}: {hosted}"
            );
        }
    }
    assert!(crashed > 0, "some seed crashed the registry host");
}

#[test]
fn a_store_that_does_not_reopen_fails_with_its_error() {
    // Seed 1's swarm crashes the registry host (see the reference seeds).
    let config = SimConfig::default().with_seed(1);
    let outcome = run_seed(&config, &CannotReopen).expect("runs");
    let violation = outcome
        .violations
        .iter()
        .find(|violation| violation.invariant == Invariant::Durability)
        .unwrap_or_else(|| panic!("not caught: {outcome}"));
    assert!(
        violation.detail.contains("the store did not reopen: ")
            && violation.detail.contains("disk I/O error"),
        "{violation}"
    );
}

#[test]
fn a_backend_reading_the_wall_clock_is_not_reproducible() {
    let config = SimConfig {
        processes: 4,
        ..SimConfig::default().with_seed(1)
    };
    let factory = Hosted {
        wall_clock: true,
        blocking_pool: false,
    };
    let outcome = run_seed(&config, &factory).expect("runs");
    let violation = outcome
        .violations
        .iter()
        .find(|violation| violation.invariant == Invariant::Reproducible)
        .unwrap_or_else(|| panic!("not caught: {outcome}"));
    assert!(
        violation.detail.contains("they part at trace line"),
        "{violation}"
    );
    assert!(violation.detail.contains("first run `"), "{violation}");
}

/// `MemoryRegistry`, hosted, whose first call spends `real_ms` of wall
/// time before it answers (a connection opened, a file created).
struct SlowFirstCall {
    real_ms: u64,
}

/// The registry [`SlowFirstCall`] hands out.
struct SlowOnce {
    inner: Arc<MemoryRegistry>,
    real_ms: u64,
    slept: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl CallHandler for SlowOnce {
    fn durability_tier(&self) -> DurabilityTier {
        self.inner.durability_tier()
    }

    async fn handle(&self, call: RegistryCall) -> CallResult {
        if !self.slept.swap(true, std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(self.real_ms));
        }
        call.dispatch(self.inner.as_ref()).await
    }
}

#[async_trait]
impl RegistryFactory for SlowFirstCall {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok(Arc::new(SlowOnce {
            inner: Arc::new(MemoryRegistry::new(clock)),
            real_ms: self.real_ms,
            slept: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            inline_calls: false,
            ..Capabilities::default()
        }
    }
}

/// A hosted call that takes longer in real time than the world has run in
/// simulated time (a slow connection, a loaded CPU) still reads the
/// simulated time: the trace is the inline reference's.
#[test]
fn a_backend_slow_in_real_time_reads_the_simulated_time() {
    let config = SimConfig {
        processes: 4,
        ..SimConfig::default().with_seed(0)
    };
    let inline = run_seed(&config, &|clock| MemoryRegistry::new(clock)).expect("runs");
    let slow = run_seed(&config, &SlowFirstCall { real_ms: 400 }).expect("runs");
    assert!(slow.passed(), "{slow}");
    assert_eq!(slow.trace_hash, inline.trace_hash, "{slow}");
}
