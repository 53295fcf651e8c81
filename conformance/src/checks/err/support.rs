//! The arranged registry the ERR checks provoke failures on: its ids, scopes and
//! fixture, and the JSON encoding their comparisons use.

use crate::check::CheckFailure;
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    ProcessEventType, ProcessHandleDescriptor, ProcessLease, ProcessRegistration, ProcessScope,
};
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

/// The arranged process: typed, with events, wakes, an ack, a grant and a lease.
pub(super) const P: &str = "job-7";

/// A second arranged process, granted to `s1` with `P`.
pub(super) const Q: &str = "job-8";

/// An id never registered.
pub(super) const GHOST: &str = "job-9";

/// The holder of `P`'s live lease.
pub(super) const HOLDER: &str = "holder";

/// An event type of `P` whose payload must be `{"n": <integer>}`.
pub(super) const TYPED: &str = "typed";

/// Bound on calls that must answer at once.
pub(super) const BOUND: Duration = Duration::from_secs(2);

fn typed_registration(id: &str) -> ProcessRegistration {
    let schema = json!({ "type": "object", "required": ["n"],
                         "properties": { "n": { "type": "integer" } } });
    registration(id).with_extra_event_types([ProcessEventType::new(TYPED).with_schema(schema)])
}

pub(super) fn s1() -> ProcessScope {
    session("s1")
}

pub(super) fn s2() -> ProcessScope {
    session("s2")
}

/// `P` (typed) with a note, a note keyed `k1`, two wakes (the second acked),
/// `P` and `Q` granted to `s1`, and a live lease of [`HOLDER`] (fencing
/// token 2) that superseded `old`'s, returned. Time then moves on, so a
/// stray write would carry a new timestamp.
pub(super) async fn arranged(
    cx: &CheckContext<'_>,
    rule: &str,
) -> Result<ProcessLease, CheckFailure> {
    let registry = cx.registry();
    let registered = registry.register_process(typed_registration(P)).await;
    cx.ok(rule, &format!("register_process({P})"), registered)?;
    let registered = registry.register_process(registration(Q)).await;
    cx.ok(rule, &format!("register_process({Q})"), registered)?;
    for request in [
        note(json!({ "n": 1 })),
        note(json!({ "n": 2 })).with_replay_key("k1"),
        wake("first", &s1()),
        wake("second", &s1()),
    ] {
        let what = format!("append_event({P}, {})", request.event_type);
        cx.ok(rule, &what, registry.append_event(P, request).await)?;
    }
    cx.ok(
        rule,
        &format!("ack_wake({P}, 4)"),
        registry.ack_wake(P, 4).await,
    )?;
    for id in [P, Q] {
        let granted = registry
            .grant_handle(&s1(), id, ProcessHandleDescriptor::labelled(id))
            .await;
        cx.ok(rule, &format!("grant_handle(s1, {id})"), granted)?;
    }
    let old = registry.claim_process_lease(P, "old", 50).await;
    let old = cx.ok(rule, &format!("claim_process_lease({P}, old, 50)"), old)?;
    cx.advance(60).await;
    let holder = registry.claim_process_lease(P, HOLDER, 1_000_000).await;
    cx.ok(rule, &format!("claim_process_lease({P}, {HOLDER})"), holder)?;
    cx.advance(5).await;
    Ok(old)
}

pub(super) fn encoded<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|error| json!(format!("<unserialisable: {error}>")))
}
