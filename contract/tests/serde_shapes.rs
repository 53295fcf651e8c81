//! Wire shapes that outside code relies on: tags, field names, defaults.

use procreg::{
    DurabilityTier, ProcessAwaitOutput, ProcessRecord, ProcessStatus, ProcessValueSelector,
    ProcessWakeDedupeKey,
};
use serde_json::json;

#[test]
fn selectors_are_externally_tagged_snake_case() {
    let cases = [
        (ProcessValueSelector::Payload, json!("payload")),
        (
            ProcessValueSelector::pointer("/a"),
            json!({"pointer": "/a"}),
        ),
        (ProcessValueSelector::Const(json!(1)), json!({"const": 1})),
        (
            ProcessValueSelector::present("/a"),
            json!({"present": "/a"}),
        ),
    ];
    for (selector, expected) in cases {
        assert_eq!(
            serde_json::to_value(&selector).expect("serialise"),
            expected
        );
        let back: ProcessValueSelector = serde_json::from_value(expected).expect("deserialise");
        assert_eq!(back, selector);
    }
    assert_eq!(
        serde_json::to_value(ProcessWakeDedupeKey::EventIdentity).expect("serialise"),
        json!("event_identity")
    );
}

#[test]
fn status_and_outputs_are_internally_tagged() {
    let status = ProcessStatus::Failed {
        await_output: ProcessAwaitOutput::failure("execution", "c", "m"),
    };
    assert_eq!(
        serde_json::to_value(&status).expect("serialise"),
        json!({"state": "failed", "await_output": {"type": "failure", "class": "execution", "code": "c", "message": "m"}})
    );
    assert_eq!(
        serde_json::to_value(ProcessStatus::Running).expect("serialise"),
        json!({"state": "running"})
    );
    assert_eq!(
        serde_json::to_value(DurabilityTier::Durable).expect("serialise"),
        json!("durable")
    );
}

#[test]
fn record_defaults_fill_missing_fields() {
    let record: ProcessRecord = serde_json::from_value(json!({
        "id": "p",
        "registration_hash": "h",
        "input": {"type": "external"},
        "provenance": {"owner_scope": {"session_id": "s"}, "host_profile_id": "d"}
    }))
    .expect("deserialise with defaults");
    assert_eq!(record.status, ProcessStatus::Running);
    assert!(record.event_types.is_empty());
    assert_eq!(record.created_at_ms, 0);
    assert!(record.external_ref.is_none());
}
