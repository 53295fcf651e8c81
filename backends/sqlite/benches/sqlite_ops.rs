//! SQLite backend numbers: open, append and claim ops/s on one handle and
//! with two handles racing on one file, and the strict suite's wall time.
//!
//! Run (release, prints a table; `PROCREG_BENCH_OPS` sets ops per measurement, default 2000):
//!
//! ```sh
//! cargo bench -p procreg-sqlite --bench sqlite_ops
//! ```

use procreg::DurableFactory;
use procreg::{
    Clock, ManualClock, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessRegistration, ProcessRegistry,
};
use procreg_conformance::{run_suite, SuiteConfig};
use procreg_sqlite::{SqliteFiles, SqliteOptions, SqliteRegistry, Synchronous};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn clock() -> Arc<dyn Clock> {
    Arc::new(ManualClock::new(1_000))
}

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({"bench": true})))
        .with_extra_event_types([ProcessEventType::new("tick")])
}

fn open(path: &Path, synchronous: Synchronous) -> Arc<SqliteRegistry> {
    let options = SqliteOptions {
        synchronous,
        ..SqliteOptions::default()
    };
    Arc::new(SqliteRegistry::open_with(path, clock(), options).expect("open"))
}

fn rate(ops: u64, elapsed: Duration) -> String {
    format!(
        "{:>9.0} ops/s ({ops} ops in {:.2?})",
        ops as f64 / elapsed.as_secs_f64(),
        elapsed
    )
}

async fn appends(registry: Arc<SqliteRegistry>, process_id: String, ops: u64) -> u64 {
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

/// Claims by one owner with TTL 0: every claim expires at once, so every
/// claim (this handle's or the other's) succeeds and is a write.
async fn claims(registry: Arc<SqliteRegistry>, process_id: String, owner: String, ops: u64) -> u64 {
    for _ in 0..ops {
        registry
            .claim_process_lease(&process_id, &owner, 0)
            .await
            .expect("claim");
    }
    ops
}

async fn measure(dir: &Path, synchronous: Synchronous, ops: u64) {
    let tag = format!("{synchronous:?}").to_lowercase();
    let started = Instant::now();
    let opens = 20u64;
    for n in 0..opens {
        drop(open(&dir.join(format!("open-{tag}-{n}.db")), synchronous));
    }
    println!(
        "open a new file          [{tag:>6}] {}",
        rate(opens, started.elapsed())
    );

    let path = dir.join(format!("single-{tag}.db"));
    let one = open(&path, synchronous);
    one.register_process(registration("p"))
        .await
        .expect("register");
    let started = Instant::now();
    let done = appends(Arc::clone(&one), "p".into(), ops).await;
    println!(
        "append, 1 handle         [{tag:>6}] {}",
        rate(done, started.elapsed())
    );
    let started = Instant::now();
    let done = claims(Arc::clone(&one), "p".into(), "a".into(), ops).await;
    println!(
        "claim,  1 handle         [{tag:>6}] {}",
        rate(done, started.elapsed())
    );

    let path = dir.join(format!("racing-{tag}.db"));
    let first = open(&path, synchronous);
    let second = open(&path, synchronous);
    first
        .register_process(registration("p"))
        .await
        .expect("register");
    let half = ops / 2;
    let started = Instant::now();
    let (a, b) = tokio::join!(
        tokio::spawn(appends(Arc::clone(&first), "p".into(), half)),
        tokio::spawn(appends(Arc::clone(&second), "p".into(), half)),
    );
    let done = a.expect("task") + b.expect("task");
    println!(
        "append, 2 handles racing [{tag:>6}] {}",
        rate(done, started.elapsed())
    );
    let events = first.events_after("p", 0).await.expect("events");
    assert!(events
        .iter()
        .enumerate()
        .all(|(i, e)| e.sequence == i as u64 + 1));
    let started = Instant::now();
    let (a, b) = tokio::join!(
        tokio::spawn(claims(Arc::clone(&first), "p".into(), "a".into(), half)),
        tokio::spawn(claims(Arc::clone(&second), "p".into(), "b".into(), half)),
    );
    let done = a.expect("task") + b.expect("task");
    println!(
        "claim,  2 handles racing [{tag:>6}] {}",
        rate(done, started.elapsed())
    );
}

fn main() {
    let ops: u64 = std::env::var("PROCREG_BENCH_OPS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::Builder::new()
        .prefix("procreg-sqlite-bench-")
        .tempdir()
        .expect("temp dir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!("procreg-sqlite bench: {ops} ops per measurement, files under {}", dir.path().display());
        measure(dir.path(), Synchronous::Full, ops).await;
        measure(dir.path(), Synchronous::Normal, ops).await;
        let factory = DurableFactory::new(SqliteFiles::in_dir(dir.path()));
        let started = Instant::now();
        let report = run_suite(&factory, &SuiteConfig::strict(), &mut ()).await;
        let elapsed = started.elapsed();
        let counts = report.counts();
        println!(
            "suite (strict, one run, default options): {} passed, {} failed, {} skipped in {elapsed:.2?}",
            counts.passed, counts.failed, counts.skipped
        );
        if !report.is_success() {
            print!("{}", procreg_conformance::render::render_text(&report));
        }
    });
}
