//! The grant relation with the three indexes its queries need (GRANT, SESSION rules).

use procreg::{ProcessHandleGrant, ProcessScopeId};
use std::collections::{BTreeMap, BTreeSet};

/// Grants keyed by (scope id, process id), indexed by process and by session
/// so that every query touches only the rows it returns.
#[derive(Debug, Default)]
pub(crate) struct GrantIndex {
    by_scope: BTreeMap<ProcessScopeId, BTreeMap<String, ProcessHandleGrant>>,
    by_process: BTreeMap<String, BTreeSet<(String, ProcessScopeId)>>,
    by_session: BTreeMap<String, BTreeSet<(ProcessScopeId, String)>>,
}

impl GrantIndex {
    /// Inserts or replaces the grant of `scope_id` for `grant.process_id`.
    pub(crate) fn upsert(&mut self, scope_id: ProcessScopeId, grant: ProcessHandleGrant) {
        let process_id = grant.process_id.clone();
        let session_id = grant.session_id.clone();
        if let Some(previous) = self
            .by_scope
            .entry(scope_id.clone())
            .or_default()
            .insert(process_id.clone(), grant)
        {
            self.unindex(&scope_id, &previous);
        }
        self.by_process
            .entry(process_id.clone())
            .or_default()
            .insert((session_id.clone(), scope_id.clone()));
        self.by_session
            .entry(session_id)
            .or_default()
            .insert((scope_id, process_id));
    }

    /// Removes the grant of `scope_id` for `process_id`, returning it.
    pub(crate) fn remove(
        &mut self,
        scope_id: &ProcessScopeId,
        process_id: &str,
    ) -> Option<ProcessHandleGrant> {
        let scope = self.by_scope.get_mut(scope_id)?;
        let removed = scope.remove(process_id)?;
        if scope.is_empty() {
            self.by_scope.remove(scope_id);
        }
        self.unindex(scope_id, &removed);
        Some(removed)
    }

    fn unindex(&mut self, scope_id: &ProcessScopeId, grant: &ProcessHandleGrant) {
        if let Some(holders) = self.by_process.get_mut(&grant.process_id) {
            holders.remove(&(grant.session_id.clone(), scope_id.clone()));
            if holders.is_empty() {
                self.by_process.remove(&grant.process_id);
            }
        }
        if let Some(rows) = self.by_session.get_mut(&grant.session_id) {
            rows.remove(&(scope_id.clone(), grant.process_id.clone()));
            if rows.is_empty() {
                self.by_session.remove(&grant.session_id);
            }
        }
    }

    /// The grant of `scope_id` for `process_id`.
    pub(crate) fn get(
        &self,
        scope_id: &ProcessScopeId,
        process_id: &str,
    ) -> Option<&ProcessHandleGrant> {
        self.by_scope.get(scope_id)?.get(process_id)
    }

    /// Grants of exactly `scope_id`, by process id.
    pub(crate) fn for_scope(
        &self,
        scope_id: &ProcessScopeId,
    ) -> impl Iterator<Item = &ProcessHandleGrant> {
        self.by_scope
            .get(scope_id)
            .into_iter()
            .flat_map(BTreeMap::values)
    }

    /// Grants of `process_id` across scopes, by (session id, scope id).
    pub(crate) fn for_process(&self, process_id: &str) -> Vec<ProcessHandleGrant> {
        self.by_process
            .get(process_id)
            .into_iter()
            .flatten()
            .filter_map(|(_, scope_id)| self.get(scope_id, process_id).cloned())
            .collect()
    }

    /// Whether any scope holds a grant for `process_id`.
    pub(crate) fn is_granted_anywhere(&self, process_id: &str) -> bool {
        self.by_process.contains_key(process_id)
    }

    /// The (scope id, process id) rows stored under `session_id`.
    pub(crate) fn rows_of_session(&self, session_id: &str) -> Vec<(ProcessScopeId, String)> {
        self.by_session
            .get(session_id)
            .map(|rows| rows.iter().cloned().collect())
            .unwrap_or_default()
    }
}
