//! `registry_conformance_tests!`: the suite as a test binary of the caller's
//! crate, one named test per check, on libtest-mimic (`harness = false`).

use crate::catalogue::all_checks;
use crate::check::Check;
use crate::report::Outcome;
use crate::runner::{run_check, SuiteConfig};
use libtest_mimic::{Arguments, Failed, Trial};
use procreg::RegistryFactory;
use std::process::ExitCode;
use std::sync::Arc;

/// Expands a test harness (`fn main`) that runs one named test per
/// conformance check, plus `model_check_agrees_with_the_model` and
/// `linearizability_of_concurrent_histories`. Test names are the check ids,
/// so `cargo test lease_` runs the lease checks and
/// `cargo test <id> -- --exact` runs exactly one; `--list`, `--ignored`
/// and cargo-nextest work as for any test binary. A check the backend
/// lacks a capability for is reported as **ignored**, its reason printed
/// when the run starts.
///
/// The test target needs `harness = false` (the whole plug-in):
///
/// ```toml
/// [[test]]
/// name = "conformance"
/// harness = false
/// ```
///
/// and `tests/conformance.rs` holds one line:
/// `registry_conformance_tests!(factory_expr)` runs SHOULD rules as
/// warnings; `registry_conformance_tests!(factory_expr, strict)` makes them
/// failures. The factory expression is evaluated once per test; names used
/// in it must be in scope where the macro is invoked. Without
/// `harness = false`, a test named `procreg_conformance_needs_harness_false`
/// fails and says so.
///
/// ```
/// use procreg_conformance::registry_conformance_tests;
/// use procreg_memory::MemoryRegistry;
///
/// registry_conformance_tests!(|clock| MemoryRegistry::new(clock), strict);
/// ```
#[macro_export]
macro_rules! registry_conformance_tests {
    ($factory:expr) => {
        $crate::registry_conformance_tests!(@harness $factory, false);
    };
    ($factory:expr, strict) => {
        $crate::registry_conformance_tests!(@harness $factory, true);
    };
    (@harness $factory:expr, $strict:expr) => {
        #[allow(dead_code)]
        fn main() -> ::std::process::ExitCode {
            $crate::__run_conformance_harness(move || $factory, $strict)
        }

        #[test]
        fn procreg_conformance_needs_harness_false() {
            panic!(
                "registry_conformance_tests! expands its own test harness: add \
                 `[[test]] name = \"<this file's name>\" harness = false` to Cargo.toml"
            );
        }
    };
}

/// A test body of the harness.
type TestBody = Box<dyn FnOnce() -> Result<(), Failed> + Send>;

/// Runs the harness for a generated test binary: every check as a named
/// trial (ignored when a capability is missing), then the model check and
/// the histories; exits like libtest.
#[doc(hidden)]
pub fn __run_conformance_harness<F, M>(make: M, strict: bool) -> ExitCode
where
    F: RegistryFactory + 'static,
    M: Fn() -> F + Send + Sync + 'static,
{
    let args = Arguments::from_args();
    let make = Arc::new(make);
    let capabilities = make().capabilities();
    let mut trials = Vec::new();
    for check in all_checks() {
        let missing = check.needs.missing(&capabilities);
        if let (Some(reason), false) = (&missing, args.list) {
            eprintln!("ignored {}: {reason}", check.id);
        }
        let make = Arc::clone(&make);
        let body: TestBody = Box::new(move || run_one_check(make(), &check, strict));
        trials.push(Trial::test(check.id, body).with_ignored_flag(missing.is_some()));
    }
    let model = Arc::clone(&make);
    trials.push(Trial::test(
        "model_check_agrees_with_the_model",
        move || run_model_check(&model(), strict),
    ));
    let histories = Arc::clone(&make);
    trials.push(Trial::test(
        "linearizability_of_concurrent_histories",
        move || run_histories(&histories(), strict),
    ));
    libtest_mimic::run(&args, trials).exit_code()
}

/// A runtime for one test: two workers, like the checks expect.
fn test_runtime() -> Result<tokio::runtime::Runtime, Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| {
            format!("procreg-conformance could not start a tokio runtime: {error}").into()
        })
}

/// Runs one check: its rule and replay command on failure, a SHOULD
/// violation outside strict mode printed as a warning.
fn run_one_check<F: RegistryFactory>(
    factory: F,
    check: &Check,
    strict: bool,
) -> Result<(), Failed> {
    let config = SuiteConfig {
        strict,
        ..SuiteConfig::default()
    };
    let report = test_runtime()?.block_on(run_check(&factory, check, &config));
    match report.outcome {
        Outcome::Passed { .. } => Ok(()),
        Outcome::Skipped { reason } => {
            eprintln!("skipped {}: {reason}", check.id);
            Ok(())
        }
        Outcome::Warned { rule, message } => {
            eprintln!(
                "warning (SHOULD, not strict) {}: {rule}: {message}",
                check.id
            );
            Ok(())
        }
        Outcome::Failed { rule, message } => Err(format!(
            "{} failed [{}]\n{rule}: {message}\nreplay: cargo test {} -- --exact",
            check.id,
            report.rules.join(", "),
            check.id
        )
        .into()),
    }
}

/// Runs the model check (`PROCREG_CASES` and `PROCREG_SEED` apply; shrunk
/// failures are kept in `procreg-regressions.json` beside the caller's
/// `Cargo.toml`); a SHOULD divergence fails only in strict mode.
fn run_model_check<F: RegistryFactory>(factory: &F, strict: bool) -> Result<(), Failed> {
    let mut config = crate::machine::ModelConfig::from_env();
    config.strict = strict;
    config.regressions = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(|dir| std::path::PathBuf::from(dir).join("procreg-regressions.json"));
    let report = crate::machine::model_check(factory, &config);
    match report.outcome {
        crate::machine::ModelOutcome::Passed => {
            eprintln!(
                "model check: {} cases, {} operations, seed {}",
                report.cases_run, report.ops_run, report.seed
            );
            Ok(())
        }
        crate::machine::ModelOutcome::Skipped { reason } => {
            eprintln!("skipped the model check: {reason}");
            Ok(())
        }
        crate::machine::ModelOutcome::Warned { rule, failure } => {
            eprintln!("warning (SHOULD {rule}, not strict) in the model check:\n{failure}");
            Ok(())
        }
        crate::machine::ModelOutcome::Failed(failure) => Err(failure.to_string().into()),
    }
}

/// How many seeded concurrent histories the generated linearizability test records.
const LINEARIZABILITY_SEEDS: u64 = 4;

/// Records and checks a few seeded concurrent histories (`PROCREG_SEED`
/// shifts the seeds; an in-process registry's are scheduled by the seed,
/// so a failure replays exactly).
fn run_histories<F: RegistryFactory>(factory: &F, strict: bool) -> Result<(), Failed> {
    use crate::linearizability::{check_history_for, record_history, HistoryConfig, Verdict};
    let runtime = test_runtime()?;
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
                return Ok(());
            }
        };
        let report = check_history_for(&history, strict);
        match report.verdict {
            Verdict::Linearizable => {
                if let Some(rule) = &report.should_warning {
                    eprintln!(
                        "warning (SHOULD {rule}, not strict): history seed {seed} is linearizable only if terminal processes may be leased"
                    );
                }
            }
            Verdict::Unknown => eprintln!(
                "linearizability of history seed {seed}: undecided within the search budget"
            ),
            Verdict::NotLinearizable => {
                let counterexample = report
                    .counterexample
                    .map(|counterexample| counterexample.to_string())
                    .unwrap_or_default();
                return Err(format!(
                    "history seed {seed} is not linearizable (replay with PROCREG_SEED={seed}):\n{counterexample}"
                )
                .into());
            }
        }
    }
    Ok(())
}
