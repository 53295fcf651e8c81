//! REG: registration validation, idempotence, hashing, durability tier and durability across reopen.

use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::{failure, CheckContext};
use crate::factory::ErrorTyping;
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    core_event_types, prepare_registration, ErrorKind, ProcessAwaitOutput,
    ProcessEventAppendRequest, ProcessEventType, ProcessExternalRef, ProcessHandleDescriptor,
    ProcessInput, ProcessLeaseCompletion, ProcessProvenance, ProcessRecord, ProcessRegistration,
    ProcessScope, ProcessStatus, ProcessTerminalState, PROCESS_CANCELLED, PROCESS_CANCEL_REQUESTED,
    PROCESS_COMPLETED, PROCESS_FAILED,
};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// The core event type names in core order (REG-7).
const CORE: [&str; 4] = [
    PROCESS_CANCEL_REQUESTED,
    PROCESS_COMPLETED,
    PROCESS_FAILED,
    PROCESS_CANCELLED,
];

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "reg_blank_process_id_is_rejected",
            rules: &["REG-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(blank_process_id_is_rejected(cx)),
        },
        Check {
            id: "reg_owner_scope_without_session_is_rejected",
            rules: &["REG-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(owner_scope_without_session_is_rejected(cx)),
        },
        Check {
            id: "reg_blank_host_profile_is_rejected",
            rules: &["REG-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(blank_host_profile_is_rejected(cx)),
        },
        Check {
            id: "reg_blank_event_type_name_is_rejected",
            rules: &["REG-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(blank_event_type_name_is_rejected(cx)),
        },
        Check {
            id: "reg_duplicate_event_type_names_are_rejected",
            rules: &["REG-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(duplicate_event_type_names_are_rejected(cx)),
        },
        Check {
            id: "reg_failed_and_cancelled_terminal_types_need_await_output",
            rules: &["REG-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_and_cancelled_terminal_types_need_await_output(cx)),
        },
        Check {
            id: "reg_missing_core_types_are_appended_in_core_order",
            rules: &["REG-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(missing_core_types_are_appended_in_core_order(cx)),
        },
        Check {
            id: "reg_user_declaration_with_core_name_wins",
            rules: &["REG-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(user_declaration_with_core_name_wins(cx)),
        },
        Check {
            id: "reg_first_registration_stores_a_running_record",
            rules: &["REG-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(first_registration_stores_a_running_record(cx)),
        },
        Check {
            id: "reg_identical_registration_returns_the_stored_record",
            rules: &["REG-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(identical_registration_returns_the_stored_record(cx)),
        },
        Check {
            id: "reg_different_content_under_a_registered_id_conflicts",
            rules: &["REG-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(different_content_under_a_registered_id_conflicts(cx)),
        },
        Check {
            id: "reg_hash_is_a_pure_function_of_prepared_content",
            rules: &["REG-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(hash_is_a_pure_function_of_prepared_content(cx)),
        },
        Check {
            id: "reg_registration_creates_no_events_grants_or_lease",
            rules: &["REG-12"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(registration_creates_no_events_grants_or_lease(cx)),
        },
        Check {
            id: "reg_malformed_payload_schemas_are_rejected",
            rules: &["REG-13"],
            level: Level::Should,
            needs: Needs::NONE,
            body: |cx| Box::pin(malformed_payload_schemas_are_rejected(cx)),
        },
        Check {
            id: "reg_input_and_provenance_round_trip_exactly",
            rules: &["REG-14"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(input_and_provenance_round_trip_exactly(cx)),
        },
        Check {
            id: "reg_durability_tier_is_the_declared_one_and_constant",
            rules: &["REG-15"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(durability_tier_is_the_declared_one_and_constant(cx)),
        },
        Check {
            id: "reg_acknowledged_writes_survive_reopen",
            rules: &["REG-16"],
            level: Level::Must,
            needs: Needs::NONE.reopen(),
            body: |cx| Box::pin(acknowledged_writes_survive_reopen(cx)),
        },
        Check {
            id: "reg_replay_keys_and_fencing_tokens_survive_reopen",
            rules: &["REG-16"],
            level: Level::Must,
            needs: Needs::NONE.reopen(),
            body: |cx| Box::pin(replay_keys_and_fencing_tokens_survive_reopen(cx)),
        },
    ]
}

fn names(record: &ProcessRecord) -> Vec<String> {
    record
        .event_types
        .iter()
        .map(|declared| declared.name.clone())
        .collect()
}

fn ids(records: &[ProcessRecord]) -> Vec<String> {
    records.iter().map(|record| record.id.clone()).collect()
}

async fn register(
    cx: &CheckContext<'_>,
    rule: &str,
    registration: ProcessRegistration,
) -> Result<ProcessRecord, CheckFailure> {
    let what = format!("register_process({})", registration.id);
    cx.ok(
        rule,
        &what,
        cx.registry().register_process(registration).await,
    )
}

/// Registers `registration`, expects `InvalidRegistration` containing
/// `detail`, and checks that nothing was stored.
async fn rejected(
    cx: &CheckContext<'_>,
    rule: &str,
    registration: ProcessRegistration,
    variant: &str,
    detail: &str,
) -> CheckResult {
    let id = registration.id.clone();
    let what = format!("register_process({id:?}) with {variant}");
    let result = cx.registry().register_process(registration).await;
    cx.err_containing(rule, &what, result, ErrorKind::InvalidRegistration, detail)?;
    cx.ensure_eq(
        rule,
        &format!("get_process({id:?}) after the rejected registration with {variant}"),
        &None,
        &cx.registry().get_process(&id).await,
    )?;
    let worklist = cx.ok(
        rule,
        "list_non_terminal()",
        cx.registry().list_non_terminal().await,
    )?;
    cx.ensure_eq(
        rule,
        &format!("list_non_terminal() ids after the rejected registration with {variant}"),
        &Vec::<String>::new(),
        &ids(&worklist),
    )
}

/// REG-1: blank ids are rejected and nothing is stored.
async fn blank_process_id_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    for id in ["", "   ", "\t\n"] {
        rejected(
            &cx,
            "REG-1",
            registration(id),
            &format!("the blank id {id:?}"),
            "process id must be a non-empty string",
        )
        .await?;
    }
    Ok(())
}

/// REG-2: an owner scope (session or frame) without a session id is rejected.
async fn owner_scope_without_session_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    for (scope, variant) in [
        (ProcessScope::session(""), "owner scope session(\"\")"),
        (ProcessScope::frame("", "f1"), "owner scope frame(\"\", f1)"),
    ] {
        rejected(
            &cx,
            "REG-2",
            registration("p1").with_owner_scope(scope),
            variant,
            "owner scope must include a session id",
        )
        .await?;
    }
    Ok(())
}

/// REG-3: a blank host profile id is rejected.
async fn blank_host_profile_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    for host in ["", "  "] {
        let mut blank = registration("p1");
        blank.provenance.host_profile_id = host.to_owned();
        rejected(
            &cx,
            "REG-3",
            blank,
            &format!("host profile id {host:?}"),
            "host profile id must be non-empty",
        )
        .await?;
    }
    Ok(())
}

/// REG-4: a blank event type name is rejected.
async fn blank_event_type_name_is_rejected(cx: CheckContext<'_>) -> CheckResult {
    for name in ["", " \t "] {
        rejected(
            &cx,
            "REG-4",
            registration("p1").with_extra_event_types([ProcessEventType::new(name)]),
            &format!("an event type named {name:?}"),
            "declares an empty event type",
        )
        .await?;
    }
    Ok(())
}

/// REG-5: a name declared twice, user or core, is rejected.
async fn duplicate_event_type_names_are_rejected(cx: CheckContext<'_>) -> CheckResult {
    rejected(
        &cx,
        "REG-5",
        registration("p1")
            .with_extra_event_types([ProcessEventType::new("a"), ProcessEventType::new("a")]),
        "event type `a` declared twice",
        "declares duplicate event type `a`",
    )
    .await?;
    rejected(
        &cx,
        "REG-5",
        registration("p1").with_extra_event_types([ProcessEventType::new(PROCESS_FAILED)]),
        "`process.failed` declared twice (core and plain)",
        "declares duplicate event type `process.failed`",
    )
    .await
}

/// REG-6: failed/cancelled terminal types need a selector; completed ones may omit it.
async fn failed_and_cancelled_terminal_types_need_await_output(
    cx: CheckContext<'_>,
) -> CheckResult {
    for state in [
        ProcessTerminalState::Failed,
        ProcessTerminalState::Cancelled,
    ] {
        rejected(
            &cx,
            "REG-6",
            registration("p1")
                .with_extra_event_types([ProcessEventType::terminal("end", state, None)]),
            &format!("a {state:?} terminal type `end` without await output"),
            "must declare await output",
        )
        .await?;
    }
    let done = ProcessEventType::terminal("done", ProcessTerminalState::Completed, None);
    let record = cx.ok(
        "REG-6",
        "register_process(p1) with a completed terminal type `done` without await output",
        cx.registry()
            .register_process(registration("p1").with_extra_event_types([done.clone()]))
            .await,
    )?;
    cx.ensure_eq(
        "REG-6",
        "declaration of `done` in the stored record",
        &Some(&done),
        &record.event_type("done"),
    )
}

/// REG-7: missing core types are appended at the end, in core order; nothing when all are declared.
async fn missing_core_types_are_appended_in_core_order(cx: CheckContext<'_>) -> CheckResult {
    let custom_only = ProcessRegistration::new("p1", ProcessInput::external(json!({})))
        .with_event_types(vec![ProcessEventType::new("custom")]);
    let record = register(&cx, "REG-7", custom_only).await?;
    let mut expected = vec!["custom".to_owned()];
    expected.extend(CORE.iter().map(|name| (*name).to_owned()));
    cx.ensure_eq(
        "REG-7",
        "event type names of p1 (declared: custom)",
        &expected,
        &names(&record),
    )?;
    cx.ensure_eq(
        "REG-7",
        "core declarations appended to p1",
        &core_event_types(),
        &record.event_types[1..].to_vec(),
    )?;

    let core = core_event_types();
    let partial = ProcessRegistration::new("p2", ProcessInput::external(json!({})))
        .with_event_types(vec![core[1].clone(), ProcessEventType::new("custom")]);
    let record = register(&cx, "REG-7", partial).await?;
    cx.ensure_eq(
        "REG-7",
        "event type names of p2 (declared: process.completed, custom)",
        &vec![
            PROCESS_COMPLETED,
            "custom",
            PROCESS_CANCEL_REQUESTED,
            PROCESS_FAILED,
            PROCESS_CANCELLED,
        ],
        &names(&record).iter().map(String::as_str).collect(),
    )?;

    let record = register(&cx, "REG-7", registration("p3")).await?;
    let mut expected: Vec<String> = CORE.iter().map(|name| (*name).to_owned()).collect();
    expected.extend(["note".to_owned(), "wake".to_owned()]);
    cx.ensure_eq(
        "REG-7",
        "event type names of p3 (declares every core type already)",
        &expected,
        &names(&record),
    )
}

/// REG-7: a user declaration under a core name keeps its own (plain) semantics.
async fn user_declaration_with_core_name_wins(cx: CheckContext<'_>) -> CheckResult {
    let user_failed = ProcessEventType::new(PROCESS_FAILED).with_schema(json!({"type": "object"}));
    let declared = ProcessRegistration::new("p1", ProcessInput::external(json!({})))
        .with_event_types(vec![ProcessEventType::new("custom"), user_failed.clone()]);
    let record = register(&cx, "REG-7", declared).await?;
    cx.ensure_eq(
        "REG-7",
        "event type names of p1 (declared: custom, plain process.failed)",
        &vec![
            "custom",
            PROCESS_FAILED,
            PROCESS_CANCEL_REQUESTED,
            PROCESS_COMPLETED,
            PROCESS_CANCELLED,
        ],
        &names(&record).iter().map(String::as_str).collect(),
    )?;
    cx.ensure_eq(
        "REG-7",
        "declaration of process.failed in p1",
        &Some(&user_failed),
        &record.event_type(PROCESS_FAILED),
    )?;
    let appended = cx.ok(
        "REG-7",
        "append_event(p1, plain process.failed {} keyed user-failed)",
        cx.registry()
            .append_event(
                "p1",
                ProcessEventAppendRequest::new(PROCESS_FAILED, json!({}))
                    .with_replay_key("user-failed"),
            )
            .await,
    )?;
    cx.ensure_eq(
        "REG-7",
        "terminal semantics of the user's plain process.failed event",
        &None,
        &appended.event.semantics.terminal,
    )?;
    let stored = cx.some(
        "REG-7",
        "get_process(p1)",
        cx.registry().get_process("p1").await,
    )?;
    cx.ensure_eq(
        "REG-7",
        "status of p1 after a plain process.failed event",
        &ProcessStatus::Running,
        &stored.status,
    )
}

/// REG-8: the first registration stores a running record at now, read back by get_process.
async fn first_registration_stores_a_running_record(cx: CheckContext<'_>) -> CheckResult {
    let submitted = registration("p1");
    let prepared = cx.ok(
        "REG-8",
        "prepare_registration(p1)",
        prepare_registration(submitted.clone()),
    )?;
    let before = cx.now_ms();
    let record = register(&cx, "REG-8", submitted.clone()).await?;
    let after = cx.now_ms();
    cx.ensure_eq("REG-8", "record.id", &"p1".to_owned(), &record.id)?;
    cx.ensure_eq(
        "REG-8",
        "record.status",
        &ProcessStatus::Running,
        &record.status,
    )?;
    cx.ensure(
        "REG-8",
        before <= record.created_at_ms && record.created_at_ms <= after,
        || {
            format!(
                "record.created_at_ms: expected the clock reading at the call ({before}..={after}), observed {}",
                record.created_at_ms
            )
        },
    )?;
    cx.ensure_eq(
        "REG-8",
        "record.updated_at_ms (must equal created_at_ms)",
        &record.created_at_ms,
        &record.updated_at_ms,
    )?;
    cx.ensure_eq("REG-8", "record.external_ref", &None, &record.external_ref)?;
    cx.ensure_eq(
        "REG-8",
        "record.event_types (the prepared types)",
        &prepared.registration.event_types,
        &record.event_types,
    )?;
    cx.ensure_eq("REG-8", "record.input", &submitted.input, &record.input)?;
    cx.ensure("REG-8", !record.registration_hash.trim().is_empty(), || {
        "record.registration_hash: expected a hash, observed an empty string".to_owned()
    })?;
    cx.ensure_eq(
        "REG-8",
        "get_process(p1) after the first registration",
        &Some(record.clone()),
        &cx.registry().get_process("p1").await,
    )
}

/// REG-9: identical content returns the stored record (ref, timestamps, terminal status) and writes nothing.
async fn identical_registration_returns_the_stored_record(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    register(&cx, "REG-9", registration("p1")).await?;
    cx.advance(5).await;
    let stored = cx.ok(
        "REG-9",
        "set_external_ref(p1, restate/inv-1)",
        registry
            .set_external_ref("p1", ProcessExternalRef::new("restate", "inv-1"))
            .await,
    )?;
    let lease = cx.ok(
        "REG-9",
        "claim_process_lease(p1, worker-a, 60000)",
        registry.claim_process_lease("p1", "worker-a", 60_000).await,
    )?;
    cx.advance(5).await;
    let again = register(&cx, "REG-9", registration("p1")).await?;
    cx.ensure_eq(
        "REG-9",
        "register_process(p1) again with identical content",
        &stored,
        &again,
    )?;
    cx.ensure_eq(
        "REG-9",
        "get_process(p1) after the identical re-registration",
        &Some(stored),
        &registry.get_process("p1").await,
    )?;
    let log = cx.ok(
        "REG-9",
        "events_after(p1, 0)",
        registry.events_after("p1", 0).await,
    )?;
    cx.ensure_eq(
        "REG-9",
        "events of p1 after the identical re-registration",
        &0,
        &log.len(),
    )?;
    let competing = registry.claim_process_lease("p1", "worker-b", 60_000).await;
    cx.err(
        "REG-9",
        "claim_process_lease(p1, worker-b) after the re-registration (worker-a's lease must survive)",
        competing,
        ErrorKind::LeaseHeld,
    )?;
    let renewed = cx.ok(
        "REG-9",
        "renew_process_lease(worker-a's lease) after the re-registration",
        registry.renew_process_lease(&lease, 60_000).await,
    )?;
    cx.ensure_eq(
        "REG-9",
        "fencing token of the renewed lease",
        &lease.fencing_token,
        &renewed.fencing_token,
    )?;

    register(&cx, "REG-9", registration("p2")).await?;
    let output = ProcessAwaitOutput::success(json!("done"));
    let terminal = cx.ok(
        "REG-9",
        "complete_process(p2, success)",
        registry.complete_process("p2", output).await,
    )?;
    let log = cx.ok(
        "REG-9",
        "events_after(p2, 0)",
        registry.events_after("p2", 0).await,
    )?;
    cx.advance(5).await;
    let again = register(&cx, "REG-9", registration("p2")).await?;
    cx.ensure_eq(
        "REG-9",
        "register_process(p2) again after it completed",
        &terminal,
        &again,
    )?;
    let after = cx.ok(
        "REG-9",
        "events_after(p2, 0)",
        registry.events_after("p2", 0).await,
    )?;
    cx.ensure_eq(
        "REG-9",
        "events of terminal p2 after the identical re-registration",
        &log,
        &after,
    )?;

    let input = ProcessInput::external(json!({"n": 1}));
    let first = register(&cx, "REG-9", ProcessRegistration::new("p3", input.clone())).await?;
    cx.advance(5).await;
    let same_prepared = ProcessRegistration::new("p3", input).with_event_types(Vec::new());
    let again = register(&cx, "REG-9", same_prepared).await?;
    cx.ensure_eq(
        "REG-9",
        "register_process(p3) declaring no types (prepares to the same core types)",
        &first,
        &again,
    )
}

/// REG-10: a different hash under a registered id conflicts and leaves the record untouched.
async fn different_content_under_a_registered_id_conflicts(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    let stored = register(&cx, "REG-10", registration("p1")).await?;
    cx.advance(5).await;
    let mut other_input = registration("p1");
    other_input.input = ProcessInput::external(json!({"job": "other"}));
    let variants = [
        ("another input", other_input),
        (
            "an extra event type",
            registration("p1").with_extra_event_types([ProcessEventType::new("x")]),
        ),
        (
            "another owner scope",
            registration("p1").with_owner_scope(ProcessScope::frame("root", "f1")),
        ),
    ];
    let expected = format!(
        "registration hash conflict: existing {}",
        stored.registration_hash
    );
    for (variant, changed) in variants {
        let what = format!("register_process(p1) with {variant}");
        let result = registry.register_process(changed).await;
        cx.err_containing(
            "REG-10",
            &what,
            result,
            ErrorKind::RegistrationConflict,
            &expected,
        )?;
        cx.ensure_eq(
            "REG-10",
            &format!("get_process(p1) after the conflicting registration with {variant}"),
            &Some(stored.clone()),
            &registry.get_process("p1").await,
        )?;
        let log = cx.ok(
            "REG-10",
            "events_after(p1, 0)",
            registry.events_after("p1", 0).await,
        )?;
        cx.ensure_eq(
            "REG-10",
            &format!("events of p1 after the conflicting registration with {variant}"),
            &0,
            &log.len(),
        )?;
    }
    Ok(())
}

/// REG-11: equal prepared content hashes equal (whatever the clock or key order); any change conflicts.
async fn hash_is_a_pure_function_of_prepared_content(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    let mut forward = Map::new();
    forward.insert("a".to_owned(), json!(1));
    forward.insert("b".to_owned(), json!({"y": 2, "x": 3}));
    let mut backward = Map::new();
    backward.insert("b".to_owned(), json!({"x": 3, "y": 2}));
    backward.insert("a".to_owned(), json!(1));
    let base = ProcessRegistration::new("p1", ProcessInput::external(Value::Object(forward)))
        .with_extra_event_types([
            ProcessEventType::new("note"),
            ProcessEventType::new("other"),
        ]);
    let first = register(&cx, "REG-11", base.clone()).await?;
    cx.advance(20).await;
    let mut reordered_keys = base.clone();
    reordered_keys.input = ProcessInput::external(Value::Object(backward));
    let again = register(&cx, "REG-11", reordered_keys).await?;
    cx.ensure_eq(
        "REG-11",
        "registration hash of p1 re-registered later with the input's keys inserted in another order",
        &first.registration_hash,
        &again.registration_hash,
    )?;

    let stored = registry.get_process("p1").await;
    let core = core_event_types();
    let mut other_input = base.clone();
    other_input.input = ProcessInput::external(json!({"a": 2}));
    let variants = [
        (
            "an added event type",
            base.clone()
                .with_extra_event_types([ProcessEventType::new("x")]),
        ),
        (
            "a removed event type",
            base.clone()
                .with_event_types([core.clone(), vec![ProcessEventType::new("note")]].concat()),
        ),
        (
            "reordered event types",
            base.clone().with_event_types(
                [
                    core.clone(),
                    vec![
                        ProcessEventType::new("other"),
                        ProcessEventType::new("note"),
                    ],
                ]
                .concat(),
            ),
        ),
        (
            "reordered core types",
            base.clone().with_event_types(
                [
                    vec![
                        core[3].clone(),
                        core[2].clone(),
                        core[1].clone(),
                        core[0].clone(),
                    ],
                    vec![
                        ProcessEventType::new("note"),
                        ProcessEventType::new("other"),
                    ],
                ]
                .concat(),
            ),
        ),
        ("a changed input", other_input),
        (
            "a changed cause",
            base.clone().with_caused_by(json!({"tool_call": "c-1"})),
        ),
        (
            "a changed owner scope",
            base.clone()
                .with_owner_scope(ProcessScope::frame("root", "f1")),
        ),
        (
            "a changed host profile",
            base.clone().with_provenance(ProcessProvenance {
                host_profile_id: "other-host".to_owned(),
                ..base.provenance.clone()
            }),
        ),
    ];
    for (change, variant) in variants {
        let result = registry.register_process(variant).await;
        cx.err(
            "REG-11",
            &format!(
                "register_process(p1) with {change} (a different hash must conflict with the stored one)"
            ),
            result,
            ErrorKind::RegistrationConflict,
        )?;
    }
    cx.ensure_eq(
        "REG-11",
        "get_process(p1) after the rejected variants (unchanged)",
        &stored,
        &registry.get_process("p1").await,
    )
}

/// REG-12: a registration creates no events, wakes, grants (not even for its owner) and no lease.
async fn registration_creates_no_events_grants_or_lease(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    let owner = ProcessScope::frame("owner", "f1");
    register(
        &cx,
        "REG-12",
        registration("p1").with_owner_scope(owner.clone()),
    )
    .await?;
    let log = cx.ok(
        "REG-12",
        "events_after(p1, 0)",
        registry.events_after("p1", 0).await,
    )?;
    cx.ensure_eq("REG-12", "events of p1 after registration", &0, &log.len())?;
    let wakes = cx.ok(
        "REG-12",
        "wake_events_after(p1, 0)",
        registry.wake_events_after("p1", 0).await,
    )?;
    cx.ensure_eq("REG-12", "wakes of p1 after registration", &0, &wakes.len())?;
    let grants = cx.ok(
        "REG-12",
        "handle_grants_for_process(p1)",
        registry.handle_grants_for_process("p1").await,
    )?;
    cx.ensure_eq(
        "REG-12",
        "handle_grants_for_process(p1) after registration",
        &Vec::new(),
        &grants,
    )?;
    for scope in [owner, session("owner")] {
        let listed = cx.ok(
            "REG-12",
            &format!("list_handle_grants({})", scope.id()),
            registry.list_handle_grants(&scope).await,
        )?;
        cx.ensure_eq(
            "REG-12",
            &format!(
                "number of grants held by the owner scope {} (no implicit grant)",
                scope.id()
            ),
            &0,
            &listed.len(),
        )?;
    }
    let lease = cx.ok(
        "REG-12",
        "claim_process_lease(p1, worker-a, 60000)",
        registry.claim_process_lease("p1", "worker-a", 60_000).await,
    )?;
    cx.ensure_eq(
        "REG-12",
        "fencing token of the first claim after registration (no lease existed)",
        &1,
        &lease.fencing_token,
    )
}

/// REG-13 (SHOULD): schemas outside the supported subset are rejected naming type and keyword.
async fn malformed_payload_schemas_are_rejected(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    let typed = cx.capabilities().errors == ErrorTyping::Typed;
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
        let what = format!("register_process(p1) declaring `{name}` with schema {schema}");
        let result = registry
            .register_process(
                registration("p1")
                    .with_extra_event_types([ProcessEventType::new(name).with_schema(schema)]),
            )
            .await;
        let error = cx.err_containing(
            "REG-13",
            &what,
            result,
            ErrorKind::InvalidRegistration,
            &format!("`{name}`"),
        )?;
        if typed {
            cx.ensure("REG-13", error.message.contains(keyword), || {
                format!(
                    "{what}: expected the message to name the bad keyword {keyword}, observed {:?}",
                    error.message
                )
            })?;
        }
        cx.ensure_eq(
            "REG-13",
            &format!("get_process(p1) after rejecting the schema of `{name}`"),
            &None,
            &registry.get_process("p1").await,
        )?;
    }
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
    let record = cx.ok(
        "REG-13",
        "register_process(p1) with a schema inside the supported subset",
        registry
            .register_process(registration("p1").with_extra_event_types([
                ProcessEventType::new("typed").with_schema(schema.clone()),
            ]))
            .await,
    )?;
    let stored = cx.some(
        "REG-13",
        "declaration of `typed` in p1",
        record.event_type("typed"),
    )?;
    cx.ensure_eq(
        "REG-13",
        "stored schema of `typed`",
        &schema,
        &stored.payload_schema.schema,
    )
}

/// REG-14: input and provenance (with the opaque cause) come back byte for byte.
async fn input_and_provenance_round_trip_exactly(cx: CheckContext<'_>) -> CheckResult {
    let input = ProcessInput::external(json!({
        "nested": {"list": [1, 2.5, null, true, "é ☃ \"q\""], "empty": {}, "none": []},
        "big": u64::MAX,
        "negative": -7
    }));
    let submitted = ProcessRegistration::new("p1", input)
        .with_provenance(ProcessProvenance {
            owner_scope: ProcessScope::frame("sess", "frame-7"),
            host_profile_id: "gpu-host".to_owned(),
            caused_by: None,
        })
        .with_caused_by(json!({"kind": "tool_call", "ids": [3, 1, 2], "z": null}));
    let record = register(&cx, "REG-14", submitted.clone()).await?;
    let fetched = cx.some(
        "REG-14",
        "get_process(p1)",
        cx.registry().get_process("p1").await,
    )?;
    for (source, stored) in [("returned", &record), ("get_process", &fetched)] {
        cx.ensure_eq(
            "REG-14",
            &format!("{source} record.input as JSON"),
            &json_text(&submitted.input),
            &json_text(&stored.input),
        )?;
        cx.ensure_eq(
            "REG-14",
            &format!("{source} record.provenance as JSON"),
            &json_text(&submitted.provenance),
            &json_text(&stored.provenance),
        )?;
    }
    Ok(())
}

/// The JSON text of `value`, for byte-for-byte comparison.
fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| format!("<unserialisable: {error}>"))
}

/// REG-15: durability_tier() is the declared tier, before and after every kind of write.
async fn durability_tier_is_the_declared_one_and_constant(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    let declared = cx.capabilities().durability_tier;
    cx.ensure_eq(
        "REG-15",
        "durability_tier() of a fresh registry",
        &declared,
        &registry.durability_tier(),
    )?;
    register(&cx, "REG-15", registration("p1")).await?;
    cx.ensure_eq(
        "REG-15",
        "durability_tier() after register_process",
        &declared,
        &registry.durability_tier(),
    )?;
    cx.ok(
        "REG-15",
        "append_event(p1, note)",
        registry.append_event("p1", note(json!({"n": 1}))).await,
    )?;
    cx.ok(
        "REG-15",
        "set_external_ref(p1, b/1)",
        registry
            .set_external_ref("p1", ProcessExternalRef::new("b", "1"))
            .await,
    )?;
    cx.ok(
        "REG-15",
        "claim_process_lease(p1, worker-a, 60000)",
        registry.claim_process_lease("p1", "worker-a", 60_000).await,
    )?;
    cx.ok(
        "REG-15",
        "complete_process(p1, cancelled)",
        registry
            .complete_process("p1", ProcessAwaitOutput::cancelled("stop"))
            .await,
    )?;
    cx.ensure_eq(
        "REG-15",
        "durability_tier() after appends, refs, leases and completion",
        &declared,
        &registry.durability_tier(),
    )
}

/// Everything observable about `id` that REG-16 requires to survive.
#[derive(serde::Serialize, PartialEq)]
struct Snapshot {
    record: Option<ProcessRecord>,
    events: Vec<procreg::ProcessEvent>,
    wakes: Vec<procreg::ProcessEvent>,
    grants: Vec<procreg::ProcessHandleGrant>,
}

async fn snapshot(cx: &CheckContext<'_>, id: &str) -> Result<Snapshot, CheckFailure> {
    let registry = cx.registry();
    Ok(Snapshot {
        record: registry.get_process(id).await,
        events: cx.ok(
            "REG-16",
            &format!("events_after({id}, 0)"),
            registry.events_after(id, 0).await,
        )?,
        wakes: cx.ok(
            "REG-16",
            &format!("wake_events_after({id}, 0)"),
            registry.wake_events_after(id, 0).await,
        )?,
        grants: cx.ok(
            "REG-16",
            &format!("handle_grants_for_process({id})"),
            registry.handle_grants_for_process(id).await,
        )?,
    })
}

/// REG-16: records, events in order, acks, grants, refs, terminal outputs and leases survive a reopen.
async fn acknowledged_writes_survive_reopen(mut cx: CheckContext<'_>) -> CheckResult {
    let inbox = session("s1");
    let holder = ProcessScope::frame("s2", "f1");
    let output = ProcessAwaitOutput::success(json!({"answer": 42}));
    let lease = {
        let registry = cx.registry();
        for id in ["p1", "p2", "p3"] {
            register(&cx, "REG-16", registration(id)).await?;
        }
        let requests = [
            note(json!({"n": 1})),
            wake("first", &inbox),
            note(json!({"n": 2})).with_replay_key("k-1"),
            wake("second", &inbox),
        ];
        let mut sequences = Vec::new();
        for request in requests {
            let what = format!(
                "append_event(p1, {} {})",
                request.event_type, request.payload
            );
            let appended = cx.ok("REG-16", &what, registry.append_event("p1", request).await)?;
            sequences.push(appended.event.sequence);
        }
        cx.ok(
            "REG-16",
            "ack_wake(p1, first wake)",
            registry.ack_wake("p1", sequences[1]).await,
        )?;
        cx.ok(
            "REG-16",
            "set_external_ref(p1, restate/inv-1)",
            registry
                .set_external_ref(
                    "p1",
                    ProcessExternalRef {
                        backend: "restate".to_owned(),
                        id: "inv-1".to_owned(),
                        metadata: Some(json!({"attempt": 2})),
                    },
                )
                .await,
        )?;
        for scope in [&inbox, &holder] {
            cx.ok(
                "REG-16",
                &format!("grant_handle({}, p1)", scope.id()),
                registry
                    .grant_handle(scope, "p1", ProcessHandleDescriptor::labelled("h1"))
                    .await,
            )?;
        }
        cx.ok(
            "REG-16",
            "complete_process(p3, success)",
            registry.complete_process("p3", output.clone()).await,
        )?;
        cx.ok(
            "REG-16",
            "claim_process_lease(p1, worker-a, 60000)",
            registry.claim_process_lease("p1", "worker-a", 60_000).await,
        )?
    };
    let mut before = Vec::new();
    for id in ["p1", "p2", "p3"] {
        before.push(snapshot(&cx, id).await?);
    }
    let worklist = cx.ok(
        "REG-16",
        "list_non_terminal()",
        cx.registry().list_non_terminal().await,
    )?;
    cx.ensure_eq(
        "REG-16",
        "events of p1 before the reopen",
        &4,
        &before[0].events.len(),
    )?;

    cx.reopen().await?;

    let registry = cx.shared_registry();
    for (id, expected) in ["p1", "p2", "p3"].into_iter().zip(&before) {
        cx.ensure_eq(
            "REG-16",
            &format!("get_process({id}) after reopen"),
            &expected.record,
            &registry.get_process(id).await,
        )?;
        let observed = snapshot(&cx, id).await?;
        cx.ensure_eq(
            "REG-16",
            &format!("events_after({id}, 0) after reopen (same events, same order)"),
            &expected.events,
            &observed.events,
        )?;
        cx.ensure_eq(
            "REG-16",
            &format!("wake_events_after({id}, 0) after reopen (acks kept)"),
            &expected.wakes,
            &observed.wakes,
        )?;
        cx.ensure_eq(
            "REG-16",
            &format!("handle_grants_for_process({id}) after reopen"),
            &expected.grants,
            &observed.grants,
        )?;
    }
    cx.ensure_eq(
        "REG-16",
        "list_non_terminal() after reopen",
        &worklist,
        &cx.ok(
            "REG-16",
            "list_non_terminal()",
            registry.list_non_terminal().await,
        )?,
    )?;
    for scope in [&inbox, &holder] {
        let has = cx.ok(
            "REG-16",
            &format!("has_handle_grant({}, p1)", scope.id()),
            registry.has_handle_grant(scope, "p1").await,
        )?;
        cx.ensure("REG-16", has, || {
            format!(
                "has_handle_grant({}, p1) after reopen: expected true, observed false",
                scope.id()
            )
        })?;
    }
    cx.step("awaiting p3 (terminal before the reopen)");
    let awaited = tokio::time::timeout(Duration::from_secs(2), registry.await_process("p3"))
        .await
        .map_err(|_| {
            failure(
                "REG-16",
                "timed out waiting for await_process(p3) of a process completed before the reopen",
            )
        })?;
    let awaited = cx.ok("REG-16", "await_process(p3) after reopen", awaited)?;
    cx.ensure_eq(
        "REG-16",
        "await_process(p3) after reopen",
        &output,
        &awaited,
    )?;
    let competing = registry.claim_process_lease("p1", "worker-b", 60_000).await;
    cx.err(
        "REG-16",
        "claim_process_lease(p1, worker-b) after reopen (worker-a's live lease must survive)",
        competing,
        ErrorKind::LeaseHeld,
    )?;
    let renewed = cx.ok(
        "REG-16",
        "renew_process_lease(worker-a's lease on p1) after reopen",
        registry.renew_process_lease(&lease, 60_000).await,
    )?;
    cx.ensure_eq(
        "REG-16",
        "lease token of p1 renewed after reopen",
        &lease.lease_token,
        &renewed.lease_token,
    )?;
    cx.ensure_eq(
        "REG-16",
        "fencing token of p1 renewed after reopen",
        &lease.fencing_token,
        &renewed.fencing_token,
    )
}

/// REG-16: after a reopen a replay key still replays to the same event, sequences continue, and fencing tokens keep growing.
async fn replay_keys_and_fencing_tokens_survive_reopen(mut cx: CheckContext<'_>) -> CheckResult {
    let keyed = note(json!({"n": 1})).with_replay_key("k-1");
    let (original, expiring, released) = {
        let registry = cx.registry();
        register(&cx, "REG-16", registration("p1")).await?;
        register(&cx, "REG-16", registration("p2")).await?;
        let original = cx.ok(
            "REG-16",
            "append_event(p1, note keyed k-1)",
            registry.append_event("p1", keyed.clone()).await,
        )?;
        cx.ok(
            "REG-16",
            "append_event(p1, unkeyed note)",
            registry.append_event("p1", note(json!({"n": 2}))).await,
        )?;
        let expiring = cx.ok(
            "REG-16",
            "claim_process_lease(p1, worker-a, 50)",
            registry.claim_process_lease("p1", "worker-a", 50).await,
        )?;
        let released = cx.ok(
            "REG-16",
            "claim_process_lease(p2, worker-a, 60000)",
            registry.claim_process_lease("p2", "worker-a", 60_000).await,
        )?;
        cx.ok(
            "REG-16",
            "complete_process_lease(p2, worker-a's token)",
            registry
                .complete_process_lease(&ProcessLeaseCompletion::from_lease(&released))
                .await,
        )?;
        (original, expiring, released)
    };

    cx.reopen().await?;

    let registry = cx.shared_registry();
    cx.some(
        "REG-16",
        "get_process(p1) after reopen",
        registry.get_process("p1").await,
    )?;
    let replayed = cx.ok(
        "REG-16",
        "append_event(p1, note keyed k-1) again after reopen",
        registry.append_event("p1", keyed).await,
    )?;
    cx.ensure_eq(
        "REG-16",
        "event returned by the replay after reopen",
        &original.event,
        &replayed.event,
    )?;
    let conflicting = registry
        .append_event("p1", note(json!({"n": 99})).with_replay_key("k-1"))
        .await;
    cx.err(
        "REG-16",
        "append_event(p1, other payload keyed k-1) after reopen",
        conflicting,
        ErrorKind::ReplayConflict,
    )?;
    let next = cx.ok(
        "REG-16",
        "append_event(p1, unkeyed note) after reopen",
        registry.append_event("p1", note(json!({"n": 3}))).await,
    )?;
    cx.ensure_eq(
        "REG-16",
        "sequence of the first new event after reopen (2 events were acknowledged before)",
        &3,
        &next.event.sequence,
    )?;
    let reclaimed = cx.ok(
        "REG-16",
        "claim_process_lease(p2, worker-b, 60000) after release and reopen",
        registry.claim_process_lease("p2", "worker-b", 60_000).await,
    )?;
    cx.ensure(
        "REG-16",
        reclaimed.fencing_token > released.fencing_token,
        || {
            format!(
                "fencing token of claim_process_lease(p2, worker-b) after release and reopen: expected more than {}, observed {}",
                released.fencing_token, reclaimed.fencing_token
            )
        },
    )?;
    cx.advance(60).await;
    let taken = cx.ok(
        "REG-16",
        "claim_process_lease(p1, worker-b, 60000) after worker-a's lease expired",
        registry.claim_process_lease("p1", "worker-b", 60_000).await,
    )?;
    cx.ensure(
        "REG-16",
        taken.fencing_token > expiring.fencing_token,
        || {
            format!(
                "fencing token of claim_process_lease(p1, worker-b) after expiry and reopen: expected more than {}, observed {}",
                expiring.fencing_token, taken.fencing_token
            )
        },
    )?;
    cx.ensure_ne(
        "REG-16",
        "lease token of the claim after reopen",
        &expiring.lease_token,
        &taken.lease_token,
    )?;

    drop(registry);
    cx.reopen().await?;
    let log = cx.ok(
        "REG-16",
        "events_after(p1, 0) after a second reopen",
        cx.registry().events_after("p1", 0).await,
    )?;
    let sequences: Vec<u64> = log.iter().map(|event| event.sequence).collect();
    cx.ensure_eq(
        "REG-16",
        "sequences of p1 after a second reopen",
        &vec![1, 2, 3],
        &sequences,
    )
}
