//! Scenarios of the TERM and WAIT areas.

use crate::fixtures::{note, registration, NOTE, WAKE};
use crate::transcript::recorder::{Recorder, Stopped};
use procreg::ProcessRegistry as _;
use procreg::{
    ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessTerminalState,
    ProcessValueSelector,
};
use serde_json::json;

/// TERM-1..TERM-11, EVENT-12.
pub(super) async fn terminal_completion(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.note("TERM-8: completing an unknown process fails");
    let _ = rec
        .complete_process("ghost", ProcessAwaitOutput::success(json!(null)))
        .await;
    let crashed = ProcessEventType::terminal(
        "job.crashed",
        ProcessTerminalState::Failed,
        Some(ProcessValueSelector::pointer("/error")),
    );
    rec.register_process(registration("job-1")).await?;
    rec.register_process(registration("job-2").with_extra_event_types([crashed]))
        .await?;
    rec.note("TERM-10: completion ignores leases, and the lease stays");
    let _ = rec.claim_process_lease("job-1", "worker-a", 60_000).await;
    rec.advance(5);
    rec.note("TERM-4, TERM-1: complete_process appends the keyed core terminal event");
    let answer = ProcessAwaitOutput::success(json!({"answer": 42}));
    let _ = rec.complete_process("job-1", answer.clone()).await;
    rec.advance(5);
    rec.note("TERM-5: the same output again is idempotent");
    let _ = rec.complete_process("job-1", answer).await;
    rec.note("TERM-6: the same state with another output conflicts");
    let _ = rec
        .complete_process("job-1", ProcessAwaitOutput::success(json!({"answer": 43})))
        .await;
    rec.note(
        "TERM-7, TERM-3: another terminal state, or a terminal event under a new key, is refused",
    );
    let _ = rec
        .complete_process(
            "job-1",
            ProcessAwaitOutput::failure("execution", "boom", "it broke"),
        )
        .await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new(
                "process.cancelled",
                json!({"await_output": {"type": "cancelled", "message": "stop"}}),
            )
            .with_replay_key("cancel-late"),
        )
        .await;
    rec.note("EVENT-12, TERM-9: non-terminal events are still accepted; the status is frozen");
    let _ = rec
        .append_event("job-1", note(json!({"after": "terminal"})))
        .await;
    rec.note("TERM-11: await_process returns exactly the completion output");
    let _ = rec.await_process("job-1").await;
    rec.note("TERM-1, TERM-2: a declared failed type wraps the selected value as a failure");
    let _ = rec
        .append_event(
            "job-2",
            ProcessEventAppendRequest::new("job.crashed", json!({"error": "disk full"}))
                .with_replay_key("crash"),
        )
        .await;
    let _ = rec.await_process("job-2").await;
    Ok(())
}

/// WAIT-1, WAIT-4, WAIT-5: only calls that answer at once.
pub(super) async fn immediate_waits(rec: &mut Recorder) -> Result<(), Stopped> {
    rec.note("WAIT-4: waits on an unknown process fail instead of blocking");
    let _ = rec.wait_event_after("ghost", NOTE, 0).await;
    let _ = rec.await_process("ghost").await;
    rec.register_process(registration("job-1")).await?;
    rec.advance(5);
    let _ = rec.append_event("job-1", note(json!({"n": 1}))).await;
    let _ = rec
        .append_event(
            "job-1",
            ProcessEventAppendRequest::new(WAKE, json!({"message": "hi"}))
                .with_wake_target(crate::fixtures::session("s1")),
        )
        .await;
    let _ = rec.append_event("job-1", note(json!({"n": 2}))).await;
    rec.note("WAIT-1: the lowest matching sequence after the cursor, of exactly that type");
    let _ = rec.wait_event_after("job-1", NOTE, 0).await;
    let _ = rec.wait_event_after("job-1", NOTE, 1).await;
    let _ = rec.wait_event_after("job-1", WAKE, 0).await;
    rec.note("WAIT-5: await_process answers at once for a terminal process");
    let _ = rec
        .complete_process("job-1", ProcessAwaitOutput::cancelled("stopped by user"))
        .await;
    let _ = rec.await_process("job-1").await;
    Ok(())
}
