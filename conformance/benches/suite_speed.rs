//! Speed of the instruments against the reference registry, and how fast the
//! model check finds the fencing mutants. Prints numbers; asserts nothing about time.
//!
//! Run: `cargo bench -p procreg-conformance --bench suite_speed`

use async_trait::async_trait;
use procreg::{Clock, ProcessRegistry, RegistryResult};
use procreg_conformance::machine::{model_check, ModelConfig, ModelOutcome};
use procreg_conformance::{
    all_checks, run_suite, Check, CheckReport, RegistryFactory, SuiteConfig, SuiteObserver,
};
use procreg_memory::MemoryRegistry;
use procreg_mutants::zoo;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SUITE_RUNS: usize = 15;
const MODEL_CASES: u32 = 2_000;
const FENCING_MUTANTS: [&str; 5] = [
    "fence_reset_on_release",
    "release_ignores_token",
    "stale_renew_accepted",
    "expired_renew_accepted",
    "liveness_inclusive",
];
const DETECTION_SEEDS: u64 = 9;

struct FnFactory(fn(Arc<dyn Clock>) -> Arc<dyn ProcessRegistry>);

#[async_trait]
impl RegistryFactory for FnFactory {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok((self.0)(clock))
    }
}

/// Times each check of one suite run (wall clock: a bench, never a test).
#[derive(Default)]
struct CheckTimes {
    started: Option<Instant>,
    times: Vec<(Duration, String)>,
}

impl SuiteObserver for CheckTimes {
    fn check_started(&mut self, _check: &Check) {
        self.started = Some(Instant::now());
    }

    fn check_finished(&mut self, report: &CheckReport) {
        if let Some(started) = self.started.take() {
            self.times.push((started.elapsed(), report.id.clone()));
        }
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The suite's median time over [`SUITE_RUNS`] runs, then its slowest checks.
fn time_suite(runtime: &tokio::runtime::Runtime) {
    let mut suite_times = Vec::new();
    for _ in 0..SUITE_RUNS {
        let started = Instant::now();
        let report = runtime.block_on(run_suite(
            &|clock| MemoryRegistry::new(clock),
            &SuiteConfig::strict(),
            &mut (),
        ));
        suite_times.push(started.elapsed());
        assert!(report.is_success(), "the reference must pass");
    }
    let checks = all_checks().len();
    let suite = median(suite_times);
    println!(
        "scenario suite: {checks} checks against MemoryRegistry, median {:.0} ms over {SUITE_RUNS} runs = {:.2} ms per check",
        suite.as_secs_f64() * 1e3,
        suite.as_secs_f64() * 1e3 / checks as f64
    );
    let mut times = CheckTimes::default();
    runtime.block_on(run_suite(
        &|clock| MemoryRegistry::new(clock),
        &SuiteConfig::strict(),
        &mut times,
    ));
    times.times.sort_by(|a, b| b.cmp(a));
    let slowest: Vec<String> = times
        .times
        .iter()
        .take(8)
        .map(|(time, id)| format!("{id} {:.1} ms", time.as_secs_f64() * 1e3))
        .collect();
    println!("  slowest checks: {}", slowest.join(", "));
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    time_suite(&runtime);

    let config = ModelConfig {
        cases: MODEL_CASES,
        ..ModelConfig::default()
    };
    let started = Instant::now();
    let report = model_check(&|clock| MemoryRegistry::new(clock), &config);
    let elapsed = started.elapsed();
    assert_eq!(
        report.outcome,
        ModelOutcome::Passed,
        "the reference must agree with the model"
    );
    println!(
        "model check: {} cases, {} ops in {:.2} s = {:.0} ops/s (state compared after every op)",
        report.cases_run,
        report.ops_run,
        elapsed.as_secs_f64(),
        report.ops_run as f64 / elapsed.as_secs_f64()
    );
    let quick = ModelConfig {
        compare_state: false,
        ..config.clone()
    };
    let started = Instant::now();
    let report = model_check(&|clock| MemoryRegistry::new(clock), &quick);
    let elapsed = started.elapsed();
    println!(
        "model check, results only: {} ops in {:.2} s = {:.0} ops/s",
        report.ops_run,
        elapsed.as_secs_f64(),
        report.ops_run as f64 / elapsed.as_secs_f64()
    );

    for mutant in zoo()
        .into_iter()
        .filter(|mutant| FENCING_MUTANTS.contains(&mutant.id))
    {
        let mut times = Vec::new();
        let mut shrunk = Vec::new();
        let mut cases = Vec::new();
        for seed in 0..DETECTION_SEEDS {
            let config = ModelConfig {
                seed,
                strict: true,
                ..ModelConfig::default()
            };
            let started = Instant::now();
            let report = model_check(&FnFactory(mutant.make), &config);
            times.push(started.elapsed());
            if let ModelOutcome::Failed(failure) = &report.outcome {
                shrunk.push(failure.ops.len());
                cases.push(report.cases_to_failure.unwrap_or(0));
            }
        }
        cases.sort_unstable();
        println!(
            "{:<24} detected in {}/{DETECTION_SEEDS} seeds; median {:.0} ms (shrinking included), median cases {}, shrunk lengths {:?}",
            mutant.id,
            shrunk.len(),
            median(times).as_secs_f64() * 1e3,
            cases.get(cases.len() / 2).copied().unwrap_or(0),
            shrunk
        );
    }
}
