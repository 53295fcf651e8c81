//! The scope-identity mutant: scopes keyed by the naive rendering
//! `session:<s>/frame:<f>`, so two different scopes can share grants.

use procreg::{
    ForwardRegistry, ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry,
    ProcessRegistry, ProcessScope, RegistryResult,
};

plain_mutant! {
    /// Grants are keyed by the scope rendered without escaping, as
    /// `session:<s>` or `session:<s>/frame:<f>`: session `a/frame:b` and
    /// frame `b` of session `a` are one grant holder, so a stranger sees,
    /// lists and revokes another session's grants.
    ///
    /// Violates GRANT-16. Upstream: lash-core 0.1.0-alpha.38 renders scope
    /// ids this way (lash-compat finding F8).
    ScopeIdsAlias
}

/// The scope a naive rendering makes of `scope`: one session whose id is
/// the rendered text after `session:`.
fn naive(scope: &ProcessScope) -> ProcessScope {
    match scope.agent_frame_id.as_deref() {
        Some(frame) if !frame.is_empty() => {
            ProcessScope::session(format!("{}/frame:{frame}", scope.session_id))
        }
        _ => ProcessScope::session(scope.session_id.clone()),
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for ScopeIdsAlias {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        // BUG: the key is the unescaped rendering of the scope.
        self.inner
            .grant_handle(&naive(owner_scope), process_id, descriptor)
            .await
    }

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        self.inner
            .revoke_handle(&naive(owner_scope), process_id)
            .await
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        self.inner
            .transfer_handle_grants(&naive(from_scope), &naive(to_scope), process_ids)
            .await
    }

    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        self.inner.list_handle_grants(&naive(owner_scope)).await
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        self.inner
            .list_live_handle_grants(&naive(owner_scope))
            .await
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        self.inner
            .has_handle_grant(&naive(owner_scope), process_id)
            .await
    }
}
