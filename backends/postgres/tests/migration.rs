//! A registry written by an older release reads back whole after the
//! migrations run on connect: version 1 keyed rows by the ids themselves,
//! version 2 by their hashes (so ids of any length fit an index).

mod support;

use procreg::{
    ManualClock, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessRegistration, ProcessRegistry, ProcessScope, ProcessValueSelector, ProcessWakeSpec,
};
use procreg_model::adversarial::long_id;
use procreg_postgres::{migration_sql, PgOptions, PgRegistry, SCHEMA_VERSION};
use serde_json::json;
use std::sync::Arc;

/// The v1 columns of each table, in the order both versions hold them.
const V1_TABLES: [(&str, &str); 5] = [
    ("processes", "id, registration_hash, status, record_json"),
    (
        "events",
        "process_id, sequence, event_type, replay_key, has_wake, event_json",
    ),
    ("wake_acks", "process_id, sequence"),
    (
        "grants",
        "scope_id, process_id, session_id, descriptor_json",
    ),
    (
        "leases",
        "process_id, fencing_token, owner_id, lease_token, claimed_at_ms, expires_at_ms",
    ),
];

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({ "id": id })))
        .with_extra_event_types([
            ProcessEventType::new("tick"),
            ProcessEventType::wake(
                "wake",
                ProcessWakeSpec::new(ProcessValueSelector::pointer("/message")),
            ),
        ])
}

async fn connect(url: &str, schema: &str, clock: Arc<ManualClock>) -> PgRegistry {
    let options = PgOptions {
        schema: schema.to_owned(),
        ..PgOptions::default()
    };
    PgRegistry::connect_with(url, clock, options)
        .await
        .expect("connect")
}

/// Writes, through a current registry in `source`, one process of every
/// kind of row: events (one keyed, one wake, one acked wake), a grant, a
/// lease, a completed process.
async fn write_every_kind_of_row(registry: &PgRegistry) -> procreg::ProcessLease {
    for id in ["live", "done"] {
        registry
            .register_process(registration(id))
            .await
            .expect("register");
    }
    registry
        .append_event(
            "live",
            ProcessEventAppendRequest::new("tick", json!({ "n": 1 })).with_replay_key("k1"),
        )
        .await
        .expect("keyed append");
    for message in ["first", "second"] {
        registry
            .append_event(
                "live",
                ProcessEventAppendRequest::new("wake", json!({ "message": message }))
                    .with_wake_target(ProcessScope::session("s")),
            )
            .await
            .expect("wake append");
    }
    registry.ack_wake("live", 2).await.expect("ack");
    registry
        .grant_handle(
            &ProcessScope::frame("s", "f"),
            "live",
            procreg::ProcessHandleDescriptor::labelled("h"),
        )
        .await
        .expect("grant");
    registry
        .complete_process("done", ProcessAwaitOutput::success(json!(7)))
        .await
        .expect("complete");
    registry
        .claim_process_lease("live", "w", 10_000)
        .await
        .expect("claim")
}

/// Builds schema `old` as version 1 left it, holding the rows of `current`.
async fn build_version_1_copy(admin: &tokio_postgres::Client, current: &str, old: &str) {
    let v1 = migration_sql(1).expect("version 1");
    let mut build = format!(
        "CREATE SCHEMA {old}; SET search_path TO {old};
         CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
         INSERT INTO schema_version VALUES (1, 1);
         {v1};"
    );
    for (table, columns) in V1_TABLES {
        build.push_str(&format!(
            "INSERT INTO {old}.{table} ({columns}) SELECT {columns} FROM {current}.{table};"
        ));
    }
    build.push_str("RESET search_path;");
    admin
        .batch_execute(&build)
        .await
        .expect("build a v1 schema");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_registry_reads_back_whole_after_migrating() {
    let Some(url) = support::pg_url("a_version_1_registry_reads_back_whole_after_migrating") else {
        return;
    };
    assert_eq!(
        SCHEMA_VERSION, 2,
        "a new version needs a test from its predecessor"
    );
    let admin = support::admin(&url).await.expect("admin connection");
    let (current, old) = (support::fresh_schema(), support::fresh_schema());
    let clock = Arc::new(ManualClock::new(1_000));
    let lease = write_every_kind_of_row(&connect(&url, &current, clock.clone()).await).await;

    build_version_1_copy(&admin, &current, &old).await;
    let migrated = connect(&url, &old, clock.clone()).await;
    let version = admin
        .query_one(&format!("SELECT version FROM {old}.schema_version"), &[])
        .await
        .expect("version");
    assert_eq!(version.get::<_, i32>(0), SCHEMA_VERSION);

    let live = migrated.get_process("live").await.expect("read");
    assert_eq!(*live.input, registration("live").input);
    let events = migrated.events_after("live", 0).await.expect("events");
    assert_eq!(
        events
            .iter()
            .map(|event| event.sequence)
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let replayed = migrated
        .append_event(
            "live",
            ProcessEventAppendRequest::new("tick", json!({ "n": 1 })).with_replay_key("k1"),
        )
        .await
        .expect("replay");
    assert_eq!(
        replayed.event.sequence, 1,
        "the replay key survived the migration"
    );
    assert_eq!(
        migrated
            .events_after("live", 0)
            .await
            .expect("events")
            .len(),
        3
    );
    let wakes = migrated.wake_events_after("live", 0).await.expect("wakes");
    assert_eq!(
        wakes.iter().map(|event| event.sequence).collect::<Vec<_>>(),
        [3]
    );
    assert!(migrated
        .has_handle_grant(&ProcessScope::frame("s", "f"), "live")
        .await
        .expect("grant"));
    migrated
        .renew_process_lease(&lease, 10_000)
        .await
        .expect("the lease survived the migration");
    let done = migrated.get_process("done").await.expect("read");
    assert!(done.is_terminal());
    let sweep: Vec<String> = migrated
        .list_non_terminal()
        .await
        .expect("sweep")
        .into_iter()
        .map(|record| record.id)
        .collect();
    assert_eq!(sweep, ["live"]);

    // And the migrated schema takes what version 1 could not index.
    let long = long_id(7);
    migrated
        .register_process(registration(&long))
        .await
        .expect("a 64 KiB id registers after the migration");
    drop(migrated);
    support::drop_schemas(&admin, &[current, old])
        .await
        .expect("drop schemas");
}
