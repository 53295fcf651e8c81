//! Scale benchmark for `MemoryRegistry`: 100,000 processes, 1% live.
//!
//! Run: `cargo bench -p procreg-memory --bench registry_scale`
//! Prints register, completion and append throughput and the latency of
//! `list_non_terminal`; numbers are for comparison within one run, never
//! asserted.

use procreg::{
    ManualClock, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessRegistration, ProcessRegistry,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PROCESSES_COUNT: usize = 100_000;
const LIVE_EVERY: usize = 100;
const APPENDS_COUNT: usize = 100_000;
const SWEEPS_COUNT: usize = 200;

fn process_id(index: usize) -> String {
    format!("proc-{index:06}")
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

async fn run() {
    let clock = ManualClock::new(1_700_000_000_000);
    let registry = MemoryRegistry::new(Arc::new(clock.clone()));

    let started = Instant::now();
    for index in 0..PROCESSES_COUNT {
        let registration = ProcessRegistration::new(
            process_id(index),
            ProcessInput::external(json!({ "index": index })),
        )
        .with_extra_event_types([ProcessEventType::new("step")]);
        registry
            .register_process(registration)
            .await
            .expect("register");
    }
    let register_elapsed = started.elapsed();

    let started = Instant::now();
    let mut completed = 0;
    for index in (0..PROCESSES_COUNT).filter(|index| index % LIVE_EVERY != 0) {
        registry
            .complete_process(
                &process_id(index),
                ProcessAwaitOutput::success(json!(index)),
            )
            .await
            .expect("complete");
        completed += 1;
    }
    let complete_elapsed = started.elapsed();

    let live: Vec<String> = (0..PROCESSES_COUNT)
        .step_by(LIVE_EVERY)
        .map(process_id)
        .collect();
    let started = Instant::now();
    for index in 0..APPENDS_COUNT {
        clock.advance(1);
        let request = ProcessEventAppendRequest::new("step", json!({ "k": index }));
        registry
            .append_event(&live[index % live.len()], request)
            .await
            .expect("append");
    }
    let append_elapsed = started.elapsed();

    let started = Instant::now();
    let mut listed = 0;
    for _ in 0..SWEEPS_COUNT {
        listed = registry.list_non_terminal().await.expect("sweep").len();
    }
    let sweep_elapsed = started.elapsed() / SWEEPS_COUNT as u32;
    assert_eq!(listed, live.len(), "1% of processes are live");

    let started = Instant::now();
    let tail = registry
        .events_after(&live[0], 95)
        .await
        .expect("tail")
        .len();
    let tail_elapsed = started.elapsed();

    println!(
        "MemoryRegistry scale benchmark ({PROCESSES_COUNT} processes, {} live)",
        live.len()
    );
    println!(
        "  register_process   {:>12.0} ops/s",
        per_second(PROCESSES_COUNT, register_elapsed)
    );
    println!(
        "  complete_process   {:>12.0} ops/s",
        per_second(completed, complete_elapsed)
    );
    println!(
        "  append_event       {:>12.0} ops/s",
        per_second(APPENDS_COUNT, append_elapsed)
    );
    println!(
        "  list_non_terminal  {:>12.1} us per call ({listed} records)",
        sweep_elapsed.as_secs_f64() * 1e6
    );
    println!(
        "  events_after tail  {:>12.1} us ({tail} of 100 events)",
        tail_elapsed.as_secs_f64() * 1e6
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    runtime.block_on(run());
}
