//! The registry as the world sees it: every call and answer goes into the
//! trace, and every answer is checked against what earlier answers implied.
//! Runs inside the registry host, so the order of calls is the registry's own.

use crate::clock::{SimClock, SIM_EPOCH_MS};
use crate::coverage::Moment;
use crate::describe::{describe_answer, describe_call};
use crate::host::RegistryHost;
use crate::journal::{lock, SharedJournal};
use crate::oracle::Finding;
use crate::outcome::Invariant;
use crate::timeline::{LeaseChange, LeaseEvent, TimelineCall};
use async_trait::async_trait;
use procreg::{
    CallAnswer, CallHandler, CallResult, Clock, DurabilityTier, ErrorKind,
    ProcessEventAppendRequest, ProcessLease, ProcessLeaseCompletion, RegistryCall,
};
use std::collections::BTreeSet;
use std::sync::Arc;

/// One call as the trace shows it.
struct Traced<'a> {
    from_ms: u64,
    description: &'a str,
    answer: &'a str,
}

/// A lease's change as the timeline draws it; expiry in simulated ms.
fn lease_change(at_ms: u64, event: LeaseEvent, lease: &ProcessLease) -> LeaseChange {
    LeaseChange {
        at_ms,
        event,
        process_id: lease.process_id.clone(),
        owner_id: lease.owner_id.clone(),
        fencing_token: lease.fencing_token,
        until_ms: Some(lease.expires_at_epoch_ms.saturating_sub(SIM_EPOCH_MS)),
    }
}

/// Wraps the registry under test; see the module docs.
pub struct ObservedRegistry {
    host: Arc<RegistryHost>,
    /// The client whose own handle calls go through (shared-store topology).
    client: Option<String>,
    clock: Arc<SimClock>,
    journal: SharedJournal,
    /// Whether the journal keeps a timeline to draw lease changes in.
    pictured: bool,
}

/// What the oracle needs to judge a call's answer, taken before the call runs.
enum Expectation {
    /// Nothing: the answer is traced, not judged.
    Traced,
    /// A registration of this process.
    Registration(String),
    /// An append; `may_end` when it names a core terminal event type.
    Append {
        process_id: String,
        replay_key: Option<String>,
        may_end: bool,
    },
    /// `complete_process`, whose core terminal event carries `core_key`.
    Completion {
        process_id: String,
        core_key: Option<String>,
    },
    /// A sweep, with what the oracle knew before it.
    Sweep {
        registered: Arc<BTreeSet<String>>,
        terminal: Arc<BTreeSet<String>>,
    },
    /// A lease claim on this process.
    Claim(String),
    /// A renewal of this lease.
    Renewal(ProcessLease),
    /// A release with this completion.
    Release(ProcessLeaseCompletion),
    /// An await; `running` when the process had no acknowledged terminal event yet.
    Await { running: bool },
}

impl Expectation {
    /// The process a violation found for this call is about.
    fn process_id(&self) -> Option<&str> {
        match self {
            Expectation::Append { process_id, .. }
            | Expectation::Completion { process_id, .. }
            | Expectation::Claim(process_id) => Some(process_id),
            Expectation::Renewal(lease) => Some(&lease.process_id),
            _ => None,
        }
    }
}

impl ObservedRegistry {
    /// Observes the registry `host` serves, reading time from `clock`.
    pub fn new(host: Arc<RegistryHost>, clock: Arc<SimClock>, journal: SharedJournal) -> Self {
        let pictured = lock(&journal).timeline().is_some();
        Self {
            host,
            client: None,
            clock,
            journal,
            pictured,
        }
    }

    /// Observes the calls of `client`, which go through its own handle.
    pub fn for_client(&self, client: &str) -> Self {
        Self {
            host: self.host.clone(),
            client: Some(client.to_owned()),
            clock: self.clock.clone(),
            journal: self.journal.clone(),
            pictured: self.pictured,
        }
    }

    fn begin(&self, description: &str) -> u64 {
        lock(&self.journal).call_started(format!(
            "{} (since {} ms)",
            description,
            self.clock.elapsed_ms()
        ))
    }

    fn end(&self, ticket: u64, call: Traced<'_>, findings: Vec<Finding>, process_id: Option<&str>) {
        let Traced {
            from_ms,
            description,
            answer,
        } = call;
        let at_ms = self.clock.elapsed_ms();
        let mut journal = lock(&self.journal);
        journal.call_finished(ticket);
        if let Some(timeline) = journal.timeline() {
            timeline.calls.push(TimelineCall {
                from_ms,
                to_ms: at_ms,
                call: description.to_owned(),
                answer: answer.to_owned(),
            });
        }
        journal.note(at_ms, "registry", &format!("{description} -> {answer}"));
        for (invariant, owners, detail) in findings {
            journal.violate(invariant, at_ms, process_id, owners, detail);
        }
    }

    /// Tells the oracle what is being attempted and keeps what it needs to
    /// judge the answer.
    fn expect(&self, call: &RegistryCall) -> Expectation {
        match call {
            RegistryCall::RegisterProcess { registration } => {
                Expectation::Registration(registration.id.clone())
            }
            RegistryCall::AppendEvent {
                process_id,
                request,
            } => {
                let may_end = request.event_type.starts_with("process.")
                    && request.event_type != procreg::PROCESS_CANCEL_REQUESTED;
                if may_end {
                    lock(&self.journal).oracle.terminal_attempted(process_id);
                }
                Expectation::Append {
                    process_id: process_id.clone(),
                    replay_key: request.replay_key.clone(),
                    may_end,
                }
            }
            RegistryCall::CompleteProcess {
                process_id,
                await_output,
            } => {
                lock(&self.journal).oracle.terminal_attempted(process_id);
                Expectation::Completion {
                    process_id: process_id.clone(),
                    core_key: ProcessEventAppendRequest::terminal(process_id, await_output)
                        .replay_key,
                }
            }
            RegistryCall::ListNonTerminal => {
                let journal = lock(&self.journal);
                Expectation::Sweep {
                    registered: journal.oracle.registered_ids(),
                    terminal: journal.oracle.terminal_ids(),
                }
            }
            RegistryCall::ClaimProcessLease { process_id, .. } => {
                Expectation::Claim(process_id.clone())
            }
            RegistryCall::RenewProcessLease { lease, .. } => Expectation::Renewal(lease.clone()),
            RegistryCall::CompleteProcessLease { completion } => {
                Expectation::Release(completion.clone())
            }
            RegistryCall::AwaitProcess { process_id } => Expectation::Await {
                running: !lock(&self.journal).oracle.is_terminal(process_id),
            },
            _ => Expectation::Traced,
        }
    }

    /// Counts the interesting moment this answer is, if it is one (before
    /// the oracle learns from it: a replay is judged against the keys
    /// acknowledged before, a takeover against the lease held before).
    fn count_moment(&self, expectation: &Expectation, result: &CallResult) {
        let now_ms = self.clock.now_ms();
        let mut journal = lock(&self.journal);
        let moment = match (expectation, result) {
            (
                Expectation::Append {
                    process_id,
                    replay_key: Some(key),
                    ..
                },
                Ok(CallAnswer::Appended(appended)),
            ) => journal
                .oracle
                .acknowledged_appends(process_id)
                .and_then(|appends| appends.get(&appended.event.sequence))
                .is_some_and(|stored| stored.as_deref() == Some(key.as_str()))
                .then_some(Moment::ReplayHit),
            (Expectation::Append { may_end: true, .. }, Err(error)) => (error.kind
                == ErrorKind::AlreadyTerminal)
                .then_some(Moment::DuplicateFinisherRefused),
            (Expectation::Await { running: true }, Ok(_)) => Some(Moment::WaitEndedByTerminal),
            (Expectation::Claim(_), Ok(CallAnswer::Lease(lease))) => journal
                .oracle
                .takes_over_expired(lease, now_ms)
                .then_some(Moment::ExpiredLeaseTakenOver),
            (Expectation::Renewal(presented), Err(error)) => (error.kind != ErrorKind::Backend
                && journal.oracle.expired_unreleased(presented, now_ms))
            .then_some(Moment::RenewalLostToExpiry),
            _ => None,
        };
        if let Some(moment) = moment {
            journal.stats.coverage.hit(moment);
        }
    }

    /// Draws the lease change this answer announces, if it announces one.
    fn picture_lease(&self, expectation: &Expectation, result: &CallResult) {
        if !self.pictured {
            return;
        }
        let at_ms = self.clock.elapsed_ms();
        let mut journal = lock(&self.journal);
        let change = match (expectation, result) {
            (Expectation::Claim(_), Ok(CallAnswer::Lease(lease))) => {
                lease_change(at_ms, LeaseEvent::Granted, lease)
            }
            // The lease the worker presented is the one renewed, whatever the answer holds.
            (Expectation::Renewal(presented), Ok(CallAnswer::Lease(renewed))) => LeaseChange {
                until_ms: Some(renewed.expires_at_epoch_ms.saturating_sub(SIM_EPOCH_MS)),
                ..lease_change(at_ms, LeaseEvent::Renewed, presented)
            },
            (Expectation::Renewal(presented), Err(error)) if error.kind == ErrorKind::LeaseLost => {
                lease_change(at_ms, LeaseEvent::Lost, presented)
            }
            (Expectation::Release(completion), Ok(_)) => {
                let Some((owner_id, fencing_token)) = journal.oracle.lease_by_token(completion)
                else {
                    return;
                };
                LeaseChange {
                    at_ms,
                    event: LeaseEvent::Released,
                    process_id: completion.process_id.clone(),
                    owner_id,
                    fencing_token,
                    until_ms: None,
                }
            }
            _ => return,
        };
        if let Some(timeline) = journal.timeline() {
            timeline.leases.push(change);
        }
    }

    /// Judges the answer against what earlier answers implied.
    async fn judge(&self, expectation: &Expectation, result: &CallResult) -> Vec<Finding> {
        let now_ms = self.clock.now_ms();
        match (expectation, result) {
            (Expectation::Registration(process_id), Ok(_)) => {
                lock(&self.journal).oracle.registered(process_id);
                Vec::new()
            }
            (
                Expectation::Append {
                    process_id,
                    replay_key,
                    may_end,
                },
                Ok(CallAnswer::Appended(appended)),
            ) => {
                let mut journal = lock(&self.journal);
                let sequence = appended.event.sequence;
                let key = replay_key.as_deref();
                journal
                    .oracle
                    .append_acknowledged(process_id, key, sequence);
                if *may_end {
                    journal
                        .oracle
                        .terminal_acknowledged(process_id, key, sequence)
                        .into_iter()
                        .collect()
                } else {
                    Vec::new()
                }
            }
            (
                Expectation::Completion {
                    process_id,
                    core_key,
                },
                result,
            ) => {
                self.judge_completion(process_id, core_key.as_deref(), result)
                    .await
            }
            (
                Expectation::Sweep {
                    registered,
                    terminal,
                },
                Ok(CallAnswer::Records(listed)),
            ) => lock(&self.journal)
                .oracle
                .check_sweep(listed, registered, terminal),
            (Expectation::Claim(_), Ok(CallAnswer::Lease(lease))) => {
                let mut journal = lock(&self.journal);
                journal.stats.claims_granted += 1;
                journal.oracle.claim_granted(lease, now_ms)
            }
            (Expectation::Claim(_), Err(_)) => {
                lock(&self.journal).stats.claims_refused += 1;
                Vec::new()
            }
            (Expectation::Renewal(presented), Ok(CallAnswer::Lease(renewed))) => {
                lock(&self.journal)
                    .oracle
                    .renew_granted(presented, renewed, now_ms)
                    .into_iter()
                    .collect()
            }
            (Expectation::Renewal(presented), Err(error)) => {
                let mut journal = lock(&self.journal);
                journal.stats.leases_lost += 1;
                if error.kind == ErrorKind::Backend {
                    Vec::new()
                } else {
                    journal
                        .oracle
                        .renew_refused(presented, now_ms)
                        .into_iter()
                        .collect()
                }
            }
            (Expectation::Release(completion), Ok(_)) => {
                lock(&self.journal).oracle.released(completion);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// A completion must be acknowledged, and its terminal event must be
    /// the process's first (read back without tracing the read).
    async fn judge_completion(
        &self,
        process_id: &str,
        core_key: Option<&str>,
        result: &CallResult,
    ) -> Vec<Finding> {
        match result {
            Ok(_) => {
                let read = RegistryCall::EventsAfter {
                    process_id: process_id.to_owned(),
                    after_sequence: 0,
                };
                let events = match self.host.call(self.client.as_deref(), read).await {
                    Ok(CallAnswer::Events(events)) => Some(events),
                    _ => None,
                };
                let first_terminal = events.and_then(|events| {
                    events
                        .into_iter()
                        .find(|event| event.semantics.terminal.is_some())
                });
                match first_terminal {
                    Some(first) => lock(&self.journal)
                        .oracle
                        .terminal_acknowledged(process_id, core_key, first.sequence)
                        .into_iter()
                        .collect(),
                    None => Vec::new(),
                }
            }
            // A storage failure is not an answer; any contract error is.
            Err(error) if error.kind == ErrorKind::Backend => Vec::new(),
            Err(error) => vec![(
                Invariant::ExactlyOnce,
                Vec::new(),
                format!(
                    "complete_process with the process's one output failed ({}: {}); completing again must be idempotent",
                    error.kind, error.message
                ),
            )],
        }
    }
}

#[async_trait]
impl CallHandler for ObservedRegistry {
    fn durability_tier(&self) -> DurabilityTier {
        self.host
            .current()
            .map_or(DurabilityTier::Durable, |registry| {
                registry.durability_tier()
            })
    }

    async fn handle(&self, call: RegistryCall) -> CallResult {
        let description = match &self.client {
            Some(client) => format!("{} via {client}", describe_call(&call)),
            None => describe_call(&call),
        };
        let expectation = self.expect(&call);
        let from_ms = self.clock.elapsed_ms();
        let ticket = self.begin(&description);
        let method = call.method();
        let result = self.host.call(self.client.as_deref(), call).await;
        self.count_moment(&expectation, &result);
        self.picture_lease(&expectation, &result);
        let findings = self.judge(&expectation, &result).await;
        let answer = describe_answer(method, &result);
        let traced = Traced {
            from_ms,
            description: &description,
            answer: &answer,
        };
        self.end(ticket, traced, findings, expectation.process_id());
        result
    }
}
