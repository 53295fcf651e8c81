//! The register and claim calls shared by the CLOCK checks.

use crate::check::CheckFailure;
use crate::context::CheckContext;
use crate::fixtures::registration;
use procreg::ProcessLease;

pub(super) async fn register(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
) -> Result<procreg::ProcessRecord, CheckFailure> {
    let registered = cx.registry().register_process(registration(id)).await;
    cx.ok(rule, &format!("register_process({id})"), registered)
}

pub(super) async fn claim(
    cx: &CheckContext<'_>,
    rule: &str,
    owner: &str,
    ttl: u64,
) -> Result<ProcessLease, CheckFailure> {
    let claimed = cx.registry().claim_process_lease("p1", owner, ttl).await;
    cx.ok(
        rule,
        &format!("claim_process_lease(p1, {owner}, {ttl})"),
        claimed,
    )
}
