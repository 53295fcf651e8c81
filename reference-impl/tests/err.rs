//! Rule tests for the ERR area of docs/spec.md.

mod common;

use common::expect_kind;
use procreg::{
    ErrorKind, ManualClock, ProcessAwaitOutput as Output, ProcessEvent,
    ProcessEventAppendRequest as Request, ProcessEventType, ProcessExternalRef,
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry, ProcessInput,
    ProcessLease, ProcessLeaseCompletion, ProcessRecord, ProcessRegistration, ProcessRegistry,
    ProcessScope, RegistryError, RegistryResult,
};
use procreg_memory::MemoryRegistry;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::timeout;

const WAIT_BOUND: Duration = Duration::from_secs(5);

/// `common::registration` plus `typed`, whose payload must be `{"n": <integer>}`.
fn typed_registration(id: &str) -> ProcessRegistration {
    let schema = json!({ "type": "object", "required": ["n"],
                         "properties": { "n": { "type": "integer" } } });
    common::registration(id)
        .with_extra_event_types([ProcessEventType::new("typed").with_schema(schema)])
}

fn cancelled_event(key: &str) -> Request {
    let output = json!({ "await_output": { "type": "cancelled", "message": "x" } });
    Request::new("process.cancelled", output).with_replay_key(key)
}

/// Everything observable about process `p`, the scopes `s1`/`s2` and the sweep.
#[derive(Debug, PartialEq)]
struct Snapshot {
    record: Option<ProcessRecord>,
    events: RegistryResult<Vec<ProcessEvent>>,
    wakes: RegistryResult<Vec<ProcessEvent>>,
    grants: RegistryResult<Vec<ProcessHandleGrant>>,
    scope_grants: Vec<Vec<ProcessHandleGrantEntry>>,
    non_terminal: RegistryResult<Vec<ProcessRecord>>,
    /// An outsider's claim: refused without side effects, it reports the live holder.
    lease_probe: RegistryResult<ProcessLease>,
}

async fn snapshot(registry: &MemoryRegistry) -> Snapshot {
    let mut scope_grants = Vec::new();
    for scope in [ProcessScope::session("s1"), ProcessScope::session("s2")] {
        let listed = registry.list_handle_grants(&scope).await;
        scope_grants.push(listed.expect("listing never fails"));
    }
    Snapshot {
        record: registry.get_process("p").await,
        events: registry.events_after("p", 0).await,
        wakes: registry.wake_events_after("p", 0).await,
        grants: registry.handle_grants_for_process("p").await,
        scope_grants,
        non_terminal: registry.list_non_terminal().await,
        lease_probe: registry.claim_process_lease("p", "probe", 1).await,
    }
}

/// Process `p` with a note, a note keyed `k1`, two wakes (the second acked),
/// a grant to `s1`, and a live lease of `holder` (fencing token 2) that
/// superseded `old`'s (returned). The clock then moves on, so a stray write
/// would carry a new timestamp.
async fn arranged() -> (MemoryRegistry, ManualClock, ProcessLease) {
    let (registry, clock) = common::registry();
    let registered = registry.register_process(typed_registration("p")).await;
    registered.expect("valid registration");
    for request in [
        common::note(json!({ "n": 1 })),
        common::note(json!({ "n": 2 })).with_replay_key("k1"),
        common::wake("first"),
        common::wake("second"),
    ] {
        registry
            .append_event("p", request)
            .await
            .expect("valid append");
    }
    registry.ack_wake("p", 4).await.expect("p exists");
    let s1 = ProcessScope::session("s1");
    let descriptor = ProcessHandleDescriptor::labelled("p");
    let granted = registry.grant_handle(&s1, "p", descriptor).await;
    granted.expect("p exists");
    let old = registry.claim_process_lease("p", "old", 10).await;
    clock.advance(10);
    let holder = registry.claim_process_lease("p", "holder", 1_000_000).await;
    holder.expect("old's lease expired");
    clock.advance(1_000);
    (registry, clock, old.expect("the lease was free"))
}

/// Asserts `result` failed with `kind` and the observable state still equals `before`.
async fn assert_no_trace<T: std::fmt::Debug>(
    registry: &MemoryRegistry,
    before: &Snapshot,
    result: RegistryResult<T>,
    kind: ErrorKind,
) {
    expect_kind(result, kind);
    let after = snapshot(registry).await;
    assert_eq!(&after, before, "a failed {kind} call left a trace");
}

#[tokio::test]
async fn err_1_every_error_kind_serialises_to_its_snake_case_name() {
    let expected = [
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

    for (kind, name) in expected {
        let encoded = serde_json::to_value(kind).expect("kinds serialise");
        assert_eq!(encoded, json!(name));
        assert_eq!((kind.as_str(), kind.to_string().as_str()), (name, name));
        let decoded: ErrorKind = serde_json::from_value(encoded).expect("names deserialise");
        assert_eq!(decoded, kind);
    }
    let closed: BTreeSet<ErrorKind> = ErrorKind::ALL.into_iter().collect();
    let named: BTreeSet<ErrorKind> = expected.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(
        closed, named,
        "the set of kinds is exactly the fourteen named"
    );
}

#[tokio::test]
async fn err_1_registry_errors_carry_their_kind_when_serialised() {
    let (registry, _clock) = common::registry();

    let error = expect_kind(registry.events_after("ghost", 0).await, ErrorKind::NotFound);

    let encoded = serde_json::to_value(&error).expect("errors serialise");
    assert_eq!(encoded["kind"], json!("not_found"));
    let decoded: RegistryError = serde_json::from_value(encoded).expect("errors deserialise");
    assert_eq!(decoded, error);
}

#[tokio::test]
async fn err_2_messages_keep_the_upstream_wording_and_name_the_process() {
    use ErrorKind as K;
    const EXPECTED: [(ErrorKind, &str, &str); 10] = [
        (K::NotFound, "unknown process", "ghost"),
        (K::RegistrationConflict, "registration hash conflict", "p"),
        (K::UndeclaredEvent, "undeclared event type", "p"),
        (
            K::ReplayKeyRequired,
            "requires a deterministic replay key",
            "p",
        ),
        (K::ReplayConflict, "conflicts with an existing event", "p"),
        (K::MissingWakeTarget, "without a wake target scope", "p"),
        (K::GrantMissing, "is not granted to session", "p"),
        (K::LeaseHeld, "already leased", "p"),
        (K::LeaseLost, "missing or expired", "p"),
        (K::AlreadyTerminal, "is already terminal", "p"),
    ];
    let (r, _clock, old) = arranged().await;
    let (s1, s2) = (ProcessScope::session("s1"), ProcessScope::session("s2"));
    let only_p = ["p".to_owned()];
    let conflicting = common::registration("p");
    let undeclared = Request::new("nope", json!({}));
    let unkeyed_terminal = Request::new("process.completed", json!({}));
    let replayed = common::note(json!({ "n": 3 })).with_replay_key("k1");
    let untargeted = Request::new("wake", json!({ "message": "m" }));

    let mut results: Vec<RegistryResult<()>> = vec![
        r.events_after("ghost", 0).await.map(drop),
        r.register_process(conflicting).await.map(drop),
        r.append_event("p", undeclared).await.map(drop),
        r.append_event("p", unkeyed_terminal).await.map(drop),
        r.append_event("p", replayed).await.map(drop),
        r.append_event("p", untargeted).await.map(drop),
        r.transfer_handle_grants(&s2, &s1, &only_p).await,
        r.claim_process_lease("p", "intruder", 10).await.map(drop),
        r.renew_process_lease(&old, 10).await.map(drop),
    ];
    let done = r.complete_process("p", Output::success(json!(1))).await;
    done.expect("valid completion");
    results.push(
        r.complete_process("p", Output::cancelled("late"))
            .await
            .map(drop),
    );

    for ((kind, wording, process_id), result) in EXPECTED.into_iter().zip(results) {
        let error = expect_kind(result, kind);
        let message = &error.message;
        assert!(
            message.contains(wording),
            "{kind}: `{message}` lacks `{wording}`"
        );
        let named = format!("`{process_id}`");
        assert!(
            message.contains(&named),
            "{kind}: `{message}` does not name {named}"
        );
    }
}

#[tokio::test]
async fn err_2_invalid_payload_messages_keep_the_wording_and_name_the_process() {
    let (registry, _clock) = common::registry();
    let registered = registry
        .register_process(typed_registration("proc-7"))
        .await;
    registered.expect("valid registration");
    let off_schema = Request::new("typed", json!({ "n": "x" }));
    let pointer_miss =
        Request::new("wake", json!({})).with_wake_target(ProcessScope::session("s1"));

    let schema = registry.append_event("proc-7", off_schema).await;
    let schema = expect_kind(schema, ErrorKind::InvalidPayload);
    let pointer = registry.append_event("proc-7", pointer_miss).await;
    let pointer = expect_kind(pointer, ErrorKind::InvalidPayload);

    assert!(
        schema.message.contains("invalid `typed` payload"),
        "{schema}"
    );
    assert!(
        pointer.message.contains("payload pointer `/message`"),
        "{pointer}"
    );
    for error in [&schema, &pointer] {
        assert!(
            error.message.contains("proc-7"),
            "ERR-2: `{error}` does not name the process"
        );
    }
}

#[tokio::test]
async fn err_3_failed_registrations_leave_no_trace() {
    let (registry, _clock, _old) = arranged().await;
    let before = snapshot(&registry).await;

    let conflicting = registry.register_process(common::registration("p")).await;
    assert_no_trace(
        &registry,
        &before,
        conflicting,
        ErrorKind::RegistrationConflict,
    )
    .await;
    let duplicate =
        common::registration("q").with_extra_event_types([ProcessEventType::new("note")]);
    let invalid = registry.register_process(duplicate).await;
    assert_no_trace(&registry, &before, invalid, ErrorKind::InvalidRegistration).await;
    assert_eq!(registry.get_process("q").await, None);
}

#[tokio::test]
async fn err_3_failed_appends_leave_no_trace() {
    let (registry, _clock, _old) = arranged().await;
    let before = snapshot(&registry).await;
    let completed = json!({ "await_output": { "type": "success", "value": 1 } });
    let failures = [
        (Request::new("nope", json!({})), ErrorKind::UndeclaredEvent),
        (
            Request::new("process.completed", completed),
            ErrorKind::ReplayKeyRequired,
        ),
        (
            Request::new("typed", json!({ "n": "x" })).with_replay_key("k2"),
            ErrorKind::InvalidPayload,
        ),
        (
            Request::new("wake", json!({ "message": "m" })).with_replay_key("k3"),
            ErrorKind::MissingWakeTarget,
        ),
        (
            common::note(json!({ "n": 99 })).with_replay_key("k1"),
            ErrorKind::ReplayConflict,
        ),
        (
            common::wake("w").with_replay_key("k1"),
            ErrorKind::ReplayConflict,
        ),
    ];

    for (request, kind) in failures {
        let result = registry.append_event("p", request).await;
        assert_no_trace(&registry, &before, result, kind).await;
    }
    let next = registry.append_event("p", common::note(json!({}))).await;
    assert_eq!(
        next.expect("p still accepts notes").event.sequence,
        5,
        "no sequence consumed"
    );
}

#[tokio::test]
async fn err_3_already_terminal_leaves_no_trace() {
    let (registry, _clock, _old) = arranged().await;
    let done = registry
        .complete_process("p", Output::success(json!("done")))
        .await;
    done.expect("valid completion");
    let before = snapshot(&registry).await;

    let again = registry
        .complete_process("p", Output::failure("execution", "x", "late"))
        .await;
    assert_no_trace(&registry, &before, again, ErrorKind::AlreadyTerminal).await;
    let direct = registry
        .append_event("p", cancelled_event("other-key"))
        .await;
    assert_no_trace(&registry, &before, direct, ErrorKind::AlreadyTerminal).await;
    let claim = registry.claim_process_lease("p", "late-worker", 10).await;
    assert_no_trace(&registry, &before, claim, ErrorKind::AlreadyTerminal).await;
}

#[tokio::test]
async fn err_3_failed_transfers_leave_no_trace() {
    let (registry, _clock, _old) = arranged().await;
    let (s1, s2) = (ProcessScope::session("s1"), ProcessScope::session("s2"));
    let before = snapshot(&registry).await;

    for ids in [["p", "ghost"], ["p", "p"]] {
        let ids = ids.map(str::to_owned);
        let result = registry.transfer_handle_grants(&s1, &s2, &ids).await;
        assert_no_trace(&registry, &before, result, ErrorKind::GrantMissing).await;
    }
}

#[tokio::test]
async fn err_3_failed_lease_calls_leave_no_trace() {
    let (registry, _clock, old) = arranged().await;
    let before = snapshot(&registry).await;

    let held = registry
        .claim_process_lease("p", "intruder", 5_000_000)
        .await;
    assert_no_trace(&registry, &before, held, ErrorKind::LeaseHeld).await;
    let stale = registry.renew_process_lease(&old, 5_000_000).await;
    assert_no_trace(&registry, &before, stale, ErrorKind::LeaseLost).await;

    let probe = expect_kind(before.lease_probe, ErrorKind::LeaseHeld);
    assert!(probe.message.contains("`holder`"), "{probe}");
    let next = registry.claim_process_lease("p", "holder", 0).await;
    assert_eq!(
        next.expect("the holder re-claims").fencing_token,
        3,
        "no fencing token consumed"
    );
}

#[tokio::test]
async fn err_4_absence_is_an_error_only_where_the_contract_says_so() {
    let (r, _clock) = common::registry();
    let scope = ProcessScope::session("s1");
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

    assert_eq!(r.get_process("ghost").await, None);
    r.revoke_handle(&scope, "ghost")
        .await
        .expect("revoking never fails for absence");
    r.complete_process_lease(&release)
        .await
        .expect("releasing never fails");
    assert!(!r
        .has_handle_grant(&scope, "ghost")
        .await
        .expect("membership never fails"));
    let xref = ProcessExternalRef::new("engine", "id");
    let descriptor = ProcessHandleDescriptor::default();
    let wait = timeout(WAIT_BOUND, r.wait_event_after("ghost", "note", 0)).await;
    let awaited = timeout(WAIT_BOUND, r.await_process("ghost")).await;
    use ErrorKind::NotFound;
    let not_found = [
        expect_kind(r.set_external_ref("ghost", xref).await, NotFound),
        expect_kind(r.grant_handle(&scope, "ghost", descriptor).await, NotFound),
        expect_kind(r.handle_grants_for_process("ghost").await, NotFound),
        expect_kind(
            r.append_event("ghost", common::note(json!({}))).await,
            NotFound,
        ),
        expect_kind(r.events_after("ghost", 0).await, NotFound),
        expect_kind(r.wake_events_after("ghost", 0).await, NotFound),
        expect_kind(
            wait.expect("a wait on an unknown id does not block"),
            NotFound,
        ),
        expect_kind(
            awaited.expect("an await on an unknown id does not block"),
            NotFound,
        ),
        expect_kind(
            r.complete_process("ghost", Output::success(json!(1))).await,
            NotFound,
        ),
        expect_kind(r.ack_wake("ghost", 1).await, NotFound),
        expect_kind(r.claim_process_lease("ghost", "w", 10).await, NotFound),
    ];
    for error in not_found {
        assert!(error.message.contains("unknown process `ghost`"), "{error}");
    }
    expect_kind(
        r.renew_process_lease(&lease, 10).await,
        ErrorKind::LeaseLost,
    );
    assert_eq!(
        r.get_process("ghost").await,
        None,
        "no call created the process"
    );
    assert!(r
        .list_non_terminal()
        .await
        .expect("the sweep never fails")
        .is_empty());
}

#[tokio::test]
async fn err_5_u64_max_ttls_cursors_and_ack_sequences_are_defined() {
    let (r, clock) = common::registry();
    common::register(&r, "p").await;
    r.append_event("p", common::wake("w"))
        .await
        .expect("valid wake");
    let none: Vec<ProcessEvent> = Vec::new();

    let lease = r
        .claim_process_lease("p", "w", u64::MAX)
        .await
        .expect("huge TTL claim");
    let renewed = r
        .renew_process_lease(&lease, u64::MAX)
        .await
        .expect("huge TTL renew");
    assert_eq!(
        (lease.expires_at_epoch_ms, renewed.expires_at_epoch_ms),
        (u64::MAX, u64::MAX)
    );
    assert_eq!(r.events_after("p", u64::MAX).await.expect("defined"), none);
    assert_eq!(
        r.wake_events_after("p", u64::MAX).await.expect("defined"),
        none
    );
    r.ack_wake("p", u64::MAX)
        .await
        .expect("any sequence may be acked");
    r.ack_wake("p", 0).await.expect("any sequence may be acked");
    let wakes = r.wake_events_after("p", 0).await.expect("defined");
    assert_eq!(wakes.len(), 1, "acks of absent sequences hide nothing");
    let past_end = timeout(
        Duration::from_millis(50),
        r.wait_event_after("p", "note", u64::MAX),
    );
    assert!(
        past_end.await.is_err(),
        "nothing can follow u64::MAX: the wait stays pending"
    );
    clock.set(u64::MAX);
    let late = r
        .claim_process_lease("p", "v", u64::MAX)
        .await
        .expect("expired at u64::MAX");
    assert_eq!(
        (late.claimed_at_epoch_ms, late.expires_at_epoch_ms),
        (u64::MAX, u64::MAX)
    );
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

#[tokio::test]
async fn err_5_deeply_nested_payloads_round_trip() {
    let (registry, _clock) = common::registry();
    let deep = nested(64);
    let registration = ProcessRegistration::new("p", ProcessInput::external(deep.clone()))
        .with_extra_event_types([ProcessEventType::new("note")]);
    let record = registry
        .register_process(registration)
        .await
        .expect("nested input");
    assert_eq!(*record.input, ProcessInput::external(deep.clone()));

    let keyed = common::note(deep.clone()).with_replay_key("deep");
    let stored = registry
        .append_event("p", keyed.clone())
        .await
        .expect("nested payload");
    let replayed = registry
        .append_event("p", keyed)
        .await
        .expect("nested replay");

    assert_eq!(stored.event.payload, deep);
    assert_eq!(replayed.event, stored.event);
    let events = registry.events_after("p", 0).await.expect("p exists");
    assert_eq!(events, vec![stored.event]);
}

#[tokio::test]
async fn err_5_one_mebibyte_payloads_round_trip() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let big = "x".repeat(1 << 20);

    let note = registry
        .append_event("p", common::note(json!({ "blob": big })))
        .await;
    let note = note.expect("a 1 MiB note appends");
    let wake = registry.append_event("p", common::wake(&big)).await;
    let wake = wake.expect("a 1 MiB wake appends");

    assert_eq!(note.event.payload, json!({ "blob": big }));
    assert_eq!(wake.wake_delivery.expect("a wake delivery").input, big);
    let events = registry.events_after("p", 0).await.expect("p exists");
    assert_eq!(events, vec![note.event, wake.event]);
}

#[tokio::test]
async fn err_5_blank_ids_yield_typed_errors_or_defined_results() {
    let (r, _clock) = common::registry();
    common::register(&r, "p").await;

    for blank in ["", "   ", "\t\n"] {
        let registered = r.register_process(common::registration(blank)).await;
        let error = expect_kind(registered, ErrorKind::InvalidRegistration);
        assert!(
            error
                .message
                .contains("process id must be a non-empty string"),
            "{error}"
        );
        assert_eq!(r.get_process(blank).await, None);
        let appended = r.append_event(blank, common::note(json!({}))).await;
        expect_kind(appended, ErrorKind::NotFound);
        expect_kind(
            r.claim_process_lease(blank, "w", 10).await,
            ErrorKind::NotFound,
        );
    }
    let blank_type = r.append_event("p", Request::new(" ", json!({}))).await;
    expect_kind(blank_type, ErrorKind::UndeclaredEvent);
    let blank_scope = ProcessScope::frame("", "");
    let blank_session = r.grant_handle(&blank_scope, "p", ProcessHandleDescriptor::default());
    let outcomes = [
        r.claim_process_lease("p", "", 10).await.map(drop),
        blank_session.await.map(drop),
    ];
    for error in outcomes.into_iter().filter_map(Result::err) {
        let reserved = matches!(error.kind, ErrorKind::Backend | ErrorKind::Unsupported);
        assert!(
            !reserved,
            "blank input is a contract matter, not {}: {error}",
            error.kind
        );
    }
    assert!(r
        .events_after("p", 0)
        .await
        .expect("p still works")
        .is_empty());
}

#[tokio::test]
async fn err_6_contract_violations_use_the_specific_kinds() {
    let (r, _clock, old) = arranged().await;
    let s2 = ProcessScope::session("s2");
    let blank = common::registration(" ");
    let violating_appends = [
        Request::new("nope", json!({})),
        Request::new("process.failed", json!({})),
        common::note(json!(0)).with_replay_key("k1"),
        Request::new("typed", json!([])),
        Request::new("wake", json!({ "message": "m" })),
    ];
    let mut outcomes: Vec<RegistryResult<()>> = vec![
        r.events_after("ghost", 0).await.map(drop),
        r.register_process(blank).await.map(drop),
        r.register_process(common::registration("p"))
            .await
            .map(drop),
        r.transfer_handle_grants(&s2, &s2, &["p".to_owned()]).await,
        r.claim_process_lease("p", "intruder", 10).await.map(drop),
        r.renew_process_lease(&old, 10).await.map(drop),
    ];
    for request in violating_appends {
        outcomes.push(r.append_event("p", request).await.map(drop));
    }
    let done = r.complete_process("p", Output::success(json!(1))).await;
    done.expect("valid completion");
    outcomes.push(
        r.complete_process("p", Output::cancelled("again"))
            .await
            .map(drop),
    );

    let observed: BTreeSet<ErrorKind> = outcomes
        .into_iter()
        .filter_map(|outcome| outcome.err().map(|error| error.kind))
        .collect();
    let specific: BTreeSet<ErrorKind> = ErrorKind::ALL
        .into_iter()
        .filter(|kind| !matches!(kind, ErrorKind::Backend | ErrorKind::Unsupported))
        .collect();
    assert_eq!(
        observed, specific,
        "each violation has its specific kind, never a reserved one"
    );
}
