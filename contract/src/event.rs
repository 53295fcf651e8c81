//! Events: the append request, the stored event, and the wake delivery it may produce.

use crate::await_output::ProcessAwaitOutput;
use crate::event_type::PROCESS_CANCEL_REQUESTED;
use crate::hash::payload_hash;
use crate::record::ProcessTerminalState;
use crate::scope::{ProcessScope, ProcessScopeId};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A materialised wake stored inside its event (WAKE-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessWake {
    /// The stringified wake input.
    pub input: String,
    /// The materialised dedupe key.
    pub dedupe_key: String,
}

/// The materialised terminal part of an event (TERM-1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessTerminalSemantics {
    /// The state the process reached.
    pub state: ProcessTerminalState,
    /// What `await_process` returns.
    pub await_output: ProcessAwaitOutput,
}

/// What an event turned out to mean once its payload was known.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProcessEventSemantics {
    /// Present when the event ended the process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<ProcessTerminalSemantics>,
    /// Present when the event woke the owner (a falsy `when` leaves it absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake: Option<ProcessWake>,
}

/// One entry of a process's append-only log (EVENT-5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessEvent {
    /// The owning process.
    pub process_id: String,
    /// Position in the log: 1, 2, 3, ... with no gaps (EVENT-2).
    pub sequence: u64,
    /// A declared event type.
    pub event_type: String,
    /// The payload exactly as appended.
    pub payload: Value,
    /// The replay key the event was appended with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_key: Option<String>,
    /// Materialised semantics.
    #[serde(default)]
    pub semantics: ProcessEventSemantics,
    /// Clock reading when the event was persisted.
    pub occurred_at_ms: u64,
}

/// A request to append one event (EVENT, REPLAY, WAKE rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessEventAppendRequest {
    /// Must be declared by the process (EVENT-3).
    pub event_type: String,
    /// Must satisfy the type's schema (EVENT-4).
    pub payload: Value,
    /// Makes the append idempotent (REPLAY-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_key: Option<String>,
    /// Where a materialised wake is delivered (WAKE-6, WAKE-7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_target_scope: Option<ProcessScope>,
}

impl ProcessEventAppendRequest {
    /// An unkeyed request with no wake target.
    pub fn new(event_type: impl Into<String>, payload: Value) -> Self {
        Self {
            event_type: event_type.into(),
            payload,
            replay_key: None,
            wake_target_scope: None,
        }
    }

    /// Sets the replay key.
    pub fn with_replay_key(mut self, replay_key: impl Into<String>) -> Self {
        self.replay_key = Some(replay_key.into());
        self
    }

    /// Sets the wake target.
    pub fn with_wake_target(mut self, scope: ProcessScope) -> Self {
        self.wake_target_scope = Some(scope);
        self
    }

    /// A `process.cancel_requested` event keyed by its content (REPLAY-7):
    /// the same reason dedupes to one event, different reasons make separate events.
    pub fn cancel_requested(process_id: &str, reason: Option<&str>) -> Self {
        let payload = json!({ "reason": reason });
        let key = format!(
            "process:{process_id}:cancel_requested:{}",
            payload_hash(PROCESS_CANCEL_REQUESTED, &payload)
        );
        Self::new(PROCESS_CANCEL_REQUESTED, payload).with_replay_key(key)
    }

    /// The terminal event `complete_process` appends for `await_output` (TERM-4).
    pub fn terminal(process_id: &str, await_output: &ProcessAwaitOutput) -> Self {
        let event_type = await_output.terminal_state().core_event_type();
        let payload = json!({ "await_output": await_output });
        Self::new(event_type, payload)
            .with_replay_key(format!("process:{process_id}:terminal:{event_type}"))
    }
}

/// The outcome of an append: the stored (or replayed) event and its wake delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessEventAppendResult {
    /// The persisted event, or the original on replay.
    pub event: ProcessEvent,
    /// Present when the event carries a wake (WAKE-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_delivery: Option<ProcessWakeDelivery>,
}

/// A wake for the caller to enqueue elsewhere; the registry does not store it (WAKE-6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessWakeDelivery {
    /// `"wake:"` + SHA-256 of `[target_scope_id, dedupe_key]` (WAKE-5).
    pub wake_id: String,
    /// Session of the request's wake target.
    pub target_session_id: String,
    /// Rendered scope id of the request's wake target.
    pub target_scope_id: ProcessScopeId,
    /// The process that woke.
    pub process_id: String,
    /// The waking event's sequence.
    pub sequence: u64,
    /// The waking event's type.
    pub event_type: String,
    /// The waking event's replay key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_key: Option<String>,
    /// The process's provenance cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_caused_by: Option<Value>,
    /// The materialised dedupe key.
    pub dedupe_key: String,
    /// The materialised wake input.
    pub input: String,
    /// The waking event's `occurred_at_ms`.
    pub created_at_ms: u64,
}
