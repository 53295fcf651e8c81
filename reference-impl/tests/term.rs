//! Rule tests for the TERM area of docs/spec.md.

mod common;

use common::{expect_kind, note, register, registration, wake};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest, ProcessEventType,
    ProcessExternalRef, ProcessHandleDescriptor, ProcessLeaseCompletion, ProcessRecord,
    ProcessRegistry, ProcessScope, ProcessStatus, ProcessTerminalState, ProcessValueSelector,
    PROCESS_CANCELLED, PROCESS_COMPLETED, PROCESS_FAILED,
};
use procreg_memory::MemoryRegistry;
use serde_json::{json, Value};

/// The record and the whole log of `id`, to compare before and after a call.
async fn snapshot(registry: &MemoryRegistry, id: &str) -> (ProcessRecord, Vec<ProcessEvent>) {
    let record = registry
        .get_process(id)
        .await
        .expect("the process is registered");
    let events = registry
        .events_after(id, 0)
        .await
        .expect("the log of a registered process is readable");
    (record, events)
}

/// A fresh registry holding `p` with the fixture types plus custom terminal types:
/// `finished` (completed, `/result`), `finished_whole` (completed, no selector),
/// `crashed` (failed, `/error`) and `aborted` (cancelled, `/why`).
async fn terminal_registry() -> (MemoryRegistry, procreg::ManualClock) {
    let (registry, clock) = common::registry();
    let terminal = |name: &str, state, pointer: Option<&str>| {
        ProcessEventType::terminal(name, state, pointer.map(ProcessValueSelector::pointer))
    };
    registry
        .register_process(registration("p").with_extra_event_types([
            terminal("finished", ProcessTerminalState::Completed, Some("/result")),
            terminal("finished_whole", ProcessTerminalState::Completed, None),
            terminal("crashed", ProcessTerminalState::Failed, Some("/error")),
            terminal("aborted", ProcessTerminalState::Cancelled, Some("/why")),
        ]))
        .await
        .expect("valid registration");
    (registry, clock)
}

/// Appends a keyed `event_type` with `payload` to a fresh `p` and returns its status.
async fn status_after(event_type: &str, payload: Value) -> ProcessStatus {
    let (registry, _clock) = terminal_registry().await;
    let result = registry
        .append_event(
            "p",
            ProcessEventAppendRequest::new(event_type, payload).with_replay_key("end"),
        )
        .await
        .expect("terminal append");
    let record = registry.get_process("p").await.expect("registered");
    let terminal = result.event.semantics.terminal.expect("terminal semantics");
    assert_eq!(
        record.status.await_output(),
        Some(&terminal.await_output),
        "the status carries the materialised output"
    );
    let awaited = registry.await_process("p").await.expect("await");
    assert_eq!(Some(&awaited), record.status.await_output());
    record.status
}

fn failure_with_raw(message: &str, raw: Value) -> ProcessAwaitOutput {
    ProcessAwaitOutput::Failure {
        class: "execution".to_owned(),
        code: "process_failed".to_owned(),
        message: message.to_owned(),
        raw: Some(raw),
        control: None,
    }
}

#[tokio::test]
async fn term_1_a_terminal_event_ends_the_process_in_its_declared_state() {
    let completed = status_after("finished", json!({"result": 5})).await;
    let failed = status_after("crashed", json!({"error": "disk full"})).await;
    let cancelled = status_after("aborted", json!({"why": "user"})).await;

    assert_eq!(
        completed,
        ProcessStatus::Completed {
            await_output: ProcessAwaitOutput::success(json!(5))
        }
    );
    assert_eq!(
        failed,
        ProcessStatus::Failed {
            await_output: failure_with_raw("disk full", json!("disk full"))
        }
    );
    assert_eq!(
        cancelled,
        ProcessStatus::Cancelled {
            await_output: ProcessAwaitOutput::Cancelled {
                message: "user".to_owned(),
                raw: Some(json!("user")),
                control: None
            }
        }
    );
}

#[tokio::test]
async fn term_1_the_terminal_process_leaves_running() {
    let (registry, _clock) = terminal_registry().await;
    let running = registry.get_process("p").await.expect("registered");
    assert_eq!(running.status, ProcessStatus::Running);

    let result = registry
        .append_event(
            "p",
            ProcessEventAppendRequest::new("crashed", json!({"error": "boom"}))
                .with_replay_key("t"),
        )
        .await
        .expect("terminal append");

    let terminal = result.event.semantics.terminal.expect("terminal semantics");
    assert_eq!(terminal.state, ProcessTerminalState::Failed);
    let record = registry.get_process("p").await.expect("registered");
    assert!(record.is_terminal());
    assert_eq!(record.status.label(), "failed");
}

#[tokio::test]
async fn term_2_await_outputs_are_materialised_from_the_payload() {
    let timeout = ProcessAwaitOutput::failure("timeout", "slow", "took too long");
    let decoded = status_after(
        "crashed",
        json!({"error": {
            "type": "failure", "class": "timeout", "code": "slow", "message": "took too long"
        }}),
    )
    .await;
    assert_eq!(
        decoded.await_output(),
        Some(&timeout),
        "an await output is used as is"
    );

    let wrapped_success = status_after("finished", json!({"result": {"x": 1}})).await;
    assert_eq!(
        wrapped_success.await_output(),
        Some(&ProcessAwaitOutput::success(json!({"x": 1})))
    );

    let wrapped_failure = status_after("crashed", json!({"error": {"errno": 28}})).await;
    assert_eq!(
        wrapped_failure.await_output(),
        Some(&failure_with_raw(r#"{"errno":28}"#, json!({"errno": 28})))
    );

    let wrapped_cancel = status_after("aborted", json!({"why": ["a", 1]})).await;
    assert_eq!(
        wrapped_cancel.await_output(),
        Some(&ProcessAwaitOutput::Cancelled {
            message: r#"["a",1]"#.to_owned(),
            raw: Some(json!(["a", 1])),
            control: None
        })
    );

    let whole = status_after("finished_whole", json!({"a": 1, "b": [true]})).await;
    assert_eq!(
        whole.await_output(),
        Some(&ProcessAwaitOutput::success(json!({"a": 1, "b": [true]}))),
        "without a selector the whole payload is the success value"
    );
}

#[tokio::test]
async fn term_3_a_second_terminal_event_is_rejected_and_not_persisted() {
    let (registry, clock) = terminal_registry().await;
    registry
        .append_event(
            "p",
            ProcessEventAppendRequest::new("finished", json!({"result": 1})).with_replay_key("t1"),
        )
        .await
        .expect("first terminal event");
    clock.advance(100);
    let before = snapshot(&registry, "p").await;

    let second = [
        ProcessEventAppendRequest::new("crashed", json!({"error": "late"})).with_replay_key("t2"),
        ProcessEventAppendRequest::new("finished", json!({"result": 2})).with_replay_key("t3"),
        ProcessEventAppendRequest::new(
            PROCESS_CANCELLED,
            json!({"await_output": {"type": "cancelled", "message": "m"}}),
        )
        .with_replay_key("t4"),
    ];
    for request in second {
        let error = expect_kind(
            registry.append_event("p", request).await,
            ErrorKind::AlreadyTerminal,
        );
        assert!(error.message.contains("is already terminal"), "{error}");
        assert!(error.message.contains("`p`"), "{error}");
    }

    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn term_4_complete_process_appends_the_keyed_core_terminal_event() {
    let cases = [
        (
            ProcessAwaitOutput::success(json!({"answer": 42})),
            PROCESS_COMPLETED,
            json!({"await_output": {"type": "success", "value": {"answer": 42}}}),
        ),
        (
            ProcessAwaitOutput::failure("timeout", "slow", "took too long"),
            PROCESS_FAILED,
            json!({"await_output": {
                "type": "failure", "class": "timeout", "code": "slow", "message": "took too long"
            }}),
        ),
        (
            ProcessAwaitOutput::cancelled("user"),
            PROCESS_CANCELLED,
            json!({"await_output": {"type": "cancelled", "message": "user"}}),
        ),
    ];
    for (output, event_type, payload) in cases {
        let (registry, clock) = common::registry();
        register(&registry, "p").await;
        registry
            .append_event("p", note(json!({})))
            .await
            .expect("note");
        let done_at = clock.advance(300);

        let returned = registry
            .complete_process("p", output.clone())
            .await
            .expect("complete");

        let (record, events) = snapshot(&registry, "p").await;
        assert_eq!(returned, record, "{event_type}: returns the current record");
        assert_eq!(record.status.await_output(), Some(&output));
        assert_eq!(record.updated_at_ms, done_at);
        assert_eq!(events.len(), 2);
        let terminal = &events[1];
        assert_eq!(terminal.sequence, 2);
        assert_eq!(terminal.event_type, event_type);
        assert_eq!(terminal.payload, payload);
        assert_eq!(
            terminal.replay_key.as_deref(),
            Some(format!("process:p:terminal:{event_type}").as_str())
        );
        assert_eq!(terminal.occurred_at_ms, done_at);
    }
}

#[tokio::test]
async fn term_5_completing_again_with_the_same_output_is_idempotent() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let output = ProcessAwaitOutput::failure("timeout", "slow", "took too long");
    clock.advance(100);
    let first = registry
        .complete_process("p", output.clone())
        .await
        .expect("complete");
    let before = snapshot(&registry, "p").await;
    clock.advance(100);

    let again = registry
        .complete_process("p", output)
        .await
        .expect("completing again with the same output succeeds");

    assert_eq!(again, first);
    assert_eq!(snapshot(&registry, "p").await, before);
    let terminal_events = before
        .1
        .iter()
        .filter(|event| event.semantics.terminal.is_some())
        .count();
    assert_eq!(terminal_events, 1);
}

#[tokio::test]
async fn term_6_same_state_different_output_conflicts() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let original = ProcessAwaitOutput::success(json!(1));
    registry
        .complete_process("p", original.clone())
        .await
        .expect("complete");
    clock.advance(100);
    let before = snapshot(&registry, "p").await;

    let error = expect_kind(
        registry
            .complete_process("p", ProcessAwaitOutput::success(json!(2)))
            .await,
        ErrorKind::ReplayConflict,
    );

    assert!(
        error.message.contains("conflicts with an existing event"),
        "{error}"
    );
    assert_eq!(snapshot(&registry, "p").await, before);
    assert_eq!(registry.await_process("p").await.expect("await"), original);
}

#[tokio::test]
async fn term_7_a_different_terminal_state_is_rejected() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    registry
        .complete_process("p", ProcessAwaitOutput::success(json!(1)))
        .await
        .expect("complete");
    clock.advance(100);
    let before = snapshot(&registry, "p").await;

    for other in [
        ProcessAwaitOutput::failure("c", "x", "m"),
        ProcessAwaitOutput::cancelled("late"),
    ] {
        let error = expect_kind(
            registry.complete_process("p", other).await,
            ErrorKind::AlreadyTerminal,
        );
        assert!(error.message.contains("is already terminal"), "{error}");
    }

    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn term_7_completion_after_a_direct_terminal_append_is_rejected() {
    let (registry, clock) = terminal_registry().await;
    registry
        .append_event(
            "p",
            ProcessEventAppendRequest::new("finished", json!({"result": 1}))
                .with_replay_key("mine"),
        )
        .await
        .expect("direct terminal append");
    clock.advance(100);
    let before = snapshot(&registry, "p").await;

    for other in [
        ProcessAwaitOutput::failure("c", "x", "m"),
        ProcessAwaitOutput::cancelled("late"),
    ] {
        expect_kind(
            registry.complete_process("p", other).await,
            ErrorKind::AlreadyTerminal,
        );
    }

    assert_eq!(snapshot(&registry, "p").await, before);
}

#[tokio::test]
async fn term_8_completing_an_unknown_process_fails_with_not_found() {
    let (registry, _clock) = common::registry();

    let error = expect_kind(
        registry
            .complete_process("ghost", ProcessAwaitOutput::success(json!(1)))
            .await,
        ErrorKind::NotFound,
    );

    assert!(error.message.contains("unknown process"), "{error}");
    assert!(error.message.contains("ghost"), "{error}");
    assert!(registry.get_process("ghost").await.is_none());
}

#[tokio::test]
async fn term_9_terminal_status_is_frozen() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let lease = registry
        .claim_process_lease("p", "w1", 10_000)
        .await
        .expect("claim");
    let output = ProcessAwaitOutput::cancelled("stopped");
    registry
        .complete_process("p", output.clone())
        .await
        .expect("complete");
    let frozen = ProcessStatus::Cancelled {
        await_output: output.clone(),
    };
    clock.advance(100);

    registry
        .append_event("p", note(json!({"after": true})))
        .await
        .expect("note");
    registry.append_event("p", wake("w")).await.expect("wake");
    registry
        .append_event(
            "p",
            ProcessEventAppendRequest::cancel_requested("p", Some("again")),
        )
        .await
        .expect("cancel request");
    registry
        .grant_handle(
            &ProcessScope::session("s"),
            "p",
            ProcessHandleDescriptor::labelled("h"),
        )
        .await
        .expect("grant");
    registry
        .set_external_ref("p", ProcessExternalRef::new("restate", "inv-1"))
        .await
        .expect("external ref");
    let renewed = registry
        .renew_process_lease(&lease, 5_000)
        .await
        .expect("renew");
    registry
        .complete_process_lease(&ProcessLeaseCompletion::from_lease(&renewed))
        .await
        .expect("release");
    // Whether a claim on a terminal process is refused is LEASE-2 (a SHOULD);
    // either way the status must not move.
    let _ = registry.claim_process_lease("p", "w2", 1_000).await;

    let record = registry.get_process("p").await.expect("registered");
    assert_eq!(record.status, frozen);
    assert_eq!(registry.await_process("p").await.expect("await"), output);
}

#[tokio::test]
async fn term_10_complete_process_does_not_check_leases() {
    let (registry, clock) = common::registry();
    register(&registry, "p").await;
    let lease = registry
        .claim_process_lease("p", "w1", 10_000)
        .await
        .expect("w1 holds a live lease");
    clock.advance(100);

    registry
        .complete_process("p", ProcessAwaitOutput::success(json!("by someone else")))
        .await
        .expect("a caller without the lease may complete");

    let record = registry.get_process("p").await.expect("registered");
    assert!(record.is_terminal());
    // The lease is still w1's: it renews with the same token and fencing token.
    let renew_at = clock.advance(100);
    let renewed = registry
        .renew_process_lease(&lease, 1_000)
        .await
        .expect("the holder's lease survived the completion");
    assert_eq!(renewed.owner_id, "w1");
    assert_eq!(renewed.lease_token, lease.lease_token);
    assert_eq!(renewed.fencing_token, lease.fencing_token);
    assert_eq!(renewed.claimed_at_epoch_ms, lease.claimed_at_epoch_ms);
    assert_eq!(renewed.expires_at_epoch_ms, renew_at + 1_000);
}

#[tokio::test]
async fn term_11_await_process_returns_exactly_the_completion_output() {
    let outputs = [
        ProcessAwaitOutput::Success {
            value: json!({"rows": [1, 2, 3], "note": null}),
            control: Some(json!({"resume": true})),
        },
        ProcessAwaitOutput::Failure {
            class: "timeout".to_owned(),
            code: "deadline".to_owned(),
            message: "took too long".to_owned(),
            raw: Some(json!({"elapsed_ms": 9000})),
            control: Some(json!("retry")),
        },
        ProcessAwaitOutput::Cancelled {
            message: "user".to_owned(),
            raw: Some(json!(["why", 1])),
            control: None,
        },
    ];
    for output in outputs {
        let (registry, clock) = common::registry();
        register(&registry, "p").await;
        registry
            .complete_process("p", output.clone())
            .await
            .expect("complete");
        clock.advance(1_000);

        let awaited = registry.await_process("p").await.expect("await");

        assert_eq!(awaited, output);
    }
}
