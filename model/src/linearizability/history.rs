//! A concurrent history: per-process operations with their invocation and
//! response on a logical clock, and what each returned.

use super::table::render_table;
use crate::machine::{registration, EventKind};
use procreg::{
    DurabilityTier, ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessLease, ProcessRecord, ProcessRegistration, ProcessScope,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt;

/// Owners a recorded claim draws from: look-alikes that differ only in
/// case, and a `LIKE` pattern matching both (REG-18).
pub const OWNERS: [&str; 3] = ["w0", "W0", "w_"];

/// The wake target scope with index `index`: two session scopes and two frame scopes
/// (the same pool as the sequential model check).
pub fn target_scope(index: u8) -> ProcessScope {
    match index % 4 {
        0 => ProcessScope::session("s0"),
        1 => ProcessScope::session("S0"),
        2 => ProcessScope::frame("s0", "f0"),
        _ => ProcessScope::frame("S0", "f0"),
    }
}

/// The await output with index `index` (the same pool as the sequential model check).
pub fn await_output(index: u8) -> ProcessAwaitOutput {
    match index % 3 {
        0 => ProcessAwaitOutput::success(json!({ "answer": index })),
        1 => ProcessAwaitOutput::failure("execution", "boom", "it failed"),
        _ => ProcessAwaitOutput::cancelled("stopped"),
    }
}

/// One call on one process, in serialisable form.
///
/// Every variant addresses exactly the process of its [`Operation`]; that is
/// what lets the checker split a history by process (P-compositionality).
/// Leases are named by the history-wide `<token-N>` names of the tokens the
/// backend returned, never by the opaque tokens themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum HistoryOp {
    /// `register_process(machine::registration(process, variant))`.
    Register {
        /// 0 the usual content, 1 different content, 2 invalid.
        variant: u8,
    },
    /// `append_event` of an [`EventKind`] request.
    AppendEvent {
        /// What the event carries.
        event: EventKind,
        /// Payload variant.
        value: u8,
        /// Replay key; an unkeyed cancel request is keyed by its content.
        key: Option<String>,
        /// Wake target, an index for [`target_scope`].
        target: Option<u8>,
    },
    /// `complete_process` with [`await_output`]`(output)`.
    CompleteProcess {
        /// Output index.
        output: u8,
    },
    /// `events_after`.
    EventsAfter {
        /// The cursor.
        after: u64,
    },
    /// `wake_events_after`.
    WakeEventsAfter {
        /// The cursor.
        after: u64,
    },
    /// `ack_wake`.
    AckWake {
        /// The acknowledged sequence.
        sequence: u64,
    },
    /// `get_process`.
    GetProcess,
    /// `wait_event_after`, bounded by the recording's wait timeout.
    WaitEventAfter {
        /// The awaited event type.
        event_type: String,
        /// The cursor.
        after: u64,
    },
    /// `await_process`, bounded by the recording's wait timeout.
    AwaitProcess,
    /// `claim_process_lease`.
    ClaimLease {
        /// The claiming owner.
        owner: String,
        /// The requested TTL.
        ttl_ms: u64,
    },
    /// `renew_process_lease` of a lease the same task obtained earlier.
    RenewLease {
        /// The `<token-N>` name of the presented lease.
        lease: String,
        /// The requested TTL.
        ttl_ms: u64,
    },
    /// `complete_process_lease` of a lease the same task obtained earlier.
    ReleaseLease {
        /// The `<token-N>` name of the presented lease.
        lease: String,
    },
}

impl HistoryOp {
    /// True for calls that never change the registry.
    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            HistoryOp::EventsAfter { .. }
                | HistoryOp::WakeEventsAfter { .. }
                | HistoryOp::GetProcess
                | HistoryOp::WaitEventAfter { .. }
                | HistoryOp::AwaitProcess
        )
    }

    /// The registration a `Register` op submits for `process`.
    pub fn registration(process: &str, variant: u8) -> ProcessRegistration {
        registration(process, variant)
    }

    /// The request an `AppendEvent` op submits for `process`.
    pub fn append_request(
        process: &str,
        event: EventKind,
        value: u8,
        key: Option<&str>,
        target: Option<u8>,
    ) -> ProcessEventAppendRequest {
        let mut request = event.request(value);
        if event == EventKind::Cancel && key.is_none() {
            request =
                ProcessEventAppendRequest::cancel_requested(process, Some(&format!("r{value}")));
        }
        if let Some(key) = key {
            request.replay_key = Some(key.to_owned());
        }
        if let Some(target) = target {
            request.wake_target_scope = Some(target_scope(target));
        }
        request
    }

    /// A one-line rendering naming `process`, e.g. `claim(p0, w1, ttl=1000)`.
    pub fn describe(&self, process: &str) -> String {
        match self {
            HistoryOp::Register { variant } => format!("register({process}, v{variant})"),
            HistoryOp::AppendEvent {
                event,
                value,
                key,
                target,
            } => {
                let kind = serde_json::to_value(event)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_else(|| format!("{event:?}"));
                let mut text = format!("append({process}, {kind}={value}");
                if let Some(key) = key {
                    text.push_str(&format!(", key={key:?}"));
                }
                if let Some(target) = target {
                    text.push_str(&format!(", to={}", target_scope(*target).id().as_str()));
                }
                text.push(')');
                text
            }
            HistoryOp::CompleteProcess { output } => {
                let kind = match output % 3 {
                    0 => "success",
                    1 => "failure",
                    _ => "cancelled",
                };
                format!("complete({process}, {kind}#{output})")
            }
            HistoryOp::EventsAfter { after } => format!("events_after({process}, {after})"),
            HistoryOp::WakeEventsAfter { after } => {
                format!("wake_events_after({process}, {after})")
            }
            HistoryOp::AckWake { sequence } => format!("ack_wake({process}, {sequence})"),
            HistoryOp::GetProcess => format!("get_process({process})"),
            HistoryOp::WaitEventAfter { event_type, after } => {
                format!("wait_event_after({process}, {event_type}, {after})")
            }
            HistoryOp::AwaitProcess => format!("await_process({process})"),
            HistoryOp::ClaimLease { owner, ttl_ms } => {
                format!("claim({process}, {owner}, ttl={})", ttl(*ttl_ms))
            }
            HistoryOp::RenewLease { lease, ttl_ms } => {
                format!("renew({process}, {lease}, ttl={})", ttl(*ttl_ms))
            }
            HistoryOp::ReleaseLease { lease } => format!("release({process}, {lease})"),
        }
    }
}

fn ttl(ttl_ms: u64) -> String {
    if ttl_ms == u64::MAX {
        "max".to_owned()
    } else {
        ttl_ms.to_string()
    }
}

/// A successful call's value, typed by the call; lease tokens are `<token-N>` names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum OpValue {
    /// `register_process` and `complete_process`.
    Record(Box<ProcessRecord>),
    /// `get_process`.
    MaybeRecord(Option<Box<ProcessRecord>>),
    /// `append_event`.
    Append(Box<ProcessEventAppendResult>),
    /// `events_after` and `wake_events_after`.
    Events(Vec<ProcessEvent>),
    /// `wait_event_after`.
    Event(Box<ProcessEvent>),
    /// `await_process`.
    AwaitOutput(Box<ProcessAwaitOutput>),
    /// `claim_process_lease` and `renew_process_lease`, the token renamed.
    Lease(ProcessLease),
    /// `ack_wake` and `complete_process_lease`.
    Unit,
}

impl OpValue {
    /// [`OpValue::Record`] of `record`.
    pub fn record(record: ProcessRecord) -> Self {
        Self::Record(Box::new(record))
    }

    /// [`OpValue::MaybeRecord`] of `record`.
    pub fn maybe_record(record: Option<ProcessRecord>) -> Self {
        Self::MaybeRecord(record.map(Box::new))
    }

    /// [`OpValue::Append`] of `result`.
    pub fn append(result: ProcessEventAppendResult) -> Self {
        Self::Append(Box::new(result))
    }

    /// [`OpValue::Event`] of `event`.
    pub fn event(event: ProcessEvent) -> Self {
        Self::Event(Box::new(event))
    }

    /// [`OpValue::AwaitOutput`] of `output`.
    pub fn await_output(output: ProcessAwaitOutput) -> Self {
        Self::AwaitOutput(Box::new(output))
    }

    /// A short rendering for tables.
    pub fn summary(&self) -> String {
        match self {
            OpValue::Record(record) | OpValue::MaybeRecord(Some(record)) => {
                format!("record({})", record.status.label())
            }
            OpValue::MaybeRecord(None) => "none".to_owned(),
            OpValue::Append(result) => {
                let mut text = event_summary(&result.event);
                if result.wake_delivery.is_some() {
                    text.push_str(" +wake");
                }
                text
            }
            OpValue::Events(events) => {
                let shown: Vec<String> = events.iter().take(6).map(event_summary).collect();
                let more = if events.len() > 6 { ", ..." } else { "" };
                format!("[{}{more}]", shown.join(", "))
            }
            OpValue::Event(event) => event_summary(event),
            OpValue::AwaitOutput(output) => match **output {
                ProcessAwaitOutput::Success { .. } => "success".to_owned(),
                ProcessAwaitOutput::Failure { .. } => "failure".to_owned(),
                ProcessAwaitOutput::Cancelled { .. } => "cancelled".to_owned(),
            },
            OpValue::Lease(lease) => format!(
                "lease({}, fence {}, {}, ttl={})",
                lease.owner_id,
                lease.fencing_token,
                lease.lease_token,
                if lease.expires_at_epoch_ms == u64::MAX {
                    "max".to_owned()
                } else {
                    ttl(lease
                        .expires_at_epoch_ms
                        .saturating_sub(lease.claimed_at_epoch_ms))
                }
            ),
            OpValue::Unit => "()".to_owned(),
        }
    }
}

fn event_summary(event: &ProcessEvent) -> String {
    format!("#{} {}", event.sequence, event.event_type)
}

/// What a call returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// The call succeeded.
    Ok {
        /// Its value.
        value: OpValue,
    },
    /// The call failed; only the kind is compared.
    Err {
        /// The kind.
        kind: ErrorKind,
    },
    /// The call hit its bound: it may or may not have taken effect, at any
    /// point after its invocation, and its result is unknown.
    Timeout,
}

impl Outcome {
    /// A short rendering for tables.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Ok { value } => format!("ok {}", value.summary()),
            Outcome::Err { kind } => format!("err {kind}"),
            Outcome::Timeout => "timeout".to_owned(),
        }
    }
}

/// One recorded call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Position in the history (ordered by invocation).
    pub id: usize,
    /// The task that issued it.
    pub task: usize,
    /// The one process it addresses.
    pub process: String,
    /// The call.
    pub op: HistoryOp,
    /// Logical time just before the call started.
    pub invoke: u64,
    /// Logical time just after it returned; `None` when it timed out.
    pub response: Option<u64>,
    /// What it returned.
    pub outcome: Outcome,
}

impl Operation {
    /// True when the result is unknown: no response, or a timeout.
    pub fn is_pending(&self) -> bool {
        self.response.is_none() || self.outcome == Outcome::Timeout
    }
}

/// A recorded (or hand-built) concurrent history of one registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The reading of the registry's manual clock, constant during the run.
    pub clock_ms: u64,
    /// Handles on one store the tasks were spread over (task `i` used handle
    /// `i % handles`); 1 for a backend without `Capabilities::handles`.
    #[serde(default = "one_handle")]
    pub handles: usize,
    /// The tier the registry reported.
    pub durability_tier: DurabilityTier,
    /// Whether errors are compared by kind (`false`: any error matches any error).
    pub typed_errors: bool,
    /// The calls, ordered by invocation.
    pub operations: Vec<Operation>,
}

/// The handle count of a history saved before it was recorded.
fn one_handle() -> usize {
    1
}

impl History {
    /// An empty history of a registry whose clock reads `clock_ms`, with typed errors.
    pub fn new(clock_ms: u64) -> Self {
        Self {
            clock_ms,
            handles: 1,
            durability_tier: DurabilityTier::Inline,
            typed_errors: true,
            operations: Vec::new(),
        }
    }

    /// Appends a call (its id becomes its position) and returns its id.
    pub fn push(
        &mut self,
        task: usize,
        process: impl Into<String>,
        op: HistoryOp,
        invoke: u64,
        response: Option<u64>,
        outcome: Outcome,
    ) -> usize {
        let id = self.operations.len();
        self.operations.push(Operation {
            id,
            task,
            process: process.into(),
            op,
            invoke,
            response,
            outcome,
        });
        id
    }

    /// The number of calls.
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    /// True when no call was recorded.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render_table(&self.operations))
    }
}
