//! `MemoryRegistry`: the in-memory reference implementation of the procreg contract.
//!
//! Clear before clever, but indexed: the sweep is O(live processes), session
//! deletion is O(grants of that session), `events_after` is O(returned).
//! Every method runs under one lock, so each is atomic and an error leaves
//! no trace (ERR-3). Order is deterministic everywhere (B-tree maps), lease
//! tokens are derived from history, and time comes only from the injected
//! [`Clock`].

mod entries;
mod grants;
mod id_hash;
mod id_index;
mod state;

use async_trait::async_trait;
use procreg::{
    Clock, DurabilityTier, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessHandleGrantEntry, ProcessLease, ProcessLeaseCompletion, ProcessRecord,
    ProcessRegistration, ProcessRegistry, ProcessScope, ProcessSessionDeleteReport, RegistryError,
    RegistryResult,
};
use state::RegistryState;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

/// The reference registry: all state in memory, durability tier `Inline` by default.
pub struct MemoryRegistry {
    clock: Arc<dyn Clock>,
    durability_tier: DurabilityTier,
    state: Mutex<RegistryState>,
}

impl std::fmt::Debug for MemoryRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryRegistry")
            .field("durability_tier", &self.durability_tier)
            .finish_non_exhaustive()
    }
}

/// What a wait found: the answer, or a receiver to wait on before looking again.
enum Lookup<T> {
    Ready(T),
    Pending(watch::Receiver<u64>),
}

impl MemoryRegistry {
    /// An empty registry reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            durability_tier: DurabilityTier::Inline,
            state: Mutex::new(RegistryState::default()),
        }
    }

    /// Declares another durability tier (for harnesses that pair it with durable workers).
    pub fn with_durability_tier(mut self, durability_tier: DurabilityTier) -> Self {
        self.durability_tier = durability_tier;
        self
    }

    fn state(&self) -> MutexGuard<'_, RegistryState> {
        // A panic while holding the lock cannot leave a half-applied write:
        // every operation validates fully before it mutates.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Looks under the lock; when nothing is there yet, subscribes before
    /// releasing it, so an append after the look always wakes the waiter (WAIT-3).
    async fn wait_until<T>(
        &self,
        process_id: &str,
        look: impl Fn(&state::ProcessEntry) -> Option<T>,
    ) -> RegistryResult<T> {
        loop {
            let lookup = {
                let mut state = self.state();
                let entry = state.entry_mut(process_id)?;
                match look(entry) {
                    Some(found) => Lookup::Ready(found),
                    None => Lookup::Pending(entry.subscribe()),
                }
            };
            match lookup {
                Lookup::Ready(found) => return Ok(found),
                Lookup::Pending(mut changes) => changes.changed().await.map_err(|_| {
                    RegistryError::backend(format!(
                        "registry closed while waiting on `{process_id}`"
                    ))
                })?,
            }
        }
    }
}

#[async_trait]
impl ProcessRegistry for MemoryRegistry {
    fn durability_tier(&self) -> DurabilityTier {
        self.durability_tier
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let now_ms = self.clock.now_ms();
        self.state().register(registration, now_ms)
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        let now_ms = self.clock.now_ms();
        self.state()
            .set_external_ref(process_id, external_ref, now_ms)
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.state().grant(owner_scope, process_id, descriptor)
    }

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        self.state().revoke(owner_scope, process_id);
        Ok(())
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        self.state().transfer(from_scope, to_scope, process_ids)
    }

    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        Ok(self.state().list_grants(owner_scope, false))
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        Ok(self.state().list_grants(owner_scope, true))
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        Ok(self.state().has_grant(owner_scope, process_id))
    }

    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        self.state().grants_for_process(process_id)
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        Ok(self.state().delete_session(session_id))
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let now_ms = self.clock.now_ms();
        self.state().append(process_id, request, now_ms)
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        self.state().events_after(process_id, after_sequence)
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        self.state().wake_events_after(process_id, after_sequence)
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        self.wait_until(process_id, |entry| {
            entry.first_event_after(event_type, after_sequence)
        })
        .await
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        self.wait_until(process_id, |entry| {
            entry.record.status.await_output().cloned()
        })
        .await
    }

    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let request = ProcessEventAppendRequest::terminal(process_id, &await_output);
        let now_ms = self.clock.now_ms();
        self.state().append_terminal(process_id, request, now_ms)
    }

    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        self.state().get(process_id)
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        self.state().ack_wake(process_id, sequence)
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        Ok(self.state().list_non_terminal())
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let now_ms = self.clock.now_ms();
        self.state()
            .claim(process_id, owner_id, lease_ttl_ms, now_ms)
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let now_ms = self.clock.now_ms();
        self.state().renew(lease, lease_ttl_ms, now_ms)
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        self.state().release(completion);
        Ok(())
    }
}
