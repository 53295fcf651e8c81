//! LEASE: claims, renewals, releases and fencing.

use crate::check::{Check, CheckResult, Level, Needs};
use crate::context::CheckContext;
use crate::fixtures::registration;
use procreg::ErrorKind;

pub(crate) fn checks() -> Vec<Check> {
    vec![Check {
        id: "lease_claim_of_unknown_process_fails",
        rules: &["LEASE-1"],
        level: Level::Must,
        needs: Needs::NONE,
        body: |cx| Box::pin(claim_of_unknown_process_fails(cx)),
    }]
}

async fn claim_of_unknown_process_fails(cx: CheckContext<'_>) -> CheckResult {
    let registry = cx.registry();
    let result = registry
        .claim_process_lease("ghost", "worker-a", 1_000)
        .await;
    cx.err(
        "LEASE-1",
        "claim_process_lease(ghost)",
        result,
        ErrorKind::NotFound,
    )?;
    cx.ok(
        "LEASE-1",
        "register p1",
        registry.register_process(registration("p1")).await,
    )?;
    Ok(())
}
