//! WAKE: materialised wakes, their deliveries and ids, `wake_events_after` and acks.

mod acks;
mod delivery;
mod materialise;
mod support;

use crate::check::{Check, Level, Needs};
use acks::{
    ack_of_future_sequence, acks_hide_wakes_and_nothing_else, non_wake_events_never_appear,
    wake_events_after_lists_unacked,
};
use delivery::{
    delivery_created_at_is_the_clock_reading, delivery_describes_event_and_target,
    registry_does_not_dedupe_wakes, wake_ids_are_stable, wake_without_target_is_rejected,
};
use materialise::{
    dedupe_keys_follow_their_declaration, falsy_when_suppresses_the_wake,
    selectors_and_stringification, wake_type_materialises,
};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "wake_type_materialises_a_wake_and_a_delivery",
            rules: &["WAKE-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_type_materialises(cx)),
        },
        Check {
            id: "wake_falsy_when_suppresses_the_wake",
            rules: &["WAKE-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(falsy_when_suppresses_the_wake(cx)),
        },
        Check {
            id: "wake_selectors_and_stringification",
            rules: &["WAKE-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(selectors_and_stringification(cx)),
        },
        Check {
            id: "wake_dedupe_keys_follow_their_declaration",
            rules: &["WAKE-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(dedupe_keys_follow_their_declaration(cx)),
        },
        Check {
            id: "wake_ids_are_stable_per_target_and_dedupe_key",
            rules: &["WAKE-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_ids_are_stable(cx)),
        },
        Check {
            id: "wake_delivery_describes_the_event_and_the_request_target",
            rules: &["WAKE-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(delivery_describes_event_and_target(cx)),
        },
        Check {
            id: "wake_delivery_created_at_is_the_clock_reading",
            rules: &["WAKE-6"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(delivery_created_at_is_the_clock_reading(cx)),
        },
        Check {
            id: "wake_without_a_target_is_rejected_and_not_persisted",
            rules: &["WAKE-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_without_target_is_rejected(cx)),
        },
        Check {
            id: "wake_registry_does_not_dedupe_wakes",
            rules: &["WAKE-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(registry_does_not_dedupe_wakes(cx)),
        },
        Check {
            id: "wake_events_after_lists_unacknowledged_wakes_after_the_cursor",
            rules: &["WAKE-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(wake_events_after_lists_unacked(cx)),
        },
        Check {
            id: "wake_acks_hide_wakes_and_nothing_else",
            rules: &["WAKE-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(acks_hide_wakes_and_nothing_else(cx)),
        },
        Check {
            id: "wake_ack_of_a_future_sequence_hides_it_once_appended",
            rules: &["WAKE-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(ack_of_future_sequence(cx)),
        },
        Check {
            id: "wake_non_wake_events_never_appear_as_wakes",
            rules: &["WAKE-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(non_wake_events_never_appear(cx)),
        },
    ]
}
