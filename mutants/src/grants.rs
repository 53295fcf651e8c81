//! GRANT mutants: scope namespaces and transfer atomicity.

use super::session::ScopeLog;
use procreg::{
    Clock, ErrorKind, ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry,
    ProcessScope, RegistryResult,
};
use procreg::{ForwardRegistry, ProcessRegistry};
use procreg_memory::MemoryRegistry;
use std::sync::Arc;

/// `has_handle_grant` matches on the session id only, so a session grant
/// answers for every frame of the session and a frame grant for the session.
///
/// Violates GRANT-3 and GRANT-8. Upstream: notes section 2.1 (scope ids
/// `session:<s>` vs `session:<s>/frame:<f>`); no bug class.
pub struct HasGrantIgnoresFrame {
    inner: MemoryRegistry,
}

impl HasGrantIgnoresFrame {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for HasGrantIgnoresFrame {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        // BUG: `WHERE session_id = ?` instead of `WHERE scope_id = ?`.
        Ok(self
            .inner
            .handle_grants_for_process(process_id)
            .await
            .map(|grants| {
                grants
                    .iter()
                    .any(|grant| grant.session_id == owner_scope.session_id)
            })
            .unwrap_or(false))
    }
}

/// `transfer_handle_grants` moves the ids one by one and stops at the first
/// one not granted to the source, keeping the moves made before it.
///
/// Violates GRANT-12 and ERR-3. Upstream: CONTRACT-NOTES section 9,
/// "non-atomic multi-id transfer" (divergence 6.1: the upstream in-memory
/// registry kept partial moves, SQLite rolled back).
pub struct NonAtomicTransfer {
    inner: MemoryRegistry,
}

impl NonAtomicTransfer {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for NonAtomicTransfer {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        // BUG: no transaction around the loop.
        for process_id in process_ids {
            self.inner
                .transfer_handle_grants(from_scope, to_scope, std::slice::from_ref(process_id))
                .await?;
        }
        Ok(())
    }
}

plain_mutant! {
    /// Granting an unknown process succeeds (no foreign-key check): the grant
    /// is reported as written for a process that does not exist.
    ///
    /// Violates GRANT-1. Upstream: notes section 3 (absence is an error).
    GrantUnknownProcess
}

#[async_trait::async_trait]
impl ForwardRegistry for GrantUnknownProcess {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        match self
            .inner
            .grant_handle(owner_scope, process_id, descriptor.clone())
            .await
        {
            // BUG: the missing process is not an error, the insert "succeeds".
            Err(error) if error.is(ErrorKind::NotFound) => Ok(ProcessHandleGrant {
                session_id: owner_scope.session_id.clone(),
                process_id: process_id.to_owned(),
                descriptor,
            }),
            other => other,
        }
    }
}

/// Revoking matches the session and the process, not the scope: revoking
/// the session scope also drops the grants of its frames (and revoking one
/// frame drops its sibling frames' and the session's).
///
/// Violates GRANT-5 (and GRANT-3). Upstream: notes section 2.1 (grants are
/// keyed by scope id).
pub struct RevokeBySession {
    inner: MemoryRegistry,
    scopes: ScopeLog,
}

impl RevokeBySession {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
            scopes: ScopeLog::default(),
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for RevokeBySession {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.scopes.note(owner_scope);
        self.inner
            .grant_handle(owner_scope, process_id, descriptor)
            .await
    }

    async fn transfer_handle_grants(
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

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        // BUG: `DELETE FROM grants WHERE session_id = ? AND process_id = ?`.
        for scope in self.scopes.of_session(&owner_scope.session_id) {
            self.inner.revoke_handle(&scope, process_id).await?;
        }
        self.inner.revoke_handle(owner_scope, process_id).await
    }
}

plain_mutant! {
    /// `list_live_handle_grants` forgets the status filter and lists terminal
    /// processes too.
    ///
    /// Violates GRANT-7. Upstream: the check
    /// `list_live_handle_grants_excludes_terminal_history`.
    LiveGrantsIncludeTerminal
}

#[async_trait::async_trait]
impl ForwardRegistry for LiveGrantsIncludeTerminal {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        // BUG: the `status = 'running'` filter fell out.
        self.inner.list_handle_grants(owner_scope).await
    }
}
