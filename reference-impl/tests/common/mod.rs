//! Shared fixtures for the rule tests: a registry on a manual clock and small builders.
#![allow(dead_code)]

use procreg::{
    ManualClock, ProcessEventAppendRequest, ProcessEventType, ProcessInput, ProcessRecord,
    ProcessRegistration, ProcessRegistry, ProcessScope, ProcessValueSelector, ProcessWakeSpec,
    RegistryError,
};
use procreg_memory::MemoryRegistry;
use serde_json::{json, Value};
use std::sync::Arc;

/// The clock reading every fixture registry starts at.
pub const START_MS: u64 = 1_000;

/// A fresh registry on a manual clock reading [`START_MS`], and that clock.
pub fn registry() -> (MemoryRegistry, ManualClock) {
    let clock = ManualClock::new(START_MS);
    (MemoryRegistry::new(Arc::new(clock.clone())), clock)
}

/// A registration of `id` with the core types plus `note` (plain) and `wake`
/// (a wake type whose input is `/message`).
pub fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({ "job": id })))
        .with_extra_event_types([
            ProcessEventType::new("note"),
            ProcessEventType::wake(
                "wake",
                ProcessWakeSpec::new(ProcessValueSelector::pointer("/message")),
            ),
        ])
}

/// Registers [`registration`]`(id)` and returns the record.
pub async fn register(registry: &dyn ProcessRegistry, id: &str) -> ProcessRecord {
    registry
        .register_process(registration(id))
        .await
        .expect("fixture registration is valid")
}

/// An unkeyed `note` event with `payload`.
pub fn note(payload: Value) -> ProcessEventAppendRequest {
    ProcessEventAppendRequest::new("note", payload)
}

/// A `wake` event carrying `message`, targeted at session `s1`.
pub fn wake(message: &str) -> ProcessEventAppendRequest {
    ProcessEventAppendRequest::new("wake", json!({ "message": message }))
        .with_wake_target(ProcessScope::session("s1"))
}

/// Asserts `result` failed with `kind` and returns the error.
#[track_caller]
pub fn expect_kind<T: std::fmt::Debug>(
    result: Result<T, RegistryError>,
    kind: procreg::ErrorKind,
) -> RegistryError {
    match result {
        Ok(value) => panic!("expected a {kind} error, got Ok({value:?})"),
        Err(error) => {
            assert_eq!(error.kind, kind, "unexpected error: {error}");
            error
        }
    }
}
