//! The scenario of the CLOCK area.

use crate::context::CHECK_START_MS;
use crate::fixtures::{note, registration};
use crate::transcript::recorder::{Recorder, Stopped};
use procreg::ProcessRegistry as _;
use serde_json::json;

/// CLOCK-1, CLOCK-2, CLOCK-4, CLOCK-5.
pub(super) async fn clock(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.note("CLOCK-1, CLOCK-4: every timestamp is exactly the injected reading");
    rec.register_process(registration("job-1")).await?;
    rec.advance(250);
    let _ = rec.append_event("job-1", note(json!({"n": 1}))).await;
    let _ = rec.claim_process_lease("job-1", "worker-a", 1_000).await;
    rec.note("CLOCK-5: time set back: new timestamps follow it");
    rec.set_clock(CHECK_START_MS + 100);
    let _ = rec.append_event("job-1", note(json!({"n": 2}))).await;
    rec.note("CLOCK-5, CLOCK-2: liveness is judged against the new reading");
    let _ = rec.claim_process_lease("job-1", "worker-b", 1_000).await;
    rec.set_clock(CHECK_START_MS + 1_250);
    let _ = rec.claim_process_lease("job-1", "worker-b", 1_000).await;
    Ok(())
}
