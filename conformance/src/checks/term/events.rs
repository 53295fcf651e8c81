//! TERM-1 to TERM-3: terminal events end the process in their declared state with
//! materialised outputs, once.

use super::support::{await_terminal, terminal_registration};
use crate::check::CheckResult;
use crate::checks::event::{
    append, append_fails, describe_append, ensure_unchanged, register, snapshot,
};
use crate::context::CheckContext;
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessStatus, PROCESS_CANCELLED,
};
use serde_json::{json, Value};

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
pub(super) async fn terminal_event_ends_the_process(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn await_outputs_are_materialised(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn second_terminal_event_is_rejected(cx: CheckContext<'_>) -> CheckResult {
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
