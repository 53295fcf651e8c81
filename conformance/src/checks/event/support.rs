//! Snapshot and append helpers shared by the EVENT, REPLAY, WAKE and TERM checks.

use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use procreg::{
    ErrorKind, ProcessEvent, ProcessEventAppendRequest, ProcessEventAppendResult, ProcessRecord,
    ProcessRegistration, RegistryError, PROCESS_COMPLETED,
};
use serde_json::{json, Value};

/// The record and whole log of a process, as read before a call.
pub(crate) type Snapshot = (ProcessRecord, Vec<ProcessEvent>);

/// The sequences of `events`, in order.
pub(crate) fn sequences(events: &[ProcessEvent]) -> Vec<u64> {
    events.iter().map(|event| event.sequence).collect()
}

/// `append_event(id, type, payload, key, target)` for failure messages.
pub(crate) fn describe_append(id: &str, request: &ProcessEventAppendRequest) -> String {
    let mut payload = request.payload.to_string();
    if payload.len() > 80 {
        let mut cut = 80;
        while !payload.is_char_boundary(cut) {
            cut -= 1;
        }
        payload.truncate(cut);
        payload.push_str("...");
    }
    let mut text = format!("append_event({id}, {} {payload}", request.event_type);
    if let Some(key) = &request.replay_key {
        text.push_str(&format!(", key {key:?}"));
    }
    if let Some(target) = &request.wake_target_scope {
        text.push_str(&format!(", target {}", target.id()));
    }
    text.push(')');
    text
}

/// Registers `registration`, asserting success under `rule`.
pub(crate) async fn register(
    cx: &CheckContext<'_>,
    rule: &str,
    registration: ProcessRegistration,
) -> Result<ProcessRecord, CheckFailure> {
    let what = format!("register_process({})", registration.id);
    cx.ok(
        rule,
        &what,
        cx.registry().register_process(registration).await,
    )
}

/// Appends `request` to `id`, asserting success under `rule`.
pub(crate) async fn append(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    request: ProcessEventAppendRequest,
) -> Result<ProcessEventAppendResult, CheckFailure> {
    let what = describe_append(id, &request);
    cx.ok(rule, &what, cx.registry().append_event(id, request).await)
}

/// Appends `request` to `id`, asserting it fails with `kind` and a message
/// containing `substring` (under `rule`).
pub(crate) async fn append_fails(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    request: ProcessEventAppendRequest,
    kind: ErrorKind,
    substring: &str,
) -> Result<RegistryError, CheckFailure> {
    let what = describe_append(id, &request);
    let result = cx.registry().append_event(id, request).await;
    cx.err_containing(rule, &what, result, kind, substring)
}

/// The record and the whole log of `id`.
pub(crate) async fn snapshot(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
) -> Result<Snapshot, CheckFailure> {
    let record = cx.some(
        rule,
        &format!("get_process({id})"),
        cx.registry().get_process(id).await,
    )?;
    let events = cx.ok(
        rule,
        &format!("events_after({id}, 0)"),
        cx.registry().events_after(id, 0).await,
    )?;
    Ok((record, events))
}

/// Asserts that `id` still has the record and log of `before` after `call`.
pub(crate) async fn ensure_unchanged(
    cx: &CheckContext<'_>,
    rule: &str,
    call: &str,
    id: &str,
    before: &Snapshot,
) -> CheckResult {
    let (record, events) = snapshot(cx, rule, id).await?;
    let what = |part: &str| format!("{part} of {id} after {call} (must be unchanged)");
    cx.ensure_eq(
        rule,
        &what("event sequences"),
        &sequences(&before.1),
        &sequences(&events),
    )?;
    cx.ensure_eq(rule, &what("events"), &before.1, &events)?;
    cx.ensure_eq(rule, &what("record"), &before.0, &record)
}

/// A `process.completed` request carrying a success with `value`, under `key`.
pub(crate) fn completed(value: Value, key: &str) -> ProcessEventAppendRequest {
    ProcessEventAppendRequest::new(
        PROCESS_COMPLETED,
        json!({"await_output": {"type": "success", "value": value}}),
    )
    .with_replay_key(key)
}
