//! EVENT-5, EVENT-6 and EVENT-11: what a stored event holds, its timestamps and the
//! `updated_at_ms` bump, and large payloads.

use super::support::{append, completed, describe_append, register, sequences, snapshot};
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session, wake, NOTE, WAKE};
use procreg::{
    ProcessAwaitOutput, ProcessEvent, ProcessEventSemantics, ProcessRecord,
    ProcessTerminalSemantics, ProcessTerminalState, ProcessWake, PROCESS_COMPLETED,
};
use serde_json::json;

/// EVENT-5: the returned and stored events carry exactly the request and its
/// materialised semantics (timestamps compared between themselves only).
pub(super) async fn stored_event_is_exactly_what_was_appended(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-5";
    register(&cx, RULE, registration("p1")).await?;

    let rich = json!({
        "text": "h\u{e9}llo \u{2713} \"quoted\"\n",
        "float": 1.5,
        "negative": -3,
        "big": 9_007_199_254_740_993_u64,
        "empty": {"object": {}, "array": [], "string": ""},
        "nested": [1, null, [true, {"k": "v"}]]
    });
    let plain = append(&cx, RULE, "p1", note(rich.clone())).await?;
    let expected_plain = ProcessEvent {
        process_id: "p1".to_owned(),
        sequence: 1,
        event_type: NOTE.to_owned(),
        payload: rich,
        replay_key: None,
        semantics: ProcessEventSemantics::default(),
        occurred_at_ms: plain.event.occurred_at_ms,
    };
    cx.ensure_eq(
        RULE,
        "event returned for a note",
        &expected_plain,
        &plain.event,
    )?;

    let request = wake("hello", &session("s1")).with_replay_key("wake-1");
    let woke = append(&cx, RULE, "p1", request).await?;
    let expected_wake = ProcessEvent {
        process_id: "p1".to_owned(),
        sequence: 2,
        event_type: WAKE.to_owned(),
        payload: json!({"message": "hello"}),
        replay_key: Some("wake-1".to_owned()),
        semantics: ProcessEventSemantics {
            terminal: None,
            wake: Some(ProcessWake {
                input: "hello".to_owned(),
                dedupe_key: "p1:2".to_owned(),
            }),
        },
        occurred_at_ms: woke.event.occurred_at_ms,
    };
    cx.ensure_eq(
        RULE,
        "event returned for a wake",
        &expected_wake,
        &woke.event,
    )?;

    let value = json!({"nested": [1, null, "x"]});
    let done = append(&cx, RULE, "p1", completed(value.clone(), "done")).await?;
    let expected_done = ProcessEvent {
        process_id: "p1".to_owned(),
        sequence: 3,
        event_type: PROCESS_COMPLETED.to_owned(),
        payload: json!({"await_output": {"type": "success", "value": value.clone()}}),
        replay_key: Some("done".to_owned()),
        semantics: ProcessEventSemantics {
            terminal: Some(ProcessTerminalSemantics {
                state: ProcessTerminalState::Completed,
                await_output: ProcessAwaitOutput::success(value),
            }),
            wake: None,
        },
        occurred_at_ms: done.event.occurred_at_ms,
    };
    cx.ensure_eq(
        RULE,
        "event returned for a terminal event",
        &expected_done,
        &done.event,
    )?;

    let (_, stored) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "stored sequences",
        &vec![1, 2, 3],
        &sequences(&stored),
    )?;
    for (expected, observed) in [expected_plain, expected_wake, expected_done]
        .iter()
        .zip(&stored)
    {
        let what = format!("stored event {} of p1", expected.sequence);
        cx.ensure_eq(RULE, &what, expected, observed)?;
    }
    Ok(())
}

/// EVENT-6: `updated_at_ms` becomes the event's `occurred_at_ms`; nothing
/// else on the record moves.
pub(super) async fn append_bumps_updated_at_only(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-6";
    let registered = register(&cx, RULE, registration("p1")).await?;
    for (step, request) in [
        note(json!({"n": 1})),
        wake("w", &session("s1")),
        note(json!({"n": 2})).with_replay_key("k"),
    ]
    .into_iter()
    .enumerate()
    {
        cx.advance(5).await;
        let call = describe_append("p1", &request);
        let appended = append(&cx, RULE, "p1", request).await?;
        let record = cx.some(
            RULE,
            "get_process(p1)",
            cx.registry().get_process("p1").await,
        )?;
        cx.ensure_eq(
            RULE,
            &format!("updated_at_ms after append {} ({call})", step + 1),
            &appended.event.occurred_at_ms,
            &record.updated_at_ms,
        )?;
        cx.ensure_eq(
            RULE,
            &format!("created_at_ms after append {}", step + 1),
            &registered.created_at_ms,
            &record.created_at_ms,
        )?;
        let others = ProcessRecord {
            updated_at_ms: registered.updated_at_ms,
            ..record
        };
        cx.ensure_eq(
            RULE,
            &format!(
                "the record apart from updated_at_ms after append {}",
                step + 1
            ),
            &registered,
            &others,
        )?;
    }
    Ok(())
}

/// EVENT-5, EVENT-6 with exact time: `occurred_at_ms` and `updated_at_ms`
/// are the clock reading at the append.
pub(super) async fn append_timestamps_are_the_clock_reading(cx: CheckContext<'_>) -> CheckResult {
    let registered = register(&cx, "EVENT-6", registration("p1")).await?;
    for (step, request) in [note(json!({"n": 1})), wake("w", &session("s1"))]
        .into_iter()
        .enumerate()
    {
        cx.advance(250 * (step as u64 + 1)).await;
        let now = cx.now_ms();
        let appended = append(&cx, "EVENT-5", "p1", request).await?;
        cx.ensure_eq(
            "EVENT-5",
            &format!("occurred_at_ms of append {} at clock {now}", step + 1),
            &now,
            &appended.event.occurred_at_ms,
        )?;
        let (record, events) = snapshot(&cx, "EVENT-5", "p1").await?;
        let stored = cx.some(
            "EVENT-5",
            &format!("stored event {} of p1", step + 1),
            events.get(step),
        )?;
        cx.ensure_eq(
            "EVENT-5",
            &format!("stored occurred_at_ms of event {}", step + 1),
            &now,
            &stored.occurred_at_ms,
        )?;
        cx.ensure_eq(
            "EVENT-6",
            &format!("updated_at_ms after append {} at clock {now}", step + 1),
            &now,
            &record.updated_at_ms,
        )?;
        cx.ensure_eq(
            "EVENT-6",
            &format!("created_at_ms after append {}", step + 1),
            &registered.created_at_ms,
            &record.created_at_ms,
        )?;
    }
    Ok(())
}

/// Byte offset of the first difference between two texts.
fn first_difference(left: &str, right: &str) -> usize {
    left.bytes()
        .zip(right.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| left.len().min(right.len()))
}

/// EVENT-11: a 1 MiB payload comes back intact, returned and stored.
pub(super) async fn one_mebibyte_payload_round_trips(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-11";
    register(&cx, RULE, registration("p1")).await?;
    let blob: String = (0..1usize << 20)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let payload = json!({"blob": blob, "tail": "end \u{2713}"});
    let expected = payload.to_string();
    let appended = append(&cx, RULE, "p1", note(payload.clone())).await?;
    let (_, stored) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(RULE, "stored sequences", &vec![1], &sequences(&stored))?;
    for (what, observed) in [
        (
            "payload returned by append_event(p1, 1 MiB note)",
            &appended.event.payload,
        ),
        (
            "payload stored by append_event(p1, 1 MiB note)",
            &stored[0].payload,
        ),
    ] {
        cx.ensure(RULE, *observed == payload, || {
            let text = observed.to_string();
            format!(
                "{what}: expected {} bytes of JSON intact, observed {} bytes differing from byte {}",
                expected.len(),
                text.len(),
                first_difference(&expected, &text)
            )
        })?;
    }
    Ok(())
}
