//! SESSION-1 and SESSION-5 to SESSION-7: deletion revokes exactly the session's grants,
//! touches nothing else, and is idempotent.

use super::support::{all_grants, delete, frame, grant, owned, register, report};
use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use crate::fixtures::{note, session, wake};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessExternalRef, ProcessHandleDescriptor,
    ProcessHandleGrant, ProcessLease, ProcessRecord,
};
use serde_json::json;

/// SESSION-1: every grant of the session and of all its frames goes; the count is the rows removed.
pub(super) async fn deletion_revokes_session_and_frame_grants(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "SESSION-1", &["a", "b", "c", "d"]).await?;
    grant(&cx, "SESSION-1", &session("s1"), "a").await?;
    grant(&cx, "SESSION-1", &session("s1"), "b").await?;
    grant(&cx, "SESSION-1", &frame("s1", "f1"), "a").await?;
    grant(&cx, "SESSION-1", &frame("s1", "f1"), "c").await?;
    grant(&cx, "SESSION-1", &frame("s1", "f2"), "d").await?;
    grant(&cx, "SESSION-1", &session("s2"), "a").await?;

    let deleted = delete(&cx, "SESSION-1", "s1").await?;

    cx.ensure_eq(
        "SESSION-1",
        "revoked_handle_count of delete_session_process_state(s1) (2 session + 3 frame grants)",
        &5,
        &deleted.revoked_handle_count,
    )?;
    for scope in [session("s1"), frame("s1", "f1"), frame("s1", "f2")] {
        let left = cx.ok(
            "SESSION-1",
            &format!("list_handle_grants({})", scope.id()),
            cx.registry().list_handle_grants(&scope).await,
        )?;
        cx.ensure_eq(
            "SESSION-1",
            &format!("number of grants of {} after deleting s1", scope.id()),
            &0,
            &left.len(),
        )?;
    }
    for id in ["a", "b", "c", "d"] {
        let left = all_grants(&cx, "SESSION-1", id).await?;
        let sessions: Vec<String> = left.into_iter().map(|grant| grant.session_id).collect();
        let expected = if id == "a" {
            owned(&["s2"])
        } else {
            Vec::new()
        };
        cx.ensure_eq(
            "SESSION-1",
            &format!("sessions still holding {id} after deleting s1"),
            &expected,
            &sessions,
        )?;
    }
    Ok(())
}

/// SESSION-5: no wakes deleted, and records, events, acks, leases and status stay as they were.
pub(super) async fn deletion_touches_only_grants(cx: CheckContext<'_>) -> CheckResult {
    let lease = arrange_state_beside_grants(&cx).await?;
    let before = state_before_deletion(&cx).await?;
    cx.advance(5).await;

    let deleted = delete(&cx, "SESSION-5", "s1").await?;

    cx.ensure_eq(
        "SESSION-5",
        "deleted_wake_count of delete_session_process_state(s1)",
        &0,
        &deleted.deleted_wake_count,
    )?;
    cx.ensure_eq(
        "SESSION-5",
        "cancel_process_ids of delete_session_process_state(s1) (the caller cancels p1)",
        &owned(&["p1"]),
        &deleted.cancel_process_ids,
    )?;
    state_unchanged_by_deletion(&cx, &before).await?;
    lease_survives_deletion(&cx, &lease).await
}

/// Gives p1 a note, two wakes to s1 (the first acked), a ref and worker-a's
/// lease (returned), completes p2, and grants both to s1 (p1 also to a frame).
async fn arrange_state_beside_grants(cx: &CheckContext<'_>) -> Result<ProcessLease, CheckFailure> {
    let registry = cx.registry();
    let target = session("s1");
    register(cx, "SESSION-5", &["p1", "p2"]).await?;
    cx.advance(2).await;
    cx.ok(
        "SESSION-5",
        "append_event(p1, note)",
        registry.append_event("p1", note(json!({"n": 1}))).await,
    )?;
    let acked = cx.ok(
        "SESSION-5",
        "append_event(p1, wake first -> session:s1)",
        registry.append_event("p1", wake("first", &target)).await,
    )?;
    cx.ok(
        "SESSION-5",
        "append_event(p1, wake second -> session:s1)",
        registry.append_event("p1", wake("second", &target)).await,
    )?;
    cx.ok(
        "SESSION-5",
        "ack_wake(p1, first wake)",
        registry.ack_wake("p1", acked.event.sequence).await,
    )?;
    cx.ok(
        "SESSION-5",
        "set_external_ref(p1, restate/r)",
        registry
            .set_external_ref("p1", ProcessExternalRef::new("restate", "r"))
            .await,
    )?;
    let lease = cx.ok(
        "SESSION-5",
        "claim_process_lease(p1, worker-a, 60000)",
        registry.claim_process_lease("p1", "worker-a", 60_000).await,
    )?;
    cx.ok(
        "SESSION-5",
        "complete_process(p2, success)",
        registry
            .complete_process("p2", ProcessAwaitOutput::success(json!("kept")))
            .await,
    )?;
    grant(cx, "SESSION-5", &target, "p1").await?;
    grant(cx, "SESSION-5", &frame("s1", "f1"), "p1").await?;
    grant(cx, "SESSION-5", &target, "p2").await?;
    Ok(lease)
}

/// The records, logs and unacknowledged wakes of p1 and p2, in that order.
struct StateBefore {
    records: Vec<Option<ProcessRecord>>,
    logs: Vec<Vec<ProcessEvent>>,
    wakes: Vec<Vec<ProcessEvent>>,
}

/// Reads p1's and p2's state before the deletion; p1 has one unacknowledged wake.
async fn state_before_deletion(cx: &CheckContext<'_>) -> Result<StateBefore, CheckFailure> {
    let registry = cx.registry();
    let mut records: Vec<Option<ProcessRecord>> = Vec::new();
    let mut logs = Vec::new();
    let mut wakes = Vec::new();
    for id in ["p1", "p2"] {
        records.push(registry.get_process(id).await);
        logs.push(cx.ok(
            "SESSION-5",
            &format!("events_after({id}, 0)"),
            registry.events_after(id, 0).await,
        )?);
        wakes.push(cx.ok(
            "SESSION-5",
            &format!("wake_events_after({id}, 0)"),
            registry.wake_events_after(id, 0).await,
        )?);
    }
    cx.ensure_eq(
        "SESSION-5",
        "unacknowledged wakes of p1 before the deletion",
        &1,
        &wakes[0].len(),
    )?;
    Ok(StateBefore {
        records,
        logs,
        wakes,
    })
}

/// After the deletion p1 and p2 read back as `before`, and p1 is still on the sweep worklist.
async fn state_unchanged_by_deletion(cx: &CheckContext<'_>, before: &StateBefore) -> CheckResult {
    let registry = cx.registry();
    for (index, id) in ["p1", "p2"].into_iter().enumerate() {
        cx.ensure_eq(
            "SESSION-5",
            &format!("get_process({id}) after deleting s1 (status, ref, updated_at_ms unchanged)"),
            &before.records[index],
            &registry.get_process(id).await,
        )?;
        cx.ensure_eq(
            "SESSION-5",
            &format!("events_after({id}, 0) after deleting s1 (no cancel event appended)"),
            &before.logs[index],
            &cx.ok(
                "SESSION-5",
                &format!("events_after({id}, 0)"),
                registry.events_after(id, 0).await,
            )?,
        )?;
        cx.ensure_eq(
            "SESSION-5",
            &format!("wake_events_after({id}, 0) after deleting s1 (wakes and acks kept)"),
            &before.wakes[index],
            &cx.ok(
                "SESSION-5",
                &format!("wake_events_after({id}, 0)"),
                registry.wake_events_after(id, 0).await,
            )?,
        )?;
    }
    let worklist = cx.ok(
        "SESSION-5",
        "list_non_terminal()",
        registry.list_non_terminal().await,
    )?;
    cx.ensure_eq(
        "SESSION-5",
        "ids of list_non_terminal() after deleting s1 (p1 still running)",
        &owned(&["p1"]),
        &worklist
            .into_iter()
            .map(|record| record.id)
            .collect::<Vec<_>>(),
    )
}

/// After the deletion worker-a's `lease` on p1 still excludes others and renews as itself.
async fn lease_survives_deletion(cx: &CheckContext<'_>, lease: &ProcessLease) -> CheckResult {
    let registry = cx.registry();
    let competing = registry.claim_process_lease("p1", "worker-b", 60_000).await;
    cx.err(
        "SESSION-5",
        "claim_process_lease(p1, worker-b) after deleting s1 (worker-a's lease must survive)",
        competing,
        ErrorKind::LeaseHeld,
    )?;
    let renewed = cx.ok(
        "SESSION-5",
        "renew_process_lease(worker-a's lease on p1) after deleting s1",
        registry.renew_process_lease(lease, 60_000).await,
    )?;
    cx.ensure_eq(
        "SESSION-5",
        "lease token of worker-a's lease renewed after the deletion",
        &lease.lease_token,
        &renewed.lease_token,
    )?;
    cx.ensure_eq(
        "SESSION-5",
        "fencing token of worker-a's lease renewed after the deletion",
        &lease.fencing_token,
        &renewed.fencing_token,
    )
}

/// SESSION-6: an unknown session, or the same session again, reports zero and changes nothing.
pub(super) async fn deletion_is_idempotent(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "SESSION-6", &["p1", "p2"]).await?;
    grant(&cx, "SESSION-6", &session("s1"), "p1").await?;
    grant(&cx, "SESSION-6", &frame("s1", "f1"), "p1").await?;
    grant(&cx, "SESSION-6", &session("s2"), "p2").await?;
    cx.ensure_eq(
        "SESSION-6",
        "delete_session_process_state(nobody) (an unknown session)",
        &report("nobody", 0, &[], &[]),
        &delete(&cx, "SESSION-6", "nobody").await?,
    )?;
    cx.ensure_eq(
        "SESSION-6",
        "number of grants of p1 after deleting an unknown session",
        &2,
        &all_grants(&cx, "SESSION-6", "p1").await?.len(),
    )?;
    cx.ensure_eq(
        "SESSION-6",
        "first delete_session_process_state(s1)",
        &report("s1", 2, &["p1"], &[]),
        &delete(&cx, "SESSION-6", "s1").await?,
    )?;
    cx.ensure_eq(
        "SESSION-6",
        "second delete_session_process_state(s1)",
        &report("s1", 0, &[], &[]),
        &delete(&cx, "SESSION-6", "s1").await?,
    )?;
    cx.ensure_eq(
        "SESSION-6",
        "handle_grants_for_process(p2) after deleting s1 twice",
        &vec![ProcessHandleGrant {
            session_id: "s2".to_owned(),
            process_id: "p2".to_owned(),
            descriptor: ProcessHandleDescriptor::labelled("p2"),
        }],
        &all_grants(&cx, "SESSION-6", "p2").await?,
    )
}

/// SESSION-7: other sessions' grants, including look-alike names and a frame named like the session, stay.
pub(super) async fn other_sessions_keep_their_grants(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "SESSION-7", &["a", "b"]).await?;
    let others = [
        session("s2"),
        frame("s2", "f1"),
        frame("s2", "s1"),
        session("s1x"),
        session("s"),
        session("S1"),
    ];
    grant(&cx, "SESSION-7", &session("s1"), "a").await?;
    grant(&cx, "SESSION-7", &frame("s1", "f1"), "b").await?;
    for scope in &others {
        grant(&cx, "SESSION-7", scope, "a").await?;
    }
    grant(&cx, "SESSION-7", &session("s2"), "b").await?;
    let mut before = Vec::new();
    for scope in &others {
        before.push(cx.ok(
            "SESSION-7",
            &format!("list_handle_grants({})", scope.id()),
            cx.registry().list_handle_grants(scope).await,
        )?);
    }

    let deleted = delete(&cx, "SESSION-7", "s1").await?;

    cx.ensure_eq(
        "SESSION-7",
        "revoked_handle_count of delete_session_process_state(s1)",
        &2,
        &deleted.revoked_handle_count,
    )?;
    for (scope, expected) in others.iter().zip(before) {
        let after = cx.ok(
            "SESSION-7",
            &format!("list_handle_grants({})", scope.id()),
            cx.registry().list_handle_grants(scope).await,
        )?;
        cx.ensure(
            "SESSION-7",
            !expected.is_empty(),
            || format!("list_handle_grants({}) before the deletion: expected the grants just made, observed none", scope.id()),
        )?;
        cx.ensure_eq(
            "SESSION-7",
            &format!("list_handle_grants({}) after deleting s1", scope.id()),
            &expected,
            &after,
        )?;
    }
    Ok(())
}
