//! GRANT-16: scopes whose ids hold the separators of the rendered scope id
//! (`/`, `:`, `%`) never share grants with another scope.

use super::support::{ensure_has, frame, grant, grants_of, register, transfer};
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::session;
use procreg::ProcessScope;

const RULE: &str = "GRANT-16";

/// Pairs (owner, stranger) of distinct scopes that a naive
/// `session:<s>/frame:<f>` rendering, an escaping that forgets its escape
/// character, or a prefix match would confuse.
fn colliding_pairs() -> Vec<(ProcessScope, ProcessScope)> {
    vec![
        (frame("a", "b"), session("a/frame:b")),
        (session("a%2Fframe%3Ab"), session("a/frame:b")),
        (frame("a:b", "c"), frame("a", "b/frame:c")),
        (session("ab"), session("a")),
    ]
}

/// A grant held by one scope is invisible to its look-alike: membership,
/// listings, revocation, transfer and session deletion stay apart.
pub(super) async fn distinct_scopes_never_alias(cx: CheckContext<'_>) -> CheckResult {
    for (index, (owner, stranger)) in colliding_pairs().into_iter().enumerate() {
        let process = format!("victim-{index}");
        register(&cx, RULE, &[process.as_str()]).await?;
        grant(&cx, RULE, &owner, &process, "owned").await?;
        ensure_has(&cx, RULE, &stranger, &process, false).await?;
        cx.ensure_eq(
            RULE,
            &format!(
                "list_handle_grants({}) of a look-alike scope",
                stranger.id()
            ),
            &Vec::new(),
            &grants_of(&cx, RULE, &stranger).await?,
        )?;
        revocation_and_transfer_stay_apart(&cx, &owner, &stranger, &process).await?;
        deletion_stays_apart(&cx, &owner, &stranger, &process).await?;
    }
    Ok(())
}

/// Revoking through, or transferring from, the look-alike leaves the owner's grant.
async fn revocation_and_transfer_stay_apart(
    cx: &CheckContext<'_>,
    owner: &ProcessScope,
    stranger: &ProcessScope,
    process: &str,
) -> CheckResult {
    cx.ok(
        RULE,
        &format!(
            "revoke_handle({}, {process}) by a look-alike",
            stranger.id()
        ),
        cx.registry().revoke_handle(stranger, process).await,
    )?;
    ensure_has(cx, RULE, owner, process, true).await?;
    let moved = transfer(cx, stranger, &session("elsewhere"), &[process]).await;
    cx.err(
        RULE,
        &format!(
            "transfer_handle_grants({} -> session:elsewhere, [{process}]) from a look-alike",
            stranger.id()
        ),
        moved,
        procreg::ErrorKind::GrantMissing,
    )?;
    ensure_has(cx, RULE, owner, process, true).await
}

/// Deleting the look-alike's session leaves the owner's grant, unless both
/// are in the same session.
async fn deletion_stays_apart(
    cx: &CheckContext<'_>,
    owner: &ProcessScope,
    stranger: &ProcessScope,
    process: &str,
) -> CheckResult {
    if stranger.session_id == owner.session_id {
        return Ok(());
    }
    cx.ok(
        RULE,
        &format!(
            "delete_session_process_state({}) of a look-alike",
            stranger.session_id
        ),
        cx.registry()
            .delete_session_process_state(&stranger.session_id)
            .await,
    )?;
    ensure_has(cx, RULE, owner, process, true).await
}
