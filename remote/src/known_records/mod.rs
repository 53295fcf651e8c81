//! Records a connection has already carried (`known_records` in hello).
//!
//! A record's id, registration hash, creation time, input, event types and
//! provenance are fixed at registration, and they are most of its bytes; a
//! client that sweeps often receives the same ones again and again. On a
//! connection whose hello agreed to `known_records`, both ends remember the
//! registration of every record carried whole in an answer to
//! `list_non_terminal` or `get_process`, under its registration hash, and
//! number those hashes in the order first remembered, up to
//! [`MAX_KNOWN_REGISTRATIONS`] per connection (a remembered hash is
//! updated and keeps its number; past the limit a new one is not
//! remembered). A later record whose registration equals a remembered one
//! goes as `{"known": N, "updated_at_ms", "external_ref"?, "status"}`. The
//! server compares the registration itself, never trusting the hash
//! alone, and both ends apply the same rule to the same answers in the same
//! order, so the client restores every record exactly.
//!
//! Records carried whole share their event type list and provenance too:
//! each list (and each provenance) a record carries inline is numbered, in
//! the order carried, up to [`MAX_NUMBERED_PARTS`] of each kind per
//! connection, and a later record carried whole whose list (or provenance)
//! equals a numbered one sends `"event_types_ref": N` (or
//! `"provenance_ref": N`) instead. Processes registered alike, as a
//! workload's are, then cross a new connection with little more than their
//! id and input.

mod numbered;
mod wire;

use numbered::Numbered;
use procreg::{
    CallAnswer, ProcessEventType, ProcessInput, ProcessProvenance, ProcessRecord, RegistryCall,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::Arc;
use wire::{RecordIn, RecordOut};

/// The most registration hashes one connection remembers.
pub const MAX_KNOWN_REGISTRATIONS: usize = 4096;

/// The most event type lists, and the most provenances, one connection numbers.
pub const MAX_NUMBERED_PARTS: usize = 64;

/// What a record carries that was fixed when it was registered.
#[derive(Clone)]
struct Registration {
    id: String,
    registration_hash: Arc<str>,
    created_at_ms: u64,
    input: Arc<ProcessInput>,
    event_types: Arc<[ProcessEventType]>,
    provenance: Arc<ProcessProvenance>,
}

impl Registration {
    fn of(record: &ProcessRecord) -> Self {
        Self {
            id: record.id.clone(),
            registration_hash: record.registration_hash.clone(),
            created_at_ms: record.created_at_ms,
            input: record.input.clone(),
            event_types: record.event_types.clone(),
            provenance: record.provenance.clone(),
        }
    }

    /// Whether `record` carries exactly this registration.
    fn is_that_of(&self, record: &ProcessRecord) -> bool {
        fn same<T: PartialEq + ?Sized>(known: &Arc<T>, other: &Arc<T>) -> bool {
            Arc::ptr_eq(known, other) || **known == **other
        }
        self.id == record.id
            && self.created_at_ms == record.created_at_ms
            && same(&self.registration_hash, &record.registration_hash)
            && same(&self.input, &record.input)
            && same(&self.event_types, &record.event_types)
            && same(&self.provenance, &record.provenance)
    }
}

/// One end's memory of the records its connection carried; see the module docs.
#[derive(Default)]
pub(crate) struct KnownRecords {
    /// The number of each remembered registration hash.
    numbers: BTreeMap<Arc<str>, usize>,
    /// The remembered registrations, by number.
    registrations: Vec<Registration>,
    event_types: Numbered<[ProcessEventType]>,
    provenances: Numbered<ProcessProvenance>,
}

impl KnownRecords {
    /// Whether answers to `call` may leave parts out.
    pub(crate) fn applies_to(call: &RegistryCall) -> bool {
        matches!(
            call,
            RegistryCall::ListNonTerminal | RegistryCall::GetProcess { .. }
        )
    }

    /// Remembers a registration carried whole.
    fn remember(&mut self, registration: Registration) {
        if let Some(&number) = self.numbers.get(&registration.registration_hash) {
            self.registrations[number] = registration;
        } else if self.registrations.len() < MAX_KNOWN_REGISTRATIONS {
            self.numbers.insert(
                registration.registration_hash.clone(),
                self.registrations.len(),
            );
            self.registrations.push(registration);
        }
    }

    /// How `record` goes out: by the number of its registration when this
    /// connection already carried it.
    fn send<'a>(&mut self, record: &'a ProcessRecord) -> RecordOut<'a> {
        let known = self
            .numbers
            .get(&*record.registration_hash)
            .copied()
            .filter(|&number| self.registrations[number].is_that_of(record));
        let changing = |known| RecordOut {
            id: None,
            registration_hash: None,
            input: None,
            event_types: None,
            event_types_ref: None,
            provenance: None,
            provenance_ref: None,
            created_at_ms: None,
            updated_at_ms: record.updated_at_ms,
            external_ref: record.external_ref.as_ref(),
            status: &record.status,
            known,
        };
        if known.is_some() {
            return changing(known);
        }
        self.remember(Registration::of(record));
        let event_types_ref = self.event_types.number_or_carry(&record.event_types);
        let provenance_ref = self.provenances.number_or_carry(&record.provenance);
        RecordOut {
            id: Some(&record.id),
            registration_hash: Some(&record.registration_hash),
            input: Some(&record.input),
            event_types: event_types_ref.is_none().then_some(&*record.event_types),
            event_types_ref,
            provenance: provenance_ref.is_none().then_some(&*record.provenance),
            provenance_ref,
            created_at_ms: Some(record.created_at_ms),
            ..changing(None)
        }
    }

    /// The server side: the JSON of `answer` (to a call this applies to).
    pub(crate) fn encode(&mut self, answer: &CallAnswer) -> serde_json::Result<Box<RawValue>> {
        match answer {
            CallAnswer::Records(records) => {
                let sent: Vec<RecordOut<'_>> =
                    records.iter().map(|record| self.send(record)).collect();
                serde_json::value::to_raw_value(&sent)
            }
            CallAnswer::MaybeRecord(record) => {
                serde_json::value::to_raw_value(&record.as_ref().map(|record| self.send(record)))
            }
            other => serde_json::value::to_raw_value(other),
        }
    }

    /// A record read back, its registration restored from memory when known.
    fn receive(&mut self, mut record: RecordIn<'_>) -> Result<ProcessRecord, String> {
        let registration = match record.known {
            Some(number) => self.known_registration(number, &record)?,
            None => self.carried_registration(&mut record)?,
        };
        Ok(ProcessRecord {
            id: registration.id,
            registration_hash: registration.registration_hash,
            input: registration.input,
            event_types: registration.event_types,
            provenance: registration.provenance,
            created_at_ms: registration.created_at_ms,
            updated_at_ms: record.updated_at_ms,
            external_ref: record.external_ref,
            status: record.status,
        })
    }

    /// The registration numbered `number`, for a record marked known (which
    /// carries none of its own).
    fn known_registration(
        &self,
        number: usize,
        record: &RecordIn<'_>,
    ) -> Result<Registration, String> {
        let carried = record.registration_fields();
        if !carried.is_empty() {
            return Err(format!(
                "a record marked known ({number}) carries {}",
                carried.join(", ")
            ));
        }
        self.registrations.get(number).cloned().ok_or_else(|| {
            format!("a record is marked known ({number}), but this connection never numbered that registration")
        })
    }

    /// The registration a record carried whole, remembered.
    fn carried_registration(&mut self, record: &mut RecordIn<'_>) -> Result<Registration, String> {
        let id = record.id.take().ok_or("a record carried whole has no id")?;
        let hash = record
            .registration_hash
            .take()
            .ok_or_else(|| format!("record `{id}` has no registration_hash"))?;
        let registration = Registration {
            // A remembered hash is shared rather than allocated again.
            registration_hash: match self.numbers.get_key_value(&*hash) {
                Some((remembered, _)) => remembered.clone(),
                None => Arc::from(&*hash),
            },
            input: record
                .input
                .take()
                .ok_or_else(|| format!("record `{id}` has no input"))?,
            event_types: self
                .event_types
                .restore(
                    "event type list",
                    record.event_types.take(),
                    record.event_types_ref,
                )
                .map_err(|error| format!("record `{id}` {error}"))?
                .unwrap_or_else(|| Arc::from([])),
            provenance: self
                .provenances
                .restore(
                    "provenance",
                    record.provenance.take(),
                    record.provenance_ref,
                )
                .map_err(|error| format!("record `{id}` {error}"))?
                .ok_or_else(|| format!("record `{id}` has no provenance"))?,
            created_at_ms: record.created_at_ms.unwrap_or_default(),
            id,
        };
        self.remember(registration.clone());
        Ok(registration)
    }

    /// The client side: the answer to `call` read from `json`.
    #[cfg(test)]
    pub(crate) fn decode(&mut self, call: &RegistryCall, json: &str) -> Result<CallAnswer, String> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let answer = self
            .decode_from(call, &mut deserializer)
            .map_err(|error| error.to_string())?;
        deserializer.end().map_err(|error| error.to_string())?;
        Ok(answer)
    }

    /// The client side: the answer to `call` read from `deserializer`, its
    /// records restored whole.
    pub(crate) fn decode_from<'de, D: serde::Deserializer<'de>>(
        &mut self,
        call: &RegistryCall,
        deserializer: D,
    ) -> Result<CallAnswer, D::Error> {
        use serde::de::Error;
        match call {
            RegistryCall::ListNonTerminal => Vec::<RecordIn>::deserialize(deserializer)?
                .into_iter()
                .map(|record| self.receive(record))
                .collect::<Result<_, _>>()
                .map(CallAnswer::Records)
                .map_err(D::Error::custom),
            RegistryCall::GetProcess { .. } => Option::<RecordIn>::deserialize(deserializer)?
                .map(|record| self.receive(record))
                .transpose()
                .map(CallAnswer::MaybeRecord)
                .map_err(D::Error::custom),
            other => other.decode_answer_from(deserializer),
        }
    }
}

#[cfg(test)]
mod tests;
