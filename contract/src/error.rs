//! Registry errors: a stable, closed set of kinds with upstream wording (ERR rules).

use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, as a stable value callers can match on (ERR-1).
///
/// The set is closed and each kind serialises as its snake_case name; the
/// names are part of the public contract and never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The addressed process does not exist ("unknown process").
    NotFound,
    /// The id is registered with different content ("registration hash conflict").
    RegistrationConflict,
    /// The registration itself is malformed (blank id, duplicate event type, ...).
    InvalidRegistration,
    /// The event type is not declared by the process ("undeclared event type").
    UndeclaredEvent,
    /// A terminal or cancel-request event came without a replay key.
    ReplayKeyRequired,
    /// The replay key is already bound to a different event ("conflicts with an existing event").
    ReplayConflict,
    /// The payload fails its schema or a selector pointer did not match.
    InvalidPayload,
    /// A second terminal event, or a lease claim on a terminal process ("is already terminal").
    AlreadyTerminal,
    /// A wake materialised but the request named no target ("without a wake target scope").
    MissingWakeTarget,
    /// A transfer named a process not granted to the source scope ("is not granted to session").
    GrantMissing,
    /// Another owner holds a live lease ("already leased").
    LeaseHeld,
    /// The presented lease is superseded, released or expired ("missing or expired").
    LeaseLost,
    /// The storage underneath failed (I/O, decode, connection).
    Backend,
    /// The backend does not offer this operation.
    Unsupported,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 14] = [
        ErrorKind::NotFound,
        ErrorKind::RegistrationConflict,
        ErrorKind::InvalidRegistration,
        ErrorKind::UndeclaredEvent,
        ErrorKind::ReplayKeyRequired,
        ErrorKind::ReplayConflict,
        ErrorKind::InvalidPayload,
        ErrorKind::AlreadyTerminal,
        ErrorKind::MissingWakeTarget,
        ErrorKind::GrantMissing,
        ErrorKind::LeaseHeld,
        ErrorKind::LeaseLost,
        ErrorKind::Backend,
        ErrorKind::Unsupported,
    ];

    /// The stable snake_case name of this kind (same as its serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::RegistrationConflict => "registration_conflict",
            ErrorKind::InvalidRegistration => "invalid_registration",
            ErrorKind::UndeclaredEvent => "undeclared_event",
            ErrorKind::ReplayKeyRequired => "replay_key_required",
            ErrorKind::ReplayConflict => "replay_conflict",
            ErrorKind::InvalidPayload => "invalid_payload",
            ErrorKind::AlreadyTerminal => "already_terminal",
            ErrorKind::MissingWakeTarget => "missing_wake_target",
            ErrorKind::GrantMissing => "grant_missing",
            ErrorKind::LeaseHeld => "lease_held",
            ErrorKind::LeaseLost => "lease_lost",
            ErrorKind::Backend => "backend",
            ErrorKind::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A registry failure: a stable [`ErrorKind`] plus a message in upstream wording (ERR-2).
///
/// `Display` prints the message alone, so callers that match upstream
/// substrings ("already leased", "missing or expired", ...) keep working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryError {
    /// The stable kind.
    pub kind: ErrorKind,
    /// Human text naming the process and what was expected.
    pub message: String,
}

/// Shorthand for results of registry operations.
pub type RegistryResult<T> = Result<T, RegistryError>;

impl RegistryError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// True when this error is of `kind`.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }

    /// "unknown process `<id>`" (ERR-4).
    pub fn unknown_process(process_id: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            format!("unknown process `{process_id}`"),
        )
    }

    /// A malformed registration (REG-1..REG-6, REG-13).
    pub fn invalid_registration(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRegistration, message)
    }

    /// Same id, different content (REG-10).
    pub fn registration_conflict(process_id: &str, existing_hash: &str, new_hash: &str) -> Self {
        Self::new(
            ErrorKind::RegistrationConflict,
            format!(
                "process `{process_id}` registration hash conflict: existing {existing_hash}, new {new_hash}"
            ),
        )
    }

    /// The event type is not declared (EVENT-3).
    pub fn undeclared_event(process_id: &str, event_type: &str) -> Self {
        Self::new(
            ErrorKind::UndeclaredEvent,
            format!("process `{process_id}` emitted undeclared event type `{event_type}`"),
        )
    }

    /// A keyed event type arrived without a key (REPLAY-6).
    pub fn replay_key_required(process_id: &str, event_type: &str) -> Self {
        Self::new(
            ErrorKind::ReplayKeyRequired,
            format!(
                "process `{process_id}` event `{event_type}` requires a deterministic replay key"
            ),
        )
    }

    /// The replay key is bound to different content (REPLAY-3).
    pub fn replay_conflict(process_id: &str, replay_key: &str) -> Self {
        Self::new(
            ErrorKind::ReplayConflict,
            format!(
                "process `{process_id}` event replay key `{replay_key}` conflicts with an existing event"
            ),
        )
    }

    /// The payload fails the declared schema (EVENT-4).
    pub fn invalid_payload(process_id: &str, event_type: &str, detail: &str) -> Self {
        Self::new(
            ErrorKind::InvalidPayload,
            format!("process `{process_id}`: invalid `{event_type}` payload: {detail}"),
        )
    }

    /// A selector pointer did not resolve in the payload (EVENT-13).
    pub fn pointer_miss(pointer: &str) -> Self {
        Self::new(
            ErrorKind::InvalidPayload,
            format!("payload pointer `{pointer}` did not match"),
        )
    }

    /// The same error, its message prefixed with the process it concerns
    /// (for errors raised by helpers that do not know the process, ERR-2).
    pub fn in_process(mut self, process_id: &str) -> Self {
        let named = format!("`{process_id}`");
        if !self.message.contains(&named) {
            self.message = format!("process {named}: {}", self.message);
        }
        self
    }

    /// A second terminal write, or a claim on a terminal process (TERM-3, LEASE-2).
    pub fn already_terminal(process_id: &str) -> Self {
        Self::new(
            ErrorKind::AlreadyTerminal,
            format!("process `{process_id}` is already terminal"),
        )
    }

    /// A wake materialised with no target (WAKE-7).
    pub fn missing_wake_target(process_id: &str, event_type: &str) -> Self {
        Self::new(
            ErrorKind::MissingWakeTarget,
            format!(
                "process `{process_id}` emitted wake event `{event_type}` without a wake target scope"
            ),
        )
    }

    /// A transfer named a process not granted to the source scope (GRANT-12).
    pub fn grant_missing(process_id: &str, session_id: &str) -> Self {
        Self::new(
            ErrorKind::GrantMissing,
            format!("process handle `{process_id}` is not granted to session `{session_id}`"),
        )
    }

    /// Another owner holds a live lease (LEASE-4).
    pub fn lease_held(process_id: &str, owner_id: &str, expires_at_epoch_ms: u64) -> Self {
        Self::new(
            ErrorKind::LeaseHeld,
            format!(
                "process `{process_id}` is already leased by `{owner_id}` until {expires_at_epoch_ms}"
            ),
        )
    }

    /// The presented lease is not the live one (LEASE-11..LEASE-13).
    pub fn lease_lost(process_id: &str) -> Self {
        Self::new(
            ErrorKind::LeaseLost,
            format!("process lease for `{process_id}` is missing or expired"),
        )
    }

    /// A storage failure; `context` should name the resource (a path, a table).
    pub fn backend(context: impl Into<String>) -> Self {
        Self::new(ErrorKind::Backend, context)
    }

    /// An operation the backend does not offer.
    pub fn unsupported(what: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, what)
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RegistryError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialise_as_their_stable_names() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_value(kind).expect("kind serialises");
            assert_eq!(json, serde_json::Value::String(kind.as_str().to_owned()));
            let back: ErrorKind = serde_json::from_value(json).expect("kind deserialises");
            assert_eq!(back, kind);
        }
    }

    #[test]
    fn messages_keep_upstream_substrings() {
        let cases = [
            (RegistryError::unknown_process("p"), "unknown process `p`"),
            (
                RegistryError::registration_conflict("p", "a", "b"),
                "registration hash conflict",
            ),
            (
                RegistryError::undeclared_event("p", "t"),
                "undeclared event type",
            ),
            (
                RegistryError::replay_key_required("p", "t"),
                "requires a deterministic replay key",
            ),
            (
                RegistryError::replay_conflict("p", "k"),
                "conflicts with an existing event",
            ),
            (
                RegistryError::invalid_payload("p", "t", "x"),
                "invalid `t` payload",
            ),
            (RegistryError::pointer_miss("/a"), "payload pointer `/a`"),
            (
                RegistryError::pointer_miss("/a").in_process("p"),
                "process `p`: payload pointer `/a`",
            ),
            (RegistryError::already_terminal("p"), "is already terminal"),
            (
                RegistryError::missing_wake_target("p", "t"),
                "without a wake target scope",
            ),
            (
                RegistryError::grant_missing("p", "s"),
                "is not granted to session `s`",
            ),
            (RegistryError::lease_held("p", "o", 9), "already leased"),
            (RegistryError::lease_lost("p"), "missing or expired"),
        ];
        for (error, substring) in cases {
            assert!(
                error.to_string().contains(substring),
                "{error} should contain {substring}"
            );
        }
    }
}
