//! EVENT-2 and EVENT-7 to EVENT-10: sequences without gaps, per-process logs,
//! concurrent appends and reading with `events_after`.

use super::support::{append, describe_append, register, sequences, snapshot};
use crate::check::CheckResult;
use crate::context::{failure, CheckContext};
use crate::fixtures::{note, registration, session, wake, WAKE};
use procreg::{ErrorKind, ProcessEvent, ProcessEventAppendRequest, RegistryError};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// EVENT-2: 1, 2, 3; failed and replayed appends consume no sequence.
pub(super) async fn sequences_start_at_one_without_gaps(cx: CheckContext<'_>) -> CheckResult {
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

/// EVENT-7: strictly after the cursor, ascending; `NotFound` for unknown ids.
pub(super) async fn events_after_reads_strictly_after_the_cursor(
    cx: CheckContext<'_>,
) -> CheckResult {
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
pub(super) async fn logs_are_per_process(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn concurrent_appends_serialise_without_gaps(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn u64_max_cursors_yield_empty_lists(cx: CheckContext<'_>) -> CheckResult {
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
