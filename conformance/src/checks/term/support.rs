//! The terminal registration and the bounded await shared by the TERM checks.

use crate::check::CheckFailure;
use crate::context::{failure, CheckContext};
use crate::fixtures::registration;
use procreg::{
    ProcessAwaitOutput, ProcessEventType, ProcessRegistration, ProcessTerminalState,
    ProcessValueSelector,
};
use std::time::Duration;

/// How long an await on an already terminal process may take.
const AWAIT_BOUND: Duration = Duration::from_secs(2);

/// `id` with the fixture types plus custom terminal types: `finished`
/// (completed, `/result`), `finished_whole` (completed, no selector),
/// `crashed` (failed, `/error`) and `aborted` (cancelled, `/why`).
pub(super) fn terminal_registration(id: &str) -> ProcessRegistration {
    let terminal = |name: &str, state, pointer: Option<&str>| {
        ProcessEventType::terminal(name, state, pointer.map(ProcessValueSelector::pointer))
    };
    registration(id).with_extra_event_types([
        terminal("finished", ProcessTerminalState::Completed, Some("/result")),
        terminal("finished_whole", ProcessTerminalState::Completed, None),
        terminal("crashed", ProcessTerminalState::Failed, Some("/error")),
        terminal("aborted", ProcessTerminalState::Cancelled, Some("/why")),
    ])
}

/// `await_process(id)` on a process that is already terminal, bounded.
pub(super) async fn await_terminal(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
) -> Result<ProcessAwaitOutput, CheckFailure> {
    let what = format!("await_process({id}) on a terminal process");
    cx.step(format!("waiting for {what}"));
    let result = tokio::time::timeout(AWAIT_BOUND, cx.registry().await_process(id))
        .await
        .map_err(|_| {
            failure(
                rule,
                format!(
                    "timed out after {} ms waiting for {what}",
                    AWAIT_BOUND.as_millis()
                ),
            )
        })?;
    cx.ok(rule, &what, result)
}
