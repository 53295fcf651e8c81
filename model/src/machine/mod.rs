//! The sequential model check: generated operation sequences run against the
//! backend and the model side by side, compared step by step, shrunk on failure.

mod adapt;
mod execute;
mod observation;
mod ops;
mod render;
mod state;

pub use adapt::{no_claims_on_terminal, should_divergence, ShouldDivergence};
use observation::shown_value;
pub use observation::{Divergence, Observation};
pub use ops::{
    event_type, key, keys, long_model_id, op_strategy, owner, process, processes, registration,
    scope, sequence_strategy, session, EventKind, Op, EVENT_TYPES, LONG_ID_SEED,
    LONG_MODEL_ID_BYTES, ODD_EVENT_TYPE, OWNERS, SCOPES, SESSIONS, UNDECLARED_EVENT_TYPE,
};
pub use render::{render_rust_test, render_yaml};

use crate::CHECK_START_MS;
use execute::Execution;
use procreg::ManualClock;
use procreg::{ClockControl, ErrorTyping, RegistryFactory};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// How long and how hard to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelConfig {
    /// Generated sequences to run (`PROCREG_CASES` overrides the default).
    pub cases: u32,
    /// At most this many ops per sequence.
    pub max_ops: usize,
    /// The seed of the generator (`PROCREG_SEED` overrides the default); the same seed runs the same cases.
    pub seed: u64,
    /// Compare the whole observable state after every step, not only each op's result.
    pub compare_state: bool,
    /// Where shrunk failing sequences are kept and replayed first; `None` keeps nothing.
    pub regressions: Option<PathBuf>,
    /// Count a divergence from a SHOULD rule as a failure. Outside strict
    /// mode it is a warning, and the search goes on without the ops that
    /// provoke it, so a MUST divergence behind it is still found.
    pub strict: bool,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            cases: 512,
            max_ops: 64,
            seed: 0,
            compare_state: true,
            regressions: None,
            strict: false,
        }
    }
}

impl ModelConfig {
    /// The defaults, with `PROCREG_CASES` and `PROCREG_SEED` applied when set.
    pub fn from_env() -> Self {
        let mut config = Self::default();
        if let Some(cases) = std::env::var("PROCREG_CASES")
            .ok()
            .and_then(|value| value.parse().ok())
        {
            config.cases = cases;
        }
        if let Some(seed) = std::env::var("PROCREG_SEED")
            .ok()
            .and_then(|value| value.parse().ok())
        {
            config.seed = seed;
        }
        config
    }
}

/// A failing sequence, shrunk, with everything needed to act on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelFailure {
    /// The seed that found it (`PROCREG_SEED=<seed>` replays the search).
    pub seed: u64,
    /// The shrunk sequence.
    pub ops: Vec<Op>,
    /// The first step where backend and model disagreed.
    pub divergence: Divergence,
}

impl ModelFailure {
    /// The sequence as a ready-to-paste Rust test.
    pub fn rust_test(&self) -> String {
        render_rust_test(&self.ops, Some(&self.divergence), CHECK_START_MS)
    }

    /// The sequence as YAML.
    pub fn yaml(&self) -> String {
        render_yaml(&self.ops)
    }
}

impl std::fmt::Display for ModelFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let divergence = &self.divergence;
        writeln!(
            f,
            "model check failed (seed {}; replay with PROCREG_SEED={})",
            self.seed, self.seed
        )?;
        writeln!(
            f,
            "shrunk to {} operations; step {} diverges:",
            self.ops.len(),
            divergence.step
        )?;
        writeln!(
            f,
            "  op:       {}",
            serde_json::to_string(&divergence.op).unwrap_or_default()
        )?;
        writeln!(f, "  compared: {}", divergence.what)?;
        writeln!(f, "  expected: {}", divergence.expected)?;
        writeln!(f, "  observed: {}", divergence.observed)?;
        writeln!(f, "\nas YAML:\n{}", self.yaml())?;
        write!(f, "as a Rust test:\n{}", self.rust_test())
    }
}

/// What a model check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ModelOutcome {
    /// Every case agreed with the model.
    Passed,
    /// A case diverged.
    Failed(Box<ModelFailure>),
    /// Outside strict mode, a case diverged from a SHOULD rule only, and the
    /// search without the ops provoking it found no other divergence.
    Warned {
        /// The SHOULD rule (`LEASE-2`).
        rule: String,
        /// The shrunk divergence.
        failure: Box<ModelFailure>,
    },
    /// The backend cannot be model-checked (it lacks an injected clock).
    Skipped {
        /// Why.
        reason: String,
    },
}

/// The result of [`model_check`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelReport {
    /// The seed used.
    pub seed: u64,
    /// Sequences run (including replayed regressions).
    pub cases_run: u64,
    /// Ops executed, shrinking included.
    pub ops_run: u64,
    /// Generated cases run up to and including the first failing one (before shrinking).
    pub cases_to_failure: Option<u64>,
    /// What happened.
    pub outcome: ModelOutcome,
}

#[derive(Debug, Serialize, Deserialize)]
struct Regression {
    seed: u64,
    ops: Vec<Op>,
}

/// Runs `ops` on a fresh registry and the model; returns the first divergence.
pub fn run_sequence<F: RegistryFactory>(
    runtime: &tokio::runtime::Runtime,
    factory: &F,
    ops: &[Op],
    compare_state: bool,
) -> Result<Option<Divergence>, String> {
    let typed = factory.capabilities().errors == ErrorTyping::Typed;
    runtime.block_on(async {
        let clock = ManualClock::new(CHECK_START_MS);
        let registry = factory
            .create(Arc::new(clock.clone()))
            .await
            .map_err(|error| format!("the backend failed to start: {error}"))?;
        let mut execution = Execution::new(registry.as_ref(), &clock, typed);
        for (step, op) in ops.iter().enumerate() {
            let (expected, observed) = execution.apply(op).await;
            if !execution.agree(&expected, &observed) {
                return Ok(Some(Divergence {
                    step,
                    op: op.clone(),
                    what: "the result".to_owned(),
                    expected: shown_value(serde_json::to_value(&expected).unwrap_or_default()),
                    observed: shown_value(serde_json::to_value(&observed).unwrap_or_default()),
                }));
            }
            if compare_state {
                if let Some((what, expected, observed)) = execution.state_difference().await {
                    return Ok(Some(Divergence {
                        step,
                        op: op.clone(),
                        what: format!("the state after it: {what}"),
                        expected,
                        observed,
                    }));
                }
            }
        }
        Ok(None)
    })
}

fn seeded_rng(seed: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

fn load_regressions(config: &ModelConfig) -> Vec<Regression> {
    let Some(path) = &config.regressions else {
        return Vec::new();
    };
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn save_regression(config: &ModelConfig, failure: &ModelFailure) {
    let Some(path) = &config.regressions else {
        return;
    };
    let mut regressions = load_regressions(config);
    if regressions.iter().any(|known| known.ops == failure.ops) {
        return;
    }
    regressions.push(Regression {
        seed: failure.seed,
        ops: failure.ops.clone(),
    });
    if let Ok(text) = serde_json::to_string_pretty(&regressions) {
        if let Err(error) = std::fs::write(path, text + "\n") {
            eprintln!(
                "procreg: could not save the regression to {}: {error}",
                path.display()
            );
        }
    }
}

/// After proptest's shrinking, removes single ops while the sequence still
/// diverges, until no one op can go: proptest removes ops front to back in
/// one pass and can keep one that a later removal made needless. An op that
/// issues a lease or sends an append is also tried away with the later
/// references to leases or appends shifted by one, so the ops after it
/// keep pointing at the same lease or request (proptest changes one op at
/// a time and cannot).
fn drop_needless_ops<F: RegistryFactory>(
    runtime: &tokio::runtime::Runtime,
    factory: &F,
    mut ops: Vec<Op>,
    compare_state: bool,
) -> Vec<Op> {
    let mut index = 0;
    'ops: while index < ops.len() {
        let mut candidates = vec![without(&ops, index)];
        candidates.extend(without_shifting_references(&ops, index));
        for candidate in candidates {
            if let Ok(Some(_)) = run_sequence(runtime, factory, &candidate, compare_state) {
                ops = candidate;
                continue 'ops;
            }
        }
        index += 1;
    }
    ops
}

fn without(ops: &[Op], index: usize) -> Vec<Op> {
    let mut kept = ops.to_vec();
    kept.remove(index);
    kept
}

/// `ops` without the op at `index`, a claim or an append, with every later
/// lease index (after a claim) or replay index (after an append) moved one
/// step toward it; `None` for other ops or when nothing later refers to one.
fn without_shifting_references(ops: &[Op], index: usize) -> Option<Vec<Op>> {
    let claim = matches!(ops[index], Op::ClaimLease { .. });
    let append = matches!(ops[index], Op::AppendEvent { .. });
    let mut shifted = false;
    let mut kept = without(ops, index);
    for op in kept.iter_mut().skip(index) {
        match op {
            Op::RenewLease { lease, .. } | Op::ReleaseLease { lease } if claim && *lease > 0 => {
                *lease -= 1;
                shifted = true;
            }
            Op::ReplayAppend { append: back, .. } if append && *back > 0 => {
                *back -= 1;
                shifted = true;
            }
            _ => {}
        }
    }
    shifted.then_some(kept)
}

/// Model-checks the backend built by `factory`: `config.cases` generated
/// sequences, each compared with the model step by step, the first failure
/// shrunk to a minimal sequence. Runs its own current-thread runtime, so
/// call it outside any async context.
pub fn model_check<F: RegistryFactory>(factory: &F, config: &ModelConfig) -> ModelReport {
    model_check_with(factory, config, &|ops| ops)
}

/// [`model_check`] with every generated sequence passed through `adapt`
/// before it runs (and while it shrinks): a bridge drops the operations its
/// backend cannot honour, or steers away from divergences already known.
///
/// Outside strict mode, a first divergence from a SHOULD rule is searched
/// past: the search runs again without the ops that provoke it, and the
/// outcome is `Warned` when nothing else diverges.
pub fn model_check_with<F: RegistryFactory>(
    factory: &F,
    config: &ModelConfig,
    adapt: &dyn Fn(Vec<Op>) -> Vec<Op>,
) -> ModelReport {
    let first = search(factory, config, adapt);
    let should = match &first.outcome {
        ModelOutcome::Failed(failure) if !config.strict => should_divergence(&failure.divergence),
        _ => None,
    };
    let (Some(should), ModelOutcome::Failed(failure)) = (should, &first.outcome) else {
        return first;
    };
    let rest = ModelConfig {
        regressions: None,
        ..config.clone()
    };
    let mut again = search(factory, &rest, &|ops| (should.avoid)(adapt(ops)));
    again.cases_run += first.cases_run;
    again.ops_run += first.ops_run;
    if again.outcome == ModelOutcome::Passed {
        again.cases_to_failure = first.cases_to_failure;
        again.outcome = ModelOutcome::Warned {
            rule: should.rule.to_owned(),
            failure: failure.clone(),
        };
    }
    again
}

/// One proptest search of `config.cases` generated sequences (after the
/// saved regressions), the first failure shrunk.
fn search<F: RegistryFactory>(
    factory: &F,
    config: &ModelConfig,
    adapt: &dyn Fn(Vec<Op>) -> Vec<Op>,
) -> ModelReport {
    let mut report = ModelReport {
        seed: config.seed,
        cases_run: 0,
        ops_run: 0,
        cases_to_failure: None,
        outcome: ModelOutcome::Passed,
    };
    if factory.capabilities().clock != ClockControl::Injected {
        report.outcome = ModelOutcome::Skipped {
            reason: "the model check needs an injected clock (the backend declares wall-clock time only)".to_owned(),
        };
        return report;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            report.outcome = ModelOutcome::Skipped {
                reason: format!("could not start a runtime: {error}"),
            };
            return report;
        }
    };
    let fail = |report: &mut ModelReport, ops: Vec<Op>, divergence: Divergence| {
        let failure = ModelFailure {
            seed: config.seed,
            ops,
            divergence,
        };
        save_regression(config, &failure);
        report.outcome = ModelOutcome::Failed(Box::new(failure));
    };
    for regression in load_regressions(config) {
        report.cases_run += 1;
        report.ops_run += regression.ops.len() as u64;
        if let Ok(Some(divergence)) =
            run_sequence(&runtime, factory, &regression.ops, config.compare_state)
        {
            fail(&mut report, regression.ops, divergence);
            return report;
        }
    }
    let proptest_config = Config {
        cases: config.cases,
        failure_persistence: None,
        max_shrink_iters: 4_096,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(proptest_config, seeded_rng(config.seed));
    let counters = std::cell::Cell::new((0u64, 0u64));
    let first_failure = std::cell::Cell::new(None);
    let strategy = sequence_strategy(config.max_ops).prop_map(adapt);
    let result = runner.run(&strategy, |ops| {
        let (cases, steps) = counters.get();
        counters.set((cases + 1, steps + ops.len() as u64));
        let verdict = match run_sequence(&runtime, factory, &ops, config.compare_state) {
            Ok(None) => Ok(()),
            Ok(Some(divergence)) => Err(TestCaseError::fail(divergence.what)),
            Err(message) => Err(TestCaseError::fail(message)),
        };
        if verdict.is_err() && first_failure.get().is_none() {
            first_failure.set(Some(cases + 1));
        }
        verdict
    });
    report.cases_to_failure = first_failure.get();
    let (cases, steps) = counters.get();
    report.cases_run += cases;
    report.ops_run += steps;
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            let ops = drop_needless_ops(&runtime, factory, ops, config.compare_state);
            match run_sequence(&runtime, factory, &ops, config.compare_state) {
                Ok(Some(divergence)) => fail(&mut report, ops, divergence),
                _ => {
                    report.outcome = ModelOutcome::Skipped {
                        reason: format!("a failure did not reproduce on replay: {reason}"),
                    }
                }
            }
        }
        Err(TestError::Abort(reason)) => {
            report.outcome = ModelOutcome::Skipped {
                reason: format!("the search aborted: {reason}"),
            }
        }
    }
    report
}
