//! What an append costs on the wire, and what wakes a wait: appends take two
//! round trips whatever their outcome, and a wait on one handle is woken by
//! another handle's append to its process through `LISTEN`/`NOTIFY` (and
//! not by appends to other processes), with polling effectively off (a
//! one-hour poll interval).

mod support;

use procreg::{
    ErrorKind, ManualClock, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType,
    ProcessInput, ProcessRegistration, ProcessRegistry,
};
use procreg_postgres::{PgOptions, PgRegistry};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::{PgFactory, PgSchemas};

/// Long enough that a wait woken within the test's bound was not woken by polling.
const NO_POLLING: Duration = Duration::from_secs(3_600);

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({})))
        .with_extra_event_types([ProcessEventType::new("tick")])
}

/// `count` handles with one connection each on a fresh schema, polling once an hour.
async fn handles(url: &str, count: usize) -> (PgFactory, Vec<Arc<PgRegistry>>) {
    let options = PgOptions {
        poll_interval: NO_POLLING,
        ..PgOptions::default()
    };
    let factory = PgFactory::new(PgSchemas::with_options(url, options));
    let handles = factory
        .opener()
        .handles(count, 1, Arc::new(ManualClock::new(1_000)))
        .await
        .expect("connect");
    (factory, handles)
}

/// Round trips `call` made on `registry`.
async fn round_trips_of<T>(
    registry: &PgRegistry,
    call: impl std::future::Future<Output = T>,
) -> (u64, T) {
    let before = registry.round_trips();
    let result = call.await;
    (registry.round_trips() - before, result)
}

#[test]
fn an_append_takes_two_round_trips_whatever_its_outcome() {
    let Some(url) = support::pg_url("an_append_takes_two_round_trips_whatever_its_outcome") else {
        return;
    };
    support::runtime().block_on(async {
        let (_factory, handles) = handles(&url, 1).await;
        let registry = &handles[0];
        registry
            .register_process(registration("p"))
            .await
            .expect("register");
        // The connection's first append prepares its statements (three round trips, once).
        let first = ProcessEventAppendRequest::new("tick", json!({"n": 0}));
        registry
            .append_event("p", first)
            .await
            .expect("warm-up append");

        let keyed = ProcessEventAppendRequest::new("tick", json!({"n": 1})).with_replay_key("k");
        let (trips, stored) =
            round_trips_of(registry, registry.append_event("p", keyed.clone())).await;
        assert_eq!(stored.expect("stored").event.sequence, 2);
        assert_eq!(
            trips, 2,
            "a stored append: BEGIN+lock+read, then write+COMMIT"
        );

        let (trips, replayed) = round_trips_of(registry, registry.append_event("p", keyed)).await;
        assert_eq!(replayed.expect("replayed").event.sequence, 2);
        assert_eq!(trips, 2, "a replay: BEGIN+lock+read, then COMMIT");

        let undeclared = ProcessEventAppendRequest::new("nope", json!({}));
        let (trips, refused) =
            round_trips_of(registry, registry.append_event("p", undeclared)).await;
        assert!(refused
            .expect_err("undeclared")
            .is(ErrorKind::UndeclaredEvent));
        assert_eq!(trips, 2, "a refusal: BEGIN+lock+read, then ROLLBACK");

        let output = ProcessAwaitOutput::success(json!("done"));
        let (trips, completed) =
            round_trips_of(registry, registry.complete_process("p", output)).await;
        assert!(completed.expect("completed").is_terminal());
        assert_eq!(trips, 2, "complete_process is one append");

        let events = registry.events_after("p", 0).await.expect("events");
        let sequences: Vec<u64> = events.iter().map(|event| event.sequence).collect();
        assert_eq!(
            sequences,
            vec![1, 2, 3],
            "nothing was written twice or lost"
        );
    });
}

#[test]
fn another_handles_append_wakes_a_wait_without_polling() {
    let Some(url) = support::pg_url("another_handles_append_wakes_a_wait_without_polling") else {
        return;
    };
    support::runtime().block_on(async {
        let (_factory, handles) = handles(&url, 2).await;
        let (writer, waiter) = (Arc::clone(&handles[0]), Arc::clone(&handles[1]));
        writer
            .register_process(registration("p"))
            .await
            .expect("register");
        for round in 1..=3u64 {
            let looks_before = waiter.round_trips();
            let waiting = {
                let waiter = Arc::clone(&waiter);
                tokio::spawn(async move { waiter.wait_event_after("p", "tick", round - 1).await })
            };
            // Let the wait listen and send its look first (it finds nothing yet).
            while waiter.round_trips() == looks_before {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let request = ProcessEventAppendRequest::new("tick", json!({"round": round}));
            writer.append_event("p", request).await.expect("append");
            let event = tokio::time::timeout(Duration::from_secs(30), waiting)
                .await
                .expect("woken by the notification, not by the hour-long poll")
                .expect("joins")
                .expect("the event");
            assert_eq!(event.sequence, round);
        }
        let output = ProcessAwaitOutput::success(json!("done"));
        let awaiting = {
            let waiter = Arc::clone(&waiter);
            tokio::spawn(async move { waiter.await_process("p").await })
        };
        writer
            .complete_process("p", output.clone())
            .await
            .expect("complete");
        let awaited = tokio::time::timeout(Duration::from_secs(30), awaiting)
            .await
            .expect("woken by the notification")
            .expect("joins")
            .expect("the output");
        assert_eq!(awaited, output);
    });
}

#[test]
fn appends_to_other_processes_do_not_wake_a_wait() {
    let Some(url) = support::pg_url("appends_to_other_processes_do_not_wake_a_wait") else {
        return;
    };
    support::runtime().block_on(async {
        let (_factory, handles) = handles(&url, 2).await;
        let (writer, waiter) = (Arc::clone(&handles[0]), Arc::clone(&handles[1]));
        for id in ["quiet", "busy"] {
            writer
                .register_process(registration(id))
                .await
                .expect("register");
        }
        let before = waiter.round_trips();
        let waiting = {
            let waiter = Arc::clone(&waiter);
            tokio::spawn(async move { waiter.wait_event_after("quiet", "tick", 0).await })
        };
        while waiter.round_trips() == before {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let after_first_look = waiter.round_trips();
        for round in 0..20 {
            let request = ProcessEventAppendRequest::new("tick", json!({"round": round}));
            writer.append_event("busy", request).await.expect("append");
        }
        // Time for the twenty notifications to reach the waiting handle.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            waiter.round_trips(),
            after_first_look,
            "appends to another process made the wait look again"
        );
        let request = ProcessEventAppendRequest::new("tick", json!({"round": "quiet"}));
        writer.append_event("quiet", request).await.expect("append");
        let event = tokio::time::timeout(Duration::from_secs(30), waiting)
            .await
            .expect("woken by the notification for its process")
            .expect("joins")
            .expect("the event");
        assert_eq!(event.sequence, 1);
    });
}
