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
    /// frame id is absent or empty, else `session:<s>/frame:<f>`, where each
    /// id has `%`, `/` and `:` percent-escaped (`%25`, `%2F`, `%3A`).
    ///
    /// The escaping makes the rendering injective (GRANT-16): session
    /// `a/frame:b` renders `session:a%2Fframe%3Ab`, never the id of frame
    /// `b` of session `a`, whatever characters the ids hold. Ids without
    /// those three characters render as they did before.
    pub fn id(&self) -> ProcessScopeId {
        let session = escape_scope_part(&self.session_id);
        match self.agent_frame_id.as_deref() {
            Some(frame) if !frame.is_empty() => ProcessScopeId(format!(
                "session:{session}/frame:{}",
                escape_scope_part(frame)
            )),
            _ => ProcessScopeId(format!("session:{session}")),
        }
    }
}

/// One id inside a scope id, with the separators and the escape character
/// percent-escaped, so the rendering can be split back unambiguously.
fn escape_scope_part(part: &str) -> std::borrow::Cow<'_, str> {
    const SPECIAL: [char; 3] = ['%', '/', ':'];
    if !part.contains(SPECIAL) {
        return std::borrow::Cow::Borrowed(part);
    }
    let mut escaped = String::with_capacity(part.len() + 8);
    let mut rest = part;
    // Copies the plain runs whole; only the special characters are escaped.
    while let Some(at) = rest.find(SPECIAL) {
        escaped.push_str(&rest[..at]);
        escaped.push_str(match rest.as_bytes()[at] {
            b'%' => "%25",
            b'/' => "%2F",
            _ => "%3A",
        });
        rest = &rest[at + 1..];
    }
    escaped.push_str(rest);
    std::borrow::Cow::Owned(escaped)
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

    #[test]
    fn separators_and_the_escape_character_are_percent_escaped_in_place() {
        assert_eq!(
            ProcessScope::frame("\u{e9}/x:%y", "f//").id().as_str(),
            "session:\u{e9}%2Fx%3A%25y/frame:f%2F%2F"
        );
        assert_eq!(ProcessScope::session("%").id().as_str(), "session:%25");
    }

    #[test]
    fn distinct_scopes_never_render_the_same_id() {
        let parts = [
            "a",
            "b",
            "a/frame:b",
            "a/",
            ":b",
            "frame:b",
            "a%2Fframe%3Ab",
            "%",
            "%25",
            "a:b",
            "/frame:",
            "session:a",
        ];
        let mut scopes = Vec::new();
        for session in parts {
            scopes.push(ProcessScope::session(session));
            for frame in parts {
                scopes.push(ProcessScope::frame(session, frame));
            }
        }
        for (index, first) in scopes.iter().enumerate() {
            for second in &scopes[index + 1..] {
                assert!(
                    first == second || first.id() != second.id(),
                    "{first:?} and {second:?} both render {}",
                    first.id()
                );
            }
        }
        assert_eq!(
            ProcessScope::session("a/frame:b").id().as_str(),
            "session:a%2Fframe%3Ab"
        );
    }
}
