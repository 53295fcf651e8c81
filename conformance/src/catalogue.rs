//! The catalogue: every check, in a stable order (area by area, as docs/spec.md).

use crate::check::Check;
use crate::checks;

/// Every check of the suite, in catalogue order.
pub fn all_checks() -> Vec<Check> {
    [
        checks::reg::checks(),
        checks::xref::checks(),
        checks::grant::checks(),
        checks::session::checks(),
        checks::event::checks(),
        checks::replay::checks(),
        checks::wake::checks(),
        checks::term::checks(),
        checks::wait::checks(),
        checks::sweep::checks(),
        checks::lease::checks(),
        checks::err::checks(),
        checks::clock::checks(),
        checks::transcript::checks(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The id of every check, in catalogue order, handed to `$callback` after
/// its prefix tokens; the macro expands one test per id. A unit test keeps
/// this list equal to [`all_checks`].
#[doc(hidden)]
#[macro_export]
macro_rules! __procreg_check_ids {
    ($callback:ident { $($prefix:tt)* }) => {
        $crate::$callback! { { $($prefix)* } ;
            reg_blank_process_id_is_rejected,
            reg_owner_scope_without_session_is_rejected,
            reg_blank_host_profile_is_rejected,
            reg_blank_event_type_name_is_rejected,
            reg_duplicate_event_type_names_are_rejected,
            reg_failed_and_cancelled_terminal_types_need_await_output,
            reg_missing_core_types_are_appended_in_core_order,
            reg_user_declaration_with_core_name_wins,
            reg_first_registration_stores_a_running_record,
            reg_identical_registration_returns_the_stored_record,
            reg_different_content_under_a_registered_id_conflicts,
            reg_hash_is_a_pure_function_of_prepared_content,
            reg_registration_creates_no_events_grants_or_lease,
            reg_malformed_payload_schemas_are_rejected,
            reg_input_and_provenance_round_trip_exactly,
            reg_durability_tier_is_the_declared_one_and_constant,
            reg_acknowledged_writes_survive_reopen,
            reg_replay_keys_and_fencing_tokens_survive_reopen,
            xref_setting_a_ref_on_an_unknown_process_fails,
            xref_set_ref_is_returned_and_read_back,
            xref_last_writer_wins,
            xref_setting_a_ref_bumps_updated_at_only,
            xref_refs_can_be_set_on_terminal_processes,
            xref_identical_repeat_keeps_the_same_ref,
            grant_granting_an_unknown_process_fails,
            grant_is_an_upsert_per_scope_and_process,
            grant_frame_grant_is_neither_a_session_grant_nor_another_frames,
            grant_empty_frame_id_is_the_session_scope,
            grant_operations_leave_the_log_and_the_record_alone,
            grant_revoke_is_exact_silent_and_idempotent,
            grant_listing_joins_current_records_by_process_id,
            grant_live_listing_drops_terminal_processes,
            grant_membership_is_exact_and_false_for_absence,
            grant_process_grants_are_ordered_by_session_then_scope,
            grant_terminal_processes_can_be_granted,
            grant_transfer_moves_grants_with_their_descriptors,
            grant_transfer_is_all_or_nothing,
            grant_transfer_source_is_the_exact_scope,
            grant_empty_and_same_scope_transfers_are_harmless,
            grant_transfer_leaves_other_holders_alone,
            grant_frame_grants_carry_the_session_only,
            session_deletion_revokes_session_and_frame_grants,
            session_live_processes_are_sorted_into_cancel_and_preserved,
            session_terminal_processes_are_in_neither_list,
            session_report_lists_are_sorted_and_deduplicated,
            session_deletion_touches_only_grants,
            session_deletion_is_idempotent,
            session_other_sessions_keep_their_grants,
            session_report_names_the_session,
            event_append_to_unknown_process_fails,
            event_sequences_start_at_one_without_gaps,
            event_undeclared_type_is_rejected_and_not_persisted,
            event_payload_failing_its_schema_is_rejected_and_not_persisted,
            event_stored_event_is_exactly_what_was_appended,
            event_append_bumps_updated_at_to_occurred_at_only,
            event_append_timestamps_are_the_clock_reading,
            event_events_after_reads_strictly_after_the_cursor_in_order,
            event_logs_sequences_and_keys_are_per_process,
            event_concurrent_appends_serialise_without_gaps,
            event_u64_max_cursors_yield_empty_lists,
            event_one_mebibyte_payload_round_trips,
            event_non_terminal_events_are_accepted_after_terminal,
            event_selector_miss_rejects_the_append_and_persists_nothing,
            event_falsy_when_is_not_an_error,
            replay_same_key_same_content_returns_the_original_event,
            replay_changes_nothing,
            replay_same_key_different_content_conflicts,
            replay_of_an_applied_terminal_event_succeeds_on_a_terminal_process,
            replay_held_key_is_judged_before_the_declared_type_check,
            replay_held_empty_key_is_judged_before_the_key_requirement,
            replay_held_key_is_judged_before_the_terminal_check,
            replay_keys_are_per_process,
            replay_terminal_and_cancel_request_events_need_a_key,
            replay_cancel_requests_are_keyed_by_their_reason,
            replay_rederives_the_wake_delivery_from_the_request,
            replay_of_a_wake_without_a_target_fails,
            replay_empty_key_is_still_a_key,
            replay_unkeyed_appends_always_persist,
            wake_type_materialises_a_wake_and_a_delivery,
            wake_falsy_when_suppresses_the_wake,
            wake_selectors_and_stringification,
            wake_dedupe_keys_follow_their_declaration,
            wake_ids_are_stable_per_target_and_dedupe_key,
            wake_delivery_describes_the_event_and_the_request_target,
            wake_delivery_created_at_is_the_clock_reading,
            wake_without_a_target_is_rejected_and_not_persisted,
            wake_registry_does_not_dedupe_wakes,
            wake_events_after_lists_unacknowledged_wakes_after_the_cursor,
            wake_acks_hide_wakes_and_nothing_else,
            wake_ack_of_a_future_sequence_hides_it_once_appended,
            wake_non_wake_events_never_appear_as_wakes,
            term_terminal_event_ends_the_process_in_its_declared_state,
            term_await_outputs_are_materialised_from_the_payload,
            term_second_terminal_event_is_rejected_and_not_persisted,
            term_complete_process_appends_the_keyed_core_terminal_event,
            term_completing_again_with_the_same_output_is_idempotent,
            term_same_state_different_output_conflicts,
            term_different_terminal_state_is_rejected,
            term_completion_after_a_direct_terminal_append_is_rejected,
            term_completing_an_unknown_process_fails,
            term_terminal_status_is_frozen,
            term_complete_process_does_not_check_leases,
            term_await_process_returns_exactly_the_completion_output,
            wait_existing_match_is_returned_at_once,
            wait_blocks_until_a_matching_append_and_returns_it,
            wait_never_returns_events_at_or_before_the_cursor,
            wait_raced_with_its_append_never_hangs,
            wait_await_raced_with_completion_never_hangs,
            wait_on_unknown_process_fails_instead_of_blocking,
            wait_await_of_terminal_process_returns_at_once,
            wait_await_blocks_until_the_terminal_event,
            wait_events_of_other_types_do_not_end_a_wait,
            wait_becoming_terminal_does_not_end_a_wait,
            wait_dropping_a_pending_wait_has_no_side_effects,
            wait_dropping_a_pending_await_has_no_side_effects,
            sweep_lists_every_running_process_by_id,
            sweep_terminal_processes_leave_the_worklist_at_once,
            sweep_leased_processes_are_still_listed,
            sweep_a_live_lease_does_not_keep_a_terminal_process_listed,
            sweep_listed_records_are_current,
            lease_claim_of_unknown_process_fails,
            lease_claim_of_terminal_process_fails,
            lease_first_claim_issues_fencing_token_one,
            lease_live_lease_of_another_owner_fences_the_claim,
            lease_live_owner_may_reclaim_and_supersedes_its_copy,
            lease_expired_lease_can_be_taken_by_anyone,
            lease_released_lease_can_be_taken_by_anyone,
            lease_fencing_tokens_strictly_grow_across_releases,
            lease_tokens_are_unique_per_claim,
            lease_short_lease_expires_once_its_ttl_passes,
            lease_expiring_now_is_expired,
            lease_ttl_zero_yields_an_expired_lease,
            lease_renewing_moves_only_the_expiry,
            lease_superseded_lease_cannot_renew,
            lease_expired_lease_cannot_renew_even_unclaimed,
            lease_renewing_without_a_lease_fails,
            lease_renewing_with_ttl_zero_hands_the_lease_over,
            lease_release_with_the_current_token_frees_the_lease,
            lease_stale_release_is_a_no_op,
            lease_releasing_always_succeeds,
            lease_expiry_does_not_block_a_release,
            lease_completing_a_process_keeps_its_lease,
            lease_releasing_a_lease_keeps_the_status,
            lease_racing_claims_have_one_winner,
            lease_huge_ttls_saturate,
            lease_renewed_lease_keeps_renewing,
            err_errors_carry_a_stable_kind,
            err_messages_keep_the_upstream_wording_and_name_the_process,
            err_failed_registrations_leave_no_trace,
            err_failed_appends_leave_no_trace,
            err_already_terminal_leaves_no_trace,
            err_failed_transfers_leave_no_trace,
            err_failed_lease_calls_leave_no_trace,
            err_absence_is_an_error_only_where_the_contract_says_so,
            err_extreme_numbers_yield_defined_results,
            err_deep_and_large_payloads_round_trip,
            err_blank_input_yields_errors_not_panics,
            err_contract_violations_use_the_specific_kinds,
            clock_every_timestamp_reads_the_injected_clock,
            clock_timestamps_are_read_during_the_call,
            clock_lease_expiry_follows_the_injected_clock,
            clock_manual_clock_clones_share_one_reading,
            clock_timestamps_equal_exactly_the_values_set,
            clock_new_timestamps_follow_a_clock_set_back,
            clock_lease_liveness_is_judged_against_the_new_reading,
            transcript_matches_reference_registration_conflicts,
            transcript_matches_reference_external_refs,
            transcript_matches_reference_handle_grants,
            transcript_matches_reference_session_deletion,
            transcript_matches_reference_event_ordering,
            transcript_matches_reference_replay_keys,
            transcript_matches_reference_wakes_and_acks,
            transcript_matches_reference_terminal_completion,
            transcript_matches_reference_immediate_waits,
            transcript_matches_reference_sweep,
            transcript_matches_reference_lease_claim,
            transcript_matches_reference_lease_renew,
            transcript_matches_reference_lease_expiry,
            transcript_matches_reference_lease_fencing,
            transcript_matches_reference_error_atomicity,
            transcript_matches_reference_clock,
        }
    };
}

/// The check ids as string literals (used to keep the macro list honest).
#[doc(hidden)]
#[macro_export]
macro_rules! __procreg_id_strings {
    ({ } ; $($id:ident),* $(,)?) => {
        [$(stringify!($id)),*]
    };
}

#[cfg(test)]
mod tests {
    use super::all_checks;
    use std::collections::BTreeSet;

    #[test]
    fn macro_list_matches_the_catalogue() {
        let listed: Vec<&str> = crate::__procreg_check_ids! { __procreg_id_strings { } }.to_vec();
        let catalogue: Vec<&str> = all_checks().iter().map(|check| check.id).collect();
        let missing: Vec<&&str> = catalogue.iter().filter(|id| !listed.contains(id)).collect();
        let stale: Vec<&&str> = listed.iter().filter(|id| !catalogue.contains(id)).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "add to __procreg_check_ids: {missing:?}; remove: {stale:?}"
        );
        assert_eq!(
            listed, catalogue,
            "the macro list must follow catalogue order"
        );
        let unique: BTreeSet<&str> = catalogue.iter().copied().collect();
        assert_eq!(unique.len(), catalogue.len(), "check ids must be unique");
    }
}
