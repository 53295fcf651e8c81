//! SESSION mutants: session deletion revoking too little, or reaching into process state.

use super::lock;
use procreg::{
    session_delete_report, Clock, ProcessEvent, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessScope, ProcessSessionDeleteReport, RegistryError, RegistryResult, RevokedProcess,
};
use procreg::{ForwardRegistry, ProcessRegistry};
use procreg_memory::MemoryRegistry;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// Every scope a grant was ever written to, so a wrapper can find a session's frames.
#[derive(Debug, Default)]
pub struct ScopeLog {
    scopes: Mutex<BTreeSet<ProcessScope>>,
}

impl ScopeLog {
    /// Remembers `scope`.
    pub fn note(&self, scope: &ProcessScope) {
        lock(&self.scopes).insert(scope.clone());
    }

    /// The remembered scopes of `session_id`, its session scope included.
    pub fn of_session(&self, session_id: &str) -> Vec<ProcessScope> {
        let mut scopes: Vec<ProcessScope> = lock(&self.scopes)
            .iter()
            .filter(|scope| scope.session_id == session_id)
            .cloned()
            .collect();
        scopes.push(ProcessScope::session(session_id));
        scopes.sort();
        scopes.dedup_by(|a, b| a.id() == b.id());
        scopes
    }
}

/// Declares a mutant that logs the scopes it grants to, with its grant paths.
macro_rules! logging_mutant {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* }) => {
        $(#[$doc])*
        pub struct $name {
            inner: MemoryRegistry,
            scopes: ScopeLog,
            $($field: $ty,)*
        }

        impl $name {
            /// The mutant, reading time from `clock`.
            pub fn new(clock: Arc<dyn Clock>) -> Self {
                Self {
                    inner: MemoryRegistry::new(clock),
                    scopes: ScopeLog::default(),
                    $($field: Default::default(),)*
                }
            }

            async fn logged_grant(
                &self,
                owner_scope: &ProcessScope,
                process_id: &str,
                descriptor: ProcessHandleDescriptor,
            ) -> RegistryResult<ProcessHandleGrant> {
                self.scopes.note(owner_scope);
                self.inner.grant_handle(owner_scope, process_id, descriptor).await
            }

            async fn logged_transfer(
                &self,
                from_scope: &ProcessScope,
                to_scope: &ProcessScope,
                process_ids: &[String],
            ) -> RegistryResult<()> {
                self.scopes.note(to_scope);
                self.inner
                    .transfer_handle_grants(from_scope, to_scope, process_ids)
                    .await
            }
        }


    };
}

logging_mutant! {
    /// Session deletion revokes the grants of the session scope only: grants
    /// held by the session's frames survive, and the report counts and
    /// classifies as if they did not exist.
    ///
    /// Violates SESSION-1. Upstream: the check
    /// `delete_session_revokes_handles_by_session` (revocation is by session
    /// id, not by scope id); notes section 2.1.
    FrameGrantsSurviveDeletion {}
}

#[async_trait::async_trait]
impl ForwardRegistry for FrameGrantsSurviveDeletion {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.logged_grant(owner_scope, process_id, descriptor).await
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        self.logged_transfer(from_scope, to_scope, process_ids)
            .await
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        // BUG: `DELETE FROM grants WHERE scope_id = 'session:<s>'`.
        let session_scope = ProcessScope::session(session_id);
        let mut frame_grants = Vec::new();
        for scope in self.scopes.of_session(session_id) {
            if scope.id() != session_scope.id() {
                for (grant, _) in self.inner.list_handle_grants(&scope).await? {
                    frame_grants.push((scope.clone(), grant));
                }
            }
        }
        let revoked = self.inner.list_handle_grants(&session_scope).await?;
        self.inner.delete_session_process_state(session_id).await?;
        for (scope, grant) in frame_grants {
            self.inner
                .grant_handle(&scope, &grant.process_id, grant.descriptor)
                .await?;
        }
        let mut processes = Vec::new();
        for (grant, record) in &revoked {
            let still_granted = !self
                .inner
                .handle_grants_for_process(&grant.process_id)
                .await?
                .is_empty();
            processes.push(RevokedProcess {
                process_id: grant.process_id.clone(),
                is_terminal: Some(record.is_terminal()),
                still_granted,
            });
        }
        Ok(session_delete_report(session_id, revoked.len(), processes))
    }
}

/// Session deletion puts every live process that lost a grant in the cancel
/// list, including shared ones still granted to another session.
///
/// Violates SESSION-2. Upstream: bug class 13 (session deletion must not
/// cancel shared processes), the check `delete_session_revokes_handles_by_session`.
pub struct SharedProcessCancelled {
    inner: MemoryRegistry,
}

impl SharedProcessCancelled {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for SharedProcessCancelled {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        let mut report = self.inner.delete_session_process_state(session_id).await?;
        // BUG: "lost a grant here" is taken to mean "orphaned".
        let mut cancel: BTreeSet<String> = report.cancel_process_ids.drain(..).collect();
        cancel.extend(report.preserved_process_ids.drain(..));
        report.cancel_process_ids = cancel.into_iter().collect();
        Ok(report)
    }
}

logging_mutant! {
    /// Session deletion "cleans up" the wake acks of the processes whose
    /// grants it revoked, so wakes the session had acknowledged are delivered
    /// again.
    ///
    /// Violates SESSION-5. Upstream: bug class 13 (session deletion reaching
    /// into process state: "delete acks => acked wakes reappear").
    DeletionPurgesAcks {
        acks: Mutex<BTreeMap<String, BTreeSet<u64>>>
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for DeletionPurgesAcks {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.logged_grant(owner_scope, process_id, descriptor).await
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        self.logged_transfer(from_scope, to_scope, process_ids)
            .await
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        if self.inner.get_process(process_id).await.is_none() {
            return Err(RegistryError::unknown_process(process_id));
        }
        lock(&self.acks)
            .entry(process_id.to_owned())
            .or_default()
            .insert(sequence);
        Ok(())
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let events = self
            .inner
            .wake_events_after(process_id, after_sequence)
            .await?;
        let acks = lock(&self.acks);
        let acked = acks.get(process_id);
        Ok(events
            .into_iter()
            .filter(|event| !acked.is_some_and(|acked| acked.contains(&event.sequence)))
            .collect())
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        let mut revoked = BTreeSet::new();
        for scope in self.scopes.of_session(session_id) {
            for (grant, _) in self.inner.list_handle_grants(&scope).await? {
                revoked.insert(grant.process_id);
            }
        }
        let report = self.inner.delete_session_process_state(session_id).await?;
        // BUG: `DELETE FROM wake_acks WHERE process_id IN (<revoked>)`.
        let mut acks = lock(&self.acks);
        for process_id in &revoked {
            acks.remove(process_id);
        }
        Ok(report)
    }
}
