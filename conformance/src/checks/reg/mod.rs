//! REG: registration validation, idempotence, hashing, durability tier and durability across reopen.

mod handles;
mod idempotency;
mod ids;
mod record;
mod reopen;
mod support;
mod validation;

use crate::check::{Check, Level, Needs};
use handles::{
    racing_acks_transfers_and_session_deletes_settle, racing_appends_keep_the_log_gap_free,
    racing_claims_have_one_winner, racing_keyed_appends_store_the_key_once,
    racing_registrations_store_one_record, racing_renewals_releases_and_grants_settle,
    racing_terminal_writes_end_the_process_once, reads_see_what_another_handle_acknowledged,
};
use idempotency::{
    different_content_under_a_registered_id_conflicts, hash_is_a_pure_function_of_prepared_content,
    identical_registration_returns_the_stored_record,
};
use ids::{
    look_alike_event_types_are_distinct_types, look_alike_owners_are_distinct_holders,
    look_alike_process_ids_are_distinct_processes, look_alike_replay_keys_are_distinct_keys,
    look_alike_scopes_hold_their_own_grants,
};
use record::{
    durability_tier_is_the_declared_one_and_constant, first_registration_stores_a_running_record,
    input_and_provenance_round_trip_exactly, registration_creates_no_events_grants_or_lease,
};
use reopen::{acknowledged_writes_survive_reopen, replay_keys_and_fencing_tokens_survive_reopen};
use validation::{
    blank_event_type_name_is_rejected, blank_host_profile_is_rejected,
    blank_process_id_is_rejected, duplicate_event_type_names_are_rejected,
    failed_and_cancelled_terminal_types_need_await_output, malformed_payload_schemas_are_rejected,
    missing_core_types_are_appended_in_core_order, owner_scope_without_session_is_rejected,
    user_declaration_with_core_name_wins,
};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "reg_blank_process_id_is_rejected",
            rules: &["REG-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(blank_process_id_is_rejected(cx)),
        },
        Check {
            id: "reg_owner_scope_without_session_is_rejected",
            rules: &["REG-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(owner_scope_without_session_is_rejected(cx)),
        },
        Check {
            id: "reg_blank_host_profile_is_rejected",
            rules: &["REG-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(blank_host_profile_is_rejected(cx)),
        },
        Check {
            id: "reg_blank_event_type_name_is_rejected",
            rules: &["REG-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(blank_event_type_name_is_rejected(cx)),
        },
        Check {
            id: "reg_duplicate_event_type_names_are_rejected",
            rules: &["REG-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(duplicate_event_type_names_are_rejected(cx)),
        },
        Check {
            id: "reg_failed_and_cancelled_terminal_types_need_await_output",
            rules: &["REG-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(failed_and_cancelled_terminal_types_need_await_output(cx)),
        },
        Check {
            id: "reg_missing_core_types_are_appended_in_core_order",
            rules: &["REG-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(missing_core_types_are_appended_in_core_order(cx)),
        },
        Check {
            id: "reg_user_declaration_with_core_name_wins",
            rules: &["REG-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(user_declaration_with_core_name_wins(cx)),
        },
        Check {
            id: "reg_first_registration_stores_a_running_record",
            rules: &["REG-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(first_registration_stores_a_running_record(cx)),
        },
        Check {
            id: "reg_identical_registration_returns_the_stored_record",
            rules: &["REG-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(identical_registration_returns_the_stored_record(cx)),
        },
        Check {
            id: "reg_different_content_under_a_registered_id_conflicts",
            rules: &["REG-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(different_content_under_a_registered_id_conflicts(cx)),
        },
        Check {
            id: "reg_hash_is_a_pure_function_of_prepared_content",
            rules: &["REG-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(hash_is_a_pure_function_of_prepared_content(cx)),
        },
        Check {
            id: "reg_registration_creates_no_events_grants_or_lease",
            rules: &["REG-12"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(registration_creates_no_events_grants_or_lease(cx)),
        },
        Check {
            id: "reg_malformed_payload_schemas_are_rejected",
            rules: &["REG-13"],
            level: Level::Should,
            needs: Needs::NONE,
            body: |cx| Box::pin(malformed_payload_schemas_are_rejected(cx)),
        },
        Check {
            id: "reg_input_and_provenance_round_trip_exactly",
            rules: &["REG-14"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(input_and_provenance_round_trip_exactly(cx)),
        },
        Check {
            id: "reg_durability_tier_is_the_declared_one_and_constant",
            rules: &["REG-15"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(durability_tier_is_the_declared_one_and_constant(cx)),
        },
        Check {
            id: "reg_acknowledged_writes_survive_reopen",
            rules: &["REG-16"],
            level: Level::Must,
            needs: Needs::NONE.reopen(),
            body: |cx| Box::pin(acknowledged_writes_survive_reopen(cx)),
        },
        Check {
            id: "reg_replay_keys_and_fencing_tokens_survive_reopen",
            rules: &["REG-16"],
            level: Level::Must,
            needs: Needs::NONE.reopen(),
            body: |cx| Box::pin(replay_keys_and_fencing_tokens_survive_reopen(cx)),
        },
        Check {
            id: "reg_handles_racing_claims_have_one_winner",
            rules: &["REG-17", "LEASE-20"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors().handles(),
            body: |cx| Box::pin(racing_claims_have_one_winner(cx)),
        },
        Check {
            id: "reg_handles_racing_appends_keep_the_log_gap_free",
            rules: &["REG-17", "EVENT-2"],
            level: Level::Must,
            needs: Needs::NONE.handles(),
            body: |cx| Box::pin(racing_appends_keep_the_log_gap_free(cx)),
        },
        Check {
            id: "reg_handles_racing_keyed_appends_store_the_key_once",
            rules: &["REG-17", "REPLAY-1"],
            level: Level::Must,
            needs: Needs::NONE.handles(),
            body: |cx| Box::pin(racing_keyed_appends_store_the_key_once(cx)),
        },
        Check {
            id: "reg_handles_racing_registrations_store_one_record",
            rules: &["REG-17", "REG-9"],
            level: Level::Must,
            needs: Needs::NONE.handles(),
            body: |cx| Box::pin(racing_registrations_store_one_record(cx)),
        },
        Check {
            id: "reg_handles_racing_terminal_writes_end_the_process_once",
            rules: &["REG-17", "TERM-3", "TERM-5"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors().handles(),
            body: |cx| Box::pin(racing_terminal_writes_end_the_process_once(cx)),
        },
        Check {
            id: "reg_handles_racing_renewals_releases_and_grants_settle",
            rules: &["REG-17", "LEASE-7", "GRANT-2", "GRANT-5"],
            level: Level::Must,
            needs: Needs::NONE.handles(),
            body: |cx| Box::pin(racing_renewals_releases_and_grants_settle(cx)),
        },
        Check {
            id: "reg_handles_reads_see_what_another_handle_acknowledged",
            rules: &["REG-17"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors().handles(),
            body: |cx| Box::pin(reads_see_what_another_handle_acknowledged(cx)),
        },
        Check {
            id: "reg_handles_racing_acks_transfers_and_session_deletes_settle",
            rules: &["REG-17", "WAKE-10", "GRANT-11", "GRANT-12", "SESSION-1"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors().handles(),
            body: |cx| Box::pin(racing_acks_transfers_and_session_deletes_settle(cx)),
        },
        Check {
            id: "reg_ids_look_alike_process_ids_are_distinct_processes",
            rules: &["REG-18", "SWEEP-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(look_alike_process_ids_are_distinct_processes(cx)),
        },
        Check {
            id: "reg_ids_look_alike_owners_are_distinct_holders",
            rules: &["REG-18", "LEASE-4"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors(),
            body: |cx| Box::pin(look_alike_owners_are_distinct_holders(cx)),
        },
        Check {
            id: "reg_ids_look_alike_scopes_hold_their_own_grants",
            rules: &["REG-18", "GRANT-16"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(look_alike_scopes_hold_their_own_grants(cx)),
        },
        Check {
            id: "reg_ids_look_alike_replay_keys_are_distinct_keys",
            rules: &["REG-18", "REPLAY-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(look_alike_replay_keys_are_distinct_keys(cx)),
        },
        Check {
            id: "reg_ids_look_alike_event_types_are_distinct_types",
            rules: &["REG-18", "EVENT-3"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors(),
            body: |cx| Box::pin(look_alike_event_types_are_distinct_types(cx)),
        },
    ]
}
