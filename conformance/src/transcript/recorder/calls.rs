//! The recorded calls: one `Recorder` method per `ProcessRegistry` method.

use super::nodes::{entries_node, list, outcome};
use super::Recorder;
use crate::transcript::yaml::Node;
use procreg::{
    ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest, ProcessEventAppendResult,
    ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry,
    ProcessLease, ProcessLeaseCompletion, ProcessRecord, ProcessRegistration, ProcessScope,
    ProcessSessionDeleteReport, RegistryResult,
};
use serde_json::Value;

impl Recorder {
    /// `register_process`.
    pub async fn register(
        &mut self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        self.process(&registration.id);
        let args = vec![("registration", Node::of(&registration))];
        let id = registration.id.clone();
        let declared = serde_json::to_value(&registration.event_types).unwrap_or(Value::Null);
        let result = self.registry.register_process(registration).await;
        if result.is_ok() && !self.declared.contains_key(&id) {
            self.declared.insert(id, declared);
        }
        let outcome = self.record_outcome(&result);
        self.push("register_process", args, outcome);
        result
    }

    /// `set_external_ref`.
    pub async fn set_external_ref(
        &mut self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("external_ref", Node::of(&external_ref)),
        ];
        let result = self
            .registry
            .set_external_ref(process_id, external_ref)
            .await;
        let outcome = self.record_outcome(&result);
        self.push("set_external_ref", args, outcome);
        result
    }

    /// `grant_handle`.
    pub async fn grant(
        &mut self,
        scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        let args = vec![
            ("owner_scope", self.scope(scope)),
            ("process_id", self.process(process_id)),
            ("descriptor", Node::of(&descriptor)),
        ];
        let result = self
            .registry
            .grant_handle(scope, process_id, descriptor)
            .await;
        self.push("grant_handle", args, outcome(&result, Node::of));
        result
    }

    /// `revoke_handle`.
    pub async fn revoke(&mut self, scope: &ProcessScope, process_id: &str) -> RegistryResult<()> {
        let args = vec![
            ("owner_scope", self.scope(scope)),
            ("process_id", self.process(process_id)),
        ];
        let result = self.registry.revoke_handle(scope, process_id).await;
        self.push("revoke_handle", args, outcome(&result, |_| Node::Null));
        result
    }

    /// `transfer_handle_grants`.
    pub async fn transfer(
        &mut self,
        from: &ProcessScope,
        to: &ProcessScope,
        process_ids: &[&str],
    ) -> RegistryResult<()> {
        let ids: Vec<String> = process_ids.iter().map(|id| (*id).to_owned()).collect();
        for id in &ids {
            self.process(id);
        }
        let args = vec![
            ("from_scope", self.scope(from)),
            ("to_scope", self.scope(to)),
            ("process_ids", Node::of(&ids)),
        ];
        let result = self.registry.transfer_handle_grants(from, to, &ids).await;
        self.push(
            "transfer_handle_grants",
            args,
            outcome(&result, |_| Node::Null),
        );
        result
    }

    /// `list_handle_grants`.
    pub async fn list_grants(
        &mut self,
        scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let args = vec![("owner_scope", self.scope(scope))];
        let result = self.registry.list_handle_grants(scope).await;
        self.push(
            "list_handle_grants",
            args,
            outcome(&result, |entries| entries_node(entries)),
        );
        result
    }

    /// `list_live_handle_grants`.
    pub async fn list_live_grants(
        &mut self,
        scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        let args = vec![("owner_scope", self.scope(scope))];
        let result = self.registry.list_live_handle_grants(scope).await;
        self.push(
            "list_live_handle_grants",
            args,
            outcome(&result, |entries| entries_node(entries)),
        );
        result
    }

    /// `has_handle_grant`.
    pub async fn has_grant(
        &mut self,
        scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        let args = vec![
            ("owner_scope", self.scope(scope)),
            ("process_id", self.process(process_id)),
        ];
        let result = self.registry.has_handle_grant(scope, process_id).await;
        self.push(
            "has_handle_grant",
            args,
            outcome(&result, |flag| Node::Bool(*flag)),
        );
        result
    }

    /// `handle_grants_for_process`.
    pub async fn grants_for_process(
        &mut self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        let args = vec![("process_id", self.process(process_id))];
        let result = self.registry.handle_grants_for_process(process_id).await;
        self.push(
            "handle_grants_for_process",
            args,
            outcome(&result, |grants| list(grants)),
        );
        result
    }

    /// `delete_session_process_state`.
    pub async fn delete_session(
        &mut self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        let args = vec![("session_id", Node::str(session_id))];
        let result = self.registry.delete_session_process_state(session_id).await;
        self.push(
            "delete_session_process_state",
            args,
            outcome(&result, Node::of),
        );
        result
    }

    /// `append_event`.
    pub async fn append(
        &mut self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("request", Node::of(&request)),
        ];
        let result = self.registry.append_event(process_id, request).await;
        self.push("append_event", args, outcome(&result, Node::of));
        result
    }

    /// `events_after`.
    pub async fn events_after(
        &mut self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("after_sequence", Node::num(after_sequence)),
        ];
        let result = self.registry.events_after(process_id, after_sequence).await;
        self.push(
            "events_after",
            args,
            outcome(&result, |events| list(events)),
        );
        result
    }

    /// `wake_events_after`.
    pub async fn wake_events_after(
        &mut self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("after_sequence", Node::num(after_sequence)),
        ];
        let result = self
            .registry
            .wake_events_after(process_id, after_sequence)
            .await;
        self.push(
            "wake_events_after",
            args,
            outcome(&result, |events| list(events)),
        );
        result
    }

    /// `wait_event_after`; scenarios call it only when it can answer at once.
    pub async fn wait_event_after(
        &mut self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("event_type", Node::str(event_type)),
            ("after_sequence", Node::num(after_sequence)),
        ];
        let result = self
            .registry
            .wait_event_after(process_id, event_type, after_sequence)
            .await;
        self.push("wait_event_after", args, outcome(&result, Node::of));
        result
    }

    /// `await_process`; scenarios call it only when it can answer at once.
    pub async fn await_process(&mut self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        let args = vec![("process_id", self.process(process_id))];
        let result = self.registry.await_process(process_id).await;
        self.push("await_process", args, outcome(&result, Node::of));
        result
    }

    /// `complete_process`.
    pub async fn complete(
        &mut self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("await_output", Node::of(&await_output)),
        ];
        let result = self
            .registry
            .complete_process(process_id, await_output)
            .await;
        let outcome = self.record_outcome(&result);
        self.push("complete_process", args, outcome);
        result
    }

    /// `get_process`.
    pub async fn get(&mut self, process_id: &str) -> Option<ProcessRecord> {
        let args = vec![("process_id", self.process(process_id))];
        let record = self.registry.get_process(process_id).await;
        let node = record
            .as_ref()
            .map_or(Node::Null, |record| self.record_node(record));
        self.push("get_process", args, ("ok".to_owned(), node));
        record
    }

    /// `ack_wake`.
    pub async fn ack(&mut self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("sequence", Node::num(sequence)),
        ];
        let result = self.registry.ack_wake(process_id, sequence).await;
        self.push("ack_wake", args, outcome(&result, |_| Node::Null));
        result
    }

    /// `list_non_terminal`.
    pub async fn list_non_terminal(&mut self) -> RegistryResult<Vec<ProcessRecord>> {
        let result = self.registry.list_non_terminal().await;
        let outcome = outcome(&result, |records| self.records_node(records));
        self.push("list_non_terminal", Vec::new(), outcome);
        result
    }

    /// `claim_process_lease`.
    pub async fn claim(
        &mut self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let args = vec![
            ("process_id", self.process(process_id)),
            ("owner_id", Node::str(owner_id)),
            ("lease_ttl_ms", Node::num(lease_ttl_ms)),
        ];
        let result = self
            .registry
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await;
        self.learn_lease(&result);
        self.push("claim_process_lease", args, outcome(&result, Node::of));
        result
    }

    /// `renew_process_lease`.
    pub async fn renew(
        &mut self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let args = vec![
            ("lease", Node::of(lease)),
            ("lease_ttl_ms", Node::num(lease_ttl_ms)),
        ];
        self.process(&lease.process_id);
        let result = self.registry.renew_process_lease(lease, lease_ttl_ms).await;
        self.learn_lease(&result);
        self.push("renew_process_lease", args, outcome(&result, Node::of));
        result
    }

    /// `complete_process_lease`.
    pub async fn release(&mut self, completion: &ProcessLeaseCompletion) -> RegistryResult<()> {
        let args = vec![("completion", Node::of(completion))];
        self.process(&completion.process_id);
        let result = self.registry.complete_process_lease(completion).await;
        self.push(
            "complete_process_lease",
            args,
            outcome(&result, |_| Node::Null),
        );
        result
    }
}
