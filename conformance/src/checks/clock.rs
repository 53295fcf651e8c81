//! CLOCK: every timestamp and every expiry decision reads the injected clock,
//! `ManualClock` clones share one reading, and time may go backwards.
//!
//! Checks that need exact values or set time back need the injected clock;
//! one check bounds every timestamp by the clock readings around its call,
//! so it also runs on wall-clock backends.

use crate::check::{Check, CheckFailure, CheckResult, Level, Needs};
use crate::context::{CheckContext, CHECK_START_MS};
use crate::fixtures::{note, registration, session, wake};
use procreg::{Clock, ErrorKind, ProcessAwaitOutput, ProcessExternalRef, ProcessLease};
use serde_json::json;

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "clock_every_timestamp_reads_the_injected_clock",
            rules: &["CLOCK-1"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(every_timestamp_reads_the_injected_clock(cx)),
        },
        Check {
            id: "clock_timestamps_are_read_during_the_call",
            rules: &["CLOCK-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(timestamps_are_read_during_the_call(cx)),
        },
        Check {
            id: "clock_lease_expiry_follows_the_injected_clock",
            rules: &["CLOCK-2"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(lease_expiry_follows_the_injected_clock(cx)),
        },
        Check {
            id: "clock_manual_clock_clones_share_one_reading",
            rules: &["CLOCK-3"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(manual_clock_clones_share_one_reading(cx)),
        },
        Check {
            id: "clock_timestamps_equal_exactly_the_values_set",
            rules: &["CLOCK-4"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(timestamps_equal_exactly_the_values_set(cx)),
        },
        Check {
            id: "clock_new_timestamps_follow_a_clock_set_back",
            rules: &["CLOCK-5"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(new_timestamps_follow_a_clock_set_back(cx)),
        },
        Check {
            id: "clock_lease_liveness_is_judged_against_the_new_reading",
            rules: &["CLOCK-5"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(lease_liveness_is_judged_against_the_new_reading(cx)),
        },
    ]
}

async fn register(
    cx: &CheckContext<'_>,
    rule: &str,
    id: &str,
) -> Result<procreg::ProcessRecord, CheckFailure> {
    let registered = cx.registry().register_process(registration(id)).await;
    cx.ok(rule, &format!("register_process({id})"), registered)
}

async fn claim(
    cx: &CheckContext<'_>,
    rule: &str,
    owner: &str,
    ttl: u64,
) -> Result<ProcessLease, CheckFailure> {
    let claimed = cx.registry().claim_process_lease("p1", owner, ttl).await;
    cx.ok(
        rule,
        &format!("claim_process_lease(p1, {owner}, {ttl})"),
        claimed,
    )
}

/// Asserts another owner's claim on `p1` is refused: the lease is live.
async fn live(cx: &CheckContext<'_>, rule: &str, when: &str) -> CheckResult {
    let result = cx.registry().claim_process_lease("p1", "other", 10).await;
    let what = format!("claim_process_lease(p1, other) {when}");
    cx.err_containing(rule, &what, result, ErrorKind::LeaseHeld, "already leased")?;
    Ok(())
}

/// CLOCK-1: each timestamp is the clock's reading at its call.
async fn every_timestamp_reads_the_injected_clock(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "CLOCK-1";
    let clock = cx.manual_clock()?;
    let registry = cx.registry();
    clock.set(5_000);
    let registered = register(&cx, RULE, "p1").await?;
    clock.set(6_000);
    let noted = registry.append_event("p1", note(json!({ "n": 1 }))).await;
    let noted = cx.ok(RULE, "append_event(p1, note) at 6000", noted)?;
    clock.set(7_000);
    let woke = registry
        .append_event("p1", wake("hi", &session("s1")))
        .await;
    let woke = cx.ok(RULE, "append_event(p1, wake) at 7000", woke)?;
    clock.set(8_000);
    let lease = claim(&cx, RULE, "worker", 250).await?;
    clock.set(8_100);
    let renewed = registry.renew_process_lease(&lease, 300).await;
    let renewed = cx.ok(RULE, "renew_process_lease(p1, 300) at 8100", renewed)?;
    clock.set(9_000);
    let referenced = registry
        .set_external_ref("p1", ProcessExternalRef::new("engine", "job-1"))
        .await;
    let referenced = cx.ok(RULE, "set_external_ref(p1) at 9000", referenced)?;
    clock.set(9_500);
    let completed = registry
        .complete_process("p1", ProcessAwaitOutput::success(json!("ok")))
        .await;
    cx.ok(RULE, "complete_process(p1) at 9500", completed)?;

    let delivery = cx.some(
        RULE,
        "wake delivery of the wake at 7000",
        woke.wake_delivery,
    )?;
    let events = cx.ok(
        RULE,
        "events_after(p1, 2)",
        registry.events_after("p1", 2).await,
    )?;
    let stored = cx.some(RULE, "get_process(p1)", registry.get_process("p1").await)?;
    let observed = [
        (
            "created_at_ms of the registration at 5000",
            5_000,
            registered.created_at_ms,
        ),
        (
            "updated_at_ms of the registration at 5000",
            5_000,
            registered.updated_at_ms,
        ),
        (
            "occurred_at_ms of the note at 6000",
            6_000,
            noted.event.occurred_at_ms,
        ),
        (
            "occurred_at_ms of the wake at 7000",
            7_000,
            woke.event.occurred_at_ms,
        ),
        (
            "created_at_ms of the wake delivery at 7000",
            7_000,
            delivery.created_at_ms,
        ),
        (
            "claimed_at_epoch_ms of the claim at 8000",
            8_000,
            lease.claimed_at_epoch_ms,
        ),
        (
            "expires_at_epoch_ms of the claim at 8000 for 250",
            8_250,
            lease.expires_at_epoch_ms,
        ),
        (
            "claimed_at_epoch_ms after the renew at 8100",
            8_000,
            renewed.claimed_at_epoch_ms,
        ),
        (
            "expires_at_epoch_ms of the renew at 8100 for 300",
            8_400,
            renewed.expires_at_epoch_ms,
        ),
        (
            "created_at_ms after set_external_ref at 9000",
            5_000,
            referenced.created_at_ms,
        ),
        (
            "updated_at_ms of set_external_ref at 9000",
            9_000,
            referenced.updated_at_ms,
        ),
        (
            "occurred_at_ms of the terminal event at 9500",
            9_500,
            events.last().map_or(0, |event| event.occurred_at_ms),
        ),
        (
            "created_at_ms of the stored record",
            5_000,
            stored.created_at_ms,
        ),
        (
            "updated_at_ms of the stored record",
            9_500,
            stored.updated_at_ms,
        ),
    ];
    for (what, expected, observed) in observed {
        cx.ensure_eq(RULE, what, &expected, &observed)?;
    }
    Ok(())
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
async fn timestamps_are_read_during_the_call(cx: CheckContext<'_>) -> CheckResult {
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

/// CLOCK-2: only the injected clock expires a lease.
async fn lease_expiry_follows_the_injected_clock(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "CLOCK-2";
    let clock = cx.manual_clock()?;
    register(&cx, RULE, "p1").await?;
    // The injected clock starts at CHECK_START_MS (November 2023): the wall
    // clock is far past this lease's expiry, so a backend consulting it
    // would see the lease expired at once.
    let lease = claim(&cx, RULE, "worker", 20).await?;
    live(
        &cx,
        RULE,
        &format!("at {CHECK_START_MS}, long after the wall clock passed the expiry"),
    )
    .await?;
    let renewed = cx.registry().renew_process_lease(&lease, 20).await;
    let renewed = cx.ok(
        RULE,
        "renew_process_lease(p1, 20) before the injected expiry",
        renewed,
    )?;
    clock.advance(19);
    live(&cx, RULE, "one millisecond before the injected expiry").await?;
    clock.advance(1);
    let result = cx.registry().renew_process_lease(&renewed, 20).await;
    cx.err_containing(
        RULE,
        "renew_process_lease(p1, 20) at the injected expiry",
        result,
        ErrorKind::LeaseLost,
        "missing or expired",
    )?;
    let taken = claim(&cx, RULE, "other", 20).await?;
    cx.ensure_eq(
        RULE,
        "fencing token of other's claim after the expiry",
        &2,
        &taken.fencing_token,
    )
}

/// CLOCK-3: advancing or setting any clone moves all of them, the registry's included.
async fn manual_clock_clones_share_one_reading(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "CLOCK-3";
    let clock = cx.manual_clock()?;
    let clone = clock.clone();
    let start = cx.now_ms();
    cx.ensure_eq(
        RULE,
        "advance(50) on a clone",
        &(start + 50),
        &clone.advance(50),
    )?;
    cx.ensure_eq(
        RULE,
        "the check clock after a clone advanced 50",
        &(start + 50),
        &clock.now_ms(),
    )?;
    clock.set(400);
    cx.ensure_eq(RULE, "a clone after set(400)", &400, &clone.now_ms())?;
    cx.ensure_eq(RULE, "cx.now_ms() after set(400)", &400, &cx.now_ms())?;
    let record = register(&cx, RULE, "p1").await?;
    cx.ensure_eq(
        RULE,
        "created_at_ms of register_process(p1) after set(400) (the registry's clone)",
        &400,
        &record.created_at_ms,
    )?;
    clone.set(u64::MAX - 5);
    cx.ensure_eq(
        RULE,
        "advance(10) from u64::MAX - 5 (saturates)",
        &u64::MAX,
        &clock.advance(10),
    )?;
    cx.ensure_eq(RULE, "a clone after saturating", &u64::MAX, &clone.now_ms())?;
    cx.ensure_eq(
        RULE,
        "advance(u64::MAX) at u64::MAX",
        &u64::MAX,
        &clock.advance(u64::MAX),
    )?;
    let noted = cx
        .registry()
        .append_event("p1", note(json!({ "at": "max" })))
        .await;
    let noted = cx.ok(RULE, "append_event(p1, note) at u64::MAX", noted)?;
    cx.ensure_eq(
        RULE,
        "occurred_at_ms of a note appended at u64::MAX",
        &u64::MAX,
        &noted.event.occurred_at_ms,
    )
}

/// CLOCK-4: with a manual clock, every timestamp is a value the check set.
async fn timestamps_equal_exactly_the_values_set(cx: CheckContext<'_>) -> CheckResult {
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
async fn new_timestamps_follow_a_clock_set_back(cx: CheckContext<'_>) -> CheckResult {
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

/// CLOCK-5: liveness is judged against the current reading, even an earlier one.
async fn lease_liveness_is_judged_against_the_new_reading(cx: CheckContext<'_>) -> CheckResult {
    const RULE: &str = "CLOCK-5";
    let clock = cx.manual_clock()?;
    register(&cx, RULE, "p1").await?;
    let start = cx.now_ms();
    let lease = claim(&cx, RULE, "worker", 100).await?;
    clock.set(start + 500);
    let result = cx.registry().renew_process_lease(&lease, 100).await;
    cx.err(
        RULE,
        "renew_process_lease(p1, 100) past the expiry",
        result,
        ErrorKind::LeaseLost,
    )?;
    clock.set(start + 50);
    live(&cx, RULE, "after the clock went back before the expiry").await?;
    let renewed = cx.registry().renew_process_lease(&lease, 100).await;
    let renewed = cx.ok(
        RULE,
        "renew_process_lease(p1, 100) after the clock went back",
        renewed,
    )?;
    cx.ensure_eq(
        RULE,
        "expires_at_epoch_ms of the renew at start + 50",
        &(start + 150),
        &renewed.expires_at_epoch_ms,
    )?;
    clock.set(start - 500);
    let reclaimed = claim(&cx, RULE, "worker", 10).await?;
    cx.ensure_eq(
        RULE,
        "(claimed_at, expires_at) of the owner's re-claim at start - 500",
        &(start - 500, start - 490),
        &(reclaimed.claimed_at_epoch_ms, reclaimed.expires_at_epoch_ms),
    )
}
