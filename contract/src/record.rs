//! The stored process row: identity, declared types, status and timestamps.

use crate::await_output::ProcessAwaitOutput;
use crate::event_type::ProcessEventType;
use crate::registration::{ProcessInput, ProcessProvenance};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The three ways a process can end (TERM-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessTerminalState {
    /// Finished with a value.
    Completed,
    /// Finished with a failure.
    Failed,
    /// Finished by cancellation.
    Cancelled,
}

impl ProcessTerminalState {
    /// The core event type that records this state (`process.completed`, ...).
    pub fn core_event_type(self) -> &'static str {
        match self {
            Self::Completed => crate::event_type::PROCESS_COMPLETED,
            Self::Failed => crate::event_type::PROCESS_FAILED,
            Self::Cancelled => crate::event_type::PROCESS_CANCELLED,
        }
    }
}

/// Where a process stands: running until its first terminal event, then frozen (TERM-9).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ProcessStatus {
    /// No terminal event yet.
    #[default]
    Running,
    /// Ended by a completed-state terminal event.
    Completed {
        /// What `await_process` returns.
        await_output: ProcessAwaitOutput,
    },
    /// Ended by a failed-state terminal event.
    Failed {
        /// What `await_process` returns.
        await_output: ProcessAwaitOutput,
    },
    /// Ended by a cancelled-state terminal event.
    Cancelled {
        /// What `await_process` returns.
        await_output: ProcessAwaitOutput,
    },
}

impl ProcessStatus {
    /// The terminal status for `state` carrying `await_output`.
    pub fn from_terminal(state: ProcessTerminalState, await_output: ProcessAwaitOutput) -> Self {
        match state {
            ProcessTerminalState::Completed => Self::Completed { await_output },
            ProcessTerminalState::Failed => Self::Failed { await_output },
            ProcessTerminalState::Cancelled => Self::Cancelled { await_output },
        }
    }

    /// True for every state but running.
    pub fn is_terminal(&self) -> bool {
        !matches!(self, Self::Running)
    }

    /// The await output of a terminal status; `None` while running.
    pub fn await_output(&self) -> Option<&ProcessAwaitOutput> {
        match self {
            Self::Running => None,
            Self::Completed { await_output }
            | Self::Failed { await_output }
            | Self::Cancelled { await_output } => Some(await_output),
        }
    }

    /// The label stored by SQL backends: `running`, `completed`, `failed`, `cancelled`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed { .. } => "completed",
            Self::Failed { .. } => "failed",
            Self::Cancelled { .. } => "cancelled",
        }
    }
}

/// A pointer to work an external engine accepted for this process (XREF rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessExternalRef {
    /// The engine (e.g. `restate`).
    pub backend: String,
    /// The engine's id for the work.
    pub id: String,
    /// Free-form engine metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl ProcessExternalRef {
    /// A ref without metadata.
    pub fn new(backend: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            backend: backend.into(),
            id: id.into(),
            metadata: None,
        }
    }
}

/// The stored row of one process (REG-8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessRecord {
    /// Caller-chosen id, unique in the registry.
    pub id: String,
    /// Hash of the prepared registration (REG-11); compare only for equality.
    /// Shared: a copy of a record never copies it.
    pub registration_hash: Arc<str>,
    /// What the process was started with; stored and returned verbatim.
    /// Shared: a copy of a record never copies the input.
    pub input: Arc<ProcessInput>,
    /// Declared event types after core types were ensured (REG-7). Shared:
    /// copies of a record, and records registered with the same types, hold one list.
    #[serde(default)]
    pub event_types: Arc<[ProcessEventType]>,
    /// Who owns the process and what caused it. Shared: a copy of a record
    /// never copies it.
    pub provenance: Arc<ProcessProvenance>,
    /// Clock reading at first registration.
    #[serde(default)]
    pub created_at_ms: u64,
    /// Clock reading at the last persisted append or external-ref write.
    #[serde(default)]
    pub updated_at_ms: u64,
    /// The last external ref written, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ProcessExternalRef>,
    /// Running, or the terminal state with its await output.
    #[serde(default)]
    pub status: ProcessStatus,
}

impl ProcessRecord {
    /// True once a terminal event has been persisted.
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }

    /// The declaration of `event_type`, if the process declares it.
    pub fn event_type(&self, event_type: &str) -> Option<&ProcessEventType> {
        self.event_types
            .iter()
            .find(|declared| declared.name == event_type)
    }
}
