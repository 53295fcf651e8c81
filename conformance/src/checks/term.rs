//! TERM: terminal events, `complete_process`, frozen status and `await_process`.

use super::event::{append, append_fails, describe_append, ensure_unchanged, register, snapshot};
use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::{failure, CheckContext};
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessExternalRef,
    ProcessHandleDescriptor, ProcessLeaseCompletion, ProcessRecord, ProcessRegistration,
    ProcessStatus, ProcessTerminalState, ProcessValueSelector, PROCESS_CANCELLED,
    PROCESS_COMPLETED, PROCESS_FAILED,
};
use serde_json::{json, Value};
use std::time::Duration;

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "term_terminal_event_ends_the_process_in_its_declared_state",
            rules: &["TERM-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_event_ends_the_process(cx)),
        },
        Check {
            id: "term_await_outputs_are_materialised_from_the_payload",
            rules: &["TERM-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(await_outputs_are_materialised(cx)),
        },
        Check {
            id: "term_second_terminal_event_is_rejected_and_not_persisted",
            rules: &["TERM-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(second_terminal_event_is_rejected(cx)),
        },
        Check {
            id: "term_complete_process_appends_the_keyed_core_terminal_event",
            rules: &["TERM-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(complete_process_appends_core_event(cx)),
        },
        Check {
            id: "term_completing_again_with_the_same_output_is_idempotent",
            rules: &["TERM-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(completing_again_is_idempotent(cx)),
        },
        Check {
            id: "term_same_state_different_output_conflicts",
            rules: &["TERM-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(same_state_different_output_conflicts(cx)),
        },
        Check {
            id: "term_different_terminal_state_is_rejected",
            rules: &["TERM-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(different_terminal_state_is_rejected(cx)),
        },
        Check {
            id: "term_completion_after_a_direct_terminal_append_is_rejected",
            rules: &["TERM-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(completion_after_direct_terminal_append(cx)),
        },
        Check {
            id: "term_completing_an_unknown_process_fails",
            rules: &["TERM-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(completing_unknown_process_fails(cx)),
        },
        Check {
            id: "term_terminal_status_is_frozen",
            rules: &["TERM-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_status_is_frozen(cx)),
        },
        Check {
            id: "term_complete_process_does_not_check_leases",
            rules: &["TERM-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(complete_process_ignores_leases(cx)),
        },
        Check {
            id: "term_await_process_returns_exactly_the_completion_output",
            rules: &["TERM-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(await_returns_the_completion_output(cx)),
        },
    ]
}

/// How long an await on an already terminal process may take.
const AWAIT_BOUND: Duration = Duration::from_secs(2);

/// `id` with the fixture types plus custom terminal types: `finished`
/// (completed, `/result`), `finished_whole` (completed, no selector),
/// `crashed` (failed, `/error`) and `aborted` (cancelled, `/why`).
fn terminal_registration(id: &str) -> ProcessRegistration {
    let terminal = |name: &str, state, pointer: Option<&str>| {
        ProcessEventType::terminal(name, state, pointer.map(ProcessValueSelector::pointer))
    };
    registration(id).with_extra_event_types([
        terminal("finished", ProcessTerminalState::Completed, Some("/result")),
        terminal("finished_whole", ProcessTerminalState::Completed, None),
        terminal("crashed", ProcessTerminalState::Failed, Some("/error")),
        terminal("aborted", ProcessTerminalState::Cancelled, Some("/why")),
    ])
}

/// A failure as TERM-2 wraps a non-output value for the failed state.
fn failure_with_raw(message: &str, raw: Value) -> ProcessAwaitOutput {
    ProcessAwaitOutput::Failure {
        class: "execution".to_owned(),
        code: "process_failed".to_owned(),
        message: message.to_owned(),
        raw: Some(raw),
        control: None,
    }
}

/// A cancellation as TERM-2 wraps a non-output value.
fn cancelled_with_raw(message: &str, raw: Value) -> ProcessAwaitOutput {
    ProcessAwaitOutput::Cancelled {
        message: message.to_owned(),
        raw: Some(raw),
        control: None,
    }
}

/// `await_process(id)` on a process that is already terminal, bounded.
async fn await_terminal(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
) -> Result<ProcessAwaitOutput, CheckFailure> {
    let what = format!("await_process({id}) on a terminal process");
    cx.step(format!("waiting for {what}"));
    let result = tokio::time::timeout(AWAIT_BOUND, cx.registry().await_process(id))
        .await
        .map_err(|_| {
            failure(
                rule,
                format!(
                    "timed out after {} ms waiting for {what}",
                    AWAIT_BOUND.as_millis()
                ),
            )
        })?;
    cx.ok(rule, &what, result)
}

/// Registers `id` with the terminal types, appends a keyed `event_type` with
/// `payload`, and checks the status against `expected` (and the event's
/// materialised semantics and the awaited output against it).
async fn ends_as(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    event_type: &str,
    payload: Value,
    expected: ProcessStatus,
) -> CheckResult {
    let registered = register(cx, rule, terminal_registration(id)).await?;
    cx.ensure_eq(
        rule,
        &format!("status of {id} before its terminal event"),
        &ProcessStatus::Running,
        &registered.status,
    )?;
    let request = ProcessEventAppendRequest::new(event_type, payload).with_replay_key("end");
    let call = describe_append(id, &request);
    let result = append(cx, rule, id, request).await?;
    let record = cx.some(
        rule,
        &format!("get_process({id})"),
        cx.registry().get_process(id).await,
    )?;
    cx.ensure_eq(
        rule,
        &format!("status of {id} after {call}"),
        &expected,
        &record.status,
    )?;
    let terminal = cx.some(
        rule,
        &format!("semantics.terminal of the event from {call}"),
        result.event.semantics.terminal,
    )?;
    cx.ensure_eq(
        rule,
        &format!("await output in the semantics of the event from {call}"),
        &expected.await_output(),
        &Some(&terminal.await_output),
    )?;
    let awaited = await_terminal(cx, rule, id).await?;
    cx.ensure_eq(
        rule,
        &format!("await_process({id}) after {call}"),
        &expected.await_output(),
        &Some(&awaited),
    )
}

/// TERM-1: a terminal event moves running to its declared state.
async fn terminal_event_ends_the_process(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-1";
    let completed = ProcessStatus::Completed {
        await_output: ProcessAwaitOutput::success(json!(5)),
    };
    ends_as(
        &cx,
        RULE,
        "p-completed",
        "finished",
        json!({"result": 5}),
        completed,
    )
    .await?;
    let failed = ProcessStatus::Failed {
        await_output: failure_with_raw("disk full", json!("disk full")),
    };
    ends_as(
        &cx,
        RULE,
        "p-failed",
        "crashed",
        json!({"error": "disk full"}),
        failed,
    )
    .await?;
    let cancelled = ProcessStatus::Cancelled {
        await_output: cancelled_with_raw("user", json!("user")),
    };
    ends_as(
        &cx,
        RULE,
        "p-cancelled",
        "aborted",
        json!({"why": "user"}),
        cancelled,
    )
    .await
}

/// TERM-2: decoded outputs kept as given (even across states), other values
/// wrapped by state, the whole payload without a selector.
async fn await_outputs_are_materialised(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-2";
    let timeout = ProcessAwaitOutput::failure("timeout", "slow", "took too long");
    let timeout_json = json!({
        "type": "failure", "class": "timeout", "code": "slow", "message": "took too long"
    });
    let cases = [
        (
            "decoded",
            "crashed",
            json!({"error": timeout_json.clone()}),
            ProcessStatus::Failed {
                await_output: timeout.clone(),
            },
        ),
        (
            "decoded-other-variant",
            "finished",
            json!({"result": timeout_json}),
            ProcessStatus::Completed {
                await_output: timeout,
            },
        ),
        (
            "wrapped-success",
            "finished",
            json!({"result": {"x": 1}}),
            ProcessStatus::Completed {
                await_output: ProcessAwaitOutput::success(json!({"x": 1})),
            },
        ),
        (
            "wrapped-failure",
            "crashed",
            json!({"error": {"errno": 28}}),
            ProcessStatus::Failed {
                await_output: failure_with_raw(r#"{"errno":28}"#, json!({"errno": 28})),
            },
        ),
        (
            "wrapped-cancel",
            "aborted",
            json!({"why": ["a", 1]}),
            ProcessStatus::Cancelled {
                await_output: cancelled_with_raw(r#"["a",1]"#, json!(["a", 1])),
            },
        ),
        (
            "whole-payload",
            "finished_whole",
            json!({"a": 1, "b": [true]}),
            ProcessStatus::Completed {
                await_output: ProcessAwaitOutput::success(json!({"a": 1, "b": [true]})),
            },
        ),
    ];
    for (id, event_type, payload, expected) in cases {
        ends_as(&cx, RULE, id, event_type, payload, expected).await?;
    }
    Ok(())
}

/// TERM-3: any terminal event under a new key on a terminal process fails.
async fn second_terminal_event_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-3";
    register(&cx, RULE, terminal_registration("p1")).await?;
    let first =
        ProcessEventAppendRequest::new("finished", json!({"result": 1})).with_replay_key("t1");
    append(&cx, RULE, "p1", first).await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    cx.advance(5).await;
    let second = [
        ProcessEventAppendRequest::new("crashed", json!({"error": "late"})).with_replay_key("t2"),
        ProcessEventAppendRequest::new("finished", json!({"result": 1})).with_replay_key("t3"),
        ProcessEventAppendRequest::new(
            PROCESS_CANCELLED,
            json!({"await_output": {"type": "cancelled", "message": "m"}}),
        )
        .with_replay_key("t4"),
    ];
    for request in second {
        let call = describe_append("p1", &request);
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::AlreadyTerminal,
            "is already terminal",
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    }
    Ok(())
}

/// TERM-4: `complete_process` appends `process.<state>` with the output and
/// the `process:<id>:terminal:<type>` key, and returns the current record.
async fn complete_process_appends_core_event(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-4";
    let cases = [
        (
            "p-success",
            ProcessAwaitOutput::success(json!({"answer": 42})),
            PROCESS_COMPLETED,
            json!({"await_output": {"type": "success", "value": {"answer": 42}}}),
        ),
        (
            "p-failure",
            ProcessAwaitOutput::failure("timeout", "slow", "took too long"),
            PROCESS_FAILED,
            json!({"await_output": {
                "type": "failure", "class": "timeout", "code": "slow", "message": "took too long"
            }}),
        ),
        (
            "p-cancelled",
            ProcessAwaitOutput::cancelled("user"),
            PROCESS_CANCELLED,
            json!({"await_output": {"type": "cancelled", "message": "user"}}),
        ),
    ];
    for (id, output, event_type, payload) in cases {
        register(&cx, RULE, registration(id)).await?;
        append(&cx, RULE, id, note(json!({}))).await?;
        cx.advance(5).await;
        let call = format!(
            "complete_process({id}, {})",
            serde_json::to_string(&output).unwrap_or_default()
        );
        let returned = cx.ok(
            RULE,
            &call,
            cx.registry().complete_process(id, output.clone()).await,
        )?;
        let (record, events) = snapshot(&cx, RULE, id).await?;
        cx.ensure_eq(
            RULE,
            &format!("record returned by {call} versus get_process({id})"),
            &record,
            &returned,
        )?;
        cx.ensure_eq(
            RULE,
            &format!("await output in the status after {call}"),
            &Some(&output),
            &record.status.await_output(),
        )?;
        cx.ensure_eq(
            RULE,
            &format!("number of events after {call}"),
            &2,
            &events.len(),
        )?;
        let terminal = &events[1];
        cx.ensure_eq(
            RULE,
            &format!("sequence of the event from {call}"),
            &2,
            &terminal.sequence,
        )?;
        cx.ensure_eq(
            RULE,
            &format!("type of the event from {call}"),
            &event_type,
            &terminal.event_type.as_str(),
        )?;
        cx.ensure_eq(
            RULE,
            &format!("payload of the event from {call}"),
            &payload,
            &terminal.payload,
        )?;
        let key = format!("process:{id}:terminal:{event_type}");
        cx.ensure_eq(
            RULE,
            &format!("replay key of the event from {call}"),
            &Some(key),
            &terminal.replay_key,
        )?;
    }
    Ok(())
}

/// TERM-5: the same output again returns the same record and writes nothing.
async fn completing_again_is_idempotent(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-5";
    register(&cx, RULE, registration("p1")).await?;
    let output = ProcessAwaitOutput::failure("timeout", "slow", "took too long");
    let call = "complete_process(p1, failure timeout/slow)";
    let first = cx.ok(
        RULE,
        call,
        cx.registry().complete_process("p1", output.clone()).await,
    )?;
    let before = snapshot(&cx, RULE, "p1").await?;
    for attempt in 1..=2 {
        cx.advance(5).await;
        let what = format!("{call} again (attempt {attempt})");
        let again = cx.ok(
            RULE,
            &what,
            cx.registry().complete_process("p1", output.clone()).await,
        )?;
        cx.ensure_eq(RULE, &format!("record returned by {what}"), &first, &again)?;
        ensure_unchanged(&cx, RULE, &what, "p1", &before).await?;
    }
    let terminal_events = before
        .1
        .iter()
        .filter(|event| event.semantics.terminal.is_some())
        .count();
    cx.ensure_eq(RULE, "terminal events in p1's log", &1, &terminal_events)
}

/// TERM-6: the same state with another output is `ReplayConflict`.
async fn same_state_different_output_conflicts(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-6";
    register(&cx, RULE, registration("p1")).await?;
    let original = ProcessAwaitOutput::success(json!(1));
    cx.ok(
        RULE,
        "complete_process(p1, success 1)",
        cx.registry().complete_process("p1", original.clone()).await,
    )?;
    let before = snapshot(&cx, RULE, "p1").await?;
    cx.advance(5).await;
    for (call, other) in [
        (
            "complete_process(p1, success 2)",
            ProcessAwaitOutput::success(json!(2)),
        ),
        (
            "complete_process(p1, success 1 with control)",
            ProcessAwaitOutput::Success {
                value: json!(1),
                control: Some(json!("c")),
            },
        ),
    ] {
        let result = cx.registry().complete_process("p1", other).await;
        cx.err_containing(
            RULE,
            call,
            result,
            ErrorKind::ReplayConflict,
            "conflicts with an existing event",
        )?;
        ensure_unchanged(&cx, RULE, call, "p1", &before).await?;
    }
    let awaited = await_terminal(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "await_process(p1) after the conflicts",
        &original,
        &awaited,
    )
}

/// Asserts completing `id` with a failure and a cancellation is `AlreadyTerminal` and changes nothing.
async fn other_states_rejected(cx: &CheckContext<'_>, rule: &str, id: &str) -> CheckResult {
    let before = snapshot(cx, rule, id).await?;
    cx.advance(5).await;
    for (state, other) in [
        ("failure", ProcessAwaitOutput::failure("c", "x", "m")),
        ("cancelled", ProcessAwaitOutput::cancelled("late")),
    ] {
        let call = format!("complete_process({id}, {state})");
        let result = cx.registry().complete_process(id, other).await;
        cx.err_containing(
            rule,
            &call,
            result,
            ErrorKind::AlreadyTerminal,
            "is already terminal",
        )?;
        ensure_unchanged(cx, rule, &call, id, &before).await?;
    }
    Ok(())
}

/// TERM-7: another terminal state through `complete_process` is `AlreadyTerminal`.
async fn different_terminal_state_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-7";
    register(&cx, RULE, registration("p1")).await?;
    let output = ProcessAwaitOutput::success(json!(1));
    cx.ok(
        RULE,
        "complete_process(p1, success 1)",
        cx.registry().complete_process("p1", output).await,
    )?;
    other_states_rejected(&cx, RULE, "p1").await
}

/// TERM-7: also after the process ended through a direct append under another key.
async fn completion_after_direct_terminal_append(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-7";
    register(&cx, RULE, terminal_registration("p1")).await?;
    let request =
        ProcessEventAppendRequest::new("finished", json!({"result": 1})).with_replay_key("mine");
    append(&cx, RULE, "p1", request).await?;
    other_states_rejected(&cx, RULE, "p1").await
}

/// TERM-8: `complete_process` on an unknown id is `NotFound` and creates nothing.
async fn completing_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-8";
    let result = cx
        .registry()
        .complete_process("ghost", ProcessAwaitOutput::success(json!(1)))
        .await;
    cx.err_containing(
        RULE,
        "complete_process(ghost, success 1)",
        result,
        ErrorKind::NotFound,
        "unknown process",
    )?;
    let ghost = cx.registry().get_process("ghost").await;
    cx.ensure(RULE, ghost.is_none(), || {
        "get_process(ghost) after a failed completion: expected none, observed a record".to_owned()
    })
}

/// TERM-9: later events, grants, refs and lease calls leave status and output alone.
async fn terminal_status_is_frozen(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-9";
    register(&cx, RULE, registration("p1")).await?;
    let lease = cx.ok(
        RULE,
        "claim_process_lease(p1, w1, 60000)",
        cx.registry().claim_process_lease("p1", "w1", 60_000).await,
    )?;
    let output = ProcessAwaitOutput::cancelled("stopped");
    cx.ok(
        RULE,
        "complete_process(p1, cancelled \"stopped\")",
        cx.registry().complete_process("p1", output.clone()).await,
    )?;
    let frozen = ProcessStatus::Cancelled {
        await_output: output.clone(),
    };
    let ensure_frozen = |after: String, record: Option<ProcessRecord>| -> CheckResult {
        let record = cx.some(RULE, &format!("get_process(p1) after {after}"), record)?;
        cx.ensure_eq(
            RULE,
            &format!("status of p1 after {after}"),
            &frozen,
            &record.status,
        )
    };
    cx.advance(5).await;
    for request in [
        note(json!({"after": true})),
        wake("w", &session("s")),
        ProcessEventAppendRequest::cancel_requested("p1", Some("again")),
    ] {
        let call = describe_append("p1", &request);
        append(&cx, RULE, "p1", request).await?;
        ensure_frozen(call, cx.registry().get_process("p1").await)?;
    }
    let scope = session("s");
    let call = "grant_handle(session:s, p1)";
    cx.ok(
        RULE,
        call,
        cx.registry()
            .grant_handle(&scope, "p1", ProcessHandleDescriptor::labelled("h"))
            .await,
    )?;
    ensure_frozen(call.to_owned(), cx.registry().get_process("p1").await)?;
    let call = "set_external_ref(p1, restate/inv-1)";
    cx.ok(
        RULE,
        call,
        cx.registry()
            .set_external_ref("p1", ProcessExternalRef::new("restate", "inv-1"))
            .await,
    )?;
    ensure_frozen(call.to_owned(), cx.registry().get_process("p1").await)?;
    let call = "renew_process_lease(w1's lease, 60000)";
    let renewed = cx.ok(
        RULE,
        call,
        cx.registry().renew_process_lease(&lease, 60_000).await,
    )?;
    ensure_frozen(call.to_owned(), cx.registry().get_process("p1").await)?;
    let call = "complete_process_lease(w1's lease)";
    let completion = ProcessLeaseCompletion::from_lease(&renewed);
    cx.ok(
        RULE,
        call,
        cx.registry().complete_process_lease(&completion).await,
    )?;
    ensure_frozen(call.to_owned(), cx.registry().get_process("p1").await)?;
    // Whether a claim on a terminal process is refused is LEASE-2 (a SHOULD);
    // either way the status must not move.
    let _ = cx.registry().claim_process_lease("p1", "w2", 60_000).await;
    ensure_frozen(
        "claim_process_lease(p1, w2, 60000)".to_owned(),
        cx.registry().get_process("p1").await,
    )?;
    cx.ok(
        RULE,
        "revoke_handle(session:s, p1)",
        cx.registry().revoke_handle(&scope, "p1").await,
    )?;
    ensure_frozen(
        "revoke_handle(session:s, p1)".to_owned(),
        cx.registry().get_process("p1").await,
    )?;
    let awaited = await_terminal(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "await_process(p1) after later calls",
        &output,
        &awaited,
    )
}

/// TERM-10: anyone may complete a leased process; the lease stays the holder's.
async fn complete_process_ignores_leases(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-10";
    register(&cx, RULE, registration("p1")).await?;
    let lease = cx.ok(
        RULE,
        "claim_process_lease(p1, w1, 60000)",
        cx.registry().claim_process_lease("p1", "w1", 60_000).await,
    )?;
    let output = ProcessAwaitOutput::success(json!("by someone else"));
    let call = "complete_process(p1) while w1 holds a live lease";
    let record = cx.ok(
        RULE,
        call,
        cx.registry().complete_process("p1", output.clone()).await,
    )?;
    cx.ensure_eq(
        RULE,
        &format!("await output after {call}"),
        &Some(&output),
        &record.status.await_output(),
    )?;
    let call = "renew_process_lease(w1's lease, 60000) after the completion";
    let renewed = cx.ok(
        RULE,
        call,
        cx.registry().renew_process_lease(&lease, 60_000).await,
    )?;
    cx.ensure_eq(
        RULE,
        &format!("owner, lease token, fencing token and claimed_at from {call}"),
        &(
            &lease.owner_id,
            &lease.lease_token,
            lease.fencing_token,
            lease.claimed_at_epoch_ms,
        ),
        &(
            &renewed.owner_id,
            &renewed.lease_token,
            renewed.fencing_token,
            renewed.claimed_at_epoch_ms,
        ),
    )?;
    let completion = ProcessLeaseCompletion::from_lease(&renewed);
    cx.ok(
        RULE,
        "complete_process_lease(w1's lease)",
        cx.registry().complete_process_lease(&completion).await,
    )?;
    Ok(())
}

/// TERM-11: `await_process` returns the completion output unchanged, control and raw included.
async fn await_returns_the_completion_output(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-11";
    let outputs = [
        (
            "p-success",
            ProcessAwaitOutput::Success {
                value: json!({"rows": [1, 2, 3], "note": null, "text": "\u{2713}"}),
                control: Some(json!({"resume": true})),
            },
        ),
        (
            "p-failure",
            ProcessAwaitOutput::Failure {
                class: "timeout".to_owned(),
                code: "deadline".to_owned(),
                message: "took too long".to_owned(),
                raw: Some(json!({"elapsed_ms": 9000})),
                control: Some(json!("retry")),
            },
        ),
        (
            "p-cancelled",
            ProcessAwaitOutput::Cancelled {
                message: "user".to_owned(),
                raw: Some(json!(["why", 1])),
                control: None,
            },
        ),
        ("p-null", ProcessAwaitOutput::success(Value::Null)),
    ];
    for (id, output) in outputs {
        register(&cx, RULE, registration(id)).await?;
        let call = format!("complete_process({id}, ..)");
        cx.ok(
            RULE,
            &call,
            cx.registry().complete_process(id, output.clone()).await,
        )?;
        cx.advance(5).await;
        let awaited = await_terminal(&cx, RULE, id).await?;
        cx.ensure_eq(
            RULE,
            &format!("await_process({id}) after {call}"),
            &output,
            &awaited,
        )?;
    }
    Ok(())
}
