//! CLOCK-1, CLOCK-4 and CLOCK-5: timestamps are clock readings, exact values set, and
//! follow a clock set back.

use super::support::{claim, register};
use crate::check::{CheckFailure, CheckResult};
use crate::context::CheckContext;
use crate::fixtures::{note, session, wake};
use procreg::{
    ManualClock, ProcessAwaitOutput, ProcessEvent, ProcessExternalRef, ProcessLease, ProcessRecord,
    ProcessWakeDelivery,
};
use serde_json::json;

/// CLOCK-1: each timestamp is the clock's reading at its call.
pub(super) async fn every_timestamp_reads_the_injected_clock(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "CLOCK-1";
    let clock = cx.manual_clock()?;
    let answers = calls_at_set_readings(&cx, RULE, &clock).await?;
    let observed = registration_and_event_readings(&answers)
        .into_iter()
        .chain(lease_and_ref_readings(&answers))
        .chain(read_back_readings(&answers));
    for (what, expected, observed) in observed {
        cx.ensure_eq(RULE, what, &expected, &observed)?;
    }
    Ok(())
}

/// What the calls made at known clock readings answered (the appends as
/// their events), and what was read back after them.
struct Answers {
    registered: ProcessRecord,
    noted: ProcessEvent,
    woke: ProcessEvent,
    delivery: ProcessWakeDelivery,
    lease: ProcessLease,
    renewed: ProcessLease,
    referenced: ProcessRecord,
    events: Vec<ProcessEvent>,
    stored: ProcessRecord,
}

/// Registers p1 at 5000, then appends, claims, renews, sets a ref and
/// completes, each at its own reading, and reads the results back.
async fn calls_at_set_readings(
    cx: &CheckContext<'_>,
    rule: &str,
    clock: &ManualClock,
) -> Result<Answers, CheckFailure> {
    let registry = cx.registry();
    clock.set(5_000);
    let registered = register(cx, rule, "p1").await?;
    clock.set(6_000);
    let noted = registry.append_event("p1", note(json!({ "n": 1 }))).await;
    let noted = cx.ok(rule, "append_event(p1, note) at 6000", noted)?;
    clock.set(7_000);
    let woke = registry
        .append_event("p1", wake("hi", &session("s1")))
        .await;
    let woke = cx.ok(rule, "append_event(p1, wake) at 7000", woke)?;
    clock.set(8_000);
    let lease = claim(cx, rule, "worker", 250).await?;
    clock.set(8_100);
    let renewed = registry.renew_process_lease(&lease, 300).await;
    let renewed = cx.ok(rule, "renew_process_lease(p1, 300) at 8100", renewed)?;
    clock.set(9_000);
    let referenced = registry
        .set_external_ref("p1", ProcessExternalRef::new("engine", "job-1"))
        .await;
    let referenced = cx.ok(rule, "set_external_ref(p1) at 9000", referenced)?;
    clock.set(9_500);
    let completed = registry
        .complete_process("p1", ProcessAwaitOutput::success(json!("ok")))
        .await;
    cx.ok(rule, "complete_process(p1) at 9500", completed)?;

    let delivery = cx.some(
        rule,
        "wake delivery of the wake at 7000",
        woke.wake_delivery,
    )?;
    let events = cx.ok(
        rule,
        "events_after(p1, 2)",
        registry.events_after("p1", 2).await,
    )?;
    let stored = cx.some(rule, "get_process(p1)", registry.get_process("p1").await)?;
    Ok(Answers {
        registered,
        noted: noted.event,
        woke: woke.event,
        delivery,
        lease,
        renewed,
        referenced,
        events,
        stored,
    })
}

/// (what, expected, observed) for the registration, the note and the wake.
fn registration_and_event_readings(answers: &Answers) -> [(&'static str, u64, u64); 5] {
    [
        (
            "created_at_ms of the registration at 5000",
            5_000,
            answers.registered.created_at_ms,
        ),
        (
            "updated_at_ms of the registration at 5000",
            5_000,
            answers.registered.updated_at_ms,
        ),
        (
            "occurred_at_ms of the note at 6000",
            6_000,
            answers.noted.occurred_at_ms,
        ),
        (
            "occurred_at_ms of the wake at 7000",
            7_000,
            answers.woke.occurred_at_ms,
        ),
        (
            "created_at_ms of the wake delivery at 7000",
            7_000,
            answers.delivery.created_at_ms,
        ),
    ]
}

/// (what, expected, observed) for the claim, the renew and the ref.
fn lease_and_ref_readings(answers: &Answers) -> [(&'static str, u64, u64); 6] {
    [
        (
            "claimed_at_epoch_ms of the claim at 8000",
            8_000,
            answers.lease.claimed_at_epoch_ms,
        ),
        (
            "expires_at_epoch_ms of the claim at 8000 for 250",
            8_250,
            answers.lease.expires_at_epoch_ms,
        ),
        (
            "claimed_at_epoch_ms after the renew at 8100",
            8_000,
            answers.renewed.claimed_at_epoch_ms,
        ),
        (
            "expires_at_epoch_ms of the renew at 8100 for 300",
            8_400,
            answers.renewed.expires_at_epoch_ms,
        ),
        (
            "created_at_ms after set_external_ref at 9000",
            5_000,
            answers.referenced.created_at_ms,
        ),
        (
            "updated_at_ms of set_external_ref at 9000",
            9_000,
            answers.referenced.updated_at_ms,
        ),
    ]
}

/// (what, expected, observed) for the terminal event and the stored record.
fn read_back_readings(answers: &Answers) -> [(&'static str, u64, u64); 3] {
    [
        (
            "occurred_at_ms of the terminal event at 9500",
            9_500,
            answers
                .events
                .last()
                .map_or(0, |event| event.occurred_at_ms),
        ),
        (
            "created_at_ms of the stored record",
            5_000,
            answers.stored.created_at_ms,
        ),
        (
            "updated_at_ms of the stored record",
            9_500,
            answers.stored.updated_at_ms,
        ),
    ]
}

/// Asserts `before <= observed <= after`.
fn during(
    cx: &CheckContext<'_>,
    what: &str,
    (before, after): (u64, u64),
    observed: u64,
) -> CheckResult {
    cx.ensure("CLOCK-1", before <= observed && observed <= after, || {
        format!("{what}: expected a reading of the clock during the call, in [{before}, {after}], observed {observed}")
    })
}

/// CLOCK-1: timestamps lie between the clock readings just before and after their call.
pub(super) async fn timestamps_are_read_during_the_call(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "CLOCK-1";
    let registry = cx.registry();
    let before = cx.now_ms();
    let registered = register(&cx, RULE, "p1").await?;
    let window = (before, cx.now_ms());
    during(
        &cx,
        "created_at_ms of register_process(p1)",
        window,
        registered.created_at_ms,
    )?;
    during(
        &cx,
        "updated_at_ms of register_process(p1)",
        window,
        registered.updated_at_ms,
    )?;

    cx.advance(2).await;
    let before = cx.now_ms();
    let woke = registry
        .append_event("p1", wake("hi", &session("s1")))
        .await;
    let woke = cx.ok(RULE, "append_event(p1, wake)", woke)?;
    let window = (before, cx.now_ms());
    during(
        &cx,
        "occurred_at_ms of the wake",
        window,
        woke.event.occurred_at_ms,
    )?;
    let delivery = cx.some(RULE, "wake delivery of the wake", woke.wake_delivery)?;
    during(
        &cx,
        "created_at_ms of the wake delivery",
        window,
        delivery.created_at_ms,
    )?;

    cx.advance(2).await;
    let before = cx.now_ms();
    let lease = claim(&cx, RULE, "worker", 60_000).await?;
    let window = (before, cx.now_ms());
    during(
        &cx,
        "claimed_at_epoch_ms of the claim",
        window,
        lease.claimed_at_epoch_ms,
    )?;
    during(
        &cx,
        "expires_at_epoch_ms of the claim minus its TTL 60000",
        window,
        lease.expires_at_epoch_ms.saturating_sub(60_000),
    )?;

    cx.advance(2).await;
    let before = cx.now_ms();
    let renewed = registry.renew_process_lease(&lease, 90_000).await;
    let renewed = cx.ok(RULE, "renew_process_lease(p1, 90000)", renewed)?;
    let window = (before, cx.now_ms());
    during(
        &cx,
        "expires_at_epoch_ms of the renew minus its TTL 90000",
        window,
        renewed.expires_at_epoch_ms.saturating_sub(90_000),
    )?;

    cx.advance(2).await;
    let before = cx.now_ms();
    let referenced = registry
        .set_external_ref("p1", ProcessExternalRef::new("engine", "job-1"))
        .await;
    let referenced = cx.ok(RULE, "set_external_ref(p1)", referenced)?;
    let window = (before, cx.now_ms());
    during(
        &cx,
        "updated_at_ms of set_external_ref(p1)",
        window,
        referenced.updated_at_ms,
    )?;
    cx.ensure_eq(
        RULE,
        "created_at_ms after set_external_ref(p1)",
        &registered.created_at_ms,
        &referenced.created_at_ms,
    )
}

/// CLOCK-4: with a manual clock, every timestamp is a value the check set.
pub(super) async fn timestamps_equal_exactly_the_values_set(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "CLOCK-4";
    let clock = cx.manual_clock()?;
    clock.set(42);
    let record = register(&cx, RULE, "p1").await?;
    clock.set(7);
    let woke = cx
        .registry()
        .append_event("p1", wake("tiny", &session("s1")))
        .await;
    let woke = cx.ok(RULE, "append_event(p1, wake) at 7", woke)?;
    clock.set(0);
    let lease = claim(&cx, RULE, "worker", 3).await?;
    clock.set(11);
    let referenced = cx
        .registry()
        .set_external_ref("p1", ProcessExternalRef::new("engine", "job-1"))
        .await;
    cx.ok(RULE, "set_external_ref(p1) at 11", referenced)?;

    let delivery = cx.some(RULE, "wake delivery of the wake at 7", woke.wake_delivery)?;
    let stored = cx.some(
        RULE,
        "get_process(p1)",
        cx.registry().get_process("p1").await,
    )?;
    let observed = [
        (
            "created_at_ms of the registration at 42",
            42,
            record.created_at_ms,
        ),
        (
            "updated_at_ms of the registration at 42",
            42,
            record.updated_at_ms,
        ),
        (
            "occurred_at_ms of the wake at 7",
            7,
            woke.event.occurred_at_ms,
        ),
        (
            "created_at_ms of the wake delivery at 7",
            7,
            delivery.created_at_ms,
        ),
        (
            "claimed_at_epoch_ms of the claim at 0",
            0,
            lease.claimed_at_epoch_ms,
        ),
        (
            "expires_at_epoch_ms of the claim at 0 for 3",
            3,
            lease.expires_at_epoch_ms,
        ),
        (
            "created_at_ms of the stored record",
            42,
            stored.created_at_ms,
        ),
        (
            "updated_at_ms of the stored record (set_external_ref at 11)",
            11,
            stored.updated_at_ms,
        ),
    ];
    for (what, expected, observed) in observed {
        cx.ensure_eq(RULE, what, &expected, &observed)?;
    }
    Ok(())
}

/// CLOCK-5: after the clock is set back, new timestamps follow it.
pub(super) async fn new_timestamps_follow_a_clock_set_back(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "CLOCK-5";
    let clock = cx.manual_clock()?;
    clock.set(10_000);
    register(&cx, RULE, "p1").await?;
    let first = cx
        .registry()
        .append_event("p1", note(json!({ "n": 1 })))
        .await;
    cx.ok(RULE, "append_event(p1, note) at 10000", first)?;
    clock.set(5_000);
    let earlier = cx
        .registry()
        .append_event("p1", note(json!({ "n": 2 })))
        .await;
    let earlier = cx.ok(
        RULE,
        "append_event(p1, note) at 5000, after the clock went back",
        earlier,
    )?;
    cx.ensure_eq(
        RULE,
        "occurred_at_ms of the note at 5000",
        &5_000,
        &earlier.event.occurred_at_ms,
    )?;
    cx.ensure_eq(
        RULE,
        "sequence of the note after the clock went back",
        &2,
        &earlier.event.sequence,
    )?;
    let stored = cx.some(
        RULE,
        "get_process(p1)",
        cx.registry().get_process("p1").await,
    )?;
    cx.ensure_eq(
        RULE,
        "(created_at_ms, updated_at_ms) of p1",
        &(10_000, 5_000),
        &(stored.created_at_ms, stored.updated_at_ms),
    )
}
