//! Registration preparation: ensure core types, validate, hash (REG-1..REG-7, REG-11, REG-13).

use crate::error::{RegistryError, RegistryResult};
use crate::event_type::{core_event_types, ProcessEventType};
use crate::hash::{canonical_bytes, hex_digest, hex_digest_shared, write_canonical, write_json};
use crate::record::{ProcessRecord, ProcessStatus, ProcessTerminalState};
use crate::registration::{ProcessInput, ProcessProvenance, ProcessRegistration};
use crate::schema::check_schema;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

/// A registration that passed validation, with core types ensured and its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedRegistration {
    /// The registration as it will be stored.
    pub registration: ProcessRegistration,
    /// Lowercase hex SHA-256 of its canonical JSON (REG-11).
    pub registration_hash: String,
    /// `registration.event_types`, shared by the records of every registration
    /// a [`RegistrationPreparer`] saw declare the same list.
    event_types: Arc<[ProcessEventType]>,
    /// `registration.provenance`, shared like the event types.
    provenance: Arc<ProcessProvenance>,
}

impl PreparedRegistration {
    /// The record of a first registration at `now_ms` (REG-8): running, both
    /// timestamps `now_ms`, no external ref.
    pub fn into_record(self, now_ms: u64) -> ProcessRecord {
        let shared = Shared {
            registration_hash: self.registration_hash.into(),
            event_types: self.event_types,
            provenance: self.provenance,
        };
        shared.into_record(self.registration, now_ms)
    }
}

/// A registration's REG-11 digest, and the list and provenance it shares
/// with the records before it.
struct Digested {
    digest: [u8; 32],
    event_types: Arc<[ProcessEventType]>,
    provenance: Arc<ProcessProvenance>,
}

/// What a prepared registration's record holds besides the registration's
/// own id and input.
struct Shared {
    registration_hash: Arc<str>,
    event_types: Arc<[ProcessEventType]>,
    provenance: Arc<ProcessProvenance>,
}

impl Shared {
    /// The record of a first registration of `registration` at `now_ms`.
    fn into_record(self, registration: ProcessRegistration, now_ms: u64) -> ProcessRecord {
        let ProcessRegistration { id, input, .. } = registration;
        ProcessRecord {
            id,
            registration_hash: self.registration_hash,
            input: Arc::new(input),
            event_types: self.event_types,
            provenance: self.provenance,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            external_ref: None,
            status: ProcessStatus::Running,
        }
    }
}

/// Prepares `registration` for storage; every backend calls this (or a
/// [`RegistrationPreparer`]) before touching storage.
///
/// Checks, in order: blank id (REG-1), then ensures the core types by name
/// (REG-7), then owner session (REG-2), host profile (REG-3), blank and
/// duplicate type names (REG-4, REG-5), terminal failed/cancelled types
/// without an await-output selector (REG-6) and malformed payload schemas
/// (REG-13). All failures are `InvalidRegistration`.
pub fn prepare_registration(
    registration: ProcessRegistration,
) -> RegistryResult<PreparedRegistration> {
    RegistrationPreparer::default().prepare(registration)
}

/// Prepares registrations exactly as [`prepare_registration`] does, and
/// remembers the last valid list of event types: a registration declaring
/// the same list skips its validation, hashes only its own fields after the
/// list's hashed prefix, and shares the list with the earlier records.
#[derive(Debug, Default)]
pub struct RegistrationPreparer {
    last: Option<DeclaredTypes>,
    /// The last provenance seen, shared by its records, and its canonical JSON.
    last_provenance: Option<(Arc<ProcessProvenance>, Vec<u8>)>,
    /// The buffer each registration's own canonical JSON is written into.
    scratch: Vec<u8>,
}

impl RegistrationPreparer {
    /// Same verdict, same prepared registration and same hash as
    /// [`prepare_registration`] (lists are compared as the contract's types
    /// compare, so a schema's `-0.0` after an equal list with `0.0` hashes as
    /// that list did).
    pub fn prepare(
        &mut self,
        mut registration: ProcessRegistration,
    ) -> RegistryResult<PreparedRegistration> {
        if is_blank(&registration.id) {
            return Err(RegistryError::invalid_registration(
                "process id must be a non-empty string",
            ));
        }
        let repeated = self.declares_the_last_list(&registration);
        // Ensuring the core types only appends: the list as written stays its prefix.
        let written = registration.event_types.len();
        ensure_core_types(&mut registration.event_types);
        validate_provenance(&registration)?;
        let known = repeated
            || self
                .last
                .as_ref()
                .is_some_and(|last| *last.event_types == *registration.event_types);
        if !known {
            validate_event_types(&registration)?;
            self.last = Some(DeclaredTypes::new(&registration.event_types, written));
        }
        self.finish(registration)
    }

    /// What `prepare(registration)?.into_record(now_ms)` returns, without
    /// building the prepared registration's own copy of the event types
    /// when the registration declares the same list as the last one
    /// (before the core types were ensured): the same verdict, the same
    /// record and the same hash, with no clone of the core types.
    pub fn prepare_record(
        &mut self,
        registration: ProcessRegistration,
        now_ms: u64,
    ) -> RegistryResult<ProcessRecord> {
        if !self.declares_the_last_list(&registration) || is_blank(&registration.id) {
            return Ok(self.prepare(registration)?.into_record(now_ms));
        }
        // The list is the last one: valid, its core types ensured.
        validate_provenance(&registration)?;
        let digested = self.digest(&registration)?;
        let shared = Shared {
            registration_hash: hex_digest_shared(&digested.digest),
            event_types: digested.event_types,
            provenance: digested.provenance,
        };
        Ok(shared.into_record(registration, now_ms))
    }

    /// Whether `registration` declares, as written, the list of the last
    /// valid registration.
    fn declares_the_last_list(&self, registration: &ProcessRegistration) -> bool {
        self.last
            .as_ref()
            .is_some_and(|last| last.as_declared == registration.event_types)
    }

    /// The prepared registration of a valid `registration` declaring the
    /// last list.
    fn finish(
        &mut self,
        registration: ProcessRegistration,
    ) -> RegistryResult<PreparedRegistration> {
        let digested = self.digest(&registration)?;
        Ok(PreparedRegistration {
            registration_hash: hex_digest(&digested.digest),
            event_types: digested.event_types,
            provenance: digested.provenance,
            registration,
        })
    }

    /// The REG-11 digest of a valid `registration` declaring the last list,
    /// and the list and provenance it shares with the records before it
    /// (the provenance when equal).
    fn digest(&mut self, registration: &ProcessRegistration) -> RegistryResult<Digested> {
        let Some(declared) = self.last.as_ref() else {
            return Err(RegistryError::backend(
                "procreg: a registration was prepared without a list of event types",
            ));
        };
        let provenance = &registration.provenance;
        if self
            .last_provenance
            .as_ref()
            .is_some_and(|(last, _)| **last != *provenance)
        {
            self.last_provenance = None;
        }
        let (shared_provenance, canonical_provenance) = self
            .last_provenance
            .get_or_insert_with(|| (Arc::new(provenance.clone()), canonical_bytes(provenance)));
        Ok(Digested {
            digest: declared.digest(registration, canonical_provenance, &mut self.scratch),
            event_types: Arc::clone(&declared.event_types),
            provenance: Arc::clone(shared_provenance),
        })
    }
}

/// A validated list of event types and the hasher state after the start of
/// every registration's canonical JSON that declares it.
#[derive(Debug)]
struct DeclaredTypes {
    event_types: Arc<[ProcessEventType]>,
    /// The list as written (before its core types were ensured) by the
    /// registration that validated it; any registration writing it so
    /// declares this list.
    as_declared: Vec<ProcessEventType>,
    /// SHA-256 over `{"event_types":[...]`: canonical JSON sorts the
    /// registration's keys, and `event_types` sorts first.
    hashed_prefix: Sha256,
}

impl DeclaredTypes {
    /// The validated list `event_types`, of which the first `written` were
    /// declared as written and the rest were the core types ensured.
    fn new(event_types: &[ProcessEventType], written: usize) -> Self {
        let mut hashed_prefix = Sha256::new();
        hashed_prefix.update(b"{\"event_types\":");
        hashed_prefix.update(canonical_bytes(&event_types));
        Self {
            event_types: event_types.into(),
            as_declared: event_types[..written.min(event_types.len())].to_vec(),
            hashed_prefix,
        }
    }

    /// The REG-11 digest of a registration declaring these types: the
    /// remaining keys, `id`, `input` and `provenance` (given canonical), in
    /// sorted order, written into `rest` (cleared first).
    fn digest(
        &self,
        registration: &ProcessRegistration,
        canonical_provenance: &[u8],
        rest: &mut Vec<u8>,
    ) -> [u8; 32] {
        rest.clear();
        rest.extend_from_slice(b",\"id\":");
        write_json(&registration.id, rest);
        rest.extend_from_slice(b",\"input\":");
        write_input(&registration.input, rest);
        rest.extend_from_slice(b",\"provenance\":");
        rest.extend_from_slice(canonical_provenance);
        rest.push(b'}');
        let mut hasher = self.hashed_prefix.clone();
        hasher.update(&*rest);
        hasher.finalize().into()
    }
}

/// The canonical JSON of an input, written without building it as a value
/// first: the variant's fields and its `type` tag, keys sorted.
fn write_input(input: &ProcessInput, out: &mut Vec<u8>) {
    match input {
        ProcessInput::External { metadata } => {
            out.extend_from_slice(b"{\"metadata\":");
            write_canonical(metadata, out);
            out.extend_from_slice(b",\"type\":\"external\"}");
        }
    }
}

/// Empty or only whitespace (what `trim` would empty), decided at the first other char.
fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Appends each core type the list does not declare by name, in core order (REG-7).
fn ensure_core_types(event_types: &mut Vec<ProcessEventType>) {
    static CORE: OnceLock<Vec<ProcessEventType>> = OnceLock::new();
    for core in CORE.get_or_init(core_event_types) {
        if !event_types
            .iter()
            .any(|declared| declared.name == core.name)
        {
            event_types.push(core.clone());
        }
    }
}

fn validate_provenance(registration: &ProcessRegistration) -> RegistryResult<()> {
    let id = registration.id.as_str();
    if registration.provenance.owner_scope.session_id.is_empty() {
        return Err(RegistryError::invalid_registration(format!(
            "process `{id}` owner scope must include a session id"
        )));
    }
    if is_blank(&registration.provenance.host_profile_id) {
        return Err(RegistryError::invalid_registration(format!(
            "process `{id}` host profile id must be non-empty"
        )));
    }
    Ok(())
}

fn validate_event_types(registration: &ProcessRegistration) -> RegistryResult<()> {
    let id = registration.id.as_str();
    let mut seen = BTreeSet::new();
    for declared in &registration.event_types {
        let name = declared.name.as_str();
        if is_blank(name) {
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
mod tests;
