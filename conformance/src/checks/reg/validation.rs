//! REG-1 to REG-7 and REG-13: what a registration must declare, what is rejected,
//! and how the core event types are completed.

use super::support::register;
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::registration;
use procreg::ErrorTyping;
use procreg::{
    core_event_types, ErrorKind, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessRecord, ProcessRegistration, ProcessScope, ProcessStatus, ProcessTerminalState,
    PROCESS_CANCELLED, PROCESS_CANCEL_REQUESTED, PROCESS_COMPLETED, PROCESS_FAILED,
};
use serde_json::json;

/// The core event type names in core order (REG-7).
const CORE: [&str; 4] = [
    PROCESS_CANCEL_REQUESTED,
    PROCESS_COMPLETED,
    PROCESS_FAILED,
    PROCESS_CANCELLED,
];

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
pub(super) async fn blank_process_id_is_rejected(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn owner_scope_without_session_is_rejected(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn blank_host_profile_is_rejected(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn blank_event_type_name_is_rejected(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn duplicate_event_type_names_are_rejected(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn failed_and_cancelled_terminal_types_need_await_output(
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
pub(super) async fn missing_core_types_are_appended_in_core_order(
    cx: CheckContext<'_>,
) -> CheckResult {
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
pub(super) async fn user_declaration_with_core_name_wins(cx: CheckContext<'_>) -> CheckResult {
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

/// REG-13 (SHOULD): schemas outside the supported subset are rejected naming type and keyword.
pub(super) async fn malformed_payload_schemas_are_rejected(cx: CheckContext<'_>) -> CheckResult {
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
