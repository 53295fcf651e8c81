//! What a check body works with: its registry, its clock, the factory (for reopen) and counted assertions.

use crate::check::CheckFailure;
use crate::diff::first_difference;
use procreg::{Capabilities, RegistryFactory};
use procreg::{
    Clock, ErrorKind, ManualClock, ProcessRegistry, RegistryError, RegistryResult, SystemClock,
};
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The clock a check drives: a `ManualClock` for backends that take an
/// injected clock, the wall clock otherwise.
#[derive(Clone, Debug)]
pub enum CheckClock {
    /// Time moves only when the check says so.
    Manual(ManualClock),
    /// Real time; advancing waits (bounded) for it to pass.
    Wall,
}

pub use procreg_model::CHECK_START_MS;

impl CheckClock {
    /// The clock to hand to the backend.
    pub fn as_clock(&self) -> Arc<dyn Clock> {
        match self {
            CheckClock::Manual(clock) => Arc::new(clock.clone()),
            CheckClock::Wall => Arc::new(SystemClock),
        }
    }

    /// The current reading.
    pub fn now_ms(&self) -> u64 {
        match self {
            CheckClock::Manual(clock) => clock.now_ms(),
            CheckClock::Wall => SystemClock.now_ms(),
        }
    }

    /// Lets `delta_ms` pass: instantly on a manual clock; on the wall clock,
    /// polls until the reading has moved that far (bounded by the check timeout).
    pub async fn advance(&self, delta_ms: u64) {
        match self {
            CheckClock::Manual(clock) => {
                clock.advance(delta_ms);
            }
            CheckClock::Wall => {
                let target = SystemClock.now_ms().saturating_add(delta_ms);
                while SystemClock.now_ms() <= target {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        }
    }
}

/// Everything a check body needs. Every assertion helper counts itself, so
/// the runner can fail a check that asserted nothing.
pub struct CheckContext<'a> {
    registry: Arc<dyn ProcessRegistry>,
    clock: CheckClock,
    factory: &'a dyn RegistryFactory,
    capabilities: Capabilities,
    assertions: Arc<AtomicUsize>,
    step: Arc<Mutex<String>>,
}

fn render<T: Serialize + ?Sized>(value: &T) -> String {
    let text =
        serde_json::to_string(value).unwrap_or_else(|error| format!("<unserialisable: {error}>"));
    const LIMIT: usize = 400;
    if text.len() > LIMIT {
        let mut cut = LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}... ({} bytes)", &text[..cut], text.len())
    } else {
        text
    }
}

fn render_error(error: &RegistryError) -> String {
    format!("error {} (\"{}\")", error.kind, error.message)
}

impl<'a> CheckContext<'a> {
    pub(crate) fn new(
        registry: Arc<dyn ProcessRegistry>,
        clock: CheckClock,
        factory: &'a dyn RegistryFactory,
        capabilities: Capabilities,
        assertions: Arc<AtomicUsize>,
        step: Arc<Mutex<String>>,
    ) -> Self {
        Self {
            registry,
            clock,
            factory,
            capabilities,
            assertions,
            step,
        }
    }

    /// The registry under test.
    pub fn registry(&self) -> &Arc<dyn ProcessRegistry> {
        &self.registry
    }

    /// A clone of the registry handle, for spawned tasks.
    pub fn shared_registry(&self) -> Arc<dyn ProcessRegistry> {
        Arc::clone(&self.registry)
    }

    /// What the backend declared.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// The check's clock.
    pub fn clock(&self) -> &CheckClock {
        &self.clock
    }

    /// The manual clock, for checks that declare `Needs::injected_clock`
    /// (they may set time back or read exact values).
    pub fn manual_clock(&self) -> Result<ManualClock, CheckFailure> {
        match &self.clock {
            CheckClock::Manual(clock) => Ok(clock.clone()),
            CheckClock::Wall => Err(failure(
                "SUITE",
                "the check needs an injected clock but runs on the wall clock (declare the need)",
            )),
        }
    }

    /// The clock's current reading.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Lets `delta_ms` of registry time pass.
    pub async fn advance(&self, delta_ms: u64) {
        self.step(format!("letting {delta_ms} ms pass"));
        self.clock.advance(delta_ms).await;
    }

    /// Records what the check is doing, so a timeout can say what it was waiting for.
    pub fn step(&self, description: impl Into<String>) {
        let mut step = self
            .step
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *step = description.into();
    }

    /// Replaces the registry under test with a second handle on the same
    /// storage, as after a restart (needs `reopen`).
    pub async fn reopen(&mut self) -> Result<(), CheckFailure> {
        self.step("reopening the registry");
        let reopened = self
            .factory
            .reopen(&self.registry, self.clock.as_clock())
            .await
            .map_err(|error| {
                failure("SUITE", format!("reopen failed: {}", render_error(&error)))
            })?;
        self.registry = reopened;
        Ok(())
    }

    /// `count` handles on the store under test, the registry under test
    /// first, the others opened through the factory's `reopen` while it
    /// stays in use (needs `handles`).
    pub async fn handles(
        &self,
        count: usize,
    ) -> Result<Vec<Arc<dyn ProcessRegistry>>, CheckFailure> {
        self.step(format!("opening {count} handles on one store"));
        let mut handles = vec![Arc::clone(&self.registry)];
        while handles.len() < count {
            let handle = self
                .factory
                .reopen(&self.registry, self.clock.as_clock())
                .await
                .map_err(|error| {
                    failure(
                        "SUITE",
                        format!("opening another handle failed: {}", render_error(&error)),
                    )
                })?;
            handles.push(handle);
        }
        Ok(handles)
    }

    fn count(&self) {
        self.assertions.fetch_add(1, Ordering::Relaxed);
    }

    /// Asserts `condition`, failing with `rule` and `describe()`.
    pub fn ensure(
        &self,
        rule: &str,
        condition: bool,
        describe: impl FnOnce() -> String,
    ) -> Result<(), CheckFailure> {
        self.count();
        if condition {
            Ok(())
        } else {
            Err(failure(rule, describe()))
        }
    }

    /// Asserts `observed == expected`, naming `what`.
    pub fn ensure_eq<T: PartialEq + Serialize + ?Sized>(
        &self,
        rule: &str,
        what: &str,
        expected: &T,
        observed: &T,
    ) -> Result<(), CheckFailure> {
        self.ensure(rule, observed == expected, || {
            let expected_json = serde_json::to_value(expected).unwrap_or(serde_json::Value::Null);
            let observed_json = serde_json::to_value(observed).unwrap_or(serde_json::Value::Null);
            match first_difference(&expected_json, &observed_json) {
                Some(difference) if !difference.path.is_empty() => format!(
                    "{what}: differs at `{}`: expected {}, observed {} (whole value: expected {}, observed {})",
                    difference.path,
                    render(&difference.expected),
                    render(&difference.observed),
                    render(expected),
                    render(observed)
                ),
                _ => format!("{what}: expected {}, observed {}", render(expected), render(observed)),
            }
        })
    }

    /// Asserts `observed != unexpected`, naming `what`.
    pub fn ensure_ne<T: PartialEq + Serialize + ?Sized>(
        &self,
        rule: &str,
        what: &str,
        unexpected: &T,
        observed: &T,
    ) -> Result<(), CheckFailure> {
        self.ensure(rule, observed != unexpected, || {
            format!(
                "{what}: expected anything but {}, observed it",
                render(unexpected)
            )
        })
    }

    /// Asserts the call succeeded and returns its value.
    pub fn ok<T>(
        &self,
        rule: &str,
        what: &str,
        result: RegistryResult<T>,
    ) -> Result<T, CheckFailure> {
        self.count();
        result.map_err(|error| {
            failure(
                rule,
                format!(
                    "{what}: expected success, observed {}",
                    render_error(&error)
                ),
            )
        })
    }

    /// Asserts the option holds a value and returns it.
    pub fn some<T>(&self, rule: &str, what: &str, value: Option<T>) -> Result<T, CheckFailure> {
        self.count();
        value.ok_or_else(|| failure(rule, format!("{what}: expected a value, observed none")))
    }

    /// Asserts the call failed with `kind` (only that it failed, for untyped backends).
    pub fn err<T: Serialize>(
        &self,
        rule: &str,
        what: &str,
        result: RegistryResult<T>,
        kind: ErrorKind,
    ) -> Result<RegistryError, CheckFailure> {
        self.count();
        match result {
            Ok(value) => Err(failure(
                rule,
                format!(
                    "{what}: expected error {kind}, observed success {}",
                    render(&value)
                ),
            )),
            Err(error) if self.typed() && error.kind != kind => Err(failure(
                rule,
                format!(
                    "{what}: expected error {kind}, observed {}",
                    render_error(&error)
                ),
            )),
            Err(error) => Ok(error),
        }
    }

    /// Like [`err`](Self::err), and the message must contain `substring` (typed backends only).
    pub fn err_containing<T: Serialize>(
        &self,
        rule: &str,
        what: &str,
        result: RegistryResult<T>,
        kind: ErrorKind,
        substring: &str,
    ) -> Result<RegistryError, CheckFailure> {
        let error = self.err(rule, what, result, kind)?;
        if self.typed() {
            self.ensure(rule, error.message.contains(substring), || {
                format!(
                    "{what}: expected the message to contain {substring:?}, observed {:?}",
                    error.message
                )
            })?;
        }
        Ok(error)
    }

    fn typed(&self) -> bool {
        self.capabilities.errors == procreg::ErrorTyping::Typed
    }
}

/// A failure of `rule` with `message`.
pub fn failure(rule: &str, message: impl Into<String>) -> CheckFailure {
    CheckFailure {
        rule: rule.to_owned(),
        message: message.into(),
    }
}
