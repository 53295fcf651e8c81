//! Rule tests for the REG area of docs/spec.md.

mod common;

use common::{expect_kind, START_MS};
use procreg::{
    core_event_types, prepare_registration, DurabilityTier, ErrorKind, ProcessAwaitOutput,
    ProcessEventAppendRequest, ProcessEventType, ProcessExternalRef, ProcessInput,
    ProcessProvenance, ProcessRecord, ProcessRegistration, ProcessRegistry, ProcessScope,
    ProcessStatus, ProcessTerminalState, PROCESS_CANCELLED, PROCESS_CANCEL_REQUESTED,
    PROCESS_COMPLETED, PROCESS_FAILED,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The core event type names in core order.
const CORE: [&str; 4] = [
    PROCESS_CANCEL_REQUESTED,
    PROCESS_COMPLETED,
    PROCESS_FAILED,
    PROCESS_CANCELLED,
];

fn names(record: &ProcessRecord) -> Vec<&str> {
    record
        .event_types
        .iter()
        .map(|declared| declared.name.as_str())
        .collect()
}

/// Registers `registration`, expects `InvalidRegistration` whose message holds
/// `detail`, and checks the registry stored nothing under `id`.
async fn assert_rejected(registration: ProcessRegistration, id: &str, detail: &str) {
    let (registry, _clock) = common::registry();
    let error = expect_kind(
        registry.register_process(registration).await,
        ErrorKind::InvalidRegistration,
    );
    assert!(
        error.message.contains(detail),
        "`{error}` should contain `{detail}`"
    );
    assert_eq!(registry.get_process(id).await, None);
    let worklist = registry.list_non_terminal().await.expect("sweep");
    assert!(worklist.is_empty(), "nothing stored: {worklist:?}");
}

/// The hash a fresh registry stores for `registration`.
async fn hash_of(registration: ProcessRegistration) -> String {
    let (registry, _clock) = common::registry();
    registry
        .register_process(registration)
        .await
        .expect("variant registration is valid")
        .registration_hash
        .to_string()
}

#[tokio::test]
async fn reg_1_blank_process_id_is_rejected_before_storage() {
    for id in ["", "   ", "\t\n"] {
        assert_rejected(
            common::registration(id),
            id,
            "process id must be a non-empty string",
        )
        .await;
    }
}

#[tokio::test]
async fn reg_2_owner_scope_without_session_id_is_rejected() {
    assert_rejected(
        common::registration("p").with_owner_scope(ProcessScope::session("")),
        "p",
        "owner scope must include a session id",
    )
    .await;
    assert_rejected(
        common::registration("p").with_owner_scope(ProcessScope::frame("", "f1")),
        "p",
        "owner scope must include a session id",
    )
    .await;
}

#[tokio::test]
async fn reg_3_blank_host_profile_id_is_rejected() {
    for host_profile_id in ["", "  "] {
        let mut registration = common::registration("p");
        registration.provenance.host_profile_id = host_profile_id.to_owned();
        assert_rejected(registration, "p", "host profile id must be non-empty").await;
    }
}

#[tokio::test]
async fn reg_4_blank_event_type_name_is_rejected() {
    for name in ["", " \t "] {
        let registration =
            common::registration("p").with_extra_event_types([ProcessEventType::new(name)]);
        assert_rejected(registration, "p", "declares an empty event type").await;
    }
}

#[tokio::test]
async fn reg_5_duplicate_event_type_names_are_rejected() {
    let twice = common::registration("p")
        .with_extra_event_types([ProcessEventType::new("a"), ProcessEventType::new("a")]);
    assert_rejected(twice, "p", "declares duplicate event type `a`").await;
    // The fixture already declares the core types; a second core name is a duplicate too.
    let core_again =
        common::registration("p").with_extra_event_types([ProcessEventType::new(PROCESS_FAILED)]);
    assert_rejected(
        core_again,
        "p",
        "declares duplicate event type `process.failed`",
    )
    .await;
}

#[tokio::test]
async fn reg_6_failed_and_cancelled_terminal_types_must_declare_await_output() {
    for state in [
        ProcessTerminalState::Failed,
        ProcessTerminalState::Cancelled,
    ] {
        let registration = common::registration("p")
            .with_extra_event_types([ProcessEventType::terminal("end", state, None)]);
        assert_rejected(registration, "p", "must declare await output").await;
    }
}

#[tokio::test]
async fn reg_6_completed_terminal_type_may_omit_await_output() {
    let (registry, _clock) = common::registry();
    let done = ProcessEventType::terminal("done", ProcessTerminalState::Completed, None);
    let record = registry
        .register_process(common::registration("p").with_extra_event_types([done.clone()]))
        .await
        .expect("a completed terminal type without selector is valid");
    assert_eq!(record.event_type("done"), Some(&done));
}

#[tokio::test]
async fn reg_7_missing_core_types_are_appended_at_the_end_in_core_order() {
    let (registry, _clock) = common::registry();
    let registration = ProcessRegistration::new("p", ProcessInput::external(json!({})))
        .with_event_types(vec![ProcessEventType::new("custom")]);
    let record = registry
        .register_process(registration)
        .await
        .expect("valid registration");
    assert_eq!(names(&record), [&["custom"], &CORE[..]].concat());
    assert_eq!(record.event_types[1..], core_event_types()[..]);
    // When every core name is declared already, nothing is appended.
    let record = common::register(&registry, "q").await;
    assert_eq!(names(&record), [&CORE[..], &["note", "wake"]].concat());
}

#[tokio::test]
async fn reg_7_user_declaration_with_core_name_wins_and_keeps_its_semantics() {
    let (registry, _clock) = common::registry();
    let user_failed = ProcessEventType::new(PROCESS_FAILED).with_schema(json!({"type": "object"}));
    let registration = ProcessRegistration::new("p", ProcessInput::external(json!({})))
        .with_event_types(vec![ProcessEventType::new("custom"), user_failed.clone()]);
    let record = registry
        .register_process(registration)
        .await
        .expect("valid registration");
    assert_eq!(
        names(&record),
        [
            "custom",
            PROCESS_FAILED,
            PROCESS_CANCEL_REQUESTED,
            PROCESS_COMPLETED,
            PROCESS_CANCELLED
        ]
    );
    assert_eq!(record.event_type(PROCESS_FAILED), Some(&user_failed));
    // The user's plain `process.failed` does not end the process.
    let appended = registry
        .append_event(
            "p",
            ProcessEventAppendRequest::new(PROCESS_FAILED, json!({})),
        )
        .await
        .expect("plain user type needs no replay key");
    assert_eq!(appended.event.semantics.terminal, None);
    let stored = registry.get_process("p").await.expect("registered");
    assert_eq!(stored.status, ProcessStatus::Running);
}

#[tokio::test]
async fn reg_8_first_registration_stores_a_running_record_at_now() {
    let (registry, clock) = common::registry();
    let now = clock.advance(234);
    let registration = common::registration("p");
    let prepared = prepare_registration(registration.clone()).expect("valid");
    let record = registry
        .register_process(registration)
        .await
        .expect("first registration");
    assert_eq!(record.id, "p");
    assert_eq!(record.status, ProcessStatus::Running);
    assert_eq!(record.created_at_ms, now);
    assert_eq!(record.updated_at_ms, now);
    assert_eq!(record.external_ref, None);
    assert_eq!(
        record.event_types[..],
        prepared.registration.event_types[..]
    );
    assert_eq!(*record.registration_hash, *prepared.registration_hash);
    assert_eq!(registry.get_process("p").await, Some(record));
}

#[tokio::test]
async fn reg_9_identical_registration_returns_stored_record() {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    clock.advance(100);
    let external_ref = ProcessExternalRef::new("restate", "inv-1");
    let stored = registry
        .set_external_ref("p", external_ref.clone())
        .await
        .expect("set ref");
    clock.advance(400);
    let again = registry
        .register_process(common::registration("p"))
        .await
        .expect("identical registration is idempotent");
    assert_eq!(again, stored);
    assert_eq!(again.created_at_ms, START_MS);
    assert_eq!(again.updated_at_ms, START_MS + 100);
    assert_eq!(again.external_ref, Some(external_ref));
    assert_eq!(registry.get_process("p").await, Some(stored));
    let events = registry.events_after("p", 0).await.expect("log");
    assert!(events.is_empty(), "re-registration wrote {events:?}");
}

#[tokio::test]
async fn reg_9_identical_registration_of_terminal_process_returns_it_unchanged() {
    let (registry, clock) = common::registry();
    common::register(&registry, "p").await;
    clock.advance(10);
    let output = ProcessAwaitOutput::success(json!("done"));
    let terminal = registry
        .complete_process("p", output.clone())
        .await
        .expect("complete");
    let log = registry.events_after("p", 0).await.expect("log");
    clock.advance(10);
    let again = registry
        .register_process(common::registration("p"))
        .await
        .expect("identical registration is idempotent");
    assert_eq!(again, terminal);
    assert_eq!(
        again.status,
        ProcessStatus::Completed {
            await_output: output
        }
    );
    assert_eq!(registry.get_process("p").await, Some(terminal));
    assert_eq!(registry.events_after("p", 0).await.expect("log"), log);
}

#[tokio::test]
async fn reg_9_registration_equal_after_preparation_is_idempotent() {
    let (registry, clock) = common::registry();
    let input = ProcessInput::external(json!({"n": 1}));
    let first = registry
        .register_process(ProcessRegistration::new("p", input.clone()))
        .await
        .expect("first");
    clock.advance(50);
    // No declared types prepares to the four core types: the same content.
    let again = registry
        .register_process(ProcessRegistration::new("p", input).with_event_types(vec![]))
        .await
        .expect("same prepared content");
    assert_eq!(again, first);
}

#[tokio::test]
async fn reg_10_different_content_under_registered_id_conflicts() {
    let (registry, clock) = common::registry();
    let stored = common::register(&registry, "p").await;
    clock.advance(10);
    let mut other_input = common::registration("p");
    other_input.input = ProcessInput::external(json!({"job": "other"}));
    let extra_type = common::registration("p").with_extra_event_types([ProcessEventType::new("x")]);
    for changed in [other_input, extra_type] {
        let new_hash = prepare_registration(changed.clone())
            .expect("valid")
            .registration_hash;
        let error = expect_kind(
            registry.register_process(changed).await,
            ErrorKind::RegistrationConflict,
        );
        let expected = format!(
            "registration hash conflict: existing {}, new {}",
            stored.registration_hash, new_hash
        );
        assert!(error.message.contains(&expected), "{error}");
        assert!(error.message.contains("`p`"), "names the process: {error}");
        assert_eq!(registry.get_process("p").await, Some(stored.clone()));
        assert!(registry.events_after("p", 0).await.expect("log").is_empty());
    }
}

#[tokio::test]
async fn reg_11_equal_prepared_registrations_hash_equal() {
    let early = hash_of(common::registration("p")).await;
    let (registry, clock) = common::registry();
    clock.advance(50_000);
    let late = registry
        .register_process(common::registration("p"))
        .await
        .expect("valid")
        .registration_hash;
    assert_eq!(*early, *late, "the clock is not part of the hash");
    let prepared = prepare_registration(common::registration("p")).expect("valid");
    assert_eq!(*early, *prepared.registration_hash);
}

#[tokio::test]
async fn reg_11_any_change_of_types_input_or_provenance_changes_the_hash() {
    let base = common::registration("p");
    let core = core_event_types();
    let note = ProcessEventType::new("note");
    let wake = base
        .event_types
        .iter()
        .find(|declared| declared.name == "wake")
        .cloned()
        .expect("the fixture declares `wake`");
    let mut other_input = base.clone();
    other_input.input = ProcessInput::external(json!({"job": "q"}));
    let variants = [
        (
            "added type",
            base.clone()
                .with_extra_event_types([ProcessEventType::new("x")]),
        ),
        (
            "removed type",
            base.clone()
                .with_event_types([core.clone(), vec![wake.clone()]].concat()),
        ),
        (
            "reordered types",
            base.clone()
                .with_event_types([core, vec![wake, note]].concat()),
        ),
        ("changed input", other_input),
        (
            "changed cause",
            base.clone().with_caused_by(json!({"tool_call": "c-1"})),
        ),
        (
            "changed owner",
            base.clone()
                .with_owner_scope(ProcessScope::frame("root", "f1")),
        ),
        (
            "changed host",
            base.clone().with_provenance(ProcessProvenance {
                host_profile_id: "other-host".to_owned(),
                ..base.provenance.clone()
            }),
        ),
    ];
    let base_hash = hash_of(base).await;
    let mut seen = BTreeSet::from([base_hash.clone()]);
    for (change, variant) in variants {
        let hash = hash_of(variant).await;
        assert_ne!(hash, base_hash, "{change} must change the hash");
        assert!(seen.insert(hash), "{change} collides with another variant");
    }
}

#[tokio::test]
async fn reg_12_registration_creates_no_events_grants_or_lease() {
    let (registry, _clock) = common::registry();
    let record = common::register(&registry, "p").await;
    let log = registry.events_after("p", 0).await.expect("log");
    let wakes = registry.wake_events_after("p", 0).await.expect("wakes");
    let grants = registry
        .handle_grants_for_process("p")
        .await
        .expect("grants");
    let owner = &record.provenance.owner_scope;
    let owner_grants = registry.list_handle_grants(owner).await.expect("list");
    assert!(log.is_empty(), "{log:?}");
    assert!(wakes.is_empty(), "{wakes:?}");
    assert!(grants.is_empty(), "{grants:?}");
    assert!(owner_grants.is_empty(), "the owner gets no implicit grant");
    let lease = registry
        .claim_process_lease("p", "worker", 1_000)
        .await
        .expect("claimable");
    assert_eq!(lease.fencing_token, 1, "no lease existed before");
}

#[tokio::test]
async fn reg_13_malformed_payload_schema_is_rejected_naming_type_and_keyword() {
    for (name, schema, keyword) in [
        ("bad_type", json!({"type": "text"}), "`type`"),
        ("bad_min", json!({"minItems": -1}), "`minItems`"),
        (
            "bad_enum",
            json!({"properties": {"a": {"enum": 1}}}),
            "`enum`",
        ),
        ("bad_any", json!({"anyOf": []}), "`anyOf`"),
    ] {
        let registration = common::registration("p")
            .with_extra_event_types([ProcessEventType::new(name).with_schema(schema)]);
        let type_named = format!("event type `{name}`");
        let (registry, _clock) = common::registry();
        let error = expect_kind(
            registry.register_process(registration).await,
            ErrorKind::InvalidRegistration,
        );
        assert!(error.message.contains(&type_named), "{error}");
        assert!(error.message.contains(keyword), "{error}");
        assert_eq!(registry.get_process("p").await, None);
    }
}

#[tokio::test]
async fn reg_13_supported_schema_subset_is_accepted() {
    let (registry, _clock) = common::registry();
    let schema = json!({
        "title": "ignored keywords are fine",
        "type": "object",
        "required": ["n"],
        "properties": {
            "n": {"type": ["integer", "null"], "minimum": 0},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2}
        },
        "additionalProperties": false
    });
    let typed = ProcessEventType::new("typed").with_schema(schema.clone());
    let record = registry
        .register_process(common::registration("p").with_extra_event_types([typed]))
        .await
        .expect("supported schema");
    let stored = record.event_type("typed").expect("declared");
    assert_eq!(stored.payload_schema.schema, schema);
}

#[tokio::test]
async fn reg_14_input_and_provenance_round_trip_exactly() {
    let (registry, _clock) = common::registry();
    let input = ProcessInput::external(json!({
        "nested": {"list": [1, 2.5, null, true, "é ☃"], "empty": {}},
        "big": u64::MAX,
        "negative": -7
    }));
    let registration = ProcessRegistration::new("p", input)
        .with_provenance(ProcessProvenance {
            owner_scope: ProcessScope::frame("sess", "frame-7"),
            host_profile_id: "gpu-host".to_owned(),
            caused_by: None,
        })
        .with_caused_by(json!({"kind": "tool_call", "ids": [3, 1, 2], "z": null}));
    let record = registry
        .register_process(registration.clone())
        .await
        .expect("valid");
    let fetched = registry.get_process("p").await.expect("stored");
    for stored in [&record, &fetched] {
        assert_eq!(*stored.input, registration.input);
        assert_eq!(*stored.provenance, registration.provenance);
        assert_eq!(
            serde_json::to_string(&stored.input).expect("json"),
            serde_json::to_string(&registration.input).expect("json")
        );
        assert_eq!(
            serde_json::to_string(&stored.provenance).expect("json"),
            serde_json::to_string(&registration.provenance).expect("json")
        );
    }
}

#[tokio::test]
async fn reg_15_durability_tier_is_declared_and_constant() {
    let (registry, clock) = common::registry();
    assert_eq!(
        registry.durability_tier(),
        DurabilityTier::Inline,
        "default"
    );
    let durable =
        MemoryRegistry::new(Arc::new(clock.clone())).with_durability_tier(DurabilityTier::Durable);
    assert_eq!(durable.durability_tier(), DurabilityTier::Durable);
    for (registry, tier) in [
        (&registry, DurabilityTier::Inline),
        (&durable, DurabilityTier::Durable),
    ] {
        common::register(registry, "p").await;
        clock.advance(1_000);
        registry
            .set_external_ref("p", ProcessExternalRef::new("b", "1"))
            .await
            .expect("set ref");
        registry
            .complete_process("p", ProcessAwaitOutput::cancelled("stop"))
            .await
            .expect("complete");
        let as_trait: &dyn ProcessRegistry = registry;
        assert_eq!(as_trait.durability_tier(), tier);
    }
}

/// An in-memory registry's storage is the registry itself: every handle on
/// it (an `Arc` clone) sees every acknowledged write, including replay keys
/// and fencing tokens. Durable backends prove the same across reopen.
#[tokio::test]
async fn reg_16_a_second_handle_on_the_same_storage_sees_every_acknowledged_write() {
    let (registry, clock) = common::registry();
    let first: Arc<dyn ProcessRegistry> = Arc::new(registry);
    common::register(first.as_ref(), "p").await;
    let keyed = common::note(json!({"n": 1})).with_replay_key("k");
    let appended = first
        .append_event("p", keyed.clone())
        .await
        .expect("append");
    let lease = first
        .claim_process_lease("p", "a", 10)
        .await
        .expect("claim");
    let second = Arc::clone(&first);
    let replayed = second
        .append_event("p", keyed)
        .await
        .expect("replay on the second handle");
    assert_eq!(replayed.event, appended.event);
    assert_eq!(second.events_after("p", 0).await.expect("log").len(), 1);
    clock.advance(10);
    let next = second
        .claim_process_lease("p", "b", 10)
        .await
        .expect("claim after expiry");
    assert!(next.fencing_token > lease.fencing_token);
}

/// Handles on one in-memory store are `Arc` clones: racing claims through
/// four of them have one winner and typed losers, racing appends keep the
/// log gap-free, and each handle reads what another acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_17_racing_calls_through_many_handles_end_as_on_one() {
    let (registry, _clock) = common::registry();
    let store: Arc<dyn ProcessRegistry> = Arc::new(registry);
    let handles: Vec<Arc<dyn ProcessRegistry>> = (0..4).map(|_| Arc::clone(&store)).collect();
    common::register(handles[0].as_ref(), "p").await;
    let claims: Vec<_> = handles
        .iter()
        .enumerate()
        .map(|(index, handle)| {
            let handle = Arc::clone(handle);
            tokio::spawn(async move {
                handle
                    .claim_process_lease("p", &format!("w{index}"), 1_000)
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for claim in claims {
        match claim.await.expect("the task ran") {
            Ok(_) => winners += 1,
            Err(error) => assert_eq!(error.kind, ErrorKind::LeaseHeld, "{error}"),
        }
    }
    assert_eq!(winners, 1);
    let appends: Vec<_> = handles
        .iter()
        .map(|handle| {
            let handle = Arc::clone(handle);
            tokio::spawn(async move { handle.append_event("p", common::note(json!({}))).await })
        })
        .collect();
    for append in appends {
        append.await.expect("the task ran").expect("appended");
    }
    let sequences: Vec<u64> = handles[3]
        .events_after("p", 0)
        .await
        .expect("read through another handle")
        .iter()
        .map(|event| event.sequence)
        .collect();
    assert_eq!(sequences, [1, 2, 3, 4]);
}

/// Ids that differ only in case, normalisation, a LIKE pattern character,
/// whitespace or their last byte (of 64 KiB) are distinct processes,
/// owners and replay keys, listed in byte order.
#[tokio::test]
async fn reg_18_identifiers_are_exact() {
    let (registry, _clock) = common::registry();
    let long: String = (0..65_536u32)
        .map(|n| char::from(b'!' + u8::try_from(n.wrapping_mul(2_654_435_761) % 94).unwrap_or(0)))
        .collect();
    let mut long_twin = long[..65_535].to_owned();
    long_twin.push(if long.ends_with('a') { 'b' } else { 'a' });
    let ids = [
        "id%",
        "id_",
        "Ab",
        "ab",
        "caf\u{e9}",
        "cafe\u{301}",
        "x",
        "x ",
        &long,
        &long_twin,
    ];
    for id in ids {
        common::register(&registry, id).await;
    }
    for id in ids {
        let record = registry.get_process(id).await.expect("registered");
        assert_eq!(record.id, id);
    }
    let mut sorted: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    sorted.sort();
    let listed: Vec<String> = registry
        .list_non_terminal()
        .await
        .expect("sweep")
        .into_iter()
        .map(|record| record.id)
        .collect();
    assert_eq!(listed, sorted);
    registry
        .claim_process_lease("ab", "w%", 1_000)
        .await
        .expect("claimed");
    common::expect_kind(
        registry.claim_process_lease("ab", "w_", 1_000).await,
        ErrorKind::LeaseHeld,
    );
    for (n, key) in ["k%", "k_", "K%", &long].into_iter().enumerate() {
        let appended = registry
            .append_event("Ab", common::note(json!({ "n": n })).with_replay_key(key))
            .await
            .expect("a new key");
        assert_eq!(
            appended.event.sequence,
            n as u64 + 1,
            "a new event, not a replay"
        );
        assert_eq!(appended.event.replay_key.as_deref(), Some(key));
    }
    assert!(registry
        .events_after("id%", 0)
        .await
        .expect("log")
        .is_empty());
}
