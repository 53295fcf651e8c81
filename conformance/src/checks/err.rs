//! ERR: error kinds, upstream wording, atomicity of failed calls, absence,
//! extreme input and the reserved kinds.
//!
//! Atomicity checks snapshot everything observable about the arranged
//! processes before a failing call and compare it after. A lease cannot be
//! read directly: it is observed through a refused probe claim (`LeaseHeld`
//! naming the holder and its expiry) and through the holder's next fencing token.

use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::{failure, CheckContext};
use crate::fixtures::{note, registration, session, wake, NOTE, WAKE};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessExternalRef,
    ProcessHandleDescriptor, ProcessInput, ProcessLease, ProcessLeaseCompletion,
    ProcessRegistration, ProcessRegistry, ProcessScope, RegistryError, RegistryResult,
};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;

/// The arranged process: typed, with events, wakes, an ack, a grant and a lease.
const P: &str = "job-7";
/// A second arranged process, granted to `s1` with `P`.
const Q: &str = "job-8";
/// An id never registered.
const GHOST: &str = "job-9";
/// The holder of `P`'s live lease.
const HOLDER: &str = "holder";
/// An event type of `P` whose payload must be `{"n": <integer>}`.
const TYPED: &str = "typed";
/// Bound on calls that must answer at once.
const BOUND: Duration = Duration::from_secs(2);

/// The stable name of every kind, as docs/spec.md lists them (ERR-1).
const KIND_NAMES: [(ErrorKind, &str); 14] = [
    (ErrorKind::NotFound, "not_found"),
    (ErrorKind::RegistrationConflict, "registration_conflict"),
    (ErrorKind::InvalidRegistration, "invalid_registration"),
    (ErrorKind::UndeclaredEvent, "undeclared_event"),
    (ErrorKind::ReplayKeyRequired, "replay_key_required"),
    (ErrorKind::ReplayConflict, "replay_conflict"),
    (ErrorKind::InvalidPayload, "invalid_payload"),
    (ErrorKind::AlreadyTerminal, "already_terminal"),
    (ErrorKind::MissingWakeTarget, "missing_wake_target"),
    (ErrorKind::GrantMissing, "grant_missing"),
    (ErrorKind::LeaseHeld, "lease_held"),
    (ErrorKind::LeaseLost, "lease_lost"),
    (ErrorKind::Backend, "backend"),
    (ErrorKind::Unsupported, "unsupported"),
];

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "err_errors_carry_a_stable_kind",
            rules: &["ERR-1"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors(),
            body: |cx| Box::pin(errors_carry_a_stable_kind(cx)),
        },
        Check {
            id: "err_messages_keep_the_upstream_wording_and_name_the_process",
            rules: &["ERR-2"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors(),
            body: |cx| Box::pin(messages_keep_the_upstream_wording_and_name_the_process(cx)),
        },
        Check {
            id: "err_failed_registrations_leave_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_registrations_leave_no_trace(cx)),
        },
        Check {
            id: "err_failed_appends_leave_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_appends_leave_no_trace(cx)),
        },
        Check {
            id: "err_already_terminal_leaves_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(already_terminal_leaves_no_trace(cx)),
        },
        Check {
            id: "err_failed_transfers_leave_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_transfers_leave_no_trace(cx)),
        },
        Check {
            id: "err_failed_lease_calls_leave_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_lease_calls_leave_no_trace(cx)),
        },
        Check {
            id: "err_absence_is_an_error_only_where_the_contract_says_so",
            rules: &["ERR-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(absence_is_an_error_only_where_the_contract_says_so(cx)),
        },
        Check {
            id: "err_extreme_numbers_yield_defined_results",
            rules: &["ERR-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(extreme_numbers_yield_defined_results(cx)),
        },
        Check {
            id: "err_deep_and_large_payloads_round_trip",
            rules: &["ERR-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(deep_and_large_payloads_round_trip(cx)),
        },
        Check {
            id: "err_blank_input_yields_errors_not_panics",
            rules: &["ERR-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(blank_input_yields_errors_not_panics(cx)),
        },
        Check {
            id: "err_contract_violations_use_the_specific_kinds",
            rules: &["ERR-6"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors(),
            body: |cx| Box::pin(contract_violations_use_the_specific_kinds(cx)),
        },
    ]
}

fn typed_registration(id: &str) -> ProcessRegistration {
    let schema = json!({ "type": "object", "required": ["n"],
                         "properties": { "n": { "type": "integer" } } });
    registration(id).with_extra_event_types([ProcessEventType::new(TYPED).with_schema(schema)])
}

fn s1() -> ProcessScope {
    session("s1")
}

fn s2() -> ProcessScope {
    session("s2")
}

/// `P` (typed) with a note, a note keyed `k1`, two wakes (the second acked),
/// `P` and `Q` granted to `s1`, and a live lease of [`HOLDER`] (fencing
/// token 2) that superseded `old`'s, returned. Time then moves on, so a
/// stray write would carry a new timestamp.
async fn arranged(cx: &CheckContext<'_>, rule: &str) -> Result<ProcessLease, CheckFailure> {
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

fn encoded<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|error| json!(format!("<unserialisable: {error}>")))
}

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

/// One provoked contract violation.
struct Provoked {
    what: String,
    kind: ErrorKind,
    wording: &'static str,
    names: Option<&'static str>,
    result: RegistryResult<()>,
}

/// Provokes every specific kind once on the arranged registry, in this order.
async fn provoke(cx: &CheckContext<'_>, rule: &str) -> Result<Vec<Provoked>, CheckFailure> {
    let old = arranged(cx, rule).await?;
    let registry = cx.registry();
    let mut provoked = Vec::new();
    let mut push = |what: String, kind, wording, names, result: RegistryResult<()>| {
        provoked.push(Provoked {
            what,
            kind,
            wording,
            names,
            result,
        });
    };
    use ErrorKind as K;
    push(
        format!("events_after({GHOST}, 0)"),
        K::NotFound,
        "unknown process",
        Some(GHOST),
        registry.events_after(GHOST, 0).await.map(drop),
    );
    push(
        format!("register_process({P}) with other content"),
        K::RegistrationConflict,
        "registration hash conflict",
        Some(P),
        registry.register_process(registration(P)).await.map(drop),
    );
    push(
        "register_process(\"   \")".to_owned(),
        K::InvalidRegistration,
        "process id must be a non-empty string",
        None,
        registry
            .register_process(registration("   "))
            .await
            .map(drop),
    );
    let appends = [
        (
            ProcessEventAppendRequest::new("nope", json!({})),
            "an undeclared type nope",
            K::UndeclaredEvent,
            "undeclared event type",
        ),
        (
            ProcessEventAppendRequest::new("process.completed", json!({})),
            "an unkeyed process.completed",
            K::ReplayKeyRequired,
            "requires a deterministic replay key",
        ),
        (
            note(json!({ "n": 3 })).with_replay_key("k1"),
            "a different note under key k1",
            K::ReplayConflict,
            "conflicts with an existing event",
        ),
        (
            ProcessEventAppendRequest::new(TYPED, json!({ "n": "x" })),
            "typed {n: \"x\"} off its schema",
            K::InvalidPayload,
            "invalid `typed` payload",
        ),
        (
            ProcessEventAppendRequest::new(WAKE, json!({})).with_wake_target(s1()),
            "a wake without /message",
            K::InvalidPayload,
            "payload pointer",
        ),
        (
            ProcessEventAppendRequest::new(WAKE, json!({ "message": "m" })),
            "a wake without a target",
            K::MissingWakeTarget,
            "without a wake target scope",
        ),
    ];
    for (request, description, kind, wording) in appends {
        let result = registry.append_event(P, request).await.map(drop);
        push(
            format!("append_event({P}, {description})"),
            kind,
            wording,
            Some(P),
            result,
        );
    }
    push(
        format!("transfer_handle_grants(s2, s1, [{P}])"),
        K::GrantMissing,
        "is not granted to session",
        Some(P),
        registry
            .transfer_handle_grants(&s2(), &s1(), &[P.to_owned()])
            .await,
    );
    push(
        format!("claim_process_lease({P}, intruder) while {HOLDER} holds it"),
        K::LeaseHeld,
        "already leased",
        Some(P),
        registry
            .claim_process_lease(P, "intruder", 10)
            .await
            .map(drop),
    );
    push(
        format!("renew_process_lease(old's superseded lease on {P})"),
        K::LeaseLost,
        "missing or expired",
        Some(P),
        registry.renew_process_lease(&old, 10).await.map(drop),
    );
    let done = registry
        .complete_process(P, ProcessAwaitOutput::success(json!(1)))
        .await;
    cx.ok(rule, &format!("complete_process({P}, success)"), done)?;
    push(
        format!("complete_process({P}, cancelled) on a completed process"),
        K::AlreadyTerminal,
        "is already terminal",
        Some(P),
        registry
            .complete_process(P, ProcessAwaitOutput::cancelled("late"))
            .await
            .map(drop),
    );
    Ok(provoked)
}

/// ERR-1: every violation fails with its kind, serialised by its stable name.
async fn errors_carry_a_stable_kind(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-1";
    let all: BTreeSet<ErrorKind> = ErrorKind::ALL.into_iter().collect();
    let named: BTreeSet<ErrorKind> = KIND_NAMES.iter().map(|(kind, _)| *kind).collect();
    cx.ensure_eq(RULE, "the closed set of error kinds", &named, &all)?;
    for (kind, name) in KIND_NAMES {
        cx.ensure_eq(
            RULE,
            &format!("serialised form of kind {name}"),
            &json!(name),
            &encoded(&kind),
        )?;
    }
    for provoked in provoke(&cx, RULE).await? {
        let error = cx.err(RULE, &provoked.what, provoked.result, provoked.kind)?;
        let name = KIND_NAMES
            .iter()
            .find(|(kind, _)| *kind == provoked.kind)
            .map_or("?", |(_, name)| name);
        let value = encoded(&error);
        cx.ensure_eq(
            RULE,
            &format!("\"kind\" of the serialised error of {}", provoked.what),
            &json!(name),
            &value["kind"],
        )?;
        let decoded: Result<RegistryError, String> =
            serde_json::from_value(value).map_err(|error| error.to_string());
        cx.ensure_eq(
            RULE,
            &format!("the error of {} after a JSON round trip", provoked.what),
            &Ok(error),
            &decoded,
        )?;
    }
    Ok(())
}

/// ERR-2: each kind's message keeps the upstream substring and names the process.
async fn messages_keep_the_upstream_wording_and_name_the_process(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "ERR-2";
    for provoked in provoke(&cx, RULE).await? {
        let error = cx.err_containing(
            RULE,
            &provoked.what,
            provoked.result,
            provoked.kind,
            provoked.wording,
        )?;
        if let Some(id) = provoked.names {
            cx.ensure(RULE, error.message.contains(id), || {
                format!(
                    "{}: expected the message to name the process {id:?}, observed {:?}",
                    provoked.what, error.message
                )
            })?;
        }
    }
    Ok(())
}

/// ERR-3: conflicting and invalid registrations change nothing.
async fn failed_registrations_leave_no_trace(cx: CheckContext<'_>) -> CheckResult {
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
async fn failed_appends_leave_no_trace(cx: CheckContext<'_>) -> CheckResult {
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
async fn already_terminal_leaves_no_trace(cx: CheckContext<'_>) -> CheckResult {
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
async fn failed_transfers_leave_no_trace(cx: CheckContext<'_>) -> CheckResult {
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
async fn failed_lease_calls_leave_no_trace(cx: CheckContext<'_>) -> CheckResult {
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

/// Runs `call` on a clone of the registry in its own task, bounded, so a
/// panic or a hang is reported as an ERR-5 failure naming the call.
async fn guarded<T, Fut>(
    cx: &CheckContext<'_>,
    what: &str,
    call: impl FnOnce(Arc<dyn ProcessRegistry>) -> Fut,
) -> Result<T, CheckFailure>
where
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    cx.step(format!("calling {what}"));
    let handle = tokio::spawn(call(cx.shared_registry()));
    match timeout(BOUND, handle).await {
        Err(_) => Err(failure(
            "ERR-5",
            format!("{what}: expected an error or a defined result, observed no answer after 2 s"),
        )),
        Ok(Err(join)) => Err(failure(
            "ERR-5",
            format!("{what}: expected an error or a defined result, observed a panic: {join}"),
        )),
        Ok(Ok(value)) => {
            cx.ensure("ERR-5", true, String::new)?;
            Ok(value)
        }
    }
}

/// ERR-4: absence fails only where the contract says so.
async fn absence_is_an_error_only_where_the_contract_says_so(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-4";
    let registry = cx.registry();
    let scope = s1();
    cx.ensure_eq(
        RULE,
        "get_process(ghost)",
        &None,
        &registry.get_process("ghost").await,
    )?;
    cx.ok(
        RULE,
        "revoke_handle(s1, ghost)",
        registry.revoke_handle(&scope, "ghost").await,
    )?;
    let lease = ProcessLease {
        schema_version: 1,
        process_id: "ghost".to_owned(),
        owner_id: "w".to_owned(),
        lease_token: "lt-ghost".to_owned(),
        fencing_token: 1,
        claimed_at_epoch_ms: 0,
        expires_at_epoch_ms: u64::MAX,
    };
    let release = ProcessLeaseCompletion::from_lease(&lease);
    cx.ok(
        RULE,
        "complete_process_lease(ghost)",
        registry.complete_process_lease(&release).await,
    )?;
    let member = cx.ok(
        RULE,
        "has_handle_grant(s1, ghost)",
        registry.has_handle_grant(&scope, "ghost").await,
    )?;
    cx.ensure_eq(RULE, "has_handle_grant(s1, ghost)", &false, &member)?;

    let not_found = |what: &str, result: RegistryResult<()>| {
        cx.err_containing(RULE, what, result, ErrorKind::NotFound, "unknown process")
            .map(drop)
    };
    let xref = ProcessExternalRef::new("engine", "id");
    not_found(
        "set_external_ref(ghost)",
        registry.set_external_ref("ghost", xref).await.map(drop),
    )?;
    let granted = registry
        .grant_handle(&scope, "ghost", ProcessHandleDescriptor::default())
        .await;
    not_found("grant_handle(s1, ghost)", granted.map(drop))?;
    not_found(
        "handle_grants_for_process(ghost)",
        registry.handle_grants_for_process("ghost").await.map(drop),
    )?;
    not_found(
        "append_event(ghost, note)",
        registry
            .append_event("ghost", note(json!({})))
            .await
            .map(drop),
    )?;
    not_found(
        "events_after(ghost, 0)",
        registry.events_after("ghost", 0).await.map(drop),
    )?;
    not_found(
        "wake_events_after(ghost, 0)",
        registry.wake_events_after("ghost", 0).await.map(drop),
    )?;
    cx.step("waiting for wait_event_after(ghost, note, 0) to fail");
    let waited = timeout(BOUND, registry.wait_event_after("ghost", NOTE, 0)).await;
    let waited = waited.map_err(|_| failure(RULE, "wait_event_after(ghost, note, 0): expected NotFound at once, observed it still waiting after 2 s"))?;
    not_found("wait_event_after(ghost, note, 0)", waited.map(drop))?;
    cx.step("waiting for await_process(ghost) to fail");
    let awaited = timeout(BOUND, registry.await_process("ghost")).await;
    let awaited = awaited.map_err(|_| {
        failure(
            RULE,
            "await_process(ghost): expected NotFound at once, observed it still waiting after 2 s",
        )
    })?;
    not_found("await_process(ghost)", awaited.map(drop))?;
    let completed = registry
        .complete_process("ghost", ProcessAwaitOutput::success(json!(1)))
        .await;
    not_found("complete_process(ghost)", completed.map(drop))?;
    not_found("ack_wake(ghost, 1)", registry.ack_wake("ghost", 1).await)?;
    not_found(
        "claim_process_lease(ghost, w)",
        registry
            .claim_process_lease("ghost", "w", 10)
            .await
            .map(drop),
    )?;
    cx.err_containing(
        RULE,
        "renew_process_lease(ghost)",
        registry.renew_process_lease(&lease, 10).await,
        ErrorKind::LeaseLost,
        "missing or expired",
    )?;
    cx.ensure_eq(
        RULE,
        "get_process(ghost) after every call",
        &None,
        &registry.get_process("ghost").await,
    )?;
    let sweep = cx.ok(
        RULE,
        "list_non_terminal()",
        registry.list_non_terminal().await,
    )?;
    cx.ensure_eq(
        RULE,
        "number of processes listed by list_non_terminal()",
        &0,
        &sweep.len(),
    )
}

/// ERR-5: `u64::MAX` TTLs, cursors and ack sequences have defined results.
async fn extreme_numbers_yield_defined_results(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-5";
    let registered = guarded(&cx, "register_process(p1)", |r| async move {
        r.register_process(registration("p1")).await
    })
    .await?;
    cx.ok(RULE, "register_process(p1)", registered)?;
    let woke = guarded(&cx, "append_event(p1, wake)", |r| async move {
        r.append_event("p1", wake("w", &session("s1"))).await
    })
    .await?;
    cx.ok(RULE, "append_event(p1, wake)", woke)?;

    let what = "claim_process_lease(p1, w, u64::MAX)";
    let claimed = guarded(&cx, what, |r| async move {
        r.claim_process_lease("p1", "w", u64::MAX).await
    })
    .await?;
    let lease = cx.ok(RULE, what, claimed)?;
    cx.ensure_eq(
        RULE,
        &format!("expires_at_epoch_ms of {what}"),
        &u64::MAX,
        &lease.expires_at_epoch_ms,
    )?;
    let what = "renew_process_lease(p1, u64::MAX)";
    let renewing = lease.clone();
    let renewed = guarded(&cx, what, |r| async move {
        r.renew_process_lease(&renewing, u64::MAX).await
    })
    .await?;
    let renewed = cx.ok(RULE, what, renewed)?;
    cx.ensure_eq(
        RULE,
        &format!("expires_at_epoch_ms of {what}"),
        &u64::MAX,
        &renewed.expires_at_epoch_ms,
    )?;

    let what = "events_after(p1, u64::MAX)";
    let events = guarded(&cx, what, |r| async move {
        r.events_after("p1", u64::MAX).await
    })
    .await?;
    cx.ensure_eq(RULE, what, &0, &cx.ok(RULE, what, events)?.len())?;
    let what = "wake_events_after(p1, u64::MAX)";
    let wakes = guarded(&cx, what, |r| async move {
        r.wake_events_after("p1", u64::MAX).await
    })
    .await?;
    cx.ensure_eq(RULE, what, &0, &cx.ok(RULE, what, wakes)?.len())?;
    for sequence in [u64::MAX, 0] {
        let what = format!("ack_wake(p1, {sequence})");
        let acked = guarded(&cx, &what, move |r| async move {
            r.ack_wake("p1", sequence).await
        })
        .await?;
        cx.ok(RULE, &what, acked)?;
    }
    let what = "wake_events_after(p1, 0) after acking sequences u64::MAX and 0";
    let wakes = guarded(
        &cx,
        what,
        |r| async move { r.wake_events_after("p1", 0).await },
    )
    .await?;
    cx.ensure_eq(RULE, what, &1, &cx.ok(RULE, what, wakes)?.len())
}

/// A value nested `depth` levels deep, alternating objects and arrays.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!("core"), |inner, level| {
        if level % 2 == 0 {
            json!({ "down": inner })
        } else {
            json!([inner])
        }
    })
}

/// ERR-5: deeply nested and 1 MiB payloads are stored and returned intact.
async fn deep_and_large_payloads_round_trip(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-5";
    let deep = nested(64);
    let input = deep.clone();
    let registered = guarded(
        &cx,
        "register_process(p1) with 64-deep input",
        |r| async move {
            let mut deep_input = registration("p1");
            deep_input.input = ProcessInput::external(input);
            r.register_process(deep_input).await
        },
    )
    .await?;
    let record = cx.ok(RULE, "register_process(p1) with 64-deep input", registered)?;
    cx.ensure_eq(
        RULE,
        "input of p1",
        &ProcessInput::external(deep.clone()),
        &record.input,
    )?;

    let keyed = note(deep.clone()).with_replay_key("deep");
    let mut stored = Vec::new();
    for attempt in ["append", "replay"] {
        let what = format!("append_event(p1, 64-deep note under key deep) ({attempt})");
        let request = keyed.clone();
        let appended = guarded(&cx, &what, |r| async move {
            r.append_event("p1", request).await
        })
        .await?;
        stored.push(cx.ok(RULE, &what, appended)?.event);
    }
    cx.ensure_eq(
        RULE,
        "payload of the 64-deep note",
        &deep,
        &stored[0].payload,
    )?;
    cx.ensure_eq(RULE, "the replayed 64-deep note", &stored[0], &stored[1])?;

    let big = "x".repeat(1 << 20);
    let blob = json!({ "blob": big });
    let request = note(blob.clone());
    let what = "append_event(p1, 1 MiB note)";
    let noted = guarded(
        &cx,
        what,
        |r| async move { r.append_event("p1", request).await },
    )
    .await?;
    let noted = cx.ok(RULE, what, noted)?;
    cx.ensure(RULE, noted.event.payload == blob, || {
        format!("{what}: expected the 1 MiB payload back unchanged, observed a different payload")
    })?;
    let request = wake(&big, &session("s1"));
    let what = "append_event(p1, 1 MiB wake)";
    let woke = guarded(
        &cx,
        what,
        |r| async move { r.append_event("p1", request).await },
    )
    .await?;
    let woke = cx.ok(RULE, what, woke)?;
    let delivery = cx.some(
        RULE,
        &format!("wake delivery of {what}"),
        woke.wake_delivery,
    )?;
    cx.ensure(RULE, delivery.input == big, || {
        format!(
            "{what}: expected the 1 MiB message as the wake input, observed {} bytes",
            delivery.input.len()
        )
    })?;
    let events = guarded(&cx, "events_after(p1, 0)", |r| async move {
        r.events_after("p1", 0).await
    })
    .await?;
    let events = cx.ok(RULE, "events_after(p1, 0)", events)?;
    let sequences: Vec<u64> = events.iter().map(|event| event.sequence).collect();
    cx.ensure_eq(
        RULE,
        "sequences of events_after(p1, 0)",
        &vec![1, 2, 3],
        &sequences,
    )?;
    cx.ensure(RULE, events[1].payload == blob && events[2] == woke.event, || {
        "events_after(p1, 0): expected the 1 MiB note and wake stored unchanged, observed them altered".to_owned()
    })
}

/// ERR-5: blank ids, types, owners and scopes yield errors or results, never panics.
async fn blank_input_yields_errors_not_panics(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-5";
    let registered = guarded(&cx, "register_process(p1)", |r| async move {
        r.register_process(registration("p1")).await
    })
    .await?;
    cx.ok(RULE, "register_process(p1)", registered)?;
    for blank in ["", "   ", "\t\n"] {
        let what = format!("register_process({blank:?})");
        let result = guarded(&cx, &what, move |r| async move {
            r.register_process(registration(blank)).await
        })
        .await?;
        cx.err(RULE, &what, result, ErrorKind::InvalidRegistration)?;
        let what = format!("append_event({blank:?}, note)");
        let result = guarded(&cx, &what, move |r| async move {
            r.append_event(blank, note(json!({}))).await
        })
        .await?;
        cx.err(RULE, &what, result, ErrorKind::NotFound)?;
        let what = format!("claim_process_lease({blank:?}, w)");
        let result = guarded(&cx, &what, move |r| async move {
            r.claim_process_lease(blank, "w", 10).await
        })
        .await?;
        cx.err(RULE, &what, result, ErrorKind::NotFound)?;
        cx.ensure_eq(
            RULE,
            &format!("get_process({blank:?})"),
            &None,
            &cx.registry().get_process(blank).await,
        )?;
    }
    let what = "append_event(p1, event type \" \")";
    let result = guarded(&cx, what, |r| async move {
        r.append_event("p1", ProcessEventAppendRequest::new(" ", json!({})))
            .await
    })
    .await?;
    cx.err(RULE, what, result, ErrorKind::UndeclaredEvent)?;
    let what = "claim_process_lease(p1, blank owner)";
    let claimed = guarded(&cx, what, |r| async move {
        r.claim_process_lease("p1", "", 10).await.map(drop)
    })
    .await?;
    not_reserved(&cx, what, claimed)?;
    let what = "grant_handle(blank session and frame, p1)";
    let granted = guarded(&cx, what, |r| async move {
        r.grant_handle(
            &ProcessScope::frame("", ""),
            "p1",
            ProcessHandleDescriptor::default(),
        )
        .await
        .map(drop)
    })
    .await?;
    not_reserved(&cx, what, granted)?;
    let events = cx.ok(
        RULE,
        "events_after(p1, 0)",
        cx.registry().events_after("p1", 0).await,
    )?;
    cx.ensure_eq(
        RULE,
        "number of events of p1 after the blank calls",
        &0,
        &events.len(),
    )
}

/// Asserts a defined outcome is success or a contract kind, not `backend` or `unsupported`.
fn not_reserved(cx: &CheckContext<'_>, what: &str, result: RegistryResult<()>) -> CheckResult {
    let kind = result.err().map(|error| error.kind);
    cx.ensure("ERR-5", !matches!(kind, Some(ErrorKind::Backend | ErrorKind::Unsupported)), || {
        format!("{what}: expected success or a contract error kind, observed the reserved kind {kind:?}")
    })
}

/// ERR-6: each violation gets its specific kind, never `backend` or `unsupported`.
async fn contract_violations_use_the_specific_kinds(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-6";
    let mut observed = BTreeSet::new();
    for provoked in provoke(&cx, RULE).await? {
        let error = cx.err(RULE, &provoked.what, provoked.result, provoked.kind)?;
        for reserved in [ErrorKind::Backend, ErrorKind::Unsupported] {
            cx.ensure_ne(
                RULE,
                &format!("kind of the error of {}", provoked.what),
                &reserved,
                &error.kind,
            )?;
        }
        observed.insert(error.kind);
    }
    let specific: BTreeSet<ErrorKind> = ErrorKind::ALL
        .into_iter()
        .filter(|kind| !matches!(kind, ErrorKind::Backend | ErrorKind::Unsupported))
        .collect();
    cx.ensure_eq(
        RULE,
        "the kinds of all provoked contract violations",
        &specific,
        &observed,
    )
}
