//! TERM-9 and TERM-11: after the end, the status is frozen and `await_process` returns
//! the completion output.

use super::support::await_terminal;
use crate::check::CheckResult;
use crate::checks::event::{append, describe_append, register};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    ProcessAwaitOutput, ProcessEventAppendRequest, ProcessExternalRef, ProcessHandleDescriptor,
    ProcessLeaseCompletion, ProcessRecord, ProcessStatus,
};
use serde_json::{json, Value};

/// TERM-9: later events, grants, refs and lease calls leave status and output alone.
pub(super) async fn terminal_status_is_frozen(cx: CheckContext<'_>) -> CheckResult {
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

/// TERM-11: `await_process` returns the completion output unchanged, control and raw included.
pub(super) async fn await_returns_the_completion_output(cx: CheckContext<'_>) -> CheckResult {
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
