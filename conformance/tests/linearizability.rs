//! Concurrent histories: MemoryRegistry's are linearizable; hand-built
//! impossible ones are rejected with a minimal sub-history; concurrency is honoured.

use procreg::{
    DurabilityTier, ErrorKind, ProcessEventAppendRequest, ProcessLease, LEASE_SCHEMA_VERSION,
};
use procreg_conformance::linearizability::{
    check_history, check_history_with, record_history, CheckConfig, History, HistoryConfig,
    HistoryOp, OpMix, OpValue, Outcome, Verdict,
};
use procreg_conformance::machine::{registration, EventKind};
use procreg_conformance::model::RegistryModel;
use procreg_conformance::CHECK_START_MS;
use procreg_memory::MemoryRegistry;
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(60);

fn memory(clock: std::sync::Arc<dyn procreg::Clock>) -> MemoryRegistry {
    MemoryRegistry::new(clock)
}

async fn recorded(config: &HistoryConfig) -> History {
    tokio::time::timeout(BOUND, record_history(&memory, config))
        .await
        .expect("recording is bounded")
        .expect("recording succeeds")
}

/// Pairs of operations of different tasks on the same process whose intervals overlap.
fn overlapping_pairs(history: &History) -> usize {
    let ops = &history.operations;
    let mut pairs = 0;
    for (index, first) in ops.iter().enumerate() {
        for second in &ops[index + 1..] {
            let first_end = first.response.unwrap_or(u64::MAX);
            if second.invoke > first_end {
                break;
            }
            if second.task != first.task && second.process == first.process {
                pairs += 1;
            }
        }
    }
    pairs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_registry_histories_are_linearizable() {
    let mut total_overlaps = 0;
    for seed in 0..8 {
        let config = HistoryConfig {
            seed,
            ..HistoryConfig::default()
        };
        let history = recorded(&config).await;
        assert_eq!(history.len(), config.tasks * config.ops_per_task);
        total_overlaps += overlapping_pairs(&history);
        let report = check_history(&history);
        assert!(
            report.is_linearizable(),
            "seed {seed}: {report}\nthe whole history:\n{history}"
        );
        assert_eq!(report.partitions, config.processes);
    }
    assert!(
        total_overlaps > 0,
        "the recorded histories should contain concurrent calls on one process"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_registry_lease_races_are_linearizable() {
    for seed in 0..6 {
        let config = HistoryConfig {
            seed,
            processes: 1,
            ops_per_task: 60,
            mix: OpMix::lease_heavy(),
            ..HistoryConfig::default()
        };
        let history = recorded(&config).await;
        let claims = history
            .operations
            .iter()
            .filter(|operation| matches!(operation.op, HistoryOp::ClaimLease { .. }))
            .count();
        assert!(claims > 0);
        let report = check_history(&history);
        assert!(report.is_linearizable(), "seed {seed}: {report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn histories_serialise_and_check_the_same_after_a_round_trip() {
    let history = recorded(&HistoryConfig {
        seed: 42,
        ..HistoryConfig::default()
    })
    .await;
    let text = serde_json::to_string(&history).expect("serialise");
    let back: History = serde_json::from_str(&text).expect("deserialise");
    assert_eq!(back, history);
    let single = check_history_with(
        &back,
        &CheckConfig {
            threads: 1,
            ..CheckConfig::default()
        },
    );
    assert_eq!(single, check_history(&history));
}

// ---- hand-built histories ----

const P: &str = "p0";

fn model() -> RegistryModel {
    RegistryModel::new(CHECK_START_MS, DurabilityTier::Inline)
}

fn ok(value: OpValue) -> Outcome {
    Outcome::Ok { value }
}

/// A history whose first operation registers `p0` (task 0, times 0..1).
fn registered() -> (History, RegistryModel) {
    let mut model = model();
    let record = model
        .register_process(registration(P, 0))
        .expect("register");
    let mut history = History::new(CHECK_START_MS);
    history.push(
        0,
        P,
        HistoryOp::Register { variant: 0 },
        0,
        Some(1),
        ok(OpValue::record(record)),
    );
    (history, model)
}

fn note(value: u8) -> HistoryOp {
    HistoryOp::AppendEvent {
        event: EventKind::Note,
        value,
        key: None,
        target: None,
    }
}

fn note_request(value: u8) -> ProcessEventAppendRequest {
    HistoryOp::append_request(P, EventKind::Note, value, None, None)
}

fn lease(owner: &str, fencing_token: u64, token: &str) -> ProcessLease {
    ProcessLease {
        schema_version: LEASE_SCHEMA_VERSION,
        process_id: P.to_owned(),
        owner_id: owner.to_owned(),
        lease_token: token.to_owned(),
        fencing_token,
        claimed_at_epoch_ms: CHECK_START_MS,
        expires_at_epoch_ms: u64::MAX,
    }
}

fn claim(owner: &str) -> HistoryOp {
    HistoryOp::ClaimLease {
        owner: owner.to_owned(),
        ttl_ms: u64::MAX,
    }
}

#[test]
fn two_winning_claims_by_different_owners_are_rejected_with_a_minimal_sub_history() {
    let (mut history, mut model) = registered();
    let appended = model.append_event(P, &note_request(0)).expect("append");
    let events = model.events_after(P, 0).expect("events");
    let record = model.get_process(P);
    history.push(1, P, note(0), 2, Some(3), ok(OpValue::append(appended)));
    // Both claims overlap and both win a live lease: no order explains that.
    history.push(
        0,
        P,
        claim("w0"),
        4,
        Some(7),
        ok(OpValue::Lease(lease("w0", 1, "<token-1>"))),
    );
    history.push(
        1,
        P,
        claim("w1"),
        5,
        Some(8),
        ok(OpValue::Lease(lease("w1", 1, "<token-2>"))),
    );
    history.push(
        2,
        P,
        HistoryOp::EventsAfter { after: 0 },
        6,
        Some(9),
        ok(OpValue::Events(events)),
    );
    history.push(
        2,
        P,
        HistoryOp::GetProcess,
        10,
        Some(11),
        ok(OpValue::maybe_record(record)),
    );
    // Another process, fine on its own, must not show up in the counterexample.
    let mut other = RegistryModel::new(CHECK_START_MS, DurabilityTier::Inline);
    let other_record = other
        .register_process(registration("p1", 0))
        .expect("register p1");
    history.push(
        3,
        "p1",
        HistoryOp::Register { variant: 0 },
        12,
        Some(13),
        ok(OpValue::record(other_record)),
    );

    let report = check_history(&history);
    assert_eq!(report.verdict, Verdict::NotLinearizable, "{report}");
    assert_eq!(report.failing, vec![P.to_owned()]);
    let counterexample = report.counterexample.as_ref().expect("a counterexample");
    let ids: Vec<usize> = counterexample
        .operations
        .iter()
        .map(|operation| operation.id)
        .collect();
    assert_eq!(ids, vec![0, 2, 3], "{report}");
    assert_eq!(counterexample.partition_len, 6);
    let text = report.to_string();
    assert!(text.contains("claim(p0, w0, ttl=max)"), "{text}");
    assert!(
        text.contains("ok lease(w1, fence 1, <token-2>, ttl=max)"),
        "{text}"
    );
    println!("{report}");

    // The same claims one after the other, the second refused, are fine.
    let mut sequential = history.clone();
    sequential.operations[3].invoke = 8;
    sequential.operations[3].response = Some(9);
    sequential.operations[3].outcome = Outcome::Err {
        kind: ErrorKind::LeaseHeld,
    };
    assert!(check_history(&sequential).is_linearizable());
}

#[test]
fn a_sequence_returned_twice_is_rejected() {
    let (mut history, model) = registered();
    // Two overlapping appends both persisted at sequence 1.
    let first = model
        .clone()
        .append_event(P, &note_request(0))
        .expect("append");
    let second = model
        .clone()
        .append_event(P, &note_request(1))
        .expect("append");
    assert_eq!(first.event.sequence, second.event.sequence);
    history.push(1, P, note(0), 2, Some(5), ok(OpValue::append(first)));
    history.push(2, P, note(1), 3, Some(4), ok(OpValue::append(second)));
    history.push(
        0,
        P,
        HistoryOp::GetProcess,
        6,
        Some(7),
        ok(OpValue::maybe_record(model.get_process(P))),
    );

    let report = check_history(&history);
    assert_eq!(report.verdict, Verdict::NotLinearizable, "{report}");
    let counterexample = report.counterexample.as_ref().expect("a counterexample");
    let ids: Vec<usize> = counterexample
        .operations
        .iter()
        .map(|operation| operation.id)
        .collect();
    assert_eq!(ids, vec![0, 1, 2], "{report}");
    println!("{report}");
}

/// A read invoked before an append was invoked returns the appended event.
fn read_overlapping_an_append(read_response: u64, append_invoke: u64) -> History {
    let (mut history, mut model) = registered();
    let appended = model.append_event(P, &note_request(0)).expect("append");
    let events = model.events_after(P, 0).expect("events");
    history.push(
        2,
        P,
        HistoryOp::EventsAfter { after: 0 },
        2,
        Some(read_response),
        ok(OpValue::Events(events)),
    );
    history.push(
        1,
        P,
        note(0),
        append_invoke,
        Some(append_invoke + 3),
        ok(OpValue::append(appended)),
    );
    history
}

#[test]
fn a_read_explained_only_by_an_overlapping_write_is_accepted() {
    // The read [2, 5] overlaps the append [3, 6]: the append may take effect first.
    let history = read_overlapping_an_append(5, 3);
    let report = check_history(&history);
    assert!(report.is_linearizable(), "{report}");

    // The read [2, 3] returned before the append [4, 7] began: real time forbids it.
    let history = read_overlapping_an_append(3, 4);
    let report = check_history(&history);
    assert_eq!(report.verdict, Verdict::NotLinearizable, "{report}");
    let counterexample = report.counterexample.as_ref().expect("a counterexample");
    assert_eq!(counterexample.operations.len(), 3, "{report}");
    // The read (id 1) is what no order explains.
    assert_eq!(counterexample.never_linearized, vec![1], "{report}");
    println!("{report}");
}

#[test]
fn a_timed_out_write_may_have_taken_effect() {
    let (mut history, mut model) = registered();
    model.append_event(P, &note_request(0)).expect("append");
    let events = model.events_after(P, 0).expect("events");
    // The append never answered; a later read saw its event.
    history.push(1, P, note(0), 2, None, Outcome::Timeout);
    history.push(
        2,
        P,
        HistoryOp::EventsAfter { after: 0 },
        3,
        Some(4),
        ok(OpValue::Events(events)),
    );
    assert!(check_history(&history).is_linearizable());
    // ...or may not have: a later read seeing nothing is fine too.
    history.operations[2].outcome = ok(OpValue::Events(Vec::new()));
    assert!(check_history(&history).is_linearizable());
}

#[test]
fn a_renew_needs_the_token_its_claim_returned() {
    let (mut history, mut model) = registered();
    let claimed = model.claim_process_lease(P, "w0", u64::MAX).expect("claim");
    let renewed = model.renew_process_lease(&claimed, 1_000).expect("renew");
    let named = |lease: &ProcessLease| ProcessLease {
        lease_token: "<token-1>".to_owned(),
        ..lease.clone()
    };
    history.push(
        0,
        P,
        claim("w0"),
        2,
        Some(3),
        ok(OpValue::Lease(named(&claimed))),
    );
    history.push(
        0,
        P,
        HistoryOp::RenewLease {
            lease: "<token-1>".to_owned(),
            ttl_ms: 1_000,
        },
        4,
        Some(5),
        ok(OpValue::Lease(named(&renewed))),
    );
    assert!(check_history(&history).is_linearizable());
    // A renew answering with another token than the claim's is not explained.
    let mut renamed = history.clone();
    if let Outcome::Ok {
        value: OpValue::Lease(lease),
    } = &mut renamed.operations[2].outcome
    {
        lease.lease_token = "<token-2>".to_owned();
    }
    assert_eq!(check_history(&renamed).verdict, Verdict::NotLinearizable);
}

mod mutants {
    use super::*;
    use procreg::{Clock, ProcessRegistry, RegistryResult};
    use procreg_conformance::RegistryFactory;
    use procreg_mutants::zoo;
    use std::sync::Arc;

    struct MutantFactory(fn(Arc<dyn Clock>) -> Arc<dyn ProcessRegistry>);

    #[async_trait::async_trait]
    impl RegistryFactory for MutantFactory {
        async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
            Ok((self.0)(clock))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn racy_claims_histories_are_rejected() {
        let mutant = zoo()
            .into_iter()
            .find(|mutant| mutant.id == "racy_claims")
            .expect("the zoo has racy_claims");
        let factory = MutantFactory(mutant.make);
        for seed in 0..3 {
            let config = HistoryConfig {
                seed,
                processes: 2,
                ops_per_task: 40,
                mix: OpMix::lease_heavy(),
                ..HistoryConfig::default()
            };
            let history = tokio::time::timeout(BOUND, record_history(&factory, &config))
                .await
                .expect("recording is bounded")
                .expect("recording succeeds");
            let report = check_history(&history);
            assert_eq!(
                report.verdict,
                Verdict::NotLinearizable,
                "seed {seed}: racy claims went unnoticed"
            );
            let counterexample = report.counterexample.as_ref().expect("a counterexample");
            assert!(
                counterexample.operations.len() <= 6,
                "seed {seed}: {report}"
            );
            println!("seed {seed}: {report}");
        }
    }

    /// The same seed records the same history and gets the same verdict
    /// and counterexample every time: the seed schedules the interleaving
    /// of an in-process registry, so a printed replay reproduces.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_seed_records_the_same_history_and_verdict_every_time() {
        let mutant = procreg_mutants::by_id("stale_renew_accepted").expect("in the zoo");
        let mut rejected = 0;
        for seed in 0..4 {
            let config = HistoryConfig {
                seed,
                ..HistoryConfig::default()
            };
            let first = record_history(&mutant, &config).await.expect("records");
            for _ in 0..3 {
                let again = record_history(&mutant, &config).await.expect("records");
                assert_eq!(again, first, "seed {seed}: another interleaving");
            }
            let report = check_history(&first);
            let again = check_history(&first);
            assert_eq!(report.verdict, again.verdict, "seed {seed}");
            assert_eq!(
                report.counterexample.as_ref().map(ToString::to_string),
                again.counterexample.as_ref().map(ToString::to_string),
            );
            if report.verdict == Verdict::NotLinearizable {
                rejected += 1;
                let shown = report
                    .counterexample
                    .map(|c| c.to_string())
                    .unwrap_or_default();
                assert!(
                    shown.contains("renew"),
                    "seed {seed}: the bad renew is shown: {shown}"
                );
            }
        }
        assert!(rejected >= 1, "stale renewals went unnoticed in 4 seeds");
    }

    /// Outside strict mode a history only a registry leasing terminal
    /// processes explains (LEASE-2, SHOULD) is linearizable with a warning;
    /// in strict mode it is not linearizable.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_should_leniency_is_a_warning_unless_strict() {
        use procreg_conformance::linearizability::check_history_for;
        let mutant = procreg_mutants::by_id("claim_terminal_process").expect("in the zoo");
        let mut warned = 0;
        for seed in 0..4 {
            let config = HistoryConfig {
                seed,
                ..HistoryConfig::default()
            };
            let history = record_history(&mutant, &config).await.expect("records");
            let strict = check_history_for(&history, true);
            let lenient = check_history_for(&history, false);
            assert_eq!(
                lenient.verdict,
                Verdict::Linearizable,
                "seed {seed}: {lenient}"
            );
            if strict.verdict == Verdict::NotLinearizable {
                warned += 1;
                assert_eq!(lenient.should_warning.as_deref(), Some("LEASE-2"));
            } else {
                assert_eq!(lenient.should_warning, None);
            }
        }
        assert!(warned >= 1, "no history needed the leniency");
        let reference = record_history(&memory, &HistoryConfig::default())
            .await
            .expect("records");
        let report = check_history_for(&reference, false);
        assert_eq!(report.verdict, Verdict::Linearizable);
        assert_eq!(
            report.should_warning, None,
            "a strict registry needs no leniency"
        );
    }
}

/// `MemoryRegistry` as one store with many live handles (`Arc` clones).
struct ManyHandles;

#[async_trait::async_trait]
impl procreg_conformance::RegistryFactory for ManyHandles {
    async fn create(
        &self,
        clock: std::sync::Arc<dyn procreg::Clock>,
    ) -> procreg::RegistryResult<std::sync::Arc<dyn procreg::ProcessRegistry>> {
        Ok(std::sync::Arc::new(MemoryRegistry::new(clock)))
    }

    async fn reopen(
        &self,
        previous: &std::sync::Arc<dyn procreg::ProcessRegistry>,
        _clock: std::sync::Arc<dyn procreg::Clock>,
    ) -> procreg::RegistryResult<std::sync::Arc<dyn procreg::ProcessRegistry>> {
        Ok(std::sync::Arc::clone(previous))
    }

    fn capabilities(&self) -> procreg_conformance::Capabilities {
        procreg_conformance::Capabilities {
            reopen: true,
            handles: true,
            ..procreg_conformance::Capabilities::default()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_with_many_handles_has_its_tasks_spread_over_them() {
    use procreg_conformance::linearizability::HANDLES_PER_HISTORY;
    let history = record_history(&ManyHandles, &HistoryConfig::default())
        .await
        .expect("recorded");
    assert_eq!(history.handles, HANDLES_PER_HISTORY);
    assert_eq!(check_history(&history).verdict, Verdict::Linearizable);
    let plain = recorded(&HistoryConfig::default()).await;
    assert_eq!(plain.handles, 1, "a closure factory has one handle");
    let saved = serde_json::to_value(&history).expect("serialises");
    assert_eq!(saved["handles"], serde_json::json!(HANDLES_PER_HISTORY));
}
