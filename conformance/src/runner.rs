//! Running checks: fresh registry per check, capability skips, timeouts, panics caught, assertions counted.

use crate::catalogue::all_checks;
use crate::check::{Check, Level};
use crate::context::{failure, CheckClock, CheckContext, CHECK_START_MS};
use crate::observer::SuiteObserver;
use crate::report::{CheckReport, Outcome, SuiteReport};
use crate::unwind::catch_unwind;
use crate::virtual_time;
use procreg::{ClockControl, RegistryFactory};
use procreg::{ManualClock, RegistryResult};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which checks run and how strictly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteConfig {
    /// Run only checks matching one of these terms (an id or id prefix, an
    /// area like `LEASE`, or a rule id like `LEASE-4`); empty runs all.
    pub only: Vec<String>,
    /// Count SHOULD violations as failures.
    pub strict: bool,
    /// Upper bound on one check, registry creation included.
    pub check_timeout: Duration,
}

impl Default for SuiteConfig {
    fn default() -> Self {
        Self {
            only: Vec::new(),
            strict: false,
            check_timeout: Duration::from_secs(10),
        }
    }
}

impl SuiteConfig {
    /// The default configuration with `strict` on.
    pub fn strict() -> Self {
        Self {
            strict: true,
            ..Self::default()
        }
    }

    /// Whether `check` is selected.
    pub fn selects(&self, check: &Check) -> bool {
        self.only.is_empty() || self.only.iter().any(|term| check.matches(term))
    }
}

/// Runs every selected check against fresh registries from `factory`,
/// telling `observer` as each check starts and ends (`&mut ()` for none).
///
/// After a failed check the backend must still hand out a fresh registry
/// within [`ALIVE_PROBE_TIMEOUT`]; when it cannot, it died mid-run, and the
/// suite stops there with [`SuiteReport::stopped`] naming the check,
/// instead of reporting every later check as a rule failure.
pub async fn run_suite<F: RegistryFactory>(
    factory: &F,
    config: &SuiteConfig,
    observer: &mut dyn SuiteObserver,
) -> SuiteReport {
    let selected: Vec<Check> = all_checks()
        .into_iter()
        .filter(|check| config.selects(check))
        .collect();
    observer.suite_started(selected.len());
    let mut checks = Vec::with_capacity(selected.len());
    let mut stopped = None;
    for check in &selected {
        observer.check_started(check);
        let report = run_check(factory, check, config).await;
        observer.check_finished(&report);
        let failed = !report.is_ok();
        checks.push(report);
        if failed {
            if let Err(error) = backend_alive(factory).await {
                stopped = Some(format!("the backend died at check {}: {error}", check.id));
                break;
            }
        }
    }
    SuiteReport {
        strict: config.strict,
        capabilities: factory.capabilities(),
        checks,
        stopped,
    }
}

/// How long a backend gets to hand out a fresh registry when a failure
/// raises the question whether it is still alive.
pub const ALIVE_PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `factory` still hands out a fresh registry within
/// [`ALIVE_PROBE_TIMEOUT`]; the error says why not.
pub async fn backend_alive<F: RegistryFactory>(factory: &F) -> Result<(), String> {
    let clock = Arc::new(ManualClock::new(0));
    match tokio::time::timeout(ALIVE_PROBE_TIMEOUT, factory.create(clock)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!(
            "no registry within {} ms",
            ALIVE_PROBE_TIMEOUT.as_millis()
        )),
    }
}

/// Runs the check with `id`, or `None` when no check has that id.
pub async fn run_check_by_id<F: RegistryFactory>(
    factory: &F,
    id: &str,
    config: &SuiteConfig,
) -> Option<CheckReport> {
    let check = all_checks().into_iter().find(|check| check.id == id)?;
    Some(run_check(factory, &check, config).await)
}

/// Runs one check on a fresh registry and classifies its outcome.
pub async fn run_check<F: RegistryFactory>(
    factory: &F,
    check: &Check,
    config: &SuiteConfig,
) -> CheckReport {
    let outcome = outcome_of(factory, check, config).await;
    CheckReport {
        id: check.id.to_owned(),
        area: check.area().to_owned(),
        rules: check.rules.iter().map(|rule| (*rule).to_owned()).collect(),
        level: check.level,
        outcome,
    }
}

async fn outcome_of<F: RegistryFactory>(
    factory: &F,
    check: &Check,
    config: &SuiteConfig,
) -> Outcome {
    let capabilities = factory.capabilities();
    if let Some(reason) = check.needs.missing(&capabilities) {
        return Outcome::Skipped { reason };
    }
    let clock = match capabilities.clock {
        ClockControl::Injected => CheckClock::Manual(ManualClock::new(CHECK_START_MS)),
        ClockControl::WallOnly => CheckClock::Wall,
    };
    let assertions = Arc::new(AtomicUsize::new(0));
    let step = Arc::new(Mutex::new("creating the registry".to_owned()));
    let run = async {
        let registry: RegistryResult<_> = factory.create(clock.as_clock()).await;
        let registry = registry
            .map_err(|error| failure("SUITE", format!("the backend failed to start: {error}")))?;
        let by_ref = ByRef(factory);
        let context = CheckContext::new(
            registry,
            clock,
            &by_ref,
            capabilities,
            Arc::clone(&assertions),
            Arc::clone(&step),
        );
        (check.body)(context).await
    };
    let check_timeout = config.check_timeout;
    let bounded = async move { tokio::time::timeout(check_timeout, catch_unwind(run)).await };
    let finished = if capabilities.inline_calls {
        virtual_time::block_on(bounded)
            .map_err(|error| failure("SUITE", format!("the check could not run: {error}")))
    } else {
        Ok(bounded.await)
    };
    let result = match finished {
        Err(failure) => Err(failure),
        Ok(Err(_elapsed)) => {
            let waiting_for = step.lock().map(|step| step.clone()).unwrap_or_default();
            Err(failure(
                check.rules.first().copied().unwrap_or("SUITE"),
                format!(
                    "timed out after {} ms while {waiting_for}",
                    config.check_timeout.as_millis()
                ),
            ))
        }
        Ok(Ok(Err(panic_message))) => Err(failure(
            "SUITE",
            format!("the check panicked: {panic_message}"),
        )),
        Ok(Ok(Ok(result))) => result,
    };
    match result {
        Ok(()) if assertions.load(Ordering::Relaxed) == 0 => Outcome::Failed {
            rule: "SUITE".to_owned(),
            message: "the check asserted nothing (a suite bug: no check may pass vacuously)"
                .to_owned(),
        },
        Ok(()) => Outcome::Passed {
            assertions: assertions.load(Ordering::Relaxed),
        },
        Err(failure)
            if check.level == Level::Should && !config.strict && failure.rule != "SUITE" =>
        {
            Outcome::Warned {
                rule: failure.rule,
                message: failure.message,
            }
        }
        Err(failure) => Outcome::Failed {
            rule: failure.rule,
            message: failure.message,
        },
    }
}

/// Lends a generic factory to checks as a trait object.
struct ByRef<'a, F>(&'a F);

#[async_trait::async_trait]
impl<F: RegistryFactory> RegistryFactory for ByRef<'_, F> {
    async fn create(
        &self,
        clock: Arc<dyn procreg::Clock>,
    ) -> RegistryResult<Arc<dyn procreg::ProcessRegistry>> {
        self.0.create(clock).await
    }

    async fn reopen(
        &self,
        previous: &Arc<dyn procreg::ProcessRegistry>,
        clock: Arc<dyn procreg::Clock>,
    ) -> RegistryResult<Arc<dyn procreg::ProcessRegistry>> {
        self.0.reopen(previous, clock).await
    }

    fn capabilities(&self) -> procreg::Capabilities {
        self.0.capabilities()
    }
}
