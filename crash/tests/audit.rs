//! The audit and the ledger against stores built by hand: what a restart
//! must find, and what each kind of loss reads as.

use procreg::{
    ManualClock, ProcessEventAppendRequest, ProcessEventType, ProcessInput, ProcessLease,
    ProcessRegistration, ProcessRegistry,
};
use procreg_crash::audit::{audit_process, completion_output, CutOff};
use procreg_crash::ledger::{Answer, Ledger};
use procreg_crash::workload::{Op, Step};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::sync::Arc;

fn registry() -> MemoryRegistry {
    MemoryRegistry::new(Arc::new(ManualClock::new(1_000)))
}

async fn register(registry: &MemoryRegistry, id: &str) {
    registry
        .register_process(
            ProcessRegistration::new(id, ProcessInput::external(json!({})))
                .with_extra_event_types([ProcessEventType::new("tick")]),
        )
        .await
        .expect("registers");
}

async fn append(registry: &MemoryRegistry, id: &str, n: u64) {
    registry
        .append_event(
            id,
            ProcessEventAppendRequest::new("tick", json!({ "n": n })),
        )
        .await
        .expect("appends");
}

fn step(op: Op) -> Step {
    Step {
        index: 0,
        advance_ms: 0,
        op,
        kill: None,
    }
}

fn register_op(id: &str) -> Op {
    Op::Register {
        process: id.to_owned(),
    }
}

fn append_op(id: &str, n: u64) -> Op {
    Op::Append {
        process: id.to_owned(),
        n,
        replay_key: None,
    }
}

/// The ledger after acknowledged `ops` (each answered as stored).
async fn acknowledged(registry: &MemoryRegistry, ops: &[Op]) -> Ledger {
    let mut ledger = Ledger::default();
    for op in ops {
        let answer = match op {
            Op::Register { process } => {
                register(registry, process).await;
                Answer::Registered
            }
            Op::Append { process, n, .. } => {
                let result = registry
                    .append_event(
                        process,
                        ProcessEventAppendRequest::new("tick", json!({ "n": n })),
                    )
                    .await
                    .expect("appends");
                Answer::Appended(result.event.sequence)
            }
            _ => unreachable!("only registers and appends here"),
        };
        assert_eq!(ledger.settle(&step(op.clone()), 1_000, Ok(answer)), None);
    }
    ledger
}

#[tokio::test]
async fn a_store_holding_every_acknowledged_write_passes() {
    let store = registry();
    let ledger = acknowledged(
        &store,
        &[register_op("p"), append_op("p", 1), append_op("p", 2)],
    )
    .await;
    let found = audit_process(&store, "p", &ledger.known("p"), None).await;
    assert_eq!(
        found.map_err(|broken| format!("{broken:?}")),
        Ok(CutOff::Unknown)
    );
}

#[tokio::test]
async fn a_lost_acknowledged_append_is_named_with_its_sequence() {
    let acked = registry();
    let ledger = acknowledged(
        &acked,
        &[register_op("p"), append_op("p", 1), append_op("p", 2)],
    )
    .await;
    // The restarted store kept only the first append.
    let restarted = registry();
    register(&restarted, "p").await;
    append(&restarted, "p", 1).await;
    let broken = audit_process(&restarted, "p", &ledger.known("p"), None)
        .await
        .expect_err("a lost write");
    assert_eq!(broken[0].rule, "REG-16");
    assert!(
        broken[0].detail.contains("acknowledged event 2"),
        "{broken:?}"
    );
    assert!(broken[0].detail.contains("is gone"), "{broken:?}");
}

#[tokio::test]
async fn a_lost_acknowledged_registration_is_named() {
    let acked = registry();
    let ledger = acknowledged(&acked, &[register_op("p")]).await;
    let broken = audit_process(&registry(), "p", &ledger.known("p"), None)
        .await
        .expect_err("lost");
    assert!(
        broken[0].detail.contains("registration of p is gone"),
        "{broken:?}"
    );
}

#[tokio::test]
async fn a_cut_off_append_is_stored_absent_or_unexplained() {
    let store = registry();
    let ledger = acknowledged(&store, &[register_op("p"), append_op("p", 1)]).await;
    let cut = append_op("p", 2);
    let absent = audit_process(&store, "p", &ledger.known("p"), Some(&cut)).await;
    assert_eq!(absent.ok(), Some(CutOff::Absent));
    append(&store, "p", 2).await;
    let stored = audit_process(&store, "p", &ledger.known("p"), Some(&cut)).await;
    assert_eq!(stored.ok(), Some(CutOff::Stored));
    append(&store, "p", 3).await;
    let broken = audit_process(&store, "p", &ledger.known("p"), Some(&cut))
        .await
        .expect_err("two events where one write was cut off");
    assert!(broken[0].detail.contains("cannot explain"), "{broken:?}");
}

#[tokio::test]
async fn a_cut_off_completion_is_whole_or_absent() {
    let store = registry();
    let ledger = acknowledged(&store, &[register_op("p")]).await;
    let cut = Op::Complete {
        process: "p".to_owned(),
        n: 4,
    };
    let absent = audit_process(&store, "p", &ledger.known("p"), Some(&cut)).await;
    assert_eq!(absent.ok(), Some(CutOff::Absent));
    store
        .complete_process("p", completion_output(4))
        .await
        .expect("completes");
    let stored = audit_process(&store, "p", &ledger.known("p"), Some(&cut)).await;
    assert_eq!(stored.ok(), Some(CutOff::Stored));
}

fn lease(fence: u64, expires: u64) -> ProcessLease {
    ProcessLease {
        schema_version: 1,
        process_id: "p".to_owned(),
        owner_id: "worker-a".to_owned(),
        lease_token: format!("t{fence}"),
        fencing_token: fence,
        claimed_at_epoch_ms: 1_000,
        expires_at_epoch_ms: expires,
    }
}

fn claim(owner: &'static str) -> Step {
    step(Op::Claim {
        process: "p".to_owned(),
        owner,
    })
}

#[test]
fn a_fencing_token_that_goes_back_breaks_lease_7() {
    let mut ledger = Ledger::default();
    assert_eq!(
        ledger.settle(
            &claim("worker-a"),
            1_000,
            Ok(Answer::Claimed(lease(3, 5_000)))
        ),
        None
    );
    let broken = ledger
        .settle(
            &claim("worker-a"),
            9_000,
            Ok(Answer::Claimed(lease(1, 13_000))),
        )
        .expect("fencing went back");
    assert_eq!(broken.rule, "LEASE-7");
}

#[test]
fn a_live_acknowledged_lease_granted_to_another_owner_was_lost() {
    let mut ledger = Ledger::default();
    assert_eq!(
        ledger.settle(
            &claim("worker-a"),
            1_000,
            Ok(Answer::Claimed(lease(1, 5_000)))
        ),
        None
    );
    let broken = ledger
        .settle(
            &claim("worker-b"),
            2_000,
            Ok(Answer::Claimed(lease(2, 6_000))),
        )
        .expect("the lease of worker-a lives until 5000");
    assert_eq!(broken.rule, "REG-16");
    assert!(
        broken.detail.contains("stored lease was lost"),
        "{broken:?}"
    );
    // Once expired, the takeover is what the contract says.
    let mut ledger = Ledger::default();
    let _ = ledger.settle(
        &claim("worker-a"),
        1_000,
        Ok(Answer::Claimed(lease(1, 5_000))),
    );
    assert_eq!(
        ledger.settle(
            &claim("worker-b"),
            5_000,
            Ok(Answer::Claimed(lease(2, 9_000)))
        ),
        None
    );
}
