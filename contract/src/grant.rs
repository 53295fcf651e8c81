//! Handle grants: which scopes may address which processes (GRANT and SESSION rules).

use crate::record::ProcessRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Display metadata of a handle; the registry never interprets it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProcessHandleDescriptor {
    /// What kind of handle this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl ProcessHandleDescriptor {
    /// A descriptor with a label only.
    pub fn labelled(label: impl Into<String>) -> Self {
        Self {
            kind: None,
            label: Some(label.into()),
        }
    }
}

/// A scope's right to address a process (GRANT-2).
///
/// It carries the session id only: a grant held by a frame scope comes back
/// without its frame (GRANT-15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessHandleGrant {
    /// Session of the holding scope.
    pub session_id: String,
    /// The addressable process.
    pub process_id: String,
    /// Display metadata.
    pub descriptor: ProcessHandleDescriptor,
}

/// A grant joined with the current record of its process (GRANT-6).
pub type ProcessHandleGrantEntry = (ProcessHandleGrant, ProcessRecord);

/// What deleting a session's process state did (SESSION rules).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProcessSessionDeleteReport {
    /// The session deleted.
    pub session_id: String,
    /// Grant rows removed, across the session scope and its frames (SESSION-1).
    pub revoked_handle_count: usize,
    /// Always 0: the registry stores no wakes (SESSION-5).
    pub deleted_wake_count: usize,
    /// Live processes left with no grant anywhere: the caller should cancel them (SESSION-2).
    pub cancel_process_ids: Vec<String>,
    /// Live processes still granted to another session (SESSION-2).
    pub preserved_process_ids: Vec<String>,
}

/// One process that lost grants in a session deletion, as a backend observed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedProcess {
    /// The process that lost a grant.
    pub process_id: String,
    /// Whether the process is terminal (`None` when the process row is gone).
    pub is_terminal: Option<bool>,
    /// Whether any grant, in any scope, remains for it after the deletion.
    pub still_granted: bool,
}

/// The pure classification every backend shares for `delete_session_process_state`
/// (SESSION-2..SESSION-4): sorted, de-duplicated lists; terminal processes in neither.
pub fn session_delete_report(
    session_id: &str,
    revoked_handle_count: usize,
    revoked: impl IntoIterator<Item = RevokedProcess>,
) -> ProcessSessionDeleteReport {
    let mut cancel = BTreeSet::new();
    let mut preserved = BTreeSet::new();
    for process in revoked {
        if process.is_terminal != Some(false) {
            continue;
        }
        if process.still_granted {
            preserved.insert(process.process_id);
        } else {
            cancel.insert(process.process_id);
        }
    }
    ProcessSessionDeleteReport {
        session_id: session_id.to_owned(),
        revoked_handle_count,
        deleted_wake_count: 0,
        cancel_process_ids: cancel.into_iter().collect(),
        preserved_process_ids: preserved.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revoked(id: &str, is_terminal: Option<bool>, still_granted: bool) -> RevokedProcess {
        RevokedProcess {
            process_id: id.to_owned(),
            is_terminal,
            still_granted,
        }
    }

    #[test]
    fn classifies_sorted_and_deduplicated() {
        let report = session_delete_report(
            "s",
            5,
            [
                revoked("b", Some(false), false),
                revoked("a", Some(false), false),
                revoked("b", Some(false), false),
                revoked("c", Some(false), true),
                revoked("d", Some(true), false),
                revoked("e", None, false),
            ],
        );
        assert_eq!(report.cancel_process_ids, vec!["a", "b"]);
        assert_eq!(report.preserved_process_ids, vec!["c"]);
        assert_eq!(report.revoked_handle_count, 5);
        assert_eq!(report.deleted_wake_count, 0);
        assert_eq!(report.session_id, "s");
    }
}
