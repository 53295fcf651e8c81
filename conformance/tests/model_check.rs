//! The reference registry agrees with the model on generated sequences.

use procreg_conformance::machine::{model_check, ModelConfig, ModelOutcome};
use procreg_memory::MemoryRegistry;

#[test]
fn memory_registry_agrees_with_the_model() {
    let config = ModelConfig::from_env();
    let report = model_check(&|clock| MemoryRegistry::new(clock), &config);
    match &report.outcome {
        ModelOutcome::Passed => {}
        ModelOutcome::Failed(failure) => panic!("{failure}"),
        ModelOutcome::Skipped { reason } => panic!("skipped: {reason}"),
        ModelOutcome::Warned { rule, failure } => panic!("SHOULD {rule}: {failure}"),
    }
    assert!(report.cases_run >= u64::from(config.cases));
    assert!(report.ops_run > 0);
}

/// A SHOULD divergence (LEASE-2: a terminal process leased) is a warning
/// outside strict mode, and a failure with it, as in the suite.
#[test]
fn a_should_divergence_warns_unless_strict() {
    let mutant = procreg_mutants::by_id("claim_terminal_process").expect("in the zoo");
    let lenient = model_check(&mutant, &ModelConfig::default());
    match &lenient.outcome {
        ModelOutcome::Warned { rule, failure } => {
            assert_eq!(rule, "LEASE-2");
            assert!(failure.ops.len() <= 6, "{failure}");
        }
        other => panic!("expected a LEASE-2 warning, got {other:?}"),
    }
    let strict = ModelConfig {
        strict: true,
        ..ModelConfig::default()
    };
    let report = model_check(&mutant, &strict);
    assert!(
        matches!(report.outcome, ModelOutcome::Failed(_)),
        "{:?}",
        report.outcome
    );
}

/// A MUST divergence behind a SHOULD one is still found outside strict
/// mode: the search goes on without the ops that provoke the SHOULD one.
#[test]
fn a_must_divergence_is_found_past_a_should_one() {
    let mutant = procreg_mutants::by_id("claim_unknown_process").expect("in the zoo");
    let report = model_check(&mutant, &ModelConfig::default());
    assert!(
        matches!(report.outcome, ModelOutcome::Failed(_)),
        "{:?}",
        report.outcome
    );
}
