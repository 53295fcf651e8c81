//! Scale benchmark for `MemoryRegistry`: 100,000 processes, 1% live, beside
//! lash-core 0.1.0-alpha.38's in-memory `TestLocalProcessRegistry` on the
//! same workload in the same process.
//!
//! Run: `cargo bench -p procreg-memory --bench registry_scale`
//! Prints register, completion and append throughput and the latency of
//! `list_non_terminal` for each registry, then MemoryRegistry's ratio to
//! lash's against the goals of docs/ (>= 2x on register and complete, >= 10x
//! on the sweep). Each registry runs the workload once to warm the heap,
//! then five times, the two taking turns to go first; each figure is the
//! median of the five. Numbers compare within one run and are never asserted.

use lash_core as lash;
use procreg::{
    ManualClock, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessRegistration, ProcessRegistry,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

const PROCESSES_COUNT: usize = 100_000;
const LIVE_EVERY: usize = 100;
const APPENDS_COUNT: usize = 100_000;
const SWEEPS_COUNT: usize = 200;
const ROUNDS: usize = 5;

fn process_id(index: usize) -> String {
    format!("proc-{index:06}")
}

fn is_live(index: usize) -> bool {
    index % LIVE_EVERY == 0
}

/// One registry's times for one round of the workload.
#[derive(Debug, Clone, Copy)]
struct Round {
    register_per_second: f64,
    complete_per_second: f64,
    append_per_second: f64,
    sweep_micros: f64,
}

/// Runs `op` on every index and returns operations per second.
async fn per_second<F, Fut>(indexes: impl Iterator<Item = usize>, mut op: F) -> f64
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let started = Instant::now();
    let mut count = 0;
    for index in indexes {
        op(index).await;
        count += 1;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// Microseconds per call of `sweep`, which must list exactly the live processes.
async fn sweep_micros<F, Fut>(mut sweep: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = usize>,
{
    let started = Instant::now();
    for _ in 0..SWEEPS_COUNT {
        let listed = sweep().await;
        assert_eq!(
            listed,
            PROCESSES_COUNT / LIVE_EVERY,
            "1% of processes are live"
        );
    }
    (started.elapsed() / SWEEPS_COUNT as u32).as_secs_f64() * 1e6
}

fn live_ids() -> Vec<String> {
    (0..PROCESSES_COUNT)
        .filter(|index| is_live(*index))
        .map(process_id)
        .collect()
}

async fn memory_round() -> Round {
    let clock = ManualClock::new(1_700_000_000_000);
    let registry = &MemoryRegistry::new(Arc::new(clock.clone()));
    let register_per_second = per_second(0..PROCESSES_COUNT, |index| async move {
        let registration = ProcessRegistration::new(
            process_id(index),
            ProcessInput::external(json!({ "index": index })),
        )
        .with_extra_event_types([ProcessEventType::new("step")]);
        registry
            .register_process(registration)
            .await
            .expect("register");
    })
    .await;
    let complete_per_second = per_second(
        (0..PROCESSES_COUNT).filter(|index| !is_live(*index)),
        |index| async move {
            let output = ProcessAwaitOutput::success(json!(index));
            registry
                .complete_process(&process_id(index), output)
                .await
                .expect("complete");
        },
    )
    .await;
    let live = &live_ids();
    let append_per_second = per_second(0..APPENDS_COUNT, |index| {
        clock.advance(1);
        async move {
            let request = ProcessEventAppendRequest::new("step", json!({ "k": index }));
            let process_id = &live[index % live.len()];
            registry
                .append_event(process_id, request)
                .await
                .expect("append");
        }
    })
    .await;
    let sweep_micros =
        sweep_micros(|| async { registry.list_non_terminal().await.expect("sweep").len() }).await;
    Round {
        register_per_second,
        complete_per_second,
        append_per_second,
        sweep_micros,
    }
}

fn lash_step_type() -> lash::ProcessEventType {
    lash::ProcessEventType {
        name: "step".to_owned(),
        payload_schema: lash::LashSchema::any(),
        semantics: Default::default(),
    }
}

async fn lash_round() -> Round {
    use lash::ProcessRegistry as _;
    let registry = &lash::TestLocalProcessRegistry::default();
    let register_per_second = per_second(0..PROCESSES_COUNT, |index| async move {
        let input = lash::ProcessInput::External {
            metadata: json!({ "index": index }),
        };
        let registration = lash::ProcessRegistration::new(process_id(index), input)
            .with_extra_event_types([lash_step_type()]);
        registry
            .register_process(registration)
            .await
            .expect("register");
    })
    .await;
    let complete_per_second = per_second(
        (0..PROCESSES_COUNT).filter(|index| !is_live(*index)),
        |index| async move {
            let output = lash::ProcessAwaitOutput::Success {
                value: json!(index),
                control: None,
            };
            registry
                .complete_process(&process_id(index), output)
                .await
                .expect("complete");
        },
    )
    .await;
    let live = &live_ids();
    let append_per_second = per_second(0..APPENDS_COUNT, |index| async move {
        let request = lash::ProcessEventAppendRequest::new("step", json!({ "k": index }));
        let process_id = &live[index % live.len()];
        registry
            .append_event(process_id, request)
            .await
            .expect("append");
    })
    .await;
    let sweep_micros =
        sweep_micros(|| async { registry.list_non_terminal().await.expect("sweep").len() }).await;
    Round {
        register_per_second,
        complete_per_second,
        append_per_second,
        sweep_micros,
    }
}

fn median(rounds: &[Round], field: impl Fn(&Round) -> f64) -> f64 {
    let mut values: Vec<f64> = rounds.iter().map(field).collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The median of each figure over the rounds.
fn medians(rounds: &[Round]) -> Round {
    Round {
        register_per_second: median(rounds, |round| round.register_per_second),
        complete_per_second: median(rounds, |round| round.complete_per_second),
        append_per_second: median(rounds, |round| round.append_per_second),
        sweep_micros: median(rounds, |round| round.sweep_micros),
    }
}

fn print_round(title: &str, round: &Round) {
    println!("{title}");
    println!(
        "  register_process   {:>12.0} ops/s",
        round.register_per_second
    );
    println!(
        "  complete_process   {:>12.0} ops/s",
        round.complete_per_second
    );
    println!(
        "  append_event       {:>12.0} ops/s",
        round.append_per_second
    );
    println!(
        "  list_non_terminal  {:>12.1} us per call ({} records)",
        round.sweep_micros,
        PROCESSES_COUNT / LIVE_EVERY
    );
}

fn print_ratio(operation: &str, ratio: f64, goal: Option<f64>) {
    let verdict = match goal {
        Some(goal) if ratio >= goal => format!("goal >= {goal}x: met"),
        Some(goal) => format!("goal >= {goal}x: NOT met"),
        None => "no goal".to_owned(),
    };
    println!("  {operation:<18} {ratio:>8.1}x  ({verdict})");
}

async fn events_after_tail_micros() -> (f64, usize) {
    let registry = MemoryRegistry::new(Arc::new(ManualClock::new(0)));
    let registration = ProcessRegistration::new("tail", ProcessInput::external(json!(null)))
        .with_extra_event_types([ProcessEventType::new("step")]);
    registry
        .register_process(registration)
        .await
        .expect("register");
    for index in 0..100 {
        let request = ProcessEventAppendRequest::new("step", json!({ "k": index }));
        registry
            .append_event("tail", request)
            .await
            .expect("append");
    }
    let started = Instant::now();
    let tail = registry.events_after("tail", 95).await.expect("tail").len();
    (started.elapsed().as_secs_f64() * 1e6, tail)
}

async fn run() {
    let mut memory = Vec::new();
    let mut lash = Vec::new();
    // A discarded warm-up round of each first: the first round to run would
    // otherwise also pay for the heap's first growth. Then the order alternates.
    memory_round().await;
    lash_round().await;
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            memory.push(memory_round().await);
            lash.push(lash_round().await);
        } else {
            lash.push(lash_round().await);
            memory.push(memory_round().await);
        }
    }
    let (memory, lash) = (medians(&memory), medians(&lash));
    let live_count = PROCESSES_COUNT / LIVE_EVERY;
    let heading =
        format!("({PROCESSES_COUNT} processes, {live_count} live, median of {ROUNDS} rounds)");
    print_round(
        &format!("MemoryRegistry scale benchmark {heading}"),
        &memory,
    );
    let (tail_micros, tail) = events_after_tail_micros().await;
    println!("  events_after tail  {tail_micros:>12.1} us ({tail} of 100 events)");
    print_round(
        &format!("lash-core 0.1.0-alpha.38 TestLocalProcessRegistry, same workload {heading}"),
        &lash,
    );
    println!("MemoryRegistry / lash (same run)");
    print_ratio(
        "register_process",
        memory.register_per_second / lash.register_per_second,
        Some(2.0),
    );
    print_ratio(
        "complete_process",
        memory.complete_per_second / lash.complete_per_second,
        Some(2.0),
    );
    print_ratio(
        "append_event",
        memory.append_per_second / lash.append_per_second,
        None,
    );
    print_ratio(
        "list_non_terminal",
        lash.sweep_micros / memory.sweep_micros,
        Some(10.0),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    runtime.block_on(run());
}
