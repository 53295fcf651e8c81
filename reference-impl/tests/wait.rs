//! Rule tests for the WAIT area of docs/spec.md.

mod common;

use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest, ProcessRecord,
    ProcessRegistry, RegistryResult,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// Real time only ever bounds a wait; no test sleeps to order events.
const WAIT_BOUND: Duration = Duration::from_secs(5);
/// How long a wait must stay unresolved for the test to call it pending.
const PENDING_PROBE: Duration = Duration::from_millis(50);
/// A zero bound: `timeout` polls the call once, so only an answer that needs
/// no waiting at all passes.
const AT_ONCE: Duration = Duration::ZERO;

async fn shared_with(id: &str) -> Arc<MemoryRegistry> {
    let (registry, _clock) = common::registry();
    common::register(&registry, id).await;
    Arc::new(registry)
}

fn spawn_wait(
    registry: &Arc<MemoryRegistry>,
    id: &str,
    event_type: &str,
    after: u64,
) -> JoinHandle<RegistryResult<ProcessEvent>> {
    let (registry, id, event_type) = (Arc::clone(registry), id.to_owned(), event_type.to_owned());
    tokio::spawn(async move { registry.wait_event_after(&id, &event_type, after).await })
}

fn spawn_await(
    registry: &Arc<MemoryRegistry>,
    id: &str,
) -> JoinHandle<RegistryResult<ProcessAwaitOutput>> {
    let (registry, id) = (Arc::clone(registry), id.to_owned());
    tokio::spawn(async move { registry.await_process(&id).await })
}

/// Asserts the spawned wait has not finished within [`PENDING_PROBE`].
async fn assert_pending<T: std::fmt::Debug>(handle: &mut JoinHandle<T>, what: &str) {
    if let Ok(done) = timeout(PENDING_PROBE, &mut *handle).await {
        panic!("{what} should still be waiting, but it finished with {done:?}");
    }
}

/// Awaits a spawned wait under [`WAIT_BOUND`] and unwraps its result.
async fn finished<T>(handle: JoinHandle<RegistryResult<T>>, what: &str) -> T {
    timeout(WAIT_BOUND, handle)
        .await
        .unwrap_or_else(|_| panic!("{what} hung"))
        .expect("the waiting task does not panic")
        .unwrap_or_else(|error| panic!("{what} failed: {error}"))
}

async fn append(
    registry: &MemoryRegistry,
    id: &str,
    request: ProcessEventAppendRequest,
) -> ProcessEvent {
    registry
        .append_event(id, request)
        .await
        .expect("the append is valid")
        .event
}

async fn observable(
    registry: &MemoryRegistry,
    id: &str,
) -> (
    Option<ProcessRecord>,
    Vec<ProcessEvent>,
    Vec<ProcessEvent>,
    Vec<ProcessRecord>,
) {
    (
        registry.get_process(id).await,
        registry
            .events_after(id, 0)
            .await
            .expect("events of a known process"),
        registry
            .wake_events_after(id, 0)
            .await
            .expect("wakes of a known process"),
        registry
            .list_non_terminal()
            .await
            .expect("the sweep never fails"),
    )
}

#[tokio::test]
async fn wait_1_existing_match_is_returned_at_once() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let first_note = append(&registry, "p", common::note(json!({ "n": 1 }))).await;
    let wake = append(&registry, "p", common::wake("hello")).await;
    let second_note = append(&registry, "p", common::note(json!({ "n": 2 }))).await;

    let lowest = timeout(AT_ONCE, registry.wait_event_after("p", "note", 0))
        .await
        .expect("an existing match returns without waiting")
        .expect("the process exists");
    let after_first = timeout(AT_ONCE, registry.wait_event_after("p", "note", 1))
        .await
        .expect("an existing match returns without waiting")
        .expect("the process exists");
    let of_wake_type = timeout(AT_ONCE, registry.wait_event_after("p", "wake", 0))
        .await
        .expect("an existing match returns without waiting")
        .expect("the process exists");

    assert_eq!(
        lowest, first_note,
        "the lowest-sequence match after 0 is the first note"
    );
    assert_eq!(
        after_first, second_note,
        "sequence 2 is a wake, so the next note is 3"
    );
    assert_eq!(of_wake_type, wake);
}

#[tokio::test]
async fn wait_2_wait_blocks_until_a_matching_append_and_returns_it() {
    let registry = shared_with("p").await;
    let mut waiting = spawn_wait(&registry, "p", "note", 0);
    assert_pending(&mut waiting, "a wait with no match yet").await;

    let appended = append(&registry, "p", common::note(json!({ "late": true }))).await;

    let found = finished(waiting, "the wait").await;
    assert_eq!(found, appended);
    assert_eq!(found.sequence, 1);
}

#[tokio::test]
async fn wait_2_events_at_or_before_the_cursor_are_never_returned() {
    let registry = shared_with("p").await;
    append(&registry, "p", common::note(json!({ "n": 1 }))).await;
    append(&registry, "p", common::note(json!({ "n": 2 }))).await;

    let mut waiting = spawn_wait(&registry, "p", "note", 2);
    assert_pending(&mut waiting, "a wait whose cursor covers every note").await;
    let third = append(&registry, "p", common::note(json!({ "n": 3 }))).await;

    let found = finished(waiting, "the wait").await;
    assert_eq!(found, third);
    assert_eq!(found.payload, json!({ "n": 3 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_3_wait_raced_with_append_never_hangs() {
    const ROUNDS: usize = 300;
    let (registry, _clock) = common::registry();
    let registry = Arc::new(registry);
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        common::register(&*registry, &id).await;
        let start = Arc::new(Barrier::new(2));
        let waiter = {
            let (registry, id, start) = (Arc::clone(&registry), id.clone(), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                registry.wait_event_after(&id, "note", 0).await
            })
        };
        let appender = {
            let (registry, id, start) = (Arc::clone(&registry), id.clone(), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                registry
                    .append_event(&id, common::note(json!({ "round": round })))
                    .await
            })
        };
        let appended = timeout(WAIT_BOUND, appender)
            .await
            .expect("the append finishes")
            .expect("the appending task does not panic")
            .expect("the append is valid");
        let found = finished(waiter, &format!("the wait of round {round}")).await;
        assert_eq!(found, appended.event, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_3_await_raced_with_completion_never_hangs() {
    const ROUNDS: usize = 200;
    let (registry, _clock) = common::registry();
    let registry = Arc::new(registry);
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        common::register(&*registry, &id).await;
        let output = ProcessAwaitOutput::success(json!({ "round": round }));
        let start = Arc::new(Barrier::new(2));
        let waiter = {
            let (registry, id, start) = (Arc::clone(&registry), id.clone(), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                registry.await_process(&id).await
            })
        };
        let completer = {
            let (registry, id, start, output) = (
                Arc::clone(&registry),
                id.clone(),
                Arc::clone(&start),
                output.clone(),
            );
            tokio::spawn(async move {
                start.wait().await;
                registry.complete_process(&id, output).await
            })
        };
        timeout(WAIT_BOUND, completer)
            .await
            .expect("the completion finishes")
            .expect("the completing task does not panic")
            .expect("the completion is valid");
        let awaited = finished(waiter, &format!("the await of round {round}")).await;
        assert_eq!(awaited, output, "round {round}");
    }
}

#[tokio::test]
async fn wait_4_waiting_on_an_unknown_process_fails_instead_of_blocking() {
    let (registry, _clock) = common::registry();

    let waited = timeout(WAIT_BOUND, registry.wait_event_after("ghost", "note", 0))
        .await
        .expect("a wait on an unknown process returns instead of blocking");
    let awaited = timeout(WAIT_BOUND, registry.await_process("ghost"))
        .await
        .expect("an await on an unknown process returns instead of blocking");

    for error in [
        common::expect_kind(waited, ErrorKind::NotFound),
        common::expect_kind(awaited, ErrorKind::NotFound),
    ] {
        assert!(error.message.contains("unknown process"), "{error}");
        assert!(error.message.contains("ghost"), "{error}");
    }
    assert_eq!(
        registry.get_process("ghost").await,
        None,
        "waiting creates nothing"
    );
}

#[tokio::test]
async fn wait_5_await_returns_the_output_of_a_terminal_process_at_once() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "p").await;
    let output = ProcessAwaitOutput::failure("execution", "boom", "it broke");
    registry
        .complete_process("p", output.clone())
        .await
        .expect("completion is valid");

    let awaited = timeout(AT_ONCE, registry.await_process("p"))
        .await
        .expect("a terminal process answers without waiting")
        .expect("the process exists");

    assert_eq!(awaited, output);
}

#[tokio::test]
async fn wait_5_await_blocks_until_the_terminal_event_is_persisted() {
    let registry = shared_with("p").await;
    let mut awaiting = spawn_await(&registry, "p");
    assert_pending(&mut awaiting, "an await on a running process").await;

    append(&registry, "p", common::note(json!({ "progress": 50 }))).await;
    append(&registry, "p", common::wake("halfway")).await;
    assert_pending(&mut awaiting, "an await after non-terminal events").await;

    let cancelled = ProcessEventAppendRequest::new(
        "process.cancelled",
        json!({ "await_output": { "type": "cancelled", "message": "stopped" } }),
    )
    .with_replay_key("cancel-1");
    append(&registry, "p", cancelled).await;

    let awaited = finished(awaiting, "the await").await;
    assert_eq!(awaited, ProcessAwaitOutput::cancelled("stopped"));
}

#[tokio::test]
async fn wait_6_events_of_other_types_do_not_end_a_wait() {
    let registry = shared_with("p").await;
    let mut waiting = spawn_wait(&registry, "p", "wake", 0);

    append(&registry, "p", common::note(json!({ "n": 1 }))).await;
    append(&registry, "p", common::note(json!({ "n": 2 }))).await;
    assert_pending(&mut waiting, "a wait for `wake` after two notes").await;
    let wake = append(&registry, "p", common::wake("now")).await;

    let found = finished(waiting, "the wait").await;
    assert_eq!(found, wake);
    assert_eq!(found.sequence, 3);
}

#[tokio::test]
async fn wait_6_becoming_terminal_does_not_end_a_wait() {
    let registry = shared_with("p").await;
    let mut waiting = spawn_wait(&registry, "p", "note", 0);

    registry
        .complete_process("p", ProcessAwaitOutput::success(json!("done")))
        .await
        .expect("completion is valid");
    assert_pending(&mut waiting, "a wait for `note` after the process ended").await;
    let note = append(&registry, "p", common::note(json!({ "after": "terminal" }))).await;

    let found = finished(waiting, "the wait").await;
    assert_eq!(found, note);
    assert_eq!(found.sequence, 2, "the terminal event took sequence 1");
}

#[tokio::test]
async fn wait_7_dropping_a_pending_wait_has_no_side_effects() {
    let registry = shared_with("p").await;
    append(&registry, "p", common::wake("before")).await;
    let before = observable(&registry, "p").await;

    let dropped = timeout(PENDING_PROBE, registry.wait_event_after("p", "note", 0)).await;
    assert!(
        dropped.is_err(),
        "the wait was pending when its future was dropped"
    );
    let mut aborted = spawn_wait(&registry, "p", "note", 0);
    assert_pending(&mut aborted, "a spawned wait").await;
    aborted.abort();
    assert!(
        timeout(WAIT_BOUND, aborted)
            .await
            .expect("abort completes")
            .is_err_and(|error| error.is_cancelled()),
        "the spawned wait was cancelled, not completed"
    );

    assert_eq!(
        observable(&registry, "p").await,
        before,
        "dropping a wait changed nothing"
    );
    let fresh = spawn_wait(&registry, "p", "note", 0);
    let note = append(&registry, "p", common::note(json!({ "still": "works" }))).await;
    assert_eq!(note.sequence, 2, "the dropped waits consumed no sequence");
    assert_eq!(finished(fresh, "a later wait").await, note);
}

#[tokio::test]
async fn wait_7_dropping_a_pending_await_has_no_side_effects() {
    let registry = shared_with("p").await;
    let before = observable(&registry, "p").await;

    let dropped = timeout(PENDING_PROBE, registry.await_process("p")).await;
    assert!(
        dropped.is_err(),
        "the await was pending when its future was dropped"
    );

    assert_eq!(
        observable(&registry, "p").await,
        before,
        "dropping an await changed nothing"
    );
    let output = ProcessAwaitOutput::success(json!({ "ok": true }));
    let awaiting = spawn_await(&registry, "p");
    registry
        .complete_process("p", output.clone())
        .await
        .expect("completion is valid");
    assert_eq!(finished(awaiting, "a later await").await, output);
}
