//! REPLAY: replay keys make appends idempotent, and are judged before anything else.

mod event_kinds;
mod idempotency;
mod precedence;

use crate::check::{Check, Level, Needs};
use event_kinds::{
    cancel_requests_keyed_by_reason, rederives_wake_delivery,
    terminal_and_cancel_events_need_a_key, wake_replay_without_target_fails,
};
use idempotency::{
    empty_key_is_still_a_key, keys_are_per_process, replay_changes_nothing,
    same_key_different_content_conflicts, same_key_same_content_returns_the_original,
    unkeyed_appends_always_persist,
};
use precedence::{
    applied_terminal_event_replays_on_terminal_process, held_empty_key_before_key_requirement,
    held_key_before_declared_type, held_key_before_terminal_check,
};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "replay_same_key_same_content_returns_the_original_event",
            rules: &["REPLAY-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(same_key_same_content_returns_the_original(cx)),
        },
        Check {
            id: "replay_changes_nothing",
            rules: &["REPLAY-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(replay_changes_nothing(cx)),
        },
        Check {
            id: "replay_same_key_different_content_conflicts",
            rules: &["REPLAY-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(same_key_different_content_conflicts(cx)),
        },
        Check {
            id: "replay_of_an_applied_terminal_event_succeeds_on_a_terminal_process",
            rules: &["REPLAY-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(applied_terminal_event_replays_on_terminal_process(cx)),
        },
        Check {
            id: "replay_held_key_is_judged_before_the_declared_type_check",
            rules: &["REPLAY-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(held_key_before_declared_type(cx)),
        },
        Check {
            id: "replay_held_empty_key_is_judged_before_the_key_requirement",
            rules: &["REPLAY-4", "REPLAY-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(held_empty_key_before_key_requirement(cx)),
        },
        Check {
            id: "replay_held_key_is_judged_before_the_terminal_check",
            rules: &["REPLAY-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(held_key_before_terminal_check(cx)),
        },
        Check {
            id: "replay_keys_are_per_process",
            rules: &["REPLAY-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(keys_are_per_process(cx)),
        },
        Check {
            id: "replay_terminal_and_cancel_request_events_need_a_key",
            rules: &["REPLAY-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_and_cancel_events_need_a_key(cx)),
        },
        Check {
            id: "replay_cancel_requests_are_keyed_by_their_reason",
            rules: &["REPLAY-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(cancel_requests_keyed_by_reason(cx)),
        },
        Check {
            id: "replay_rederives_the_wake_delivery_from_the_request",
            rules: &["REPLAY-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(rederives_wake_delivery(cx)),
        },
        Check {
            id: "replay_of_a_wake_without_a_target_fails",
            rules: &["REPLAY-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_replay_without_target_fails(cx)),
        },
        Check {
            id: "replay_empty_key_is_still_a_key",
            rules: &["REPLAY-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(empty_key_is_still_a_key(cx)),
        },
        Check {
            id: "replay_unkeyed_appends_always_persist",
            rules: &["REPLAY-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(unkeyed_appends_always_persist(cx)),
        },
    ]
}
