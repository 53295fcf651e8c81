//! What a caller submits to create a process (REG rules).

use crate::event_type::{core_event_types, ProcessEventType};
use crate::scope::ProcessScope;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the process was started with; the registry only stores and hashes it (REG-14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProcessInput {
    /// Work described by free-form metadata.
    External {
        /// Anything the caller wants to keep with the process.
        #[serde(default)]
        metadata: Value,
    },
}

impl ProcessInput {
    /// An external input carrying `metadata`.
    pub fn external(metadata: Value) -> Self {
        Self::External { metadata }
    }
}

/// Who owns the process and what caused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessProvenance {
    /// The owning scope; its session id must be non-empty (REG-2).
    pub owner_scope: ProcessScope,
    /// The host profile that runs the process; must be non-blank (REG-3).
    pub host_profile_id: String,
    /// Opaque cause, copied into every wake delivery (WAKE-6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<Value>,
}

impl Default for ProcessProvenance {
    /// Owner session `root`, host profile `default`, no cause (upstream defaults).
    fn default() -> Self {
        Self {
            owner_scope: ProcessScope::session("root"),
            host_profile_id: "default".to_owned(),
            caused_by: None,
        }
    }
}

/// A request to create a process; identical re-submissions are idempotent (REG-9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessRegistration {
    /// Caller-chosen id; must be non-blank (REG-1).
    pub id: String,
    /// What the process runs on.
    pub input: ProcessInput,
    /// Declared event types; core types are ensured at preparation (REG-7).
    #[serde(default)]
    pub event_types: Vec<ProcessEventType>,
    /// Owner and cause.
    pub provenance: ProcessProvenance,
}

impl ProcessRegistration {
    /// A registration declaring the four core event types and default provenance.
    pub fn new(id: impl Into<String>, input: ProcessInput) -> Self {
        Self {
            id: id.into(),
            input,
            event_types: core_event_types(),
            provenance: ProcessProvenance::default(),
        }
    }

    /// Replaces the declared event types (core types are still ensured at registration).
    pub fn with_event_types(mut self, event_types: Vec<ProcessEventType>) -> Self {
        self.event_types = event_types;
        self
    }

    /// Appends event types to those already declared.
    pub fn with_extra_event_types(
        mut self,
        event_types: impl IntoIterator<Item = ProcessEventType>,
    ) -> Self {
        self.event_types.extend(event_types);
        self
    }

    /// Replaces the provenance.
    pub fn with_provenance(mut self, provenance: ProcessProvenance) -> Self {
        self.provenance = provenance;
        self
    }

    /// Sets the owner scope.
    pub fn with_owner_scope(mut self, owner_scope: ProcessScope) -> Self {
        self.provenance.owner_scope = owner_scope;
        self
    }

    /// Sets the opaque cause copied into wake deliveries.
    pub fn with_caused_by(mut self, caused_by: Value) -> Self {
        self.provenance.caused_by = Some(caused_by);
        self
    }
}
