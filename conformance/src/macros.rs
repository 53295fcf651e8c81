//! `registry_conformance_tests!`: one `#[test]` per check in the caller's crate.

use crate::report::Outcome;
use crate::runner::{run_check_by_id, SuiteConfig};
use procreg::RegistryFactory;

/// Expands one `#[test]` per conformance check, plus
/// `model_check_agrees_with_the_model` and
/// `linearizability_of_concurrent_histories`, inside a module named
/// `conformance`, so `cargo test lease_` runs the lease checks and each
/// check shows up in cargo's output on its own.
///
/// `registry_conformance_tests!(factory_expr)` runs SHOULD rules as
/// warnings; `registry_conformance_tests!(factory_expr, strict)` makes them
/// failures. The factory expression is evaluated once per test; names used
/// in it must be in scope where the macro is invoked. A skipped check (a
/// capability the backend lacks) passes and prints its reason.
///
/// ```
/// use procreg_conformance::registry_conformance_tests;
/// use procreg_memory::MemoryRegistry;
///
/// registry_conformance_tests!(|clock| MemoryRegistry::new(clock), strict);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! registry_conformance_tests {
    ($factory:expr) => {
        $crate::__procreg_check_ids! { __procreg_expand_tests { $factory, false } }
    };
    ($factory:expr, strict) => {
        $crate::__procreg_check_ids! { __procreg_expand_tests { $factory, true } }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __procreg_expand_tests {
    ({ $factory:expr, $strict:expr } ; $($id:ident),* $(,)?) => {
        mod conformance {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $id() {
                    $crate::__run_check_test(&$factory, stringify!($id), $strict);
                }
            )*

            #[test]
            fn model_check_agrees_with_the_model() {
                $crate::__run_model_check_test(&$factory);
            }

            #[test]
            fn linearizability_of_concurrent_histories() {
                $crate::__run_linearizability_test(&$factory);
            }
        }
    };
}

/// Runs one check for a generated test: a two-worker runtime, the check's
/// outcome printed, and a panic carrying the rule and replay command on failure.
#[doc(hidden)]
pub fn __run_check_test<F: RegistryFactory>(factory: &F, id: &str, strict: bool) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => panic!("procreg-conformance could not start a tokio runtime: {error}"),
    };
    let config = SuiteConfig {
        strict,
        ..SuiteConfig::default()
    };
    let report = runtime.block_on(run_check_by_id(factory, id, &config));
    let Some(report) = report else {
        panic!("no conformance check is named `{id}`: the macro and the catalogue disagree");
    };
    match report.outcome {
        Outcome::Passed { .. } => {}
        Outcome::Skipped { reason } => eprintln!("skipped {id}: {reason}"),
        Outcome::Warned { rule, message } => {
            eprintln!("warning (SHOULD, not strict) {id}: {rule}: {message}")
        }
        Outcome::Failed { rule, message } => panic!(
            "{id} failed [{}]\n{rule}: {message}\nreplay: cargo test conformance::{id} -- --exact",
            report.rules.join(", ")
        ),
    }
}

/// Runs the model check for a generated test (`PROCREG_CASES` and
/// `PROCREG_SEED` apply; shrunk failures are kept in
/// `procreg-regressions.json` beside the caller's `Cargo.toml`).
#[doc(hidden)]
pub fn __run_model_check_test<F: RegistryFactory>(factory: &F) {
    let mut config = crate::machine::ModelConfig::from_env();
    config.regressions = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(|dir| std::path::PathBuf::from(dir).join("procreg-regressions.json"));
    let report = crate::machine::model_check(factory, &config);
    match report.outcome {
        crate::machine::ModelOutcome::Passed => eprintln!(
            "model check: {} cases, {} operations, seed {}",
            report.cases_run, report.ops_run, report.seed
        ),
        crate::machine::ModelOutcome::Skipped { reason } => {
            eprintln!("skipped the model check: {reason}")
        }
        crate::machine::ModelOutcome::Failed(failure) => panic!("{failure}"),
    }
}

/// How many seeded concurrent histories the generated linearizability test records.
const LINEARIZABILITY_SEEDS: u64 = 4;

/// Records and checks a few seeded concurrent histories for a generated test
/// (`PROCREG_SEED` shifts the seeds).
#[doc(hidden)]
pub fn __run_linearizability_test<F: RegistryFactory>(factory: &F) {
    use crate::linearizability::{check_history, record_history, HistoryConfig, Verdict};
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => panic!("procreg-conformance could not start a tokio runtime: {error}"),
    };
    let first_seed = std::env::var("PROCREG_SEED")
        .ok()
        .and_then(|seed| seed.parse::<u64>().ok())
        .unwrap_or(0);
    for seed in first_seed..first_seed + LINEARIZABILITY_SEEDS {
        let config = HistoryConfig {
            seed,
            ..HistoryConfig::default()
        };
        let history = match runtime.block_on(record_history(factory, &config)) {
            Ok(history) => history,
            Err(error) => {
                eprintln!("skipped the linearizability check: {error}");
                return;
            }
        };
        let report = check_history(&history);
        match report.verdict {
            Verdict::Linearizable => {}
            Verdict::Unknown => eprintln!(
                "linearizability of history seed {seed}: undecided within the search budget"
            ),
            Verdict::NotLinearizable => {
                let counterexample = report
                    .counterexample
                    .map(|counterexample| counterexample.to_string())
                    .unwrap_or_default();
                panic!(
                    "history seed {seed} is not linearizable (replay with PROCREG_SEED={seed}):\n{counterexample}"
                );
            }
        }
    }
}
