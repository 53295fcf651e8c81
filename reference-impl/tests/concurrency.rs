//! Heavy concurrency tests on a multi-thread runtime: claims, appends and waits racing.

mod common;

use common::{note, register, registry};
use procreg::{ErrorKind, ProcessRegistry};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

const WAIT_BOUND: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lease_20_eight_racing_claims_leave_exactly_one_holder() {
    let (registry, _clock) = registry();
    let registry = Arc::new(registry);
    for round in 0..50 {
        let process_id = format!("p{round}");
        register(registry.as_ref(), &process_id).await;
        let claims: Vec<_> = (0..8)
            .map(|worker| {
                let registry = Arc::clone(&registry);
                let process_id = process_id.clone();
                tokio::spawn(async move {
                    registry
                        .claim_process_lease(&process_id, &format!("worker-{worker}"), 60_000)
                        .await
                })
            })
            .collect();
        let mut winners = Vec::new();
        for claim in claims {
            match claim.await.expect("claim task finishes") {
                Ok(lease) => winners.push(lease),
                Err(error) => {
                    assert_eq!(error.kind, ErrorKind::LeaseHeld, "round {round}: {error}")
                }
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one claim wins");
        assert_eq!(
            winners[0].fencing_token, 1,
            "round {round}: the winner holds fence 1"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn event_9_thousand_appends_from_eight_tasks_are_gap_free() {
    let (registry, _clock) = registry();
    let registry = Arc::new(registry);
    register(registry.as_ref(), "p").await;
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let registry = Arc::clone(&registry);
            tokio::spawn(async move {
                let mut sequences = Vec::new();
                for index in 0..125 {
                    let result = registry
                        .append_event("p", note(json!({"writer": writer, "index": index})))
                        .await
                        .expect("append succeeds");
                    sequences.push(result.event.sequence);
                }
                sequences
            })
        })
        .collect();
    let mut returned = BTreeSet::new();
    for writer in writers {
        for sequence in writer.await.expect("writer finishes") {
            assert!(
                returned.insert(sequence),
                "sequence {sequence} returned twice"
            );
        }
    }
    assert_eq!(returned, (1..=1000).collect::<BTreeSet<u64>>());
    let stored: Vec<u64> = registry
        .events_after("p", 0)
        .await
        .expect("log readable")
        .iter()
        .map(|event| event.sequence)
        .collect();
    assert_eq!(stored, (1..=1000).collect::<Vec<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wait_3_ten_thousand_raced_waits_never_hang() {
    let (registry, _clock) = registry();
    let registry = Arc::new(registry);
    register(registry.as_ref(), "p").await;
    for round in 0..10_000u64 {
        let waiter = {
            let registry = Arc::clone(&registry);
            tokio::spawn(async move { registry.wait_event_after("p", "note", round).await })
        };
        let appender = {
            let registry = Arc::clone(&registry);
            tokio::spawn(async move {
                registry
                    .append_event("p", note(json!({"round": round})))
                    .await
            })
        };
        let appended = appender
            .await
            .expect("append task finishes")
            .expect("append succeeds");
        let seen = tokio::time::timeout(WAIT_BOUND, waiter)
            .await
            .unwrap_or_else(|_| panic!("round {round}: wait_event_after hung (lost wake-up)"))
            .expect("wait task finishes")
            .expect("wait succeeds");
        assert_eq!(seen.sequence, round + 1, "round {round}");
        assert_eq!(seen, appended.event, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wait_5_await_raced_with_completion_never_hangs() {
    let (registry, _clock) = registry();
    let registry = Arc::new(registry);
    for round in 0..500 {
        let process_id = format!("p{round}");
        register(registry.as_ref(), &process_id).await;
        let waiter = {
            let registry = Arc::clone(&registry);
            let process_id = process_id.clone();
            tokio::spawn(async move { registry.await_process(&process_id).await })
        };
        let output = procreg::ProcessAwaitOutput::success(json!(round));
        registry
            .complete_process(&process_id, output.clone())
            .await
            .expect("completion succeeds");
        let awaited = tokio::time::timeout(WAIT_BOUND, waiter)
            .await
            .unwrap_or_else(|_| panic!("round {round}: await_process hung"))
            .expect("await task finishes")
            .expect("await succeeds");
        assert_eq!(awaited, output);
    }
}
