//! Rule tests for the GRANT area of docs/spec.md.

mod common;

use common::expect_kind;
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessRegistry, ProcessScope, RegistryResult,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::collections::BTreeSet;

fn label(text: &str) -> ProcessHandleDescriptor {
    ProcessHandleDescriptor::labelled(text)
}

fn held(session_id: &str, process_id: &str, text: &str) -> ProcessHandleGrant {
    ProcessHandleGrant {
        session_id: session_id.to_owned(),
        process_id: process_id.to_owned(),
        descriptor: label(text),
    }
}

async fn grant(registry: &MemoryRegistry, scope: &ProcessScope, process_id: &str, text: &str) {
    registry
        .grant_handle(scope, process_id, label(text))
        .await
        .expect("grant to a registered process");
}

/// The grants of exactly `scope`, without the joined records.
async fn grants_of(registry: &MemoryRegistry, scope: &ProcessScope) -> Vec<ProcessHandleGrant> {
    registry
        .list_handle_grants(scope)
        .await
        .expect("list")
        .into_iter()
        .map(|(grant, _)| grant)
        .collect()
}

async fn all_grants(registry: &MemoryRegistry, process_id: &str) -> Vec<ProcessHandleGrant> {
    registry
        .handle_grants_for_process(process_id)
        .await
        .expect("registered process")
}

async fn has(registry: &MemoryRegistry, scope: &ProcessScope, process_id: &str) -> bool {
    registry
        .has_handle_grant(scope, process_id)
        .await
        .expect("membership never fails")
}

fn session(session_id: &str) -> ProcessScope {
    ProcessScope::session(session_id)
}

fn frame(session_id: &str, frame_id: &str) -> ProcessScope {
    ProcessScope::frame(session_id, frame_id)
}

async fn transfer(
    registry: &MemoryRegistry,
    from: &ProcessScope,
    to: &ProcessScope,
    process_ids: &[&str],
) -> RegistryResult<()> {
    let process_ids: Vec<String> = process_ids.iter().map(|id| (*id).to_owned()).collect();
    registry
        .transfer_handle_grants(from, to, &process_ids)
        .await
}

async fn live_ids(registry: &MemoryRegistry, scope: &ProcessScope) -> Vec<String> {
    let live = registry.list_live_handle_grants(scope).await.expect("live");
    live.into_iter()
        .map(|(grant, _)| grant.process_id)
        .collect()
}

async fn complete(registry: &MemoryRegistry, process_id: &str, output: ProcessAwaitOutput) {
    registry
        .complete_process(process_id, output)
        .await
        .expect("complete a running process");
}

#[tokio::test]
async fn grant_1_granting_unknown_process_fails_with_not_found() {
    let (registry, _clock) = common::registry();
    let scope = session("s1");
    let error = expect_kind(
        registry.grant_handle(&scope, "ghost", label("g")).await,
        ErrorKind::NotFound,
    );
    assert!(error.message.contains("unknown process `ghost`"), "{error}");
    assert!(grants_of(&registry, &scope).await.is_empty());
    assert!(!has(&registry, &scope, "ghost").await);
    // No orphan grant row waits for the id to be registered later.
    common::register(&registry, "ghost").await;
    assert!(all_grants(&registry, "ghost").await.is_empty());
}

#[tokio::test]
async fn grant_2_grant_is_an_upsert_per_scope_and_process() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let scope = frame("s1", "f1");
    let descriptor = ProcessHandleDescriptor {
        kind: Some("shell".to_owned()),
        label: Some("build".to_owned()),
    };
    let first = registry
        .grant_handle(&scope, "p", descriptor.clone())
        .await
        .expect("grant");
    let expected = ProcessHandleGrant {
        session_id: "s1".to_owned(),
        process_id: "p".to_owned(),
        descriptor,
    };
    assert_eq!(first, expected);
    let replaced = registry
        .grant_handle(&scope, "p", label("new"))
        .await
        .expect("regrant");
    assert_eq!(replaced, held("s1", "p", "new"));
    assert_eq!(grants_of(&registry, &scope).await, vec![replaced.clone()]);
    assert_eq!(all_grants(&registry, "p").await, vec![replaced]);
}

#[tokio::test]
async fn grant_3_frame_grant_is_neither_a_session_grant_nor_another_frames() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let (whole, frame_f1) = (session("s1"), frame("s1", "f1"));
    let sibling = frame("s1", "f2");
    grant(&registry, &frame_f1, "p", "frame").await;
    assert!(has(&registry, &frame_f1, "p").await);
    assert!(!has(&registry, &whole, "p").await);
    assert!(!has(&registry, &sibling, "p").await);
    assert!(grants_of(&registry, &whole).await.is_empty());
    assert!(grants_of(&registry, &sibling).await.is_empty());
    // A session grant is a second, separate grant, not a replacement.
    grant(&registry, &whole, "p", "session").await;
    assert_eq!(
        all_grants(&registry, "p").await,
        vec![held("s1", "p", "session"), held("s1", "p", "frame")]
    );
    assert_eq!(
        grants_of(&registry, &frame_f1).await,
        vec![held("s1", "p", "frame")]
    );
}

#[tokio::test]
async fn grant_3_empty_frame_id_is_the_session_scope() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let whole = session("s1");
    let empty_frame = frame("s1", "");
    grant(&registry, &empty_frame, "p", "via empty frame").await;
    assert!(has(&registry, &whole, "p").await);
    assert_eq!(
        grants_of(&registry, &whole).await,
        vec![held("s1", "p", "via empty frame")]
    );
    grant(&registry, &whole, "p", "via session").await;
    assert_eq!(
        all_grants(&registry, "p").await,
        vec![held("s1", "p", "via session")]
    );
    registry.revoke_handle(&whole, "p").await.expect("revoke");
    assert!(!has(&registry, &empty_frame, "p").await);
}

#[tokio::test]
async fn grant_4_grants_revokes_and_transfers_leave_log_and_record_alone() {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    clock.advance(10);
    registry
        .append_event("p", common::note(json!({"n": 1})))
        .await
        .expect("append");
    let record = registry.get_process("p").await.expect("registered");
    let log = registry.events_after("p", 0).await.expect("log");
    let (s1, s2) = (session("s1"), session("s2"));
    clock.advance(100);
    grant(&registry, &s1, "p", "a").await;
    clock.advance(100);
    grant(&registry, &s1, "p", "b").await;
    clock.advance(100);
    transfer(&registry, &s1, &s2, &["p"])
        .await
        .expect("transfer");
    clock.advance(100);
    registry.revoke_handle(&s2, "p").await.expect("revoke");
    assert_eq!(registry.get_process("p").await, Some(record));
    assert_eq!(registry.events_after("p", 0).await.expect("log"), log);
}

#[tokio::test]
async fn grant_5_revoke_is_exact_silent_and_idempotent() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    common::register(&registry, "q").await;
    let f1 = frame("s1", "f1");
    grant(&registry, &session("s1"), "p", "s1").await;
    grant(&registry, &f1, "p", "f1").await;
    grant(&registry, &frame("s1", "f2"), "p", "f2").await;
    grant(&registry, &session("s2"), "p", "s2").await;
    grant(&registry, &f1, "q", "q-f1").await;
    registry.revoke_handle(&f1, "p").await.expect("revoke");
    let remaining = vec![
        held("s1", "p", "s1"),
        held("s1", "p", "f2"),
        held("s2", "p", "s2"),
    ];
    assert_eq!(all_grants(&registry, "p").await, remaining);
    assert_eq!(
        grants_of(&registry, &f1).await,
        vec![held("s1", "q", "q-f1")]
    );
    // Absence of the grant, the scope or the process is never an error.
    registry.revoke_handle(&f1, "p").await.expect("again");
    registry
        .revoke_handle(&f1, "ghost")
        .await
        .expect("unknown process");
    let nobody = frame("nobody", "f");
    registry
        .revoke_handle(&nobody, "p")
        .await
        .expect("unknown scope");
    assert_eq!(all_grants(&registry, "p").await, remaining);
    assert_eq!(registry.get_process("ghost").await, None);
}

/// Scope `s1` holds `c`, `a`, `b` (granted in that order); `b` is terminal and
/// `a` got an external ref after its grant. Other scopes hold `a` too.
async fn listing_fixture() -> (MemoryRegistry, ProcessScope) {
    let (registry, _clock) = common::registry();
    let scope = session("s1");
    for id in ["c", "a", "b"] {
        common::register(&registry, id).await;
        grant(&registry, &scope, id, id).await;
    }
    grant(&registry, &frame("s1", "f1"), "a", "frame").await;
    grant(&registry, &session("s2"), "a", "other").await;
    complete(&registry, "b", ProcessAwaitOutput::success(json!(2))).await;
    registry
        .set_external_ref("a", ProcessExternalRef::new("restate", "a-1"))
        .await
        .expect("ref on a");
    (registry, scope)
}

#[tokio::test]
async fn grant_6_listing_joins_current_records_by_process_id_and_unknown_scope_is_empty() {
    let (registry, scope) = listing_fixture().await;
    let mut expected = Vec::new();
    for id in ["a", "b", "c"] {
        let record = registry.get_process(id).await.expect("registered");
        expected.push((held("s1", id, id), record));
    }
    let listed = registry.list_handle_grants(&scope).await.expect("list");
    assert_eq!(listed, expected);
    assert!(listed[1].1.is_terminal(), "terminal processes are listed");
    assert_eq!(
        listed[0].1.external_ref,
        Some(ProcessExternalRef::new("restate", "a-1"))
    );
    for unknown in [session("nobody"), frame("s1", "f9")] {
        let listed = registry.list_handle_grants(&unknown).await.expect("list");
        assert!(listed.is_empty(), "{unknown:?}: {listed:?}");
    }
}

#[tokio::test]
async fn grant_7_live_listing_drops_terminal_processes_keeping_order() {
    let (registry, scope) = listing_fixture().await;
    let all = registry.list_handle_grants(&scope).await.expect("list");
    let live = registry
        .list_live_handle_grants(&scope)
        .await
        .expect("live");
    let expected: Vec<_> = all
        .into_iter()
        .filter(|entry| !entry.1.is_terminal())
        .collect();
    assert_eq!(live, expected);
    assert_eq!(live_ids(&registry, &scope).await, ["a", "c"]);
    complete(&registry, "a", ProcessAwaitOutput::cancelled("stop")).await;
    assert_eq!(live_ids(&registry, &scope).await, ["c"]);
}

#[tokio::test]
async fn grant_8_membership_is_exact_and_false_for_absence() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let scope = frame("s1", "f1");
    assert!(!has(&registry, &scope, "p").await);
    grant(&registry, &scope, "p", "h").await;
    assert!(has(&registry, &scope, "p").await);
    assert!(!has(&registry, &scope, "ghost").await);
    assert!(!has(&registry, &session("s1"), "p").await);
    complete(&registry, "p", ProcessAwaitOutput::success(json!(null))).await;
    assert!(has(&registry, &scope, "p").await);
    registry.revoke_handle(&scope, "p").await.expect("revoke");
    assert!(!has(&registry, &scope, "p").await);
}

#[tokio::test]
async fn grant_9_process_grants_are_listed_by_session_then_scope_id_and_unknown_fails() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let error = expect_kind(
        registry.handle_grants_for_process("ghost").await,
        ErrorKind::NotFound,
    );
    assert!(error.message.contains("unknown process `ghost`"), "{error}");
    assert!(all_grants(&registry, "p").await.is_empty(), "no grants yet");
    // Session order and scope-id order disagree here: "session:a-b" sorts
    // before "session:a/frame:x" ('-' < '/'), but session "a" sorts before "a-b".
    grant(&registry, &session("b"), "p", "b").await;
    grant(&registry, &session("a-b"), "p", "a-b").await;
    grant(&registry, &frame("a", "y"), "p", "a/y").await;
    grant(&registry, &frame("a", "x"), "p", "a/x").await;
    grant(&registry, &session("a"), "p", "a").await;
    assert_eq!(
        all_grants(&registry, "p").await,
        vec![
            held("a", "p", "a"),
            held("a", "p", "a/x"),
            held("a", "p", "a/y"),
            held("a-b", "p", "a-b"),
            held("b", "p", "b"),
        ]
    );
}

#[tokio::test]
async fn grant_10_terminal_process_can_be_granted() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let output = ProcessAwaitOutput::failure("execution", "x", "failed");
    complete(&registry, "p", output).await;
    let terminal = registry.get_process("p").await.expect("registered");
    let scope = session("s1");
    let granted = registry
        .grant_handle(&scope, "p", label("late"))
        .await
        .expect("terminal processes can be granted");
    assert_eq!(granted, held("s1", "p", "late"));
    let listed = registry.list_handle_grants(&scope).await.expect("list");
    assert_eq!(listed, vec![(granted, terminal.clone())]);
    assert_eq!(registry.get_process("p").await, Some(terminal));
}

#[tokio::test]
async fn grant_11_transfer_moves_grants_with_descriptors_replacing_target() {
    let (registry, _clock) = common::registry();
    let (s1, s2) = (session("s1"), session("s2"));
    for id in ["a", "b", "c"] {
        common::register(&registry, id).await;
        grant(&registry, &s1, id, &format!("{id}-from-s1")).await;
    }
    grant(&registry, &s2, "b", "b-old-in-s2").await;
    transfer(&registry, &s1, &s2, &["b", "a"])
        .await
        .expect("transfer");
    assert_eq!(
        grants_of(&registry, &s1).await,
        vec![held("s1", "c", "c-from-s1")]
    );
    assert_eq!(
        grants_of(&registry, &s2).await,
        vec![held("s2", "a", "a-from-s1"), held("s2", "b", "b-from-s1")]
    );
    assert_eq!(
        all_grants(&registry, "b").await,
        vec![held("s2", "b", "b-from-s1")]
    );
}

#[tokio::test]
async fn grant_11_transfer_between_frames_stores_under_the_target_frame() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let (from, to) = (frame("s1", "f1"), frame("s2", "f9"));
    grant(&registry, &from, "p", "h").await;
    transfer(&registry, &from, &to, &["p"])
        .await
        .expect("transfer");
    assert_eq!(grants_of(&registry, &to).await, vec![held("s2", "p", "h")]);
    assert!(!has(&registry, &from, "p").await);
    assert!(!has(&registry, &session("s2"), "p").await);
}

#[tokio::test]
async fn grant_12_transfer_is_all_or_nothing() {
    let (registry, _clock) = common::registry();
    let (s1, s2) = (session("s1"), session("s2"));
    for id in ["a", "b", "c"] {
        common::register(&registry, id).await;
    }
    grant(&registry, &s1, "a", "a1").await;
    grant(&registry, &s1, "b", "b1").await;
    grant(&registry, &s2, "b", "b2").await;
    let failing = [
        (vec!["a", "c", "b"], "c"),
        (vec!["a", "b", "ghost"], "ghost"),
        (vec!["z-missing", "c"], "z-missing"),
        (vec!["a", "b", "a"], "a"),
    ];
    for (listed, first_missing) in failing {
        let error = expect_kind(
            transfer(&registry, &s1, &s2, &listed).await,
            ErrorKind::GrantMissing,
        );
        let expected = format!("process handle `{first_missing}` is not granted to session `s1`");
        assert!(error.message.contains(&expected), "{listed:?}: {error}");
        assert_eq!(
            grants_of(&registry, &s1).await,
            vec![held("s1", "a", "a1"), held("s1", "b", "b1")],
            "{listed:?} moved nothing out"
        );
        assert_eq!(
            grants_of(&registry, &s2).await,
            vec![held("s2", "b", "b2")],
            "{listed:?} moved nothing in"
        );
    }
}

#[tokio::test]
async fn grant_12_grant_of_another_frame_does_not_count_for_the_source() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    grant(&registry, &session("s1"), "p", "session").await;
    let (from, to) = (frame("s1", "f1"), session("s2"));
    let error = expect_kind(
        transfer(&registry, &from, &to, &["p"]).await,
        ErrorKind::GrantMissing,
    );
    assert!(
        error
            .message
            .contains("process handle `p` is not granted to session `s1`"),
        "{error}"
    );
    assert_eq!(
        all_grants(&registry, "p").await,
        vec![held("s1", "p", "session")]
    );
}

#[tokio::test]
async fn grant_13_empty_and_same_scope_transfers_change_nothing() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let (s1, s2) = (session("s1"), session("s2"));
    grant(&registry, &s1, "p", "h").await;
    transfer(&registry, &s1, &s2, &[])
        .await
        .expect("empty list");
    transfer(&registry, &session("nobody"), &s2, &[])
        .await
        .expect("empty list from an unknown scope");
    transfer(&registry, &s1, &s1, &["p"])
        .await
        .expect("same-scope transfer");
    assert_eq!(all_grants(&registry, "p").await, vec![held("s1", "p", "h")]);
    assert!(grants_of(&registry, &s2).await.is_empty());
}

#[tokio::test]
async fn grant_14_transfer_leaves_other_holders_alone() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let (s1, s2) = (session("s1"), session("s2"));
    grant(&registry, &s1, "p", "moving").await;
    grant(&registry, &frame("s1", "f1"), "p", "s1-frame").await;
    grant(&registry, &session("s3"), "p", "s3").await;
    transfer(&registry, &s1, &s2, &["p"])
        .await
        .expect("transfer");
    assert_eq!(
        all_grants(&registry, "p").await,
        vec![
            held("s1", "p", "s1-frame"),
            held("s2", "p", "moving"),
            held("s3", "p", "s3"),
        ]
    );
}

#[tokio::test]
async fn grant_15_frame_grants_carry_the_session_id_only() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let scope = frame("s1", "f1");
    let granted = registry
        .grant_handle(&scope, "p", label("h"))
        .await
        .expect("grant");
    assert_eq!(granted.session_id, "s1");
    assert_eq!(grants_of(&registry, &scope).await, vec![granted.clone()]);
    assert_eq!(all_grants(&registry, "p").await, vec![granted.clone()]);
    let json = serde_json::to_value(&granted).expect("json");
    let keys: BTreeSet<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["descriptor", "process_id", "session_id"])
    );
    assert!(!json.to_string().contains("f1"), "no frame in {json}");
}

#[tokio::test]
async fn grant_16_a_session_named_like_a_frame_scope_sees_nothing_of_the_frame() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "victim").await;
    let (owner, stranger) = (frame("a", "b"), session("a/frame:b"));
    grant(&registry, &owner, "victim", "owned").await;
    assert!(has(&registry, &owner, "victim").await);
    assert!(!has(&registry, &stranger, "victim").await);
    assert!(grants_of(&registry, &stranger).await.is_empty());
    registry
        .revoke_handle(&stranger, "victim")
        .await
        .expect("revoking nothing is fine");
    let report = registry
        .delete_session_process_state("a/frame:b")
        .await
        .expect("deleting another session");
    assert_eq!(report.revoked_handle_count, 0, "{report:?}");
    assert!(
        has(&registry, &owner, "victim").await,
        "the owner keeps its grant"
    );
}
