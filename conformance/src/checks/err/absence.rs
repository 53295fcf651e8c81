//! ERR-4: absence is an error only where the contract says so.

use super::support::{s1, BOUND};
use crate::check::{CheckFailure, CheckResult};
use crate::context::{failure, CheckContext};
use crate::fixtures::{note, NOTE};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessExternalRef, ProcessHandleDescriptor, ProcessLease,
    ProcessLeaseCompletion, RegistryResult,
};
use serde_json::json;
use tokio::time::timeout;

/// ERR-4: absence fails only where the contract says so.
pub(super) async fn absence_is_an_error_only_where_the_contract_says_so(
    cx: CheckContext<'_>,
) -> CheckResult {
    const RULE: &str = "ERR-4";
    let lease = absence_answers_quietly(&cx, RULE).await?;
    absence_is_not_found(&cx, RULE).await?;
    waits_on_absence_fail_at_once(&cx, RULE).await?;
    absence_still_fails_the_writes(&cx, RULE, &lease).await?;
    nothing_was_created(&cx, RULE).await
}

/// The calls where absence is no error: a read, a revoke, a lease release
/// and a grant test; returns the lease on the ghost it released.
async fn absence_answers_quietly(
    cx: &CheckContext<'_>,
    rule: &str,
) -> Result<ProcessLease, CheckFailure> {
    let registry = cx.registry();
    let scope = s1();
    cx.ensure_eq(
        rule,
        "get_process(ghost)",
        &None,
        &registry.get_process("ghost").await,
    )?;
    cx.ok(
        rule,
        "revoke_handle(s1, ghost)",
        registry.revoke_handle(&scope, "ghost").await,
    )?;
    let lease = ProcessLease {
        schema_version: 1,
        process_id: "ghost".to_owned(),
        owner_id: "w".to_owned(),
        lease_token: "lt-ghost".to_owned(),
        fencing_token: 1,
        claimed_at_epoch_ms: 0,
        expires_at_epoch_ms: u64::MAX,
    };
    let release = ProcessLeaseCompletion::from_lease(&lease);
    cx.ok(
        rule,
        "complete_process_lease(ghost)",
        registry.complete_process_lease(&release).await,
    )?;
    let member = cx.ok(
        rule,
        "has_handle_grant(s1, ghost)",
        registry.has_handle_grant(&scope, "ghost").await,
    )?;
    cx.ensure_eq(rule, "has_handle_grant(s1, ghost)", &false, &member)?;
    Ok(lease)
}

/// Asserts `result` failed with NotFound, naming the unknown process.
fn not_found(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    result: RegistryResult<()>,
) -> CheckResult {
    cx.err_containing(rule, what, result, ErrorKind::NotFound, "unknown process")
        .map(drop)
}

/// The ref, grant and event calls on a ghost fail with NotFound.
async fn absence_is_not_found(cx: &CheckContext<'_>, rule: &str) -> CheckResult {
    let registry = cx.registry();
    let scope = s1();
    let xref = ProcessExternalRef::new("engine", "id");
    not_found(
        cx,
        rule,
        "set_external_ref(ghost)",
        registry.set_external_ref("ghost", xref).await.map(drop),
    )?;
    let granted = registry
        .grant_handle(&scope, "ghost", ProcessHandleDescriptor::default())
        .await;
    not_found(cx, rule, "grant_handle(s1, ghost)", granted.map(drop))?;
    not_found(
        cx,
        rule,
        "handle_grants_for_process(ghost)",
        registry.handle_grants_for_process("ghost").await.map(drop),
    )?;
    not_found(
        cx,
        rule,
        "append_event(ghost, note)",
        registry
            .append_event("ghost", note(json!({})))
            .await
            .map(drop),
    )?;
    not_found(
        cx,
        rule,
        "events_after(ghost, 0)",
        registry.events_after("ghost", 0).await.map(drop),
    )?;
    not_found(
        cx,
        rule,
        "wake_events_after(ghost, 0)",
        registry.wake_events_after("ghost", 0).await.map(drop),
    )
}

/// The blocking calls on a ghost fail with NotFound at once instead of waiting.
async fn waits_on_absence_fail_at_once(cx: &CheckContext<'_>, rule: &str) -> CheckResult {
    let registry = cx.registry();
    cx.step("waiting for wait_event_after(ghost, note, 0) to fail");
    let waited = timeout(BOUND, registry.wait_event_after("ghost", NOTE, 0)).await;
    let waited = waited.map_err(|_| failure(rule, "wait_event_after(ghost, note, 0): expected NotFound at once, observed it still waiting after 2 s"))?;
    not_found(
        cx,
        rule,
        "wait_event_after(ghost, note, 0)",
        waited.map(drop),
    )?;
    cx.step("waiting for await_process(ghost) to fail");
    let awaited = timeout(BOUND, registry.await_process("ghost")).await;
    let awaited = awaited.map_err(|_| {
        failure(
            rule,
            "await_process(ghost): expected NotFound at once, observed it still waiting after 2 s",
        )
    })?;
    not_found(cx, rule, "await_process(ghost)", awaited.map(drop))
}

/// Completing, acking, claiming and renewing on a ghost fail: NotFound, and
/// LeaseLost for the renew of `lease`.
async fn absence_still_fails_the_writes(
    cx: &CheckContext<'_>,
    rule: &str,
    lease: &ProcessLease,
) -> CheckResult {
    let registry = cx.registry();
    let completed = registry
        .complete_process("ghost", ProcessAwaitOutput::success(json!(1)))
        .await;
    not_found(cx, rule, "complete_process(ghost)", completed.map(drop))?;
    not_found(
        cx,
        rule,
        "ack_wake(ghost, 1)",
        registry.ack_wake("ghost", 1).await,
    )?;
    not_found(
        cx,
        rule,
        "claim_process_lease(ghost, w)",
        registry
            .claim_process_lease("ghost", "w", 10)
            .await
            .map(drop),
    )?;
    cx.err_containing(
        rule,
        "renew_process_lease(ghost)",
        registry.renew_process_lease(lease, 10).await,
        ErrorKind::LeaseLost,
        "missing or expired",
    )?;
    Ok(())
}

/// None of the failed calls created the ghost or anything to sweep.
async fn nothing_was_created(cx: &CheckContext<'_>, rule: &str) -> CheckResult {
    let registry = cx.registry();
    cx.ensure_eq(
        rule,
        "get_process(ghost) after every call",
        &None,
        &registry.get_process("ghost").await,
    )?;
    let sweep = cx.ok(
        rule,
        "list_non_terminal()",
        registry.list_non_terminal().await,
    )?;
    cx.ensure_eq(
        rule,
        "number of processes listed by list_non_terminal()",
        &0,
        &sweep.len(),
    )
}
