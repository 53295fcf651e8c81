//! Preparation's verdicts, core types and REG-11 hashes, and the preparer
//! agreeing with a fresh preparation.

use super::*;
use crate::event_type::{ProcessEventType, PROCESS_CANCEL_REQUESTED, PROCESS_COMPLETED};
use crate::scope::ProcessScope;
use crate::ErrorKind;
use serde_json::json;

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({"n": 1})))
}

fn rejected(registration: ProcessRegistration, detail: &str) {
    let error = prepare_registration(registration).expect_err("should be rejected");
    assert!(error.is(ErrorKind::InvalidRegistration));
    assert!(
        error.message.contains(detail),
        "{error} should contain {detail}"
    );
}

#[test]
fn ensures_core_types_in_core_order_after_user_types() {
    let prepared = prepare_registration(
        registration("p").with_event_types(vec![ProcessEventType::new("custom")]),
    )
    .expect("valid");
    let names: Vec<&str> = prepared
        .registration
        .event_types
        .iter()
        .map(|declared| declared.name.as_str())
        .collect();
    assert_eq!(
        names,
        vec![
            "custom",
            "process.cancel_requested",
            "process.completed",
            "process.failed",
            "process.cancelled"
        ]
    );
}

#[test]
fn a_user_declaration_with_a_core_name_wins() {
    let prepared = prepare_registration(
        registration("p").with_event_types(vec![ProcessEventType::new(PROCESS_COMPLETED)]),
    )
    .expect("valid");
    let completed = prepared
        .registration
        .event_types
        .iter()
        .find(|declared| declared.name == PROCESS_COMPLETED)
        .expect("declared");
    assert!(completed.semantics.terminal.is_none());
    assert_eq!(prepared.registration.event_types.len(), 4);
    assert_eq!(
        prepared.registration.event_types[1].name,
        PROCESS_CANCEL_REQUESTED
    );
}

#[test]
fn rejects_every_malformed_registration() {
    rejected(registration("  "), "process id must be a non-empty string");
    rejected(
        registration("p").with_owner_scope(ProcessScope::session("")),
        "owner scope must include a session id",
    );
    let mut blank_profile = registration("p");
    blank_profile.provenance.host_profile_id = " ".into();
    rejected(blank_profile, "host profile id must be non-empty");
    rejected(
        registration("p").with_extra_event_types([ProcessEventType::new(" ")]),
        "declares an empty event type",
    );
    rejected(
        registration("p")
            .with_extra_event_types([ProcessEventType::new("a"), ProcessEventType::new("a")]),
        "declares duplicate event type `a`",
    );
    rejected(
        registration("p").with_extra_event_types([ProcessEventType::terminal(
            "boom",
            ProcessTerminalState::Failed,
            None,
        )]),
        "terminal event `boom` for process `p` must declare await output",
    );
    rejected(
        registration("p")
            .with_extra_event_types([ProcessEventType::new("a").with_schema(json!({"type": 1}))]),
        "event type `a` has an invalid payload schema",
    );
}

#[test]
fn completed_terminal_without_selector_is_valid() {
    assert!(
        prepare_registration(registration("p").with_extra_event_types([
            ProcessEventType::terminal("done", ProcessTerminalState::Completed, None)
        ]))
        .is_ok()
    );
}

#[test]
fn hash_is_deterministic_and_content_sensitive() {
    let first = prepare_registration(registration("p")).expect("valid");
    let again = prepare_registration(registration("p")).expect("valid");
    assert_eq!(first.registration_hash, again.registration_hash);
    let extra = prepare_registration(
        registration("p").with_extra_event_types([ProcessEventType::new("x")]),
    )
    .expect("valid");
    assert_ne!(first.registration_hash, extra.registration_hash);
    let reordered = prepare_registration(
        registration("p").with_event_types(core_event_types().into_iter().rev().collect()),
    )
    .expect("valid");
    assert_ne!(first.registration_hash, reordered.registration_hash);
    assert_eq!(first.registration_hash.len(), 64);
}

/// Registrations that differ in every hashed field, with odd ids and
/// provenance, some sharing a list of event types and some not.
fn varied_registrations() -> Vec<ProcessRegistration> {
    let step = ProcessEventType::new("step");
    let odd = ProcessEventType::new("ev'/:%_ \u{e9}");
    vec![
        registration("p"),
        registration("p").with_extra_event_types([step.clone()]),
        registration("q\"\\ \u{1F600}").with_extra_event_types([step.clone()]),
        registration("p").with_extra_event_types([step.clone(), odd.clone()]),
        registration("p")
            .with_extra_event_types([step.clone()])
            .with_owner_scope(ProcessScope::frame("s/0", "f:1"))
            .with_caused_by(json!({"z": [1, {"b": null, "a": "x"}], "a": 1.5})),
        registration("p").with_event_types(vec![odd, step]),
        registration("r"),
        ProcessRegistration::new(
            "m",
            ProcessInput::external(json!({"z": {"b": [1, "\u{e9}"], "a": null}, "a\"": 1})),
        ),
        ProcessRegistration::new("n", ProcessInput::external(serde_json::Value::Null)),
    ]
}

#[test]
fn the_hash_is_sha256_of_the_prepared_registrations_canonical_json() {
    for submitted in varied_registrations() {
        let prepared = prepare_registration(submitted).expect("valid");
        let canonical = crate::hash::canonical_json(&prepared.registration);
        assert_eq!(
            prepared.registration_hash,
            crate::hash::sha256_hex(canonical.as_bytes()),
            "{canonical}"
        );
    }
}

#[test]
fn a_preparer_agrees_with_a_fresh_preparation_every_time() {
    let mut preparer = RegistrationPreparer::default();
    let mut rejected = registration("bad");
    rejected.provenance.host_profile_id = String::new();
    let twice = varied_registrations()
        .into_iter()
        .chain(varied_registrations());
    for submitted in twice.chain([rejected]).chain(varied_registrations()) {
        let fresh = prepare_registration(submitted.clone());
        let reused = preparer.prepare(submitted);
        assert_eq!(fresh, reused);
    }
}

#[test]
fn a_prepared_record_agrees_with_a_fresh_preparation_every_time() {
    let mut preparer = RegistrationPreparer::default();
    let mut bad_profile = registration("bad");
    bad_profile.provenance.host_profile_id = String::new();
    let blank_id = registration(" ");
    let mut repeated = varied_registrations();
    repeated.extend(varied_registrations());
    // Each invalid one right after a valid one declaring the same list.
    for submitted in repeated
        .into_iter()
        .chain([registration("a"), bad_profile, registration("b"), blank_id])
        .chain(varied_registrations())
    {
        let fresh = prepare_registration(submitted.clone()).map(|prepared| prepared.into_record(7));
        let reused = preparer.prepare_record(submitted, 7);
        assert_eq!(fresh, reused);
    }
}

#[test]
fn records_of_one_list_and_provenance_share_them() {
    let mut preparer = RegistrationPreparer::default();
    let records: Vec<ProcessRecord> = ["a", "b"]
        .into_iter()
        .map(|id| {
            preparer
                .prepare(registration(id))
                .expect("valid")
                .into_record(0)
        })
        .collect();
    assert!(Arc::ptr_eq(
        &records[0].event_types,
        &records[1].event_types
    ));
    assert_eq!(records[0].event_types.len(), 4);
}

#[test]
fn into_record_starts_running_at_now() {
    let record = prepare_registration(registration("p"))
        .expect("valid")
        .into_record(42);
    assert_eq!(record.created_at_ms, 42);
    assert_eq!(record.updated_at_ms, 42);
    assert!(!record.is_terminal());
    assert!(record.external_ref.is_none());
}
