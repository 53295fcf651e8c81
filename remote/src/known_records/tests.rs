//! The known-records rule, end to end: what the server sends, and that the
//! client restores every record exactly.

use super::*;
use procreg::{
    ManualClock, ProcessAwaitOutput, ProcessEventType, ProcessExternalRef, ProcessRegistration,
    ProcessRegistry, ProcessScope,
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

fn sweep(server: &mut KnownRecords, client: &mut KnownRecords, records: &[ProcessRecord]) -> Value {
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
fn the_first_record_carried_whole_has_the_contracts_shape() {
    let records = records();
    let raw = KnownRecords::default()
        .encode(&CallAnswer::Records(records.clone()))
        .expect("encodes");
    let sent: Value = serde_json::from_str(raw.get()).expect("JSON");
    assert_eq!(sent[0], serde_json::to_value(&records[0]).expect("JSON"));
}

#[test]
fn records_registered_alike_name_the_event_types_and_provenance_they_share() {
    let records = records();
    let mut other = records[2].clone();
    other.registration_hash = Arc::from("other-hash");
    other.event_types = Arc::from(vec![ProcessEventType::new("other")]);
    let answer = [records.clone(), vec![other]].concat();
    let (mut server, mut client) = (KnownRecords::default(), KnownRecords::default());
    // `sweep` asserts that the client restores every record exactly.
    let sent = sweep(&mut server, &mut client, &answer);
    for alike in [&sent[1], &sent[2]] {
        assert_eq!(alike["event_types_ref"], json!(0), "{alike}");
        assert_eq!(alike["provenance_ref"], json!(0), "{alike}");
        assert!(alike.get("event_types").is_none() && alike.get("provenance").is_none());
        assert!(alike["input"].is_object(), "the input still goes inline");
    }
    assert_eq!(sent[3]["event_types"][0]["name"], json!("other"));
    assert!(sent[3].get("event_types_ref").is_none(), "{}", sent[3]);
    assert_eq!(sent[3]["provenance_ref"], json!(0));
    let mut third = answer[3].clone();
    third.registration_hash = Arc::from("third-hash");
    let sent = sweep(&mut server, &mut client, &[third]);
    assert_eq!(
        sent[0]["event_types_ref"],
        json!(1),
        "numbered in the order carried"
    );
}

#[test]
fn a_record_naming_parts_the_connection_never_numbered_is_refused() {
    let mut record = serde_json::to_value(&records()[..1]).expect("JSON");
    record[0]
        .as_object_mut()
        .expect("object")
        .remove("event_types");
    record[0]["event_types_ref"] = json!(5);
    let error = KnownRecords::default()
        .decode(&RegistryCall::ListNonTerminal, &record.to_string())
        .expect_err("refused");
    assert!(
        error.contains("names event type list 5, which this connection never carried"),
        "{error}"
    );
    let mut both = serde_json::to_value(&records()[..1]).expect("JSON");
    both[0]["provenance_ref"] = json!(0);
    let error = KnownRecords::default()
        .decode(&RegistryCall::ListNonTerminal, &both.to_string())
        .expect_err("refused");
    assert!(error.contains("both inline and by number"), "{error}");
}

#[test]
fn records_carried_before_go_as_numbers_and_come_back_whole() {
    let records = records();
    let (mut server, mut client) = (KnownRecords::default(), KnownRecords::default());
    let first = sweep(&mut server, &mut client, &records);
    assert!(first
        .as_array()
        .expect("list")
        .iter()
        .all(|record| record.get("known").is_none()));

    let mut later = records.clone();
    later[0].updated_at_ms += 5;
    let second = sweep(&mut server, &mut client, &later);
    for (number, record) in second.as_array().expect("list").iter().enumerate() {
        assert_eq!(
            record["known"],
            json!(number),
            "numbered in the order carried"
        );
        let mut fields: Vec<&str> = record
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        fields.retain(|field| *field != "external_ref");
        fields.sort_unstable();
        assert_eq!(fields, ["known", "status", "updated_at_ms"], "{record}");
    }
    assert_eq!(
        second[1]["external_ref"]["id"],
        json!("run-7"),
        "what changes still goes"
    );
    assert_eq!(second[0]["updated_at_ms"], json!(later[0].updated_at_ms));

    let get = RegistryCall::GetProcess {
        process_id: "b".into(),
    };
    let raw = server
        .encode(&CallAnswer::MaybeRecord(Some(records[1].clone())))
        .expect("encodes");
    assert!(raw.get().contains("\"known\":1"), "{}", raw.get());
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
    let (mut server, mut client) = (KnownRecords::default(), KnownRecords::default());
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
        json!(0),
        "the new parts are the known ones, under the hash's number"
    );
}

#[test]
fn equal_parts_read_afresh_from_storage_are_still_known() {
    let records = records();
    let (mut server, mut client) = (KnownRecords::default(), KnownRecords::default());
    sweep(&mut server, &mut client, &records);
    // What a backend that decodes every read returns: equal parts, new allocations.
    let reread: Vec<ProcessRecord> =
        serde_json::from_value(serde_json::to_value(&records).expect("JSON")).expect("reads");
    assert!(!Arc::ptr_eq(&reread[0].input, &records[0].input));
    let sent = sweep(&mut server, &mut client, &reread);
    for record in sent.as_array().expect("list") {
        assert!(record["known"].is_u64(), "{record}");
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
    // A backend whose hashes do not cover the id or the creation time.
    let mut other_id = records[0].clone();
    other_id.id = "a-twin".into();
    let mut other_creation = records[0].clone();
    other_creation.created_at_ms += 1;
    for changed in [other_types, other_provenance, other_id, other_creation] {
        let (mut server, mut client) = (KnownRecords::default(), KnownRecords::default());
        sweep(&mut server, &mut client, &records[..1]);
        let sent = sweep(&mut server, &mut client, std::slice::from_ref(&changed));
        assert!(sent[0].get("known").is_none(), "sent whole: {}", sent[0]);
    }
}

#[test]
fn a_record_marked_known_that_still_carries_parts_is_refused() {
    let records = records();
    let (mut server, mut client) = (KnownRecords::default(), KnownRecords::default());
    sweep(&mut server, &mut client, &records[..1]);
    let mut whole = serde_json::to_value(&records[..1]).expect("JSON");
    whole[0]["known"] = json!(0);
    let error = client
        .decode(&RegistryCall::ListNonTerminal, &whole.to_string())
        .expect_err("refused");
    assert!(
        error.contains("marked known (0) carries id, registration_hash, input, event_types, provenance, created_at_ms"),
        "{error}"
    );
}

#[test]
fn a_record_marked_known_that_the_connection_never_carried_is_refused() {
    let records = records();
    let mut server = KnownRecords::default();
    sweep(&mut server, &mut KnownRecords::default(), &records);
    let raw = server
        .encode(&CallAnswer::Records(records))
        .expect("encodes");
    let refused = KnownRecords::default().decode(&RegistryCall::ListNonTerminal, raw.get());
    let error = refused.expect_err("refused");
    assert!(
        error.contains("never numbered that registration"),
        "{error}"
    );
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
    let (mut server, mut client) = (KnownRecords::default(), KnownRecords::default());
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
    assert_eq!(sent[0]["known"], json!(0), "a remembered hash still is");
    let mut changed = full[0].clone();
    changed.input = Arc::new(ProcessInput::external(json!({"changed": true})));
    let sent = sweep(&mut server, &mut client, std::slice::from_ref(&changed));
    assert!(sent[0].get("known").is_none(), "changed parts go whole");
    let sent = sweep(&mut server, &mut client, std::slice::from_ref(&changed));
    assert_eq!(
        sent[0]["known"],
        json!(0),
        "a remembered hash is updated when the memory is full"
    );
}

#[test]
fn past_the_limit_of_numbered_lists_both_ends_stay_in_step() {
    let template = records().remove(0);
    let with_types = |n: usize, hash: &str| ProcessRecord {
        id: format!("p-{n}"),
        registration_hash: Arc::from(format!("{hash}-{n}")),
        event_types: Arc::from(vec![ProcessEventType::new(format!("type-{n}"))]),
        ..template.clone()
    };
    let (mut server, mut client) = (KnownRecords::default(), KnownRecords::default());
    let first: Vec<ProcessRecord> = (0..MAX_NUMBERED_PARTS + 6)
        .map(|n| with_types(n, "first"))
        .collect();
    // `sweep` asserts that the client restores every record exactly.
    let sent = sweep(&mut server, &mut client, &first);
    assert!(sent
        .as_array()
        .expect("list")
        .iter()
        .all(|record| record["event_types"].is_array()));
    let again: Vec<ProcessRecord> = (0..MAX_NUMBERED_PARTS + 6)
        .map(|n| with_types(n, "again"))
        .collect();
    let sent = sweep(&mut server, &mut client, &again);
    for (n, record) in sent.as_array().expect("list").iter().enumerate() {
        if n < MAX_NUMBERED_PARTS {
            assert_eq!(record["event_types_ref"], json!(n), "{record}");
        } else {
            assert!(record["event_types"].is_array(), "past the limit: {record}");
        }
    }
}
