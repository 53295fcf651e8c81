//! Wake fixtures and the `wake_events_after` read shared by the WAKE checks.

use crate::check::CheckFailure;
use crate::context::CheckContext;
use crate::fixtures::session;
use procreg::{ProcessEvent, ProcessEventAppendRequest, ProcessValueSelector, ProcessWakeSpec};
use serde_json::Value;

/// A wake spec whose input is the `/message` pointer.
pub(super) fn message_wake() -> ProcessWakeSpec {
    ProcessWakeSpec::new(ProcessValueSelector::pointer("/message"))
}

/// `event_type` with `payload`, targeted at session `s1`.
pub(super) fn targeted(event_type: &str, payload: Value) -> ProcessEventAppendRequest {
    ProcessEventAppendRequest::new(event_type, payload).with_wake_target(session("s1"))
}

/// The unacknowledged wakes of `id` after `cursor`.
pub(super) async fn wakes_after(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    cursor: u64,
) -> Result<Vec<ProcessEvent>, CheckFailure> {
    let what = format!("wake_events_after({id}, {cursor})");
    cx.ok(
        rule,
        &what,
        cx.registry().wake_events_after(id, cursor).await,
    )
}
