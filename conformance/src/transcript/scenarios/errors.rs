//! The scenario of the ERR area.

use crate::fixtures::{ids, note, registration, session, WAKE};
use crate::transcript::recorder::{Recorder, Stopped};
use procreg::ProcessRegistry as _;
use procreg::{
    ProcessAwaitOutput, ProcessEventAppendRequest, ProcessHandleDescriptor, ProcessInput,
    ProcessLease, ProcessLeaseCompletion, ProcessRegistration,
};
use serde_json::json;

/// ERR-1..ERR-5.
pub(super) async fn error_atomicity(rec: &mut Recorder) -> Result<(), Stopped> {
    let s1 = session("s1");
    let s2 = session("s2");
    rec.register_process(registration("job-1")).await?;
    let _ = rec
        .grant_handle(&s1, "job-1", ProcessHandleDescriptor::labelled("job"))
        .await;
    let _ = rec.append_event("job-1", note(json!({"n": 1}))).await;
    let _ = rec.claim_process_lease("job-1", "worker-a", 1_000).await;
    rec.advance(5);
    rec.note(
        "ERR-1..ERR-3: every failure has a stable kind, upstream wording, and leaves no trace",
    );
    let _ = rec
        .register_process(ProcessRegistration::new(
            "job-1",
            ProcessInput::external(json!({"changed": true})),
        ))
        .await;
    let _ = rec
        .append_event("job-1", ProcessEventAppendRequest::new("nope", json!({})))
        .await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new(WAKE, json!({"message": "no target"})),
        )
        .await;
    let _ = rec
        .append_event("job-1", note(json!({"n": 1})).with_replay_key(""))
        .await;
    let _ = rec
        .append_event("job-1", note(json!({"n": 2})).with_replay_key(""))
        .await;
    let _ = rec
        .transfer_handle_grants(&s1, &s2, &ids(&["job-1", "ghost"]))
        .await;
    let _ = rec.claim_process_lease("job-1", "worker-b", 1_000).await;
    rec.note("ERR-4: absence is an error only where the contract says so");
    let _ = rec.get_process("ghost").await;
    let _ = rec.revoke_handle(&s1, "ghost").await;
    let _ = rec.has_handle_grant(&s1, "ghost").await;
    let _ = rec
        .complete_process_lease(&ProcessLeaseCompletion {
            process_id: "ghost".to_owned(),
            lease_token: "none".to_owned(),
        })
        .await;
    let _ = rec.events_after("ghost", 0).await;
    let _ = rec.wake_events_after("ghost", 0).await;
    let _ = rec.ack_wake("ghost", 1).await;
    let _ = rec.handle_grants_for_process("ghost").await;
    let _ = rec
        .set_external_ref("ghost", procreg::ProcessExternalRef::new("restate", "x"))
        .await;
    let _ = rec
        .complete_process("ghost", ProcessAwaitOutput::success(json!(null)))
        .await;
    let _ = rec.claim_process_lease("ghost", "worker-a", 1_000).await;
    let ghost_lease = ProcessLease {
        schema_version: 1,
        process_id: "ghost".to_owned(),
        owner_id: "worker-a".to_owned(),
        lease_token: "none".to_owned(),
        fencing_token: 1,
        claimed_at_epoch_ms: rec.now_ms(),
        expires_at_epoch_ms: rec.now_ms() + 1_000,
    };
    let _ = rec.renew_process_lease(&ghost_lease, 1_000).await;
    rec.note("ERR-5: extreme numbers yield defined results");
    let _ = rec.events_after("job-1", u64::MAX).await;
    let _ = rec.ack_wake("job-1", u64::MAX).await;
    Ok(())
}
