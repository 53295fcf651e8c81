//! The `ProcessRegistry` trait: the durable process registry contract (alpha.38 surface).

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
use crate::scope::ProcessScope;

/// A durable registry of background processes: registered once, an ordered
/// event log each, terminal exactly once, executed by one fenced lease holder
/// at a time. Rule ids refer to `docs/spec.md`.
///
/// Every method is atomic: an error leaves no trace (ERR-3). All methods take
/// `&self` and may race; the registry serialises conflicting writers.
#[async_trait::async_trait]
pub trait ProcessRegistry: Send + Sync {
    /// The durability this registry provides; constant for its lifetime (REG-15).
    fn durability_tier(&self) -> DurabilityTier {
        DurabilityTier::Inline
    }

    /// Creates a process, or returns the stored record when the prepared
    /// content hashes the same (REG-1..REG-14).
    ///
    /// A different hash under the same id is `RegistrationConflict` and
    /// changes nothing; registration creates no events, grants or leases.
    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord>;

    /// Writes the external ref, last writer wins, and bumps `updated_at_ms`;
    /// allowed on terminal processes (XREF-1..XREF-6).
    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord>;

    /// Grants `owner_scope` the right to address the process, replacing the
    /// descriptor of an existing grant of that exact scope (GRANT-1..GRANT-4, GRANT-10).
    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant>;

    /// Removes the grant of that exact scope if present; never errors for
    /// absence (GRANT-5).
    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()>;

    /// Moves each listed grant from `from_scope` to `to_scope` keeping its
    /// descriptor, all or nothing (GRANT-11..GRANT-14).
    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()>;

    /// Every grant of exactly `owner_scope`, joined with the current record,
    /// terminal ones included, by process id (GRANT-6).
    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>>;

    /// [`list_handle_grants`](Self::list_handle_grants) without terminal processes (GRANT-7).
    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        Ok(self
            .list_handle_grants(owner_scope)
            .await?
            .into_iter()
            .filter(|(_, record)| !record.is_terminal())
            .collect())
    }

    /// Whether exactly `owner_scope` holds a grant for the process; false for
    /// unknown ids (GRANT-8).
    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        Ok(self
            .list_handle_grants(owner_scope)
            .await?
            .into_iter()
            .any(|(grant, _)| grant.process_id == process_id))
    }

    /// Every grant of the process across scopes, by (session id, scope id) (GRANT-9).
    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>>;

    /// Revokes every grant of the session and its frames and reports which
    /// live processes lost their last grant (SESSION-1..SESSION-8).
    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport>;

    /// Appends one event: replayed by key, validated, materialised, then
    /// persisted at the next sequence (EVENT, REPLAY, WAKE, TERM rules).
    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult>;

    /// Events with `sequence > after_sequence`, ascending (EVENT-7).
    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>>;

    /// Unacknowledged wake events with `sequence > after_sequence`, ascending (WAKE-9, WAKE-10).
    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>>;

    /// The first event of `event_type` after the cursor, waiting for it if
    /// needed; never misses a concurrent append (WAIT-1..WAIT-4, WAIT-6, WAIT-7).
    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent>;

    /// The terminal await output, waiting for the terminal event if needed (WAIT-5).
    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput>;

    /// Ends the process with `await_output` through a keyed core terminal
    /// event; idempotent for the same output (TERM-4..TERM-8, TERM-10).
    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord>;

    /// The current record, or `None` for an unknown id (ERR-4).
    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord>;

    /// Hides `sequence` from [`wake_events_after`](Self::wake_events_after); idempotent (WAKE-10).
    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()>;

    /// Every running process, by id: the crash-recovery worklist (SWEEP-1..SWEEP-4).
    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>>;

    /// Claims the single-owner lease: a live lease of another owner refuses;
    /// a free, released, expired or own lease is taken with a higher fencing
    /// token and a fresh lease token (LEASE-1..LEASE-9, LEASE-20, LEASE-21).
    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease>;

    /// Extends a live lease presented with its current token; only the expiry
    /// changes (LEASE-10..LEASE-14, LEASE-22).
    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease>;

    /// Releases the lease when the token matches, keeping the fencing token;
    /// otherwise a silent no-op (LEASE-15..LEASE-19).
    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()>;
}
