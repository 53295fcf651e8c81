//! The model of handle grants and session deletion (GRANT and SESSION rules).

use super::RegistryModel;
use procreg::{
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry, ProcessScope,
    ProcessSessionDeleteReport, RegistryError, RegistryResult,
};
use std::collections::BTreeSet;

impl RegistryModel {
    /// GRANT-1, GRANT-2, GRANT-10: upsert per (scope id, process).
    pub fn grant_handle(
        &mut self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.process(process_id)?;
        let grant = ProcessHandleGrant {
            session_id: owner_scope.session_id.clone(),
            process_id: process_id.to_owned(),
            descriptor,
        };
        self.grants
            .insert((owner_scope.id(), process_id.to_owned()), grant.clone());
        Ok(grant)
    }

    /// GRANT-5: exact, silent, idempotent.
    pub fn revoke_handle(&mut self, owner_scope: &ProcessScope, process_id: &str) {
        self.grants
            .remove(&(owner_scope.id(), process_id.to_owned()));
    }

    /// GRANT-11..GRANT-14: move one by one on a copy; commit only if all moved.
    pub fn transfer_handle_grants(
        &mut self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        let mut grants = self.grants.clone();
        for process_id in process_ids {
            let grant = grants
                .remove(&(from_scope.id(), process_id.clone()))
                .ok_or_else(|| RegistryError::grant_missing(process_id, &from_scope.session_id))?;
            grants.insert(
                (to_scope.id(), process_id.clone()),
                ProcessHandleGrant {
                    session_id: to_scope.session_id.clone(),
                    ..grant
                },
            );
        }
        self.grants = grants;
        Ok(())
    }

    /// GRANT-6: grants of exactly the scope, joined with current records, by process id.
    pub fn list_handle_grants(&self, owner_scope: &ProcessScope) -> Vec<ProcessHandleGrantEntry> {
        let scope_id = owner_scope.id();
        self.grants
            .iter()
            .filter(|((holder, _), _)| *holder == scope_id)
            .filter_map(|((_, process_id), grant)| {
                let record = self.processes.get(process_id)?.record.clone();
                Some((grant.clone(), record))
            })
            .collect()
    }

    /// GRANT-7: the same without terminal processes.
    pub fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> Vec<ProcessHandleGrantEntry> {
        self.list_handle_grants(owner_scope)
            .into_iter()
            .filter(|(_, record)| !record.is_terminal())
            .collect()
    }

    /// GRANT-8: exact membership, false for unknown ids.
    pub fn has_handle_grant(&self, owner_scope: &ProcessScope, process_id: &str) -> bool {
        self.processes.contains_key(process_id)
            && self
                .grants
                .contains_key(&(owner_scope.id(), process_id.to_owned()))
    }

    /// GRANT-9: all grants of the process by (session id, scope id).
    pub fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        self.process(process_id)?;
        let mut grants: Vec<(String, String, ProcessHandleGrant)> = self
            .grants
            .iter()
            .filter(|((_, holder_process), _)| holder_process == process_id)
            .map(|((scope_id, _), grant)| {
                (
                    grant.session_id.clone(),
                    scope_id.as_str().to_owned(),
                    grant.clone(),
                )
            })
            .collect();
        grants.sort_by(|left, right| (&left.0, &left.1).cmp(&(&right.0, &right.1)));
        Ok(grants.into_iter().map(|(_, _, grant)| grant).collect())
    }

    /// SESSION-1..SESSION-8: revoke every grant of the session, classify live processes.
    pub fn delete_session_process_state(&mut self, session_id: &str) -> ProcessSessionDeleteReport {
        let doomed: Vec<_> = self
            .grants
            .iter()
            .filter(|(_, grant)| grant.session_id == session_id)
            .map(|(key, _)| key.clone())
            .collect();
        let touched: BTreeSet<String> = doomed
            .iter()
            .map(|(_, process_id)| process_id.clone())
            .collect();
        for key in &doomed {
            self.grants.remove(key);
        }
        let mut report = ProcessSessionDeleteReport {
            session_id: session_id.to_owned(),
            revoked_handle_count: doomed.len(),
            ..ProcessSessionDeleteReport::default()
        };
        for process_id in touched {
            let live = self
                .processes
                .get(&process_id)
                .is_some_and(|process| !process.record.is_terminal());
            if !live {
                continue;
            }
            let still_granted = self.grants.keys().any(|(_, holder)| *holder == process_id);
            if still_granted {
                report.preserved_process_ids.push(process_id);
            } else {
                report.cancel_process_ids.push(process_id);
            }
        }
        report
    }
}
