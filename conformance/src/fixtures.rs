//! Small builders checks share: registrations, requests and scopes with readable names.

use procreg::{
    ProcessEventAppendRequest, ProcessEventType, ProcessInput, ProcessRegistration, ProcessScope,
    ProcessValueSelector, ProcessWakeSpec,
};
use serde_json::{json, Value};

/// A plain event type every fixture registration declares.
pub const NOTE: &str = "note";
/// A wake event type (input from `/message`) every fixture registration declares.
pub const WAKE: &str = "wake";

/// A registration of `id`: core types plus [`NOTE`] and [`WAKE`].
pub fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({ "job": id })))
        .with_extra_event_types([
            ProcessEventType::new(NOTE),
            ProcessEventType::wake(
                WAKE,
                ProcessWakeSpec::new(ProcessValueSelector::pointer("/message")),
            ),
        ])
}

/// An unkeyed [`NOTE`] event.
pub fn note(payload: Value) -> ProcessEventAppendRequest {
    ProcessEventAppendRequest::new(NOTE, payload)
}

/// A [`WAKE`] event carrying `message`, targeted at `target`.
pub fn wake(message: &str, target: &ProcessScope) -> ProcessEventAppendRequest {
    ProcessEventAppendRequest::new(WAKE, json!({ "message": message }))
        .with_wake_target(target.clone())
}

/// The session scope `s`.
pub fn session(id: &str) -> ProcessScope {
    ProcessScope::session(id)
}

/// Owned process ids, as `transfer_handle_grants` takes them.
pub fn ids(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}
