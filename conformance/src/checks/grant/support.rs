//! Scopes, descriptors, and the grant, read and transfer calls shared by the GRANT checks.

use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use crate::fixtures::registration;
use procreg::{ProcessHandleDescriptor, ProcessHandleGrant, ProcessScope, RegistryResult};

pub(super) fn frame(session_id: &str, frame_id: &str) -> ProcessScope {
    ProcessScope::frame(session_id, frame_id)
}

pub(super) fn label(text: &str) -> ProcessHandleDescriptor {
    ProcessHandleDescriptor::labelled(text)
}

/// The grant a holder in `session_id` should see for `process_id` labelled `text`.
pub(super) fn held(session_id: &str, process_id: &str, text: &str) -> ProcessHandleGrant {
    ProcessHandleGrant {
        session_id: session_id.to_owned(),
        process_id: process_id.to_owned(),
        descriptor: label(text),
    }
}

pub(super) async fn register(cx: &CheckContext<'_>, rule: &str, ids: &[&str]) -> CheckResult {
    for id in ids {
        cx.ok(
            rule,
            &format!("register_process({id})"),
            cx.registry().register_process(registration(id)).await,
        )?;
    }
    Ok(())
}

pub(super) async fn grant(
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
pub(super) async fn grants_of(
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

pub(super) async fn all_grants(
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
pub(super) async fn ensure_has(
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

pub(super) async fn transfer(
    cx: &CheckContext<'_>,
    from: &ProcessScope,
    to: &ProcessScope,
    ids: &[&str],
) -> RegistryResult<()> {
    let ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    cx.registry().transfer_handle_grants(from, to, &ids).await
}

pub(super) fn transfer_call(from: &ProcessScope, to: &ProcessScope, ids: &[&str]) -> String {
    format!(
        "transfer_handle_grants({}, {}, {ids:?})",
        from.id(),
        to.id()
    )
}
