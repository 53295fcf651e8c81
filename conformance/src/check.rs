//! What a check is: a stable id, the rules it covers, its level and needs, and an async body.

use crate::context::CheckContext;
use procreg::{Capabilities, ClockControl, ErrorTyping};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// How binding a rule is (docs/spec.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// A violation fails the suite.
    Must,
    /// A violation is a warning unless the suite runs strict.
    Should,
}

impl Level {
    /// `MUST` or `SHOULD`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
        }
    }
}

/// Capabilities a check needs; missing ones skip it with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Needs {
    /// Exact control of time through an injected `ManualClock`.
    pub injected_clock: bool,
    /// Typed errors (`ErrorKind`), to compare kinds and messages.
    pub typed_errors: bool,
    /// Blocking `wait_event_after` / `await_process`.
    pub blocking_waits: bool,
    /// A second handle on the same storage.
    pub reopen: bool,
    /// Several live handles on one store at once.
    pub handles: bool,
}

impl Needs {
    /// Nothing beyond the trait.
    pub const NONE: Needs = Needs {
        injected_clock: false,
        typed_errors: false,
        blocking_waits: false,
        reopen: false,
        handles: false,
    };

    /// Adds the injected-clock need.
    pub const fn injected_clock(mut self) -> Self {
        self.injected_clock = true;
        self
    }

    /// Adds the typed-errors need.
    pub const fn typed_errors(mut self) -> Self {
        self.typed_errors = true;
        self
    }

    /// Adds the blocking-waits need.
    pub const fn blocking_waits(mut self) -> Self {
        self.blocking_waits = true;
        self
    }

    /// Adds the reopen need.
    pub const fn reopen(mut self) -> Self {
        self.reopen = true;
        self
    }

    /// Adds the need for several live handles on one store.
    pub const fn handles(mut self) -> Self {
        self.handles = true;
        self
    }

    /// Why a backend with `capabilities` cannot run a check with these
    /// needs, or `None` when it can.
    pub fn missing(&self, capabilities: &Capabilities) -> Option<String> {
        let mut missing = Vec::new();
        if self.injected_clock && capabilities.clock != ClockControl::Injected {
            missing.push("an injected clock (the backend declares wall-clock time only)");
        }
        if self.typed_errors && capabilities.errors != ErrorTyping::Typed {
            missing.push("typed errors (the backend declares untyped errors)");
        }
        if self.blocking_waits && !capabilities.blocking_waits {
            missing.push("blocking waits (the backend declares none)");
        }
        if self.reopen && !capabilities.reopen {
            missing.push("reopen (the backend declares no durable storage to reopen)");
        }
        if self.handles && !(capabilities.handles && capabilities.reopen) {
            missing.push(
                "several live handles on one store (the backend declares no Capabilities::handles)",
            );
        }
        (!missing.is_empty()).then(|| format!("needs {}", missing.join(" and ")))
    }
}

/// Why a check failed: the rule it was checking and what was expected and observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckFailure {
    /// The violated rule id (`LEASE-4`), or `SUITE` for harness failures.
    pub rule: String,
    /// Expected versus observed, naming the process and the call.
    pub message: String,
}

impl std::fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.rule, self.message)
    }
}

/// The result of a check body.
pub type CheckResult = Result<(), CheckFailure>;

/// The future a check body returns.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = CheckResult> + Send + 'a>>;

/// The body of a check.
pub type CheckBody = for<'a> fn(CheckContext<'a>) -> CheckFuture<'a>;

/// One named, deterministic check of one or more rules.
#[derive(Clone, Copy)]
pub struct Check {
    /// Stable id, a sentence in snake case (`lease_stale_token_cannot_renew`).
    pub id: &'static str,
    /// The rules of docs/spec.md it covers.
    pub rules: &'static [&'static str],
    /// MUST or SHOULD.
    pub level: Level,
    /// Capabilities it needs.
    pub needs: Needs,
    /// The body.
    pub body: CheckBody,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check")
            .field("id", &self.id)
            .field("rules", &self.rules)
            .field("level", &self.level)
            .field("needs", &self.needs)
            .finish_non_exhaustive()
    }
}

impl Check {
    /// The area of its first rule (`LEASE`).
    pub fn area(&self) -> &'static str {
        self.rules
            .first()
            .and_then(|rule| rule.split('-').next())
            .unwrap_or("SUITE")
    }

    /// Whether `term` selects this check: its id or an id prefix, its
    /// area, or one of its rule ids (case-insensitive).
    pub fn matches(&self, term: &str) -> bool {
        let term = term.trim();
        if term.is_empty() {
            return false;
        }
        let lower = term.to_ascii_lowercase();
        self.id.starts_with(&lower)
            || self.area().eq_ignore_ascii_case(term)
            || self
                .rules
                .iter()
                .any(|rule| rule.eq_ignore_ascii_case(term))
    }
}
