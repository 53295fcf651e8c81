//! Scenarios of the LEASE area: claim, renew, expiry, fencing and release.

use crate::fixtures::registration;
use crate::transcript::recorder::{Recorder, Stopped};
use procreg::ProcessRegistry as _;
use procreg::{ProcessAwaitOutput, ProcessLeaseCompletion};
use serde_json::json;

/// LEASE-1, LEASE-3..LEASE-5, LEASE-8, LEASE-11.
pub(super) async fn lease_claim(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.note("LEASE-1: claiming an unknown process fails");
    let _ = rec.claim_process_lease("ghost", "worker-a", 1_000).await;
    rec.register_process(registration("job-1")).await?;
    rec.advance(5);
    rec.note("LEASE-3: a first claim issues fencing token 1, expiring now + ttl");
    let first = rec.claim_process_lease("job-1", "worker-a", 1_000).await?;
    rec.advance(100);
    rec.note("LEASE-4: another owner is fenced while the lease is live");
    let _ = rec.claim_process_lease("job-1", "worker-b", 1_000).await;
    rec.note("LEASE-5, LEASE-8: the live owner re-claims: new token, next fencing token");
    let _ = rec.claim_process_lease("job-1", "worker-a", 1_000).await;
    rec.note("LEASE-11: its earlier copy is superseded and cannot renew");
    let _ = rec.renew_process_lease(&first, 1_000).await;
    Ok(())
}

/// LEASE-10..LEASE-14, LEASE-21, LEASE-22.
pub(super) async fn lease_renew(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.register_process(registration("job-1")).await?;
    rec.register_process(registration("job-2")).await?;
    rec.note("LEASE-13: renewing without a lease fails");
    let never = procreg::ProcessLease {
        schema_version: 1,
        process_id: "job-1".to_owned(),
        owner_id: "worker-a".to_owned(),
        lease_token: "never-issued".to_owned(),
        fencing_token: 1,
        claimed_at_epoch_ms: rec.now_ms(),
        expires_at_epoch_ms: rec.now_ms() + 1_000,
    };
    let _ = rec.renew_process_lease(&never, 1_000).await;
    let lease = rec.claim_process_lease("job-1", "worker-a", 1_000).await?;
    rec.advance(500);
    rec.note("LEASE-10: renewing moves only the expiry, to now + ttl");
    let renewed = rec.renew_process_lease(&lease, 1_000).await?;
    rec.advance(900);
    rec.note("LEASE-22: the renewed lease renews again, past the original expiry");
    let renewed = rec.renew_process_lease(&renewed, 1_000).await?;
    rec.note("LEASE-14: a renew with TTL 0 hands the lease over at once");
    let _ = rec.renew_process_lease(&renewed, 0).await;
    let _ = rec.claim_process_lease("job-1", "worker-b", 1_000).await;
    rec.note("LEASE-11: worker-a's lease is superseded");
    let _ = rec.renew_process_lease(&renewed, 1_000).await;
    rec.note("LEASE-12: an expired lease cannot renew even when nobody claimed it");
    let other = rec.claim_process_lease("job-2", "worker-c", 100).await?;
    rec.advance(100);
    let _ = rec.renew_process_lease(&other, 1_000).await;
    rec.note("LEASE-21: a huge TTL saturates");
    let huge = rec
        .claim_process_lease("job-2", "worker-c", u64::MAX)
        .await?;
    let _ = rec.renew_process_lease(&huge, u64::MAX).await;
    Ok(())
}

/// LEASE-6, LEASE-7, LEASE-9, LEASE-18, CLOCK-2.
pub(super) async fn lease_expiry(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.register_process(registration("job-1")).await?;
    rec.register_process(registration("job-2")).await?;
    let first = rec.claim_process_lease("job-1", "worker-a", 1_000).await?;
    rec.advance(999);
    rec.note("CLOCK-2: one millisecond before expiry the lease is live");
    let _ = rec.claim_process_lease("job-1", "worker-b", 1_000).await;
    rec.advance(1);
    rec.note(
        "LEASE-9, LEASE-6, LEASE-7: at expires == now it is expired; anyone takes it, fence 2",
    );
    let _ = rec.claim_process_lease("job-1", "worker-b", 1_000).await;
    rec.note("LEASE-16: worker-a was superseded, so its release is a no-op");
    let _ = rec
        .complete_process_lease(&ProcessLeaseCompletion::from_lease(&first))
        .await;
    let _ = rec.claim_process_lease("job-1", "worker-c", 1_000).await;
    rec.note("LEASE-9: a TTL of 0 yields an already expired lease");
    let _ = rec.claim_process_lease("job-2", "worker-a", 0).await;
    let _ = rec.claim_process_lease("job-2", "worker-b", 1_000).await;
    rec.note("LEASE-18: an expired but not superseded lease can still be released");
    let held = rec.claim_process_lease("job-2", "worker-b", 100).await?;
    rec.advance(500);
    let _ = rec
        .complete_process_lease(&ProcessLeaseCompletion::from_lease(&held))
        .await;
    rec.note("LEASE-7: the next claim still gets a higher fencing token");
    let _ = rec.claim_process_lease("job-2", "worker-c", 1_000).await;
    Ok(())
}

/// LEASE-6, LEASE-7, LEASE-15..LEASE-17, LEASE-19.
pub(super) async fn lease_fencing(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.note("LEASE-17: releasing always succeeds: unknown process, never leased");
    let _ = rec
        .complete_process_lease(&ProcessLeaseCompletion {
            process_id: "ghost".to_owned(),
            lease_token: "no-such-token".to_owned(),
        })
        .await;
    rec.register_process(registration("job-1")).await?;
    let _ = rec
        .complete_process_lease(&ProcessLeaseCompletion {
            process_id: "job-1".to_owned(),
            lease_token: "no-such-token".to_owned(),
        })
        .await;
    let lease_a = rec.claim_process_lease("job-1", "worker-a", 1_000).await?;
    rec.note("LEASE-16: a release with a stale token changes nothing; the owner keeps the lease");
    let _ = rec
        .complete_process_lease(&ProcessLeaseCompletion {
            process_id: "job-1".to_owned(),
            lease_token: "stale-token".to_owned(),
        })
        .await;
    let _ = rec.claim_process_lease("job-1", "worker-b", 1_000).await;
    rec.note("LEASE-15: the current token frees the lease; releasing again is a no-op");
    let release_a = ProcessLeaseCompletion::from_lease(&lease_a);
    let _ = rec.complete_process_lease(&release_a).await;
    let _ = rec.complete_process_lease(&release_a).await;
    rec.note("LEASE-6, LEASE-7: anyone may claim after a release, with a higher fencing token");
    let lease_b = rec.claim_process_lease("job-1", "worker-b", 1_000).await?;
    rec.note("LEASE-19: completing the process keeps the lease; releasing keeps the status");
    let _ = rec
        .complete_process("job-1", ProcessAwaitOutput::success(json!("ok")))
        .await;
    let lease_b = rec.renew_process_lease(&lease_b, 1_000).await?;
    let _ = rec
        .complete_process_lease(&ProcessLeaseCompletion::from_lease(&lease_b))
        .await;
    let _ = rec.get_process("job-1").await;
    Ok(())
}
