//! WAIT: blocking reads (`wait_event_after`, `await_process`): immediate
//! answers, blocking until a match, no lost wake-ups, exact-type matching and
//! side-effect-free cancellation. Every wait is bounded inside the check.

use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::{failure, CheckContext};
use crate::fixtures::{note, registration, session, wake, NOTE, WAKE};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest, ProcessRecord,
    RegistryResult,
};
use serde::Serialize;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// The bound on every wait that is expected to return.
const BOUND: Duration = Duration::from_secs(2);
/// How long a wait must stay unresolved for the check to call it pending.
const PENDING_PROBE: Duration = Duration::from_millis(50);

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "wait_existing_match_is_returned_at_once",
            rules: &["WAIT-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(existing_match_is_returned_at_once(cx)),
        },
        Check {
            id: "wait_blocks_until_a_matching_append_and_returns_it",
            rules: &["WAIT-2"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(blocks_until_a_matching_append_and_returns_it(cx)),
        },
        Check {
            id: "wait_never_returns_events_at_or_before_the_cursor",
            rules: &["WAIT-2"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(never_returns_events_at_or_before_the_cursor(cx)),
        },
        Check {
            id: "wait_raced_with_its_append_never_hangs",
            rules: &["WAIT-3"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(raced_with_its_append_never_hangs(cx)),
        },
        Check {
            id: "wait_await_raced_with_completion_never_hangs",
            rules: &["WAIT-3", "WAIT-5"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(await_raced_with_completion_never_hangs(cx)),
        },
        Check {
            id: "wait_on_unknown_process_fails_instead_of_blocking",
            rules: &["WAIT-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(on_unknown_process_fails_instead_of_blocking(cx)),
        },
        Check {
            id: "wait_await_of_terminal_process_returns_at_once",
            rules: &["WAIT-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(await_of_terminal_process_returns_at_once(cx)),
        },
        Check {
            id: "wait_await_blocks_until_the_terminal_event",
            rules: &["WAIT-5"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(await_blocks_until_the_terminal_event(cx)),
        },
        Check {
            id: "wait_events_of_other_types_do_not_end_a_wait",
            rules: &["WAIT-6"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(events_of_other_types_do_not_end_a_wait(cx)),
        },
        Check {
            id: "wait_becoming_terminal_does_not_end_a_wait",
            rules: &["WAIT-6"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(becoming_terminal_does_not_end_a_wait(cx)),
        },
        Check {
            id: "wait_dropping_a_pending_wait_has_no_side_effects",
            rules: &["WAIT-7"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(dropping_a_pending_wait_has_no_side_effects(cx)),
        },
        Check {
            id: "wait_dropping_a_pending_await_has_no_side_effects",
            rules: &["WAIT-7"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(dropping_a_pending_await_has_no_side_effects(cx)),
        },
    ]
}

async fn register(cx: &CheckContext<'_>, rule: &str, id: &str) -> CheckResult {
    let registered = cx.registry().register_process(registration(id)).await;
    cx.ok(rule, &format!("register_process({id})"), registered)?;
    Ok(())
}

async fn append(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    request: ProcessEventAppendRequest,
) -> Result<ProcessEvent, CheckFailure> {
    let what = format!("append_event({id}, {})", request.event_type);
    let appended = cx.registry().append_event(id, request).await;
    Ok(cx.ok(rule, &what, appended)?.event)
}

/// Runs a call that must answer without waiting for anything else, bounded by [`BOUND`].
async fn bounded<T>(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    call: impl Future<Output = RegistryResult<T>>,
) -> Result<RegistryResult<T>, CheckFailure> {
    cx.step(format!("waiting for {what}"));
    timeout(BOUND, call).await.map_err(|_| {
        failure(
            rule,
            format!("{what}: expected an answer at once, observed none after 2 s (timed out)"),
        )
    })
}

fn spawn_wait(
    cx: &CheckContext<'_>,
    id: &str,
    event_type: &str,
    after: u64,
) -> JoinHandle<RegistryResult<ProcessEvent>> {
    let (registry, id, event_type) = (cx.shared_registry(), id.to_owned(), event_type.to_owned());
    tokio::spawn(async move { registry.wait_event_after(&id, &event_type, after).await })
}

fn spawn_await(cx: &CheckContext<'_>, id: &str) -> JoinHandle<RegistryResult<ProcessAwaitOutput>> {
    let (registry, id) = (cx.shared_registry(), id.to_owned());
    tokio::spawn(async move { registry.await_process(&id).await })
}

fn describe<T: Serialize>(outcome: &Result<RegistryResult<T>, tokio::task::JoinError>) -> String {
    match outcome {
        Ok(Ok(value)) => format!(
            "success {}",
            serde_json::to_string(value).unwrap_or_else(|error| format!("<{error}>"))
        ),
        Ok(Err(error)) => format!("error {} (\"{}\")", error.kind, error.message),
        Err(join) => format!("the waiting task failed: {join}"),
    }
}

/// Asserts the spawned wait has not finished within [`PENDING_PROBE`].
async fn still_pending<T: Serialize>(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    handle: &mut JoinHandle<RegistryResult<T>>,
) -> CheckResult {
    cx.step(format!("checking that {what} is still waiting"));
    let probe = timeout(PENDING_PROBE, &mut *handle).await;
    cx.ensure(rule, probe.is_err(), || {
        let observed = probe.as_ref().map(describe).unwrap_or_default();
        format!("{what}: expected it to be still waiting after 50 ms, observed it finished with {observed}")
    })
}

/// Awaits a spawned wait under [`BOUND`] and returns its value.
async fn finished<T>(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    handle: JoinHandle<RegistryResult<T>>,
) -> Result<T, CheckFailure> {
    cx.step(format!("waiting for {what}"));
    match timeout(BOUND, handle).await {
        Err(_) => Err(failure(
            rule,
            format!(
                "{what}: expected it to return, observed it still waiting after 2 s (timed out)"
            ),
        )),
        Ok(Err(join)) => Err(failure(
            rule,
            format!("{what}: expected it to return, observed the waiting task fail: {join}"),
        )),
        Ok(Ok(result)) => cx.ok(rule, what, result),
    }
}

/// Everything a wait could disturb: the record, the log, the wakes and the sweep.
async fn observable(
    cx: &CheckContext<'_>,
    id: &str,
) -> (
    Option<ProcessRecord>,
    RegistryResult<Vec<ProcessEvent>>,
    RegistryResult<Vec<ProcessEvent>>,
    RegistryResult<Vec<ProcessRecord>>,
) {
    let registry = cx.registry();
    (
        registry.get_process(id).await,
        registry.events_after(id, 0).await,
        registry.wake_events_after(id, 0).await,
        registry.list_non_terminal().await,
    )
}

/// WAIT-1: the lowest-sequence match after the cursor comes back without waiting.
async fn existing_match_is_returned_at_once(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-1";
    register(&cx, RULE, "p1").await?;
    let first = append(&cx, RULE, "p1", note(json!({ "n": 1 }))).await?;
    let woke = append(&cx, RULE, "p1", wake("hello", &session("s1"))).await?;
    let second = append(&cx, RULE, "p1", note(json!({ "n": 2 }))).await?;
    let registry = cx.registry();
    let cases = [
        (NOTE, 0, &first, "wait_event_after(p1, note, 0)"),
        (NOTE, 1, &second, "wait_event_after(p1, note, 1)"),
        (NOTE, 2, &second, "wait_event_after(p1, note, 2)"),
        (WAKE, 0, &woke, "wait_event_after(p1, wake, 0)"),
        (WAKE, 1, &woke, "wait_event_after(p1, wake, 1)"),
    ];
    for (event_type, after, expected, what) in cases {
        let found = bounded(
            &cx,
            RULE,
            what,
            registry.wait_event_after("p1", event_type, after),
        )
        .await?;
        let found = cx.ok(RULE, what, found)?;
        cx.ensure_eq(RULE, what, expected, &found)?;
    }
    Ok(())
}

/// WAIT-2: with no match yet the wait blocks, then returns the appended event.
async fn blocks_until_a_matching_append_and_returns_it(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-2";
    register(&cx, RULE, "p1").await?;
    let mut waiting = spawn_wait(&cx, "p1", NOTE, 0);
    still_pending(
        &cx,
        RULE,
        "wait_event_after(p1, note, 0) on an empty log",
        &mut waiting,
    )
    .await?;
    let appended = append(&cx, RULE, "p1", note(json!({ "late": true }))).await?;
    let what = "wait_event_after(p1, note, 0) after the append";
    let found = finished(&cx, RULE, what, waiting).await?;
    cx.ensure_eq(RULE, what, &appended, &found)?;
    cx.ensure_eq(RULE, "sequence of the returned event", &1, &found.sequence)
}

/// WAIT-2: events at or before the cursor never satisfy the wait.
async fn never_returns_events_at_or_before_the_cursor(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-2";
    register(&cx, RULE, "p1").await?;
    append(&cx, RULE, "p1", note(json!({ "n": 1 }))).await?;
    append(&cx, RULE, "p1", note(json!({ "n": 2 }))).await?;
    let mut waiting = spawn_wait(&cx, "p1", NOTE, 2);
    still_pending(
        &cx,
        RULE,
        "wait_event_after(p1, note, 2) with notes at 1 and 2 only",
        &mut waiting,
    )
    .await?;
    let third = append(&cx, RULE, "p1", note(json!({ "n": 3 }))).await?;
    let what = "wait_event_after(p1, note, 2) after a third note";
    let found = finished(&cx, RULE, what, waiting).await?;
    cx.ensure_eq(RULE, what, &third, &found)?;
    cx.ensure_eq(RULE, "sequence of the returned event", &3, &found.sequence)
}

/// WAIT-3: a wait started together with the append it waits for always returns.
async fn raced_with_its_append_never_hangs(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-3";
    const ROUNDS: usize = 200;
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        register(&cx, RULE, &id).await?;
        let start = Arc::new(Barrier::new(2));
        let waiter = {
            let (registry, id, start) = (cx.shared_registry(), id.clone(), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                registry.wait_event_after(&id, NOTE, 0).await
            })
        };
        let appender = {
            let (registry, id, start) = (cx.shared_registry(), id.clone(), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                registry
                    .append_event(&id, note(json!({ "round": round })))
                    .await
            })
        };
        let appended = finished(&cx, RULE, &format!("append_event({id}, note)"), appender).await?;
        let what = format!("wait_event_after({id}, note, 0) raced with its append (round {round})");
        let found = finished(&cx, RULE, &what, waiter).await?;
        cx.ensure_eq(RULE, &what, &appended.event, &found)?;
    }
    Ok(())
}

/// WAIT-3, WAIT-5: an await started together with the completion always returns its output.
async fn await_raced_with_completion_never_hangs(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-3";
    const ROUNDS: usize = 100;
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        register(&cx, RULE, &id).await?;
        let output = ProcessAwaitOutput::success(json!({ "round": round }));
        let start = Arc::new(Barrier::new(2));
        let waiter = {
            let (registry, id, start) = (cx.shared_registry(), id.clone(), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                registry.await_process(&id).await
            })
        };
        let completer = {
            let (registry, id, start) = (cx.shared_registry(), id.clone(), Arc::clone(&start));
            let output = output.clone();
            tokio::spawn(async move {
                start.wait().await;
                registry.complete_process(&id, output).await
            })
        };
        finished(&cx, RULE, &format!("complete_process({id})"), completer).await?;
        let what = format!("await_process({id}) raced with its completion (round {round})");
        let awaited = finished(&cx, RULE, &what, waiter).await?;
        cx.ensure_eq("WAIT-5", &what, &output, &awaited)?;
    }
    Ok(())
}

/// WAIT-4: waits on an unknown id fail with `NotFound` and create nothing.
async fn on_unknown_process_fails_instead_of_blocking(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-4";
    let registry = cx.registry();
    let what = "wait_event_after(ghost, note, 0)";
    let waited = bounded(&cx, RULE, what, registry.wait_event_after("ghost", NOTE, 0)).await?;
    cx.err_containing(RULE, what, waited, ErrorKind::NotFound, "unknown process")?;
    let what = "await_process(ghost)";
    let awaited = bounded(&cx, RULE, what, registry.await_process("ghost")).await?;
    cx.err_containing(RULE, what, awaited, ErrorKind::NotFound, "unknown process")?;
    let created = registry.get_process("ghost").await;
    cx.ensure_eq(RULE, "get_process(ghost) after the waits", &None, &created)
}

/// WAIT-5: a terminal process answers `await_process` with its output at once.
async fn await_of_terminal_process_returns_at_once(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-5";
    register(&cx, RULE, "p1").await?;
    let output = ProcessAwaitOutput::failure("execution", "boom", "it broke");
    let completed = cx.registry().complete_process("p1", output.clone()).await;
    cx.ok(RULE, "complete_process(p1, failure)", completed)?;
    let what = "await_process(p1) on a failed process";
    let awaited = bounded(&cx, RULE, what, cx.registry().await_process("p1")).await?;
    let awaited = cx.ok(RULE, what, awaited)?;
    cx.ensure_eq(RULE, what, &output, &awaited)
}

/// WAIT-5: `await_process` on a running process blocks until the terminal event.
async fn await_blocks_until_the_terminal_event(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-5";
    register(&cx, RULE, "p1").await?;
    let mut awaiting = spawn_await(&cx, "p1");
    still_pending(
        &cx,
        RULE,
        "await_process(p1) on a running process",
        &mut awaiting,
    )
    .await?;
    append(&cx, RULE, "p1", note(json!({ "progress": 50 }))).await?;
    append(&cx, RULE, "p1", wake("halfway", &session("s1"))).await?;
    still_pending(
        &cx,
        RULE,
        "await_process(p1) after non-terminal events",
        &mut awaiting,
    )
    .await?;
    let cancelled = ProcessEventAppendRequest::new(
        "process.cancelled",
        json!({ "await_output": { "type": "cancelled", "message": "stopped" } }),
    )
    .with_replay_key("cancel-1");
    append(&cx, RULE, "p1", cancelled).await?;
    let what = "await_process(p1) after process.cancelled";
    let awaited = finished(&cx, RULE, what, awaiting).await?;
    cx.ensure_eq(
        RULE,
        what,
        &ProcessAwaitOutput::cancelled("stopped"),
        &awaited,
    )
}

/// WAIT-6: events of other types leave a wait pending.
async fn events_of_other_types_do_not_end_a_wait(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-6";
    register(&cx, RULE, "p1").await?;
    let mut waiting = spawn_wait(&cx, "p1", WAKE, 0);
    append(&cx, RULE, "p1", note(json!({ "n": 1 }))).await?;
    append(&cx, RULE, "p1", note(json!({ "n": 2 }))).await?;
    still_pending(
        &cx,
        RULE,
        "wait_event_after(p1, wake, 0) after two notes",
        &mut waiting,
    )
    .await?;
    let woke = append(&cx, RULE, "p1", wake("now", &session("s1"))).await?;
    let what = "wait_event_after(p1, wake, 0) after a wake";
    let found = finished(&cx, RULE, what, waiting).await?;
    cx.ensure_eq(RULE, what, &woke, &found)?;
    cx.ensure_eq(RULE, "sequence of the returned wake", &3, &found.sequence)
}

/// WAIT-6: the process becoming terminal does not end a wait for another type.
async fn becoming_terminal_does_not_end_a_wait(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-6";
    register(&cx, RULE, "p1").await?;
    let mut waiting = spawn_wait(&cx, "p1", NOTE, 0);
    let completed = cx
        .registry()
        .complete_process("p1", ProcessAwaitOutput::success(json!("done")))
        .await;
    cx.ok(RULE, "complete_process(p1, success)", completed)?;
    still_pending(
        &cx,
        RULE,
        "wait_event_after(p1, note, 0) after the process completed",
        &mut waiting,
    )
    .await?;
    let late = append(&cx, RULE, "p1", note(json!({ "after": "terminal" }))).await?;
    let what = "wait_event_after(p1, note, 0) after a note on the completed process";
    let found = finished(&cx, RULE, what, waiting).await?;
    cx.ensure_eq(RULE, what, &late, &found)?;
    cx.ensure_eq(RULE, "sequence of the returned note", &2, &found.sequence)
}

/// WAIT-7: dropped and aborted waits change nothing and leave the registry usable.
async fn dropping_a_pending_wait_has_no_side_effects(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-7";
    register(&cx, RULE, "p1").await?;
    append(&cx, RULE, "p1", wake("before", &session("s1"))).await?;
    let before = observable(&cx, "p1").await;

    cx.step("dropping a pending wait_event_after(p1, note, 0)");
    let dropped = timeout(PENDING_PROBE, cx.registry().wait_event_after("p1", NOTE, 0)).await;
    cx.ensure(RULE, dropped.is_err(), || {
        format!("wait_event_after(p1, note, 0): expected it pending when dropped, observed it finished with {dropped:?}")
    })?;
    let mut aborted = spawn_wait(&cx, "p1", NOTE, 0);
    still_pending(
        &cx,
        RULE,
        "a spawned wait_event_after(p1, note, 0)",
        &mut aborted,
    )
    .await?;
    aborted.abort();
    let _ = timeout(BOUND, aborted).await;

    let after = observable(&cx, "p1").await;
    cx.ensure_eq(
        RULE,
        "record, events, wakes and sweep of p1 after dropping waits",
        &before,
        &after,
    )?;
    let fresh = spawn_wait(&cx, "p1", NOTE, 0);
    let appended = append(&cx, RULE, "p1", note(json!({ "still": "works" }))).await?;
    cx.ensure_eq(
        RULE,
        "sequence of the first note after dropped waits",
        &2,
        &appended.sequence,
    )?;
    let what = "a later wait_event_after(p1, note, 0)";
    let found = finished(&cx, RULE, what, fresh).await?;
    cx.ensure_eq(RULE, what, &appended, &found)
}

/// WAIT-7: a dropped await changes nothing and a later await still completes.
async fn dropping_a_pending_await_has_no_side_effects(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "WAIT-7";
    register(&cx, RULE, "p1").await?;
    let before = observable(&cx, "p1").await;

    cx.step("dropping a pending await_process(p1)");
    let dropped = timeout(PENDING_PROBE, cx.registry().await_process("p1")).await;
    cx.ensure(RULE, dropped.is_err(), || {
        format!("await_process(p1): expected it pending when dropped, observed it finished with {dropped:?}")
    })?;
    let after = observable(&cx, "p1").await;
    cx.ensure_eq(
        RULE,
        "record, events, wakes and sweep of p1 after dropping an await",
        &before,
        &after,
    )?;

    let output = ProcessAwaitOutput::success(json!({ "ok": true }));
    let awaiting = spawn_await(&cx, "p1");
    let completed = cx.registry().complete_process("p1", output.clone()).await;
    cx.ok(RULE, "complete_process(p1, success)", completed)?;
    let what = "a later await_process(p1)";
    let awaited = finished(&cx, RULE, what, awaiting).await?;
    cx.ensure_eq(RULE, what, &output, &awaited)
}
