//! Event-type declarations: names, payload schemas, and terminal/wake semantics (REG-7, WAKE, TERM).

use crate::record::ProcessTerminalState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Core type: a request to cancel; always needs a replay key (REPLAY-6).
pub const PROCESS_CANCEL_REQUESTED: &str = "process.cancel_requested";
/// Core type: terminal, state completed, await output at `/await_output`.
pub const PROCESS_COMPLETED: &str = "process.completed";
/// Core type: terminal, state failed, await output at `/await_output`.
pub const PROCESS_FAILED: &str = "process.failed";
/// Core type: terminal, state cancelled, await output at `/await_output`.
pub const PROCESS_CANCELLED: &str = "process.cancelled";

/// The four core types every prepared registration declares, in core order (REG-7).
pub fn core_event_types() -> Vec<ProcessEventType> {
    vec![
        ProcessEventType::new(PROCESS_CANCEL_REQUESTED),
        ProcessEventType::terminal(
            PROCESS_COMPLETED,
            ProcessTerminalState::Completed,
            Some(ProcessValueSelector::pointer("/await_output")),
        ),
        ProcessEventType::terminal(
            PROCESS_FAILED,
            ProcessTerminalState::Failed,
            Some(ProcessValueSelector::pointer("/await_output")),
        ),
        ProcessEventType::terminal(
            PROCESS_CANCELLED,
            ProcessTerminalState::Cancelled,
            Some(ProcessValueSelector::pointer("/await_output")),
        ),
    ]
}

/// A JSON Schema (supported subset, see [`crate::schema`]) for an event payload.
///
/// The empty object `{}` accepts every payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayloadSchema {
    /// The schema document.
    pub schema: Value,
}

impl PayloadSchema {
    /// The schema that accepts anything.
    pub fn any() -> Self {
        Self {
            schema: Value::Object(serde_json::Map::new()),
        }
    }

    /// A schema from a JSON Schema document.
    pub fn new(schema: Value) -> Self {
        Self { schema }
    }
}

impl Default for PayloadSchema {
    fn default() -> Self {
        Self::any()
    }
}

/// One declared event type of a process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessEventType {
    /// Unique, non-blank name within the process (REG-4, REG-5).
    pub name: String,
    /// Payloads must satisfy it (EVENT-4).
    #[serde(default)]
    pub payload_schema: PayloadSchema,
    /// What appending an event of this type means.
    #[serde(default)]
    pub semantics: ProcessEventSemanticsSpec,
}

impl ProcessEventType {
    /// A plain type: any payload, no semantics.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            payload_schema: PayloadSchema::any(),
            semantics: ProcessEventSemanticsSpec::default(),
        }
    }

    /// A terminal type ending the process in `state`, its await output picked by `await_output`.
    pub fn terminal(
        name: impl Into<String>,
        state: ProcessTerminalState,
        await_output: Option<ProcessValueSelector>,
    ) -> Self {
        let mut declared = Self::new(name);
        declared.semantics.terminal = Some(ProcessTerminalSpec {
            state,
            await_output,
        });
        declared
    }

    /// A wake type materialising `wake` on append.
    pub fn wake(name: impl Into<String>, wake: ProcessWakeSpec) -> Self {
        let mut declared = Self::new(name);
        declared.semantics.wake = Some(wake);
        declared
    }

    /// Replaces the payload schema.
    pub fn with_schema(mut self, schema: Value) -> Self {
        self.payload_schema = PayloadSchema::new(schema);
        self
    }
}

/// Declared semantics of an event type; both parts are optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProcessEventSemanticsSpec {
    /// Appending the type ends the process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<ProcessTerminalSpec>,
    /// Appending the type may wake the process's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake: Option<ProcessWakeSpec>,
}

/// How a terminal type ends the process (TERM-1, TERM-2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessTerminalSpec {
    /// The terminal state reached.
    pub state: ProcessTerminalState,
    /// Where the await output is in the payload; required unless `state` is completed (REG-6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub await_output: Option<ProcessValueSelector>,
}

/// How a wake type materialises its wake (WAKE-1..WAKE-4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessWakeSpec {
    /// Wake only when this selects a truthy value (WAKE-2); absent means always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<ProcessValueSelector>,
    /// The wake input, stringified (WAKE-3).
    pub input: ProcessValueSelector,
    /// The dedupe key (WAKE-4).
    #[serde(default)]
    pub dedupe_key: ProcessWakeDedupeKey,
}

impl ProcessWakeSpec {
    /// A wake with `input`, no condition, and the event-identity dedupe key.
    pub fn new(input: ProcessValueSelector) -> Self {
        Self {
            when: None,
            input,
            dedupe_key: ProcessWakeDedupeKey::EventIdentity,
        }
    }

    /// Adds a `when` condition.
    pub fn when(mut self, when: ProcessValueSelector) -> Self {
        self.when = Some(when);
        self
    }

    /// Replaces the dedupe key.
    pub fn with_dedupe_key(mut self, dedupe_key: ProcessWakeDedupeKey) -> Self {
        self.dedupe_key = dedupe_key;
        self
    }
}

/// How the dedupe key of a wake is derived (WAKE-4).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessWakeDedupeKey {
    /// `"<process_id>:<sequence>"`: every event is its own wake.
    #[default]
    EventIdentity,
    /// The stringified selected value.
    Selector(ProcessValueSelector),
    /// A fixed string.
    Const(String),
}

/// Picks a JSON value out of an event payload (WAKE-3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessValueSelector {
    /// The whole payload.
    Payload,
    /// An RFC 6901 pointer; a miss is an error.
    Pointer(String),
    /// A literal value.
    Const(Value),
    /// Text with `{name}` fields replaced by stringified selections.
    Template(ProcessTemplateSelector),
    /// Whether an RFC 6901 pointer resolves, as a JSON bool; never errors.
    Present(String),
}

impl ProcessValueSelector {
    /// A pointer selector.
    pub fn pointer(pointer: impl Into<String>) -> Self {
        Self::Pointer(pointer.into())
    }

    /// A presence test.
    pub fn present(pointer: impl Into<String>) -> Self {
        Self::Present(pointer.into())
    }

    /// A template with fields.
    pub fn template(
        template: impl Into<String>,
        fields: impl IntoIterator<Item = (String, ProcessValueSelector)>,
    ) -> Self {
        Self::Template(ProcessTemplateSelector {
            template: template.into(),
            fields: fields.into_iter().collect(),
        })
    }
}

/// The body of a template selector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessTemplateSelector {
    /// Text containing `{name}` placeholders.
    pub template: String,
    /// One selector per placeholder name.
    #[serde(default)]
    pub fields: BTreeMap<String, ProcessValueSelector>,
}
