//! The public surface outside code relies on: object safety, defaults, wire shapes.

use procreg::{
    DurabilityTier, ManualClock, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType,
    ProcessHandleDescriptor, ProcessInput, ProcessRegistration, ProcessRegistry, ProcessScope,
    ProcessValueSelector, ProcessWakeSpec,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::sync::Arc;

fn registry() -> (Arc<dyn ProcessRegistry>, ManualClock) {
    let clock = ManualClock::new(1_000);
    (
        Arc::new(MemoryRegistry::new(Arc::new(clock.clone()))),
        clock,
    )
}

#[test]
fn durability_tier_defaults_to_inline_and_can_be_declared() {
    let clock = Arc::new(ManualClock::new(0));
    assert_eq!(
        MemoryRegistry::new(clock.clone()).durability_tier(),
        DurabilityTier::Inline
    );
    let durable = MemoryRegistry::new(clock).with_durability_tier(DurabilityTier::Durable);
    assert_eq!(durable.durability_tier(), DurabilityTier::Durable);
}

/// One lifecycle, serialised: a reviewer sees any change of wire shape or behaviour as a diff.
#[tokio::test]
async fn lifecycle_wire_shapes() {
    let (registry, clock) = registry();
    let registration = ProcessRegistration::new("p1", ProcessInput::external(json!({"job": 1})))
        .with_caused_by(json!({"type": "turn", "turn_id": "t1"}))
        .with_extra_event_types([ProcessEventType::wake(
            "progress",
            ProcessWakeSpec::new(ProcessValueSelector::pointer("/message")),
        )]);
    let record = registry
        .register_process(registration)
        .await
        .expect("register");
    let grant = registry
        .grant_handle(
            &ProcessScope::frame("s1", "f1"),
            "p1",
            ProcessHandleDescriptor::labelled("job"),
        )
        .await
        .expect("grant");
    clock.advance(5);
    let lease = registry
        .claim_process_lease("p1", "worker-a", 1_000)
        .await
        .expect("claim");
    clock.advance(5);
    let appended = registry
        .append_event(
            "p1",
            ProcessEventAppendRequest::new("progress", json!({"message": "half way"}))
                .with_replay_key("p1:progress:1")
                .with_wake_target(ProcessScope::session("s1")),
        )
        .await
        .expect("append");
    clock.advance(5);
    let completed = registry
        .complete_process("p1", ProcessAwaitOutput::success(json!({"answer": 42})))
        .await
        .expect("complete");
    let report = registry
        .delete_session_process_state("s1")
        .await
        .expect("delete session");
    insta::assert_json_snapshot!("registered_record", record);
    insta::assert_json_snapshot!("frame_grant", grant);
    insta::assert_json_snapshot!("first_lease", lease);
    insta::assert_json_snapshot!("wake_append_result", appended);
    insta::assert_json_snapshot!("completed_record", completed);
    insta::assert_json_snapshot!("session_delete_report", report);
}
