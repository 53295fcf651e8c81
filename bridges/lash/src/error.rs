//! Reading lash's untyped errors as procreg's typed ones.
//!
//! Every lash-core 0.1.0-alpha.38 registry error is `PluginError::Session`
//! with a message; callers can tell cases apart only by its wording
//! (CONTRACT-NOTES section 6.3). The bridge knows the call that failed, so
//! it matches each message against the *exact* shape upstream formats for
//! that call (process id, event type, replay key filled in), not against a
//! loose substring: a process id that happens to contain "is already
//! terminal" cannot fool it. A message of no known shape is `Backend`
//! (storage I/O, decode and hash failures are the only other messages the
//! two upstream registries produce). The message text is kept verbatim,
//! except that payload errors, which upstream words without the process,
//! get the process named in front (as procreg's own `in_process` does).

use lash_core::PluginError;
use procreg::{ErrorKind, RegistryError};

/// What the bridge knows about the call whose error it reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallContext<'a> {
    /// The process the call addressed (the registration id for registrations).
    pub process_id: Option<&'a str>,
    /// The event type of an append (the core terminal type for `complete_process`).
    pub event_type: Option<&'a str>,
    /// The replay key of an append.
    pub replay_key: Option<&'a str>,
    /// For a transfer: the source session and the listed process ids.
    pub transfer: Option<(&'a str, &'a [String])>,
}

impl<'a> CallContext<'a> {
    /// A call addressing `process_id`.
    pub fn process(process_id: &'a str) -> Self {
        Self {
            process_id: Some(process_id),
            ..Self::default()
        }
    }

    /// An append of `event_type` with `replay_key` to `process_id`.
    pub fn append(process_id: &'a str, event_type: &'a str, replay_key: Option<&'a str>) -> Self {
        Self {
            process_id: Some(process_id),
            event_type: Some(event_type),
            replay_key,
            transfer: None,
        }
    }
}

fn between(message: &str, prefix: &str, suffix: &str) -> bool {
    message.len() >= prefix.len() + suffix.len()
        && message.starts_with(prefix)
        && message.ends_with(suffix)
}

/// The kind of an upstream error `message` raised by the call `call`
/// (`Backend` when the message has none of the shapes upstream uses).
pub fn classify(message: &str, call: &CallContext<'_>) -> ErrorKind {
    if message == "process id must be a non-empty string" {
        return ErrorKind::InvalidRegistration;
    }
    if between(message, "payload pointer `", "` did not match") {
        return ErrorKind::InvalidPayload;
    }
    if message == "failed or cancelled terminal events must declare await output" {
        return ErrorKind::InvalidRegistration;
    }
    if let Some(event_type) = call.event_type {
        if message.starts_with(&format!("invalid `{event_type}` payload: ")) {
            return ErrorKind::InvalidPayload;
        }
    }
    if let Some((from_session, process_ids)) = call.transfer {
        let granted = process_ids.iter().any(|process_id| {
            message
                == format!(
                    "process handle `{process_id}` is not granted to session `{from_session}`"
                )
        });
        if granted {
            return ErrorKind::GrantMissing;
        }
    }
    let Some(id) = call.process_id else {
        return ErrorKind::Backend;
    };
    if message == format!("unknown process `{id}`")
        || message == format!("unknown process `{id}` after terminal event")
    {
        return ErrorKind::NotFound;
    }
    if message.starts_with(&format!(
        "process `{id}` registration hash conflict: existing "
    )) {
        return ErrorKind::RegistrationConflict;
    }
    let invalid_registration = message
        == format!("process `{id}` owner scope must include a session id")
        || message == format!("process `{id}` host profile id must be non-empty")
        || message == format!("process `{id}` declares an empty event type")
        || between(
            message,
            &format!("process `{id}` declares duplicate event type `"),
            "`",
        )
        || between(
            message,
            "terminal event `",
            &format!("` for process `{id}` must declare await output"),
        );
    if invalid_registration {
        return ErrorKind::InvalidRegistration;
    }
    if message == format!("process `{id}` is already terminal") {
        return ErrorKind::AlreadyTerminal;
    }
    if message.starts_with(&format!("process `{id}` is already leased by `")) {
        return ErrorKind::LeaseHeld;
    }
    if message == format!("process lease for `{id}` is missing or expired") {
        return ErrorKind::LeaseLost;
    }
    if let Some(key) = call.replay_key {
        if message
            == format!("process `{id}` event replay key `{key}` conflicts with an existing event")
        {
            return ErrorKind::ReplayConflict;
        }
    }
    if let Some(event_type) = call.event_type {
        if message == format!("process `{id}` emitted undeclared event type `{event_type}`") {
            return ErrorKind::UndeclaredEvent;
        }
        if message
            == format!("process `{id}` event `{event_type}` requires a deterministic replay key")
        {
            return ErrorKind::ReplayKeyRequired;
        }
        if message
            == format!(
                "process `{id}` emitted wake event `{event_type}` without a wake target scope"
            )
        {
            return ErrorKind::MissingWakeTarget;
        }
    }
    ErrorKind::Backend
}

/// Lash's error for the call `call` as a typed [`RegistryError`].
pub fn error_from_lash(error: PluginError, call: &CallContext<'_>) -> RegistryError {
    let message = match error {
        PluginError::Session(message) => message,
        other => return RegistryError::backend(other.to_string()),
    };
    let kind = classify(&message, call);
    let error = RegistryError::new(kind, message);
    match (kind, call.process_id) {
        (ErrorKind::InvalidPayload, Some(process_id)) => error.in_process(process_id),
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(message: &str, call: CallContext<'_>) -> ErrorKind {
        classify(message, &call)
    }

    #[test]
    fn every_upstream_wording_maps_to_its_kind() {
        let p = CallContext::process("p");
        let append = CallContext::append("p", "t", Some("k"));
        let ids = ["a".to_owned(), "b".to_owned()];
        let transfer = CallContext {
            transfer: Some(("s1", &ids)),
            ..CallContext::default()
        };
        let cases = lookup_and_registration_wordings(p)
            .into_iter()
            .chain(append_wordings(append))
            .chain(grant_lease_and_storage_wordings(transfer, p));
        for (message, call, expected) in cases {
            assert_eq!(kind(message, call), expected, "{message}");
        }
    }

    /// (message, call, kind) for unknown processes and rejected registrations.
    fn lookup_and_registration_wordings(
        p: CallContext<'_>,
    ) -> [(&'static str, CallContext<'_>, ErrorKind); 9] {
        [
            ("unknown process `p`", p, ErrorKind::NotFound),
            (
                "unknown process `p` after terminal event",
                p,
                ErrorKind::NotFound,
            ),
            (
                "process `p` registration hash conflict: existing 1a, new 2b",
                p,
                ErrorKind::RegistrationConflict,
            ),
            (
                "process id must be a non-empty string",
                p,
                ErrorKind::InvalidRegistration,
            ),
            (
                "process `p` owner scope must include a session id",
                p,
                ErrorKind::InvalidRegistration,
            ),
            (
                "process `p` host profile id must be non-empty",
                p,
                ErrorKind::InvalidRegistration,
            ),
            (
                "process `p` declares an empty event type",
                p,
                ErrorKind::InvalidRegistration,
            ),
            (
                "process `p` declares duplicate event type `x`",
                p,
                ErrorKind::InvalidRegistration,
            ),
            (
                "terminal event `x` for process `p` must declare await output",
                p,
                ErrorKind::InvalidRegistration,
            ),
        ]
    }

    /// (message, call, kind) for rejected appends.
    fn append_wordings(append: CallContext<'_>) -> [(&'static str, CallContext<'_>, ErrorKind); 7] {
        [
            (
                "process `p` emitted undeclared event type `t`",
                append,
                ErrorKind::UndeclaredEvent,
            ),
            (
                "process `p` event `t` requires a deterministic replay key",
                append,
                ErrorKind::ReplayKeyRequired,
            ),
            (
                "process `p` event replay key `k` conflicts with an existing event",
                append,
                ErrorKind::ReplayConflict,
            ),
            (
                "invalid `t` payload: /n: expected integer",
                append,
                ErrorKind::InvalidPayload,
            ),
            (
                "payload pointer `/message` did not match",
                append,
                ErrorKind::InvalidPayload,
            ),
            (
                "process `p` is already terminal",
                append,
                ErrorKind::AlreadyTerminal,
            ),
            (
                "process `p` emitted wake event `t` without a wake target scope",
                append,
                ErrorKind::MissingWakeTarget,
            ),
        ]
    }

    /// (message, call, kind) for a missing grant, lease conflicts and storage failures.
    fn grant_lease_and_storage_wordings<'a>(
        transfer: CallContext<'a>,
        p: CallContext<'a>,
    ) -> [(&'static str, CallContext<'a>, ErrorKind); 5] {
        [
            (
                "process handle `b` is not granted to session `s1`",
                transfer,
                ErrorKind::GrantMissing,
            ),
            (
                "process `p` is already leased by `w` until 17",
                p,
                ErrorKind::LeaseHeld,
            ),
            (
                "process lease for `p` is missing or expired",
                p,
                ErrorKind::LeaseLost,
            ),
            ("database is locked", p, ErrorKind::Backend),
            (
                "failed to decode process registry row: eof",
                p,
                ErrorKind::Backend,
            ),
        ]
    }

    #[test]
    fn wording_about_another_call_is_backend() {
        // The right shape, but not for the process, type or key of this call.
        let append = CallContext::append("p", "t", Some("k"));
        for message in [
            "unknown process `q`",
            "process `q` is already terminal",
            "process `p` emitted undeclared event type `u`",
            "process `p` event replay key `other` conflicts with an existing event",
            "invalid `u` payload: no",
            "process handle `a` is not granted to session `s1`",
        ] {
            assert_eq!(kind(message, append), ErrorKind::Backend, "{message}");
        }
    }

    #[test]
    fn hostile_ids_cannot_fake_a_kind() {
        let id = "x` is already terminal";
        let call = CallContext::process(id);
        assert_eq!(
            kind(&format!("unknown process `{id}`"), call),
            ErrorKind::NotFound
        );
        let other = CallContext::process("x");
        assert_eq!(
            kind(&format!("unknown process `{id}`"), other),
            ErrorKind::Backend
        );
    }

    #[test]
    fn messages_are_kept_and_payload_errors_name_the_process() {
        let call = CallContext::append("p", "t", None);
        let error = error_from_lash(
            PluginError::Session("invalid `t` payload: bad".to_owned()),
            &call,
        );
        assert_eq!(error.kind, ErrorKind::InvalidPayload);
        assert_eq!(error.message, "process `p`: invalid `t` payload: bad");
        let error = error_from_lash(
            PluginError::Session("process `p` is already terminal".to_owned()),
            &call,
        );
        assert_eq!(error.message, "process `p` is already terminal");
        let error = error_from_lash(PluginError::Invoke("boom".to_owned()), &call);
        assert_eq!(error.kind, ErrorKind::Backend);
        assert!(error.message.contains("boom"));
    }
}
