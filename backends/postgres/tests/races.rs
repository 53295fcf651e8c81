//! Several `PgRegistry` handles (each its own pool: machines) racing on one
//! schema: PostgreSQL's row locks are the only thing that serialises them.

mod support;

use procreg::{
    ErrorKind, ManualClock, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType,
    ProcessHandleDescriptor, ProcessInput, ProcessLeaseCompletion, ProcessRegistration,
    ProcessRegistry, ProcessScope, RegistryResult, PROCESS_COMPLETED,
};
use procreg_postgres::PgRegistry;
use serde_json::json;
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::pg_factory;

/// Racing handles, one connection each.
const MACHINES: usize = 8;

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({})))
        .with_extra_event_types([ProcessEventType::new("tick")])
}

/// Runs `test` with `MACHINES` single-connection handles on a fresh schema
/// and a shared manual clock, unless no server is configured.
fn with_machines<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Vec<Arc<PgRegistry>>, ManualClock) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(url) = support::pg_url(name) else {
        return;
    };
    let factory = pg_factory(&url);
    support::runtime().block_on(async {
        let clock = ManualClock::new(1_000);
        let handles = factory
            .opener()
            .handles(MACHINES, 1, Arc::new(clock.clone()))
            .await
            .expect("connect the machines");
        tokio::time::timeout(Duration::from_secs(120), test(handles, clock))
            .await
            .expect("the race finishes within its bound");
    });
}

/// Calls `call(handle_index, handle)` on every handle at once; results in handle order.
async fn race<T, F, Fut>(handles: &[Arc<PgRegistry>], call: F) -> Vec<RegistryResult<T>>
where
    T: Send + 'static,
    F: Fn(usize, Arc<PgRegistry>) -> Fut,
    Fut: Future<Output = RegistryResult<T>> + Send + 'static,
{
    let tasks: Vec<_> = handles
        .iter()
        .enumerate()
        .map(|(index, handle)| tokio::spawn(call(index, Arc::clone(handle))))
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.expect("the racing task does not panic"));
    }
    results
}

#[test]
fn eight_connections_racing_claims_have_exactly_one_holder() {
    with_machines(
        "eight_connections_racing_claims_have_exactly_one_holder",
        |handles, _clock| async move {
            for round in 0..25 {
                let id = format!("p{round}");
                handles[0]
                    .register_process(registration(&id))
                    .await
                    .expect("register");
                let results = race(&handles, |index, handle| {
                    let id = id.clone();
                    async move {
                        handle
                            .claim_process_lease(&id, &format!("owner-{index}"), 60_000)
                            .await
                    }
                })
                .await;
                let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
                assert_eq!(winners.len(), 1, "round {round}: {results:?}");
                for loser in results.iter().filter_map(|r| r.as_ref().err()) {
                    assert!(loser.is(ErrorKind::LeaseHeld), "round {round}: {loser}");
                }
                let winner = winners[0].clone();
                assert_eq!(winner.fencing_token, 1, "round {round}");
                // Released through another machine, the next claim fences higher.
                handles[MACHINES - 1]
                    .complete_process_lease(&ProcessLeaseCompletion::from_lease(&winner))
                    .await
                    .expect("release");
                let next = handles[3]
                    .claim_process_lease(&id, "owner-late", 60_000)
                    .await
                    .expect("claim after release");
                assert_eq!(next.fencing_token, 2, "round {round}");
                assert_ne!(next.lease_token, winner.lease_token);
            }
        },
    );
}

#[test]
fn eight_connections_racing_zero_ttl_claims_get_distinct_fences() {
    with_machines(
        "eight_connections_racing_zero_ttl_claims_get_distinct_fences",
        |handles, _clock| async move {
            for round in 0..10 {
                let id = format!("z{round}");
                handles[0]
                    .register_process(registration(&id))
                    .await
                    .expect("register");
                // A TTL-0 lease is expired at once: every claim wins, one after another.
                let results = race(&handles, |index, handle| {
                    let id = id.clone();
                    async move {
                        handle
                            .claim_process_lease(&id, &format!("owner-{index}"), 0)
                            .await
                    }
                })
                .await;
                let leases: Vec<_> = results
                    .into_iter()
                    .map(|result| result.expect("a zero-TTL lease never blocks a claim"))
                    .collect();
                let fences: BTreeSet<u64> =
                    leases.iter().map(|lease| lease.fencing_token).collect();
                assert_eq!(
                    fences,
                    (1..=MACHINES as u64).collect::<BTreeSet<_>>(),
                    "round {round}: each claim fenced once"
                );
                let tokens: BTreeSet<&str> = leases
                    .iter()
                    .map(|lease| lease.lease_token.as_str())
                    .collect();
                assert_eq!(tokens.len(), MACHINES, "round {round}: tokens are unique");
            }
        },
    );
}

#[test]
fn eight_connections_racing_appends_stay_gap_free() {
    with_machines(
        "eight_connections_racing_appends_stay_gap_free",
        |handles, _clock| async move {
            handles[0]
                .register_process(registration("p"))
                .await
                .expect("register");
            let per_machine = 30u64;
            let results = race(&handles, |index, handle| async move {
                let mut sequences = Vec::new();
                for n in 0..per_machine {
                    let result = handle
                        .append_event(
                            "p",
                            ProcessEventAppendRequest::new("tick", json!({"by": index, "n": n})),
                        )
                        .await?;
                    sequences.push(result.event.sequence);
                }
                Ok(sequences)
            })
            .await;
            let mut acknowledged: Vec<u64> = results
                .into_iter()
                .flat_map(|result| result.expect("append"))
                .collect();
            acknowledged.sort_unstable();
            let total = MACHINES as u64 * per_machine;
            assert_eq!(acknowledged, (1..=total).collect::<Vec<_>>());
            for handle in &handles {
                let log = handle.events_after("p", 0).await.expect("events");
                let sequences: Vec<u64> = log.iter().map(|event| event.sequence).collect();
                assert_eq!(sequences, (1..=total).collect::<Vec<_>>());
            }
        },
    );
}

#[test]
fn racing_keyed_appends_persist_once() {
    with_machines(
        "racing_keyed_appends_persist_once",
        |handles, _clock| async move {
            handles[0]
                .register_process(registration("p"))
                .await
                .expect("register");
            for round in 0..15 {
                let request = ProcessEventAppendRequest::new("tick", json!({"round": round}))
                    .with_replay_key(format!("k{round}"));
                let results = race(&handles, |_, handle| {
                    let request = request.clone();
                    async move { handle.append_event("p", request).await }
                })
                .await;
                let events: Vec<_> = results
                    .into_iter()
                    .map(|result| result.expect("append").event)
                    .collect();
                assert!(
                    events.iter().all(|event| *event == events[0]),
                    "round {round}: every machine sees the one stored event"
                );
                assert_eq!(events[0].sequence, round + 1);
            }
            let log = handles[1].events_after("p", 0).await.expect("events");
            assert_eq!(log.len(), 15);
        },
    );
}

#[test]
fn racing_registrations_store_one_record() {
    with_machines(
        "racing_registrations_store_one_record",
        |handles, _clock| async move {
            for round in 0..10 {
                let id = format!("r{round}");
                // Even machines register one content, odd machines another.
                let results = race(&handles, |index, handle| {
                    let id = id.clone();
                    async move {
                        let mut registration = registration(&id);
                        if index % 2 == 1 {
                            registration.input = ProcessInput::external(json!({"other": true}));
                        }
                        handle.register_process(registration).await
                    }
                })
                .await;
                let stored = handles[0].get_process(&id).await.expect("stored");
                for result in &results {
                    match result {
                        Ok(record) => assert_eq!(*record, stored, "round {round}"),
                        Err(error) => {
                            assert!(
                                error.is(ErrorKind::RegistrationConflict),
                                "round {round}: {error}"
                            )
                        }
                    }
                }
                let winners = results.iter().filter(|result| result.is_ok()).count();
                assert_eq!(
                    winners,
                    MACHINES / 2,
                    "round {round}: one content wins, whole"
                );
            }
        },
    );
}

#[test]
fn racing_completions_leave_one_terminal_event() {
    with_machines(
        "racing_completions_leave_one_terminal_event",
        |handles, _clock| async move {
            for round in 0..10 {
                let id = format!("c{round}");
                handles[0]
                    .register_process(registration(&id))
                    .await
                    .expect("register");
                let results = race(&handles, |index, handle| {
                    let id = id.clone();
                    async move {
                        handle
                            .complete_process(
                                &id,
                                ProcessAwaitOutput::success(json!({"by": index % 2})),
                            )
                            .await
                    }
                })
                .await;
                assert!(
                    results.iter().any(Result::is_ok),
                    "round {round}: {results:?}"
                );
                let log = handles[2].events_after(&id, 0).await.expect("events");
                let terminal = log
                    .iter()
                    .filter(|event| event.event_type == PROCESS_COMPLETED)
                    .count();
                assert_eq!(terminal, 1, "round {round}: exactly one terminal event");
                assert_eq!(log.len(), 1, "round {round}");
            }
        },
    );
}

#[test]
fn racing_transfers_move_each_grant_once() {
    with_machines(
        "racing_transfers_move_each_grant_once",
        |handles, _clock| async move {
            let scopes: Vec<ProcessScope> = (0..MACHINES)
                .map(|index| ProcessScope::session(format!("s{index}")))
                .collect();
            let ids: Vec<String> = (0..4).map(|n| format!("g{n}")).collect();
            for id in &ids {
                handles[0]
                    .register_process(registration(id))
                    .await
                    .expect("register");
            }
            for round in 0..10 {
                // Every grant starts in scope `round % MACHINES`; every machine tries to
                // take all of them (in its own order) into its own scope.
                let from = scopes[round % MACHINES].clone();
                for id in &ids {
                    handles[1]
                        .grant_handle(&from, id, ProcessHandleDescriptor::labelled("h"))
                        .await
                        .expect("grant");
                }
                let results = race(&handles, |index, handle| {
                    let (from, to) = (from.clone(), scopes[index].clone());
                    let mut order = ids.clone();
                    order.rotate_left(index % ids.len());
                    async move { handle.transfer_handle_grants(&from, &to, &order).await }
                })
                .await;
                let mut holders = BTreeSet::new();
                for (index, result) in results.iter().enumerate() {
                    match result {
                        Ok(()) => {
                            holders.insert(index);
                        }
                        Err(error) => {
                            assert!(error.is(ErrorKind::GrantMissing), "round {round}: {error}")
                        }
                    }
                }
                assert!(
                    !holders.is_empty(),
                    "round {round}: someone moved the grants"
                );
                for id in &ids {
                    let grants = handles[2]
                        .handle_grants_for_process(id)
                        .await
                        .expect("grants");
                    assert_eq!(
                        grants.len(),
                        1,
                        "round {round}: {id} has one grant: {grants:?}"
                    );
                }
                // Clean up for the next round.
                for scope in &scopes {
                    for id in &ids {
                        handles[3].revoke_handle(scope, id).await.expect("revoke");
                    }
                }
            }
        },
    );
}

#[test]
fn a_wait_on_one_machine_sees_an_append_through_another() {
    with_machines(
        "a_wait_on_one_machine_sees_an_append_through_another",
        |handles, _clock| async move {
            handles[0]
                .register_process(registration("p"))
                .await
                .expect("register");
            let waiter = tokio::spawn({
                let other = Arc::clone(&handles[1]);
                async move { other.wait_event_after("p", "tick", 0).await }
            });
            tokio::time::sleep(Duration::from_millis(60)).await;
            let started = Instant::now();
            handles[0]
                .append_event("p", ProcessEventAppendRequest::new("tick", json!({})))
                .await
                .expect("append");
            let seen = tokio::time::timeout(Duration::from_secs(5), waiter)
                .await
                .expect("the poll sees other machines' writes")
                .expect("task")
                .expect("wait");
            assert_eq!(seen.sequence, 1);
            assert!(started.elapsed() < Duration::from_secs(2));
            let awaiting = tokio::spawn({
                let other = Arc::clone(&handles[2]);
                async move { other.await_process("p").await }
            });
            let output = ProcessAwaitOutput::success(json!({"done": true}));
            handles[3]
                .complete_process("p", output.clone())
                .await
                .expect("complete");
            let awaited = tokio::time::timeout(Duration::from_secs(5), awaiting)
                .await
                .expect("await sees another machine's completion")
                .expect("task")
                .expect("await");
            assert_eq!(awaited, output);
        },
    );
}
