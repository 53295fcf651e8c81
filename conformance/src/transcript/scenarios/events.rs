//! Scenarios of the EVENT and REPLAY areas.

use crate::fixtures::{note, registration};
use crate::transcript::recorder::{Recorder, Stopped};
use procreg::ProcessRegistry as _;
use procreg::{ProcessEventAppendRequest, ProcessEventType, ProcessValueSelector, ProcessWakeSpec};
use serde_json::json;

/// EVENT-1..EVENT-8, EVENT-10, EVENT-13.
pub(super) async fn event_ordering(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.note("EVENT-1: appending to an unknown process fails");
    let _ = rec.append_event("ghost", note(json!({"n": 0}))).await;
    let progress = ProcessEventType::new("progress").with_schema(json!({
        "type": "object",
        "required": ["percent"],
        "properties": {"percent": {"type": "integer"}},
    }));
    let pointed = ProcessEventType::wake(
        "pointed",
        ProcessWakeSpec::new(ProcessValueSelector::pointer("/detail/message")),
    );
    rec.register_process(registration("job-1").with_extra_event_types([progress, pointed]))
        .await?;
    rec.register_process(registration("job-2")).await?;
    rec.advance(5);
    rec.note("EVENT-2, EVENT-5, EVENT-6: sequences 1, 2, ...; occurred_at_ms is now");
    let _ = rec.append_event("job-1", note(json!({"n": 1}))).await;
    rec.advance(5);
    let _ = rec.append_event("job-1", note(json!({"n": 2}))).await;
    rec.note("EVENT-3, EVENT-4, EVENT-13: rejected appends persist nothing and take no sequence");
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new("undeclared", json!({})),
        )
        .await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new("progress", json!({"percent": "half"})),
        )
        .await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new("pointed", json!({"detail": {}})),
        )
        .await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new("progress", json!({"percent": 50})),
        )
        .await;
    rec.note("EVENT-8: logs are per process");
    let _ = rec.append_event("job-2", note(json!({"n": 1}))).await;
    rec.note("EVENT-7, EVENT-10: strictly after the cursor, ascending; past the end is empty");
    let _ = rec.events_after("job-1", 1).await;
    let _ = rec.events_after("job-1", 3).await;
    let _ = rec.events_after("job-1", u64::MAX).await;
    let _ = rec.events_after("ghost", 0).await;
    Ok(())
}

/// REPLAY-1..REPLAY-7, REPLAY-9, REPLAY-10.
pub(super) async fn replay_keys(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.register_process(registration("job-1")).await?;
    rec.register_process(registration("job-2")).await?;
    rec.advance(5);
    rec.note(
        "REPLAY-1, REPLAY-2: the same key and content returns the stored event; nothing moves",
    );
    let _ = rec
        .append_event("job-1", note(json!({"step": 1})).with_replay_key("step-1"))
        .await;
    rec.advance(5);
    let _ = rec
        .append_event("job-1", note(json!({"step": 1})).with_replay_key("step-1"))
        .await;
    rec.note("REPLAY-3: the same key with other content conflicts");
    let _ = rec
        .append_event("job-1", note(json!({"step": 2})).with_replay_key("step-1"))
        .await;
    rec.note("REPLAY-5: keys are per process");
    let _ = rec
        .append_event("job-2", note(json!({"step": 1})).with_replay_key("step-1"))
        .await;
    rec.note("REPLAY-9: an empty key is a key; REPLAY-10: unkeyed appends always persist");
    let _ = rec
        .append_event("job-1", note(json!({"empty": 1})).with_replay_key(""))
        .await;
    let _ = rec
        .append_event("job-1", note(json!({"empty": 2})).with_replay_key(""))
        .await;
    let _ = rec.append_event("job-1", note(json!({"same": true}))).await;
    let _ = rec.append_event("job-1", note(json!({"same": true}))).await;
    rec.note("REPLAY-6: terminal and cancel-request events need a key");
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new(
                "process.completed",
                json!({"await_output": {"type": "success", "value": 1}}),
            ),
        )
        .await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new("process.cancel_requested", json!({"reason": "x"})),
        )
        .await;
    rec.note("REPLAY-7: cancel requests are keyed by their reason");
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::cancel_requested("job-1", Some("user")),
        )
        .await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::cancel_requested("job-1", Some("user")),
        )
        .await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::cancel_requested("job-1", Some("timeout")),
        )
        .await;
    rec.note("REPLAY-4: an applied terminal event replays even though the process is terminal");
    let done = ProcessEventAppendRequest::new(
        "process.completed",
        json!({"await_output": {"type": "success", "value": 1}}),
    )
    .with_replay_key("done");
    let _ = rec.append_event("job-1", done.clone()).await;
    rec.advance(5);
    let _ = rec.append_event("job-1", done).await;
    Ok(())
}
