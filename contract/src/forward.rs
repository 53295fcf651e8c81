//! The forwarding wrapper: a registry around another one that overrides
//! only the methods it changes (the shape of OpenDAL's `LayeredAccess`).
//!
//! Implement [`ForwardRegistry`] with [`inner`](ForwardRegistry::inner)
//! and the methods you change, then wrap the value in [`Forward`]: every
//! other method reaches the inner registry unchanged.

use crate::await_output::ProcessAwaitOutput;
use crate::durability::DurabilityTier;
use crate::error::RegistryResult;
use crate::event::{ProcessEvent, ProcessEventAppendRequest, ProcessEventAppendResult};
use crate::grant::{
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry,
    ProcessSessionDeleteReport,
};
use crate::lease::{ProcessLease, ProcessLeaseCompletion};
use crate::record::{ProcessExternalRef, ProcessRecord};
use crate::registration::ProcessRegistration;
use crate::registry::ProcessRegistry;
use crate::scope::ProcessScope;
use async_trait::async_trait;

/// A layer over an inner registry: every method forwards to
/// [`inner`](Self::inner) unless the layer overrides it. A layer becomes a
/// [`ProcessRegistry`] when wrapped in [`Forward`].
#[async_trait]
pub trait ForwardRegistry: Send + Sync {
    /// The registry every method not overridden goes to.
    fn inner(&self) -> &dyn ProcessRegistry;

    /// Forwards [`ProcessRegistry::durability_tier`].
    fn durability_tier(&self) -> DurabilityTier {
        self.inner().durability_tier()
    }

    /// Forwards [`ProcessRegistry::register_process`].
    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        self.inner().register_process(registration).await
    }

    /// Forwards [`ProcessRegistry::set_external_ref`].
    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        self.inner()
            .set_external_ref(process_id, external_ref)
            .await
    }

    /// Forwards [`ProcessRegistry::grant_handle`].
    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.inner()
            .grant_handle(owner_scope, process_id, descriptor)
            .await
    }

    /// Forwards [`ProcessRegistry::revoke_handle`].
    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        self.inner().revoke_handle(owner_scope, process_id).await
    }

    /// Forwards [`ProcessRegistry::transfer_handle_grants`].
    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        self.inner()
            .transfer_handle_grants(from_scope, to_scope, process_ids)
            .await
    }

    /// Forwards [`ProcessRegistry::list_handle_grants`].
    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        self.inner().list_handle_grants(owner_scope).await
    }

    /// Forwards [`ProcessRegistry::list_live_handle_grants`].
    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        self.inner().list_live_handle_grants(owner_scope).await
    }

    /// Forwards [`ProcessRegistry::has_handle_grant`].
    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        self.inner().has_handle_grant(owner_scope, process_id).await
    }

    /// Forwards [`ProcessRegistry::handle_grants_for_process`].
    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        self.inner().handle_grants_for_process(process_id).await
    }

    /// Forwards [`ProcessRegistry::delete_session_process_state`].
    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        self.inner().delete_session_process_state(session_id).await
    }

    /// Forwards [`ProcessRegistry::append_event`].
    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        self.inner().append_event(process_id, request).await
    }

    /// Forwards [`ProcessRegistry::events_after`].
    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        self.inner().events_after(process_id, after_sequence).await
    }

    /// Forwards [`ProcessRegistry::wake_events_after`].
    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        self.inner()
            .wake_events_after(process_id, after_sequence)
            .await
    }

    /// Forwards [`ProcessRegistry::wait_event_after`].
    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        self.inner()
            .wait_event_after(process_id, event_type, after_sequence)
            .await
    }

    /// Forwards [`ProcessRegistry::await_process`].
    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        self.inner().await_process(process_id).await
    }

    /// Forwards [`ProcessRegistry::complete_process`].
    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        self.inner()
            .complete_process(process_id, await_output)
            .await
    }

    /// Forwards [`ProcessRegistry::get_process`].
    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        self.inner().get_process(process_id).await
    }

    /// Forwards [`ProcessRegistry::ack_wake`].
    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        self.inner().ack_wake(process_id, sequence).await
    }

    /// Forwards [`ProcessRegistry::list_non_terminal`].
    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        self.inner().list_non_terminal().await
    }

    /// Forwards [`ProcessRegistry::claim_process_lease`].
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.inner()
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await
    }

    /// Forwards [`ProcessRegistry::renew_process_lease`].
    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        self.inner().renew_process_lease(lease, lease_ttl_ms).await
    }

    /// Forwards [`ProcessRegistry::complete_process_lease`].
    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.inner().complete_process_lease(completion).await
    }
}

/// A [`ForwardRegistry`] layer as a [`ProcessRegistry`].
pub struct Forward<L>(pub L);

impl<L> Forward<L> {
    /// The layer inside.
    pub fn layer(&self) -> &L {
        &self.0
    }
}

#[async_trait]
impl<L: ForwardRegistry> ProcessRegistry for Forward<L> {
    fn durability_tier(&self) -> DurabilityTier {
        ForwardRegistry::durability_tier(&self.0)
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        ForwardRegistry::register_process(&self.0, registration).await
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        ForwardRegistry::set_external_ref(&self.0, process_id, external_ref).await
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        ForwardRegistry::grant_handle(&self.0, owner_scope, process_id, descriptor).await
    }

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        ForwardRegistry::revoke_handle(&self.0, owner_scope, process_id).await
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        ForwardRegistry::transfer_handle_grants(&self.0, from_scope, to_scope, process_ids).await
    }

    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        ForwardRegistry::list_handle_grants(&self.0, owner_scope).await
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        ForwardRegistry::list_live_handle_grants(&self.0, owner_scope).await
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        ForwardRegistry::has_handle_grant(&self.0, owner_scope, process_id).await
    }

    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        ForwardRegistry::handle_grants_for_process(&self.0, process_id).await
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        ForwardRegistry::delete_session_process_state(&self.0, session_id).await
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        ForwardRegistry::append_event(&self.0, process_id, request).await
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        ForwardRegistry::events_after(&self.0, process_id, after_sequence).await
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        ForwardRegistry::wake_events_after(&self.0, process_id, after_sequence).await
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        ForwardRegistry::wait_event_after(&self.0, process_id, event_type, after_sequence).await
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        ForwardRegistry::await_process(&self.0, process_id).await
    }

    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        ForwardRegistry::complete_process(&self.0, process_id, await_output).await
    }

    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        ForwardRegistry::get_process(&self.0, process_id).await
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        ForwardRegistry::ack_wake(&self.0, process_id, sequence).await
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        ForwardRegistry::list_non_terminal(&self.0).await
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        ForwardRegistry::claim_process_lease(&self.0, process_id, owner_id, lease_ttl_ms).await
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        ForwardRegistry::renew_process_lease(&self.0, lease, lease_ttl_ms).await
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        ForwardRegistry::complete_process_lease(&self.0, completion).await
    }
}
