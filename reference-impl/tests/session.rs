//! Rule tests for the SESSION area of docs/spec.md.

mod common;

use common::expect_kind;
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessRegistry, ProcessScope, ProcessSessionDeleteReport,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;

async fn grant(registry: &MemoryRegistry, scope: &ProcessScope, process_id: &str) {
    registry
        .grant_handle(
            scope,
            process_id,
            ProcessHandleDescriptor::labelled(process_id),
        )
        .await
        .expect("grant to a registered process");
}

async fn all_grants(registry: &MemoryRegistry, process_id: &str) -> Vec<ProcessHandleGrant> {
    registry
        .handle_grants_for_process(process_id)
        .await
        .expect("registered process")
}

async fn delete(registry: &MemoryRegistry, session_id: &str) -> ProcessSessionDeleteReport {
    registry
        .delete_session_process_state(session_id)
        .await
        .expect("session deletion never fails")
}

fn report(
    session_id: &str,
    revoked_handle_count: usize,
    cancel: &[&str],
    preserved: &[&str],
) -> ProcessSessionDeleteReport {
    let owned = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect();
    ProcessSessionDeleteReport {
        session_id: session_id.to_owned(),
        revoked_handle_count,
        deleted_wake_count: 0,
        cancel_process_ids: owned(cancel),
        preserved_process_ids: owned(preserved),
    }
}

fn frame(session_id: &str, frame_id: &str) -> ProcessScope {
    ProcessScope::frame(session_id, frame_id)
}

fn session(session_id: &str) -> ProcessScope {
    ProcessScope::session(session_id)
}

#[tokio::test]
async fn session_1_deletion_revokes_session_and_frame_grants_counting_rows() {
    let (registry, _clock) = common::registry();
    for id in ["a", "b", "c", "d"] {
        common::register(&registry, id).await;
    }
    grant(&registry, &session("s1"), "a").await;
    grant(&registry, &session("s1"), "b").await;
    grant(&registry, &frame("s1", "f1"), "a").await;
    grant(&registry, &frame("s1", "f1"), "c").await;
    grant(&registry, &frame("s1", "f2"), "d").await;
    grant(&registry, &session("s2"), "a").await;

    let deleted = delete(&registry, "s1").await;

    assert_eq!(deleted.revoked_handle_count, 5);
    for scope in [session("s1"), frame("s1", "f1"), frame("s1", "f2")] {
        let left = registry.list_handle_grants(&scope).await.expect("list");
        assert!(left.is_empty(), "{scope:?} still holds {left:?}");
    }
    for id in ["a", "b", "c", "d"] {
        let left = all_grants(&registry, id).await;
        assert!(
            left.iter().all(|grant| grant.session_id != "s1"),
            "{id}: {left:?}"
        );
    }
}

#[tokio::test]
async fn session_2_live_processes_are_sorted_into_cancel_and_preserved() {
    let (registry, _clock) = common::registry();
    for id in ["shared", "only", "two-scopes", "other-frame", "untouched"] {
        common::register(&registry, id).await;
    }
    grant(&registry, &session("s1"), "shared").await;
    grant(&registry, &session("s2"), "shared").await;
    grant(&registry, &frame("s1", "f1"), "only").await;
    grant(&registry, &session("s1"), "two-scopes").await;
    grant(&registry, &frame("s1", "f1"), "two-scopes").await;
    grant(&registry, &session("s1"), "other-frame").await;
    grant(&registry, &frame("s2", "f9"), "other-frame").await;
    grant(&registry, &session("s2"), "untouched").await;

    let deleted = delete(&registry, "s1").await;

    assert_eq!(deleted.cancel_process_ids, ["only", "two-scopes"]);
    assert_eq!(deleted.preserved_process_ids, ["other-frame", "shared"]);
    assert_eq!(
        deleted,
        report("s1", 5, &["only", "two-scopes"], &["other-frame", "shared"])
    );
}

#[tokio::test]
async fn session_3_terminal_processes_are_in_neither_list() {
    let (registry, _clock) = common::registry();
    for id in ["done-alone", "done-shared", "live"] {
        common::register(&registry, id).await;
        grant(&registry, &session("s1"), id).await;
    }
    grant(&registry, &session("s2"), "done-shared").await;
    registry
        .complete_process("done-alone", ProcessAwaitOutput::success(json!(1)))
        .await
        .expect("complete");
    registry
        .complete_process("done-shared", ProcessAwaitOutput::cancelled("stop"))
        .await
        .expect("complete");

    let deleted = delete(&registry, "s1").await;

    assert_eq!(deleted, report("s1", 3, &["live"], &[]));
    assert!(all_grants(&registry, "done-alone").await.is_empty());
    assert_eq!(all_grants(&registry, "done-shared").await.len(), 1);
}

#[tokio::test]
async fn session_4_report_lists_are_sorted_and_deduplicated() {
    let (registry, _clock) = common::registry();
    let scopes = [session("s1"), frame("s1", "f1"), frame("s1", "f2")];
    for id in ["zeta", "alpha", "mid", "p-b", "p-a"] {
        common::register(&registry, id).await;
        for scope in &scopes {
            grant(&registry, scope, id).await;
        }
    }
    grant(&registry, &session("s2"), "p-b").await;
    grant(&registry, &frame("s3", "f"), "p-a").await;

    let deleted = delete(&registry, "s1").await;

    assert_eq!(deleted.cancel_process_ids, ["alpha", "mid", "zeta"]);
    assert_eq!(deleted.preserved_process_ids, ["p-a", "p-b"]);
    assert_eq!(deleted.revoked_handle_count, 15);
}

#[tokio::test]
async fn session_5_deletion_touches_only_grants() {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    clock.advance(10);
    registry
        .append_event("p", common::note(json!({"n": 1})))
        .await
        .expect("note");
    let acked = registry
        .append_event("p", common::wake("first"))
        .await
        .expect("wake");
    registry
        .append_event("p", common::wake("second"))
        .await
        .expect("wake");
    registry
        .ack_wake("p", acked.event.sequence)
        .await
        .expect("ack");
    registry
        .set_external_ref("p", ProcessExternalRef::new("restate", "r"))
        .await
        .expect("ref");
    let lease = registry
        .claim_process_lease("p", "worker", 60_000)
        .await
        .expect("claim");
    grant(&registry, &session("s1"), "p").await;
    let record = registry.get_process("p").await.expect("registered");
    let log = registry.events_after("p", 0).await.expect("log");
    let wakes = registry.wake_events_after("p", 0).await.expect("wakes");
    assert_eq!(wakes.len(), 1, "one wake stays unacknowledged");
    clock.advance(500);

    let deleted = delete(&registry, "s1").await;

    assert_eq!(deleted.deleted_wake_count, 0);
    assert_eq!(deleted.cancel_process_ids, ["p"], "the caller cancels it");
    assert_eq!(registry.get_process("p").await, Some(record));
    assert_eq!(
        registry.events_after("p", 0).await.expect("log"),
        log,
        "no cancel event appended by the registry"
    );
    assert_eq!(
        registry.wake_events_after("p", 0).await.expect("wakes"),
        wakes
    );
    let error = expect_kind(
        registry.claim_process_lease("p", "competitor", 10).await,
        ErrorKind::LeaseHeld,
    );
    assert!(
        error.message.contains("already leased by `worker`"),
        "{error}"
    );
    let renewed = registry
        .renew_process_lease(&lease, 10)
        .await
        .expect("the lease survived the deletion");
    assert_eq!(renewed.fencing_token, lease.fencing_token);
}

#[tokio::test]
async fn session_6_deleting_an_unknown_session_reports_nothing() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    grant(&registry, &session("s1"), "p").await;
    assert_eq!(
        delete(&registry, "nobody").await,
        report("nobody", 0, &[], &[])
    );
    assert_eq!(all_grants(&registry, "p").await.len(), 1);
}

#[tokio::test]
async fn session_6_deleting_the_same_session_again_reports_nothing() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    grant(&registry, &session("s1"), "p").await;
    grant(&registry, &frame("s1", "f1"), "p").await;
    assert_eq!(delete(&registry, "s1").await, report("s1", 2, &["p"], &[]));
    assert_eq!(delete(&registry, "s1").await, report("s1", 0, &[], &[]));
    assert!(all_grants(&registry, "p").await.is_empty());
}

#[tokio::test]
async fn session_7_other_sessions_keep_their_grants() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "a").await;
    common::register(&registry, "b").await;
    let others = [
        session("s2"),
        frame("s2", "f1"),
        session("s1x"),
        session("s"),
    ];
    grant(&registry, &session("s1"), "a").await;
    grant(&registry, &frame("s1", "f1"), "b").await;
    for scope in &others {
        grant(&registry, scope, "a").await;
    }
    grant(&registry, &session("s2"), "b").await;
    let mut before = Vec::new();
    for scope in &others {
        before.push(registry.list_handle_grants(scope).await.expect("list"));
    }

    delete(&registry, "s1").await;

    for (scope, expected) in others.iter().zip(before) {
        let after = registry.list_handle_grants(scope).await.expect("list");
        assert_eq!(after, expected, "{scope:?}");
        assert!(!after.is_empty(), "{scope:?} held grants");
    }
}

#[tokio::test]
async fn session_8_report_names_the_deleted_session() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    grant(&registry, &session("s1"), "p").await;
    for session_id in ["s1", "never-used", " spaced "] {
        assert_eq!(delete(&registry, session_id).await.session_id, session_id);
    }
}
