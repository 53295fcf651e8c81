//! The `Delegate` trait and the macros that forward a mutant's `ProcessRegistry` calls to it.

use async_trait::async_trait;
use procreg::{
    DurabilityTier, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessHandleGrantEntry, ProcessLease, ProcessLeaseCompletion, ProcessRecord,
    ProcessRegistration, ProcessRegistry, ProcessScope, ProcessSessionDeleteReport, RegistryResult,
};
use procreg_memory::MemoryRegistry;

/// Implements `ProcessRegistry` for a type implementing [`Delegate`] by calling
/// the `Delegate` methods, so a mutant overrides only the method it breaks.
///
/// The second form routes the three lease methods through `$leases` instead
/// (a trait with the same lease method names, such as the lease table's).
macro_rules! delegate_registry {
    ($mutant:ty) => {
        delegate_registry!($mutant, $crate::mutants::Delegate);
    };
    ($mutant:ty, $leases:path) => {
        #[async_trait::async_trait]
        impl procreg::ProcessRegistry for $mutant {
            fn durability_tier(&self) -> procreg::DurabilityTier {
                $crate::mutants::Delegate::durability_tier(self)
            }

            async fn register_process(
                &self,
                registration: procreg::ProcessRegistration,
            ) -> procreg::RegistryResult<procreg::ProcessRecord> {
                $crate::mutants::Delegate::register_process(self, registration).await
            }

            async fn set_external_ref(
                &self,
                process_id: &str,
                external_ref: procreg::ProcessExternalRef,
            ) -> procreg::RegistryResult<procreg::ProcessRecord> {
                $crate::mutants::Delegate::set_external_ref(self, process_id, external_ref).await
            }

            async fn grant_handle(
                &self,
                owner_scope: &procreg::ProcessScope,
                process_id: &str,
                descriptor: procreg::ProcessHandleDescriptor,
            ) -> procreg::RegistryResult<procreg::ProcessHandleGrant> {
                $crate::mutants::Delegate::grant_handle(self, owner_scope, process_id, descriptor)
                    .await
            }

            async fn revoke_handle(
                &self,
                owner_scope: &procreg::ProcessScope,
                process_id: &str,
            ) -> procreg::RegistryResult<()> {
                $crate::mutants::Delegate::revoke_handle(self, owner_scope, process_id).await
            }

            async fn transfer_handle_grants(
                &self,
                from_scope: &procreg::ProcessScope,
                to_scope: &procreg::ProcessScope,
                process_ids: &[String],
            ) -> procreg::RegistryResult<()> {
                $crate::mutants::Delegate::transfer_handle_grants(
                    self,
                    from_scope,
                    to_scope,
                    process_ids,
                )
                .await
            }

            async fn list_handle_grants(
                &self,
                owner_scope: &procreg::ProcessScope,
            ) -> procreg::RegistryResult<Vec<procreg::ProcessHandleGrantEntry>> {
                $crate::mutants::Delegate::list_handle_grants(self, owner_scope).await
            }

            async fn list_live_handle_grants(
                &self,
                owner_scope: &procreg::ProcessScope,
            ) -> procreg::RegistryResult<Vec<procreg::ProcessHandleGrantEntry>> {
                $crate::mutants::Delegate::list_live_handle_grants(self, owner_scope).await
            }

            async fn has_handle_grant(
                &self,
                owner_scope: &procreg::ProcessScope,
                process_id: &str,
            ) -> procreg::RegistryResult<bool> {
                $crate::mutants::Delegate::has_handle_grant(self, owner_scope, process_id).await
            }

            async fn handle_grants_for_process(
                &self,
                process_id: &str,
            ) -> procreg::RegistryResult<Vec<procreg::ProcessHandleGrant>> {
                $crate::mutants::Delegate::handle_grants_for_process(self, process_id).await
            }

            async fn delete_session_process_state(
                &self,
                session_id: &str,
            ) -> procreg::RegistryResult<procreg::ProcessSessionDeleteReport> {
                $crate::mutants::Delegate::delete_session_process_state(self, session_id).await
            }

            async fn append_event(
                &self,
                process_id: &str,
                request: procreg::ProcessEventAppendRequest,
            ) -> procreg::RegistryResult<procreg::ProcessEventAppendResult> {
                $crate::mutants::Delegate::append_event(self, process_id, request).await
            }

            async fn events_after(
                &self,
                process_id: &str,
                after_sequence: u64,
            ) -> procreg::RegistryResult<Vec<procreg::ProcessEvent>> {
                $crate::mutants::Delegate::events_after(self, process_id, after_sequence).await
            }

            async fn wake_events_after(
                &self,
                process_id: &str,
                after_sequence: u64,
            ) -> procreg::RegistryResult<Vec<procreg::ProcessEvent>> {
                $crate::mutants::Delegate::wake_events_after(self, process_id, after_sequence).await
            }

            async fn wait_event_after(
                &self,
                process_id: &str,
                event_type: &str,
                after_sequence: u64,
            ) -> procreg::RegistryResult<procreg::ProcessEvent> {
                $crate::mutants::Delegate::wait_event_after(
                    self,
                    process_id,
                    event_type,
                    after_sequence,
                )
                .await
            }

            async fn await_process(
                &self,
                process_id: &str,
            ) -> procreg::RegistryResult<procreg::ProcessAwaitOutput> {
                $crate::mutants::Delegate::await_process(self, process_id).await
            }

            async fn complete_process(
                &self,
                process_id: &str,
                await_output: procreg::ProcessAwaitOutput,
            ) -> procreg::RegistryResult<procreg::ProcessRecord> {
                $crate::mutants::Delegate::complete_process(self, process_id, await_output).await
            }

            async fn get_process(&self, process_id: &str) -> Option<procreg::ProcessRecord> {
                $crate::mutants::Delegate::get_process(self, process_id).await
            }

            async fn ack_wake(
                &self,
                process_id: &str,
                sequence: u64,
            ) -> procreg::RegistryResult<()> {
                $crate::mutants::Delegate::ack_wake(self, process_id, sequence).await
            }

            async fn list_non_terminal(
                &self,
            ) -> procreg::RegistryResult<Vec<procreg::ProcessRecord>> {
                $crate::mutants::Delegate::list_non_terminal(self).await
            }

            async fn claim_process_lease(
                &self,
                process_id: &str,
                owner_id: &str,
                lease_ttl_ms: u64,
            ) -> procreg::RegistryResult<procreg::ProcessLease> {
                <Self as $leases>::claim_process_lease(self, process_id, owner_id, lease_ttl_ms)
                    .await
            }

            async fn renew_process_lease(
                &self,
                lease: &procreg::ProcessLease,
                lease_ttl_ms: u64,
            ) -> procreg::RegistryResult<procreg::ProcessLease> {
                <Self as $leases>::renew_process_lease(self, lease, lease_ttl_ms).await
            }

            async fn complete_process_lease(
                &self,
                completion: &procreg::ProcessLeaseCompletion,
            ) -> procreg::RegistryResult<()> {
                <Self as $leases>::complete_process_lease(self, completion).await
            }
        }
    };
}

/// Declares a mutant that only wraps the reference registry.
macro_rules! plain_mutant {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            inner: procreg_memory::MemoryRegistry,
        }

        impl $name {
            /// The mutant, reading time from `clock`.
            pub fn new(clock: std::sync::Arc<dyn procreg::Clock>) -> Self {
                Self {
                    inner: procreg_memory::MemoryRegistry::new(clock),
                }
            }
        }

        delegate_registry!($name);
    };
}

/// Forwards every `ProcessRegistry` method to the wrapped [`MemoryRegistry`].
///
/// A mutant implements `inner` and overrides the one method it breaks; the
/// `delegate_registry!` macro then implements `ProcessRegistry` through these
/// methods. Inside an override, call the reference through `self.inner()`.
#[async_trait]
pub trait Delegate: Send + Sync {
    /// The wrapped reference registry.
    fn inner(&self) -> &MemoryRegistry;

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
