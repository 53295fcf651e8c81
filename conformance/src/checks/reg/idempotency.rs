//! REG-9 to REG-11: registering again: identical content, conflicting content and the hash.

use super::support::register;
use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use crate::fixtures::registration;
use procreg::{
    core_event_types, ErrorKind, ProcessAwaitOutput, ProcessEventType, ProcessExternalRef,
    ProcessInput, ProcessProvenance, ProcessRegistration, ProcessScope,
};
use serde_json::{json, Map, Value};

/// REG-9: identical content returns the stored record (ref, timestamps, terminal status) and writes nothing.
pub(super) async fn identical_registration_returns_the_stored_record(
    cx: CheckContext<'_>,
) -> CheckResult {
    identical_registration_keeps_ref_and_lease(&cx).await?;
    identical_registration_returns_the_terminal_record(&cx).await?;
    identical_prepared_content_returns_the_first_record(&cx).await
}

/// REG-9 on live p1: the ref and timestamps come back, no event is written
/// and worker-a's lease survives.
async fn identical_registration_keeps_ref_and_lease(cx: &CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    register(cx, "REG-9", registration("p1")).await?;
    cx.advance(5).await;
    let stored = cx.ok(
        "REG-9",
        "set_external_ref(p1, restate/inv-1)",
        registry
            .set_external_ref("p1", ProcessExternalRef::new("restate", "inv-1"))
            .await,
    )?;
    let lease = cx.ok(
        "REG-9",
        "claim_process_lease(p1, worker-a, 60000)",
        registry.claim_process_lease("p1", "worker-a", 60_000).await,
    )?;
    cx.advance(5).await;
    let again = register(cx, "REG-9", registration("p1")).await?;
    cx.ensure_eq(
        "REG-9",
        "register_process(p1) again with identical content",
        &stored,
        &again,
    )?;
    cx.ensure_eq(
        "REG-9",
        "get_process(p1) after the identical re-registration",
        &Some(stored),
        &registry.get_process("p1").await,
    )?;
    let log = cx.ok(
        "REG-9",
        "events_after(p1, 0)",
        registry.events_after("p1", 0).await,
    )?;
    cx.ensure_eq(
        "REG-9",
        "events of p1 after the identical re-registration",
        &0,
        &log.len(),
    )?;
    let competing = registry.claim_process_lease("p1", "worker-b", 60_000).await;
    cx.err(
        "REG-9",
        "claim_process_lease(p1, worker-b) after the re-registration (worker-a's lease must survive)",
        competing,
        ErrorKind::LeaseHeld,
    )?;
    let renewed = cx.ok(
        "REG-9",
        "renew_process_lease(worker-a's lease) after the re-registration",
        registry.renew_process_lease(&lease, 60_000).await,
    )?;
    cx.ensure_eq(
        "REG-9",
        "fencing token of the renewed lease",
        &lease.fencing_token,
        &renewed.fencing_token,
    )
}

/// REG-9 on completed p2: the terminal record comes back and the log stays as it was.
async fn identical_registration_returns_the_terminal_record(cx: &CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    register(cx, "REG-9", registration("p2")).await?;
    let output = ProcessAwaitOutput::success(json!("done"));
    let terminal = cx.ok(
        "REG-9",
        "complete_process(p2, success)",
        registry.complete_process("p2", output).await,
    )?;
    let log = cx.ok(
        "REG-9",
        "events_after(p2, 0)",
        registry.events_after("p2", 0).await,
    )?;
    cx.advance(5).await;
    let again = register(cx, "REG-9", registration("p2")).await?;
    cx.ensure_eq(
        "REG-9",
        "register_process(p2) again after it completed",
        &terminal,
        &again,
    )?;
    let after = cx.ok(
        "REG-9",
        "events_after(p2, 0)",
        registry.events_after("p2", 0).await,
    )?;
    cx.ensure_eq(
        "REG-9",
        "events of terminal p2 after the identical re-registration",
        &log,
        &after,
    )
}

/// REG-9 on p3: declaring no types prepares to the same content as the
/// default core types, so the first record comes back.
async fn identical_prepared_content_returns_the_first_record(cx: &CheckContext<'_>) -> CheckResult {
    let input = ProcessInput::external(json!({"n": 1}));
    let first = register(cx, "REG-9", ProcessRegistration::new("p3", input.clone())).await?;
    cx.advance(5).await;
    let same_prepared = ProcessRegistration::new("p3", input).with_event_types(Vec::new());
    let again = register(cx, "REG-9", same_prepared).await?;
    cx.ensure_eq(
        "REG-9",
        "register_process(p3) declaring no types (prepares to the same core types)",
        &first,
        &again,
    )
}

/// REG-10: a different hash under a registered id conflicts and leaves the record untouched.
pub(super) async fn different_content_under_a_registered_id_conflicts(
    cx: CheckContext<'_>,
) -> CheckResult {
    let registry = cx.registry();
    let stored = register(&cx, "REG-10", registration("p1")).await?;
    cx.advance(5).await;
    let mut other_input = registration("p1");
    other_input.input = ProcessInput::external(json!({"job": "other"}));
    let variants = [
        ("another input", other_input),
        (
            "an extra event type",
            registration("p1").with_extra_event_types([ProcessEventType::new("x")]),
        ),
        (
            "another owner scope",
            registration("p1").with_owner_scope(ProcessScope::frame("root", "f1")),
        ),
    ];
    let expected = format!(
        "registration hash conflict: existing {}",
        stored.registration_hash
    );
    for (variant, changed) in variants {
        let what = format!("register_process(p1) with {variant}");
        let result = registry.register_process(changed).await;
        cx.err_containing(
            "REG-10",
            &what,
            result,
            ErrorKind::RegistrationConflict,
            &expected,
        )?;
        cx.ensure_eq(
            "REG-10",
            &format!("get_process(p1) after the conflicting registration with {variant}"),
            &Some(stored.clone()),
            &registry.get_process("p1").await,
        )?;
        let log = cx.ok(
            "REG-10",
            "events_after(p1, 0)",
            registry.events_after("p1", 0).await,
        )?;
        cx.ensure_eq(
            "REG-10",
            &format!("events of p1 after the conflicting registration with {variant}"),
            &0,
            &log.len(),
        )?;
    }
    Ok(())
}

/// REG-11: equal prepared content hashes equal (whatever the clock or key order); any change conflicts.
pub(super) async fn hash_is_a_pure_function_of_prepared_content(
    cx: CheckContext<'_>,
) -> CheckResult {
    let registry = cx.registry();
    let base = hash_ignores_time_and_key_order(&cx).await?;
    let stored = registry.get_process("p1").await;
    for (change, variant) in changed_content(&base) {
        let result = registry.register_process(variant).await;
        cx.err(
            "REG-11",
            &format!(
                "register_process(p1) with {change} (a different hash must conflict with the stored one)"
            ),
            result,
            ErrorKind::RegistrationConflict,
        )?;
    }
    cx.ensure_eq(
        "REG-11",
        "get_process(p1) after the rejected variants (unchanged)",
        &stored,
        &registry.get_process("p1").await,
    )
}

/// REG-11: registers p1, then again later with the input's keys inserted
/// in another order, and asserts the hashes match; returns the first registration.
async fn hash_ignores_time_and_key_order(
    cx: &CheckContext<'_>,
) -> Result<ProcessRegistration, CheckFailure> {
    let mut forward = Map::new();
    forward.insert("a".to_owned(), json!(1));
    forward.insert("b".to_owned(), json!({"y": 2, "x": 3}));
    let mut backward = Map::new();
    backward.insert("b".to_owned(), json!({"x": 3, "y": 2}));
    backward.insert("a".to_owned(), json!(1));
    let base = ProcessRegistration::new("p1", ProcessInput::external(Value::Object(forward)))
        .with_extra_event_types([
            ProcessEventType::new("note"),
            ProcessEventType::new("other"),
        ]);
    let first = register(cx, "REG-11", base.clone()).await?;
    cx.advance(20).await;
    let mut reordered_keys = base.clone();
    reordered_keys.input = ProcessInput::external(Value::Object(backward));
    let again = register(cx, "REG-11", reordered_keys).await?;
    cx.ensure_eq(
        "REG-11",
        "registration hash of p1 re-registered later with the input's keys inserted in another order",
        &first.registration_hash,
        &again.registration_hash,
    )?;
    Ok(base)
}

/// `base` changed in one part of its prepared content each, named by the change.
fn changed_content(base: &ProcessRegistration) -> [(&'static str, ProcessRegistration); 8] {
    let core = core_event_types();
    let mut other_input = base.clone();
    other_input.input = ProcessInput::external(json!({"a": 2}));
    [
        (
            "an added event type",
            base.clone()
                .with_extra_event_types([ProcessEventType::new("x")]),
        ),
        (
            "a removed event type",
            base.clone()
                .with_event_types([core.clone(), vec![ProcessEventType::new("note")]].concat()),
        ),
        (
            "reordered event types",
            base.clone().with_event_types(
                [
                    core.clone(),
                    vec![
                        ProcessEventType::new("other"),
                        ProcessEventType::new("note"),
                    ],
                ]
                .concat(),
            ),
        ),
        (
            "reordered core types",
            base.clone().with_event_types(
                [
                    vec![
                        core[3].clone(),
                        core[2].clone(),
                        core[1].clone(),
                        core[0].clone(),
                    ],
                    vec![
                        ProcessEventType::new("note"),
                        ProcessEventType::new("other"),
                    ],
                ]
                .concat(),
            ),
        ),
        ("a changed input", other_input),
        (
            "a changed cause",
            base.clone().with_caused_by(json!({"tool_call": "c-1"})),
        ),
        (
            "a changed owner scope",
            base.clone()
                .with_owner_scope(ProcessScope::frame("root", "f1")),
        ),
        (
            "a changed host profile",
            base.clone().with_provenance(ProcessProvenance {
                host_profile_id: "other-host".to_owned(),
                ..base.provenance.clone()
            }),
        ),
    ]
}
