//! The upstream findings of `docs/lash-compat.md`, each as its shortest
//! reproduction straight against lash-core's API (no bridge in between).
//!
//! These pin upstream behaviour as observed in 0.1.0-alpha.38: if a new lash
//! version fixes one, its test fails here first, and the compatibility
//! matrix and the report need updating with it.

use lash_core as lash;
use lash_core::{ProcessRegistry, TestLocalProcessRegistry};
use lash_sqlite_store::SqliteProcessRegistry;
use serde_json::json;

fn registration(id: &str) -> lash::ProcessRegistration {
    lash::ProcessRegistration::new(
        id,
        lash::ProcessInput::External {
            metadata: json!(null),
        },
    )
    .with_extra_event_types([lash::ProcessEventType {
        name: "note".to_owned(),
        payload_schema: lash::LashSchema::any(),
        semantics: Default::default(),
    }])
}

fn labelled(label: &str) -> lash::ProcessHandleDescriptor {
    lash::ProcessHandleDescriptor {
        kind: None,
        label: Some(label.to_owned()),
    }
}

async fn sqlite() -> (tempfile::TempDir, SqliteProcessRegistry) {
    let dir = tempfile::tempdir().expect("temp dir");
    let registry = SqliteProcessRegistry::open(&dir.path().join("registry.db"))
        .await
        .expect("open");
    (dir, registry)
}

/// LEASE-1 (in-memory): a claim on an id nobody registered succeeds and
/// leaves a lease row behind, so the process registered later starts at
/// fencing token 2. SQLite answers "unknown process".
#[tokio::test]
async fn in_memory_leases_unknown_processes() {
    let registry = TestLocalProcessRegistry::default();
    let ghost = registry
        .claim_process_lease("ghost", "w", 1_000)
        .await
        .expect("upstream accepts the claim");
    assert_eq!(ghost.fencing_token, 1);
    assert!(registry.get_process("ghost").await.is_none());
    registry
        .register_process(registration("ghost"))
        .await
        .expect("register");
    registry
        .complete_process_lease(&lash::ProcessLeaseCompletion::from_lease(&ghost))
        .await
        .expect("release");
    let first_real = registry
        .claim_process_lease("ghost", "w2", 1_000)
        .await
        .expect("claim");
    assert_eq!(
        first_real.fencing_token, 2,
        "the first claim of the registered process"
    );

    let (_dir, sqlite) = sqlite().await;
    let refused = sqlite.claim_process_lease("ghost", "w", 1_000).await;
    assert!(format!("{refused:?}").contains("unknown process `ghost`"));
}

/// GRANT-12 / ERR-3 (in-memory): a transfer that fails on its second id
/// keeps the first id moved. SQLite rolls the whole transfer back.
#[tokio::test]
async fn in_memory_transfer_keeps_partial_moves() {
    let registry = TestLocalProcessRegistry::default();
    let (s1, s2) = (lash::ProcessScope::new("s1"), lash::ProcessScope::new("s2"));
    registry
        .register_process(registration("a"))
        .await
        .expect("register");
    registry
        .grant_handle(&s1, "a", labelled("a"))
        .await
        .expect("grant");
    let failed = registry
        .transfer_handle_grants(&s1, &s2, &["a".to_owned(), "b".to_owned()])
        .await;
    assert!(format!("{failed:?}").contains("process handle `b` is not granted to session `s1`"));
    assert!(!registry.has_handle_grant(&s1, "a").await.expect("has"));
    assert!(
        registry.has_handle_grant(&s2, "a").await.expect("has"),
        "a moved anyway"
    );

    let (_dir, sqlite) = sqlite().await;
    sqlite
        .register_process(registration("a"))
        .await
        .expect("register");
    sqlite
        .grant_handle(&s1, "a", labelled("a"))
        .await
        .expect("grant");
    let failed = sqlite
        .transfer_handle_grants(&s1, &s2, &["a".to_owned(), "b".to_owned()])
        .await;
    assert!(failed.is_err());
    assert!(
        sqlite.has_handle_grant(&s1, "a").await.expect("has"),
        "rolled back"
    );
}

/// GRANT-9 (in-memory): two grants of one session (the session scope and a
/// frame scope) come back from `handle_grants_for_process` in HashMap order:
/// across fresh registries both orders occur. SQLite orders them by scope id.
#[tokio::test]
async fn in_memory_orders_one_sessions_grants_by_hash_map_order() {
    let mut first_labels = std::collections::BTreeSet::new();
    for _ in 0..64 {
        let registry = TestLocalProcessRegistry::default();
        registry
            .register_process(registration("p"))
            .await
            .expect("register");
        let session = lash::ProcessScope::new("s1");
        let frame = lash::ProcessScope::for_agent_frame("s1", "f1");
        registry
            .grant_handle(&session, "p", labelled("session"))
            .await
            .expect("grant");
        registry
            .grant_handle(&frame, "p", labelled("frame"))
            .await
            .expect("grant");
        let grants = registry
            .handle_grants_for_process("p")
            .await
            .expect("grants");
        first_labels.insert(grants[0].descriptor.label.clone());
        if first_labels.len() == 2 {
            break;
        }
    }
    assert_eq!(
        first_labels.len(),
        2,
        "both orders observed (each run: p = 1/2)"
    );
}

/// EVENT-10 / ERR-5 (SQLite): a cursor of `u64::MAX` is bound as the
/// SQLite integer -1, so `events_after` and `wake_events_after` return the
/// whole log and `wait_event_after` answers at once with an old event.
/// The in-memory registry returns nothing and waits.
#[tokio::test]
async fn sqlite_reads_a_u64_max_cursor_as_minus_one() {
    let (_dir, registry) = sqlite().await;
    registry
        .register_process(registration("p"))
        .await
        .expect("register");
    registry
        .append_event(
            "p",
            lash::ProcessEventAppendRequest::new("note", json!({"n": 1})),
        )
        .await
        .expect("append");
    let after_end = registry.events_after("p", u64::MAX).await.expect("events");
    assert_eq!(after_end.len(), 1, "the whole log instead of nothing");
    let waited = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        registry.wait_event_after("p", "note", u64::MAX),
    )
    .await
    .expect("answers at once instead of waiting")
    .expect("event");
    assert_eq!(waited.sequence, 1);

    let memory = TestLocalProcessRegistry::default();
    memory
        .register_process(registration("p"))
        .await
        .expect("register");
    memory
        .append_event(
            "p",
            lash::ProcessEventAppendRequest::new("note", json!({"n": 1})),
        )
        .await
        .expect("append");
    assert!(memory
        .events_after("p", u64::MAX)
        .await
        .expect("events")
        .is_empty());
}

/// LEASE-2 (both, SHOULD): a terminal process can be leased (upstream's
/// worker re-reads the record after claiming and skips terminal ones).
#[tokio::test]
async fn both_lease_terminal_processes() {
    let output = lash::ProcessAwaitOutput::Success {
        value: json!(1),
        control: None,
    };
    let memory = TestLocalProcessRegistry::default();
    let (_dir, sqlite) = sqlite().await;
    for registry in [&memory as &dyn ProcessRegistry, &sqlite] {
        registry
            .register_process(registration("p"))
            .await
            .expect("register");
        registry
            .complete_process("p", output.clone())
            .await
            .expect("complete");
        let lease = registry.claim_process_lease("p", "w", 1_000).await;
        assert!(lease.is_ok(), "terminal processes are leased");
    }
}

/// REG-13 (both, SHOULD): a payload schema that is not a schema
/// (`{"type": "text"}`) is accepted at registration.
#[tokio::test]
async fn both_accept_malformed_payload_schemas() {
    let memory = TestLocalProcessRegistry::default();
    let (_dir, sqlite) = sqlite().await;
    for registry in [&memory as &dyn ProcessRegistry, &sqlite] {
        let registration = registration("p").with_extra_event_types([lash::ProcessEventType {
            name: "bad_type".to_owned(),
            payload_schema: lash::LashSchema::new(json!({"type": "text"})),
            semantics: Default::default(),
        }]);
        assert!(registry.register_process(registration).await.is_ok());
    }
}

/// TERM-11 (both, kit types wider than lash's): an await output whose
/// control is not a lash `ToolControl` is stored in the terminal payload
/// but materialised as a success wrapping the whole output.
#[tokio::test]
async fn both_rewrap_await_outputs_their_types_cannot_hold() {
    let output = json!({"type": "success", "value": 1, "control": {"resume": true}});
    let memory = TestLocalProcessRegistry::default();
    let (_dir, sqlite) = sqlite().await;
    for registry in [&memory as &dyn ProcessRegistry, &sqlite] {
        registry
            .register_process(registration("p"))
            .await
            .expect("register");
        let request = lash::ProcessEventAppendRequest::new(
            "process.completed",
            json!({ "await_output": output }),
        )
        .with_replay_key("process:p:terminal:process.completed");
        registry.append_event("p", request).await.expect("append");
        let awaited = registry.await_process("p").await.expect("await");
        let awaited = serde_json::to_value(&awaited).expect("json");
        assert_eq!(awaited, json!({"type": "success", "value": output}));
    }
}

/// GRANT-16 (both): scope ids are rendered without escaping, so session
/// `a/frame:b` and frame `b` of session `a` are one grant holder: a
/// stranger session sees and lists the frame's grant.
#[tokio::test]
async fn both_alias_a_session_named_like_a_frame_scope() {
    let memory = TestLocalProcessRegistry::default();
    let (_dir, sqlite) = sqlite().await;
    for registry in [&memory as &dyn ProcessRegistry, &sqlite] {
        registry
            .register_process(registration("victim"))
            .await
            .expect("register");
        let owner = lash::ProcessScope::for_agent_frame("a", "b");
        let stranger = lash::ProcessScope::new("a/frame:b");
        registry
            .grant_handle(&owner, "victim", labelled("owned"))
            .await
            .expect("grant");
        assert!(
            registry
                .has_handle_grant(&stranger, "victim")
                .await
                .expect("has"),
            "the stranger sees the frame's grant"
        );
        let listed = registry.list_handle_grants(&stranger).await.expect("list");
        assert_eq!(listed.len(), 1, "the stranger lists the frame's grant");
    }
}
