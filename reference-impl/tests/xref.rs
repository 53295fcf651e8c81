//! Rule tests for the XREF area of docs/spec.md.

mod common;

use common::{expect_kind, START_MS};
use procreg::{
    Clock, ErrorKind, ProcessAwaitOutput, ProcessExternalRef, ProcessHandleDescriptor,
    ProcessLease, ProcessRegistry, ProcessScope, ProcessStatus,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;

fn engine_ref(id: &str) -> ProcessExternalRef {
    ProcessExternalRef {
        backend: "restate".to_owned(),
        id: id.to_owned(),
        metadata: Some(json!({"attempt": 1, "tags": ["a", "b"]})),
    }
}

/// Asserts the lease claimed as `lease` is still the stored, live lease:
/// a competitor is fenced off naming its owner and expiry, and its token still renews.
async fn assert_lease_unchanged(registry: &MemoryRegistry, lease: &ProcessLease) {
    let error = expect_kind(
        registry
            .claim_process_lease(&lease.process_id, "competitor", 10)
            .await,
        ErrorKind::LeaseHeld,
    );
    let held = format!(
        "already leased by `{}` until {}",
        lease.owner_id, lease.expires_at_epoch_ms
    );
    assert!(error.message.contains(&held), "{error}");
    let renewed = registry
        .renew_process_lease(lease, 10)
        .await
        .expect("the original token is still current");
    assert_eq!(renewed.fencing_token, lease.fencing_token);
}

#[tokio::test]
async fn xref_1_setting_ref_on_unknown_process_fails_with_not_found() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "known").await;
    let error = expect_kind(
        registry.set_external_ref("ghost", engine_ref("r1")).await,
        ErrorKind::NotFound,
    );
    assert!(error.message.contains("unknown process `ghost`"), "{error}");
    assert_eq!(registry.get_process("ghost").await, None);
    let known = registry.get_process("known").await.expect("registered");
    assert_eq!(known.external_ref, None);
}

#[tokio::test]
async fn xref_2_set_ref_is_returned_and_read_back() {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    clock.advance(5);
    let external_ref = engine_ref("inv-1");
    let returned = registry
        .set_external_ref("p", external_ref.clone())
        .await
        .expect("set ref");
    assert_eq!(returned.id, "p");
    assert_eq!(returned.external_ref, Some(external_ref.clone()));
    let stored = registry.get_process("p").await.expect("registered");
    assert_eq!(stored, returned);
    let stored_ref = stored.external_ref.expect("ref stored");
    assert_eq!(stored_ref.backend, "restate");
    assert_eq!(stored_ref.id, "inv-1");
    assert_eq!(stored_ref.metadata, external_ref.metadata);
}

#[tokio::test]
async fn xref_3_later_ref_overwrites_earlier_one() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    registry
        .set_external_ref("p", engine_ref("first"))
        .await
        .expect("first write");
    let second = ProcessExternalRef::new("temporal", "second");
    let returned = registry
        .set_external_ref("p", second.clone())
        .await
        .expect("second write");
    assert_eq!(returned.external_ref, Some(second.clone()));
    let stored = registry.get_process("p").await.expect("registered");
    assert_eq!(stored.external_ref, Some(second), "no metadata survives");
}

#[tokio::test]
async fn xref_3_last_writer_wins_even_back_to_an_earlier_ref() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    for id in ["a", "b", "a"] {
        registry
            .set_external_ref("p", engine_ref(id))
            .await
            .expect("write");
    }
    let stored = registry.get_process("p").await.expect("registered");
    assert_eq!(stored.external_ref, Some(engine_ref("a")));
}

#[tokio::test]
async fn xref_4_setting_ref_bumps_updated_at_only() {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    clock.advance(100);
    registry
        .append_event("p", common::note(json!({"n": 1})))
        .await
        .expect("append");
    let scope = ProcessScope::frame("s1", "f1");
    registry
        .grant_handle(&scope, "p", ProcessHandleDescriptor::labelled("h"))
        .await
        .expect("grant");
    let lease = registry
        .claim_process_lease("p", "worker", 60_000)
        .await
        .expect("claim");
    let before = registry.get_process("p").await.expect("registered");
    let events = registry.events_after("p", 0).await.expect("log");
    let grants = registry
        .handle_grants_for_process("p")
        .await
        .expect("grants");

    let now = clock.advance(400);
    let returned = registry
        .set_external_ref("p", engine_ref("inv"))
        .await
        .expect("set ref");

    assert_eq!(now, START_MS + 500);
    assert_eq!(returned.updated_at_ms, clock.now_ms());
    assert_eq!(returned.created_at_ms, START_MS);
    assert_eq!(returned.status, ProcessStatus::Running);
    let expected = procreg::ProcessRecord {
        updated_at_ms: now,
        external_ref: Some(engine_ref("inv")),
        ..before
    };
    assert_eq!(returned, expected, "only updated_at_ms and the ref moved");
    assert_eq!(registry.get_process("p").await, Some(expected));
    assert_eq!(registry.events_after("p", 0).await.expect("log"), events);
    assert_eq!(
        registry
            .handle_grants_for_process("p")
            .await
            .expect("grants"),
        grants
    );
    assert_lease_unchanged(&registry, &lease).await;
}

#[tokio::test]
async fn xref_5_ref_can_be_set_on_terminal_process_keeping_its_status() {
    let outputs = [
        ProcessAwaitOutput::success(json!({"ok": true})),
        ProcessAwaitOutput::failure("execution", "boom", "it broke"),
        ProcessAwaitOutput::cancelled("stopped"),
    ];
    for output in outputs {
        let (registry, clock) = common::registry();
        common::register(&registry, "p").await;
        let terminal = registry
            .complete_process("p", output.clone())
            .await
            .expect("complete");
        let now = clock.advance(50);
        let returned = registry
            .set_external_ref("p", engine_ref("late"))
            .await
            .expect("refs may be set on terminal processes");
        assert_eq!(returned.status, terminal.status);
        assert_eq!(returned.status.await_output(), Some(&output));
        assert_eq!(returned.external_ref, Some(engine_ref("late")));
        assert_eq!(returned.updated_at_ms, now);
        assert_eq!(registry.get_process("p").await, Some(returned));
        assert_eq!(registry.await_process("p").await.expect("await"), output);
        let worklist = registry.list_non_terminal().await.expect("sweep");
        assert!(worklist.is_empty(), "still terminal: {worklist:?}");
    }
}

#[tokio::test]
async fn xref_6_identical_repeat_succeeds_and_keeps_the_same_ref() {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    let first = registry
        .set_external_ref("p", engine_ref("inv"))
        .await
        .expect("first write");
    let now = clock.advance(25);
    let repeat = registry
        .set_external_ref("p", engine_ref("inv"))
        .await
        .expect("identical repeat succeeds");
    assert_eq!(repeat.external_ref, Some(engine_ref("inv")));
    assert_eq!(repeat.external_ref, first.external_ref);
    assert_eq!(repeat.created_at_ms, first.created_at_ms);
    assert_eq!(repeat.status, first.status);
    assert_eq!(
        repeat.updated_at_ms, now,
        "XREF-4: every set bumps updated_at"
    );
    assert_eq!(registry.get_process("p").await, Some(repeat));
}
