//! REG-17: many live handles on one store behave as one registry. Each
//! check races the same write through four handles at once, for enough
//! rounds to hit the race on two cores, and asserts the contract's outcome
//! whichever handle wins; contention is never an error the caller sees.

use super::support::register;
use crate::check::{CheckFailure, CheckResult};
use crate::context::{failure, CheckContext};
use crate::fixtures::{note, registration, session, wake, NOTE};
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessHandleDescriptor,
    ProcessLeaseCompletion, ProcessRegistry, RegistryError, RegistryResult,
};
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;

/// Handles raced against each other.
const HANDLES: usize = 4;
/// Rounds per check.
const ROUNDS: usize = 8;
/// How long one racing call may take (a backend's lock wait included).
const CALL_LIMIT: Duration = Duration::from_secs(15);

/// Runs `call` through every handle at once (released together by a
/// barrier); the results in handle order. A call that does not answer
/// within [`CALL_LIMIT`] fails the check.
async fn race<T, F, Fut>(
    cx: &CheckContext<'_>,
    handles: &[Arc<dyn ProcessRegistry>],
    what: &str,
    call: F,
) -> Result<Vec<RegistryResult<T>>, CheckFailure>
where
    T: Send + 'static,
    F: Fn(usize, Arc<dyn ProcessRegistry>) -> Fut,
    Fut: Future<Output = RegistryResult<T>> + Send + 'static,
{
    cx.step(format!("racing {what} through {} handles", handles.len()));
    let start = Arc::new(Barrier::new(handles.len()));
    let tasks: Vec<_> = handles
        .iter()
        .enumerate()
        .map(|(index, handle)| {
            let (start, call) = (Arc::clone(&start), call(index, Arc::clone(handle)));
            tokio::spawn(async move {
                start.wait().await;
                tokio::time::timeout(CALL_LIMIT, call).await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for (index, task) in tasks.into_iter().enumerate() {
        match task.await {
            Ok(Ok(result)) => results.push(result),
            Ok(Err(_)) => {
                return Err(failure(
                    "REG-17",
                    format!(
                        "{what} through handle {index}: no answer within {} s while other handles raced it",
                        CALL_LIMIT.as_secs()
                    ),
                ))
            }
            Err(join) => {
                return Err(failure(
                    "REG-17",
                    format!("{what} through handle {index}: the task failed: {join}"),
                ))
            }
        }
    }
    Ok(results)
}

/// Fails when a loser's error is not of the `expected` kind (contention
/// surfacing as a `Backend` error is the usual way this breaks).
fn typed_loser(
    what: &str,
    index: usize,
    error: &RegistryError,
    expected: ErrorKind,
) -> CheckResult {
    if error.kind == expected {
        return Ok(());
    }
    Err(failure(
        "REG-17",
        format!(
            "{what} through handle {index}: expected success or error {expected:?}, observed error {:?} ({}): contention between handles must not surface as an error",
            error.kind, error.message
        ),
    ))
}

/// Fails unless every racer succeeded.
fn all_succeed<T>(what: &str, results: Vec<RegistryResult<T>>) -> Result<Vec<T>, CheckFailure> {
    results
        .into_iter()
        .enumerate()
        .map(|(index, result)| {
            result.map_err(|error| {
                failure(
                    "REG-17",
                    format!(
                        "{what} through handle {index}: expected success, observed error {:?} ({}): contention between handles must not surface as an error",
                        error.kind, error.message
                    ),
                )
            })
        })
        .collect()
}

pub(super) async fn racing_claims_have_one_winner(cx: CheckContext<'_>) -> CheckResult {
    let handles = cx.handles(HANDLES).await?;
    for round in 0..ROUNDS {
        let id = format!("claimed-{round}");
        register(&cx, "REG-17", registration(&id)).await?;
        let what = format!("claim_process_lease({id})");
        let results = race(&cx, &handles, &what, |index, handle| {
            let id = id.clone();
            async move {
                handle
                    .claim_process_lease(&id, &format!("worker-{index}"), 60_000)
                    .await
            }
        })
        .await?;
        let mut winners = 0;
        for (index, result) in results.iter().enumerate() {
            match result {
                Ok(_) => winners += 1,
                Err(error) => typed_loser(&what, index, error, ErrorKind::LeaseHeld)?,
            }
        }
        cx.ensure_eq("LEASE-20", &format!("{what}: winners"), &1, &winners)?;
    }
    Ok(())
}

pub(super) async fn racing_appends_keep_the_log_gap_free(cx: CheckContext<'_>) -> CheckResult {
    let handles = cx.handles(HANDLES).await?;
    register(&cx, "REG-17", registration("appended")).await?;
    for round in 0..ROUNDS {
        let what = format!("append_event(appended, note) round {round}");
        let results = race(&cx, &handles, &what, |index, handle| async move {
            handle
                .append_event("appended", note(json!({ "handle": index })))
                .await
        })
        .await?;
        all_succeed(&what, results)?;
    }
    let events = cx.ok(
        "REG-17",
        "events_after(appended, 0) through the last handle",
        handles[HANDLES - 1].events_after("appended", 0).await,
    )?;
    let sequences: Vec<u64> = events.iter().map(|event| event.sequence).collect();
    let expected: Vec<u64> = (1..=(HANDLES * ROUNDS) as u64).collect();
    cx.ensure_eq(
        "EVENT-2",
        "sequences after racing appends",
        &expected,
        &sequences,
    )
}

pub(super) async fn racing_keyed_appends_store_the_key_once(cx: CheckContext<'_>) -> CheckResult {
    let handles = cx.handles(HANDLES).await?;
    register(&cx, "REG-17", registration("keyed")).await?;
    for round in 0..ROUNDS {
        let key = format!("key-{round}");
        let request = note(json!({ "round": round })).with_replay_key(key.clone());
        let what = format!("append_event(keyed, note under {key})");
        let results = race(&cx, &handles, &what, |_, handle| {
            let request = request.clone();
            async move { handle.append_event("keyed", request).await }
        })
        .await?;
        let sequences: Vec<u64> = all_succeed(&what, results)?
            .iter()
            .map(|appended| appended.event.sequence)
            .collect();
        cx.ensure("REPLAY-1", sequences.iter().all(|sequence| *sequence == sequences[0]), || {
            format!("{what}: every racer must get the one stored event, observed sequences {sequences:?}")
        })?;
    }
    let events = cx.ok(
        "REG-17",
        "events_after(keyed, 0)",
        handles[1].events_after("keyed", 0).await,
    )?;
    cx.ensure_eq(
        "REPLAY-1",
        "events stored for the keyed appends",
        &ROUNDS,
        &events.len(),
    )
}

pub(super) async fn racing_registrations_store_one_record(cx: CheckContext<'_>) -> CheckResult {
    let handles = cx.handles(HANDLES).await?;
    for round in 0..ROUNDS {
        let id = format!("registered-{round}");
        let what = format!("register_process({id})");
        let results = race(&cx, &handles, &what, |_, handle| {
            let registration = registration(&id);
            async move { handle.register_process(registration).await }
        })
        .await?;
        let records = all_succeed(&what, results)?;
        cx.ensure(
            "REG-9",
            records.iter().all(|record| *record == records[0]),
            || format!("{what}: every racer must get the one stored record"),
        )?;
    }
    Ok(())
}

pub(super) async fn racing_terminal_writes_end_the_process_once(
    cx: CheckContext<'_>,
) -> CheckResult {
    let handles = cx.handles(HANDLES).await?;
    for round in 0..ROUNDS {
        let id = format!("ended-{round}");
        register(&cx, "REG-17", registration(&id)).await?;
        let output = ProcessAwaitOutput::success(json!({ "round": round }));
        let what = format!("complete_process({id}) with one output");
        let results = race(&cx, &handles, &what, |_, handle| {
            let (id, output) = (id.clone(), output.clone());
            async move { handle.complete_process(&id, output).await }
        })
        .await?;
        all_succeed(&what, results)?;
        let other = format!("other-{round}");
        register(&cx, "REG-17", registration(&other)).await?;
        let what = format!("terminal appends on {other} under four finishers' keys");
        let results = race(&cx, &handles, &what, |index, handle| {
            let other = other.clone();
            let request = ProcessEventAppendRequest::terminal(
                &other,
                &ProcessAwaitOutput::success(json!({ "by": index })),
            )
            .with_replay_key(format!("{other}:done-by:{index}"));
            async move { handle.append_event(&other, request).await }
        })
        .await?;
        let mut winners = 0;
        for (index, result) in results.iter().enumerate() {
            match result {
                Ok(_) => winners += 1,
                Err(error) => typed_loser(&what, index, error, ErrorKind::AlreadyTerminal)?,
            }
        }
        cx.ensure_eq("TERM-3", &format!("{what}: winners"), &1, &winners)?;
    }
    Ok(())
}

pub(super) async fn racing_renewals_releases_and_grants_settle(
    cx: CheckContext<'_>,
) -> CheckResult {
    let handles = cx.handles(HANDLES).await?;
    let scope = session("viewers");
    for round in 0..ROUNDS {
        let id = format!("held-{round}");
        register(&cx, "REG-17", registration(&id)).await?;
        let lease = cx.ok(
            "REG-17",
            &format!("claim_process_lease({id}, holder)"),
            handles[0].claim_process_lease(&id, "holder", 60_000).await,
        )?;
        let what = format!("renew_process_lease({id}) by its holder");
        let results = race(&cx, &handles, &what, |_, handle| {
            let lease = lease.clone();
            async move { handle.renew_process_lease(&lease, 60_000).await }
        })
        .await?;
        all_succeed(&what, results)?;
        let what = format!("complete_process_lease({id}) with the holder's token");
        let release = ProcessLeaseCompletion::from_lease(&lease);
        let results = race(&cx, &handles, &what, |_, handle| {
            let release = release.clone();
            async move { handle.complete_process_lease(&release).await }
        })
        .await?;
        all_succeed(&what, results)?;
        let next = cx.ok(
            "REG-17",
            &format!("claim_process_lease({id}, next) through the last handle"),
            handles[HANDLES - 1]
                .claim_process_lease(&id, "next", 60_000)
                .await,
        )?;
        cx.ensure("LEASE-7", next.fencing_token > lease.fencing_token, || {
            format!(
                "the claim after racing releases got fencing token {}, not above {}",
                next.fencing_token, lease.fencing_token
            )
        })?;
        let what = format!("grant_handle(session:viewers, {id})");
        let results = race(&cx, &handles, &what, |index, handle| {
            let (id, scope) = (id.clone(), scope.clone());
            let descriptor = ProcessHandleDescriptor::labelled(format!("by-{index}"));
            async move { handle.grant_handle(&scope, &id, descriptor).await }
        })
        .await?;
        all_succeed(&what, results)?;
        let grants = cx.ok(
            "REG-17",
            &format!("handle_grants_for_process({id})"),
            handles[2].handle_grants_for_process(&id).await,
        )?;
        cx.ensure_eq(
            "GRANT-2",
            &format!("{what}: grants stored"),
            &1,
            &grants.len(),
        )?;
        let what = format!("revoke_handle(session:viewers, {id})");
        let results = race(&cx, &handles, &what, |_, handle| {
            let (id, scope) = (id.clone(), scope.clone());
            async move { handle.revoke_handle(&scope, &id).await }
        })
        .await?;
        all_succeed(&what, results)?;
    }
    Ok(())
}

pub(super) async fn reads_see_what_another_handle_acknowledged(
    cx: CheckContext<'_>,
) -> CheckResult {
    let handles = cx.handles(HANDLES).await?;
    for round in 0..ROUNDS * 2 {
        let (writer, reader) = (&handles[round % HANDLES], &handles[(round + 1) % HANDLES]);
        let id = format!("seen-{round}");
        cx.ok(
            "REG-17",
            &format!("register_process({id})"),
            writer.register_process(registration(&id)).await,
        )?;
        let seen = reader.get_process(&id).await;
        cx.ensure("REG-17", seen.is_some(), || {
            format!("get_process({id}) through another handle right after the registration was acknowledged: expected the record, observed none")
        })?;
        let appended = cx.ok(
            "REG-17",
            &format!("append_event({id}, note)"),
            writer
                .append_event(&id, note(json!({ "round": round })))
                .await,
        )?;
        let events = cx.ok(
            "REG-17",
            &format!("events_after({id}, 0) through another handle"),
            reader.events_after(&id, 0).await,
        )?;
        cx.ensure(
            "REG-17",
            events.iter().any(|event| event.sequence == appended.event.sequence && event.event_type == NOTE),
            || format!("events_after({id}, 0) through another handle right after an acknowledged append: expected event {}, observed {} events", appended.event.sequence, events.len()),
        )?;
        let lease = cx.ok(
            "REG-17",
            &format!("claim_process_lease({id}, first)"),
            writer.claim_process_lease(&id, "first", 60_000).await,
        )?;
        let refused = reader.claim_process_lease(&id, "second", 60_000).await;
        cx.ensure(
            "REG-17",
            matches!(&refused, Err(error) if error.kind == ErrorKind::LeaseHeld),
            || format!("claim_process_lease({id}, second) through another handle while first holds fence {}: expected error lease_held, observed {refused:?}", lease.fencing_token),
        )?;
    }
    Ok(())
}

pub(super) async fn racing_acks_transfers_and_session_deletes_settle(
    cx: CheckContext<'_>,
) -> CheckResult {
    let handles = cx.handles(HANDLES).await?;
    for round in 0..ROUNDS {
        let id = format!("woken-{round}");
        register(&cx, "REG-17", registration(&id)).await?;
        let target = session(&format!("inbox-{round}"));
        let appended = cx.ok(
            "REG-17",
            &format!("append_event({id}, wake)"),
            handles[0].append_event(&id, wake("ping", &target)).await,
        )?;
        let sequence = appended.event.sequence;
        let what = format!("ack_wake({id}, {sequence})");
        let results = race(&cx, &handles, &what, |_, handle| {
            let id = id.clone();
            async move { handle.ack_wake(&id, sequence).await }
        })
        .await?;
        all_succeed(&what, results)?;
        let pending = cx.ok(
            "REG-17",
            &format!("wake_events_after({id}, 0)"),
            handles[HANDLES - 1].wake_events_after(&id, 0).await,
        )?;
        cx.ensure_eq(
            "WAKE-10",
            &format!("{what}: wakes left"),
            &0,
            &pending.len(),
        )?;

        let (from, to) = (
            session(&format!("from-{round}")),
            session(&format!("to-{round}")),
        );
        let moved: Vec<String> = (0..3).map(|n| format!("moved-{round}-{n}")).collect();
        for process in &moved {
            register(&cx, "REG-17", registration(process)).await?;
            cx.ok(
                "REG-17",
                &format!("grant_handle({process})"),
                handles[0]
                    .grant_handle(&from, process, ProcessHandleDescriptor::labelled("moved"))
                    .await,
            )?;
        }
        let what = format!("transfer_handle_grants(from-{round} -> to-{round})");
        let results = race(&cx, &handles, &what, |_, handle| {
            let (from, to, moved) = (from.clone(), to.clone(), moved.clone());
            async move { handle.transfer_handle_grants(&from, &to, &moved).await }
        })
        .await?;
        let mut winners = 0;
        for (index, result) in results.iter().enumerate() {
            match result {
                Ok(()) => winners += 1,
                Err(error) => typed_loser(&what, index, error, ErrorKind::GrantMissing)?,
            }
        }
        cx.ensure_eq("GRANT-12", &format!("{what}: winners"), &1, &winners)?;
        let landed = cx.ok(
            "REG-17",
            &format!("list_handle_grants(to-{round})"),
            handles[2].list_handle_grants(&to).await,
        )?;
        cx.ensure_eq(
            "GRANT-11",
            &format!("{what}: grants moved"),
            &moved.len(),
            &landed.len(),
        )?;

        let session_id = format!("to-{round}");
        let what = format!("delete_session_process_state({session_id})");
        let results = race(&cx, &handles, &what, |_, handle| {
            let session_id = session_id.clone();
            async move { handle.delete_session_process_state(&session_id).await }
        })
        .await?;
        all_succeed(&what, results)?;
        let left = cx.ok(
            "REG-17",
            &format!("list_handle_grants(to-{round}) after the deletes"),
            handles[1].list_handle_grants(&to).await,
        )?;
        cx.ensure_eq(
            "SESSION-1",
            &format!("{what}: grants left"),
            &0,
            &left.len(),
        )?;
    }
    Ok(())
}
