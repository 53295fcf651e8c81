//! ERR: error kinds, upstream wording, atomicity of failed calls, absence,
//! extreme input and the reserved kinds.
//!
//! Atomicity checks snapshot everything observable about the arranged
//! processes before a failing call and compare it after. A lease cannot be
//! read directly: it is observed through a refused probe claim (`LeaseHeld`
//! naming the holder and its expiry) and through the holder's next fencing token.

mod absence;
mod atomicity;
mod bad_input;
mod kinds;
mod support;

use crate::check::{Check, Level, Needs};
use absence::absence_is_an_error_only_where_the_contract_says_so;
use atomicity::{
    already_terminal_leaves_no_trace, failed_appends_leave_no_trace,
    failed_lease_calls_leave_no_trace, failed_registrations_leave_no_trace,
    failed_transfers_leave_no_trace,
};
use bad_input::{
    blank_input_yields_errors_not_panics, deep_and_large_payloads_round_trip,
    extreme_numbers_yield_defined_results,
};
use kinds::{
    contract_violations_use_the_specific_kinds, errors_carry_a_stable_kind,
    messages_keep_the_upstream_wording_and_name_the_process,
};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "err_errors_carry_a_stable_kind",
            rules: &["ERR-1"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors(),
            body: |cx| Box::pin(errors_carry_a_stable_kind(cx)),
        },
        Check {
            id: "err_messages_keep_the_upstream_wording_and_name_the_process",
            rules: &["ERR-2"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors(),
            body: |cx| Box::pin(messages_keep_the_upstream_wording_and_name_the_process(cx)),
        },
        Check {
            id: "err_failed_registrations_leave_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_registrations_leave_no_trace(cx)),
        },
        Check {
            id: "err_failed_appends_leave_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_appends_leave_no_trace(cx)),
        },
        Check {
            id: "err_already_terminal_leaves_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(already_terminal_leaves_no_trace(cx)),
        },
        Check {
            id: "err_failed_transfers_leave_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_transfers_leave_no_trace(cx)),
        },
        Check {
            id: "err_failed_lease_calls_leave_no_trace",
            rules: &["ERR-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_lease_calls_leave_no_trace(cx)),
        },
        Check {
            id: "err_absence_is_an_error_only_where_the_contract_says_so",
            rules: &["ERR-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(absence_is_an_error_only_where_the_contract_says_so(cx)),
        },
        Check {
            id: "err_extreme_numbers_yield_defined_results",
            rules: &["ERR-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(extreme_numbers_yield_defined_results(cx)),
        },
        Check {
            id: "err_deep_and_large_payloads_round_trip",
            rules: &["ERR-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(deep_and_large_payloads_round_trip(cx)),
        },
        Check {
            id: "err_blank_input_yields_errors_not_panics",
            rules: &["ERR-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(blank_input_yields_errors_not_panics(cx)),
        },
        Check {
            id: "err_contract_violations_use_the_specific_kinds",
            rules: &["ERR-6"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors(),
            body: |cx| Box::pin(contract_violations_use_the_specific_kinds(cx)),
        },
    ]
}
