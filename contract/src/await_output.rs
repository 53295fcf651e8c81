//! The value a terminal process hands to whoever awaits it (TERM-2).

use crate::record::ProcessTerminalState;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The awaited result of a terminal process.
///
/// Its variant decides the terminal state: success -> completed,
/// failure -> failed, cancelled -> cancelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProcessAwaitOutput {
    /// The process produced a value.
    Success {
        /// The produced value.
        value: Value,
        /// Opaque control data for the runtime.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        control: Option<Value>,
    },
    /// The process failed.
    Failure {
        /// Failure class (`execution`, `timeout`, ... as a string).
        class: String,
        /// Machine-readable code.
        code: String,
        /// Human text.
        message: String,
        /// The raw value the failure came from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raw: Option<Value>,
        /// Opaque control data for the runtime.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        control: Option<Value>,
    },
    /// The process was cancelled.
    Cancelled {
        /// Human text.
        message: String,
        /// The raw value the cancellation came from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raw: Option<Value>,
        /// Opaque control data for the runtime.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        control: Option<Value>,
    },
}

impl ProcessAwaitOutput {
    /// A success carrying `value`.
    pub fn success(value: Value) -> Self {
        Self::Success {
            value,
            control: None,
        }
    }

    /// A failure of `class` with `code` and `message`.
    pub fn failure(
        class: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Failure {
            class: class.into(),
            code: code.into(),
            message: message.into(),
            raw: None,
            control: None,
        }
    }

    /// A cancellation with `message`.
    pub fn cancelled(message: impl Into<String>) -> Self {
        Self::Cancelled {
            message: message.into(),
            raw: None,
            control: None,
        }
    }

    /// The terminal state this output implies.
    pub fn terminal_state(&self) -> ProcessTerminalState {
        match self {
            Self::Success { .. } => ProcessTerminalState::Completed,
            Self::Failure { .. } => ProcessTerminalState::Failed,
            Self::Cancelled { .. } => ProcessTerminalState::Cancelled,
        }
    }
}
