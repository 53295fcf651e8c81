//! TERM mutants: terminal writes and the awaited output.

use super::lease::TrackedLeases;
use procreg::{
    Clock, ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessLeaseCompletion, ProcessRecord, RegistryError, RegistryResult,
};
use procreg::{ForwardRegistry, ProcessRegistry};
use procreg_memory::MemoryRegistry;
use serde_json::Value;
use std::sync::Arc;

/// A second terminal event under a new key is reported as appended instead
/// of failing with `AlreadyTerminal` (the terminal-status update matches no
/// row and nobody checks the row count).
///
/// Violates TERM-3. Upstream: notes section 1 (terminal exactly once); the
/// terminal check of `prepare_event_append`.
pub struct DuplicateTerminalAccepted {
    inner: MemoryRegistry,
    clock: Arc<dyn Clock>,
}

impl DuplicateTerminalAccepted {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(Arc::clone(&clock)),
            clock,
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for DuplicateTerminalAccepted {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        match self.inner.append_event(process_id, request.clone()).await {
            Err(error) if error.is(ErrorKind::AlreadyTerminal) => {
                // BUG: the refused terminal write is reported as a success.
                let last = self.inner.events_after(process_id, 0).await?.len() as u64;
                Ok(ProcessEventAppendResult {
                    event: ProcessEvent {
                        process_id: process_id.to_owned(),
                        sequence: last + 1,
                        event_type: request.event_type,
                        payload: request.payload,
                        replay_key: request.replay_key,
                        semantics: Default::default(),
                        occurred_at_ms: self.clock.now_ms(),
                    },
                    wake_delivery: None,
                })
            }
            other => other,
        }
    }
}

plain_mutant! {
    /// `complete_process` refuses any terminal process up front, before the
    /// replay lookup, so an identical repeat fails with `AlreadyTerminal`
    /// instead of returning the record.
    ///
    /// Violates TERM-5 and REPLAY-4. Upstream: notes section 5.1 (completion
    /// is idempotent through its replay key).
    CompleteNotIdempotent
}

#[async_trait::async_trait]
impl ForwardRegistry for CompleteNotIdempotent {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        // BUG: the terminal guard runs before the replay lookup.
        if self
            .inner
            .get_process(process_id)
            .await
            .is_some_and(|record| record.is_terminal())
        {
            return Err(RegistryError::already_terminal(process_id));
        }
        self.inner.complete_process(process_id, await_output).await
    }
}

plain_mutant! {
    /// `await_process` waits for the terminal state, then returns the
    /// terminal event's raw payload wrapped as `success` instead of the
    /// materialised await output.
    ///
    /// Violates TERM-11 and WAIT-5. Upstream: notes section 2.8 (await outputs
    /// are materialised from the payload); the check
    /// `await_reads_terminal_materialized_output`.
    AwaitRawPayload
}

#[async_trait::async_trait]
impl ForwardRegistry for AwaitRawPayload {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        let materialised = self.inner.await_process(process_id).await?;
        // BUG: the raw payload of the terminal event stands in for the output.
        let terminal = self
            .inner
            .events_after(process_id, 0)
            .await?
            .into_iter()
            .find(|event| event.semantics.terminal.is_some());
        Ok(terminal.map_or(materialised, |event| {
            ProcessAwaitOutput::success(event.payload)
        }))
    }
}

plain_mutant! {
    /// `await_process` on a running process returns `success(null)` at once
    /// (a missing output read as an empty success) instead of waiting for the
    /// terminal event.
    ///
    /// Violates WAIT-5. Upstream: notes section 4 (`await_process` blocks until
    /// terminal); the check `await_reads_terminal_materialized_output`.
    AwaitReturnsEarly
}

#[async_trait::async_trait]
impl ForwardRegistry for AwaitReturnsEarly {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        match self.inner.get_process(process_id).await {
            // BUG: `status.await_output().cloned().unwrap_or_default()`.
            Some(record) if !record.is_terminal() => Ok(ProcessAwaitOutput::success(Value::Null)),
            _ => self.inner.await_process(process_id).await,
        }
    }
}

tracking_mutant! {
    /// `complete_process` refuses while another worker holds a live lease
    /// (HEAD's leased completion back-ported): in alpha.38 any caller may
    /// complete, whoever holds the lease.
    ///
    /// Violates TERM-10. Upstream: bug class 3 (check-then-act terminal
    /// write, fixed at HEAD by `complete_process_with_lease`; alpha.38 does
    /// not check leases on completion).
    CompleteRequiresLease with clock
}

forward_with_leases!(CompleteRequiresLease, TrackedLeases, {
    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        // BUG: a live lease blocks completion by anyone.
        if let Some(lease) = self.issued.current(process_id) {
            if lease.expires_at_epoch_ms > self.clock.now_ms() {
                return Err(RegistryError::lease_held(
                    process_id,
                    &lease.owner_id,
                    lease.expires_at_epoch_ms,
                ));
            }
        }
        self.inner.complete_process(process_id, await_output).await
    }
});

impl TrackedLeases for CompleteRequiresLease {}

tracking_mutant! {
    /// `complete_process` also releases the process's lease ("a finished
    /// process needs no lease"), so the holder's lease is gone after completion.
    ///
    /// Violates LEASE-19 (and TERM-10: completion leaves the lease as it was).
    /// Upstream: notes section 1 (leases and status are independent).
    CompletionReleasesLease
}

forward_with_leases!(CompletionReleasesLease, TrackedLeases, {
    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let record = self
            .inner
            .complete_process(process_id, await_output)
            .await?;
        // BUG: completion cleans up the lease row.
        if let Some(lease) = self.issued.current(process_id) {
            let release = ProcessLeaseCompletion::from_lease(&lease);
            TrackedLeases::complete_process_lease(self, &release).await?;
        }
        Ok(record)
    }
});

impl TrackedLeases for CompletionReleasesLease {}
