//! REG-8, REG-12, REG-14 and REG-15: what a first registration stores, and nothing more,
//! and the declared durability tier.

use super::support::register;
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session};
use procreg::{
    prepare_registration, ProcessAwaitOutput, ProcessExternalRef, ProcessInput, ProcessProvenance,
    ProcessRegistration, ProcessScope, ProcessStatus,
};
use serde_json::json;

/// REG-8: the first registration stores a running record at now, read back by get_process.
pub(super) async fn first_registration_stores_a_running_record(
    cx: CheckContext<'_>,
) -> CheckResult {
    let submitted = registration("p1");
    let prepared = cx.ok(
        "REG-8",
        "prepare_registration(p1)",
        prepare_registration(submitted.clone()),
    )?;
    let before = cx.now_ms();
    let record = register(&cx, "REG-8", submitted.clone()).await?;
    let after = cx.now_ms();
    cx.ensure_eq("REG-8", "record.id", &"p1".to_owned(), &record.id)?;
    cx.ensure_eq(
        "REG-8",
        "record.status",
        &ProcessStatus::Running,
        &record.status,
    )?;
    cx.ensure(
        "REG-8",
        before <= record.created_at_ms && record.created_at_ms <= after,
        || {
            format!(
                "record.created_at_ms: expected the clock reading at the call ({before}..={after}), observed {}",
                record.created_at_ms
            )
        },
    )?;
    cx.ensure_eq(
        "REG-8",
        "record.updated_at_ms (must equal created_at_ms)",
        &record.created_at_ms,
        &record.updated_at_ms,
    )?;
    cx.ensure_eq("REG-8", "record.external_ref", &None, &record.external_ref)?;
    cx.ensure_eq(
        "REG-8",
        "record.event_types (the prepared types)",
        &prepared.registration.event_types[..],
        &record.event_types[..],
    )?;
    cx.ensure_eq("REG-8", "record.input", &submitted.input, &*record.input)?;
    cx.ensure("REG-8", !record.registration_hash.trim().is_empty(), || {
        "record.registration_hash: expected a hash, observed an empty string".to_owned()
    })?;
    cx.ensure_eq(
        "REG-8",
        "get_process(p1) after the first registration",
        &Some(record.clone()),
        &cx.registry().get_process("p1").await,
    )
}

/// REG-12: a registration creates no events, wakes, grants (not even for its owner) and no lease.
pub(super) async fn registration_creates_no_events_grants_or_lease(
    cx: CheckContext<'_>,
) -> CheckResult {
    let registry = cx.registry();
    let owner = ProcessScope::frame("owner", "f1");
    register(
        &cx,
        "REG-12",
        registration("p1").with_owner_scope(owner.clone()),
    )
    .await?;
    let log = cx.ok(
        "REG-12",
        "events_after(p1, 0)",
        registry.events_after("p1", 0).await,
    )?;
    cx.ensure_eq("REG-12", "events of p1 after registration", &0, &log.len())?;
    let wakes = cx.ok(
        "REG-12",
        "wake_events_after(p1, 0)",
        registry.wake_events_after("p1", 0).await,
    )?;
    cx.ensure_eq("REG-12", "wakes of p1 after registration", &0, &wakes.len())?;
    let grants = cx.ok(
        "REG-12",
        "handle_grants_for_process(p1)",
        registry.handle_grants_for_process("p1").await,
    )?;
    cx.ensure_eq(
        "REG-12",
        "handle_grants_for_process(p1) after registration",
        &Vec::new(),
        &grants,
    )?;
    for scope in [owner, session("owner")] {
        let listed = cx.ok(
            "REG-12",
            &format!("list_handle_grants({})", scope.id()),
            registry.list_handle_grants(&scope).await,
        )?;
        cx.ensure_eq(
            "REG-12",
            &format!(
                "number of grants held by the owner scope {} (no implicit grant)",
                scope.id()
            ),
            &0,
            &listed.len(),
        )?;
    }
    let lease = cx.ok(
        "REG-12",
        "claim_process_lease(p1, worker-a, 60000)",
        registry.claim_process_lease("p1", "worker-a", 60_000).await,
    )?;
    cx.ensure_eq(
        "REG-12",
        "fencing token of the first claim after registration (no lease existed)",
        &1,
        &lease.fencing_token,
    )
}

/// REG-14: input and provenance (with the opaque cause) come back byte for byte.
pub(super) async fn input_and_provenance_round_trip_exactly(cx: CheckContext<'_>) -> CheckResult {
    let input = ProcessInput::external(json!({
        "nested": {"list": [1, 2.5, null, true, "é ☃ \"q\""], "empty": {}, "none": []},
        "big": u64::MAX,
        "negative": -7
    }));
    let submitted = ProcessRegistration::new("p1", input)
        .with_provenance(ProcessProvenance {
            owner_scope: ProcessScope::frame("sess", "frame-7"),
            host_profile_id: "gpu-host".to_owned(),
            caused_by: None,
        })
        .with_caused_by(json!({"kind": "tool_call", "ids": [3, 1, 2], "z": null}));
    let record = register(&cx, "REG-14", submitted.clone()).await?;
    let fetched = cx.some(
        "REG-14",
        "get_process(p1)",
        cx.registry().get_process("p1").await,
    )?;
    for (source, stored) in [("returned", &record), ("get_process", &fetched)] {
        cx.ensure_eq(
            "REG-14",
            &format!("{source} record.input as JSON"),
            &json_text(&submitted.input),
            &json_text(&stored.input),
        )?;
        cx.ensure_eq(
            "REG-14",
            &format!("{source} record.provenance as JSON"),
            &json_text(&submitted.provenance),
            &json_text(&stored.provenance),
        )?;
    }
    Ok(())
}

/// The JSON text of `value`, for byte-for-byte comparison.
fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| format!("<unserialisable: {error}>"))
}

/// REG-15: durability_tier() is the declared tier, before and after every kind of write.
pub(super) async fn durability_tier_is_the_declared_one_and_constant(
    cx: CheckContext<'_>,
) -> CheckResult {
    let registry = cx.registry();
    let declared = cx.capabilities().durability_tier;
    cx.ensure_eq(
        "REG-15",
        "durability_tier() of a fresh registry",
        &declared,
        &registry.durability_tier(),
    )?;
    register(&cx, "REG-15", registration("p1")).await?;
    cx.ensure_eq(
        "REG-15",
        "durability_tier() after register_process",
        &declared,
        &registry.durability_tier(),
    )?;
    cx.ok(
        "REG-15",
        "append_event(p1, note)",
        registry.append_event("p1", note(json!({"n": 1}))).await,
    )?;
    cx.ok(
        "REG-15",
        "set_external_ref(p1, b/1)",
        registry
            .set_external_ref("p1", ProcessExternalRef::new("b", "1"))
            .await,
    )?;
    cx.ok(
        "REG-15",
        "claim_process_lease(p1, worker-a, 60000)",
        registry.claim_process_lease("p1", "worker-a", 60_000).await,
    )?;
    cx.ok(
        "REG-15",
        "complete_process(p1, cancelled)",
        registry
            .complete_process("p1", ProcessAwaitOutput::cancelled("stop"))
            .await,
    )?;
    cx.ensure_eq(
        "REG-15",
        "durability_tier() after appends, refs, leases and completion",
        &declared,
        &registry.durability_tier(),
    )
}
