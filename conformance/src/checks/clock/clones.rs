//! CLOCK-3: `ManualClock` clones share one reading.

use super::support::register;
use crate::check::CheckResult;
use crate::context::CheckContext;
use crate::fixtures::note;
use procreg::Clock;
use serde_json::json;

/// CLOCK-3: advancing or setting any clone moves all of them, the registry's included.
pub(super) async fn manual_clock_clones_share_one_reading(cx: CheckContext<'_>) -> CheckResult {
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
