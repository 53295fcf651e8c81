//! ERR-3: failed calls leave no trace: registrations, appends, terminal writes,
//! transfers and lease calls.

use super::support::{arranged, encoded, s1, s2, GHOST, HOLDER, P, Q, TYPED};
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::{note, registration, wake, NOTE, WAKE};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessLease,
    RegistryResult,
};
use serde::Serialize;
use serde_json::{json, Value};

/// Everything observable about the arranged processes and scopes, part by part.
async fn snapshot(cx: &CheckContext<'_>) -> Vec<(String, Value)> {
    let registry = cx.registry();
    let mut parts = Vec::new();
    for id in [P, Q, GHOST] {
        parts.push((
            format!("get_process({id})"),
            encoded(&registry.get_process(id).await),
        ));
    }
    for id in [P, Q] {
        let events = registry.events_after(id, 0).await;
        parts.push((format!("events_after({id}, 0)"), encoded(&events)));
        let wakes = registry.wake_events_after(id, 0).await;
        parts.push((format!("wake_events_after({id}, 0)"), encoded(&wakes)));
        let grants = registry.handle_grants_for_process(id).await;
        parts.push((format!("handle_grants_for_process({id})"), encoded(&grants)));
    }
    for (name, scope) in [("s1", s1()), ("s2", s2())] {
        let listed = registry.list_handle_grants(&scope).await;
        parts.push((format!("list_handle_grants({name})"), encoded(&listed)));
    }
    let sweep = registry.list_non_terminal().await;
    parts.push(("list_non_terminal()".to_owned(), encoded(&sweep)));
    // Refused while HOLDER's lease is live (LeaseHeld, or AlreadyTerminal once
    // P ended): it reports the holder and expiry and changes nothing.
    let probe = registry.claim_process_lease(P, "probe", 1).await;
    parts.push((
        format!("the lease of {P}, as a refused probe claim reports it"),
        encoded(&probe),
    ));
    parts
}

/// Asserts `result` failed and the observable state still equals `before`.
async fn failed_without_trace<T: Serialize>(
    cx: &CheckContext<'_>,
    before: &[(String, Value)],
    what: &str,
    result: RegistryResult<T>,
    kind: ErrorKind,
) -> CheckResult {
    cx.err("ERR-3", what, result, kind)?;
    let after = snapshot(cx).await;
    for ((part, was), (_, now)) in before.iter().zip(&after) {
        let what = format!("{part} after the failed {what} (must be unchanged)");
        cx.ensure_eq("ERR-3", &what, was, now)?;
    }
    Ok(())
}

/// Asserts the holder's re-claim gets fencing token 3: no claim slipped in.
async fn no_fencing_token_consumed(cx: &CheckContext<'_>) -> CheckResult {
    let reclaimed = cx
        .registry()
        .claim_process_lease(P, HOLDER, 1_000_000)
        .await;
    let what = format!("claim_process_lease({P}, {HOLDER}) after the failed calls");
    let reclaimed = cx.ok("ERR-3", &what, reclaimed)?;
    cx.ensure_eq(
        "ERR-3",
        &format!("fencing token of {what}"),
        &3,
        &reclaimed.fencing_token,
    )
}

/// ERR-3: conflicting and invalid registrations change nothing.
pub(super) async fn failed_registrations_leave_no_trace(cx: CheckContext<'_>) -> CheckResult {
    arranged(&cx, "ERR-3").await?;
    let registry = cx.registry();
    let before = snapshot(&cx).await;
    let result = registry.register_process(registration(P)).await;
    let what = format!("register_process({P}) with other content");
    failed_without_trace(&cx, &before, &what, result, ErrorKind::RegistrationConflict).await?;
    let duplicate = registration(GHOST).with_extra_event_types([ProcessEventType::new(NOTE)]);
    let result = registry.register_process(duplicate).await;
    let what = format!("register_process({GHOST}) declaring note twice");
    failed_without_trace(&cx, &before, &what, result, ErrorKind::InvalidRegistration).await?;
    let result = registry.register_process(registration("   ")).await;
    let what = "register_process(\"   \")";
    failed_without_trace(&cx, &before, what, result, ErrorKind::InvalidRegistration).await?;
    no_fencing_token_consumed(&cx).await
}

/// ERR-3: appends failing for every reason persist nothing and bind no key.
pub(super) async fn failed_appends_leave_no_trace(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-3";
    arranged(&cx, RULE).await?;
    let registry = cx.registry();
    let before = snapshot(&cx).await;
    let completed = json!({ "await_output": { "type": "success", "value": 1 } });
    let failures = [
        (
            P,
            ProcessEventAppendRequest::new("nope", json!({})).with_replay_key("k2"),
            "an undeclared type",
            ErrorKind::UndeclaredEvent,
        ),
        (
            P,
            ProcessEventAppendRequest::new("process.completed", completed),
            "an unkeyed process.completed",
            ErrorKind::ReplayKeyRequired,
        ),
        (
            P,
            ProcessEventAppendRequest::new(TYPED, json!({ "n": "x" })).with_replay_key("k2"),
            "typed off its schema under key k2",
            ErrorKind::InvalidPayload,
        ),
        (
            P,
            ProcessEventAppendRequest::new(WAKE, json!({}))
                .with_wake_target(s1())
                .with_replay_key("k2"),
            "a wake without /message under key k2",
            ErrorKind::InvalidPayload,
        ),
        (
            P,
            ProcessEventAppendRequest::new(WAKE, json!({ "message": "m" })).with_replay_key("k2"),
            "an untargeted wake under key k2",
            ErrorKind::MissingWakeTarget,
        ),
        (
            P,
            note(json!({ "n": 99 })).with_replay_key("k1"),
            "a different note under key k1",
            ErrorKind::ReplayConflict,
        ),
        (
            P,
            wake("w", &s1()).with_replay_key("k1"),
            "a wake under note key k1",
            ErrorKind::ReplayConflict,
        ),
        (
            GHOST,
            note(json!({ "n": 1 })),
            "a note to an unknown process",
            ErrorKind::NotFound,
        ),
    ];
    for (id, request, description, kind) in failures {
        let result = registry.append_event(id, request).await;
        let what = format!("append_event({id}, {description})");
        failed_without_trace(&cx, &before, &what, result, kind).await?;
    }
    // No sequence was consumed and key k2 was never bound.
    let next = registry
        .append_event(P, note(json!({ "n": 5 })).with_replay_key("k2"))
        .await;
    let next = cx.ok(RULE, &format!("append_event({P}, note under key k2)"), next)?;
    cx.ensure_eq(
        RULE,
        &format!("sequence of the first persisted append to {P} after the failures"),
        &5,
        &next.event.sequence,
    )?;
    cx.ensure_eq(
        RULE,
        "payload of the note under key k2 (not a replay)",
        &json!({ "n": 5 }),
        &next.event.payload,
    )?;
    no_fencing_token_consumed(&cx).await
}

/// ERR-3: terminal writes refused on a terminal process change nothing.
pub(super) async fn already_terminal_leaves_no_trace(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-3";
    arranged(&cx, RULE).await?;
    let registry = cx.registry();
    let done = registry
        .complete_process(P, ProcessAwaitOutput::success(json!("done")))
        .await;
    cx.ok(RULE, &format!("complete_process({P}, success)"), done)?;
    cx.advance(5).await;
    let before = snapshot(&cx).await;
    let result = registry
        .complete_process(P, ProcessAwaitOutput::failure("execution", "x", "late"))
        .await;
    let what = format!("complete_process({P}, failure) on a completed process");
    failed_without_trace(&cx, &before, &what, result, ErrorKind::AlreadyTerminal).await?;
    let cancelled = ProcessEventAppendRequest::new(
        "process.cancelled",
        json!({ "await_output": { "type": "cancelled", "message": "x" } }),
    )
    .with_replay_key("other-key");
    let result = registry.append_event(P, cancelled).await;
    let what =
        format!("append_event({P}, process.cancelled under a new key) on a completed process");
    failed_without_trace(&cx, &before, &what, result, ErrorKind::AlreadyTerminal).await?;
    let result = registry
        .complete_process(P, ProcessAwaitOutput::success(json!("other")))
        .await;
    let what = format!("complete_process({P}, another success output)");
    failed_without_trace(&cx, &before, &what, result, ErrorKind::ReplayConflict).await?;
    let next = registry
        .append_event(P, note(json!({ "after": "end" })))
        .await;
    let next = cx.ok(
        RULE,
        &format!("append_event({P}, note) after the failures"),
        next,
    )?;
    cx.ensure_eq(
        RULE,
        &format!("sequence of the first append to {P} after the failures"),
        &6,
        &next.event.sequence,
    )
}

/// ERR-3: transfers failing part-way move nothing.
pub(super) async fn failed_transfers_leave_no_trace(cx: CheckContext<'_>) -> CheckResult {
    arranged(&cx, "ERR-3").await?;
    let registry = cx.registry();
    let before = snapshot(&cx).await;
    let transfers = [
        (s1(), s2(), vec![Q, GHOST], "s1, s2, [job-8, job-9]"),
        (s1(), s2(), vec![Q, P, Q], "s1, s2, [job-8, job-7, job-8]"),
        (s2(), s1(), vec![P], "s2, s1, [job-7]"),
    ];
    for (from, to, ids, description) in transfers {
        let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
        let result = registry.transfer_handle_grants(&from, &to, &ids).await;
        let what = format!("transfer_handle_grants({description})");
        failed_without_trace(&cx, &before, &what, result, ErrorKind::GrantMissing).await?;
    }
    no_fencing_token_consumed(&cx).await
}

/// ERR-3: refused claims and renews leave the lease, its expiry and the fencing token alone.
pub(super) async fn failed_lease_calls_leave_no_trace(cx: CheckContext<'_>) -> CheckResult {
    let old = arranged(&cx, "ERR-3").await?;
    let registry = cx.registry();
    let before = snapshot(&cx).await;
    let result = registry.claim_process_lease(P, "intruder", 5_000_000).await;
    let what = format!("claim_process_lease({P}, intruder) while {HOLDER} holds it");
    failed_without_trace(&cx, &before, &what, result, ErrorKind::LeaseHeld).await?;
    let result = registry.renew_process_lease(&old, 5_000_000).await;
    let what = format!("renew_process_lease(old's superseded lease on {P})");
    failed_without_trace(&cx, &before, &what, result, ErrorKind::LeaseLost).await?;
    let forged = ProcessLease {
        owner_id: HOLDER.to_owned(),
        lease_token: format!("{}-forged", old.lease_token),
        fencing_token: 2,
        ..old.clone()
    };
    let result = registry.renew_process_lease(&forged, 5_000_000).await;
    let what = format!("renew_process_lease({P} with a forged token)");
    failed_without_trace(&cx, &before, &what, result, ErrorKind::LeaseLost).await?;
    let elsewhere = ProcessLease {
        process_id: Q.to_owned(),
        ..old.clone()
    };
    let result = registry.renew_process_lease(&elsewhere, 5_000_000).await;
    let what = format!("renew_process_lease({Q}, never leased)");
    failed_without_trace(&cx, &before, &what, result, ErrorKind::LeaseLost).await?;
    no_fencing_token_consumed(&cx).await
}
