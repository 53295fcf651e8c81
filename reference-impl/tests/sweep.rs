//! Rule tests for the SWEEP area of docs/spec.md.

mod common;

use procreg::{
    ProcessAwaitOutput, ProcessEventAppendRequest, ProcessExternalRef, ProcessLeaseCompletion,
    ProcessRecord, ProcessRegistry, ProcessStatus,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;

async fn worklist(registry: &MemoryRegistry) -> Vec<ProcessRecord> {
    registry
        .list_non_terminal()
        .await
        .expect("the sweep never fails")
}

async fn worklist_ids(registry: &MemoryRegistry) -> Vec<String> {
    worklist(registry)
        .await
        .into_iter()
        .map(|record| record.id)
        .collect()
}

#[tokio::test]
async fn sweep_1_an_empty_registry_has_an_empty_worklist() {
    let (registry, _clock) = common::registry();

    assert!(worklist(&registry).await.is_empty());
}

#[tokio::test]
async fn sweep_1_list_non_terminal_lists_every_running_process_by_id() {
    let (registry, _clock) = common::registry();
    for id in ["charlie", "alpha", "delta", "bravo"] {
        common::register(&registry, id).await;
    }
    common::register(&registry, "alpha").await; // an idempotent repeat adds nothing

    let listed = worklist(&registry).await;

    let ids: Vec<&str> = listed.iter().map(|record| record.id.as_str()).collect();
    assert_eq!(ids, ["alpha", "bravo", "charlie", "delta"]);
    assert!(listed
        .iter()
        .all(|record| record.status == ProcessStatus::Running));
}

#[tokio::test]
async fn sweep_2_terminal_processes_leave_the_worklist_at_once() {
    let (registry, _clock) = common::registry();
    for id in ["a", "b", "c"] {
        common::register(&registry, id).await;
    }
    registry
        .append_event("a", common::note(json!({ "busy": true })))
        .await
        .expect("a note is valid");
    assert_eq!(
        worklist_ids(&registry).await,
        ["a", "b", "c"],
        "non-terminal events keep a process listed"
    );

    registry
        .complete_process("b", ProcessAwaitOutput::success(json!(1)))
        .await
        .expect("completion is valid");
    assert_eq!(worklist_ids(&registry).await, ["a", "c"]);

    let failed = ProcessEventAppendRequest::new(
        "process.failed",
        json!({ "await_output": { "type": "failure", "class": "execution", "code": "x", "message": "m" } }),
    )
    .with_replay_key("c-failed");
    registry
        .append_event("c", failed)
        .await
        .expect("a keyed terminal event is valid");
    assert_eq!(worklist_ids(&registry).await, ["a"]);

    registry
        .append_event("c", common::note(json!({ "after": "end" })))
        .await
        .expect("non-terminal events are accepted after terminal");
    assert_eq!(
        worklist_ids(&registry).await,
        ["a"],
        "a terminal process never comes back"
    );
}

#[tokio::test]
async fn sweep_3_leased_processes_are_still_listed() {
    let (registry, clock) = common::registry();
    for id in ["expired", "live", "never", "released"] {
        common::register(&registry, id).await;
    }
    registry
        .claim_process_lease("expired", "w1", 10)
        .await
        .expect("claim on a free process");
    let released = registry
        .claim_process_lease("released", "w1", 10_000)
        .await
        .expect("claim on a free process");
    registry
        .complete_process_lease(&ProcessLeaseCompletion::from_lease(&released))
        .await
        .expect("release with the current token");
    clock.advance(100);
    registry
        .claim_process_lease("live", "w2", 10_000)
        .await
        .expect("claim on a free process");

    assert_eq!(
        worklist_ids(&registry).await,
        ["expired", "live", "never", "released"],
        "live, expired, released and absent leases all leave the process listed"
    );
}

#[tokio::test]
async fn sweep_3_a_live_lease_does_not_keep_a_terminal_process_listed() {
    let (registry, _clock) = common::registry();
    common::register(&registry, "done").await;
    common::register(&registry, "open").await;
    registry
        .claim_process_lease("done", "worker", 60_000)
        .await
        .expect("claim on a free process");

    registry
        .complete_process("done", ProcessAwaitOutput::success(json!("ok")))
        .await
        .expect("completion ignores leases");

    assert_eq!(worklist_ids(&registry).await, ["open"]);
}

#[tokio::test]
async fn sweep_4_listed_records_equal_the_current_records() {
    let (registry, clock) = common::registry();
    for id in ["a", "b", "c"] {
        common::register(&registry, id).await;
    }
    clock.set(2_000);
    let external_ref = ProcessExternalRef {
        backend: "restate".to_owned(),
        id: "inv-1".to_owned(),
        metadata: Some(json!({ "attempt": 2 })),
    };
    registry
        .set_external_ref("a", external_ref.clone())
        .await
        .expect("process a exists");
    clock.set(3_000);
    registry
        .append_event("b", common::wake("ping"))
        .await
        .expect("a targeted wake is valid");

    let listed = worklist(&registry).await;

    assert_eq!(listed.len(), 3);
    for record in &listed {
        let current = registry
            .get_process(&record.id)
            .await
            .expect("a listed process exists");
        assert_eq!(
            record, &current,
            "listed record of `{}` is stale",
            record.id
        );
    }
    assert_eq!(listed[0].external_ref, Some(external_ref));
    assert_eq!(listed[0].updated_at_ms, 2_000);
    assert_eq!(listed[1].updated_at_ms, 3_000);
    assert_eq!(listed[2].updated_at_ms, common::START_MS);
}
