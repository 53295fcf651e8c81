//! The reference registry passes every check, MUST and SHOULD, through `run_suite`.

use async_trait::async_trait;
use procreg::{Clock, ProcessRegistry, RegistryResult};
use procreg_conformance::render::{render_json, render_junit, render_rule_matrix, render_text};
use procreg_conformance::{
    all_checks, run_suite, Capabilities, Outcome, RegistryFactory, SuiteConfig,
};
use procreg_memory::MemoryRegistry;
use std::sync::Arc;

/// MemoryRegistry whose "storage" is the registry itself, so reopening hands
/// back another handle on it: this exercises the reopen and the
/// cross-handle checks.
struct SharedStorage;

#[async_trait]
impl RegistryFactory for SharedStorage {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok(Arc::new(MemoryRegistry::new(clock)))
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
            reopen: true,
            handles: true,
            ..Capabilities::default()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_registry_passes_the_whole_suite_strictly() {
    let report = run_suite(&SharedStorage, &SuiteConfig::strict(), &mut ()).await;
    let text = render_text(&report);
    assert!(report.is_success(), "{text}");
    assert_eq!(report.checks.len(), all_checks().len());
    assert_eq!(report.counts().passed, all_checks().len(), "{text}");
    assert!(render_json(&report).contains("\"passed\""));
    assert!(render_junit(&report).contains("<testsuite name=\"procreg-conformance\""));
    assert!(render_rule_matrix(&report).contains("| LEASE-1 | pass |"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_closure_skips_only_the_reopen_and_cross_handle_checks() {
    let report = run_suite(
        &|clock| MemoryRegistry::new(clock),
        &SuiteConfig::strict(),
        &mut (),
    )
    .await;
    assert!(report.is_success(), "{}", render_text(&report));
    for check in &report.checks {
        if let Outcome::Skipped { reason } = &check.outcome {
            assert!(
                reason.contains("reopen") || reason.contains("several live handles"),
                "{} skipped: {reason}",
                check.id
            );
        }
    }
}
