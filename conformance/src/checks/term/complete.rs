//! TERM-4 to TERM-8 and TERM-10: `complete_process`: the keyed core event, idempotence,
//! conflicts, other states, unknown ids and leases.

use super::support::{await_terminal, terminal_registration};
use crate::check::CheckResult;
use crate::checks::event::{append, ensure_unchanged, register, snapshot};
use crate::context::CheckContext;
use crate::fixtures::{note, registration};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessLeaseCompletion,
    PROCESS_CANCELLED, PROCESS_COMPLETED, PROCESS_FAILED,
};
use serde_json::json;

/// TERM-4: `complete_process` appends `process.<state>` with the output and
/// the `process:<id>:terminal:<type>` key, and returns the current record.
pub(super) async fn complete_process_appends_core_event(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn completing_again_is_idempotent(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn same_state_different_output_conflicts(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn different_terminal_state_is_rejected(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn completion_after_direct_terminal_append(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "TERM-7";
    register(&cx, RULE, terminal_registration("p1")).await?;
    let request =
        ProcessEventAppendRequest::new("finished", json!({"result": 1})).with_replay_key("mine");
    append(&cx, RULE, "p1", request).await?;
    other_states_rejected(&cx, RULE, "p1").await
}

/// TERM-8: `complete_process` on an unknown id is `NotFound` and creates nothing.
pub(super) async fn completing_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
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

/// TERM-10: anyone may complete a leased process; the lease stays the holder's.
pub(super) async fn complete_process_ignores_leases(cx: CheckContext<'_>) -> CheckResult {
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
