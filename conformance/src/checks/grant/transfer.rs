//! GRANT-11 to GRANT-14: transfers move grants all or nothing, from the exact source scope.

use super::support::{
    all_grants, ensure_has, frame, grant, grants_of, held, register, transfer, transfer_call,
};
use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use crate::fixtures::session;
use procreg::{ErrorKind, ProcessHandleGrant, ProcessScope};

/// GRANT-11: listed grants move to the target with their descriptors, replacing the target's own.
pub(super) async fn transfer_moves_grants_with_their_descriptors(
    cx: CheckContext<'_>,
) -> CheckResult {
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
pub(super) async fn transfer_is_all_or_nothing(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn transfer_source_is_the_exact_scope(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn empty_and_same_scope_transfers_are_harmless(
    cx: CheckContext<'_>,
) -> CheckResult {
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
pub(super) async fn transfer_leaves_other_holders_alone(cx: CheckContext<'_>) -> CheckResult {
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
