//! REPLAY-1 to REPLAY-3, REPLAY-5, REPLAY-9 and REPLAY-10: a held key returns the
//! original event or conflicts; keys are per process; unkeyed appends always persist.

use crate::check::CheckResult;
use crate::checks::event::{
    append, append_fails, describe_append, ensure_unchanged, register, sequences, snapshot,
};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessStatus,
};
use serde_json::json;

/// REPLAY-1: the same key and content return the stored event, time and all.
pub(super) async fn same_key_same_content_returns_the_original(
    cx: CheckContext<'_>,
) -> CheckResult {
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
pub(super) async fn replay_changes_nothing(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn same_key_different_content_conflicts(cx: CheckContext<'_>) -> CheckResult {
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

/// REPLAY-5: the same key on two processes names two independent events.
pub(super) async fn keys_are_per_process(cx: CheckContext<'_>) -> CheckResult {
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

/// REPLAY-9: the empty key is stored and dedupes like any other.
pub(super) async fn empty_key_is_still_a_key(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn unkeyed_appends_always_persist(cx: CheckContext<'_>) -> CheckResult {
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
