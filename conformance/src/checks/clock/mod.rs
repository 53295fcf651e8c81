//! CLOCK: every timestamp and every expiry decision reads the injected clock,
//! `ManualClock` clones share one reading, and time may go backwards.
//!
//! Checks that need exact values or set time back need the injected clock;
//! one check bounds every timestamp by the clock readings around its call,
//! so it also runs on wall-clock backends.

mod clones;
mod expiry;
mod support;
mod timestamps;

use crate::check::{Check, Level, Needs};
use clones::manual_clock_clones_share_one_reading;
use expiry::{
    lease_expiry_follows_the_injected_clock, lease_liveness_is_judged_against_the_new_reading,
};
use timestamps::{
    every_timestamp_reads_the_injected_clock, new_timestamps_follow_a_clock_set_back,
    timestamps_are_read_during_the_call, timestamps_equal_exactly_the_values_set,
};

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
