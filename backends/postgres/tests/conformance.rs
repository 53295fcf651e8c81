//! The whole conformance suite, strict, against `PgRegistry` (reopen = a
//! second pool on the same schema), the model check, and concurrent
//! histories recorded through two pools racing on one schema, checked for
//! linearizability.
//!
//! Needs `PROCREG_PG_URL` (see `tests/support`); without it every test here
//! prints why it skipped and passes, except under `CI`, where it fails.
//! `PROCREG_ONLY=LEASE` (a comma-separated list of check ids, id prefixes,
//! areas or rule ids) narrows the suite; `PROCREG_CASES` / `PROCREG_SEED`
//! steer the model check and the histories.

mod support;

use futures_util::stream::{self, StreamExt};
use procreg::DurableFactory;
use procreg_conformance::linearizability::{
    check_history, record_history, HistoryConfig, OpMix, Verdict,
};
use procreg_conformance::machine::{model_check, ModelConfig, ModelOutcome};
use procreg_conformance::{
    all_checks, run_check, Outcome, RegistryFactory, SuiteConfig, SuiteReport,
};
use std::time::{Duration, Instant};
use support::{pg_factory, PgFactory, PgSchemas};

/// Checks run at once, each on its own schema.
const CHECKS_IN_FLIGHT: usize = 4;

/// Every selected check, `CHECKS_IN_FLIGHT` at a time, reported in catalogue order.
async fn run_suite_concurrently(factory: &PgFactory, config: &SuiteConfig) -> SuiteReport {
    let checks: Vec<_> = all_checks()
        .into_iter()
        .filter(|check| config.selects(check))
        .collect();
    let reports = stream::iter(checks.iter().map(|check| run_check(factory, check, config)))
        .buffered(CHECKS_IN_FLIGHT)
        .collect()
        .await;
    SuiteReport {
        strict: config.strict,
        capabilities: factory.capabilities(),
        checks: reports,
        stopped: None,
    }
}

#[test]
fn strict_suite_with_reopen_passes() {
    let Some(url) = support::pg_url("strict_suite_with_reopen_passes") else {
        return;
    };
    let mut config = SuiteConfig::strict();
    if let Ok(only) = std::env::var("PROCREG_ONLY") {
        config.only = only.split(',').map(|term| term.trim().to_owned()).collect();
    }
    let factory = pg_factory(&url);
    let started = Instant::now();
    let report = support::runtime().block_on(run_suite_concurrently(&factory, &config));
    let elapsed = started.elapsed();
    let counts = report.counts();
    eprintln!(
        "postgres strict suite: {} passed, {} failed, {} skipped, {} warned in {elapsed:.2?} \
         ({CHECKS_IN_FLIGHT} checks in flight)",
        counts.passed, counts.failed, counts.skipped, counts.warned
    );
    for check in &report.checks {
        if let Outcome::Skipped { reason } = &check.outcome {
            eprintln!("skipped {}: {reason}", check.id);
        }
    }
    assert!(
        report.is_success(),
        "{}",
        procreg_conformance::render::render_text(&report)
    );
    assert!(counts.passed > 0, "the suite ran no check");
    if config.only.is_empty() {
        assert_eq!(
            counts.skipped, 0,
            "a durable, reopenable backend skips nothing"
        );
    }
}

#[test]
fn model_check_agrees_with_the_model() {
    let Some(url) = support::pg_url("model_check_agrees_with_the_model") else {
        return;
    };
    let factory = pg_factory(&url);
    let mut config = ModelConfig::from_env();
    config.strict = true;
    config.regressions = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(|dir| std::path::PathBuf::from(dir).join("procreg-regressions.json"));
    let started = Instant::now();
    let report = model_check(&factory, &config);
    match report.outcome {
        ModelOutcome::Passed => eprintln!(
            "model check: {} cases, {} operations, seed {}, in {:.2?}",
            report.cases_run,
            report.ops_run,
            report.seed,
            started.elapsed()
        ),
        ModelOutcome::Skipped { reason } => panic!("the model check did not run: {reason}"),
        ModelOutcome::Failed(failure) => panic!("{failure}"),
        ModelOutcome::Warned { rule, failure } => panic!("SHOULD {rule}: {failure}"),
    }
}

/// Records seeded histories through `machines` pools on one schema and
/// checks each; returns how many were decided linearizable.
async fn histories(url: &str, machines: usize, mix: OpMix, processes: usize) -> usize {
    let factory = DurableFactory::new(PgSchemas::new(url).machines(machines));
    let first_seed = std::env::var("PROCREG_SEED")
        .ok()
        .and_then(|seed| seed.parse::<u64>().ok())
        .unwrap_or(0);
    let mut decided = 0;
    for seed in first_seed..first_seed + 4 {
        let config = HistoryConfig {
            seed,
            processes,
            ops_per_task: 50,
            mix: mix.clone(),
            ..HistoryConfig::default()
        };
        let history =
            tokio::time::timeout(Duration::from_secs(120), record_history(&factory, &config))
                .await
                .expect("recording a history is bounded")
                .expect("recording a history");
        assert_eq!(history.len(), config.tasks * config.ops_per_task);
        let report = check_history(&history);
        match report.verdict {
            Verdict::Linearizable => decided += 1,
            Verdict::Unknown => {
                eprintln!("history seed {seed}: undecided within the search budget")
            }
            Verdict::NotLinearizable => panic!(
                "history seed {seed} through {machines} pools is not linearizable \
                 (replay with PROCREG_SEED={seed}):\n{}\nthe whole history:\n{history}",
                report
                    .counterexample
                    .map(|counterexample| counterexample.to_string())
                    .unwrap_or_default()
            ),
        }
    }
    decided
}

#[test]
fn histories_through_two_pools_racing_are_linearizable() {
    let Some(url) = support::pg_url("histories_through_two_pools_racing_are_linearizable") else {
        return;
    };
    support::runtime().block_on(async {
        let mixed = histories(&url, 2, OpMix::default(), 3).await;
        let leases = histories(&url, 3, OpMix::lease_heavy(), 1).await;
        eprintln!(
            "linearizability: {mixed}/4 mixed histories (2 pools) and {leases}/4 lease races (3 pools) decided linearizable"
        );
        assert!(mixed + leases > 0, "no history was decided");
    });
}
