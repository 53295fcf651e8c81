//! Killing the server mid-run: writers on two machines register, append
//! and complete in a loop while the server is stopped with `pg_ctl stop -m
//! immediate` (every backend killed, no checkpoint) and started again.
//! Calls during the outage fail with a typed `Backend` error within their
//! bound (no panic, no hang); after the restart the same handles work
//! again; and every acknowledged write is there, logs gap-free, each
//! completed process with exactly one terminal event.
//!
//! Needs `PROCREG_PG_URL`, `PROCREG_PG_CTL` and `PROCREG_PG_DATA` (all
//! exported by `.ci/postgres.sh`); skips, saying why, when one is missing.
//! It stops the shared server, so it lives alone in this test binary.

mod support;

use procreg::DurableFactory;
use procreg::{
    ErrorKind, ManualClock, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType,
    ProcessInput, ProcessRegistration, ProcessRegistry, PROCESS_COMPLETED,
};
use procreg_postgres::{PgOptions, PgRegistry};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::PgSchemas;

/// Bound on one call during the outage (the handles' call timeout, plus slack).
const CALL_BOUND: Duration = Duration::from_secs(6);

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({})))
        .with_extra_event_types([ProcessEventType::new("tick")])
}

/// `pg_ctl` on the test cluster.
struct Server {
    pg_ctl: String,
    data: String,
}

impl Server {
    fn from_env() -> Option<Self> {
        let pg_ctl = std::env::var("PROCREG_PG_CTL")
            .ok()
            .filter(|v| !v.is_empty());
        let data = std::env::var("PROCREG_PG_DATA")
            .ok()
            .filter(|v| !v.is_empty());
        match (pg_ctl, data) {
            (Some(pg_ctl), Some(data)) => Some(Self { pg_ctl, data }),
            _ => None,
        }
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<(), String> {
        let output = Command::new(&self.pg_ctl)
            .args(args)
            .args(["-D", &self.data])
            .output()
            .map_err(|error| format!("running {}: {error}", self.pg_ctl))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl {args:?} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    fn is_running(&self) -> bool {
        self.pg_ctl(&["status"]).is_ok()
    }

    fn stop_immediately(&self) -> Result<(), String> {
        self.pg_ctl(&["stop", "-m", "immediate", "-w", "-t", "60"])
    }

    fn start(&self) -> Result<(), String> {
        let log = format!("{}/server.log", self.data);
        self.pg_ctl(&["start", "-w", "-t", "60", "-l", &log])
    }
}

/// Starts the server again if a failed assertion left it stopped, so the
/// test binaries after this one find it up.
struct RestartOnDrop<'a>(&'a Server);

impl Drop for RestartOnDrop<'_> {
    fn drop(&mut self) {
        if !self.0.is_running() {
            if let Err(error) = self.0.start() {
                eprintln!("kill test: could not restart the server: {error}");
            }
        }
    }
}

/// What the writers were told succeeded, and every failure they saw.
#[derive(Default)]
struct Acked {
    registered: BTreeSet<String>,
    appended: BTreeMap<String, BTreeSet<u64>>,
    completed: BTreeSet<String>,
    /// (kind, how long the failed call took).
    failures: Vec<(ErrorKind, Duration, String)>,
}

/// One writer: register, append a few ticks, complete, again and again,
/// until told to stop. Failed calls are recorded and the step retried
/// (an append that failed may or may not have committed; a retry of the
/// same keyed append replays it).
async fn writer(
    registry: Arc<PgRegistry>,
    name: String,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Acked>>,
) {
    let record_failure = |kind, took: Duration, message: String| {
        acked
            .lock()
            .expect("acked")
            .failures
            .push((kind, took, message));
    };
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) && n < 100_000 {
        let id = format!("{name}-p{n}");
        n += 1;
        let mut step = 0u64;
        // register, ticks 1..=3, complete: each retried until it succeeds or we stop.
        while step < 5 && !stop.load(Ordering::Relaxed) {
            let started = Instant::now();
            let result: Result<(), procreg::RegistryError> = match step {
                0 => registry.register_process(registration(&id)).await.map(|_| {
                    acked.lock().expect("acked").registered.insert(id.clone());
                }),
                1..=3 => registry
                    .append_event(
                        &id,
                        ProcessEventAppendRequest::new("tick", json!({"tick": step}))
                            .with_replay_key(format!("tick-{step}")),
                    )
                    .await
                    .map(|result| {
                        acked
                            .lock()
                            .expect("acked")
                            .appended
                            .entry(id.clone())
                            .or_default()
                            .insert(result.event.sequence);
                    }),
                _ => registry
                    .complete_process(&id, ProcessAwaitOutput::success(json!({"n": n})))
                    .await
                    .map(|_| {
                        acked.lock().expect("acked").completed.insert(id.clone());
                    }),
            };
            match result {
                Ok(()) => step += 1,
                Err(error) => {
                    record_failure(error.kind, started.elapsed(), error.message.clone());
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
}

#[test]
fn acknowledged_writes_survive_an_immediate_server_stop() {
    let Some(url) = support::pg_url("acknowledged_writes_survive_an_immediate_server_stop") else {
        return;
    };
    let Some(server) = Server::from_env() else {
        eprintln!(
            "skipped acknowledged_writes_survive_an_immediate_server_stop: PROCREG_PG_CTL and \
             PROCREG_PG_DATA are not both set (.ci/postgres.sh exports them for its own \
             throwaway server; the test stops and restarts that server)"
        );
        return;
    };
    assert!(
        server.is_running(),
        "the server at PROCREG_PG_DATA is not running"
    );
    let _restart = RestartOnDrop(&server);
    let options = PgOptions {
        pool_size: 2,
        connect_timeout: Duration::from_secs(2),
        statement_timeout: Duration::from_secs(2),
        call_timeout: Duration::from_secs(4),
        ..PgOptions::default()
    };
    let factory = DurableFactory::new(PgSchemas::with_options(&url, options));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(writes_survive_a_stop(&server, &factory));
}

/// The run: writers on two machines through a stop and a restart of the
/// server, then every acknowledged write read back through a fresh handle.
async fn writes_survive_a_stop(server: &Server, factory: &DurableFactory<PgSchemas>) {
    let clock = Arc::new(ManualClock::new(1_000));
    let machines = factory
        .opener()
        .handles(2, 2, clock)
        .await
        .expect("connect");
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acked::default()));
    let writers = start_writers(&machines, &stop, &acked);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before_stop = acked.lock().expect("acked").completed.len();
    assert!(before_stop > 0, "the writers made progress before the stop");

    let (outage, outage_calls) = stop_and_restart(server, &machines, before_stop).await;
    await_recovery(&machines[1]).await;
    let acked = finish_writers(writers, &stop, &acked).await;
    every_failure_is_a_bounded_backend_error(&acked);

    // Nothing acknowledged is lost; logs are gap-free; one terminal event each.
    let reader = factory
        .opener()
        .connect(machines[0].schema(), Arc::new(ManualClock::new(1_000)))
        .await
        .expect("a fresh handle after the restart");
    let verified = verify_acknowledged(&reader, &acked).await;
    eprintln!(
        "kill test: outage of {outage:.2?}, {outage_calls} probe calls and {} writer calls failed \
         with Backend errors (slowest {:.2?}); {} registrations, {} appends, {} completions \
         acknowledged, {verified} verified after the restart",
        acked.failures.len(),
        acked
            .failures
            .iter()
            .map(|(_, took, _)| *took)
            .max()
            .unwrap_or_default(),
        acked.registered.len(),
        acked.appended.values().map(BTreeSet::len).sum::<usize>(),
        acked.completed.len(),
    );
}

/// Two writers per machine, sharing the stop flag and the record of what was acknowledged.
fn start_writers(
    machines: &[Arc<PgRegistry>],
    stop: &Arc<AtomicBool>,
    acked: &Arc<Mutex<Acked>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut writers = Vec::new();
    for (index, machine) in machines.iter().enumerate() {
        for lane in 0..2 {
            writers.push(tokio::spawn(writer(
                Arc::clone(machine),
                format!("m{index}w{lane}"),
                Arc::clone(stop),
                Arc::clone(acked),
            )));
        }
    }
    writers
}

/// The outage: stops the server, probes that calls fail typed and within
/// their bound, and starts it again; returns the outage's length and the
/// number of probe calls.
async fn stop_and_restart(
    server: &Server,
    machines: &[Arc<PgRegistry>],
    before_stop: usize,
) -> (Duration, usize) {
    // The outage: every backend killed at once, mid-transaction for some.
    let stopped_at = Instant::now();
    server.stop_immediately().expect("pg_ctl stop -m immediate");
    eprintln!("kill test: server stopped (immediate) after {before_stop} completions");
    let mut outage_calls = 0;
    for round in 0..5 {
        let machine = &machines[round % machines.len()];
        let started = Instant::now();
        let result = tokio::time::timeout(
            CALL_BOUND,
            machine.append_event("m0w0-p0", ProcessEventAppendRequest::new("tick", json!({}))),
        )
        .await
        .expect("a call during the outage returns within its bound");
        let error = result.expect_err("the server is down");
        assert!(error.is(ErrorKind::Backend), "typed Backend error: {error}");
        assert!(started.elapsed() < CALL_BOUND);
        outage_calls += 1;
        let _ = round;
    }
    assert!(
        machines[0].get_process("m0w0-p0").await.is_none(),
        "get_process has no error channel: an outage reads as None"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.start().expect("pg_ctl start");
    let outage = stopped_at.elapsed();
    eprintln!("kill test: server restarted after {outage:.2?}");
    (outage, outage_calls)
}

/// Waits until `machine` answers again, asserting it fails only with
/// `Backend` meanwhile and recovers within a bound.
async fn await_recovery(machine: &PgRegistry) {
    // The same handles recover: calls succeed again within a bound.
    let recovered_at = Instant::now();
    loop {
        match machine.list_non_terminal().await {
            Ok(_) => break,
            Err(error) => {
                assert!(error.is(ErrorKind::Backend), "{error}");
                assert!(
                    recovered_at.elapsed() < Duration::from_secs(30),
                    "the handles recover after the restart: {error}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Lets the writers run on after the recovery, stops them, asserts they
/// made progress since, and returns what they were told succeeded.
async fn finish_writers(
    writers: Vec<tokio::task::JoinHandle<()>>,
    stop: &AtomicBool,
    acked: &Mutex<Acked>,
) -> Acked {
    let completed_before_more = acked.lock().expect("acked").completed.len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        tokio::time::timeout(Duration::from_secs(30), writer)
            .await
            .expect("writers stop within their bound")
            .expect("a writer panicked");
    }
    let acked = std::mem::take(&mut *acked.lock().expect("acked"));
    assert!(
        acked.completed.len() > completed_before_more,
        "the writers made progress after the restart"
    );
    acked
}

/// Every failure the writers saw was a typed Backend error within its bound.
fn every_failure_is_a_bounded_backend_error(acked: &Acked) {
    for (kind, took, message) in &acked.failures {
        assert_eq!(*kind, ErrorKind::Backend, "{message}");
        assert!(*took < CALL_BOUND, "a failed call took {took:?}: {message}");
    }
    assert!(!acked.failures.is_empty(), "the writers saw the outage");
}

/// Reads every acknowledged registration, append and completion back
/// through `reader`; returns how many writes it verified.
async fn verify_acknowledged(reader: &PgRegistry, acked: &Acked) -> usize {
    let mut verified = 0usize;
    for id in &acked.registered {
        assert!(
            reader.get_process(id).await.is_some(),
            "acked registration {id} lost"
        );
        verified += 1;
        let log = reader.events_after(id, 0).await.expect("log");
        let sequences: Vec<u64> = log.iter().map(|event| event.sequence).collect();
        let expected: Vec<u64> = (1..=log.len() as u64).collect();
        assert_eq!(sequences, expected, "{id}: the log has gaps");
        let terminal = log
            .iter()
            .filter(|event| event.event_type == PROCESS_COMPLETED)
            .count();
        assert!(terminal <= 1, "{id}: {terminal} terminal events");
        if let Some(appended) = acked.appended.get(id) {
            for sequence in appended {
                assert!(
                    log.iter()
                        .any(|e| e.sequence == *sequence && e.event_type == "tick"),
                    "{id}: acked append {sequence} lost"
                );
                verified += 1;
            }
        }
        if acked.completed.contains(id) {
            assert_eq!(terminal, 1, "{id}: acked completion lost");
            let record = reader.get_process(id).await.expect("record");
            assert!(record.is_terminal(), "{id}: acked completion lost");
            verified += 1;
        }
    }
    verified
}
