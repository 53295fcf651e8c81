//! The reference registry passes every check, MUST and SHOULD, through `run_suite`.

use procreg_conformance::render::{render_json, render_junit, render_rule_matrix, render_text};
use procreg_conformance::{all_checks, run_suite, SuiteConfig};
use procreg_memory::MemoryRegistry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_registry_passes_the_whole_suite_strictly() {
    let report = run_suite(&|clock| MemoryRegistry::new(clock), &SuiteConfig::strict()).await;
    let text = render_text(&report);
    assert!(report.is_success(), "{text}");
    assert_eq!(report.checks.len(), all_checks().len());
    assert_eq!(report.counts().passed, all_checks().len(), "{text}");
    assert!(render_json(&report).contains("\"passed\""));
    assert!(render_junit(&report).contains("<testsuite name=\"procreg-conformance\""));
    assert!(render_rule_matrix(&report).contains("| LEASE-1 | pass |"));
}
