//! Scopes and the register, grant, read and delete calls shared by the SESSION checks.

use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use crate::fixtures::registration;
use procreg::{
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessScope, ProcessSessionDeleteReport,
};

pub(super) fn frame(session_id: &str, frame_id: &str) -> ProcessScope {
    ProcessScope::frame(session_id, frame_id)
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
) -> CheckResult {
    cx.ok(
        rule,
        &format!("grant_handle({}, {process_id})", scope.id()),
        cx.registry()
            .grant_handle(
                scope,
                process_id,
                ProcessHandleDescriptor::labelled(process_id),
            )
            .await,
    )?;
    Ok(())
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

pub(super) async fn delete(
    cx: &CheckContext<'_>,
    rule: &str,
    session_id: &str,
) -> Result<ProcessSessionDeleteReport, CheckFailure> {
    cx.ok(
        rule,
        &format!("delete_session_process_state({session_id:?})"),
        cx.registry().delete_session_process_state(session_id).await,
    )
}

pub(super) fn report(
    session_id: &str,
    revoked_handle_count: usize,
    cancel: &[&str],
    preserved: &[&str],
) -> ProcessSessionDeleteReport {
    ProcessSessionDeleteReport {
        session_id: session_id.to_owned(),
        revoked_handle_count,
        deleted_wake_count: 0,
        cancel_process_ids: owned(cancel),
        preserved_process_ids: owned(preserved),
    }
}

pub(super) fn owned(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}
