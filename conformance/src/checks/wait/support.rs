//! Bounds, bounded calls and spawned waits shared by the WAIT checks.

use crate::check::{CheckFailure, CheckResult};
use crate::context::{failure, CheckContext};
use crate::fixtures::registration;
use procreg::{ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest, RegistryResult};
use serde::Serialize;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// The bound on every wait that is expected to return.
pub(super) const BOUND: Duration = Duration::from_secs(2);

/// How long a wait must stay unresolved for the check to call it pending.
pub(super) const PENDING_PROBE: Duration = Duration::from_millis(50);

pub(super) async fn register(cx: &CheckContext<'_>, rule: &str, id: &str) -> CheckResult {
    let registered = cx.registry().register_process(registration(id)).await;
    cx.ok(rule, &format!("register_process({id})"), registered)?;
    Ok(())
}

pub(super) async fn append(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
    request: ProcessEventAppendRequest,
) -> Result<ProcessEvent, CheckFailure> {
    let what = format!("append_event({id}, {})", request.event_type);
    let appended = cx.registry().append_event(id, request).await;
    Ok(cx.ok(rule, &what, appended)?.event)
}

/// Runs a call that must answer without waiting for anything else, bounded by [`BOUND`].
pub(super) async fn bounded<T>(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    call: impl Future<Output = RegistryResult<T>>,
) -> Result<RegistryResult<T>, CheckFailure> {
    cx.step(format!("waiting for {what}"));
    timeout(BOUND, call).await.map_err(|_| {
        failure(
            rule,
            format!("{what}: expected an answer at once, observed none after 2 s (timed out)"),
        )
    })
}

pub(super) fn spawn_wait(
    cx: &CheckContext<'_>,
    id: &str,
    event_type: &str,
    after: u64,
) -> JoinHandle<RegistryResult<ProcessEvent>> {
    let (registry, id, event_type) = (cx.shared_registry(), id.to_owned(), event_type.to_owned());
    tokio::spawn(async move { registry.wait_event_after(&id, &event_type, after).await })
}

pub(super) fn spawn_await(
    cx: &CheckContext<'_>,
    id: &str,
) -> JoinHandle<RegistryResult<ProcessAwaitOutput>> {
    let (registry, id) = (cx.shared_registry(), id.to_owned());
    tokio::spawn(async move { registry.await_process(&id).await })
}

fn describe<T: Serialize>(outcome: &Result<RegistryResult<T>, tokio::task::JoinError>) -> String {
    match outcome {
        Ok(Ok(value)) => format!(
            "success {}",
            serde_json::to_string(value).unwrap_or_else(|error| format!("<{error}>"))
        ),
        Ok(Err(error)) => format!("error {} (\"{}\")", error.kind, error.message),
        Err(join) => format!("the waiting task failed: {join}"),
    }
}

/// Spawns two racers that meet at a barrier, alternating by `round` which
/// one arrives there last. The last to arrive goes on first: on a runtime
/// with real threads either may win, and on one thread (an in-process
/// registry's checks, run in virtual time) each order is taken in every
/// other round, so neither order is left to luck.
pub(super) fn spawn_racers<A, B>(
    round: usize,
    first: A,
    second: B,
) -> (JoinHandle<A::Output>, JoinHandle<B::Output>)
where
    A: Future + Send + 'static,
    A::Output: Send + 'static,
    B: Future + Send + 'static,
    B::Output: Send + 'static,
{
    if round % 2 == 0 {
        let first = tokio::spawn(first);
        (first, tokio::spawn(second))
    } else {
        let second = tokio::spawn(second);
        (tokio::spawn(first), second)
    }
}

/// Asserts the spawned wait has not finished within [`PENDING_PROBE`].
pub(super) async fn still_pending<T: Serialize>(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    handle: &mut JoinHandle<RegistryResult<T>>,
) -> CheckResult {
    cx.step(format!("checking that {what} is still waiting"));
    let probe = timeout(PENDING_PROBE, &mut *handle).await;
    cx.ensure(rule, probe.is_err(), || {
        let observed = probe.as_ref().map(describe).unwrap_or_default();
        format!("{what}: expected it to be still waiting after 50 ms, observed it finished with {observed}")
    })
}

/// Awaits a spawned wait under [`BOUND`] and returns its value.
pub(super) async fn finished<T>(
    cx: &CheckContext<'_>,
    rule: &str,
    what: &str,
    handle: JoinHandle<RegistryResult<T>>,
) -> Result<T, CheckFailure> {
    cx.step(format!("waiting for {what}"));
    match timeout(BOUND, handle).await {
        Err(_) => Err(failure(
            rule,
            format!(
                "{what}: expected it to return, observed it still waiting after 2 s (timed out)"
            ),
        )),
        Ok(Err(join)) => Err(failure(
            rule,
            format!("{what}: expected it to return, observed the waiting task fail: {join}"),
        )),
        Ok(Ok(result)) => cx.ok(rule, what, result),
    }
}
