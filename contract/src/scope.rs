//! Scopes: who holds a handle grant and where a wake is delivered (GRANT-3).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A session, optionally narrowed to one agent frame inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProcessScope {
    /// The session; an empty string means "no scope".
    pub session_id: String,
    /// The agent frame inside the session, if the scope is a frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_frame_id: Option<String>,
}

impl ProcessScope {
    /// The whole-session scope.
    pub fn session(session_id: impl Into<String>) -> Self {
        Self {
            session_id: session_id.into(),
            agent_frame_id: None,
        }
    }

    /// One agent frame inside a session.
    pub fn frame(session_id: impl Into<String>, agent_frame_id: impl Into<String>) -> Self {
        Self {
            session_id: session_id.into(),
            agent_frame_id: Some(agent_frame_id.into()),
        }
    }

    /// True when the session id is empty.
    pub fn is_empty(&self) -> bool {
        self.session_id.is_empty()
    }

    /// The grant namespace of this scope (GRANT-3): `session:<s>` when the
    /// frame id is absent or empty, else `session:<s>/frame:<f>`.
    pub fn id(&self) -> ProcessScopeId {
        match self.agent_frame_id.as_deref() {
            Some(frame) if !frame.is_empty() => {
                ProcessScopeId(format!("session:{}/frame:{}", self.session_id, frame))
            }
            _ => ProcessScopeId(format!("session:{}", self.session_id)),
        }
    }
}

/// The rendered identity of a [`ProcessScope`]; grants are keyed by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProcessScopeId(pub String);

impl ProcessScopeId {
    /// The rendered text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProcessScopeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_ids_render_session_and_frame() {
        assert_eq!(ProcessScope::session("s").id().as_str(), "session:s");
        assert_eq!(
            ProcessScope::frame("s", "f").id().as_str(),
            "session:s/frame:f"
        );
        assert_eq!(ProcessScope::frame("s", "").id().as_str(), "session:s");
    }
}
