//! REPLAY: replay keys make appends idempotent, and are judged before anything else.

use super::event::{
    append, append_fails, completed, describe_append, ensure_unchanged, register, sequences,
    snapshot,
};
use crate::check::{Check, CheckResult, Level, Needs};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake, WAKE};
use procreg::hash::wake_id;
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessScope,
    ProcessScopeId, ProcessStatus, ProcessTerminalState, ProcessValueSelector, ProcessWakeDelivery,
    PROCESS_CANCELLED, PROCESS_CANCEL_REQUESTED, PROCESS_COMPLETED, PROCESS_FAILED,
};
use serde_json::{json, Value};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "replay_same_key_same_content_returns_the_original_event",
            rules: &["REPLAY-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(same_key_same_content_returns_the_original(cx)),
        },
        Check {
            id: "replay_changes_nothing",
            rules: &["REPLAY-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(replay_changes_nothing(cx)),
        },
        Check {
            id: "replay_same_key_different_content_conflicts",
            rules: &["REPLAY-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(same_key_different_content_conflicts(cx)),
        },
        Check {
            id: "replay_of_an_applied_terminal_event_succeeds_on_a_terminal_process",
            rules: &["REPLAY-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(applied_terminal_event_replays_on_terminal_process(cx)),
        },
        Check {
            id: "replay_held_key_is_judged_before_the_declared_type_check",
            rules: &["REPLAY-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(held_key_before_declared_type(cx)),
        },
        Check {
            id: "replay_held_empty_key_is_judged_before_the_key_requirement",
            rules: &["REPLAY-4", "REPLAY-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(held_empty_key_before_key_requirement(cx)),
        },
        Check {
            id: "replay_held_key_is_judged_before_the_terminal_check",
            rules: &["REPLAY-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(held_key_before_terminal_check(cx)),
        },
        Check {
            id: "replay_keys_are_per_process",
            rules: &["REPLAY-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(keys_are_per_process(cx)),
        },
        Check {
            id: "replay_terminal_and_cancel_request_events_need_a_key",
            rules: &["REPLAY-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_and_cancel_events_need_a_key(cx)),
        },
        Check {
            id: "replay_cancel_requests_are_keyed_by_their_reason",
            rules: &["REPLAY-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(cancel_requests_keyed_by_reason(cx)),
        },
        Check {
            id: "replay_rederives_the_wake_delivery_from_the_request",
            rules: &["REPLAY-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(rederives_wake_delivery(cx)),
        },
        Check {
            id: "replay_of_a_wake_without_a_target_fails",
            rules: &["REPLAY-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_replay_without_target_fails(cx)),
        },
        Check {
            id: "replay_empty_key_is_still_a_key",
            rules: &["REPLAY-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(empty_key_is_still_a_key(cx)),
        },
        Check {
            id: "replay_unkeyed_appends_always_persist",
            rules: &["REPLAY-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(unkeyed_appends_always_persist(cx)),
        },
    ]
}

/// REPLAY-1: the same key and content return the stored event, time and all.
async fn same_key_same_content_returns_the_original(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-1";
    register(&cx, RULE, registration("p1")).await?;
    let first = append(&cx, RULE, "p1", note(json!({"n": 1})).with_replay_key("k")).await?;
    append(&cx, RULE, "p1", note(json!({"n": 2}))).await?;
    cx.advance(10).await;
    let again = append(&cx, RULE, "p1", note(json!({"n": 1})).with_replay_key("k")).await?;
    cx.ensure_eq(
        RULE,
        "replayed append_event(p1, note {\"n\":1}, key \"k\")",
        &first,
        &again,
    )?;
    let (_, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "stored sequences after the replay",
        &vec![1, 2],
        &sequences(&events),
    )?;
    cx.ensure_eq(RULE, "stored event 1", &first.event, &events[0])
}

/// REPLAY-2: a replay bumps nothing, on a running and on a terminal process.
async fn replay_changes_nothing(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-2";
    register(&cx, RULE, registration("p1")).await?;
    append(&cx, RULE, "p1", note(json!({"n": 1})).with_replay_key("k")).await?;
    cx.advance(5).await;
    append(&cx, RULE, "p1", note(json!({"n": 2}))).await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    cx.advance(10).await;
    let request = note(json!({"n": 1})).with_replay_key("k");
    let call = describe_append("p1", &request);
    append(&cx, RULE, "p1", request).await?;
    ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    cx.ensure_eq(
        RULE,
        "status of p1 after a replay",
        &ProcessStatus::Running,
        &before.0.status,
    )?;

    let output = ProcessAwaitOutput::success(json!(1));
    cx.ok(
        RULE,
        "complete_process(p1, success 1)",
        cx.registry().complete_process("p1", output).await,
    )?;
    let terminal = snapshot(&cx, RULE, "p1").await?;
    cx.advance(10).await;
    let request = note(json!({"n": 2})).with_replay_key("late");
    append(&cx, RULE, "p1", request.clone()).await?;
    let after_late = snapshot(&cx, RULE, "p1").await?;
    cx.advance(10).await;
    let call = describe_append("p1", &request);
    append(&cx, RULE, "p1", request).await?;
    ensure_unchanged(&cx, RULE, &call, "p1", &after_late).await?;
    cx.ensure_eq(
        RULE,
        "status of p1 after replays on a terminal process",
        &terminal.0.status,
        &after_late.0.status,
    )
}

/// REPLAY-3: a held key with another payload or type conflicts, writing nothing.
async fn same_key_different_content_conflicts(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-3";
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([ProcessEventType::new("other_note")]),
    )
    .await?;
    append(&cx, RULE, "p1", note(json!({"n": 1})).with_replay_key("k")).await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    cx.advance(5).await;
    let conflicting = [
        note(json!({"n": 2})).with_replay_key("k"),
        note(json!({"n": 1, "extra": null})).with_replay_key("k"),
        ProcessEventAppendRequest::new("other_note", json!({"n": 1})).with_replay_key("k"),
        wake("m", &session("s1")).with_replay_key("k"),
    ];
    for request in conflicting {
        let call = describe_append("p1", &request);
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::ReplayConflict,
            "event replay key `k` conflicts with an existing event",
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    }
    Ok(())
}

/// REPLAY-4: replaying the applied terminal event on the terminal process succeeds.
async fn applied_terminal_event_replays_on_terminal_process(cx: CheckContext<'_>) -> CheckResult {
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
async fn held_key_before_declared_type(cx: CheckContext<'_>) -> CheckResult {
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
async fn held_empty_key_before_key_requirement(cx: CheckContext<'_>) -> CheckResult {
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
async fn held_key_before_terminal_check(cx: CheckContext<'_>) -> CheckResult {
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

/// REPLAY-5: the same key on two processes names two independent events.
async fn keys_are_per_process(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-5";
    register(&cx, RULE, registration("a")).await?;
    register(&cx, RULE, registration("b")).await?;
    append(&cx, RULE, "a", note(json!({"n": 0}))).await?;
    let on_a = append(
        &cx,
        RULE,
        "a",
        note(json!({"owner": "a"})).with_replay_key("k"),
    )
    .await?;
    let on_b = append(
        &cx,
        RULE,
        "b",
        note(json!({"owner": "b"})).with_replay_key("k"),
    )
    .await?;
    cx.ensure_eq(
        RULE,
        "sequence of b's event under a's key",
        &1,
        &on_b.event.sequence,
    )?;
    cx.ensure_eq(
        RULE,
        "process of b's keyed event",
        &"b".to_owned(),
        &on_b.event.process_id,
    )?;
    cx.ensure_eq(
        RULE,
        "payload of b's keyed event",
        &json!({"owner": "b"}),
        &on_b.event.payload,
    )?;
    let replay_a = append(
        &cx,
        RULE,
        "a",
        note(json!({"owner": "a"})).with_replay_key("k"),
    )
    .await?;
    cx.ensure_eq(RULE, "a's replay of its own key", &on_a, &replay_a)?;
    let replay_b = append(
        &cx,
        RULE,
        "b",
        note(json!({"owner": "b"})).with_replay_key("k"),
    )
    .await?;
    cx.ensure_eq(RULE, "b's replay of its own key", &on_b, &replay_b)?;
    let (_, log_a) = snapshot(&cx, RULE, "a").await?;
    let (_, log_b) = snapshot(&cx, RULE, "b").await?;
    cx.ensure_eq(RULE, "sequences of a", &vec![1, 2], &sequences(&log_a))?;
    cx.ensure_eq(RULE, "log of b", &vec![on_b.event], &log_b)
}

/// REPLAY-6: terminal and cancel-request types without a non-empty key fail.
async fn terminal_and_cancel_events_need_a_key(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-6";
    let finished = ProcessEventType::terminal(
        "finished",
        ProcessTerminalState::Completed,
        Some(ProcessValueSelector::pointer("/result")),
    );
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([finished]),
    )
    .await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let output = json!({"await_output": {"type": "cancelled", "message": "stop"}});
    let unkeyed = [
        ProcessEventAppendRequest::new(PROCESS_COMPLETED, output.clone()),
        ProcessEventAppendRequest::new(PROCESS_FAILED, output.clone()),
        ProcessEventAppendRequest::new(PROCESS_CANCELLED, output),
        ProcessEventAppendRequest::new(PROCESS_CANCEL_REQUESTED, json!({"reason": "x"})),
        ProcessEventAppendRequest::new("finished", json!({"result": 1})),
    ];
    for request in unkeyed {
        for request in [request.clone(), request.with_replay_key("")] {
            let call = describe_append("p1", &request);
            let expected = format!(
                "event `{}` requires a deterministic replay key",
                request.event_type
            );
            append_fails(
                &cx,
                RULE,
                "p1",
                request,
                ErrorKind::ReplayKeyRequired,
                &expected,
            )
            .await?;
            ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
        }
    }
    let plain = append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of an unkeyed note",
        &1,
        &plain.event.sequence,
    )?;
    let keyed = append(&cx, RULE, "p1", completed(json!(1), "done")).await?;
    cx.ensure_eq(
        RULE,
        "sequence of a keyed terminal event",
        &2,
        &keyed.event.sequence,
    )
}

/// REPLAY-7: one event per distinct cancel reason.
async fn cancel_requests_keyed_by_reason(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-7";
    register(&cx, RULE, registration("p1")).await?;
    let cancel = |reason| ProcessEventAppendRequest::cancel_requested("p1", reason);
    let user = append(&cx, RULE, "p1", cancel(Some("user"))).await?;
    let user_again = append(&cx, RULE, "p1", cancel(Some("user"))).await?;
    let timeout = append(&cx, RULE, "p1", cancel(Some("timeout"))).await?;
    let no_reason = append(&cx, RULE, "p1", cancel(None)).await?;
    let no_reason_again = append(&cx, RULE, "p1", cancel(None)).await?;
    let user_late = append(&cx, RULE, "p1", cancel(Some("user"))).await?;
    cx.ensure_eq(
        RULE,
        "cancel request \"user\" appended twice",
        &user,
        &user_again,
    )?;
    cx.ensure_eq(
        RULE,
        "cancel request \"user\" appended again later",
        &user,
        &user_late,
    )?;
    cx.ensure_eq(
        RULE,
        "cancel request without reason appended twice",
        &no_reason,
        &no_reason_again,
    )?;
    let returned: Vec<u64> = [&user, &timeout, &no_reason]
        .iter()
        .map(|result| result.event.sequence)
        .collect();
    cx.ensure_eq(
        RULE,
        "sequences of user, timeout, no reason",
        &vec![1, 2, 3],
        &returned,
    )?;
    let (record, events) = snapshot(&cx, RULE, "p1").await?;
    let payloads: Vec<Value> = events.iter().map(|event| event.payload.clone()).collect();
    cx.ensure_eq(
        RULE,
        "stored cancel-request payloads",
        &vec![
            json!({"reason": "user"}),
            json!({"reason": "timeout"}),
            json!({"reason": null}),
        ],
        &payloads,
    )?;
    cx.ensure_eq(
        RULE,
        "status after cancel requests",
        &ProcessStatus::Running,
        &record.status,
    )
}

/// REPLAY-8: a replay builds its delivery from the stored wake and the new request's target.
async fn rederives_wake_delivery(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-8";
    register(&cx, RULE, registration("p1")).await?;
    let first = append(
        &cx,
        RULE,
        "p1",
        wake("hi", &session("s1")).with_replay_key("w1"),
    )
    .await?;
    let first_delivery = cx.some(
        RULE,
        "wake delivery of append_event(p1, wake \"hi\", key \"w1\")",
        first.wake_delivery.clone(),
    )?;
    let before = snapshot(&cx, RULE, "p1").await?;
    cx.advance(10).await;

    let same = append(
        &cx,
        RULE,
        "p1",
        wake("hi", &session("s1")).with_replay_key("w1"),
    )
    .await?;
    cx.ensure_eq(RULE, "replay to the same target", &first, &same)?;

    let frame = ProcessScope::frame("s2", "f");
    let request = wake("hi", &frame).with_replay_key("w1");
    let call = describe_append("p1", &request);
    let moved = append(&cx, RULE, "p1", request).await?;
    cx.ensure_eq(
        RULE,
        &format!("event returned by {call}"),
        &first.event,
        &moved.event,
    )?;
    let expected = ProcessWakeDelivery {
        wake_id: wake_id("session:s2/frame:f", &first_delivery.dedupe_key),
        target_session_id: "s2".to_owned(),
        target_scope_id: ProcessScopeId("session:s2/frame:f".to_owned()),
        ..first_delivery.clone()
    };
    let observed = cx.some(
        RULE,
        &format!("wake delivery of {call}"),
        moved.wake_delivery,
    )?;
    cx.ensure_eq(
        RULE,
        &format!("wake delivery of {call}"),
        &expected,
        &observed,
    )?;
    cx.ensure_ne(
        RULE,
        "wake id of the replay to another target",
        &first_delivery.wake_id,
        &observed.wake_id,
    )?;
    ensure_unchanged(&cx, RULE, &call, "p1", &before).await
}

/// REPLAY-8: replaying a wake event without a target is `MissingWakeTarget`.
async fn wake_replay_without_target_fails(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-8";
    register(&cx, RULE, registration("p1")).await?;
    append(
        &cx,
        RULE,
        "p1",
        wake("hi", &session("s1")).with_replay_key("w1"),
    )
    .await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let request =
        ProcessEventAppendRequest::new(WAKE, json!({"message": "hi"})).with_replay_key("w1");
    let call = describe_append("p1", &request);
    append_fails(
        &cx,
        RULE,
        "p1",
        request,
        ErrorKind::MissingWakeTarget,
        "without a wake target scope",
    )
    .await?;
    ensure_unchanged(&cx, RULE, &call, "p1", &before).await
}

/// REPLAY-9: the empty key is stored and dedupes like any other.
async fn empty_key_is_still_a_key(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-9";
    register(&cx, RULE, registration("p1")).await?;
    let first = append(&cx, RULE, "p1", note(json!({"n": 1})).with_replay_key("")).await?;
    cx.ensure_eq(
        RULE,
        "replay key stored for an empty key",
        &Some(String::new()),
        &first.event.replay_key,
    )?;
    cx.advance(5).await;
    let replayed = append(&cx, RULE, "p1", note(json!({"n": 1})).with_replay_key("")).await?;
    cx.ensure_eq(RULE, "same content under the empty key", &first, &replayed)?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let request = note(json!({"n": 2})).with_replay_key("");
    let call = describe_append("p1", &request);
    append_fails(
        &cx,
        RULE,
        "p1",
        request,
        ErrorKind::ReplayConflict,
        "event replay key `` conflicts",
    )
    .await?;
    ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    let unkeyed = append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of an unkeyed note with the same content (no key is not the empty key)",
        &2,
        &unkeyed.event.sequence,
    )
}

/// REPLAY-10: equal unkeyed appends are separate events.
async fn unkeyed_appends_always_persist(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "REPLAY-10";
    register(&cx, RULE, registration("p1")).await?;
    let mut returned = Vec::new();
    for _ in 0..3 {
        let result = append(&cx, RULE, "p1", note(json!({"same": true}))).await?;
        cx.ensure_eq(
            RULE,
            "replay key of an unkeyed note",
            &None,
            &result.event.replay_key,
        )?;
        returned.push(result.event.sequence);
    }
    for _ in 0..2 {
        let result = append(&cx, RULE, "p1", wake("w", &session("s1"))).await?;
        returned.push(result.event.sequence);
    }
    cx.ensure_eq(
        RULE,
        "sequences of five equal unkeyed appends",
        &vec![1, 2, 3, 4, 5],
        &returned,
    )?;
    let (_, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "stored sequences",
        &vec![1, 2, 3, 4, 5],
        &sequences(&events),
    )
}
