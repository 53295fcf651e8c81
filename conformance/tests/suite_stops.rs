//! A backend that dies mid-run stops the suite at the check where it died,
//! instead of failing every later check; an observer sees every check.

use async_trait::async_trait;
use procreg::{Clock, ProcessRegistry, RegistryError, RegistryResult};
use procreg_conformance::{
    run_suite, Check, CheckReport, RegistryFactory, SuiteConfig, SuiteObserver,
};
use procreg_memory::MemoryRegistry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Hands out `lives` registries, then refuses every request.
struct DiesAfter {
    lives: usize,
    created: AtomicUsize,
}

#[async_trait]
impl RegistryFactory for DiesAfter {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        if self.created.fetch_add(1, Ordering::SeqCst) >= self.lives {
            return Err(RegistryError::backend("connection refused"));
        }
        Ok(Arc::new(MemoryRegistry::new(clock)))
    }
}

#[derive(Default)]
struct Seen {
    total: usize,
    started: Vec<String>,
    finished: usize,
}

impl SuiteObserver for Seen {
    fn suite_started(&mut self, total: usize) {
        self.total = total;
    }
    fn check_started(&mut self, check: &Check) {
        self.started.push(check.id.to_owned());
    }
    fn check_finished(&mut self, _report: &CheckReport) {
        self.finished += 1;
    }
}

fn config() -> SuiteConfig {
    SuiteConfig {
        only: vec!["LEASE".to_owned()],
        ..SuiteConfig::default()
    }
}

#[tokio::test]
async fn a_backend_that_dies_stops_the_suite_where_it_died() {
    let factory = DiesAfter {
        lives: 3,
        created: AtomicUsize::new(0),
    };
    let mut seen = Seen::default();
    let report = run_suite(&factory, &config(), &mut seen).await;
    assert_eq!(
        report.checks.len(),
        4,
        "three passed, the fourth failed, then it stopped"
    );
    let stopped = report.stopped.as_deref().expect("the run stopped");
    assert!(stopped.contains(&report.checks[3].id), "{stopped}");
    assert!(stopped.contains("connection refused"), "{stopped}");
    assert!(!report.is_success());
    assert_eq!(seen.started.len(), 4);
    assert_eq!(seen.finished, 4);
    assert!(seen.total > 4, "the suite had more checks selected");
}

#[tokio::test]
async fn a_healthy_backend_runs_every_selected_check() {
    let mut seen = Seen::default();
    let report = run_suite(&|clock| MemoryRegistry::new(clock), &config(), &mut seen).await;
    assert!(report.stopped.is_none());
    assert_eq!(report.checks.len(), seen.total);
    assert_eq!(
        seen.started,
        report
            .checks
            .iter()
            .map(|check| check.id.clone())
            .collect::<Vec<_>>()
    );
}
