//! The conformance suite for `ProcessRegistry` backends: one check per rule of docs/spec.md.
//!
//! A backend author implements [`RegistryFactory`] (a closure is enough),
//! then runs [`run_suite`] or expands [`registry_conformance_tests!`] in a
//! test file. Every check runs on a fresh registry, is bounded by a
//! timeout, counts its assertions, and fails naming the rule with the
//! expected and observed values.

mod catalogue;
mod check;
mod checks;
mod context;
mod diff;
pub mod fixtures;
mod macros;
mod observer;
pub mod render;
mod report;
mod runner;
pub mod transcript;
mod unwind;
mod virtual_time;

pub use catalogue::all_checks;
pub use check::{Check, CheckBody, CheckFailure, CheckFuture, CheckResult, Level, Needs};
pub use context::{failure, CheckClock, CheckContext, CHECK_START_MS};
pub use macros::__run_conformance_harness;
pub use observer::SuiteObserver;
pub use procreg::{Capabilities, ClockControl, ErrorTyping, RegistryFactory, StoreMap};
pub use procreg_model::{adversarial, linearizability, machine, model};
pub use report::{CheckReport, Counts, Outcome, SuiteReport};
pub use runner::{
    backend_alive, run_check, run_check_by_id, run_suite, SuiteConfig, ALIVE_PROBE_TIMEOUT,
};

/// The backend guide (`docs/backend-guide.md`); its Rust examples run as doc-tests.
#[doc = include_str!("../../docs/backend-guide.md")]
pub mod backend_guide {}
