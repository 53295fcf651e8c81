//! Failures are typed `Backend` errors naming the database, and bounded:
//! an unreachable or silent server, a bad connection string or schema name,
//! a newer schema, a missing database, a lock held elsewhere, a cancelled call.
//!
//! The first four need no server and always run.

mod support;

use procreg::DurableFactory;
use procreg::{
    ErrorKind, ManualClock, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessRegistration, ProcessRegistry, RegistryError,
};
use procreg_postgres::{PgOptions, PgRegistry, SCHEMA_VERSION};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{pg_factory, PgSchemas};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(1_000))
}

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({})))
        .with_extra_event_types([ProcessEventType::new("tick")])
}

fn short_bounds(schema: &str) -> PgOptions {
    PgOptions {
        schema: schema.to_owned(),
        connect_timeout: Duration::from_millis(500),
        statement_timeout: Duration::from_millis(400),
        call_timeout: Duration::from_secs(3),
        ..PgOptions::default()
    }
}

fn assert_backend(error: &RegistryError, mentions: &[&str]) {
    assert!(error.is(ErrorKind::Backend), "not a Backend error: {error}");
    for word in mentions {
        assert!(
            error.message.contains(word),
            "`{word}` missing from: {error}"
        );
    }
}

#[test]
fn a_refused_connection_is_a_backend_error_at_once() {
    support::runtime().block_on(async {
        // Port 1 on loopback: nothing listens, the kernel refuses.
        let started = Instant::now();
        let error = PgRegistry::connect_with(
            "host=127.0.0.1 port=1 user=postgres dbname=postgres",
            clock(),
            short_bounds("procreg"),
        )
        .await
        .expect_err("nothing listens on port 1");
        assert_backend(&error, &["127.0.0.1:1", "connecting"]);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    });
}

#[test]
fn a_silent_server_is_a_backend_error_within_the_connect_timeout() {
    support::runtime().block_on(async {
        // Accepts TCP connections (the kernel's backlog) and never answers.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = silent.local_addr().expect("address").port();
        let started = Instant::now();
        let error = PgRegistry::connect_with(
            &format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"),
            clock(),
            short_bounds("procreg"),
        )
        .await
        .expect_err("the server never answers");
        let elapsed = started.elapsed();
        assert_backend(&error, &["connect"]);
        assert!(
            elapsed < Duration::from_secs(3),
            "bounded by the connect timeout: {elapsed:?}"
        );
        drop(silent);
    });
}

#[test]
fn a_garbage_connection_string_is_a_backend_error_without_echoing_it() {
    support::runtime().block_on(async {
        let error = PgRegistry::connect("host=127.0.0.1 password=hunter2 port=notaport", clock())
            .await
            .expect_err("does not parse");
        assert_backend(&error, &["does not parse"]);
        assert!(!error.message.contains("hunter2"), "{error}");
    });
}

#[test]
fn an_invalid_schema_name_is_refused_before_connecting() {
    support::runtime().block_on(async {
        for bad in ["", "Procreg", "a;drop", "9lives", "x y"] {
            let error = PgRegistry::connect_with(
                "host=127.0.0.1 port=1",
                clock(),
                PgOptions::with_schema(bad),
            )
            .await
            .expect_err("invalid schema name");
            assert_backend(&error, &["schema name"]);
        }
    });
}

#[test]
fn a_missing_database_is_a_backend_error() {
    let Some(url) = support::pg_url("a_missing_database_is_a_backend_error") else {
        return;
    };
    support::runtime().block_on(async {
        let error = PgRegistry::connect(&format!("{url} dbname=procreg_no_such_database"), clock())
            .await
            .expect_err("no such database");
        assert_backend(&error, &["procreg_no_such_database", "3D000"]);
    });
}

#[test]
fn a_newer_schema_is_refused_before_anything_is_written() {
    let Some(url) = support::pg_url("a_newer_schema_is_refused_before_anything_is_written") else {
        return;
    };
    let factory = pg_factory(&url);
    support::runtime().block_on(async {
        let handles = factory
            .opener()
            .handles(1, 1, clock())
            .await
            .expect("connect");
        let schema = handles[0].schema().to_owned();
        let newer = SCHEMA_VERSION + 98;
        factory
            .opener()
            .admin_execute(&format!(
                "UPDATE {schema}.schema_version SET version = {newer}"
            ))
            .await
            .expect("bump the version");
        let error = factory
            .opener()
            .connect(&schema, clock())
            .await
            .expect_err("a newer schema is refused");
        assert_backend(&error, &[&schema, &format!("version {newer}"), "newer"]);
        factory
            .opener()
            .admin_execute(&format!(
                "UPDATE {schema}.schema_version SET version = {SCHEMA_VERSION}"
            ))
            .await
            .expect("restore the version");
        factory
            .opener()
            .connect(&schema, clock())
            .await
            .expect("the current version connects");
    });
}

#[test]
fn a_lock_held_elsewhere_fails_the_call_within_the_statement_timeout_and_leaves_no_trace() {
    let Some(url) = support::pg_url(
        "a_lock_held_elsewhere_fails_the_call_within_the_statement_timeout_and_leaves_no_trace",
    ) else {
        return;
    };
    let factory = DurableFactory::new(PgSchemas::with_options(&url, short_bounds("unused")));
    support::runtime().block_on(async {
        let handles = factory
            .opener()
            .handles(1, 2, clock())
            .await
            .expect("connect");
        let registry = &handles[0];
        let schema = registry.schema().to_owned();
        registry
            .register_process(registration("p"))
            .await
            .expect("register");
        // Another session holds the process row lock and does not let go.
        let holder = support::admin(&url).await.expect("holder");
        holder
            .batch_execute(&format!(
                "BEGIN; SELECT 1 FROM {schema}.processes WHERE id = 'p' FOR UPDATE"
            ))
            .await
            .expect("hold the lock");
        let started = Instant::now();
        let error = registry
            .append_event("p", ProcessEventAppendRequest::new("tick", json!({})))
            .await
            .expect_err("the row is locked elsewhere");
        let elapsed = started.elapsed();
        assert_backend(&error, &[&schema, "locking a process"]);
        assert!(
            error.message.contains("55P03") || error.message.contains("57014"),
            "a lock or statement timeout: {error}"
        );
        assert!(
            elapsed < Duration::from_secs(2),
            "bounded by lock_timeout: {elapsed:?}"
        );
        // A call dropped by its caller while it waits for the lock leaves nothing behind.
        let dropped = tokio::time::timeout(
            Duration::from_millis(100),
            registry.append_event("p", ProcessEventAppendRequest::new("tick", json!({"n": 2}))),
        )
        .await;
        assert!(dropped.is_err(), "the call was still waiting for the lock");
        holder
            .batch_execute("ROLLBACK")
            .await
            .expect("release the lock");
        let log = registry.events_after("p", 0).await.expect("events");
        assert!(
            log.is_empty(),
            "failed and dropped calls wrote nothing: {log:?}"
        );
        let appended = registry
            .append_event("p", ProcessEventAppendRequest::new("tick", json!({"n": 3})))
            .await
            .expect("the handle works after the failures");
        assert_eq!(appended.event.sequence, 1);
    });
}
