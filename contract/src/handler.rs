//! Registries that handle every call alike: a [`CallHandler`] sees each
//! trait method as one [`RegistryCall`] and is a [`ProcessRegistry`]
//! through the blanket implementation below.
//!
//! Wire clients, observers, recorders and routers over several handles
//! build on it, so none of them lists the trait's methods again.

use crate::await_output::ProcessAwaitOutput;
use crate::call::{expect_answer, CallResult, RegistryCall};
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

/// A registry written as one entry point: every trait method arrives as
/// a [`RegistryCall`] and leaves as a [`CallResult`] of the method's shape.
///
/// The answer must have the shape the method returns
/// ([`RegistryCall::dispatch`] always does); any other shape reaches the
/// caller as a `Backend` error. `get_process` has no error channel, so an
/// error from `handle` reads as `None` there.
#[async_trait]
pub trait CallHandler: Send + Sync {
    /// The durability the handled registry provides (REG-15).
    fn durability_tier(&self) -> DurabilityTier;

    /// Runs one call to completion.
    async fn handle(&self, call: RegistryCall) -> CallResult;
}

#[async_trait]
impl<H: CallHandler> ProcessRegistry for H {
    fn durability_tier(&self) -> DurabilityTier {
        CallHandler::durability_tier(self)
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let call = RegistryCall::RegisterProcess { registration };
        expect_answer("register_process", self.handle(call).await)
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        let call = RegistryCall::SetExternalRef {
            process_id: process_id.to_owned(),
            external_ref,
        };
        expect_answer("set_external_ref", self.handle(call).await)
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        let call = RegistryCall::GrantHandle {
            owner_scope: owner_scope.clone(),
            process_id: process_id.to_owned(),
            descriptor,
        };
        expect_answer("grant_handle", self.handle(call).await)
    }

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        let call = RegistryCall::RevokeHandle {
            owner_scope: owner_scope.clone(),
            process_id: process_id.to_owned(),
        };
        expect_answer("revoke_handle", self.handle(call).await)
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        let call = RegistryCall::TransferHandleGrants {
            from_scope: from_scope.clone(),
            to_scope: to_scope.clone(),
            process_ids: process_ids.to_vec(),
        };
        expect_answer("transfer_handle_grants", self.handle(call).await)
    }

    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let call = RegistryCall::ListHandleGrants {
            owner_scope: owner_scope.clone(),
        };
        expect_answer("list_handle_grants", self.handle(call).await)
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let call = RegistryCall::ListLiveHandleGrants {
            owner_scope: owner_scope.clone(),
        };
        expect_answer("list_live_handle_grants", self.handle(call).await)
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        let call = RegistryCall::HasHandleGrant {
            owner_scope: owner_scope.clone(),
            process_id: process_id.to_owned(),
        };
        expect_answer("has_handle_grant", self.handle(call).await)
    }

    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        let call = RegistryCall::HandleGrantsForProcess {
            process_id: process_id.to_owned(),
        };
        expect_answer("handle_grants_for_process", self.handle(call).await)
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        let call = RegistryCall::DeleteSessionProcessState {
            session_id: session_id.to_owned(),
        };
        expect_answer("delete_session_process_state", self.handle(call).await)
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let call = RegistryCall::AppendEvent {
            process_id: process_id.to_owned(),
            request,
        };
        expect_answer("append_event", self.handle(call).await)
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let call = RegistryCall::EventsAfter {
            process_id: process_id.to_owned(),
            after_sequence,
        };
        expect_answer("events_after", self.handle(call).await)
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let call = RegistryCall::WakeEventsAfter {
            process_id: process_id.to_owned(),
            after_sequence,
        };
        expect_answer("wake_events_after", self.handle(call).await)
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        let call = RegistryCall::WaitEventAfter {
            process_id: process_id.to_owned(),
            event_type: event_type.to_owned(),
            after_sequence,
        };
        expect_answer("wait_event_after", self.handle(call).await)
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        let call = RegistryCall::AwaitProcess {
            process_id: process_id.to_owned(),
        };
        expect_answer("await_process", self.handle(call).await)
    }

    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let call = RegistryCall::CompleteProcess {
            process_id: process_id.to_owned(),
            await_output,
        };
        expect_answer("complete_process", self.handle(call).await)
    }

    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        let call = RegistryCall::GetProcess {
            process_id: process_id.to_owned(),
        };
        expect_answer("get_process", self.handle(call).await)
            .ok()
            .flatten()
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        let call = RegistryCall::AckWake {
            process_id: process_id.to_owned(),
            sequence,
        };
        expect_answer("ack_wake", self.handle(call).await)
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        expect_answer(
            "list_non_terminal",
            self.handle(RegistryCall::ListNonTerminal).await,
        )
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let call = RegistryCall::ClaimProcessLease {
            process_id: process_id.to_owned(),
            owner_id: owner_id.to_owned(),
            lease_ttl_ms,
        };
        expect_answer("claim_process_lease", self.handle(call).await)
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let call = RegistryCall::RenewProcessLease {
            lease: lease.clone(),
            lease_ttl_ms,
        };
        expect_answer("renew_process_lease", self.handle(call).await)
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        let call = RegistryCall::CompleteProcessLease {
            completion: completion.clone(),
        };
        expect_answer("complete_process_lease", self.handle(call).await)
    }
}
