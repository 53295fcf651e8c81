//! The `ProcessRegistry` implementation: every method as one transaction of `Store` calls.

use crate::planted::WriteKind;
use crate::SqliteRegistry;
use async_trait::async_trait;
use procreg::{
    prepare_registration, DurabilityTier, ProcessAwaitOutput, ProcessEvent,
    ProcessEventAppendRequest, ProcessEventAppendResult, ProcessExternalRef,
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry, ProcessLease,
    ProcessLeaseCompletion, ProcessRecord, ProcessRegistration, ProcessRegistry, ProcessScope,
    ProcessSessionDeleteReport, RegistryResult,
};

#[async_trait]
impl ProcessRegistry for SqliteRegistry {
    fn durability_tier(&self) -> DurabilityTier {
        DurabilityTier::Durable
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let prepared = prepare_registration(registration)?;
        self.write(move |store, now_ms| store.register(prepared, now_ms))
            .await
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        let process_id = process_id.to_owned();
        self.write(move |store, now_ms| store.set_external_ref(&process_id, external_ref, now_ms))
            .await
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        let (scope, process_id) = (owner_scope.clone(), process_id.to_owned());
        self.write(move |store, _| store.grant(&scope, &process_id, descriptor))
            .await
    }

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        let (scope, process_id) = (owner_scope.clone(), process_id.to_owned());
        self.write(move |store, _| store.revoke(&scope, &process_id))
            .await
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        let (from, to, ids) = (from_scope.clone(), to_scope.clone(), process_ids.to_vec());
        self.write(move |store, _| store.transfer(&from, &to, &ids))
            .await
    }

    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let scope = owner_scope.clone();
        self.read(move |store| store.list_grants(&scope, false))
            .await
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let scope = owner_scope.clone();
        self.read(move |store| store.list_grants(&scope, true))
            .await
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        let (scope, process_id) = (owner_scope.clone(), process_id.to_owned());
        self.read(move |store| store.has_grant(&scope, &process_id))
            .await
    }

    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        let process_id = process_id.to_owned();
        self.read(move |store| store.grants_for_process(&process_id))
            .await
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        let session_id = session_id.to_owned();
        self.write(move |store, _| store.delete_session(&session_id))
            .await
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let appended_to = process_id.to_owned();
        let (result, _) = self
            .write_as(WriteKind::Append, move |store, now_ms| {
                store.append(&appended_to, &request, now_ms)
            })
            .await?;
        self.notify(process_id);
        Ok(result)
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let process_id = process_id.to_owned();
        self.read(move |store| store.events_after(&process_id, after_sequence))
            .await
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let process_id = process_id.to_owned();
        self.read(move |store| store.wake_events_after(&process_id, after_sequence))
            .await
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        let (looked_up, event_type) = (process_id.to_owned(), event_type.to_owned());
        self.wait_until(process_id, move |store| {
            store.first_event_after(&looked_up, &event_type, after_sequence)
        })
        .await
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        let looked_up = process_id.to_owned();
        self.wait_until(process_id, move |store| store.await_output(&looked_up))
            .await
    }

    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let request = ProcessEventAppendRequest::terminal(process_id, &await_output);
        let appended_to = process_id.to_owned();
        let (_, record) = self
            .write_as(WriteKind::Append, move |store, now_ms| {
                store.append(&appended_to, &request, now_ms)
            })
            .await?;
        self.notify(process_id);
        Ok(record)
    }

    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        let process_id = process_id.to_owned();
        // The trait gives `get_process` no error channel: a storage failure reads as `None`.
        self.read(move |store| store.record(&process_id))
            .await
            .ok()
            .flatten()
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        let process_id = process_id.to_owned();
        self.write(move |store, _| store.ack_wake(&process_id, sequence))
            .await
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        self.read(|store| store.list_non_terminal()).await
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let (process_id, owner_id) = (process_id.to_owned(), owner_id.to_owned());
        self.write_as(WriteKind::Claim, move |store, now_ms| {
            store.claim(&process_id, &owner_id, lease_ttl_ms, now_ms)
        })
        .await
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let lease = lease.clone();
        self.write(move |store, now_ms| store.renew(&lease, lease_ttl_ms, now_ms))
            .await
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        let completion = completion.clone();
        self.write(move |store, _| store.release(&completion)).await
    }
}
