//! EVENT: appends, sequences, `events_after`, and what a stored event holds.
//!
//! Also home of the small snapshot and append helpers the REPLAY, WAKE and
//! TERM checks share: every read goes through a counted assertion, and
//! "nothing changed" is compared piece by piece so a failure shows the part
//! that moved rather than a truncated record.

use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::{failure, CheckContext};
use crate::fixtures::{note, registration, session, wake, NOTE, WAKE};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessEventSemantics, ProcessEventType, ProcessRecord,
    ProcessRegistration, ProcessStatus, ProcessTerminalSemantics, ProcessTerminalState,
    ProcessValueSelector, ProcessWake, ProcessWakeDedupeKey, ProcessWakeSpec, RegistryError,
    PROCESS_COMPLETED,
};
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "event_append_to_unknown_process_fails",
            rules: &["EVENT-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(append_to_unknown_process_fails(cx)),
        },
        Check {
            id: "event_sequences_start_at_one_without_gaps",
            rules: &["EVENT-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(sequences_start_at_one_without_gaps(cx)),
        },
        Check {
            id: "event_undeclared_type_is_rejected_and_not_persisted",
            rules: &["EVENT-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(undeclared_type_is_rejected(cx)),
        },
        Check {
            id: "event_payload_failing_its_schema_is_rejected_and_not_persisted",
            rules: &["EVENT-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(payload_failing_schema_is_rejected(cx)),
        },
        Check {
            id: "event_stored_event_is_exactly_what_was_appended",
            rules: &["EVENT-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(stored_event_is_exactly_what_was_appended(cx)),
        },
        Check {
            id: "event_append_bumps_updated_at_to_occurred_at_only",
            rules: &["EVENT-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(append_bumps_updated_at_only(cx)),
        },
        Check {
            id: "event_append_timestamps_are_the_clock_reading",
            rules: &["EVENT-5", "EVENT-6"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(append_timestamps_are_the_clock_reading(cx)),
        },
        Check {
            id: "event_events_after_reads_strictly_after_the_cursor_in_order",
            rules: &["EVENT-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(events_after_reads_strictly_after_the_cursor(cx)),
        },
        Check {
            id: "event_logs_sequences_and_keys_are_per_process",
            rules: &["EVENT-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(logs_are_per_process(cx)),
        },
        Check {
            id: "event_concurrent_appends_serialise_without_gaps",
            rules: &["EVENT-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(concurrent_appends_serialise_without_gaps(cx)),
        },
        Check {
            id: "event_u64_max_cursors_yield_empty_lists",
            rules: &["EVENT-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(u64_max_cursors_yield_empty_lists(cx)),
        },
        Check {
            id: "event_one_mebibyte_payload_round_trips",
            rules: &["EVENT-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(one_mebibyte_payload_round_trips(cx)),
        },
        Check {
            id: "event_non_terminal_events_are_accepted_after_terminal",
            rules: &["EVENT-12"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(non_terminal_events_accepted_after_terminal(cx)),
        },
        Check {
            id: "event_selector_miss_rejects_the_append_and_persists_nothing",
            rules: &["EVENT-13"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(selector_miss_rejects_the_append(cx)),
        },
        Check {
            id: "event_falsy_when_is_not_an_error",
            rules: &["EVENT-13"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(falsy_when_is_not_an_error(cx)),
        },
    ]
}

// ---------------------------------------------------------------------------
// Helpers shared with replay.rs, wake.rs and term.rs.

/// The record and whole log of a process, as read before a call.
pub(crate) type Snapshot = (ProcessRecord, Vec<ProcessEvent>);

/// The sequences of `events`, in order.
pub(crate) fn sequences(events: &[ProcessEvent]) -> Vec<u64> {
    events.iter().map(|event| event.sequence).collect()
}

/// `append_event(id, type, payload, key, target)` for failure messages.
pub(crate) fn describe_append(id: &str, request: &ProcessEventAppendRequest) -> String {
    let mut payload = request.payload.to_string();
    if payload.len() > 80 {
        let mut cut = 80;
        while !payload.is_char_boundary(cut) {
            cut -= 1;
        }
        payload.truncate(cut);
        payload.push_str("...");
    }
    let mut text = format!("append_event({id}, {} {payload}", request.event_type);
    if let Some(key) = &request.replay_key {
        text.push_str(&format!(", key {key:?}"));
    }
    if let Some(target) = &request.wake_target_scope {
        text.push_str(&format!(", target {}", target.id()));
    }
    text.push(')');
    text
}

/// Registers `registration`, asserting success under `rule`.
pub(crate) async fn register(
    cx: &CheckContext<'_>,
    rule: &str,
    registration: ProcessRegistration,
) -> Result<ProcessRecord, CheckFailure> {
    let what = format!("register_process({})", registration.id);
    cx.ok(
        rule,
        &what,
        cx.registry().register_process(registration).await,
    )
}

/// Appends `request` to `id`, asserting success under `rule`.
pub(crate) async fn append(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    request: ProcessEventAppendRequest,
) -> Result<ProcessEventAppendResult, CheckFailure> {
    let what = describe_append(id, &request);
    cx.ok(rule, &what, cx.registry().append_event(id, request).await)
}

/// Appends `request` to `id`, asserting it fails with `kind` and a message
/// containing `substring` (under `rule`).
pub(crate) async fn append_fails(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    request: ProcessEventAppendRequest,
    kind: ErrorKind,
    substring: &str,
) -> Result<RegistryError, CheckFailure> {
    let what = describe_append(id, &request);
    let result = cx.registry().append_event(id, request).await;
    cx.err_containing(rule, &what, result, kind, substring)
}

/// The record and the whole log of `id`.
pub(crate) async fn snapshot(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
) -> Result<Snapshot, CheckFailure> {
    let record = cx.some(
        rule,
        &format!("get_process({id})"),
        cx.registry().get_process(id).await,
    )?;
    let events = cx.ok(
        rule,
        &format!("events_after({id}, 0)"),
        cx.registry().events_after(id, 0).await,
    )?;
    Ok((record, events))
}

/// Asserts that `id` still has the record and log of `before` after `call`.
pub(crate) async fn ensure_unchanged(
    cx: &CheckContext<'_>,
    rule: &str,
    call: &str,
    id: &str,
    before: &Snapshot,
) -> CheckResult {
    let (record, events) = snapshot(cx, rule, id).await?;
    let what = |part: &str| format!("{part} of {id} after {call} (must be unchanged)");
    cx.ensure_eq(
        rule,
        &what("event sequences"),
        &sequences(&before.1),
        &sequences(&events),
    )?;
    cx.ensure_eq(rule, &what("events"), &before.1, &events)?;
    cx.ensure_eq(rule, &what("record"), &before.0, &record)
}

/// A `process.completed` request carrying a success with `value`, under `key`.
pub(crate) fn completed(value: Value, key: &str) -> ProcessEventAppendRequest {
    ProcessEventAppendRequest::new(
        PROCESS_COMPLETED,
        json!({"await_output": {"type": "success", "value": value}}),
    )
    .with_replay_key(key)
}

// ---------------------------------------------------------------------------
// Checks.

/// EVENT-1: an append to an unknown id is `NotFound` and creates nothing.
async fn append_to_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "EVENT-1", registration("p1")).await?;
    append_fails(
        &cx,
        "EVENT-1",
        "ghost",
        note(json!({"n": 1})),
        ErrorKind::NotFound,
        "unknown process",
    )
    .await?;
    let ghost = cx.registry().get_process("ghost").await;
    cx.ensure("EVENT-1", ghost.is_none(), || {
        "get_process(ghost) after a failed append: expected none, observed a record".to_owned()
    })?;
    let (_, events) = snapshot(&cx, "EVENT-1", "p1").await?;
    cx.ensure_eq(
        "EVENT-1",
        "events of the other process p1",
        &Vec::<u64>::new(),
        &sequences(&events),
    )
}

/// EVENT-2: 1, 2, 3; failed and replayed appends consume no sequence.
async fn sequences_start_at_one_without_gaps(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-2";
    register(&cx, RULE, registration("p1")).await?;
    let first = append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the first append",
        &1,
        &first.event.sequence,
    )?;
    let keyed = append(&cx, RULE, "p1", note(json!({"n": 2})).with_replay_key("k")).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the second append",
        &2,
        &keyed.event.sequence,
    )?;

    let undeclared = ProcessEventAppendRequest::new("undeclared", json!({}));
    let what = describe_append("p1", &undeclared);
    let result = cx.registry().append_event("p1", undeclared).await;
    cx.err(RULE, &what, result, ErrorKind::UndeclaredEvent)?;
    let untargeted = ProcessEventAppendRequest::new(WAKE, json!({"message": "m"}));
    let what = describe_append("p1", &untargeted);
    let result = cx.registry().append_event("p1", untargeted).await;
    cx.err(RULE, &what, result, ErrorKind::MissingWakeTarget)?;
    let replayed = append(&cx, RULE, "p1", note(json!({"n": 2})).with_replay_key("k")).await?;
    cx.ensure_eq(RULE, "sequence of a replay", &2, &replayed.event.sequence)?;

    let third = append(&cx, RULE, "p1", note(json!({"n": 3}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence after two failed appends and a replay",
        &3,
        &third.event.sequence,
    )?;
    let (_, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "stored sequences",
        &vec![1, 2, 3],
        &sequences(&events),
    )
}

/// EVENT-3: undeclared types (names are exact) fail and persist nothing.
async fn undeclared_type_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-3";
    register(&cx, RULE, registration("p1")).await?;
    append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    cx.advance(5).await;
    for undeclared in ["mystery", "Note", "note ", ""] {
        let request = ProcessEventAppendRequest::new(undeclared, json!({}));
        let expected = format!("emitted undeclared event type `{undeclared}`");
        let call = describe_append("p1", &request);
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::UndeclaredEvent,
            &expected,
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    }
    Ok(())
}

/// EVENT-4: a payload failing its schema fails and persists nothing.
async fn payload_failing_schema_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-4";
    let order = ProcessEventType::new("order").with_schema(json!({
        "type": "object",
        "required": ["sku"],
        "properties": {
            "sku": {"type": "string"},
            "qty": {"type": "integer", "minimum": 1}
        }
    }));
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([order]),
    )
    .await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let order = |payload| ProcessEventAppendRequest::new("order", payload);
    for payload in [
        json!({"qty": 2}),
        json!({"sku": "a", "qty": 0}),
        json!({"sku": 7}),
        json!("sku"),
    ] {
        let request = order(payload);
        let call = describe_append("p1", &request);
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::InvalidPayload,
            "invalid `order` payload: ",
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    }
    let valid = append(&cx, RULE, "p1", order(json!({"sku": "a", "qty": 1}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the first valid order after rejected ones",
        &1,
        &valid.event.sequence,
    )
}

/// EVENT-5: the returned and stored events carry exactly the request and its
/// materialised semantics (timestamps compared between themselves only).
async fn stored_event_is_exactly_what_was_appended(cx: CheckContext<'_>) -> CheckResult {
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
async fn append_bumps_updated_at_only(cx: CheckContext<'_>) -> CheckResult {
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
async fn append_timestamps_are_the_clock_reading(cx: CheckContext<'_>) -> CheckResult {
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

/// EVENT-7: strictly after the cursor, ascending; `NotFound` for unknown ids.
async fn events_after_reads_strictly_after_the_cursor(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-7";
    register(&cx, RULE, registration("p1")).await?;
    let empty = cx.ok(
        RULE,
        "events_after(p1, 0) before any append",
        cx.registry().events_after("p1", 0).await,
    )?;
    cx.ensure_eq(
        RULE,
        "events_after(p1, 0) before any append",
        &Vec::<u64>::new(),
        &sequences(&empty),
    )?;
    for n in 1..=4 {
        append(&cx, RULE, "p1", note(json!({"n": n}))).await?;
    }
    let all = cx.ok(
        RULE,
        "events_after(p1, 0)",
        cx.registry().events_after("p1", 0).await,
    )?;
    cx.ensure_eq(
        RULE,
        "events_after(p1, 0) sequences",
        &vec![1, 2, 3, 4],
        &sequences(&all),
    )?;
    let payloads: Vec<Value> = all.iter().map(|event| event.payload.clone()).collect();
    let expected: Vec<Value> = (1..=4).map(|n| json!({"n": n})).collect();
    cx.ensure_eq(RULE, "events_after(p1, 0) payloads", &expected, &payloads)?;
    for cursor in 1..=6_u64 {
        let what = format!("events_after(p1, {cursor})");
        let tail = cx.ok(RULE, &what, cx.registry().events_after("p1", cursor).await)?;
        let skip = usize::try_from(cursor).unwrap_or(usize::MAX).min(all.len());
        cx.ensure_eq(RULE, &what, &all[skip..].to_vec(), &tail)?;
    }
    let result = cx.registry().events_after("ghost", 0).await;
    cx.err_containing(
        RULE,
        "events_after(ghost, 0)",
        result,
        ErrorKind::NotFound,
        "unknown process",
    )?;
    Ok(())
}

/// EVENT-8: two processes keep independent sequences, keys and logs.
async fn logs_are_per_process(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-8";
    register(&cx, RULE, registration("a")).await?;
    register(&cx, RULE, registration("b")).await?;
    for n in 1..=3 {
        append(&cx, RULE, "a", note(json!({"a": n}))).await?;
    }
    let first_b = append(&cx, RULE, "b", note(json!({"b": 1}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of b's first event",
        &1,
        &first_b.event.sequence,
    )?;
    let keyed_a = append(
        &cx,
        RULE,
        "a",
        note(json!({"from": "a"})).with_replay_key("shared"),
    )
    .await?;
    let keyed_b = append(
        &cx,
        RULE,
        "b",
        note(json!({"from": "b"})).with_replay_key("shared"),
    )
    .await?;
    cx.ensure_eq(
        RULE,
        "sequence of a's keyed event",
        &4,
        &keyed_a.event.sequence,
    )?;
    cx.ensure_eq(
        RULE,
        "sequence of b's event under a's key (a new event, not a replay)",
        &2,
        &keyed_b.event.sequence,
    )?;
    let (_, log_a) = snapshot(&cx, RULE, "a").await?;
    let (_, log_b) = snapshot(&cx, RULE, "b").await?;
    cx.ensure_eq(
        RULE,
        "sequences of a",
        &vec![1, 2, 3, 4],
        &sequences(&log_a),
    )?;
    cx.ensure_eq(RULE, "sequences of b", &vec![1, 2], &sequences(&log_b))?;
    let owners = |log: &[ProcessEvent]| -> Vec<String> {
        log.iter().map(|event| event.process_id.clone()).collect()
    };
    cx.ensure_eq(
        RULE,
        "process ids in a's log",
        &vec!["a".to_owned(); 4],
        &owners(&log_a),
    )?;
    cx.ensure_eq(
        RULE,
        "process ids in b's log",
        &vec!["b".to_owned(); 2],
        &owners(&log_b),
    )?;
    let payloads: Vec<Value> = log_b.iter().map(|event| event.payload.clone()).collect();
    cx.ensure_eq(
        RULE,
        "payloads in b's log",
        &vec![json!({"b": 1}), json!({"from": "b"})],
        &payloads,
    )
}

/// Which of `1..=count` are missing from `observed`, duplicated in it, or out of range.
fn gaps_and_duplicates(count: u64, observed: &[u64]) -> Option<String> {
    let mut seen = BTreeSet::new();
    let mut duplicated = BTreeSet::new();
    let mut out_of_range = BTreeSet::new();
    for &sequence in observed {
        if !(1..=count).contains(&sequence) {
            out_of_range.insert(sequence);
        } else if !seen.insert(sequence) {
            duplicated.insert(sequence);
        }
    }
    let missing: Vec<u64> = (1..=count).filter(|s| !seen.contains(s)).collect();
    (!missing.is_empty() || !duplicated.is_empty() || !out_of_range.is_empty()).then(|| {
        format!(
            "expected each of 1..={count} exactly once, observed {} values: missing {missing:?}, \
             duplicated {duplicated:?}, out of range {out_of_range:?}",
            observed.len()
        )
    })
}

/// EVENT-9: 8 tasks x 25 appends race on one process; sequences are exactly 1..=200.
async fn concurrent_appends_serialise_without_gaps(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-9";
    const TASKS: u64 = 8;
    const APPENDS: u64 = 25;
    register(&cx, RULE, registration("p1")).await?;
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let registry = cx.shared_registry();
        handles.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for i in 0..APPENDS {
                let request = note(json!({"task": task, "i": i}));
                let result = registry.append_event("p1", request).await?;
                seen.push((result.event.sequence, i));
            }
            Ok::<_, RegistryError>(seen)
        }));
    }
    cx.step(format!(
        "waiting for {TASKS} tasks racing {APPENDS} appends each on p1"
    ));
    let mut returned = Vec::new();
    let mut origin = Vec::new();
    for (task, handle) in (0..TASKS).zip(handles) {
        let joined = handle.await.map_err(|error| {
            failure(RULE, format!("append task {task} did not finish: {error}"))
        })?;
        let what = format!("task {task}: {APPENDS} append_event(p1, note) calls");
        let seen = cx.ok(RULE, &what, joined)?;
        let own: Vec<u64> = seen.iter().map(|(sequence, _)| *sequence).collect();
        cx.ensure(RULE, own.windows(2).all(|pair| pair[0] < pair[1]), || {
            format!(
                "task {task}'s sequential appends: expected increasing sequences, observed {own:?}"
            )
        })?;
        returned.extend(own);
        origin.extend(seen.into_iter().map(|(sequence, i)| (sequence, task, i)));
    }
    let total = TASKS * APPENDS;
    let verdict = gaps_and_duplicates(total, &returned);
    cx.ensure(RULE, verdict.is_none(), || {
        format!(
            "sequences returned by the racing appends: {}",
            verdict.clone().unwrap_or_default()
        )
    })?;
    let (_, log) = snapshot(&cx, RULE, "p1").await?;
    let stored = sequences(&log);
    let verdict = gaps_and_duplicates(total, &stored);
    cx.ensure(RULE, verdict.is_none(), || {
        format!(
            "sequences stored in p1's log: {}",
            verdict.clone().unwrap_or_default()
        )
    })?;
    cx.ensure(
        RULE,
        stored.windows(2).all(|pair| pair[0] < pair[1]),
        || {
            "events_after(p1, 0): expected ascending sequences, observed them out of order"
                .to_owned()
        },
    )?;
    for (sequence, task, i) in origin {
        let event = log.iter().find(|event| event.sequence == sequence);
        let payload = event.map(|event| event.payload.clone());
        cx.ensure_eq(
            RULE,
            &format!("payload stored at sequence {sequence} (returned to task {task}, append {i})"),
            &Some(json!({"task": task, "i": i})),
            &payload,
        )?;
    }
    Ok(())
}

/// EVENT-10: `u64::MAX` (and `u64::MAX - 1`) cursors give empty lists.
async fn u64_max_cursors_yield_empty_lists(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-10";
    register(&cx, RULE, registration("empty")).await?;
    register(&cx, RULE, registration("p1")).await?;
    append(&cx, RULE, "p1", wake("w", &session("s1"))).await?;
    append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    for id in ["empty", "p1"] {
        for cursor in [u64::MAX, u64::MAX - 1] {
            let what = format!("events_after({id}, {cursor})");
            let events = cx.ok(RULE, &what, cx.registry().events_after(id, cursor).await)?;
            cx.ensure_eq(RULE, &what, &Vec::<u64>::new(), &sequences(&events))?;
            let what = format!("wake_events_after({id}, {cursor})");
            let wakes = cx.ok(
                RULE,
                &what,
                cx.registry().wake_events_after(id, cursor).await,
            )?;
            cx.ensure_eq(RULE, &what, &Vec::<u64>::new(), &sequences(&wakes))?;
        }
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
async fn one_mebibyte_payload_round_trips(cx: CheckContext<'_>) -> CheckResult {
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

/// EVENT-12: notes and wakes still append to a terminal process; status stays.
async fn non_terminal_events_accepted_after_terminal(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-12";
    register(&cx, RULE, registration("p1")).await?;
    let output = ProcessAwaitOutput::success(json!("done"));
    cx.ok(
        RULE,
        "complete_process(p1, success \"done\")",
        cx.registry().complete_process("p1", output.clone()).await,
    )?;
    let terminal = ProcessStatus::Completed {
        await_output: output,
    };
    let late_note = append(&cx, RULE, "p1", note(json!({"late": true}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of a note after terminal",
        &2,
        &late_note.event.sequence,
    )?;
    let late_wake = append(&cx, RULE, "p1", wake("still here", &session("s1"))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of a wake after terminal",
        &3,
        &late_wake.event.sequence,
    )?;
    cx.ensure(RULE, late_wake.wake_delivery.is_some(), || {
        "append_event(p1, wake) after terminal: expected a wake delivery, observed none".to_owned()
    })?;
    let (record, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "status of p1 after late events",
        &terminal,
        &record.status,
    )?;
    cx.ensure_eq(
        RULE,
        "stored sequences",
        &vec![1, 2, 3],
        &sequences(&events),
    )?;
    cx.ensure_eq(RULE, "stored late note", &late_note.event, &events[1])
}

/// EVENT-13: a pointer miss in any selector (terminal output, wake input,
/// `when`, dedupe key) fails with `InvalidPayload` and persists nothing.
async fn selector_miss_rejects_the_append(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-13";
    let finished = ProcessEventType::terminal(
        "finished",
        ProcessTerminalState::Completed,
        Some(ProcessValueSelector::pointer("/result")),
    );
    let gated = ProcessEventType::wake(
        "gated",
        ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
            .when(ProcessValueSelector::pointer("/urgent")),
    );
    let threaded = ProcessEventType::wake(
        "threaded",
        ProcessWakeSpec::new(ProcessValueSelector::pointer("/message")).with_dedupe_key(
            ProcessWakeDedupeKey::Selector(ProcessValueSelector::pointer("/thread")),
        ),
    );
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([finished, gated, threaded]),
    )
    .await?;
    let before = snapshot(&cx, RULE, "p1").await?;
    let target = session("s1");
    let cases = [
        (
            ProcessEventAppendRequest::new(WAKE, json!({"other": 1}))
                .with_wake_target(target.clone()),
            "/message",
        ),
        (
            ProcessEventAppendRequest::new("finished", json!({"outcome": 1})).with_replay_key("t"),
            "/result",
        ),
        (
            ProcessEventAppendRequest::new("gated", json!({"message": "m"}))
                .with_wake_target(target.clone()),
            "/urgent",
        ),
        (
            ProcessEventAppendRequest::new("threaded", json!({"message": "m"}))
                .with_wake_target(target),
            "/thread",
        ),
    ];
    for (request, pointer) in cases {
        let call = describe_append("p1", &request);
        let expected = format!("payload pointer `{pointer}` did not match");
        append_fails(
            &cx,
            RULE,
            "p1",
            request,
            ErrorKind::InvalidPayload,
            &expected,
        )
        .await?;
        ensure_unchanged(&cx, RULE, &call, "p1", &before).await?;
    }
    cx.ensure_eq(
        RULE,
        "status of p1 after a terminal selector miss",
        &ProcessStatus::Running,
        &before.0.status,
    )?;
    let next = append(&cx, RULE, "p1", note(json!({"n": 1}))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the first append after the rejected ones",
        &1,
        &next.event.sequence,
    )
}

/// EVENT-13: a falsy `when` persists the event without a wake, and is no error.
async fn falsy_when_is_not_an_error(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "EVENT-13";
    let maybe = ProcessEventType::wake(
        "maybe",
        ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
            .when(ProcessValueSelector::pointer("/urgent")),
    );
    register(
        &cx,
        RULE,
        registration("p1").with_extra_event_types([maybe]),
    )
    .await?;
    let request = ProcessEventAppendRequest::new("maybe", json!({"urgent": false, "message": "m"}));
    let quiet = append(&cx, RULE, "p1", request).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the quiet event",
        &1,
        &quiet.event.sequence,
    )?;
    cx.ensure_eq(
        RULE,
        "semantics of an event whose when is false",
        &ProcessEventSemantics::default(),
        &quiet.event.semantics,
    )?;
    cx.ensure(RULE, quiet.wake_delivery.is_none(), || {
        "append_event(p1, maybe {urgent: false}): expected no wake delivery, observed one"
            .to_owned()
    })?;
    let (_, events) = snapshot(&cx, RULE, "p1").await?;
    cx.ensure_eq(RULE, "stored log of p1", &vec![quiet.event], &events)
}
