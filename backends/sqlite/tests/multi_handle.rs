//! Several `SqliteRegistry` handles on one file: SQLite's write lock, taken
//! by `BEGIN IMMEDIATE`, is the only thing that serialises them.

use procreg::{
    ErrorKind, ManualClock, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessLeaseCompletion, ProcessRegistration, ProcessRegistry,
};
use procreg_sqlite::SqliteRegistry;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({})))
        .with_extra_event_types([ProcessEventType::new("tick")])
}

fn handle(path: &Path, clock: &ManualClock) -> Arc<SqliteRegistry> {
    Arc::new(SqliteRegistry::open(path, Arc::new(clock.clone())).expect("open"))
}

fn two_handles() -> (tempfile::TempDir, Arc<SqliteRegistry>, Arc<SqliteRegistry>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.db");
    let clock = ManualClock::new(1_000);
    let first = handle(&path, &clock);
    let second = handle(&path, &clock);
    (dir, first, second)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_claims_from_two_handles_have_exactly_one_holder() {
    let (_dir, first, second) = two_handles();
    for round in 0..40 {
        let id = format!("p{round}");
        first
            .register_process(registration(&id))
            .await
            .expect("register");
        let (a, b) = tokio::join!(
            tokio::spawn({
                let (registry, id) = (Arc::clone(&first), id.clone());
                async move { registry.claim_process_lease(&id, "owner-a", 60_000).await }
            }),
            tokio::spawn({
                let (registry, id) = (Arc::clone(&second), id.clone());
                async move { registry.claim_process_lease(&id, "owner-b", 60_000).await }
            }),
        );
        let (a, b) = (a.expect("task"), b.expect("task"));
        let winners: Vec<_> = [&a, &b]
            .into_iter()
            .filter_map(|r| r.as_ref().ok())
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {a:?} / {b:?}");
        let loser = [&a, &b]
            .into_iter()
            .find_map(|r| r.as_ref().err())
            .expect("one loser");
        assert!(loser.is(ErrorKind::LeaseHeld), "round {round}: {loser}");
        assert_eq!(winners[0].fencing_token, 1);
        // Release through the other handle; the next claim, through either, fences higher.
        let release = ProcessLeaseCompletion::from_lease(winners[0]);
        second
            .complete_process_lease(&release)
            .await
            .expect("release");
        let next = first
            .claim_process_lease(&id, "owner-c", 60_000)
            .await
            .expect("claim after release");
        assert_eq!(next.fencing_token, 2);
        assert_ne!(next.lease_token, winners[0].lease_token);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_appends_from_two_handles_stay_gap_free() {
    let (_dir, first, second) = two_handles();
    first
        .register_process(registration("p"))
        .await
        .expect("register");
    let per_handle = 60u64;
    let append_all = |registry: Arc<SqliteRegistry>, tag: &'static str| async move {
        let mut sequences = Vec::new();
        for n in 0..per_handle {
            let result = registry
                .append_event(
                    "p",
                    ProcessEventAppendRequest::new("tick", json!({"by": tag, "n": n})),
                )
                .await
                .expect("append");
            sequences.push(result.event.sequence);
        }
        sequences
    };
    let (a, b) = tokio::join!(
        tokio::spawn(append_all(Arc::clone(&first), "a")),
        tokio::spawn(append_all(Arc::clone(&second), "b")),
    );
    let mut acknowledged: Vec<u64> = a
        .expect("task")
        .into_iter()
        .chain(b.expect("task"))
        .collect();
    acknowledged.sort_unstable();
    assert_eq!(acknowledged, (1..=2 * per_handle).collect::<Vec<_>>());
    for registry in [&first, &second] {
        let log = registry.events_after("p", 0).await.expect("events");
        let sequences: Vec<u64> = log.iter().map(|event| event.sequence).collect();
        assert_eq!(sequences, (1..=2 * per_handle).collect::<Vec<_>>());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_keyed_appends_from_two_handles_persist_once() {
    let (_dir, first, second) = two_handles();
    first
        .register_process(registration("p"))
        .await
        .expect("register");
    for round in 0..20 {
        let request = ProcessEventAppendRequest::new("tick", json!({"round": round}))
            .with_replay_key(format!("k{round}"));
        let (a, b) = tokio::join!(
            tokio::spawn({
                let (registry, request) = (Arc::clone(&first), request.clone());
                async move { registry.append_event("p", request).await }
            }),
            tokio::spawn({
                let (registry, request) = (Arc::clone(&second), request.clone());
                async move { registry.append_event("p", request).await }
            }),
        );
        let (a, b) = (
            a.expect("task").expect("append"),
            b.expect("task").expect("append"),
        );
        assert_eq!(
            a.event, b.event,
            "round {round}: both see the one stored event"
        );
    }
    let log = second.events_after("p", 0).await.expect("events");
    assert_eq!(log.len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_on_one_handle_sees_an_append_through_another() {
    let (_dir, first, second) = two_handles();
    first
        .register_process(registration("p"))
        .await
        .expect("register");
    let waiter = tokio::spawn({
        let second = Arc::clone(&second);
        async move { second.wait_event_after("p", "tick", 0).await }
    });
    tokio::time::sleep(Duration::from_millis(60)).await;
    let started = Instant::now();
    first
        .append_event("p", ProcessEventAppendRequest::new("tick", json!({})))
        .await
        .expect("append");
    let seen = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("the poll sees other handles' writes")
        .expect("task")
        .expect("wait");
    assert_eq!(seen.sequence, 1);
    assert!(started.elapsed() < Duration::from_secs(2));
    let awaiting = tokio::spawn({
        let second = Arc::clone(&second);
        async move { second.await_process("p").await }
    });
    let output = procreg::ProcessAwaitOutput::success(json!({"done": true}));
    first
        .complete_process("p", output.clone())
        .await
        .expect("complete");
    let awaited = tokio::time::timeout(Duration::from_secs(5), awaiting)
        .await
        .expect("await sees the other handle's completion")
        .expect("task")
        .expect("await");
    assert_eq!(awaited, output);
}
