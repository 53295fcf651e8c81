//! PostgreSQL backend numbers: append and claim throughput with 1 and 8
//! connections (8 racing on one process, and 8 on a process each), how soon
//! a wait on one handle sees another handle's append, and the strict
//! suite's wall time (one check at a time, as `run_suite` runs it).
//!
//! Run against the server in `PROCREG_PG_URL` (release; prints a table;
//! `PROCREG_BENCH_OPS` sets ops per measurement, default 2000); without
//! `PROCREG_PG_URL` it says so and exits successfully:
//!
//! ```sh
//! source .ci/postgres.sh && procreg_pg_start
//! cargo bench -p procreg-postgres --bench pg_ops
//! ```
//!
//! Pipelined appends and `LISTEN`/`NOTIFY` waits, measured with this bench
//! (`PROCREG_BENCH_OPS=1000`, PostgreSQL 15 with `fsync = off` on the same
//! 2-core machine; before: the previous code with this same bench file;
//! after: two runs, the first with the notification inside the transaction,
//! the second, final, with it after `COMMIT`):
//!
//! | | before (5 round trips, 25 ms poll) | after (2 round trips, notified) |
//! |---|---|---|
//! | append, 1 connection | 859 ops/s | 1,242 / 1,135 ops/s |
//! | append, 8 connections, 1 process | 998 ops/s | 1,251 / 1,056 ops/s |
//! | append, 8 connections, 8 processes | 2,751 ops/s | 2,921 / 2,258 ops/s |
//! | claim, 1 connection (unchanged code) | 1,143 ops/s | 1,082 / 870 ops/s |
//! | wait woken by another handle's append | p50 3.53 ms, slowest 5.43 ms | p50 0.26 / 0.34 ms, slowest 0.56 / 0.62 ms |
//!
//! The claim row, whose code did not change, shows how much the machine's
//! noise moves these figures between runs.
//! (Before, a wait saw the append at its next 25 ms poll; the bench starts
//! each wait 20 ms ahead of the append, so its "before" is a best case.)

#[path = "../tests/support/mod.rs"]
mod support;

use procreg::{
    ManualClock, ProcessEventAppendRequest, ProcessEventType, ProcessInput, ProcessRegistration,
    ProcessRegistry,
};
use procreg_conformance::{run_suite, SuiteConfig};
use procreg_postgres::PgRegistry;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{pg_factory, PgFactory};

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({"bench": true})))
        .with_extra_event_types([ProcessEventType::new("tick")])
}

fn rate(ops: u64, elapsed: Duration) -> String {
    format!(
        "{:>8.0} ops/s ({ops} ops in {:.2?})",
        ops as f64 / elapsed.as_secs_f64(),
        elapsed
    )
}

async fn appends(registry: Arc<PgRegistry>, process_id: String, ops: u64) -> u64 {
    for n in 0..ops {
        registry
            .append_event(
                &process_id,
                ProcessEventAppendRequest::new("tick", json!({"n": n})),
            )
            .await
            .expect("append");
    }
    ops
}

/// Claims with TTL 0: every claim expires at once, so every claim (this
/// connection's or another's) succeeds and is a write.
async fn claims(registry: Arc<PgRegistry>, process_id: String, owner: String, ops: u64) -> u64 {
    for _ in 0..ops {
        registry
            .claim_process_lease(&process_id, &owner, 0)
            .await
            .expect("claim");
    }
    ops
}

/// `connections` single-connection handles on a fresh schema, with `processes` registered.
async fn machines(
    factory: &PgFactory,
    connections: usize,
    processes: usize,
) -> Vec<Arc<PgRegistry>> {
    let handles = factory
        .opener()
        .handles(connections, 1, Arc::new(ManualClock::new(1_000)))
        .await
        .expect("connect");
    for index in 0..processes {
        handles[0]
            .register_process(registration(&format!("p{index}")))
            .await
            .expect("register");
    }
    handles
}

#[derive(Clone, Copy)]
enum Op {
    Append,
    Claim,
}

/// `ops` calls of `op` spread over `connections`, all on `p0` or each on its own process.
async fn measure(
    factory: &PgFactory,
    op: Op,
    connections: usize,
    shared: bool,
    ops: u64,
) -> String {
    let processes = if shared { 1 } else { connections };
    let handles = machines(factory, connections, processes).await;
    let per = ops / connections as u64;
    let started = Instant::now();
    let tasks: Vec<_> = handles
        .iter()
        .enumerate()
        .map(|(index, handle)| {
            let process = if shared {
                "p0".to_owned()
            } else {
                format!("p{index}")
            };
            let handle = Arc::clone(handle);
            match op {
                Op::Append => tokio::spawn(appends(handle, process, per)),
                Op::Claim => tokio::spawn(claims(handle, process, format!("owner-{index}"), per)),
            }
        })
        .collect();
    let mut done = 0;
    for task in tasks {
        done += task.await.expect("task");
    }
    let elapsed = started.elapsed();
    if let Op::Append = op {
        for index in 0..processes {
            let log = handles[0]
                .events_after(&format!("p{index}"), 0)
                .await
                .expect("events");
            assert!(log
                .iter()
                .enumerate()
                .all(|(i, e)| e.sequence == i as u64 + 1));
        }
    }
    rate(done, elapsed)
}

/// Wake latency of a wait on one handle for an append made through another:
/// from the moment the append returns to the moment the wait does, `rounds`
/// times (p50 and the slowest). A wait already looking when the append lands
/// is woken by the notification, or by its poll if nothing notifies it.
async fn wait_latency(factory: &PgFactory, rounds: u64) -> String {
    let handles = machines(factory, 2, 1).await;
    let (writer, waiter) = (Arc::clone(&handles[0]), Arc::clone(&handles[1]));
    let mut latencies = Vec::new();
    for round in 1..=rounds {
        let waiting = {
            let waiter = Arc::clone(&waiter);
            tokio::spawn(async move {
                waiter
                    .wait_event_after("p0", "tick", round - 1)
                    .await
                    .expect("wait");
                Instant::now()
            })
        };
        // Time for the wait to make its first (empty) look.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let request = ProcessEventAppendRequest::new("tick", json!({"round": round}));
        writer.append_event("p0", request).await.expect("append");
        let appended = Instant::now();
        let woke = waiting.await.expect("joins");
        latencies.push(woke.saturating_duration_since(appended));
    }
    latencies.sort();
    format!(
        "p50 {:.2?}, slowest {:.2?} ({rounds} waits)",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    )
}

fn main() {
    let Ok(url) = std::env::var(support::URL_VAR) else {
        println!(
            "procreg-postgres bench skipped: {} is not set (start a throwaway server with \
             `source .ci/postgres.sh && procreg_pg_start`)",
            support::URL_VAR
        );
        return;
    };
    let ops: u64 = std::env::var("PROCREG_BENCH_OPS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let factory = pg_factory(&url);
        let admin = support::admin(&url).await.expect("admin connection");
        let mut settings = Vec::new();
        for setting in ["server_version", "fsync", "synchronous_commit"] {
            let row = admin
                .query_one(&format!("SHOW {setting}"), &[])
                .await
                .expect("show");
            settings.push(format!("{setting}={}", row.get::<_, String>(0)));
        }
        println!(
            "procreg-postgres bench: {ops} ops per measurement; server {}",
            settings.join(" ")
        );
        for (label, op) in [("append", Op::Append), ("claim ", Op::Claim)] {
            println!("{label}, 1 connection               {}", measure(&factory, op, 1, true, ops).await);
            println!("{label}, 8 connections, 1 process   {}", measure(&factory, op, 8, true, ops).await);
            println!("{label}, 8 connections, 8 processes {}", measure(&factory, op, 8, false, ops).await);
        }
        println!(
            "wait woken by another handle's append: {}",
            wait_latency(&factory, 50).await
        );
        let started = Instant::now();
        let report = run_suite(&factory, &SuiteConfig::strict(), &mut ()).await;
        let elapsed = started.elapsed();
        let counts = report.counts();
        println!(
            "suite (strict, reopen, one check at a time): {} passed, {} failed, {} skipped in {elapsed:.2?}",
            counts.passed, counts.failed, counts.skipped
        );
        if !report.is_success() {
            print!("{}", procreg_conformance::render::render_text(&report));
        }
    });
}
