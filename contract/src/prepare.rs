//! Registration preparation: ensure core types, validate, hash (REG-1..REG-7, REG-11, REG-13).

use crate::error::{RegistryError, RegistryResult};
use crate::event_type::core_event_types;
use crate::hash::{canonical_json, sha256_hex};
use crate::record::{ProcessRecord, ProcessStatus, ProcessTerminalState};
use crate::registration::ProcessRegistration;
use crate::schema::check_schema;
use std::collections::BTreeSet;

/// A registration that passed validation, with core types ensured and its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedRegistration {
    /// The registration as it will be stored.
    pub registration: ProcessRegistration,
    /// Lowercase hex SHA-256 of its canonical JSON (REG-11).
    pub registration_hash: String,
}

impl PreparedRegistration {
    /// The record of a first registration at `now_ms` (REG-8): running, both
    /// timestamps `now_ms`, no external ref.
    pub fn into_record(self, now_ms: u64) -> ProcessRecord {
        let ProcessRegistration {
            id,
            input,
            event_types,
            provenance,
        } = self.registration;
        ProcessRecord {
            id,
            registration_hash: self.registration_hash,
            input,
            event_types,
            provenance,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            external_ref: None,
            status: ProcessStatus::Running,
        }
    }
}

/// Prepares `registration` for storage; every backend calls this before touching storage.
///
/// Checks, in order: blank id (REG-1), then ensures the core types by name
/// (REG-7), then owner session (REG-2), host profile (REG-3), blank and
/// duplicate type names (REG-4, REG-5), terminal failed/cancelled types
/// without an await-output selector (REG-6) and malformed payload schemas
/// (REG-13). All failures are `InvalidRegistration`.
pub fn prepare_registration(
    mut registration: ProcessRegistration,
) -> RegistryResult<PreparedRegistration> {
    if registration.id.trim().is_empty() {
        return Err(RegistryError::invalid_registration(
            "process id must be a non-empty string",
        ));
    }
    for core in core_event_types() {
        if !registration
            .event_types
            .iter()
            .any(|declared| declared.name == core.name)
        {
            registration.event_types.push(core);
        }
    }
    validate(&registration)?;
    let registration_hash = sha256_hex(canonical_json(&registration).as_bytes());
    Ok(PreparedRegistration {
        registration,
        registration_hash,
    })
}

fn validate(registration: &ProcessRegistration) -> RegistryResult<()> {
    let id = registration.id.as_str();
    if registration.provenance.owner_scope.session_id.is_empty() {
        return Err(RegistryError::invalid_registration(format!(
            "process `{id}` owner scope must include a session id"
        )));
    }
    if registration.provenance.host_profile_id.trim().is_empty() {
        return Err(RegistryError::invalid_registration(format!(
            "process `{id}` host profile id must be non-empty"
        )));
    }
    let mut seen = BTreeSet::new();
    for declared in &registration.event_types {
        let name = declared.name.as_str();
        if name.trim().is_empty() {
            return Err(RegistryError::invalid_registration(format!(
                "process `{id}` declares an empty event type"
            )));
        }
        if !seen.insert(name) {
            return Err(RegistryError::invalid_registration(format!(
                "process `{id}` declares duplicate event type `{name}`"
            )));
        }
        if let Some(terminal) = &declared.semantics.terminal {
            if terminal.state != ProcessTerminalState::Completed && terminal.await_output.is_none()
            {
                return Err(RegistryError::invalid_registration(format!(
                    "terminal event `{name}` for process `{id}` must declare await output"
                )));
            }
        }
        check_schema(&declared.payload_schema.schema).map_err(|detail| {
            RegistryError::invalid_registration(format!(
                "process `{id}` event type `{name}` has an invalid payload schema: {detail}"
            ))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_type::{ProcessEventType, PROCESS_CANCEL_REQUESTED, PROCESS_COMPLETED};
    use crate::registration::ProcessInput;
    use crate::scope::ProcessScope;
    use crate::ErrorKind;
    use serde_json::json;

    fn registration(id: &str) -> ProcessRegistration {
        ProcessRegistration::new(id, ProcessInput::external(json!({"n": 1})))
    }

    fn rejected(registration: ProcessRegistration, detail: &str) {
        let error = prepare_registration(registration).expect_err("should be rejected");
        assert!(error.is(ErrorKind::InvalidRegistration));
        assert!(
            error.message.contains(detail),
            "{error} should contain {detail}"
        );
    }

    #[test]
    fn ensures_core_types_in_core_order_after_user_types() {
        let prepared = prepare_registration(
            registration("p").with_event_types(vec![ProcessEventType::new("custom")]),
        )
        .expect("valid");
        let names: Vec<&str> = prepared
            .registration
            .event_types
            .iter()
            .map(|declared| declared.name.as_str())
            .collect();
        assert_eq!(
            names,
            vec![
                "custom",
                "process.cancel_requested",
                "process.completed",
                "process.failed",
                "process.cancelled"
            ]
        );
    }

    #[test]
    fn a_user_declaration_with_a_core_name_wins() {
        let prepared = prepare_registration(
            registration("p").with_event_types(vec![ProcessEventType::new(PROCESS_COMPLETED)]),
        )
        .expect("valid");
        let completed = prepared
            .registration
            .event_types
            .iter()
            .find(|declared| declared.name == PROCESS_COMPLETED)
            .expect("declared");
        assert!(completed.semantics.terminal.is_none());
        assert_eq!(prepared.registration.event_types.len(), 4);
        assert_eq!(
            prepared.registration.event_types[1].name,
            PROCESS_CANCEL_REQUESTED
        );
    }

    #[test]
    fn rejects_every_malformed_registration() {
        rejected(registration("  "), "process id must be a non-empty string");
        rejected(
            registration("p").with_owner_scope(ProcessScope::session("")),
            "owner scope must include a session id",
        );
        let mut blank_profile = registration("p");
        blank_profile.provenance.host_profile_id = " ".into();
        rejected(blank_profile, "host profile id must be non-empty");
        rejected(
            registration("p").with_extra_event_types([ProcessEventType::new(" ")]),
            "declares an empty event type",
        );
        rejected(
            registration("p")
                .with_extra_event_types([ProcessEventType::new("a"), ProcessEventType::new("a")]),
            "declares duplicate event type `a`",
        );
        rejected(
            registration("p").with_extra_event_types([ProcessEventType::terminal(
                "boom",
                ProcessTerminalState::Failed,
                None,
            )]),
            "terminal event `boom` for process `p` must declare await output",
        );
        rejected(
            registration("p").with_extra_event_types([
                ProcessEventType::new("a").with_schema(json!({"type": 1}))
            ]),
            "event type `a` has an invalid payload schema",
        );
    }

    #[test]
    fn completed_terminal_without_selector_is_valid() {
        assert!(
            prepare_registration(registration("p").with_extra_event_types([
                ProcessEventType::terminal("done", ProcessTerminalState::Completed, None)
            ]))
            .is_ok()
        );
    }

    #[test]
    fn hash_is_deterministic_and_content_sensitive() {
        let first = prepare_registration(registration("p")).expect("valid");
        let again = prepare_registration(registration("p")).expect("valid");
        assert_eq!(first.registration_hash, again.registration_hash);
        let extra = prepare_registration(
            registration("p").with_extra_event_types([ProcessEventType::new("x")]),
        )
        .expect("valid");
        assert_ne!(first.registration_hash, extra.registration_hash);
        let reordered = prepare_registration(
            registration("p").with_event_types(core_event_types().into_iter().rev().collect()),
        )
        .expect("valid");
        assert_ne!(first.registration_hash, reordered.registration_hash);
        assert_eq!(first.registration_hash.len(), 64);
    }

    #[test]
    fn into_record_starts_running_at_now() {
        let record = prepare_registration(registration("p"))
            .expect("valid")
            .into_record(42);
        assert_eq!(record.created_at_ms, 42);
        assert_eq!(record.updated_at_ms, 42);
        assert!(!record.is_terminal());
        assert!(record.external_ref.is_none());
    }
}
