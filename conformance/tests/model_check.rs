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
    }
    assert!(report.cases_run >= u64::from(config.cases));
    assert!(report.ops_run > 0);
}
