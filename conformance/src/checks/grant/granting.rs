//! GRANT-1 to GRANT-5 and GRANT-15: granting, upserts, scope namespaces and revokes.

use super::support::{
    all_grants, ensure_has, frame, grant, grants_of, held, label, register, transfer, transfer_call,
};
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::{note, session};
use procreg::{ErrorKind, ProcessHandleDescriptor, ProcessHandleGrant};
use serde_json::json;

/// GRANT-1: granting an unknown id fails with NotFound and leaves no orphan grant.
pub(super) async fn granting_an_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn grant_is_an_upsert_per_scope_and_process(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn frame_grant_is_neither_a_session_grant_nor_another_frames(
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
pub(super) async fn empty_frame_id_is_the_session_scope(cx: CheckContext<'_>) -> CheckResult {
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
pub(super) async fn operations_leave_the_log_and_the_record_alone(
    cx: CheckContext<'_>,
) -> CheckResult {
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
pub(super) async fn revoke_is_exact_silent_and_idempotent(cx: CheckContext<'_>) -> CheckResult {
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

/// GRANT-15: a frame's grant comes back with its session id only, in every read.
pub(super) async fn frame_grants_carry_the_session_only(cx: CheckContext<'_>) -> CheckResult {
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
