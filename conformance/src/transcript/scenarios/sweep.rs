//! The scenario of the SWEEP area.

use crate::fixtures::{note, registration};
use crate::transcript::recorder::{Recorder, Stopped};
use procreg::ProcessRegistry as _;
use procreg::{ProcessAwaitOutput, ProcessExternalRef};
use serde_json::json;

/// SWEEP-1..SWEEP-4.
pub(super) async fn sweep(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.note("SWEEP-1: running processes, ascending by id whatever the registration order");
    for id in ["job-c", "job-a", "job-b"] {
        rec.register_process(registration(id)).await?;
    }
    let _ = rec.list_non_terminal().await;
    rec.advance(5);
    rec.note("SWEEP-2: a terminal process leaves at once; SWEEP-3: leases do not hide work");
    let _ = rec
        .complete_process("job-c", ProcessAwaitOutput::success(json!("c")))
        .await;
    let _ = rec.claim_process_lease("job-b", "worker-a", 1_000).await;
    rec.note("SWEEP-4: listed records are current");
    let _ = rec
        .set_external_ref("job-a", ProcessExternalRef::new("restate", "inv-a"))
        .await;
    let _ = rec.append_event("job-b", note(json!({"n": 1}))).await;
    let _ = rec.list_non_terminal().await;
    rec.advance(2_000);
    rec.note("SWEEP-3: an expired lease changes nothing either");
    let _ = rec.list_non_terminal().await;
    Ok(())
}
