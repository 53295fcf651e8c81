//! Record parts a connection has already carried (`known_parts` in hello).
//!
//! A record's input, event types and provenance are fixed at registration,
//! and they are most of its bytes; a client that sweeps often receives the
//! same ones again and again. On a connection whose hello agreed to
//! `known_parts`, an answer to `list_non_terminal` or `get_process` sends a
//! record without those three parts, marked `"known": true`, when an
//! earlier answer on the same connection carried them, equal, under the
//! same registration hash. Both ends remember the parts of every record
//! carried whole in those answers, under its registration hash, up to
//! [`MAX_KNOWN_REGISTRATIONS`] hashes per connection (a remembered hash is
//! updated, a new one past the limit is not remembered). Both apply the
//! same rule to the same answers in the same order, so they remember the
//! same parts, and the client restores every record exactly: the server
//! compares the parts themselves, never trusting the hash alone.

use procreg::{
    CallAnswer, ProcessEventType, ProcessExternalRef, ProcessInput, ProcessProvenance,
    ProcessRecord, ProcessStatus, RegistryCall,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most registration hashes one connection remembers parts for.
pub const MAX_KNOWN_REGISTRATIONS: usize = 4096;

/// The parts of a record fixed at registration.
#[derive(Clone)]
struct Parts {
    input: Arc<ProcessInput>,
    event_types: Arc<[ProcessEventType]>,
    provenance: Arc<ProcessProvenance>,
}

impl Parts {
    fn of(record: &ProcessRecord) -> Self {
        Self {
            input: record.input.clone(),
            event_types: record.event_types.clone(),
            provenance: record.provenance.clone(),
        }
    }

    /// Whether `record` carries exactly these parts.
    fn are_those_of(&self, record: &ProcessRecord) -> bool {
        fn same<T: PartialEq + ?Sized>(known: &Arc<T>, other: &Arc<T>) -> bool {
            Arc::ptr_eq(known, other) || **known == **other
        }
        same(&self.input, &record.input)
            && same(&self.event_types, &record.event_types)
            && same(&self.provenance, &record.provenance)
    }
}

/// A record as a known-parts answer sends it: [`ProcessRecord`]'s shape,
/// or that shape without its parts and with `"known": true`.
#[derive(Serialize)]
struct RecordOut<'a> {
    id: &'a str,
    registration_hash: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<&'a ProcessInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_types: Option<&'a [ProcessEventType]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provenance: Option<&'a ProcessProvenance>,
    created_at_ms: u64,
    updated_at_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_ref: Option<&'a ProcessExternalRef>,
    status: &'a ProcessStatus,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    known: bool,
}

/// A record as a known-parts answer carries it, read back (unknown fields
/// are ignored, as [`ProcessRecord`] ignores them).
#[derive(Deserialize)]
struct RecordIn {
    id: String,
    registration_hash: Arc<str>,
    #[serde(default)]
    input: Option<Arc<ProcessInput>>,
    #[serde(default)]
    event_types: Option<Arc<[ProcessEventType]>>,
    #[serde(default)]
    provenance: Option<Arc<ProcessProvenance>>,
    #[serde(default)]
    created_at_ms: u64,
    #[serde(default)]
    updated_at_ms: u64,
    #[serde(default)]
    external_ref: Option<ProcessExternalRef>,
    #[serde(default)]
    status: ProcessStatus,
    #[serde(default)]
    known: bool,
}

/// One end's memory of the parts its connection carried; see the module docs.
#[derive(Default)]
pub(crate) struct KnownParts {
    by_hash: BTreeMap<Arc<str>, Parts>,
}

impl KnownParts {
    /// Whether answers to `call` may leave parts out.
    pub(crate) fn applies_to(call: &RegistryCall) -> bool {
        matches!(
            call,
            RegistryCall::ListNonTerminal | RegistryCall::GetProcess { .. }
        )
    }

    fn remember(&mut self, hash: &Arc<str>, parts: Parts) {
        if let Some(known) = self.by_hash.get_mut(hash) {
            *known = parts;
        } else if self.by_hash.len() < MAX_KNOWN_REGISTRATIONS {
            self.by_hash.insert(hash.clone(), parts);
        }
    }

    /// How `record` goes out: without its parts when this connection
    /// already carried them.
    fn send<'a>(&mut self, record: &'a ProcessRecord) -> RecordOut<'a> {
        let known = self
            .by_hash
            .get(&*record.registration_hash)
            .is_some_and(|parts| parts.are_those_of(record));
        if !known {
            self.remember(&record.registration_hash, Parts::of(record));
        }
        RecordOut {
            id: &record.id,
            registration_hash: &record.registration_hash,
            input: (!known).then_some(&*record.input),
            event_types: (!known).then_some(&*record.event_types),
            provenance: (!known).then_some(&*record.provenance),
            created_at_ms: record.created_at_ms,
            updated_at_ms: record.updated_at_ms,
            external_ref: record.external_ref.as_ref(),
            status: &record.status,
            known,
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

    /// A record read back, its parts restored from memory when known.
    fn receive(&mut self, record: RecordIn) -> Result<ProcessRecord, String> {
        let parts = if record.known {
            if record.input.is_some() || record.event_types.is_some() || record.provenance.is_some()
            {
                return Err(format!(
                    "record `{}` is marked known but carries parts",
                    record.id
                ));
            }
            self.by_hash
                .get(&record.registration_hash)
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "record `{}` is marked known, but this connection never carried its parts",
                        record.id
                    )
                })?
        } else {
            let parts = Parts {
                input: record
                    .input
                    .ok_or_else(|| format!("record `{}` has no input", record.id))?,
                event_types: record.event_types.unwrap_or_else(|| Arc::from([])),
                provenance: record
                    .provenance
                    .ok_or_else(|| format!("record `{}` has no provenance", record.id))?,
            };
            self.remember(&record.registration_hash, parts.clone());
            parts
        };
        Ok(ProcessRecord {
            id: record.id,
            registration_hash: record.registration_hash,
            input: parts.input,
            event_types: parts.event_types,
            provenance: parts.provenance,
            created_at_ms: record.created_at_ms,
            updated_at_ms: record.updated_at_ms,
            external_ref: record.external_ref,
            status: record.status,
        })
    }

    /// The client side: the answer to `call` read from `json`.
    pub(crate) fn decode(&mut self, call: &RegistryCall, json: &str) -> Result<CallAnswer, String> {
        match call {
            RegistryCall::ListNonTerminal => {
                let records: Vec<RecordIn> =
                    serde_json::from_str(json).map_err(|error| error.to_string())?;
                records
                    .into_iter()
                    .map(|record| self.receive(record))
                    .collect::<Result<_, _>>()
                    .map(CallAnswer::Records)
            }
            RegistryCall::GetProcess { .. } => {
                let record: Option<RecordIn> =
                    serde_json::from_str(json).map_err(|error| error.to_string())?;
                record
                    .map(|record| self.receive(record))
                    .transpose()
                    .map(CallAnswer::MaybeRecord)
            }
            other => other.decode_answer(json).map_err(|error| error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use procreg::{
        ManualClock, ProcessAwaitOutput, ProcessEventType, ProcessRegistration, ProcessRegistry,
        ProcessScope,
    };
    use procreg_memory::MemoryRegistry;
    use serde_json::{json, Value};

    /// Three records of a registry: running, running with an external ref,
    /// and completed.
    fn records() -> Vec<ProcessRecord> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let registry = MemoryRegistry::new(Arc::new(ManualClock::new(1_000)));
            let mut records = Vec::new();
            for (id, steps) in [("a", 1), ("b", 2), ("c", 3)] {
                let registration =
                    ProcessRegistration::new(id, ProcessInput::external(json!({"steps": steps})))
                        .with_owner_scope(ProcessScope::session("s"))
                        .with_extra_event_types(vec![ProcessEventType::new("step")]);
                records.push(
                    registry
                        .register_process(registration)
                        .await
                        .expect("registers"),
                );
            }
            records[1] = registry
                .set_external_ref("b", ProcessExternalRef::new("engine", "run-7"))
                .await
                .expect("sets the ref");
            records[2] = registry
                .complete_process("c", ProcessAwaitOutput::success(json!({"done": true})))
                .await
                .expect("completes");
            records
        })
    }

    fn sweep(server: &mut KnownParts, client: &mut KnownParts, records: &[ProcessRecord]) -> Value {
        let raw = server
            .encode(&CallAnswer::Records(records.to_vec()))
            .expect("encodes");
        match client.decode(&RegistryCall::ListNonTerminal, raw.get()) {
            Ok(CallAnswer::Records(back)) => assert_eq!(back, records, "restored exactly"),
            other => panic!("not records: {other:?}"),
        }
        serde_json::from_str(raw.get()).expect("JSON")
    }

    #[test]
    fn a_record_carried_whole_has_the_contracts_shape() {
        let records = records();
        let raw = KnownParts::default()
            .encode(&CallAnswer::Records(records.clone()))
            .expect("encodes");
        let sent: Value = serde_json::from_str(raw.get()).expect("JSON");
        assert_eq!(sent, serde_json::to_value(&records).expect("JSON"));
    }

    #[test]
    fn records_carried_before_go_without_their_parts_and_come_back_whole() {
        let records = records();
        let (mut server, mut client) = (KnownParts::default(), KnownParts::default());
        let first = sweep(&mut server, &mut client, &records);
        assert!(first
            .as_array()
            .expect("list")
            .iter()
            .all(|record| record.get("known").is_none()));

        let mut later = records.clone();
        later[0].updated_at_ms += 5;
        let second = sweep(&mut server, &mut client, &later);
        for record in second.as_array().expect("list") {
            assert_eq!(record["known"], json!(true));
            for part in ["input", "event_types", "provenance"] {
                assert!(record.get(part).is_none(), "{part} left out");
            }
        }
        assert_eq!(second[0]["updated_at_ms"], json!(later[0].updated_at_ms));

        let get = RegistryCall::GetProcess {
            process_id: "b".into(),
        };
        let raw = server
            .encode(&CallAnswer::MaybeRecord(Some(records[1].clone())))
            .expect("encodes");
        assert!(raw.get().contains("\"known\":true"));
        match client.decode(&get, raw.get()) {
            Ok(CallAnswer::MaybeRecord(Some(back))) => assert_eq!(back, records[1]),
            other => panic!("not the record: {other:?}"),
        }
        let raw = server
            .encode(&CallAnswer::MaybeRecord(None))
            .expect("encodes");
        assert!(matches!(
            client.decode(&get, raw.get()),
            Ok(CallAnswer::MaybeRecord(None))
        ));
    }

    #[test]
    fn parts_that_changed_under_a_known_hash_go_whole() {
        let records = records();
        let (mut server, mut client) = (KnownParts::default(), KnownParts::default());
        sweep(&mut server, &mut client, &records[..1]);
        // A backend that returns other parts under the same hash.
        let mut changed = records[0].clone();
        changed.input = Arc::new(ProcessInput::external(json!({"steps": 99})));
        let sent = sweep(&mut server, &mut client, std::slice::from_ref(&changed));
        assert!(sent[0].get("known").is_none());
        assert_eq!(sent[0]["input"]["metadata"], json!({"steps": 99}));
        let again = sweep(&mut server, &mut client, std::slice::from_ref(&changed));
        assert_eq!(
            again[0]["known"],
            json!(true),
            "the new parts are the known ones"
        );
    }

    #[test]
    fn equal_parts_read_afresh_from_storage_are_still_known() {
        let records = records();
        let (mut server, mut client) = (KnownParts::default(), KnownParts::default());
        sweep(&mut server, &mut client, &records);
        // What a backend that decodes every read returns: equal parts, new allocations.
        let reread: Vec<ProcessRecord> =
            serde_json::from_value(serde_json::to_value(&records).expect("JSON")).expect("reads");
        assert!(!Arc::ptr_eq(&reread[0].input, &records[0].input));
        let sent = sweep(&mut server, &mut client, &reread);
        for record in sent.as_array().expect("list") {
            assert_eq!(record["known"], json!(true));
        }
    }

    #[test]
    fn a_change_to_any_one_part_sends_the_record_whole() {
        let records = records();
        let mut other_types = records[0].clone();
        other_types.event_types = Arc::from(vec![ProcessEventType::new("other")]);
        let mut other_provenance = records[0].clone();
        let mut owner = (*records[0].provenance).clone();
        owner.owner_scope = ProcessScope::session("elsewhere");
        other_provenance.provenance = Arc::new(owner);
        for changed in [other_types, other_provenance] {
            let (mut server, mut client) = (KnownParts::default(), KnownParts::default());
            sweep(&mut server, &mut client, &records[..1]);
            let sent = sweep(&mut server, &mut client, std::slice::from_ref(&changed));
            assert!(sent[0].get("known").is_none(), "sent whole: {}", sent[0]);
        }
    }

    #[test]
    fn a_record_marked_known_that_still_carries_parts_is_refused() {
        let records = records();
        let (mut server, mut client) = (KnownParts::default(), KnownParts::default());
        sweep(&mut server, &mut client, &records[..1]);
        let mut whole = serde_json::to_value(&records[..1]).expect("JSON");
        whole[0]["known"] = json!(true);
        let error = client
            .decode(&RegistryCall::ListNonTerminal, &whole.to_string())
            .expect_err("refused");
        assert!(error.contains("marked known but carries parts"), "{error}");
    }

    #[test]
    fn a_record_marked_known_that_the_connection_never_carried_is_refused() {
        let records = records();
        let mut server = KnownParts::default();
        sweep(&mut server, &mut KnownParts::default(), &records);
        let raw = server
            .encode(&CallAnswer::Records(records))
            .expect("encodes");
        let refused = KnownParts::default().decode(&RegistryCall::ListNonTerminal, raw.get());
        let error = refused.expect_err("refused");
        assert!(error.contains("never carried its parts"), "{error}");
    }

    #[test]
    fn past_the_limit_new_hashes_always_go_whole() {
        let template = records().remove(0);
        let with_hash = |n: usize| ProcessRecord {
            id: format!("p-{n}"),
            registration_hash: Arc::from(format!("hash-{n}")),
            ..template.clone()
        };
        let full: Vec<ProcessRecord> = (0..MAX_KNOWN_REGISTRATIONS).map(with_hash).collect();
        let (mut server, mut client) = (KnownParts::default(), KnownParts::default());
        sweep(&mut server, &mut client, &full);
        let extra = [with_hash(MAX_KNOWN_REGISTRATIONS)];
        for _ in 0..2 {
            let sent = sweep(&mut server, &mut client, &extra);
            assert!(
                sent[0].get("known").is_none(),
                "not remembered past the limit"
            );
        }
        let sent = sweep(&mut server, &mut client, &full[..1]);
        assert_eq!(sent[0]["known"], json!(true), "a remembered hash still is");
        let mut changed = full[0].clone();
        changed.input = Arc::new(ProcessInput::external(json!({"changed": true})));
        let sent = sweep(&mut server, &mut client, std::slice::from_ref(&changed));
        assert!(sent[0].get("known").is_none(), "changed parts go whole");
        let sent = sweep(&mut server, &mut client, std::slice::from_ref(&changed));
        assert_eq!(
            sent[0]["known"],
            json!(true),
            "a remembered hash is updated when the memory is full"
        );
    }
}
