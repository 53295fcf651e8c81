//! SESSION: deleting a session's process state: revocation, classification, sorting, isolation.

mod report;
mod revocation;
mod support;

use crate::check::{Check, Level, Needs};
use report::{
    live_processes_are_sorted_into_cancel_and_preserved, report_lists_are_sorted_and_deduplicated,
    report_names_the_session, terminal_processes_are_in_neither_list,
};
use revocation::{
    deletion_is_idempotent, deletion_revokes_session_and_frame_grants,
    deletion_touches_only_grants, other_sessions_keep_their_grants,
};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "session_deletion_revokes_session_and_frame_grants",
            rules: &["SESSION-1"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(deletion_revokes_session_and_frame_grants(cx)),
        },
        Check {
            id: "session_live_processes_are_sorted_into_cancel_and_preserved",
            rules: &["SESSION-2"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(live_processes_are_sorted_into_cancel_and_preserved(cx)),
        },
        Check {
            id: "session_terminal_processes_are_in_neither_list",
            rules: &["SESSION-3"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(terminal_processes_are_in_neither_list(cx)),
        },
        Check {
            id: "session_report_lists_are_sorted_and_deduplicated",
            rules: &["SESSION-4"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(report_lists_are_sorted_and_deduplicated(cx)),
        },
        Check {
            id: "session_deletion_touches_only_grants",
            rules: &["SESSION-5"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(deletion_touches_only_grants(cx)),
        },
        Check {
            id: "session_deletion_is_idempotent",
            rules: &["SESSION-6"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(deletion_is_idempotent(cx)),
        },
        Check {
            id: "session_other_sessions_keep_their_grants",
            rules: &["SESSION-7"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(other_sessions_keep_their_grants(cx)),
        },
        Check {
            id: "session_report_names_the_session",
            rules: &["SESSION-8"],
            level: Level::Must,
            needs: Needs::NONE,
            body: |cx| Box::pin(report_names_the_session(cx)),
        },
    ]
}
