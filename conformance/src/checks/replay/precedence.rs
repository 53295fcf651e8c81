//! REPLAY-4: a held key is judged before the declared-type, key-requirement and terminal checks.

use crate::check::CheckResult;
use crate::checks::event::{
    append, append_fails, completed, describe_append, ensure_unchanged, register, snapshot,
};
use crate::context::CheckContext;
use crate::fixtures::{note, registration};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessStatus, PROCESS_FAILED,
};
use serde_json::json;

/// REPLAY-4: replaying the applied terminal event on the terminal process succeeds.
pub(super) async fn applied_terminal_event_replays_on_terminal_process(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "REPLAY-4";
    register(&cx, RULE, registration("p1")).await?;
    let first = append(&cx, RULE, "p1", completed(json!(1), "done")).await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let expected = ProcessStatus::Completed {
        await_output: ProcessAwaitOutput::success(json!(1)),
    };
    cx.ensure_eq(
        RULE,
        "status of p1 after its terminal event",
        &expected,
        &before.0.status,
    )?;
    cx.advance(10).await;
    let request = completed(json!(1), "done");
    let call = describe_append("p1", &request);
    let replayed = append(&cx, RULE, "p1", request).await?;
    cx.ensure_eq(RULE, &format!("{call} on terminal p1"), &first, &replayed)?;
    ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;

    // The same holds for the key complete_process uses.
    register(&cx, RULE, registration("p2")).await?;
    let output = ProcessAwaitOutput::cancelled("stop");
    let request = ProcessEventAppendRequest::terminal("p2", &output);
    let first = append(&cx, RULE, "p2", request.clone()).await?;
    let call = describe_append("p2", &request);
    let replayed = append(&cx, RULE, "p2", request).await?;
    cx.ensure_eq(RULE, &format!("{call} on terminal p2"), &first, &replayed)
}

/// REPLAY-4: an undeclared type under a held key conflicts instead of being undeclared.
pub(super) async fn held_key_before_declared_type(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-4";
    register(&cx, RULE, registration("p1")).await?;
    append(&cx, RULE, "p1", note(json!({"n": 1})).with_replay_key("k")).await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let request =
        ProcessEventAppendRequest::new("undeclared", json!({"n": 1})).with_replay_key("k");
    let call = describe_append("p1", &request);
    append_fails(
        &cx,
        RULE,
        "p1",
        request,
        ErrorKind::ReplayConflict,
        "conflicts with an existing event",
    )
    .await?;
    ensure_unchanged(&cx, RULE, &call, "p1", &before).await
}

/// REPLAY-4, REPLAY-9: a terminal event under a held empty key conflicts
/// instead of needing a key.
pub(super) async fn held_empty_key_before_key_requirement(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-4";
    register(&cx, RULE, registration("p1")).await?;
    append(
        &cx,
        "REPLAY-9",
        "p1",
        note(json!({"n": 1})).with_replay_key(""),
    )
    .await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let request = completed(json!(1), "");
    let call = describe_append("p1", &request);
    append_fails(
        &cx,
        RULE,
        "p1",
        request,
        ErrorKind::ReplayConflict,
        "conflicts with an existing event",
    )
    .await?;
    ensure_unchanged(&cx, RULE, &call, "p1", &before).await
}

/// REPLAY-4: another terminal event under the held key conflicts instead of
/// failing as already terminal.
pub(super) async fn held_key_before_terminal_check(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-4";
    register(&cx, RULE, registration("p1")).await?;
    append(&cx, RULE, "p1", completed(json!(1), "done")).await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let failed = ProcessEventAppendRequest::new(
        PROCESS_FAILED,
        json!({"await_output": {"type": "failure", "class": "c", "code": "x", "message": "m"}}),
    )
    .with_replay_key("done");
    for request in [failed, completed(json!(2), "done")] {
        let call = describe_append("p1", &request);
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::ReplayConflict,
            "event replay key `done` conflicts with an existing event",
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    }
    Ok(())
}
