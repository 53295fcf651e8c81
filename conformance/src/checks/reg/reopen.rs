//! REG-16: acknowledged writes, replay keys and fencing tokens survive a reopen.

use super::support::register;
use crate::check::{CheckFailure, CheckResult};
use crate::context::{failure, CheckContext};
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventAppendResult,
    ProcessExternalRef, ProcessHandleDescriptor, ProcessLease, ProcessLeaseCompletion,
    ProcessRecord, ProcessScope,
};
use serde_json::json;
use std::time::Duration;

/// Everything observable about `id` that REG-16 requires to survive.
#[derive(serde::Serialize, PartialEq)]
struct Snapshot {
    record: Option<ProcessRecord>,
    events: Vec<procreg::ProcessEvent>,
    wakes: Vec<procreg::ProcessEvent>,
    grants: Vec<procreg::ProcessHandleGrant>,
}

async fn snapshot(cx: &CheckContext<'_>, id: &str) -> Result<Snapshot, CheckFailure> {
    let registry = cx.registry();
    Ok(Snapshot {
        record: registry.get_process(id).await,
        events: cx.ok(
            "REG-16",
            &format!("events_after({id}, 0)"),
            registry.events_after(id, 0).await,
        )?,
        wakes: cx.ok(
            "REG-16",
            &format!("wake_events_after({id}, 0)"),
            registry.wake_events_after(id, 0).await,
        )?,
        grants: cx.ok(
            "REG-16",
            &format!("handle_grants_for_process({id})"),
            registry.handle_grants_for_process(id).await,
        )?,
    })
}

/// REG-16: records, events in order, acks, grants, refs, terminal outputs and leases survive a reopen.
pub(super) async fn acknowledged_writes_survive_reopen(mut cx: CheckContext<'_>) -> CheckResult {
    let inbox = session("s1");
    let holder = ProcessScope::frame("s2", "f1");
    let output = ProcessAwaitOutput::success(json!({"answer": 42}));
    let lease = acknowledge_writes(&cx, &inbox, &holder, &output).await?;
    let mut before = Vec::new();
    for id in ["p1", "p2", "p3"] {
        before.push(snapshot(&cx, id).await?);
    }
    let worklist = cx.ok(
        "REG-16",
        "list_non_terminal()",
        cx.registry().list_non_terminal().await,
    )?;
    cx.ensure_eq(
        "REG-16",
        "events of p1 before the reopen",
        &4,
        &before[0].events.len(),
    )?;

    cx.reopen().await?;

    snapshots_survive(&cx, &before, worklist).await?;
    grants_and_terminal_output_survive(&cx, [&inbox, &holder], &output).await?;
    live_lease_survives(&cx, &lease).await
}

/// Registers p1 to p3 and acknowledges writes of every kind on them: p1's
/// events (the first wake acked), ref, grants to `inbox` and `holder` and
/// lease (returned), and p3's completion with `output`.
async fn acknowledge_writes(
    cx: &CheckContext<'_>,
    inbox: &ProcessScope,
    holder: &ProcessScope,
    output: &ProcessAwaitOutput,
) -> Result<ProcessLease, CheckFailure> {
    let registry = cx.registry();
    for id in ["p1", "p2", "p3"] {
        register(cx, "REG-16", registration(id)).await?;
    }
    append_events_and_ack_the_first_wake(cx, inbox).await?;
    cx.ok(
        "REG-16",
        "set_external_ref(p1, restate/inv-1)",
        registry
            .set_external_ref(
                "p1",
                ProcessExternalRef {
                    backend: "restate".to_owned(),
                    id: "inv-1".to_owned(),
                    metadata: Some(json!({"attempt": 2})),
                },
            )
            .await,
    )?;
    for scope in [inbox, holder] {
        cx.ok(
            "REG-16",
            &format!("grant_handle({}, p1)", scope.id()),
            registry
                .grant_handle(scope, "p1", ProcessHandleDescriptor::labelled("h1"))
                .await,
        )?;
    }
    cx.ok(
        "REG-16",
        "complete_process(p3, success)",
        registry.complete_process("p3", output.clone()).await,
    )?;
    cx.ok(
        "REG-16",
        "claim_process_lease(p1, worker-a, 60000)",
        registry.claim_process_lease("p1", "worker-a", 60_000).await,
    )
}

/// Appends two notes (one keyed) and two wakes to `inbox` on p1, and acks the first wake.
async fn append_events_and_ack_the_first_wake(
    cx: &CheckContext<'_>,
    inbox: &ProcessScope,
) -> CheckResult {
    let registry = cx.registry();
    let requests = [
        note(json!({"n": 1})),
        wake("first", inbox),
        note(json!({"n": 2})).with_replay_key("k-1"),
        wake("second", inbox),
    ];
    let mut sequences = Vec::new();
    for request in requests {
        let what = format!(
            "append_event(p1, {} {})",
            request.event_type, request.payload
        );
        let appended = cx.ok("REG-16", &what, registry.append_event("p1", request).await)?;
        sequences.push(appended.event.sequence);
    }
    cx.ok(
        "REG-16",
        "ack_wake(p1, first wake)",
        registry.ack_wake("p1", sequences[1]).await,
    )
}

/// After the reopen, p1 to p3 read back as `before` and the sweep worklist as `worklist`.
async fn snapshots_survive(
    cx: &CheckContext<'_>,
    before: &[Snapshot],
    worklist: Vec<ProcessRecord>,
) -> CheckResult {
    let registry = cx.shared_registry();
    for (id, expected) in ["p1", "p2", "p3"].into_iter().zip(before) {
        cx.ensure_eq(
            "REG-16",
            &format!("get_process({id}) after reopen"),
            &expected.record,
            &registry.get_process(id).await,
        )?;
        let observed = snapshot(cx, id).await?;
        cx.ensure_eq(
            "REG-16",
            &format!("events_after({id}, 0) after reopen (same events, same order)"),
            &expected.events,
            &observed.events,
        )?;
        cx.ensure_eq(
            "REG-16",
            &format!("wake_events_after({id}, 0) after reopen (acks kept)"),
            &expected.wakes,
            &observed.wakes,
        )?;
        cx.ensure_eq(
            "REG-16",
            &format!("handle_grants_for_process({id}) after reopen"),
            &expected.grants,
            &observed.grants,
        )?;
    }
    cx.ensure_eq(
        "REG-16",
        "list_non_terminal() after reopen",
        &worklist,
        &cx.ok(
            "REG-16",
            "list_non_terminal()",
            registry.list_non_terminal().await,
        )?,
    )
}

/// After the reopen, both `scopes` still hold p1 and awaiting p3 answers `output` at once.
async fn grants_and_terminal_output_survive(
    cx: &CheckContext<'_>,
    scopes: [&ProcessScope; 2],
    output: &ProcessAwaitOutput,
) -> CheckResult {
    let registry = cx.shared_registry();
    for scope in scopes {
        let has = cx.ok(
            "REG-16",
            &format!("has_handle_grant({}, p1)", scope.id()),
            registry.has_handle_grant(scope, "p1").await,
        )?;
        cx.ensure("REG-16", has, || {
            format!(
                "has_handle_grant({}, p1) after reopen: expected true, observed false",
                scope.id()
            )
        })?;
    }
    cx.step("awaiting p3 (terminal before the reopen)");
    let awaited = tokio::time::timeout(Duration::from_secs(2), registry.await_process("p3"))
        .await
        .map_err(|_| {
            failure(
                "REG-16",
                "timed out waiting for await_process(p3) of a process completed before the reopen",
            )
        })?;
    let awaited = cx.ok("REG-16", "await_process(p3) after reopen", awaited)?;
    cx.ensure_eq("REG-16", "await_process(p3) after reopen", output, &awaited)
}

/// After the reopen, worker-a's live `lease` on p1 still excludes others and renews as itself.
async fn live_lease_survives(cx: &CheckContext<'_>, lease: &ProcessLease) -> CheckResult {
    let registry = cx.shared_registry();
    let competing = registry.claim_process_lease("p1", "worker-b", 60_000).await;
    cx.err(
        "REG-16",
        "claim_process_lease(p1, worker-b) after reopen (worker-a's live lease must survive)",
        competing,
        ErrorKind::LeaseHeld,
    )?;
    let renewed = cx.ok(
        "REG-16",
        "renew_process_lease(worker-a's lease on p1) after reopen",
        registry.renew_process_lease(lease, 60_000).await,
    )?;
    cx.ensure_eq(
        "REG-16",
        "lease token of p1 renewed after reopen",
        &lease.lease_token,
        &renewed.lease_token,
    )?;
    cx.ensure_eq(
        "REG-16",
        "fencing token of p1 renewed after reopen",
        &lease.fencing_token,
        &renewed.fencing_token,
    )
}

/// REG-16: after a reopen a replay key still replays to the same event, sequences continue, and fencing tokens keep growing.
pub(super) async fn replay_keys_and_fencing_tokens_survive_reopen(
    mut cx: CheckContext<'_>,
) -> CheckResult {
    let keyed = note(json!({"n": 1})).with_replay_key("k-1");
    let (original, expiring, released) = write_keyed_events_and_leases(&cx, &keyed).await?;

    cx.reopen().await?;

    replay_key_survives(&cx, keyed, &original).await?;
    fencing_tokens_keep_growing(&cx, &expiring, &released).await?;

    cx.reopen().await?;
    let log = cx.ok(
        "REG-16",
        "events_after(p1, 0) after a second reopen",
        cx.registry().events_after("p1", 0).await,
    )?;
    let sequences: Vec<u64> = log.iter().map(|event| event.sequence).collect();
    cx.ensure_eq(
        "REG-16",
        "sequences of p1 after a second reopen",
        &vec![1, 2, 3],
        &sequences,
    )
}

/// Appends `keyed` and an unkeyed note to p1, claims a short lease on p1
/// and releases a claim on p2; returns (the keyed append, the expiring
/// lease, the released lease).
async fn write_keyed_events_and_leases(
    cx: &CheckContext<'_>,
    keyed: &ProcessEventAppendRequest,
) -> Result<(ProcessEventAppendResult, ProcessLease, ProcessLease), CheckFailure> {
    let registry = cx.registry();
    register(cx, "REG-16", registration("p1")).await?;
    register(cx, "REG-16", registration("p2")).await?;
    let original = cx.ok(
        "REG-16",
        "append_event(p1, note keyed k-1)",
        registry.append_event("p1", keyed.clone()).await,
    )?;
    cx.ok(
        "REG-16",
        "append_event(p1, unkeyed note)",
        registry.append_event("p1", note(json!({"n": 2}))).await,
    )?;
    let expiring = cx.ok(
        "REG-16",
        "claim_process_lease(p1, worker-a, 50)",
        registry.claim_process_lease("p1", "worker-a", 50).await,
    )?;
    let released = cx.ok(
        "REG-16",
        "claim_process_lease(p2, worker-a, 60000)",
        registry.claim_process_lease("p2", "worker-a", 60_000).await,
    )?;
    cx.ok(
        "REG-16",
        "complete_process_lease(p2, worker-a's token)",
        registry
            .complete_process_lease(&ProcessLeaseCompletion::from_lease(&released))
            .await,
    )?;
    Ok((original, expiring, released))
}

/// After the reopen, `keyed` replays to `original`'s event, another payload
/// under its key conflicts, and the next sequence follows on.
async fn replay_key_survives(
    cx: &CheckContext<'_>,
    keyed: ProcessEventAppendRequest,
    original: &ProcessEventAppendResult,
) -> CheckResult {
    let registry = cx.shared_registry();
    cx.some(
        "REG-16",
        "get_process(p1) after reopen",
        registry.get_process("p1").await,
    )?;
    let replayed = cx.ok(
        "REG-16",
        "append_event(p1, note keyed k-1) again after reopen",
        registry.append_event("p1", keyed).await,
    )?;
    cx.ensure_eq(
        "REG-16",
        "event returned by the replay after reopen",
        &original.event,
        &replayed.event,
    )?;
    let conflicting = registry
        .append_event("p1", note(json!({"n": 99})).with_replay_key("k-1"))
        .await;
    cx.err(
        "REG-16",
        "append_event(p1, other payload keyed k-1) after reopen",
        conflicting,
        ErrorKind::ReplayConflict,
    )?;
    let next = cx.ok(
        "REG-16",
        "append_event(p1, unkeyed note) after reopen",
        registry.append_event("p1", note(json!({"n": 3}))).await,
    )?;
    cx.ensure_eq(
        "REG-16",
        "sequence of the first new event after reopen (2 events were acknowledged before)",
        &3,
        &next.event.sequence,
    )
}

/// After the reopen, claims after `released` was released and after
/// `expiring` expired get higher fencing tokens and a new lease token.
async fn fencing_tokens_keep_growing(
    cx: &CheckContext<'_>,
    expiring: &ProcessLease,
    released: &ProcessLease,
) -> CheckResult {
    let registry = cx.shared_registry();
    let reclaimed = cx.ok(
        "REG-16",
        "claim_process_lease(p2, worker-b, 60000) after release and reopen",
        registry.claim_process_lease("p2", "worker-b", 60_000).await,
    )?;
    cx.ensure(
        "REG-16",
        reclaimed.fencing_token > released.fencing_token,
        || {
            format!(
                "fencing token of claim_process_lease(p2, worker-b) after release and reopen: expected more than {}, observed {}",
                released.fencing_token, reclaimed.fencing_token
            )
        },
    )?;
    cx.advance(60).await;
    let taken = cx.ok(
        "REG-16",
        "claim_process_lease(p1, worker-b, 60000) after worker-a's lease expired",
        registry.claim_process_lease("p1", "worker-b", 60_000).await,
    )?;
    cx.ensure(
        "REG-16",
        taken.fencing_token > expiring.fencing_token,
        || {
            format!(
                "fencing token of claim_process_lease(p1, worker-b) after expiry and reopen: expected more than {}, observed {}",
                expiring.fencing_token, taken.fencing_token
            )
        },
    )?;
    cx.ensure_ne(
        "REG-16",
        "lease token of the claim after reopen",
        &expiring.lease_token,
        &taken.lease_token,
    )
}
