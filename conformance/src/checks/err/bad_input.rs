//! ERR-5: extreme numbers, deep and large payloads and blank input yield defined
//! results, never panics.

use super::support::BOUND;
use crate::check::{CheckFailure, CheckResult};
use crate::context::{failure, CheckContext};
use crate::fixtures::{note, registration, session, wake};
use procreg::{
    ErrorKind, ProcessEventAppendRequest, ProcessHandleDescriptor, ProcessInput, ProcessRegistry,
    ProcessScope, RegistryResult,
};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;
use tokio::time::timeout;

/// Runs `call` on a clone of the registry in its own task, bounded, so a
/// panic or a hang is reported as an ERR-5 failure naming the call.
async fn guarded<T, Fut>(
    cx: &CheckContext<'_>,
    what: &str,
    call: impl FnOnce(Arc<dyn ProcessRegistry>) -> Fut,
) -> Result<T, CheckFailure>
where
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    cx.step(format!("calling {what}"));
    let handle = tokio::spawn(call(cx.shared_registry()));
    match timeout(BOUND, handle).await {
        Err(_) => Err(failure(
            "ERR-5",
            format!("{what}: expected an error or a defined result, observed no answer after 2 s"),
        )),
        Ok(Err(join)) => Err(failure(
            "ERR-5",
            format!("{what}: expected an error or a defined result, observed a panic: {join}"),
        )),
        Ok(Ok(value)) => {
            cx.ensure("ERR-5", true, String::new)?;
            Ok(value)
        }
    }
}

/// ERR-5: `u64::MAX` TTLs, cursors and ack sequences have defined results.
pub(super) async fn extreme_numbers_yield_defined_results(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-5";
    let registered = guarded(&cx, "register_process(p1)", |r| async move {
        r.register_process(registration("p1")).await
    })
    .await?;
    cx.ok(RULE, "register_process(p1)", registered)?;
    let woke = guarded(&cx, "append_event(p1, wake)", |r| async move {
        r.append_event("p1", wake("w", &session("s1"))).await
    })
    .await?;
    cx.ok(RULE, "append_event(p1, wake)", woke)?;

    let what = "claim_process_lease(p1, w, u64::MAX)";
    let claimed = guarded(&cx, what, |r| async move {
        r.claim_process_lease("p1", "w", u64::MAX).await
    })
    .await?;
    let lease = cx.ok(RULE, what, claimed)?;
    cx.ensure_eq(
        RULE,
        &format!("expires_at_epoch_ms of {what}"),
        &u64::MAX,
        &lease.expires_at_epoch_ms,
    )?;
    let what = "renew_process_lease(p1, u64::MAX)";
    let renewing = lease.clone();
    let renewed = guarded(&cx, what, |r| async move {
        r.renew_process_lease(&renewing, u64::MAX).await
    })
    .await?;
    let renewed = cx.ok(RULE, what, renewed)?;
    cx.ensure_eq(
        RULE,
        &format!("expires_at_epoch_ms of {what}"),
        &u64::MAX,
        &renewed.expires_at_epoch_ms,
    )?;

    let what = "events_after(p1, u64::MAX)";
    let events = guarded(&cx, what, |r| async move {
        r.events_after("p1", u64::MAX).await
    })
    .await?;
    cx.ensure_eq(RULE, what, &0, &cx.ok(RULE, what, events)?.len())?;
    let what = "wake_events_after(p1, u64::MAX)";
    let wakes = guarded(&cx, what, |r| async move {
        r.wake_events_after("p1", u64::MAX).await
    })
    .await?;
    cx.ensure_eq(RULE, what, &0, &cx.ok(RULE, what, wakes)?.len())?;
    for sequence in [u64::MAX, 0] {
        let what = format!("ack_wake(p1, {sequence})");
        let acked = guarded(&cx, &what, move |r| async move {
            r.ack_wake("p1", sequence).await
        })
        .await?;
        cx.ok(RULE, &what, acked)?;
    }
    let what = "wake_events_after(p1, 0) after acking sequences u64::MAX and 0";
    let wakes = guarded(
        &cx,
        what,
        |r| async move { r.wake_events_after("p1", 0).await },
    )
    .await?;
    cx.ensure_eq(RULE, what, &1, &cx.ok(RULE, what, wakes)?.len())
}

/// A value nested `depth` levels deep, alternating objects and arrays.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!("core"), |inner, level| {
        if level % 2 == 0 {
            json!({ "down": inner })
        } else {
            json!([inner])
        }
    })
}

/// ERR-5: deeply nested and 1 MiB payloads are stored and returned intact.
pub(super) async fn deep_and_large_payloads_round_trip(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-5";
    let deep = nested(64);
    let input = deep.clone();
    let registered = guarded(
        &cx,
        "register_process(p1) with 64-deep input",
        |r| async move {
            let mut deep_input = registration("p1");
            deep_input.input = ProcessInput::external(input);
            r.register_process(deep_input).await
        },
    )
    .await?;
    let record = cx.ok(RULE, "register_process(p1) with 64-deep input", registered)?;
    cx.ensure_eq(
        RULE,
        "input of p1",
        &ProcessInput::external(deep.clone()),
        &record.input,
    )?;

    let keyed = note(deep.clone()).with_replay_key("deep");
    let mut stored = Vec::new();
    for attempt in ["append", "replay"] {
        let what = format!("append_event(p1, 64-deep note under key deep) ({attempt})");
        let request = keyed.clone();
        let appended = guarded(&cx, &what, |r| async move {
            r.append_event("p1", request).await
        })
        .await?;
        stored.push(cx.ok(RULE, &what, appended)?.event);
    }
    cx.ensure_eq(
        RULE,
        "payload of the 64-deep note",
        &deep,
        &stored[0].payload,
    )?;
    cx.ensure_eq(RULE, "the replayed 64-deep note", &stored[0], &stored[1])?;

    let big = "x".repeat(1 << 20);
    let blob = json!({ "blob": big });
    let request = note(blob.clone());
    let what = "append_event(p1, 1 MiB note)";
    let noted = guarded(
        &cx,
        what,
        |r| async move { r.append_event("p1", request).await },
    )
    .await?;
    let noted = cx.ok(RULE, what, noted)?;
    cx.ensure(RULE, noted.event.payload == blob, || {
        format!("{what}: expected the 1 MiB payload back unchanged, observed a different payload")
    })?;
    let request = wake(&big, &session("s1"));
    let what = "append_event(p1, 1 MiB wake)";
    let woke = guarded(
        &cx,
        what,
        |r| async move { r.append_event("p1", request).await },
    )
    .await?;
    let woke = cx.ok(RULE, what, woke)?;
    let delivery = cx.some(
        RULE,
        &format!("wake delivery of {what}"),
        woke.wake_delivery,
    )?;
    cx.ensure(RULE, delivery.input == big, || {
        format!(
            "{what}: expected the 1 MiB message as the wake input, observed {} bytes",
            delivery.input.len()
        )
    })?;
    let events = guarded(&cx, "events_after(p1, 0)", |r| async move {
        r.events_after("p1", 0).await
    })
    .await?;
    let events = cx.ok(RULE, "events_after(p1, 0)", events)?;
    let sequences: Vec<u64> = events.iter().map(|event| event.sequence).collect();
    cx.ensure_eq(
        RULE,
        "sequences of events_after(p1, 0)",
        &vec![1, 2, 3],
        &sequences,
    )?;
    cx.ensure(RULE, events[1].payload == blob && events[2] == woke.event, || {
        "events_after(p1, 0): expected the 1 MiB note and wake stored unchanged, observed them altered".to_owned()
    })
}

/// ERR-5: blank ids, types, owners and scopes yield errors or results, never panics.
pub(super) async fn blank_input_yields_errors_not_panics(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "ERR-5";
    let registered = guarded(&cx, "register_process(p1)", |r| async move {
        r.register_process(registration("p1")).await
    })
    .await?;
    cx.ok(RULE, "register_process(p1)", registered)?;
    for blank in ["", "   ", "\t\n"] {
        let what = format!("register_process({blank:?})");
        let result = guarded(&cx, &what, move |r| async move {
            r.register_process(registration(blank)).await
        })
        .await?;
        cx.err(RULE, &what, result, ErrorKind::InvalidRegistration)?;
        let what = format!("append_event({blank:?}, note)");
        let result = guarded(&cx, &what, move |r| async move {
            r.append_event(blank, note(json!({}))).await
        })
        .await?;
        cx.err(RULE, &what, result, ErrorKind::NotFound)?;
        let what = format!("claim_process_lease({blank:?}, w)");
        let result = guarded(&cx, &what, move |r| async move {
            r.claim_process_lease(blank, "w", 10).await
        })
        .await?;
        cx.err(RULE, &what, result, ErrorKind::NotFound)?;
        cx.ensure_eq(
            RULE,
            &format!("get_process({blank:?})"),
            &None,
            &cx.registry().get_process(blank).await,
        )?;
    }
    let what = "append_event(p1, event type \" \")";
    let result = guarded(&cx, what, |r| async move {
        r.append_event("p1", ProcessEventAppendRequest::new(" ", json!({})))
            .await
    })
    .await?;
    cx.err(RULE, what, result, ErrorKind::UndeclaredEvent)?;
    let what = "claim_process_lease(p1, blank owner)";
    let claimed = guarded(&cx, what, |r| async move {
        r.claim_process_lease("p1", "", 10).await.map(drop)
    })
    .await?;
    not_reserved(&cx, what, claimed)?;
    let what = "grant_handle(blank session and frame, p1)";
    let granted = guarded(&cx, what, |r| async move {
        r.grant_handle(
            &ProcessScope::frame("", ""),
            "p1",
            ProcessHandleDescriptor::default(),
        )
        .await
        .map(drop)
    })
    .await?;
    not_reserved(&cx, what, granted)?;
    let events = cx.ok(
        RULE,
        "events_after(p1, 0)",
        cx.registry().events_after("p1", 0).await,
    )?;
    cx.ensure_eq(
        RULE,
        "number of events of p1 after the blank calls",
        &0,
        &events.len(),
    )
}

/// Asserts a defined outcome is success or a contract kind, not `backend` or `unsupported`.
fn not_reserved(cx: &CheckContext<'_>, what: &str, result: RegistryResult<()>) -> CheckResult {
    let kind = result.err().map(|error| error.kind);
    cx.ensure("ERR-5", !matches!(kind, Some(ErrorKind::Backend | ErrorKind::Unsupported)), || {
        format!("{what}: expected success or a contract error kind, observed the reserved kind {kind:?}")
    })
}
