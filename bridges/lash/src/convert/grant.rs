//! Handle descriptors, grants, grant entries and session-delete reports.

use super::record::{record_from_lash, record_to_lash};
use lash_core as lash;
use procreg::RegistryResult;

/// A procreg handle descriptor as lash's.
pub fn descriptor_to_lash(
    descriptor: &procreg::ProcessHandleDescriptor,
) -> lash::ProcessHandleDescriptor {
    lash::ProcessHandleDescriptor {
        kind: descriptor.kind.clone(),
        label: descriptor.label.clone(),
    }
}

/// A lash handle descriptor as procreg's.
pub fn descriptor_from_lash(
    descriptor: &lash::ProcessHandleDescriptor,
) -> procreg::ProcessHandleDescriptor {
    procreg::ProcessHandleDescriptor {
        kind: descriptor.kind.clone(),
        label: descriptor.label.clone(),
    }
}

/// A procreg grant as lash's.
pub fn grant_to_lash(grant: &procreg::ProcessHandleGrant) -> lash::ProcessHandleGrant {
    lash::ProcessHandleGrant {
        session_id: grant.session_id.clone(),
        process_id: grant.process_id.clone(),
        descriptor: descriptor_to_lash(&grant.descriptor),
    }
}

/// A lash grant as procreg's.
pub fn grant_from_lash(grant: &lash::ProcessHandleGrant) -> procreg::ProcessHandleGrant {
    procreg::ProcessHandleGrant {
        session_id: grant.session_id.clone(),
        process_id: grant.process_id.clone(),
        descriptor: descriptor_from_lash(&grant.descriptor),
    }
}

/// A procreg grant entry (grant, record) as lash's.
pub fn grant_entry_to_lash(
    entry: &procreg::ProcessHandleGrantEntry,
) -> RegistryResult<lash_core::runtime::ProcessHandleGrantEntry> {
    Ok((grant_to_lash(&entry.0), record_to_lash(&entry.1)?))
}

/// A lash grant entry (grant, record) as procreg's.
pub fn grant_entry_from_lash(
    entry: &lash_core::runtime::ProcessHandleGrantEntry,
) -> RegistryResult<procreg::ProcessHandleGrantEntry> {
    Ok((grant_from_lash(&entry.0), record_from_lash(&entry.1)?))
}

/// A procreg session-delete report as lash's.
pub fn delete_report_to_lash(
    report: &procreg::ProcessSessionDeleteReport,
) -> lash::ProcessSessionDeleteReport {
    lash::ProcessSessionDeleteReport {
        session_id: report.session_id.clone(),
        revoked_handle_count: report.revoked_handle_count,
        deleted_wake_count: report.deleted_wake_count,
        cancel_process_ids: report.cancel_process_ids.clone(),
        preserved_process_ids: report.preserved_process_ids.clone(),
    }
}

/// A lash session-delete report as procreg's.
pub fn delete_report_from_lash(
    report: &lash::ProcessSessionDeleteReport,
) -> procreg::ProcessSessionDeleteReport {
    procreg::ProcessSessionDeleteReport {
        session_id: report.session_id.clone(),
        revoked_handle_count: report.revoked_handle_count,
        deleted_wake_count: report.deleted_wake_count,
        cancel_process_ids: report.cancel_process_ids.clone(),
        preserved_process_ids: report.preserved_process_ids.clone(),
    }
}
