//! WAIT: blocking reads (`wait_event_after`, `await_process`): immediate
//! answers, blocking until a match, no lost wake-ups, exact-type matching and
//! side-effect-free cancellation. Every wait is bounded inside the check.

mod awaiting;
mod cancellation;
mod matching;
mod support;

use crate::check::{Check, Level, Needs};
use awaiting::{
    await_blocks_until_the_terminal_event, await_of_terminal_process_returns_at_once,
    await_raced_with_completion_never_hangs,
};
use cancellation::{
    dropping_a_pending_await_has_no_side_effects, dropping_a_pending_wait_has_no_side_effects,
};
use matching::{
    becoming_terminal_does_not_end_a_wait, blocks_until_a_matching_append_and_returns_it,
    events_of_other_types_do_not_end_a_wait, existing_match_is_returned_at_once,
    never_returns_events_at_or_before_the_cursor, on_unknown_process_fails_instead_of_blocking,
    raced_with_its_append_never_hangs,
};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "wait_existing_match_is_returned_at_once",
            rules: &["WAIT-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(existing_match_is_returned_at_once(cx)),
        },
        Check {
            id: "wait_blocks_until_a_matching_append_and_returns_it",
            rules: &["WAIT-2"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(blocks_until_a_matching_append_and_returns_it(cx)),
        },
        Check {
            id: "wait_never_returns_events_at_or_before_the_cursor",
            rules: &["WAIT-2"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(never_returns_events_at_or_before_the_cursor(cx)),
        },
        Check {
            id: "wait_raced_with_its_append_never_hangs",
            rules: &["WAIT-3"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(raced_with_its_append_never_hangs(cx)),
        },
        Check {
            id: "wait_await_raced_with_completion_never_hangs",
            rules: &["WAIT-3", "WAIT-5"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(await_raced_with_completion_never_hangs(cx)),
        },
        Check {
            id: "wait_on_unknown_process_fails_instead_of_blocking",
            rules: &["WAIT-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(on_unknown_process_fails_instead_of_blocking(cx)),
        },
        Check {
            id: "wait_await_of_terminal_process_returns_at_once",
            rules: &["WAIT-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(await_of_terminal_process_returns_at_once(cx)),
        },
        Check {
            id: "wait_await_blocks_until_the_terminal_event",
            rules: &["WAIT-5"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(await_blocks_until_the_terminal_event(cx)),
        },
        Check {
            id: "wait_events_of_other_types_do_not_end_a_wait",
            rules: &["WAIT-6"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(events_of_other_types_do_not_end_a_wait(cx)),
        },
        Check {
            id: "wait_becoming_terminal_does_not_end_a_wait",
            rules: &["WAIT-6"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(becoming_terminal_does_not_end_a_wait(cx)),
        },
        Check {
            id: "wait_dropping_a_pending_wait_has_no_side_effects",
            rules: &["WAIT-7"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(dropping_a_pending_wait_has_no_side_effects(cx)),
        },
        Check {
            id: "wait_dropping_a_pending_await_has_no_side_effects",
            rules: &["WAIT-7"],
            level: Level::Must,
            needs: Needs::NONE.blocking_waits(),
            body: |cx| Box::pin(dropping_a_pending_await_has_no_side_effects(cx)),
        },
    ]
}
