//! `LashRegistry`: any lash-core `ProcessRegistry` seen through procreg's trait.

use crate::convert::{
    append_request_to_lash, append_result_from_lash, await_output_from_lash, await_output_to_lash,
    completion_to_lash, delete_report_from_lash, descriptor_to_lash, durability_from_lash,
    event_from_lash, external_ref_to_lash, grant_entry_from_lash, grant_from_lash, lease_from_lash,
    lease_to_lash, record_from_lash, registration_to_lash, scope_to_lash,
};
use crate::error::{error_from_lash, CallContext};
use async_trait::async_trait;
use lash_core as lash;
use procreg::{
    DurabilityTier, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessHandleGrantEntry, ProcessLease, ProcessLeaseCompletion, ProcessRecord,
    ProcessRegistration, ProcessRegistry, ProcessScope, ProcessSessionDeleteReport, RegistryError,
    RegistryResult,
};
use std::sync::Arc;

/// A lash-core 0.1.0-alpha.38 `ProcessRegistry` trait object.
pub type LashProcessRegistry = dyn lash::ProcessRegistry;

/// Runs procreg's contract on a lash-core registry: every call converts its
/// arguments to lash's types, calls the lash registry once (`complete_process`
/// may call it twice, see there), and converts the result back.
///
/// Errors become typed by their upstream wording ([`crate::classify`]).
/// Time is whatever the lash registry reads, which for both upstream
/// registries is the wall clock: the bridge reads no clock itself and a
/// factory must declare `ClockControl::WallOnly` ([`crate::lash_capabilities`]).
#[derive(Clone)]
pub struct LashRegistry {
    inner: Arc<LashProcessRegistry>,
}

impl LashRegistry {
    /// Wraps a lash registry.
    pub fn new(inner: Arc<LashProcessRegistry>) -> Self {
        Self { inner }
    }

    /// The wrapped lash registry.
    pub fn inner(&self) -> &Arc<LashProcessRegistry> {
        &self.inner
    }
}

impl std::fmt::Debug for LashRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LashRegistry").finish_non_exhaustive()
    }
}

fn lash_err(call: CallContext<'_>) -> impl FnOnce(lash::PluginError) -> RegistryError + '_ {
    move |error| error_from_lash(error, &call)
}

#[async_trait]
impl ProcessRegistry for LashRegistry {
    fn durability_tier(&self) -> DurabilityTier {
        durability_from_lash(self.inner.durability_tier())
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let lash_registration = registration_to_lash(&registration)?;
        let record = self
            .inner
            .register_process(lash_registration)
            .await
            .map_err(lash_err(CallContext::process(&registration.id)))?;
        record_from_lash(&record)
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        let record = self
            .inner
            .set_external_ref(process_id, external_ref_to_lash(&external_ref))
            .await
            .map_err(lash_err(CallContext::process(process_id)))?;
        record_from_lash(&record)
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        let grant = self
            .inner
            .grant_handle(
                &scope_to_lash(owner_scope),
                process_id,
                descriptor_to_lash(&descriptor),
            )
            .await
            .map_err(lash_err(CallContext::process(process_id)))?;
        Ok(grant_from_lash(&grant))
    }

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        self.inner
            .revoke_handle(&scope_to_lash(owner_scope), process_id)
            .await
            .map_err(lash_err(CallContext::process(process_id)))
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        let call = CallContext {
            transfer: Some((from_scope.session_id.as_str(), process_ids)),
            ..CallContext::default()
        };
        self.inner
            .transfer_handle_grants(
                &scope_to_lash(from_scope),
                &scope_to_lash(to_scope),
                process_ids,
            )
            .await
            .map_err(lash_err(call))
    }

    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let entries = self
            .inner
            .list_handle_grants(&scope_to_lash(owner_scope))
            .await
            .map_err(lash_err(CallContext::default()))?;
        entries.iter().map(grant_entry_from_lash).collect()
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let entries = self
            .inner
            .list_live_handle_grants(&scope_to_lash(owner_scope))
            .await
            .map_err(lash_err(CallContext::default()))?;
        entries.iter().map(grant_entry_from_lash).collect()
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        self.inner
            .has_handle_grant(&scope_to_lash(owner_scope), process_id)
            .await
            .map_err(lash_err(CallContext::process(process_id)))
    }

    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        let grants = self
            .inner
            .handle_grants_for_process(process_id)
            .await
            .map_err(lash_err(CallContext::process(process_id)))?;
        Ok(grants.iter().map(grant_from_lash).collect())
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        let report = self
            .inner
            .delete_session_process_state(session_id)
            .await
            .map_err(lash_err(CallContext::default()))?;
        Ok(delete_report_from_lash(&report))
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let call = CallContext::append(
            process_id,
            &request.event_type,
            request.replay_key.as_deref(),
        );
        let result = self
            .inner
            .append_event(process_id, append_request_to_lash(&request))
            .await
            .map_err(lash_err(call))?;
        append_result_from_lash(&result)
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let events = self
            .inner
            .events_after(process_id, after_sequence)
            .await
            .map_err(lash_err(CallContext::process(process_id)))?;
        events.iter().map(event_from_lash).collect()
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let events = self
            .inner
            .wake_events_after(process_id, after_sequence)
            .await
            .map_err(lash_err(CallContext::process(process_id)))?;
        events.iter().map(event_from_lash).collect()
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        let event = self
            .inner
            .wait_event_after(process_id, event_type, after_sequence)
            .await
            .map_err(lash_err(CallContext::process(process_id)))?;
        event_from_lash(&event)
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        let output = self
            .inner
            .await_process(process_id)
            .await
            .map_err(lash_err(CallContext::process(process_id)))?;
        await_output_from_lash(&output)
    }

    /// Calls lash's `complete_process` when lash's types can hold the
    /// output. When they cannot (a failure class outside lash's
    /// `ToolFailureClass`, a control that is not a lash `ToolControl`), it
    /// performs what both upstream `complete_process` implementations do
    /// with the output's JSON: append the core terminal event with payload
    /// `{"await_output": <output>}` under the key
    /// `process:<id>:terminal:<type>`, then read the record; lash then
    /// materialises the output from that payload as it would for any append.
    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let event_type = await_output.terminal_state().core_event_type();
        let replay_key = format!("process:{process_id}:terminal:{event_type}");
        let call = CallContext::append(process_id, event_type, Some(&replay_key));
        let record = match await_output_to_lash(&await_output) {
            Ok(lash_output) => self
                .inner
                .complete_process(process_id, lash_output)
                .await
                .map_err(lash_err(call))?,
            Err(_unrepresentable) => {
                let payload = serde_json::json!({ "await_output": await_output });
                let request = lash::ProcessEventAppendRequest::new(event_type, payload)
                    .with_replay_key(replay_key.clone());
                self.inner
                    .append_event(process_id, request)
                    .await
                    .map_err(lash_err(call))?;
                self.inner.get_process(process_id).await.ok_or_else(|| {
                    RegistryError::new(
                        procreg::ErrorKind::NotFound,
                        format!("unknown process `{process_id}` after terminal event"),
                    )
                })?
            }
        };
        record_from_lash(&record)
    }

    /// The record, or `None`; a record the bridge cannot convert (an input
    /// other than `external`, registered by non-bridge code) also reads as
    /// `None`, since the trait has no error channel here.
    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        let record = self.inner.get_process(process_id).await?;
        record_from_lash(&record).ok()
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        self.inner
            .ack_wake(process_id, sequence)
            .await
            .map_err(lash_err(CallContext::process(process_id)))
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        let records = self
            .inner
            .list_non_terminal()
            .await
            .map_err(lash_err(CallContext::default()))?;
        records.iter().map(record_from_lash).collect()
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let lease = self
            .inner
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await
            .map_err(lash_err(CallContext::process(process_id)))?;
        Ok(lease_from_lash(&lease))
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let renewed = self
            .inner
            .renew_process_lease(&lease_to_lash(lease), lease_ttl_ms)
            .await
            .map_err(lash_err(CallContext::process(&lease.process_id)))?;
        Ok(lease_from_lash(&renewed))
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.inner
            .complete_process_lease(&completion_to_lash(completion))
            .await
            .map_err(lash_err(CallContext::process(&completion.process_id)))
    }
}
