//! The scenario of the WAKE area.

use crate::fixtures::{note, registration, session, wake, WAKE};
use crate::transcript::recorder::{Recorder, Stopped};
use procreg::ProcessRegistry as _;
use procreg::{
    ProcessEventAppendRequest, ProcessEventType, ProcessValueSelector, ProcessWakeDedupeKey,
    ProcessWakeSpec,
};
use serde_json::json;

/// WAKE-1, WAKE-2, WAKE-4..WAKE-11, REPLAY-8.
pub(super) async fn wakes_and_acks(rec: &mut Recorder) -> Result<(), Stopped> {
    let s1 = session("s1");
    let urgent = ProcessEventType::wake(
        "urgent",
        ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
            .when(ProcessValueSelector::pointer("/urgent")),
    );
    let digest = ProcessEventType::wake(
        "digest",
        ProcessWakeSpec::new(ProcessValueSelector::Payload)
            .with_dedupe_key(ProcessWakeDedupeKey::Const("daily".to_owned())),
    );
    rec.register_process(
        registration("job-1")
            .with_extra_event_types([urgent, digest])
            .with_caused_by(json!({"type": "turn", "turn_id": "t-7"})),
    )
    .await?;
    rec.advance(5);
    rec.note("WAKE-1, WAKE-4..WAKE-6: a wake type stores the wake and returns a delivery");
    let _ = rec.append_event("job-1", wake("hello", &s1)).await;
    rec.note("WAKE-7: a wake without a target is rejected and not persisted");
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new(WAKE, json!({"message": "lost"})),
        )
        .await;
    rec.note("WAKE-2: a falsy when suppresses the wake; WAKE-11: plain events are never wakes");
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new("urgent", json!({"message": "later", "urgent": false}))
                .with_wake_target(s1.clone()),
        )
        .await;
    let _ = rec
        .append_event("job-1", note(json!({"plain": true})))
        .await;
    rec.note("WAKE-8: the registry does not dedupe: one dedupe key, two events, one wake id");
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new("digest", json!({"day": 1}))
                .with_wake_target(s1.clone()),
        )
        .await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new("digest", json!({"day": 2}))
                .with_wake_target(s1.clone()),
        )
        .await;
    rec.note("REPLAY-8: a keyed wake replays with a delivery for the request's target");
    let _ = rec
        .append_event("job-1", wake("keyed", &s1).with_replay_key("wake-1"))
        .await;
    let _ = rec
        .append_event(
            "job-1",
            wake("keyed", &session("s2")).with_replay_key("wake-1"),
        )
        .await;
    rec.note("WAKE-9: unacknowledged wakes strictly after the cursor");
    let _ = rec.wake_events_after("job-1", 0).await;
    let _ = rec.wake_events_after("job-1", 1).await;
    rec.note("WAKE-10: acks hide wakes only, are idempotent, may name future sequences");
    let _ = rec.ack_wake("job-1", 1).await;
    let _ = rec.ack_wake("job-1", 1).await;
    let _ = rec.ack_wake("job-1", 5).await;
    let _ = rec.ack_wake("job-1", 99).await;
    let _ = rec.ack_wake("ghost", 1).await;
    let _ = rec.wake_events_after("job-1", 0).await;
    Ok(())
}
