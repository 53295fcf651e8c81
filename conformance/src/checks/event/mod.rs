//! EVENT: appends, sequences, `events_after`, and what a stored event holds.
//!
//! Also home of the small snapshot and append helpers the REPLAY, WAKE and
//! TERM checks share: every read goes through a counted assertion, and
//! "nothing changed" is compared piece by piece so a failure shows the part
//! that moved rather than a truncated record.

mod admission;
mod sequences;
mod stored;
mod support;

use crate::check::{Check, Level, Needs};
use admission::{
    append_to_unknown_process_fails, falsy_when_is_not_an_error,
    non_terminal_events_accepted_after_terminal, payload_failing_schema_is_rejected,
    selector_miss_rejects_the_append, undeclared_type_is_rejected,
};
use sequences::{
    concurrent_appends_serialise_without_gaps, events_after_reads_strictly_after_the_cursor,
    logs_are_per_process, sequences_start_at_one_without_gaps, u64_max_cursors_yield_empty_lists,
};
use stored::{
    append_bumps_updated_at_only, append_timestamps_are_the_clock_reading,
    one_mebibyte_payload_round_trips, stored_event_is_exactly_what_was_appended,
};

pub(crate) use support::{
    append, append_fails, completed, describe_append, ensure_unchanged, register, sequences,
    snapshot,
};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "event_append_to_unknown_process_fails",
            rules: &["EVENT-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(append_to_unknown_process_fails(cx)),
        },
        Check {
            id: "event_sequences_start_at_one_without_gaps",
            rules: &["EVENT-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(sequences_start_at_one_without_gaps(cx)),
        },
        Check {
            id: "event_undeclared_type_is_rejected_and_not_persisted",
            rules: &["EVENT-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(undeclared_type_is_rejected(cx)),
        },
        Check {
            id: "event_payload_failing_its_schema_is_rejected_and_not_persisted",
            rules: &["EVENT-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(payload_failing_schema_is_rejected(cx)),
        },
        Check {
            id: "event_stored_event_is_exactly_what_was_appended",
            rules: &["EVENT-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(stored_event_is_exactly_what_was_appended(cx)),
        },
        Check {
            id: "event_append_bumps_updated_at_to_occurred_at_only",
            rules: &["EVENT-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(append_bumps_updated_at_only(cx)),
        },
        Check {
            id: "event_append_timestamps_are_the_clock_reading",
            rules: &["EVENT-5", "EVENT-6"],
            level: Level::Must,
            needs: Needs::NONE.injected_clock(),
            body: |cx| Box::pin(append_timestamps_are_the_clock_reading(cx)),
        },
        Check {
            id: "event_events_after_reads_strictly_after_the_cursor_in_order",
            rules: &["EVENT-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(events_after_reads_strictly_after_the_cursor(cx)),
        },
        Check {
            id: "event_logs_sequences_and_keys_are_per_process",
            rules: &["EVENT-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(logs_are_per_process(cx)),
        },
        Check {
            id: "event_concurrent_appends_serialise_without_gaps",
            rules: &["EVENT-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(concurrent_appends_serialise_without_gaps(cx)),
        },
        Check {
            id: "event_u64_max_cursors_yield_empty_lists",
            rules: &["EVENT-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(u64_max_cursors_yield_empty_lists(cx)),
        },
        Check {
            id: "event_one_mebibyte_payload_round_trips",
            rules: &["EVENT-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(one_mebibyte_payload_round_trips(cx)),
        },
        Check {
            id: "event_non_terminal_events_are_accepted_after_terminal",
            rules: &["EVENT-12"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(non_terminal_events_accepted_after_terminal(cx)),
        },
        Check {
            id: "event_selector_miss_rejects_the_append_and_persists_nothing",
            rules: &["EVENT-13"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(selector_miss_rejects_the_append(cx)),
        },
        Check {
            id: "event_falsy_when_is_not_an_error",
            rules: &["EVENT-13"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(falsy_when_is_not_an_error(cx)),
        },
    ]
}
