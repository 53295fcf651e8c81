//! Rule tests for the CLOCK area of docs/spec.md.

mod common;

use common::START_MS;
use procreg::{
    Clock, ErrorKind, ManualClock, ProcessAwaitOutput, ProcessExternalRef, ProcessRegistry,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Asserts another owner's claim on `p` is refused: the lease is live.
async fn assert_live(registry: &MemoryRegistry) {
    common::expect_kind(
        registry.claim_process_lease("p", "other", 10).await,
        ErrorKind::LeaseHeld,
    );
}

#[tokio::test]
async fn clock_1_every_timestamp_reads_the_injected_clock() {
    let (registry, clock) = common::registry();

    clock.set(5_000);
    let registered = common::register(&registry, "p").await;
    clock.set(6_000);
    let note = registry
        .append_event("p", common::note(json!({ "n": 1 })))
        .await
        .expect("a note is valid");
    clock.set(7_000);
    let wake = registry
        .append_event("p", common::wake("hi"))
        .await
        .expect("a targeted wake is valid");
    clock.set(8_000);
    let lease = registry
        .claim_process_lease("p", "worker", 250)
        .await
        .expect("a free lease");
    clock.set(8_100);
    let renewed = registry
        .renew_process_lease(&lease, 300)
        .await
        .expect("a live lease renews");
    clock.set(9_000);
    let referenced = registry
        .set_external_ref("p", ProcessExternalRef::new("engine", "job-1"))
        .await
        .expect("p exists");
    clock.set(9_500);
    registry
        .complete_process("p", ProcessAwaitOutput::success(json!("ok")))
        .await
        .expect("completion is valid");

    assert_eq!(
        (registered.created_at_ms, registered.updated_at_ms),
        (5_000, 5_000)
    );
    assert_eq!(note.event.occurred_at_ms, 6_000);
    assert_eq!(wake.event.occurred_at_ms, 7_000);
    let delivery = wake.wake_delivery.expect("a wake type yields a delivery");
    assert_eq!(delivery.created_at_ms, 7_000);
    assert_eq!(
        (lease.claimed_at_epoch_ms, lease.expires_at_epoch_ms),
        (8_000, 8_250)
    );
    assert_eq!(
        (renewed.claimed_at_epoch_ms, renewed.expires_at_epoch_ms),
        (8_000, 8_400)
    );
    assert_eq!(
        (referenced.created_at_ms, referenced.updated_at_ms),
        (5_000, 9_000)
    );
    let events = registry.events_after("p", 2).await.expect("p exists");
    assert_eq!(events.last().map(|event| event.occurred_at_ms), Some(9_500));
    let record = registry.get_process("p").await.expect("p exists");
    assert_eq!((record.created_at_ms, record.updated_at_ms), (5_000, 9_500));
}

#[tokio::test]
async fn clock_2_lease_expiry_follows_the_injected_clock() {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    let lease = registry
        .claim_process_lease("p", "worker", 20)
        .await
        .expect("a free lease");

    // Real time passing beyond the TTL does not expire the lease ...
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_live(&registry).await;
    let renewed = registry
        .renew_process_lease(&lease, 20)
        .await
        .expect("the lease is still live by the injected clock");

    // ... and moving the manual clock expires it with no real time passing.
    clock.advance(19);
    assert_live(&registry).await;
    clock.advance(1);
    let err = common::expect_kind(
        registry.renew_process_lease(&renewed, 20).await,
        ErrorKind::LeaseLost,
    );
    assert!(err.message.contains("missing or expired"), "{err}");
    let taken = registry
        .claim_process_lease("p", "other", 20)
        .await
        .expect("the expired lease is free");
    assert_eq!(taken.fencing_token, 2);
}

#[tokio::test]
async fn clock_3_manual_clock_clones_share_one_reading() {
    let clock = ManualClock::new(100);
    let clone = clock.clone();
    let registry = MemoryRegistry::new(Arc::new(clock.clone()));

    assert_eq!(clone.advance(50), 150);
    assert_eq!(clock.now_ms(), 150);
    clock.set(400);
    assert_eq!(clone.now_ms(), 400);
    let record = common::register(&registry, "p").await;
    assert_eq!(
        record.created_at_ms, 400,
        "the registry's clone moved with the others"
    );

    clone.set(u64::MAX - 5);
    assert_eq!(clock.advance(10), u64::MAX, "advance saturates");
    assert_eq!(clone.now_ms(), u64::MAX);
    assert_eq!(clock.advance(u64::MAX), u64::MAX);
}

#[tokio::test]
async fn clock_4_timestamps_equal_exactly_the_manual_clock_values() {
    let (registry, clock) = common::registry();

    clock.set(42);
    let record = common::register(&registry, "p").await;
    clock.set(7);
    let event = registry
        .append_event("p", common::wake("tiny"))
        .await
        .expect("a targeted wake is valid");
    clock.set(0);
    let lease = registry
        .claim_process_lease("p", "worker", 3)
        .await
        .expect("a free lease");

    assert_eq!((record.created_at_ms, record.updated_at_ms), (42, 42));
    assert_eq!(event.event.occurred_at_ms, 7);
    assert_eq!(
        event.wake_delivery.map(|delivery| delivery.created_at_ms),
        Some(7)
    );
    assert_eq!(
        (lease.claimed_at_epoch_ms, lease.expires_at_epoch_ms),
        (0, 3)
    );
    let stored = registry.get_process("p").await.expect("p exists");
    assert_eq!((stored.created_at_ms, stored.updated_at_ms), (42, 7));
}

#[tokio::test]
async fn clock_5_new_timestamps_follow_a_clock_set_back() {
    let (registry, clock) = common::registry();
    clock.set(10_000);
    common::register(&registry, "p").await;
    registry
        .append_event("p", common::note(json!({ "n": 1 })))
        .await
        .expect("a note is valid");

    clock.set(5_000);
    let earlier = registry
        .append_event("p", common::note(json!({ "n": 2 })))
        .await
        .expect("a note is valid");

    assert_eq!(earlier.event.occurred_at_ms, 5_000);
    assert_eq!(
        earlier.event.sequence, 2,
        "sequences still grow when time goes back"
    );
    let record = registry.get_process("p").await.expect("p exists");
    assert_eq!(
        (record.created_at_ms, record.updated_at_ms),
        (10_000, 5_000)
    );
}

#[tokio::test]
async fn clock_5_lease_liveness_is_judged_against_the_new_reading() {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    let lease = registry
        .claim_process_lease("p", "worker", 100)
        .await
        .expect("a free lease");
    clock.set(START_MS + 500);
    common::expect_kind(
        registry.renew_process_lease(&lease, 100).await,
        ErrorKind::LeaseLost,
    );

    clock.set(START_MS + 50);

    assert_live(&registry).await;
    let renewed = registry
        .renew_process_lease(&lease, 100)
        .await
        .expect("live again against the earlier reading");
    assert_eq!(renewed.expires_at_epoch_ms, START_MS + 150);
    clock.set(START_MS - 500);
    let reclaimed = registry
        .claim_process_lease("p", "worker", 10)
        .await
        .expect("the owner re-claims");
    assert_eq!(
        (reclaimed.claimed_at_epoch_ms, reclaimed.expires_at_epoch_ms),
        (START_MS - 500, START_MS - 490)
    );
}
