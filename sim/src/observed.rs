//! The registry as the world sees it: every call and answer goes into the
//! trace, and every answer is checked against what earlier answers implied.
//! Runs inside the registry host, so the order of calls is the registry's own.

use crate::clock::SimClock;
use crate::journal::{lock, SharedJournal};
use crate::oracle::Finding;
use async_trait::async_trait;
use procreg::ErrorKind;
use procreg::{
    Clock, DurabilityTier, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessHandleGrantEntry, ProcessLease, ProcessLeaseCompletion, ProcessRecord,
    ProcessRegistration, ProcessRegistry, ProcessScope, ProcessSessionDeleteReport, RegistryResult,
};
use std::sync::Arc;

/// Wraps the registry under test; see the module docs.
pub struct ObservedRegistry {
    inner: Arc<dyn ProcessRegistry>,
    clock: Arc<SimClock>,
    journal: SharedJournal,
}

fn brief<T>(result: &RegistryResult<T>, ok: impl FnOnce(&T) -> String) -> String {
    match result {
        Ok(value) => format!("ok {}", ok(value)),
        Err(error) => format!("err {}", error.kind),
    }
}

impl ObservedRegistry {
    /// Observes `inner`, reading time from `clock`.
    pub fn new(
        inner: Arc<dyn ProcessRegistry>,
        clock: Arc<SimClock>,
        journal: SharedJournal,
    ) -> Self {
        Self {
            inner,
            clock,
            journal,
        }
    }

    fn begin(&self, description: &str) -> u64 {
        lock(&self.journal).call_started(format!(
            "{} (since {} ms)",
            description,
            self.clock.elapsed_ms()
        ))
    }

    fn end(
        &self,
        ticket: u64,
        description: &str,
        answer: &str,
        findings: Vec<Finding>,
        process_id: Option<&str>,
    ) {
        let at_ms = self.clock.elapsed_ms();
        let mut journal = lock(&self.journal);
        journal.call_finished(ticket);
        journal.note(at_ms, "registry", &format!("{description} -> {answer}"));
        for (invariant, owners, detail) in findings {
            journal.violate(invariant, at_ms, process_id, owners, detail);
        }
    }

    async fn plain<T>(
        &self,
        description: String,
        call: impl std::future::Future<Output = RegistryResult<T>>,
        summary: impl FnOnce(&T) -> String,
    ) -> RegistryResult<T> {
        let ticket = self.begin(&description);
        let result = call.await;
        self.end(
            ticket,
            &description,
            &brief(&result, summary),
            Vec::new(),
            None,
        );
        result
    }
}

#[async_trait]
impl ProcessRegistry for ObservedRegistry {
    fn durability_tier(&self) -> DurabilityTier {
        self.inner.durability_tier()
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let process_id = registration.id.clone();
        let description = format!("register {process_id}");
        let ticket = self.begin(&description);
        let result = self.inner.register_process(registration).await;
        if result.is_ok() {
            lock(&self.journal).oracle.registered(&process_id);
        }
        self.end(
            ticket,
            &description,
            &brief(&result, |_| String::new()),
            Vec::new(),
            None,
        );
        result
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        self.plain(
            format!("set_external_ref {process_id}"),
            self.inner.set_external_ref(process_id, external_ref),
            |_| String::new(),
        )
        .await
    }

    async fn grant_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.plain(
            format!("grant {process_id} to {}", owner_scope.id().as_str()),
            self.inner.grant_handle(owner_scope, process_id, descriptor),
            |_| String::new(),
        )
        .await
    }

    async fn revoke_handle(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<()> {
        self.plain(
            format!("revoke {process_id} from {}", owner_scope.id().as_str()),
            self.inner.revoke_handle(owner_scope, process_id),
            |_| String::new(),
        )
        .await
    }

    async fn transfer_handle_grants(
        &self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        self.plain(
            format!(
                "transfer {} from {} to {}",
                process_ids.join(","),
                from_scope.id().as_str(),
                to_scope.id().as_str()
            ),
            self.inner
                .transfer_handle_grants(from_scope, to_scope, process_ids),
            |_| String::new(),
        )
        .await
    }

    async fn list_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        self.plain(
            format!("list_handle_grants {}", owner_scope.id().as_str()),
            self.inner.list_handle_grants(owner_scope),
            |entries| format!("{} grants", entries.len()),
        )
        .await
    }

    async fn list_live_handle_grants(
        &self,
        owner_scope: &ProcessScope,
    ) -> RegistryResult<Vec<ProcessHandleGrantEntry>> {
        self.plain(
            format!("list_live_handle_grants {}", owner_scope.id().as_str()),
            self.inner.list_live_handle_grants(owner_scope),
            |entries| format!("{} grants", entries.len()),
        )
        .await
    }

    async fn has_handle_grant(
        &self,
        owner_scope: &ProcessScope,
        process_id: &str,
    ) -> RegistryResult<bool> {
        self.plain(
            format!(
                "has_handle_grant {process_id} {}",
                owner_scope.id().as_str()
            ),
            self.inner.has_handle_grant(owner_scope, process_id),
            |held| held.to_string(),
        )
        .await
    }

    async fn handle_grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        self.plain(
            format!("handle_grants_for_process {process_id}"),
            self.inner.handle_grants_for_process(process_id),
            |grants| format!("{} grants", grants.len()),
        )
        .await
    }

    async fn delete_session_process_state(
        &self,
        session_id: &str,
    ) -> RegistryResult<ProcessSessionDeleteReport> {
        self.plain(
            format!("delete_session {session_id}"),
            self.inner.delete_session_process_state(session_id),
            |_| String::new(),
        )
        .await
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let description = format!(
            "append {process_id} {} key {}",
            request.event_type,
            request.replay_key.as_deref().unwrap_or("-")
        );
        let may_end = request.event_type.starts_with("process.")
            && request.event_type != procreg::PROCESS_CANCEL_REQUESTED;
        if may_end {
            lock(&self.journal).oracle.terminal_attempted(process_id);
        }
        let replay_key = request.replay_key.clone();
        let ticket = self.begin(&description);
        let result = self.inner.append_event(process_id, request).await;
        let mut findings = Vec::new();
        if let Ok(appended) = &result {
            lock(&self.journal).oracle.append_acknowledged(
                process_id,
                replay_key.as_deref(),
                appended.event.sequence,
            );
            if may_end {
                findings.extend(lock(&self.journal).oracle.terminal_acknowledged(
                    process_id,
                    replay_key.as_deref(),
                    appended.event.sequence,
                ));
            }
        }
        let answer = brief(&result, |appended| {
            format!("seq {}", appended.event.sequence)
        });
        self.end(ticket, &description, &answer, findings, Some(process_id));
        result
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        self.plain(
            format!("events_after {process_id} {after_sequence}"),
            self.inner.events_after(process_id, after_sequence),
            |events| format!("{} events", events.len()),
        )
        .await
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        self.plain(
            format!("wake_events_after {process_id} {after_sequence}"),
            self.inner.wake_events_after(process_id, after_sequence),
            |events| format!("{} wakes", events.len()),
        )
        .await
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        self.plain(
            format!("wait_event_after {process_id} {event_type} {after_sequence}"),
            self.inner
                .wait_event_after(process_id, event_type, after_sequence),
            |event| format!("seq {}", event.sequence),
        )
        .await
    }

    async fn await_process(&self, process_id: &str) -> RegistryResult<ProcessAwaitOutput> {
        self.plain(
            format!("await {process_id}"),
            self.inner.await_process(process_id),
            |output| output.terminal_state().core_event_type().to_owned(),
        )
        .await
    }

    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let description = format!("complete {process_id}");
        lock(&self.journal).oracle.terminal_attempted(process_id);
        let core_key = ProcessEventAppendRequest::terminal(process_id, &await_output).replay_key;
        let ticket = self.begin(&description);
        let result = self.inner.complete_process(process_id, await_output).await;
        let mut findings = Vec::new();
        match &result {
            Ok(_) => {
                let events = self.inner.events_after(process_id, 0).await;
                let first_terminal = events.ok().and_then(|events| {
                    events
                        .into_iter()
                        .find(|event| event.semantics.terminal.is_some())
                });
                if let Some(first) = first_terminal {
                    findings.extend(lock(&self.journal).oracle.terminal_acknowledged(
                        process_id,
                        core_key.as_deref(),
                        first.sequence,
                    ));
                }
            }
            // A storage failure is not an answer; any contract error is.
            Err(error) if error.kind == ErrorKind::Backend => {}
            Err(error) => findings.push((
                crate::outcome::Invariant::ExactlyOnce,
                Vec::new(),
                format!(
                    "complete_process with the process's one output failed ({}: {}); completing again must be idempotent",
                    error.kind, error.message
                ),
            )),
        }
        let answer = brief(&result, |record| record.status.label().to_owned());
        self.end(ticket, &description, &answer, findings, Some(process_id));
        result
    }

    async fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        let description = format!("get {process_id}");
        let ticket = self.begin(&description);
        let record = self.inner.get_process(process_id).await;
        let answer = match &record {
            Some(record) => record.status.label().to_owned(),
            None => "none".to_owned(),
        };
        self.end(ticket, &description, &answer, Vec::new(), None);
        record
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        self.plain(
            format!("ack_wake {process_id} {sequence}"),
            self.inner.ack_wake(process_id, sequence),
            |_| String::new(),
        )
        .await
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        let description = "list_non_terminal".to_owned();
        let (registered_before, terminal_before) = {
            let journal = lock(&self.journal);
            (
                journal.oracle.registered_ids(),
                journal.oracle.terminal_ids(),
            )
        };
        let ticket = self.begin(&description);
        let result = self.inner.list_non_terminal().await;
        let findings = match &result {
            Ok(listed) => {
                lock(&self.journal)
                    .oracle
                    .check_sweep(listed, &registered_before, &terminal_before)
            }
            Err(_) => Vec::new(),
        };
        let answer = brief(&result, |listed| format!("{} running", listed.len()));
        self.end(ticket, &description, &answer, findings, None);
        result
    }

    async fn claim_process_lease(
        &self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let description = format!("claim {process_id} by {owner_id} ttl {lease_ttl_ms}");
        let ticket = self.begin(&description);
        let result = self
            .inner
            .claim_process_lease(process_id, owner_id, lease_ttl_ms)
            .await;
        let now_ms = self.clock.now_ms();
        let findings = {
            let mut journal = lock(&self.journal);
            match &result {
                Ok(lease) => {
                    journal.stats.claims_granted += 1;
                    journal.oracle.claim_granted(lease, now_ms)
                }
                Err(_) => {
                    journal.stats.claims_refused += 1;
                    Vec::new()
                }
            }
        };
        let answer = brief(&result, |lease| {
            format!(
                "fence {} until {}",
                lease.fencing_token, lease.expires_at_epoch_ms
            )
        });
        self.end(ticket, &description, &answer, findings, Some(process_id));
        result
    }

    async fn renew_process_lease(
        &self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let description = format!(
            "renew {} by {} fence {}",
            lease.process_id, lease.owner_id, lease.fencing_token
        );
        let ticket = self.begin(&description);
        let result = self.inner.renew_process_lease(lease, lease_ttl_ms).await;
        let now_ms = self.clock.now_ms();
        let findings = {
            let mut journal = lock(&self.journal);
            match &result {
                Ok(renewed) => journal
                    .oracle
                    .renew_granted(lease, renewed, now_ms)
                    .into_iter()
                    .collect(),
                Err(error) => {
                    journal.stats.leases_lost += 1;
                    if error.kind == ErrorKind::Backend {
                        Vec::new()
                    } else {
                        journal
                            .oracle
                            .renew_refused(lease, now_ms)
                            .into_iter()
                            .collect()
                    }
                }
            }
        };
        let answer = brief(&result, |renewed| {
            format!("until {}", renewed.expires_at_epoch_ms)
        });
        self.end(
            ticket,
            &description,
            &answer,
            findings,
            Some(&lease.process_id),
        );
        result
    }

    async fn complete_process_lease(
        &self,
        completion: &ProcessLeaseCompletion,
    ) -> RegistryResult<()> {
        let description = format!("release {}", completion.process_id);
        let ticket = self.begin(&description);
        let result = self.inner.complete_process_lease(completion).await;
        if result.is_ok() {
            lock(&self.journal).oracle.released(completion);
        }
        self.end(
            ticket,
            &description,
            &brief(&result, |_| String::new()),
            Vec::new(),
            None,
        );
        result
    }
}
