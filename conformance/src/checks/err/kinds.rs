//! ERR-1, ERR-2 and ERR-6: every violation fails with its specific, stably named kind
//! and a message keeping the upstream wording.

use super::support::{arranged, encoded, s1, s2, GHOST, HOLDER, P, TYPED};
use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, WAKE};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessLease, RegistryError,
    RegistryResult,
};
use serde_json::json;
use std::collections::BTreeSet;

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

/// One provoked contract violation.
struct Provoked {
    what: String,
    kind: ErrorKind,
    wording: &'static str,
    names: Option<&'static str>,
    result: RegistryResult<()>,
}

impl Provoked {
    /// The violation `what`, expected to fail with `kind` in `wording`, naming `names`.
    fn new(
        what: String,
        kind: ErrorKind,
        wording: &'static str,
        names: Option<&'static str>,
        result: RegistryResult<()>,
    ) -> Self {
        Self {
            what,
            kind,
            wording,
            names,
            result,
        }
    }
}

/// Provokes every specific kind once on the arranged registry, in this order.
async fn provoke(cx: &CheckContext<'_>, rule: &str) -> Result<Vec<Provoked>, CheckFailure> {
    let old = arranged(cx, rule).await?;
    let mut provoked = lookup_and_registration_violations(cx).await;
    provoked.extend(append_violations(cx).await);
    provoked.extend(grant_and_lease_violations(cx, &old).await);
    provoked.push(terminal_violation(cx, rule).await?);
    Ok(provoked)
}

/// An unknown process, a conflicting registration and an invalid one.
async fn lookup_and_registration_violations(cx: &CheckContext<'_>) -> Vec<Provoked> {
    use ErrorKind as K;
    let registry = cx.registry();
    vec![
        Provoked::new(
            format!("events_after({GHOST}, 0)"),
            K::NotFound,
            "unknown process",
            Some(GHOST),
            registry.events_after(GHOST, 0).await.map(drop),
        ),
        Provoked::new(
            format!("register_process({P}) with other content"),
            K::RegistrationConflict,
            "registration hash conflict",
            Some(P),
            registry.register_process(registration(P)).await.map(drop),
        ),
        Provoked::new(
            "register_process(\"   \")".to_owned(),
            K::InvalidRegistration,
            "process id must be a non-empty string",
            None,
            registry
                .register_process(registration("   "))
                .await
                .map(drop),
        ),
    ]
}

/// Appends to `P` that break each append rule, in order.
async fn append_violations(cx: &CheckContext<'_>) -> Vec<Provoked> {
    use ErrorKind as K;
    let registry = cx.registry();
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
    let mut provoked = Vec::new();
    for (request, description, kind, wording) in appends {
        let result = registry.append_event(P, request).await.map(drop);
        provoked.push(Provoked::new(
            format!("append_event({P}, {description})"),
            kind,
            wording,
            Some(P),
            result,
        ));
    }
    provoked
}

/// A transfer of a grant not held, a claim of a held lease and a renew of `old`'s superseded one.
async fn grant_and_lease_violations(cx: &CheckContext<'_>, old: &ProcessLease) -> Vec<Provoked> {
    use ErrorKind as K;
    let registry = cx.registry();
    vec![
        Provoked::new(
            format!("transfer_handle_grants(s2, s1, [{P}])"),
            K::GrantMissing,
            "is not granted to session",
            Some(P),
            registry
                .transfer_handle_grants(&s2(), &s1(), &[P.to_owned()])
                .await,
        ),
        Provoked::new(
            format!("claim_process_lease({P}, intruder) while {HOLDER} holds it"),
            K::LeaseHeld,
            "already leased",
            Some(P),
            registry
                .claim_process_lease(P, "intruder", 10)
                .await
                .map(drop),
        ),
        Provoked::new(
            format!("renew_process_lease(old's superseded lease on {P})"),
            K::LeaseLost,
            "missing or expired",
            Some(P),
            registry.renew_process_lease(old, 10).await.map(drop),
        ),
    ]
}

/// Completes `P`, then completes it again.
async fn terminal_violation(cx: &CheckContext<'_>, rule: &str) -> Result<Provoked, CheckFailure> {
    let registry = cx.registry();
    let done = registry
        .complete_process(P, ProcessAwaitOutput::success(json!(1)))
        .await;
    cx.ok(rule, &format!("complete_process({P}, success)"), done)?;
    Ok(Provoked::new(
        format!("complete_process({P}, cancelled) on a completed process"),
        ErrorKind::AlreadyTerminal,
        "is already terminal",
        Some(P),
        registry
            .complete_process(P, ProcessAwaitOutput::cancelled("late"))
            .await
            .map(drop),
    ))
}

/// ERR-1: every violation fails with its kind, serialised by its stable name.
pub(super) async fn errors_carry_a_stable_kind(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn messages_keep_the_upstream_wording_and_name_the_process(
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

/// ERR-6: each violation gets its specific kind, never `backend` or `unsupported`.
pub(super) async fn contract_violations_use_the_specific_kinds(
    cx: CheckContext<'_>,
) -> CheckResult {
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
