//! The `ProcessRegistry` implementation: every method as one transaction of `Store` calls.

use crate::{Mode, PgRegistry};
use async_trait::async_trait;
use procreg::{
    prepare_registration, DurabilityTier, ProcessAwaitOutput, ProcessEvent,
    ProcessEventAppendRequest, ProcessEventAppendResult, ProcessExternalRef,
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry, ProcessLease,
    ProcessLeaseCompletion, ProcessRecord, ProcessRegistration, ProcessRegistry, ProcessScope,
    ProcessSessionDeleteReport, RegistryResult,
};

impl PgRegistry {
    /// One look of `wait_event_after`.
    async fn look_for_event(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<Option<ProcessEvent>> {
        transaction!(self, Mode::Read, "waiting for an event", |store| {
            store
                .first_event_after(process_id, event_type, after_sequence)
                .await
        })
    }

    /// One look of `await_process`.
    async fn look_for_output(
        &self,
        process_id: &str,
    ) -> RegistryResult<Option<ProcessAwaitOutput>> {
        transaction!(self, Mode::Read, "awaiting a process", |store| {
            store.await_output(process_id).await
        })
    }

    /// `append_event` and `complete_process`: the append, then the waiters are woken.
    async fn append(
        &self,
        process_id: &str,
        request: &ProcessEventAppendRequest,
    ) -> RegistryResult<(ProcessEventAppendResult, ProcessRecord)> {
        let appended = self.pipelined_append(process_id, request).await?;
        self.notify(process_id);
        Ok(appended)
    }
}

#[async_trait]
impl ProcessRegistry for PgRegistry {
    fn durability_tier(&self) -> DurabilityTier {
        DurabilityTier::Durable
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let prepared = prepare_registration(registration)?;
        transaction!(self, Mode::Write, "registering a process", |store| {
            store.register(prepared.clone()).await
        })
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        transaction!(self, Mode::Write, "setting an external ref", |store| {
            store
                .set_external_ref(process_id, external_ref.clone())
                .await
        })
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        transaction!(self, Mode::Write, "granting a handle", |store| {
            store
                .grant(owner_scope, process_id, descriptor.clone())
                .await
        })
    }

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        transaction!(self, Mode::Write, "revoking a handle", |store| {
            store.revoke(owner_scope, process_id).await
        })
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        transaction!(self, Mode::Write, "transferring handle grants", |store| {
            store.transfer(from_scope, to_scope, process_ids).await
        })
    }

    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        transaction!(self, Mode::Read, "listing handle grants", |store| {
            store.list_grants(owner_scope, false).await
        })
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        transaction!(self, Mode::Read, "listing live handle grants", |store| {
            store.list_grants(owner_scope, true).await
        })
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        transaction!(self, Mode::Read, "reading a handle grant", |store| {
            store.has_grant(owner_scope, process_id).await
        })
    }

    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        transaction!(self, Mode::Read, "listing a process's grants", |store| {
            store.grants_for_process(process_id).await
        })
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        transaction!(self, Mode::Write, "deleting a session", |store| {
            store.delete_session(session_id).await
        })
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let (result, _) = self.append(process_id, &request).await?;
        Ok(result)
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        transaction!(self, Mode::Read, "reading events", |store| {
            store.events_after(process_id, after_sequence).await
        })
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        transaction!(self, Mode::Read, "reading wake events", |store| {
            store.wake_events_after(process_id, after_sequence).await
        })
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        self.wait_until(process_id, move || {
            self.look_for_event(process_id, event_type, after_sequence)
        })
        .await
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        self.wait_until(process_id, move || self.look_for_output(process_id))
            .await
    }

    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let request = ProcessEventAppendRequest::terminal(process_id, &await_output);
        let (_, record) = self.append(process_id, &request).await?;
        Ok(record)
    }

    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        // The trait gives `get_process` no error channel: a storage failure reads as `None`.
        transaction!(self, Mode::Read, "reading a process", |store| {
            store.record(process_id).await
        })
        .ok()
        .flatten()
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        transaction!(self, Mode::Write, "acknowledging a wake", |store| {
            store.ack_wake(process_id, sequence).await
        })
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        transaction!(self, Mode::Read, "listing the sweep", |store| store
            .list_non_terminal()
            .await)
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        transaction!(self, Mode::Write, "claiming a lease", |store| {
            store.claim(process_id, owner_id, lease_ttl_ms).await
        })
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        transaction!(self, Mode::Write, "renewing a lease", |store| {
            store.renew(lease, lease_ttl_ms).await
        })
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        transaction!(self, Mode::Write, "releasing a lease", |store| {
            store.release(completion).await
        })
    }
}
