//! GRANT: handle grants: upserts per scope, scope namespaces, revokes, listings, ordering and transfers.

mod aliasing;
mod granting;
mod listing;
mod support;
mod transfer;

use crate::check::{Check, Level, Needs};
use aliasing::distinct_scopes_never_alias;
use granting::{
    empty_frame_id_is_the_session_scope, frame_grant_is_neither_a_session_grant_nor_another_frames,
    frame_grants_carry_the_session_only, grant_is_an_upsert_per_scope_and_process,
    granting_an_unknown_process_fails, operations_leave_the_log_and_the_record_alone,
    revoke_is_exact_silent_and_idempotent,
};
use listing::{
    listing_joins_current_records_by_process_id, live_listing_drops_terminal_processes,
    membership_is_exact_and_false_for_absence, process_grants_are_ordered_by_session_then_scope,
    terminal_processes_can_be_granted,
};
use transfer::{
    empty_and_same_scope_transfers_are_harmless, transfer_is_all_or_nothing,
    transfer_leaves_other_holders_alone, transfer_moves_grants_with_their_descriptors,
    transfer_source_is_the_exact_scope,
};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "grant_granting_an_unknown_process_fails",
            rules: &["GRANT-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(granting_an_unknown_process_fails(cx)),
        },
        Check {
            id: "grant_is_an_upsert_per_scope_and_process",
            rules: &["GRANT-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(grant_is_an_upsert_per_scope_and_process(cx)),
        },
        Check {
            id: "grant_frame_grant_is_neither_a_session_grant_nor_another_frames",
            rules: &["GRANT-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| {
                Box::pin(frame_grant_is_neither_a_session_grant_nor_another_frames(
                    cx,
                ))
            },
        },
        Check {
            id: "grant_empty_frame_id_is_the_session_scope",
            rules: &["GRANT-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(empty_frame_id_is_the_session_scope(cx)),
        },
        Check {
            id: "grant_operations_leave_the_log_and_the_record_alone",
            rules: &["GRANT-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(operations_leave_the_log_and_the_record_alone(cx)),
        },
        Check {
            id: "grant_revoke_is_exact_silent_and_idempotent",
            rules: &["GRANT-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(revoke_is_exact_silent_and_idempotent(cx)),
        },
        Check {
            id: "grant_listing_joins_current_records_by_process_id",
            rules: &["GRANT-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(listing_joins_current_records_by_process_id(cx)),
        },
        Check {
            id: "grant_live_listing_drops_terminal_processes",
            rules: &["GRANT-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(live_listing_drops_terminal_processes(cx)),
        },
        Check {
            id: "grant_membership_is_exact_and_false_for_absence",
            rules: &["GRANT-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(membership_is_exact_and_false_for_absence(cx)),
        },
        Check {
            id: "grant_process_grants_are_ordered_by_session_then_scope",
            rules: &["GRANT-9"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(process_grants_are_ordered_by_session_then_scope(cx)),
        },
        Check {
            id: "grant_terminal_processes_can_be_granted",
            rules: &["GRANT-10"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_processes_can_be_granted(cx)),
        },
        Check {
            id: "grant_transfer_moves_grants_with_their_descriptors",
            rules: &["GRANT-11"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(transfer_moves_grants_with_their_descriptors(cx)),
        },
        Check {
            id: "grant_transfer_is_all_or_nothing",
            rules: &["GRANT-12"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(transfer_is_all_or_nothing(cx)),
        },
        Check {
            id: "grant_transfer_source_is_the_exact_scope",
            rules: &["GRANT-12"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(transfer_source_is_the_exact_scope(cx)),
        },
        Check {
            id: "grant_empty_and_same_scope_transfers_are_harmless",
            rules: &["GRANT-13"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(empty_and_same_scope_transfers_are_harmless(cx)),
        },
        Check {
            id: "grant_transfer_leaves_other_holders_alone",
            rules: &["GRANT-14"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(transfer_leaves_other_holders_alone(cx)),
        },
        Check {
            id: "grant_frame_grants_carry_the_session_only",
            rules: &["GRANT-15"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(frame_grants_carry_the_session_only(cx)),
        },
        Check {
            id: "grant_distinct_scopes_never_alias",
            rules: &["GRANT-16"],
            level: Level::Must,
            needs: Needs::NONE.typed_errors(),
            body: |cx| Box::pin(distinct_scopes_never_alias(cx)),
        },
    ]
}
