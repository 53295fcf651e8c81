//! TERM: terminal events, `complete_process`, frozen status and `await_process`.

mod complete;
mod events;
mod frozen;
mod support;

use crate::check::{Check, Level, Needs};
use complete::{
    complete_process_appends_core_event, complete_process_ignores_leases,
    completing_again_is_idempotent, completing_unknown_process_fails,
    completion_after_direct_terminal_append, different_terminal_state_is_rejected,
    same_state_different_output_conflicts,
};
use events::{
    await_outputs_are_materialised, second_terminal_event_is_rejected,
    terminal_event_ends_the_process,
};
use frozen::{await_returns_the_completion_output, terminal_status_is_frozen};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "term_terminal_event_ends_the_process_in_its_declared_state",
            rules: &["TERM-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_event_ends_the_process(cx)),
        },
        Check {
            id: "term_await_outputs_are_materialised_from_the_payload",
            rules: &["TERM-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(await_outputs_are_materialised(cx)),
        },
        Check {
            id: "term_second_terminal_event_is_rejected_and_not_persisted",
            rules: &["TERM-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(second_terminal_event_is_rejected(cx)),
        },
        Check {
            id: "term_complete_process_appends_the_keyed_core_terminal_event",
            rules: &["TERM-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(complete_process_appends_core_event(cx)),
        },
        Check {
            id: "term_completing_again_with_the_same_output_is_idempotent",
            rules: &["TERM-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(completing_again_is_idempotent(cx)),
        },
        Check {
            id: "term_same_state_different_output_conflicts",
            rules: &["TERM-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(same_state_different_output_conflicts(cx)),
        },
        Check {
            id: "term_different_terminal_state_is_rejected",
            rules: &["TERM-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(different_terminal_state_is_rejected(cx)),
        },
        Check {
            id: "term_completion_after_a_direct_terminal_append_is_rejected",
            rules: &["TERM-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(completion_after_direct_terminal_append(cx)),
        },
        Check {
            id: "term_completing_an_unknown_process_fails",
            rules: &["TERM-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(completing_unknown_process_fails(cx)),
        },
        Check {
            id: "term_terminal_status_is_frozen",
            rules: &["TERM-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_status_is_frozen(cx)),
        },
        Check {
            id: "term_complete_process_does_not_check_leases",
            rules: &["TERM-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(complete_process_ignores_leases(cx)),
        },
        Check {
            id: "term_await_process_returns_exactly_the_completion_output",
            rules: &["TERM-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(await_returns_the_completion_output(cx)),
        },
    ]
}
