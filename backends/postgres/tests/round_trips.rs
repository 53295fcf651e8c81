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

/// Attempts per measured call: see [`fewest_round_trips`].
const ATTEMPTS: u64 = 5;

/// The fewest round trips `call(n)` made on `registry` over [`ATTEMPTS`]
/// attempts (`n` = 0, 1, ...), and each attempt's result. The count is of
/// requests sent while nothing else was in flight on the connection, so a
/// thread descheduled between two pipelined sends (on a busy machine the
/// server may answer the first before the second leaves) counts one more;
/// that can only add, so the fewest is the code's own count.
async fn fewest_round_trips<T, F, Fut>(registry: &PgRegistry, mut call: F) -> (u64, Vec<T>)
where
    F: FnMut(u64) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut fewest = u64::MAX;
    let mut results = Vec::new();
    for attempt in 0..ATTEMPTS {
        let before = registry.round_trips();
        results.push(call(attempt).await);
        fewest = fewest.min(registry.round_trips() - before);
    }
    (fewest, results)
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

        let keyed = |n: u64| {
            ProcessEventAppendRequest::new("tick", json!({"n": n})).with_replay_key(format!("k{n}"))
        };
        let (trips, stored) =
            fewest_round_trips(registry, |n| registry.append_event("p", keyed(n))).await;
        let stored: Vec<u64> = stored
            .into_iter()
            .map(|result| result.expect("stored").event.sequence)
            .collect();
        assert_eq!(stored, (2..2 + ATTEMPTS).collect::<Vec<_>>());
        assert_eq!(
            trips, 2,
            "a stored append: BEGIN+lock+read, then write+COMMIT"
        );

        let (trips, replayed) =
            fewest_round_trips(registry, |_| registry.append_event("p", keyed(0))).await;
        for result in replayed {
            assert_eq!(result.expect("replayed").event.sequence, 2);
        }
        assert_eq!(trips, 2, "a replay: BEGIN+lock+read, then COMMIT");

        let undeclared = ProcessEventAppendRequest::new("nope", json!({}));
        let (trips, refused) =
            fewest_round_trips(registry, |_| registry.append_event("p", undeclared.clone())).await;
        for result in refused {
            assert!(result
                .expect_err("undeclared")
                .is(ErrorKind::UndeclaredEvent));
        }
        assert_eq!(trips, 2, "a refusal: BEGIN+lock+read, then ROLLBACK");

        for n in 0..ATTEMPTS {
            registry
                .register_process(registration(&format!("done-{n}")))
                .await
                .expect("register");
        }
        let output = ProcessAwaitOutput::success(json!("done"));
        let (trips, completed) = fewest_round_trips(registry, |n| {
            let (id, output) = (format!("done-{n}"), output.clone());
            async move { registry.complete_process(&id, output).await }
        })
        .await;
        for result in completed {
            assert!(result.expect("completed").is_terminal());
        }
        assert_eq!(trips, 2, "complete_process is one append");

        let events = registry.events_after("p", 0).await.expect("events");
        let sequences: Vec<u64> = events.iter().map(|event| event.sequence).collect();
        assert_eq!(
            sequences,
            (1..2 + ATTEMPTS).collect::<Vec<_>>(),
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
        // A wait answered at once: the waiting handle now listens, and its
        // connection has the look's statement prepared, so each later look
        // is one round trip.
        let request = ProcessEventAppendRequest::new("tick", json!({"round": "first"}));
        writer.append_event("busy", request).await.expect("append");
        waiter
            .wait_event_after("busy", "tick", 0)
            .await
            .expect("answered at once");
        let before = waiter.round_trips();
        let waiting = {
            let waiter = Arc::clone(&waiter);
            tokio::spawn(async move { waiter.wait_event_after("quiet", "tick", 0).await })
        };
        while waiter.round_trips() == before {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let after_first_look = waiter.round_trips();
        assert_eq!(after_first_look, before + 1, "a look is one round trip");
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
