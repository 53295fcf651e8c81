//! GRANT-6 to GRANT-10: listings, live listings, membership, ordering and terminal processes.

use super::support::{all_grants, ensure_has, frame, grant, grants_of, held, register};
use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use crate::fixtures::session;
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessExternalRef, ProcessHandleGrantEntry, ProcessScope,
};
use serde_json::json;

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
pub(super) async fn listing_joins_current_records_by_process_id(
    cx: CheckContext<'_>,
) -> CheckResult {
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
pub(super) async fn live_listing_drops_terminal_processes(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn membership_is_exact_and_false_for_absence(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn process_grants_are_ordered_by_session_then_scope(
    cx: CheckContext<'_>,
) -> CheckResult {
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
pub(super) async fn terminal_processes_can_be_granted(cx: CheckContext<'_>) -> CheckResult {
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
