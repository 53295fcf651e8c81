//! GRANT: handle grants: upserts per scope, scope namespaces, revokes, listings, ordering and transfers.

use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::CheckContext;
use crate::fixtures::{note, registration, session};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessHandleGrantEntry, ProcessScope, RegistryResult,
};
use serde_json::json;

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "grant_granting_an_unknown_process_fails",
            rules: &["GRANT-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(granting_an_unknown_process_fails(cx)),
        },
        Check {
            id: "grant_is_an_upsert_per_scope_and_process",
            rules: &["GRANT-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(grant_is_an_upsert_per_scope_and_process(cx)),
        },
        Check {
            id: "grant_frame_grant_is_neither_a_session_grant_nor_another_frames",
            rules: &["GRANT-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| {
                Box::pin(frame_grant_is_neither_a_session_grant_nor_another_frames(
                    cx,
                ))
            },
        },
        Check {
            id: "grant_empty_frame_id_is_the_session_scope",
            rules: &["GRANT-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(empty_frame_id_is_the_session_scope(cx)),
        },
        Check {
            id: "grant_operations_leave_the_log_and_the_record_alone",
            rules: &["GRANT-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(operations_leave_the_log_and_the_record_alone(cx)),
        },
        Check {
            id: "grant_revoke_is_exact_silent_and_idempotent",
            rules: &["GRANT-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(revoke_is_exact_silent_and_idempotent(cx)),
        },
        Check {
            id: "grant_listing_joins_current_records_by_process_id",
            rules: &["GRANT-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(listing_joins_current_records_by_process_id(cx)),
        },
        Check {
            id: "grant_live_listing_drops_terminal_processes",
            rules: &["GRANT-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(live_listing_drops_terminal_processes(cx)),
        },
        Check {
            id: "grant_membership_is_exact_and_false_for_absence",
            rules: &["GRANT-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(membership_is_exact_and_false_for_absence(cx)),
        },
        Check {
            id: "grant_process_grants_are_ordered_by_session_then_scope",
            rules: &["GRANT-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(process_grants_are_ordered_by_session_then_scope(cx)),
        },
        Check {
            id: "grant_terminal_processes_can_be_granted",
            rules: &["GRANT-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_processes_can_be_granted(cx)),
        },
        Check {
            id: "grant_transfer_moves_grants_with_their_descriptors",
            rules: &["GRANT-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(transfer_moves_grants_with_their_descriptors(cx)),
        },
        Check {
            id: "grant_transfer_is_all_or_nothing",
            rules: &["GRANT-12"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(transfer_is_all_or_nothing(cx)),
        },
        Check {
            id: "grant_transfer_source_is_the_exact_scope",
            rules: &["GRANT-12"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(transfer_source_is_the_exact_scope(cx)),
        },
        Check {
            id: "grant_empty_and_same_scope_transfers_are_harmless",
            rules: &["GRANT-13"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(empty_and_same_scope_transfers_are_harmless(cx)),
        },
        Check {
            id: "grant_transfer_leaves_other_holders_alone",
            rules: &["GRANT-14"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(transfer_leaves_other_holders_alone(cx)),
        },
        Check {
            id: "grant_frame_grants_carry_the_session_only",
            rules: &["GRANT-15"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(frame_grants_carry_the_session_only(cx)),
        },
    ]
}

fn frame(session_id: &str, frame_id: &str) -> ProcessScope {
    ProcessScope::frame(session_id, frame_id)
}

fn label(text: &str) -> ProcessHandleDescriptor {
    ProcessHandleDescriptor::labelled(text)
}

/// The grant a holder in `session_id` should see for `process_id` labelled `text`.
fn held(session_id: &str, process_id: &str, text: &str) -> ProcessHandleGrant {
    ProcessHandleGrant {
        session_id: session_id.to_owned(),
        process_id: process_id.to_owned(),
        descriptor: label(text),
    }
}

async fn register(cx: &CheckContext<'_>, rule: &str, ids: &[&str]) -> CheckResult {
    for id in ids {
        cx.ok(
            rule,
            &format!("register_process({id})"),
            cx.registry().register_process(registration(id)).await,
        )?;
    }
    Ok(())
}

async fn grant(
    cx: &CheckContext<'_>,
    rule: &str,
    scope: &ProcessScope,
    process_id: &str,
    text: &str,
) -> Result<ProcessHandleGrant, CheckFailure> {
    cx.ok(
        rule,
        &format!("grant_handle({}, {process_id}, label {text:?})", scope.id()),
        cx.registry()
            .grant_handle(scope, process_id, label(text))
            .await,
    )
}

/// The grants of exactly `scope`, without the joined records.
async fn grants_of(
    cx: &CheckContext<'_>,
    rule: &str,
    scope: &ProcessScope,
) -> Result<Vec<ProcessHandleGrant>, CheckFailure> {
    let listed = cx.ok(
        rule,
        &format!("list_handle_grants({})", scope.id()),
        cx.registry().list_handle_grants(scope).await,
    )?;
    Ok(listed.into_iter().map(|(grant, _)| grant).collect())
}

async fn all_grants(
    cx: &CheckContext<'_>,
    rule: &str,
    process_id: &str,
) -> Result<Vec<ProcessHandleGrant>, CheckFailure> {
    cx.ok(
        rule,
        &format!("handle_grants_for_process({process_id})"),
        cx.registry().handle_grants_for_process(process_id).await,
    )
}

async fn has(
    cx: &CheckContext<'_>,
    rule: &str,
    scope: &ProcessScope,
    process_id: &str,
) -> Result<bool, CheckFailure> {
    cx.ok(
        rule,
        &format!("has_handle_grant({}, {process_id})", scope.id()),
        cx.registry().has_handle_grant(scope, process_id).await,
    )
}

/// Asserts `has_handle_grant(scope, id) == expected`.
async fn ensure_has(
    cx: &CheckContext<'_>,
    rule: &str,
    scope: &ProcessScope,
    process_id: &str,
    expected: bool,
) -> CheckResult {
    let observed = has(cx, rule, scope, process_id).await?;
    cx.ensure_eq(
        rule,
        &format!("has_handle_grant({}, {process_id})", scope.id()),
        &expected,
        &observed,
    )
}

async fn transfer(
    cx: &CheckContext<'_>,
    from: &ProcessScope,
    to: &ProcessScope,
    ids: &[&str],
) -> RegistryResult<()> {
    let ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    cx.registry().transfer_handle_grants(from, to, &ids).await
}

fn transfer_call(from: &ProcessScope, to: &ProcessScope, ids: &[&str]) -> String {
    format!(
        "transfer_handle_grants({}, {}, {ids:?})",
        from.id(),
        to.id()
    )
}

async fn complete(
    cx: &CheckContext<'_>,
    rule: &str,
    process_id: &str,
    output: ProcessAwaitOutput,
) -> CheckResult {
    cx.ok(
        rule,
        &format!("complete_process({process_id})"),
        cx.registry().complete_process(process_id, output).await,
    )?;
    Ok(())
}

/// Asserts a listing equals `expected`: first the process ids (order and
/// membership), then the grants, then each joined record, so a failure
/// names what differs.
fn ensure_entries(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    expected: &[ProcessHandleGrantEntry],
    observed: &[ProcessHandleGrantEntry],
) -> CheckResult {
    let ids = |entries: &[ProcessHandleGrantEntry]| -> Vec<String> {
        entries
            .iter()
            .map(|(grant, _)| grant.process_id.clone())
            .collect()
    };
    cx.ensure_eq(
        rule,
        &format!("{what}: process ids"),
        &ids(expected),
        &ids(observed),
    )?;
    for ((grant, record), (listed_grant, listed_record)) in expected.iter().zip(observed) {
        let id = &grant.process_id;
        cx.ensure_eq(rule, &format!("{what}: grant of {id}"), grant, listed_grant)?;
        cx.ensure_eq(
            rule,
            &format!("{what}: record joined to {id} (the current one)"),
            record,
            listed_record,
        )?;
    }
    Ok(())
}

/// GRANT-1: granting an unknown id fails with NotFound and leaves no orphan grant.
async fn granting_an_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
    let scope = session("s1");
    let result = cx
        .registry()
        .grant_handle(&scope, "ghost", label("g"))
        .await;
    cx.err(
        "GRANT-1",
        "grant_handle(session:s1, ghost)",
        result,
        ErrorKind::NotFound,
    )?;
    cx.ensure_eq(
        "GRANT-1",
        "list_handle_grants(session:s1) after the failed grant",
        &Vec::new(),
        &grants_of(&cx, "GRANT-1", &scope).await?,
    )?;
    ensure_has(&cx, "GRANT-1", &scope, "ghost", false).await?;
    register(&cx, "GRANT-1", &["ghost"]).await?;
    cx.ensure_eq(
        "GRANT-1",
        "handle_grants_for_process(ghost) once registered after the failed grant (no orphan grant)",
        &Vec::new(),
        &all_grants(&cx, "GRANT-1", "ghost").await?,
    )
}

/// GRANT-2: the returned grant carries the scope's session; a regrant replaces the descriptor.
async fn grant_is_an_upsert_per_scope_and_process(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "GRANT-2", &["p1"]).await?;
    let scope = session("s1");
    let descriptor = ProcessHandleDescriptor {
        kind: Some("shell".to_owned()),
        label: Some("build".to_owned()),
    };
    let first = cx.ok(
        "GRANT-2",
        "grant_handle(session:s1, p1, shell/build)",
        cx.registry()
            .grant_handle(&scope, "p1", descriptor.clone())
            .await,
    )?;
    cx.ensure_eq(
        "GRANT-2",
        "grant returned by grant_handle(session:s1, p1, shell/build)",
        &ProcessHandleGrant {
            session_id: "s1".to_owned(),
            process_id: "p1".to_owned(),
            descriptor,
        },
        &first,
    )?;
    let replaced = grant(&cx, "GRANT-2", &scope, "p1", "new").await?;
    cx.ensure_eq(
        "GRANT-2",
        "grant returned by the second grant_handle(session:s1, p1)",
        &held("s1", "p1", "new"),
        &replaced,
    )?;
    cx.ensure_eq(
        "GRANT-2",
        "list_handle_grants(session:s1) after granting p1 twice",
        &vec![held("s1", "p1", "new")],
        &grants_of(&cx, "GRANT-2", &scope).await?,
    )?;
    cx.ensure_eq(
        "GRANT-2",
        "handle_grants_for_process(p1) after granting it twice to one scope",
        &vec![held("s1", "p1", "new")],
        &all_grants(&cx, "GRANT-2", "p1").await?,
    )
}

/// GRANT-3: a frame grant does not show in its session or a sibling frame; a session grant is separate.
async fn frame_grant_is_neither_a_session_grant_nor_another_frames(
    cx: CheckContext<'_>,
) -> CheckResult {
    register(&cx, "GRANT-3", &["p1"]).await?;
    let (whole, f1, f2) = (session("s1"), frame("s1", "f1"), frame("s1", "f2"));
    grant(&cx, "GRANT-3", &f1, "p1", "frame").await?;
    ensure_has(&cx, "GRANT-3", &f1, "p1", true).await?;
    ensure_has(&cx, "GRANT-3", &whole, "p1", false).await?;
    ensure_has(&cx, "GRANT-3", &f2, "p1", false).await?;
    for scope in [&whole, &f2] {
        cx.ensure_eq(
            "GRANT-3",
            &format!(
                "list_handle_grants({}) when only session:s1/frame:f1 holds p1",
                scope.id()
            ),
            &Vec::new(),
            &grants_of(&cx, "GRANT-3", scope).await?,
        )?;
    }
    grant(&cx, "GRANT-3", &whole, "p1", "session").await?;
    cx.ensure_eq(
        "GRANT-3",
        "handle_grants_for_process(p1) with a session grant and a frame grant (two grants)",
        &vec![held("s1", "p1", "session"), held("s1", "p1", "frame")],
        &all_grants(&cx, "GRANT-3", "p1").await?,
    )?;
    cx.ensure_eq(
        "GRANT-3",
        "list_handle_grants(session:s1/frame:f1) after the session grant (frame descriptor kept)",
        &vec![held("s1", "p1", "frame")],
        &grants_of(&cx, "GRANT-3", &f1).await?,
    )
}

/// GRANT-3: a frame scope with an empty frame id is the session scope.
async fn empty_frame_id_is_the_session_scope(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "GRANT-3", &["p1"]).await?;
    let whole = session("s1");
    let empty_frame = frame("s1", "");
    grant(&cx, "GRANT-3", &empty_frame, "p1", "via empty frame").await?;
    ensure_has(&cx, "GRANT-3", &whole, "p1", true).await?;
    cx.ensure_eq(
        "GRANT-3",
        "list_handle_grants(session:s1) after granting to frame(s1, \"\")",
        &vec![held("s1", "p1", "via empty frame")],
        &grants_of(&cx, "GRANT-3", &whole).await?,
    )?;
    grant(&cx, "GRANT-3", &whole, "p1", "via session").await?;
    cx.ensure_eq(
        "GRANT-3",
        "handle_grants_for_process(p1) after granting frame(s1, \"\") then session(s1) (one grant)",
        &vec![held("s1", "p1", "via session")],
        &all_grants(&cx, "GRANT-3", "p1").await?,
    )?;
    cx.ok(
        "GRANT-3",
        "revoke_handle(session:s1, p1)",
        cx.registry().revoke_handle(&whole, "p1").await,
    )?;
    ensure_has(&cx, "GRANT-3", &empty_frame, "p1", false).await
}

/// GRANT-4: grants, regrants, transfers and revokes append nothing and leave the record as it was.
async fn operations_leave_the_log_and_the_record_alone(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    register(&cx, "GRANT-4", &["p1"]).await?;
    cx.advance(2).await;
    cx.ok(
        "GRANT-4",
        "append_event(p1, note)",
        registry.append_event("p1", note(json!({"n": 1}))).await,
    )?;
    let record = registry.get_process("p1").await;
    let log = cx.ok(
        "GRANT-4",
        "events_after(p1, 0)",
        registry.events_after("p1", 0).await,
    )?;
    let (s1, s2) = (session("s1"), frame("s2", "f1"));
    cx.advance(2).await;
    grant(&cx, "GRANT-4", &s1, "p1", "a").await?;
    cx.advance(2).await;
    grant(&cx, "GRANT-4", &s1, "p1", "b").await?;
    cx.advance(2).await;
    let moved = transfer(&cx, &s1, &s2, &["p1"]).await;
    cx.ok("GRANT-4", &transfer_call(&s1, &s2, &["p1"]), moved)?;
    cx.advance(2).await;
    cx.ok(
        "GRANT-4",
        "revoke_handle(session:s2/frame:f1, p1)",
        registry.revoke_handle(&s2, "p1").await,
    )?;
    cx.ensure_eq(
        "GRANT-4",
        "get_process(p1) after grant, regrant, transfer and revoke (updated_at_ms included)",
        &record,
        &registry.get_process("p1").await,
    )?;
    cx.ensure_eq(
        "GRANT-4",
        "events_after(p1, 0) after grant, regrant, transfer and revoke",
        &log,
        &cx.ok(
            "GRANT-4",
            "events_after(p1, 0)",
            registry.events_after("p1", 0).await,
        )?,
    )
}

/// GRANT-5: revoke removes exactly one scope's grant and never fails for absence.
async fn revoke_is_exact_silent_and_idempotent(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    register(&cx, "GRANT-5", &["p1", "p2"]).await?;
    let f1 = frame("s1", "f1");
    grant(&cx, "GRANT-5", &session("s1"), "p1", "s1").await?;
    grant(&cx, "GRANT-5", &f1, "p1", "f1").await?;
    grant(&cx, "GRANT-5", &frame("s1", "f2"), "p1", "f2").await?;
    grant(&cx, "GRANT-5", &session("s2"), "p1", "s2").await?;
    grant(&cx, "GRANT-5", &f1, "p2", "p2-f1").await?;
    cx.ok(
        "GRANT-5",
        "revoke_handle(session:s1/frame:f1, p1)",
        registry.revoke_handle(&f1, "p1").await,
    )?;
    let remaining = vec![
        held("s1", "p1", "s1"),
        held("s1", "p1", "f2"),
        held("s2", "p1", "s2"),
    ];
    cx.ensure_eq(
        "GRANT-5",
        "handle_grants_for_process(p1) after revoking session:s1/frame:f1 only",
        &remaining,
        &all_grants(&cx, "GRANT-5", "p1").await?,
    )?;
    cx.ensure_eq(
        "GRANT-5",
        "list_handle_grants(session:s1/frame:f1) after revoking its p1 grant (p2 stays)",
        &vec![held("s1", "p2", "p2-f1")],
        &grants_of(&cx, "GRANT-5", &f1).await?,
    )?;
    let nobody = frame("nobody", "f");
    for (scope, id, what) in [
        (&f1, "p1", "revoke_handle(session:s1/frame:f1, p1) again"),
        (
            &f1,
            "ghost",
            "revoke_handle(session:s1/frame:f1, ghost) (unknown process)",
        ),
        (
            &nobody,
            "p1",
            "revoke_handle(session:nobody/frame:f, p1) (unknown scope)",
        ),
        (
            &session("s3"),
            "p2",
            "revoke_handle(session:s3, p2) (no such grant)",
        ),
    ] {
        cx.ok("GRANT-5", what, registry.revoke_handle(scope, id).await)?;
    }
    cx.ensure_eq(
        "GRANT-5",
        "handle_grants_for_process(p1) after the no-op revokes",
        &remaining,
        &all_grants(&cx, "GRANT-5", "p1").await?,
    )?;
    cx.ensure_eq(
        "GRANT-5",
        "get_process(ghost) after revoking it (nothing created)",
        &None,
        &registry.get_process("ghost").await,
    )
}

/// Scope `session:s1` holds `c`, `a`, `b` (granted in that order); `b` is
/// terminal and `a` got an external ref after its grant; other scopes hold `a` too.
async fn listing_fixture(cx: &CheckContext<'_>, rule: &str) -> Result<ProcessScope, CheckFailure> {
    let scope = session("s1");
    for id in ["c", "a", "b"] {
        register(cx, rule, &[id]).await?;
        grant(cx, rule, &scope, id, id).await?;
    }
    grant(cx, rule, &frame("s1", "f1"), "a", "frame").await?;
    grant(cx, rule, &session("s2"), "a", "other").await?;
    complete(cx, rule, "b", ProcessAwaitOutput::success(json!(2))).await?;
    cx.ok(
        rule,
        "set_external_ref(a, restate/a-1)",
        cx.registry()
            .set_external_ref("a", ProcessExternalRef::new("restate", "a-1"))
            .await,
    )?;
    Ok(scope)
}

async fn expected_entries(
    cx: &CheckContext<'_>,
    rule: &str,
    ids: &[&str],
) -> Result<Vec<ProcessHandleGrantEntry>, CheckFailure> {
    let mut expected = Vec::new();
    for id in ids {
        let record = cx.some(
            rule,
            &format!("get_process({id})"),
            cx.registry().get_process(id).await,
        )?;
        expected.push((held("s1", id, id), record));
    }
    Ok(expected)
}

/// GRANT-6: the listing is exactly the scope's grants with current records, terminal included, by id.
async fn listing_joins_current_records_by_process_id(cx: CheckContext<'_>) -> CheckResult {
    let scope = listing_fixture(&cx, "GRANT-6").await?;
    let expected = expected_entries(&cx, "GRANT-6", &["a", "b", "c"]).await?;
    let listed = cx.ok(
        "GRANT-6",
        "list_handle_grants(session:s1)",
        cx.registry().list_handle_grants(&scope).await,
    )?;
    ensure_entries(
        &cx,
        "GRANT-6",
        "list_handle_grants(session:s1) (grants of c, a, b by process id, with current records)",
        &expected,
        &listed,
    )?;
    for unknown in [session("nobody"), frame("s1", "f9")] {
        cx.ensure_eq(
            "GRANT-6",
            &format!(
                "list_handle_grants({}) (a scope without grants)",
                unknown.id()
            ),
            &Vec::new(),
            &grants_of(&cx, "GRANT-6", &unknown).await?,
        )?;
    }
    Ok(())
}

/// GRANT-7: the live listing is the listing without terminal records, same order.
async fn live_listing_drops_terminal_processes(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    let scope = listing_fixture(&cx, "GRANT-7").await?;
    let expected = expected_entries(&cx, "GRANT-7", &["a", "c"]).await?;
    let live = cx.ok(
        "GRANT-7",
        "list_live_handle_grants(session:s1)",
        registry.list_live_handle_grants(&scope).await,
    )?;
    ensure_entries(
        &cx,
        "GRANT-7",
        "list_live_handle_grants(session:s1) (b is terminal)",
        &expected,
        &live,
    )?;
    complete(&cx, "GRANT-7", "a", ProcessAwaitOutput::cancelled("stop")).await?;
    let expected = expected_entries(&cx, "GRANT-7", &["c"]).await?;
    let live = cx.ok(
        "GRANT-7",
        "list_live_handle_grants(session:s1)",
        registry.list_live_handle_grants(&scope).await,
    )?;
    ensure_entries(
        &cx,
        "GRANT-7",
        "list_live_handle_grants(session:s1) after a was cancelled",
        &expected,
        &live,
    )?;
    let all = cx.ok(
        "GRANT-7",
        "list_handle_grants(session:s1)",
        registry.list_handle_grants(&scope).await,
    )?;
    cx.ensure_eq(
        "GRANT-7",
        "number of entries of list_handle_grants(session:s1) (terminal ones stay listed)",
        &3,
        &all.len(),
    )
}

/// GRANT-8: membership is true for exactly the holding scope, whatever the status; false for absence.
async fn membership_is_exact_and_false_for_absence(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "GRANT-8", &["p1"]).await?;
    let scope = frame("s1", "f1");
    ensure_has(&cx, "GRANT-8", &scope, "p1", false).await?;
    grant(&cx, "GRANT-8", &scope, "p1", "h").await?;
    ensure_has(&cx, "GRANT-8", &scope, "p1", true).await?;
    ensure_has(&cx, "GRANT-8", &scope, "ghost", false).await?;
    ensure_has(&cx, "GRANT-8", &session("s1"), "p1", false).await?;
    ensure_has(&cx, "GRANT-8", &frame("s2", "f1"), "p1", false).await?;
    complete(
        &cx,
        "GRANT-8",
        "p1",
        ProcessAwaitOutput::success(json!(null)),
    )
    .await?;
    ensure_has(&cx, "GRANT-8", &scope, "p1", true).await?;
    cx.ok(
        "GRANT-8",
        "revoke_handle(session:s1/frame:f1, p1)",
        cx.registry().revoke_handle(&scope, "p1").await,
    )?;
    ensure_has(&cx, "GRANT-8", &scope, "p1", false).await
}

/// GRANT-9: unknown ids fail; no grants is empty; grants come by session id, then scope id.
async fn process_grants_are_ordered_by_session_then_scope(cx: CheckContext<'_>) -> CheckResult {
    let result = cx.registry().handle_grants_for_process("ghost").await;
    cx.err(
        "GRANT-9",
        "handle_grants_for_process(ghost)",
        result,
        ErrorKind::NotFound,
    )?;
    register(&cx, "GRANT-9", &["p1"]).await?;
    cx.ensure_eq(
        "GRANT-9",
        "handle_grants_for_process(p1) before any grant",
        &Vec::new(),
        &all_grants(&cx, "GRANT-9", "p1").await?,
    )?;
    // Scope-id order alone would put `session:a-b` before `session:a/frame:x`
    // ('-' < '/'); session order puts every scope of `a` first.
    grant(&cx, "GRANT-9", &session("b"), "p1", "b").await?;
    grant(&cx, "GRANT-9", &frame("a", "y"), "p1", "a/y").await?;
    grant(&cx, "GRANT-9", &session("a-b"), "p1", "a-b").await?;
    grant(&cx, "GRANT-9", &frame("a", "x"), "p1", "a/x").await?;
    grant(&cx, "GRANT-9", &session("a"), "p1", "a").await?;
    cx.ensure_eq(
        "GRANT-9",
        "handle_grants_for_process(p1) (by session id, then scope id)",
        &vec![
            held("a", "p1", "a"),
            held("a", "p1", "a/x"),
            held("a", "p1", "a/y"),
            held("a-b", "p1", "a-b"),
            held("b", "p1", "b"),
        ],
        &all_grants(&cx, "GRANT-9", "p1").await?,
    )
}

/// GRANT-10: a terminal process can be granted, and stays terminal.
async fn terminal_processes_can_be_granted(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "GRANT-10", &["p1"]).await?;
    complete(
        &cx,
        "GRANT-10",
        "p1",
        ProcessAwaitOutput::failure("execution", "x", "failed"),
    )
    .await?;
    let terminal = cx.some(
        "GRANT-10",
        "get_process(p1)",
        cx.registry().get_process("p1").await,
    )?;
    let scope = session("s1");
    let granted = grant(&cx, "GRANT-10", &scope, "p1", "late").await?;
    cx.ensure_eq(
        "GRANT-10",
        "grant returned for the terminal p1",
        &held("s1", "p1", "late"),
        &granted,
    )?;
    let listed = cx.ok(
        "GRANT-10",
        "list_handle_grants(session:s1)",
        cx.registry().list_handle_grants(&scope).await,
    )?;
    ensure_entries(
        &cx,
        "GRANT-10",
        "list_handle_grants(session:s1) holding the terminal p1",
        &[(granted, terminal.clone())],
        &listed,
    )?;
    cx.ensure_eq(
        "GRANT-10",
        "get_process(p1) after granting it (still terminal, unchanged)",
        &Some(terminal),
        &cx.registry().get_process("p1").await,
    )
}

/// GRANT-11: listed grants move to the target with their descriptors, replacing the target's own.
async fn transfer_moves_grants_with_their_descriptors(cx: CheckContext<'_>) -> CheckResult {
    let (s1, s2) = (session("s1"), session("s2"));
    for id in ["a", "b", "c"] {
        register(&cx, "GRANT-11", &[id]).await?;
        grant(&cx, "GRANT-11", &s1, id, &format!("{id}-from-s1")).await?;
    }
    grant(&cx, "GRANT-11", &s2, "b", "b-old-in-s2").await?;
    let result = transfer(&cx, &s1, &s2, &["b", "a"]).await;
    cx.ok("GRANT-11", &transfer_call(&s1, &s2, &["b", "a"]), result)?;
    cx.ensure_eq(
        "GRANT-11",
        "list_handle_grants(session:s1) after moving b and a out",
        &vec![held("s1", "c", "c-from-s1")],
        &grants_of(&cx, "GRANT-11", &s1).await?,
    )?;
    cx.ensure_eq(
        "GRANT-11",
        "list_handle_grants(session:s2) after moving b and a in (b's old descriptor replaced)",
        &vec![held("s2", "a", "a-from-s1"), held("s2", "b", "b-from-s1")],
        &grants_of(&cx, "GRANT-11", &s2).await?,
    )?;
    cx.ensure_eq(
        "GRANT-11",
        "handle_grants_for_process(b) after the transfer (one grant, in s2)",
        &vec![held("s2", "b", "b-from-s1")],
        &all_grants(&cx, "GRANT-11", "b").await?,
    )?;

    register(&cx, "GRANT-11", &["f"]).await?;
    let (from, to) = (frame("s3", "f1"), frame("s4", "f9"));
    grant(&cx, "GRANT-11", &from, "f", "frame-handle").await?;
    let result = transfer(&cx, &from, &to, &["f"]).await;
    cx.ok("GRANT-11", &transfer_call(&from, &to, &["f"]), result)?;
    cx.ensure_eq(
        "GRANT-11",
        "list_handle_grants(session:s4/frame:f9) after a frame-to-frame transfer",
        &vec![held("s4", "f", "frame-handle")],
        &grants_of(&cx, "GRANT-11", &to).await?,
    )?;
    ensure_has(&cx, "GRANT-11", &from, "f", false).await?;
    ensure_has(&cx, "GRANT-11", &session("s4"), "f", false).await
}

/// Every grant of `ids` and of `scopes`, each named by the call that read
/// it: what a failed transfer must leave as it was.
async fn grant_state(
    cx: &CheckContext<'_>,
    scopes: &[&ProcessScope],
    ids: &[&str],
) -> Result<Vec<(String, Vec<ProcessHandleGrant>)>, CheckFailure> {
    let mut state = Vec::new();
    for scope in scopes {
        let grants = grants_of(cx, "GRANT-12", scope).await?;
        state.push((format!("list_handle_grants({})", scope.id()), grants));
    }
    for id in ids {
        let grants = all_grants(cx, "GRANT-12", id).await?;
        state.push((format!("handle_grants_for_process({id})"), grants));
    }
    Ok(state)
}

/// GRANT-12: the first id (in list order) not granted to the source fails the whole transfer; nothing moves.
async fn transfer_is_all_or_nothing(cx: CheckContext<'_>) -> CheckResult {
    let (s1, s2) = (session("s1"), frame("s2", "f1"));
    register(&cx, "GRANT-12", &["a", "b", "c"]).await?;
    grant(&cx, "GRANT-12", &s1, "a", "a1").await?;
    grant(&cx, "GRANT-12", &s1, "b", "b1").await?;
    grant(&cx, "GRANT-12", &s2, "b", "b2").await?;
    grant(&cx, "GRANT-12", &s2, "c", "c2").await?;
    let before = grant_state(&cx, &[&s1, &s2], &["a", "b", "c"]).await?;
    cx.ensure_eq(
        "GRANT-12",
        "list_handle_grants(session:s1) before the transfers",
        &vec![held("s1", "a", "a1"), held("s1", "b", "b1")],
        &before[0].1,
    )?;
    let failing: [(&[&str], &str, &str); 6] = [
        (&["a", "c", "b"], "c", "a process only the target holds"),
        (&["b", "a", "ghost"], "ghost", "an unknown process last"),
        (
            &["zz-missing", "c"],
            "zz-missing",
            "two missing ids (the first listed is named)",
        ),
        (&["a", "b", "a"], "a", "an id listed twice"),
        (
            &["b", "b"],
            "b",
            "an id listed twice, also held by the target",
        ),
        (&["c"], "c", "a single id the source lacks"),
    ];
    for (ids, first_missing, case) in failing {
        let what = format!("{} ({case})", transfer_call(&s1, &s2, ids));
        let result = transfer(&cx, &s1, &s2, ids).await;
        cx.err_containing(
            "GRANT-12",
            &what,
            result,
            ErrorKind::GrantMissing,
            &format!("process handle `{first_missing}` is not granted to session `s1`"),
        )?;
        let after = grant_state(&cx, &[&s1, &s2], &["a", "b", "c"]).await?;
        for ((read, expected), (_, observed)) in before.iter().zip(&after) {
            cx.ensure_eq(
                "GRANT-12",
                &format!("{read} after the failed {what} (nothing may move)"),
                expected,
                observed,
            )?;
        }
    }
    let result = transfer(&cx, &s1, &s2, &["b", "a"]).await;
    cx.ok(
        "GRANT-12",
        &format!(
            "{} after the failed attempts",
            transfer_call(&s1, &s2, &["b", "a"])
        ),
        result,
    )?;
    cx.ensure_eq(
        "GRANT-12",
        "list_handle_grants(session:s2/frame:f1) after the valid transfer",
        &vec![
            held("s2", "a", "a1"),
            held("s2", "b", "b1"),
            held("s2", "c", "c2"),
        ],
        &grants_of(&cx, "GRANT-12", &s2).await?,
    )
}

/// GRANT-12: a grant held by the source's session or a sibling frame does not count for the source.
async fn transfer_source_is_the_exact_scope(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "GRANT-12", &["p1"]).await?;
    grant(&cx, "GRANT-12", &session("s1"), "p1", "session").await?;
    grant(&cx, "GRANT-12", &frame("s1", "f2"), "p1", "sibling").await?;
    let before = all_grants(&cx, "GRANT-12", "p1").await?;
    let (from, to) = (frame("s1", "f1"), session("s2"));
    let result = transfer(&cx, &from, &to, &["p1"]).await;
    cx.err_containing(
        "GRANT-12",
        &transfer_call(&from, &to, &["p1"]),
        result,
        ErrorKind::GrantMissing,
        "process handle `p1` is not granted to session `s1`",
    )?;
    cx.ensure_eq(
        "GRANT-12",
        "handle_grants_for_process(p1) after the failed transfer from session:s1/frame:f1",
        &before,
        &all_grants(&cx, "GRANT-12", "p1").await?,
    )?;
    let result = transfer(&cx, &session("s3"), &session("s1"), &["p1"]).await;
    cx.err_containing(
        "GRANT-12",
        &transfer_call(&session("s3"), &session("s1"), &["p1"]),
        result,
        ErrorKind::GrantMissing,
        "process handle `p1` is not granted to session `s3`",
    )?;
    cx.ensure_eq(
        "GRANT-12",
        "handle_grants_for_process(p1) after the failed transfer from session:s3",
        &before,
        &all_grants(&cx, "GRANT-12", "p1").await?,
    )
}

/// GRANT-13: an empty list changes nothing; a same-scope transfer keeps the grants.
async fn empty_and_same_scope_transfers_are_harmless(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "GRANT-13", &["p1", "p2"]).await?;
    let (s1, s2) = (session("s1"), session("s2"));
    grant(&cx, "GRANT-13", &s1, "p1", "h1").await?;
    grant(&cx, "GRANT-13", &s1, "p2", "h2").await?;
    let cases: [(&ProcessScope, &ProcessScope, &[&str]); 4] = [
        (&s1, &s2, &[]),
        (&session("nobody"), &s2, &[]),
        (&s1, &s1, &["p2", "p1"]),
        (&s1, &s1, &["p1", "p1"]),
    ];
    for (from, to, ids) in cases {
        let result = transfer(&cx, from, to, ids).await;
        cx.ok("GRANT-13", &transfer_call(from, to, ids), result)?;
        cx.ensure_eq(
            "GRANT-13",
            &format!(
                "list_handle_grants(session:s1) after {}",
                transfer_call(from, to, ids)
            ),
            &vec![held("s1", "p1", "h1"), held("s1", "p2", "h2")],
            &grants_of(&cx, "GRANT-13", &s1).await?,
        )?;
        cx.ensure_eq(
            "GRANT-13",
            &format!(
                "list_handle_grants(session:s2) after {}",
                transfer_call(from, to, ids)
            ),
            &Vec::new(),
            &grants_of(&cx, "GRANT-13", &s2).await?,
        )?;
    }
    Ok(())
}

/// GRANT-14: grants of the same processes in other scopes (even the source's frames) are untouched.
async fn transfer_leaves_other_holders_alone(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "GRANT-14", &["p1", "p2"]).await?;
    let (s1, s2) = (session("s1"), session("s2"));
    grant(&cx, "GRANT-14", &s1, "p1", "moving").await?;
    grant(&cx, "GRANT-14", &frame("s1", "f1"), "p1", "s1-frame").await?;
    grant(&cx, "GRANT-14", &session("s3"), "p1", "s3").await?;
    grant(&cx, "GRANT-14", &s1, "p2", "staying").await?;
    let result = transfer(&cx, &s1, &s2, &["p1"]).await;
    cx.ok("GRANT-14", &transfer_call(&s1, &s2, &["p1"]), result)?;
    cx.ensure_eq(
        "GRANT-14",
        "handle_grants_for_process(p1) after moving session:s1's grant to session:s2",
        &vec![
            held("s1", "p1", "s1-frame"),
            held("s2", "p1", "moving"),
            held("s3", "p1", "s3"),
        ],
        &all_grants(&cx, "GRANT-14", "p1").await?,
    )?;
    cx.ensure_eq(
        "GRANT-14",
        "handle_grants_for_process(p2) (not listed in the transfer)",
        &vec![held("s1", "p2", "staying")],
        &all_grants(&cx, "GRANT-14", "p2").await?,
    )
}

/// GRANT-15: a frame's grant comes back with its session id only, in every read.
async fn frame_grants_carry_the_session_only(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "GRANT-15", &["p1"]).await?;
    let scope = frame("s1", "frame-77");
    let granted = grant(&cx, "GRANT-15", &scope, "p1", "h").await?;
    cx.ensure_eq(
        "GRANT-15",
        "session_id of the grant returned for session:s1/frame:frame-77",
        &"s1".to_owned(),
        &granted.session_id,
    )?;
    cx.ensure_eq(
        "GRANT-15",
        "list_handle_grants(session:s1/frame:frame-77)",
        &vec![held("s1", "p1", "h")],
        &grants_of(&cx, "GRANT-15", &scope).await?,
    )?;
    cx.ensure_eq(
        "GRANT-15",
        "handle_grants_for_process(p1)",
        &vec![held("s1", "p1", "h")],
        &all_grants(&cx, "GRANT-15", "p1").await?,
    )?;
    let text = serde_json::to_string(&granted).unwrap_or_default();
    cx.ensure("GRANT-15", !text.contains("frame-77"), || {
        format!("the grant returned for session:s1/frame:frame-77: expected no frame id in it, observed {text}")
    })
}
