//! SESSION-2 to SESSION-4 and SESSION-8: the deletion report: processes to cancel and to
//! preserve, sorted, and the session named.

use super::support::{all_grants, delete, frame, grant, owned, register, report};
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::session;
use procreg::ProcessAwaitOutput;
use serde_json::json;

/// SESSION-2: a live process that lost a grant is preserved iff another session still holds it.
pub(super) async fn live_processes_are_sorted_into_cancel_and_preserved(
    cx: CheckContext<'_>,
) -> CheckResult {
    let ids = [
        "shared",
        "only",
        "two-scopes",
        "other-frame",
        "near-name",
        "untouched",
    ];
    register(&cx, "SESSION-2", &ids).await?;
    grant(&cx, "SESSION-2", &session("s1"), "shared").await?;
    grant(&cx, "SESSION-2", &session("s2"), "shared").await?;
    grant(&cx, "SESSION-2", &frame("s1", "f1"), "only").await?;
    grant(&cx, "SESSION-2", &session("s1"), "two-scopes").await?;
    grant(&cx, "SESSION-2", &frame("s1", "f1"), "two-scopes").await?;
    grant(&cx, "SESSION-2", &session("s1"), "other-frame").await?;
    grant(&cx, "SESSION-2", &frame("s2", "f9"), "other-frame").await?;
    grant(&cx, "SESSION-2", &frame("s1", "f2"), "near-name").await?;
    grant(&cx, "SESSION-2", &session("s10"), "near-name").await?;
    grant(&cx, "SESSION-2", &session("s2"), "untouched").await?;

    let deleted = delete(&cx, "SESSION-2", "s1").await?;

    cx.ensure_eq(
        "SESSION-2",
        "cancel_process_ids of delete_session_process_state(s1) (live, no grant left anywhere)",
        &owned(&["only", "two-scopes"]),
        &deleted.cancel_process_ids,
    )?;
    cx.ensure_eq(
        "SESSION-2",
        "preserved_process_ids of delete_session_process_state(s1) (live, still held by s2, s2/f9 or s10)",
        &owned(&["near-name", "other-frame", "shared"]),
        &deleted.preserved_process_ids,
    )?;
    cx.ensure_eq(
        "SESSION-2",
        "report of delete_session_process_state(s1)",
        &report(
            "s1",
            6,
            &["only", "two-scopes"],
            &["near-name", "other-frame", "shared"],
        ),
        &deleted,
    )
}

/// SESSION-3: terminal processes that lost grants are in neither list, shared or not.
pub(super) async fn terminal_processes_are_in_neither_list(cx: CheckContext<'_>) -> CheckResult {
    let ids = ["done-alone", "done-shared", "failed-frame", "live"];
    register(&cx, "SESSION-3", &ids).await?;
    for id in ["done-alone", "done-shared", "live"] {
        grant(&cx, "SESSION-3", &session("s1"), id).await?;
    }
    grant(&cx, "SESSION-3", &frame("s1", "f1"), "failed-frame").await?;
    grant(&cx, "SESSION-3", &session("s2"), "done-shared").await?;
    for (id, output) in [
        ("done-alone", ProcessAwaitOutput::success(json!(1))),
        ("done-shared", ProcessAwaitOutput::cancelled("stop")),
        (
            "failed-frame",
            ProcessAwaitOutput::failure("execution", "x", "boom"),
        ),
    ] {
        cx.ok(
            "SESSION-3",
            &format!("complete_process({id})"),
            cx.registry().complete_process(id, output).await,
        )?;
    }

    let deleted = delete(&cx, "SESSION-3", "s1").await?;

    cx.ensure_eq(
        "SESSION-3",
        "report of delete_session_process_state(s1) (only `live` is listed)",
        &report("s1", 4, &["live"], &[]),
        &deleted,
    )?;
    cx.ensure_eq(
        "SESSION-3",
        "handle_grants_for_process(done-alone) after deleting s1",
        &Vec::new(),
        &all_grants(&cx, "SESSION-3", "done-alone").await?,
    )?;
    let shared = all_grants(&cx, "SESSION-3", "done-shared").await?;
    cx.ensure_eq(
        "SESSION-3",
        "sessions holding done-shared after deleting s1",
        &owned(&["s2"]),
        &shared
            .into_iter()
            .map(|grant| grant.session_id)
            .collect::<Vec<_>>(),
    )
}

/// SESSION-4: both lists ascend without duplicates, though each process was held through three scopes.
pub(super) async fn report_lists_are_sorted_and_deduplicated(cx: CheckContext<'_>) -> CheckResult {
    let scopes = [frame("s1", "f2"), session("s1"), frame("s1", "f1")];
    for id in ["zeta", "p-b", "alpha", "mid", "p-a"] {
        register(&cx, "SESSION-4", &[id]).await?;
        for scope in &scopes {
            grant(&cx, "SESSION-4", scope, id).await?;
        }
    }
    grant(&cx, "SESSION-4", &session("s2"), "p-b").await?;
    grant(&cx, "SESSION-4", &frame("s3", "f"), "p-a").await?;

    let deleted = delete(&cx, "SESSION-4", "s1").await?;

    cx.ensure_eq(
        "SESSION-4",
        "cancel_process_ids (ascending, each once)",
        &owned(&["alpha", "mid", "zeta"]),
        &deleted.cancel_process_ids,
    )?;
    cx.ensure_eq(
        "SESSION-4",
        "preserved_process_ids (ascending, each once)",
        &owned(&["p-a", "p-b"]),
        &deleted.preserved_process_ids,
    )?;
    cx.ensure_eq(
        "SESSION-4",
        "revoked_handle_count (5 processes x 3 scopes of s1)",
        &15,
        &deleted.revoked_handle_count,
    )
}

/// SESSION-8: report.session_id is the argument, used or not.
pub(super) async fn report_names_the_session(cx: CheckContext<'_>) -> CheckResult {
    register(&cx, "SESSION-8", &["p1"]).await?;
    grant(&cx, "SESSION-8", &session("s1"), "p1").await?;
    for session_id in ["s1", "never-used", " spaced ", ""] {
        let deleted = delete(&cx, "SESSION-8", session_id).await?;
        cx.ensure_eq(
            "SESSION-8",
            &format!("session_id of delete_session_process_state({session_id:?})"),
            &session_id.to_owned(),
            &deleted.session_id,
        )?;
    }
    Ok(())
}
