//! Scenarios of the REG and XREF areas.

use crate::fixtures::{registration, session};
use crate::transcript::recorder::{Recorder, Stopped};
use procreg::ProcessRegistry as _;
use procreg::{
    ProcessAwaitOutput, ProcessEventType, ProcessExternalRef, ProcessInput, ProcessRegistration,
};
use serde_json::json;

/// REG-1, REG-7..REG-10, REG-12.
pub(super) async fn registration_conflicts(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.note("REG-1: a blank id is rejected before anything is stored");
    let _ = rec.register_process(registration("  ")).await;
    rec.note("REG-8: a first registration stores a running record stamped now");
    rec.register_process(registration("job-1")).await?;
    rec.advance(1_000);
    rec.note("REG-9: identical content returns the stored record, original timestamps");
    let _ = rec.register_process(registration("job-1")).await;
    rec.note("REG-10: different content under the same id conflicts and changes nothing");
    let changed =
        ProcessRegistration::new("job-1", ProcessInput::external(json!({"job": "other"})));
    let _ = rec.register_process(changed).await;
    rec.note("REG-7: missing core types are appended after the declared ones, in core order");
    let minimal = ProcessRegistration::new("job-2", ProcessInput::external(json!({})))
        .with_event_types(vec![ProcessEventType::new("note")])
        .with_owner_scope(session("s1"));
    let _ = rec.register_process(minimal).await;
    rec.note("REG-12: registration creates no events and no grants");
    let _ = rec.events_after("job-1", 0).await;
    let _ = rec.handle_grants_for_process("job-1").await;
    Ok(())
}

/// XREF-1..XREF-6.
pub(super) async fn external_refs(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.note("XREF-1: an unknown process has no ref to set");
    let _ = rec
        .set_external_ref("ghost", ProcessExternalRef::new("restate", "inv-0"))
        .await;
    rec.register_process(registration("job-1")).await?;
    rec.advance(10);
    rec.note("XREF-2, XREF-4: the ref is returned and read back; only updated_at_ms moves");
    let first = ProcessExternalRef {
        metadata: Some(json!({"attempt": 1})),
        ..ProcessExternalRef::new("restate", "inv-1")
    };
    let _ = rec.set_external_ref("job-1", first).await;
    let _ = rec.get_process("job-1").await;
    rec.advance(10);
    rec.note("XREF-3: the last writer wins");
    let _ = rec
        .set_external_ref("job-1", ProcessExternalRef::new("restate", "inv-2"))
        .await;
    rec.advance(10);
    let _ = rec
        .complete_process("job-1", ProcessAwaitOutput::success(json!("done")))
        .await;
    rec.advance(10);
    rec.note("XREF-5, XREF-6: a terminal process takes an identical repeat and stays terminal");
    let _ = rec
        .set_external_ref("job-1", ProcessExternalRef::new("restate", "inv-2"))
        .await;
    Ok(())
}
