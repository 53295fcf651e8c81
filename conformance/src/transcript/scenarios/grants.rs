//! Scenarios of the GRANT and SESSION areas.

use crate::fixtures::{ids, registration, session, wake};
use crate::transcript::recorder::{Recorder, Stopped};
use procreg::ProcessRegistry as _;
use procreg::{ProcessAwaitOutput, ProcessHandleDescriptor, ProcessScope};
use serde_json::json;

fn label(text: &str) -> ProcessHandleDescriptor {
    ProcessHandleDescriptor::labelled(text)
}

/// GRANT-1..GRANT-15.
pub(super) async fn handle_grants(rec: &mut Recorder) -> Result<(), Stopped> {
    let s1 = session("s1");
    let s2 = session("s2");
    let s3 = session("s3");
    let frame = ProcessScope::frame("s1", "f1");
    let other_frame = ProcessScope::frame("s1", "f2");
    rec.note("GRANT-1: an unknown process cannot be granted");
    let _ = rec.grant_handle(&s1, "ghost", label("nothing")).await;
    rec.register_process(registration("job-a")).await?;
    rec.register_process(registration("job-b")).await?;
    rec.advance(5);
    rec.note("GRANT-2, GRANT-4: a grant is an upsert and leaves the record alone");
    let _ = rec.grant_handle(&s1, "job-a", label("first")).await;
    let _ = rec.grant_handle(&s1, "job-a", label("second")).await;
    rec.note("GRANT-3, GRANT-15: a frame grant is its own namespace and carries the session only");
    let _ = rec.grant_handle(&frame, "job-a", label("in frame")).await;
    let _ = rec.grant_handle(&s2, "job-b", label("b")).await;
    rec.note("GRANT-8: membership is exact");
    let _ = rec.has_handle_grant(&s1, "job-a").await;
    let _ = rec.has_handle_grant(&other_frame, "job-a").await;
    let _ = rec.has_handle_grant(&s1, "ghost").await;
    rec.note("GRANT-6: a scope's grants joined with current records, by process id");
    let _ = rec.list_handle_grants(&s1).await;
    rec.note("GRANT-5: revoking is exact, silent and idempotent");
    let _ = rec.revoke_handle(&frame, "job-a").await;
    let _ = rec.revoke_handle(&frame, "job-a").await;
    let _ = rec.revoke_handle(&s3, "ghost").await;
    rec.note("GRANT-10, GRANT-7: terminal processes can be granted; live listings drop them");
    let _ = rec
        .complete_process("job-b", ProcessAwaitOutput::success(json!(1)))
        .await;
    let _ = rec.grant_handle(&s3, "job-b", label("late")).await;
    let _ = rec.list_handle_grants(&s2).await;
    let _ = rec.list_live_handle_grants(&s2).await;
    rec.note(
        "GRANT-11, GRANT-14: a transfer moves the grant with its descriptor; s3 keeps its own",
    );
    let _ = rec.transfer_handle_grants(&s2, &s1, &ids(&["job-b"])).await;
    rec.note("GRANT-12: the first id not granted to the source fails the whole transfer");
    let _ = rec
        .transfer_handle_grants(&s1, &s2, &ids(&["job-a", "ghost"]))
        .await;
    rec.note("GRANT-13: empty and same-scope transfers are harmless");
    let _ = rec.transfer_handle_grants(&s1, &s2, &ids(&[])).await;
    let _ = rec.transfer_handle_grants(&s1, &s1, &ids(&["job-a"])).await;
    rec.note("GRANT-9: a process's grants across scopes, by session then scope");
    let _ = rec.handle_grants_for_process("job-b").await;
    let _ = rec.handle_grants_for_process("ghost").await;
    Ok(())
}

/// SESSION-1..SESSION-8.
pub(super) async fn session_deletion(rec: &mut Recorder) -> Result<(), Stopped> {
    let s1 = session("s1");
    let s2 = session("s2");
    let f1 = ProcessScope::frame("s1", "f1");
    let f2 = ProcessScope::frame("s1", "f2");
    for id in ["job-a", "job-b", "job-c", "job-d"] {
        rec.register_process(registration(id)).await?;
    }
    rec.note(
        "job-a: only s1 (session and two frames); job-b: s1 and s2; job-c: terminal; job-d: s2",
    );
    let _ = rec.grant_handle(&s1, "job-a", label("a")).await;
    let _ = rec.grant_handle(&f1, "job-a", label("a in f1")).await;
    let _ = rec.grant_handle(&f2, "job-a", label("a in f2")).await;
    let _ = rec.grant_handle(&f1, "job-b", label("b in f1")).await;
    let _ = rec.grant_handle(&s2, "job-b", label("b")).await;
    let _ = rec.grant_handle(&s1, "job-c", label("c")).await;
    let _ = rec.grant_handle(&s2, "job-d", label("d")).await;
    rec.note("an ack of job-a's first (future) wake, to show deletion keeps acks");
    let _ = rec.ack_wake("job-a", 1).await;
    let _ = rec
        .complete_process("job-c", ProcessAwaitOutput::success(json!("c")))
        .await;
    rec.advance(5);
    rec.note(
        "SESSION-1..SESSION-5, SESSION-8: every s1 grant goes; the report sorts the live ones",
    );
    let _ = rec.delete_session_process_state("s1").await;
    rec.note("SESSION-6: deleting again, or an unknown session, reports nothing");
    let _ = rec.delete_session_process_state("s1").await;
    let _ = rec.delete_session_process_state("nobody").await;
    rec.note("SESSION-7: other sessions keep their grants");
    let _ = rec.list_handle_grants(&s2).await;
    rec.note("SESSION-5: the ack taken before the deletion still hides wake 1 of job-a");
    let _ = rec.append_event("job-a", wake("after deletion", &s2)).await;
    let _ = rec.wake_events_after("job-a", 0).await;
    Ok(())
}
