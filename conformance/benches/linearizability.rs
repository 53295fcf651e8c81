//! Linearizability checking at scale: records MemoryRegistry histories and
//! prints how long checking them takes. Asserts nothing about time.
//!
//! Run with `cargo bench -p procreg-conformance --bench linearizability`.

use procreg::Clock;
use procreg_conformance::linearizability::{
    check_history_with, record_history, CheckConfig, History, HistoryConfig, OpMix,
};
use procreg_memory::MemoryRegistry;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn memory(clock: Arc<dyn Clock>) -> MemoryRegistry {
    MemoryRegistry::new(clock)
}

fn record(
    runtime: &tokio::runtime::Runtime,
    config: &HistoryConfig,
) -> Result<(History, Duration), Box<dyn Error>> {
    let started = Instant::now();
    let history = runtime.block_on(record_history(&memory, config))?;
    Ok((history, started.elapsed()))
}

fn concurrent_pairs(history: &History) -> usize {
    let ops = &history.operations;
    let mut pairs = 0;
    for (index, first) in ops.iter().enumerate() {
        let end = first.response.unwrap_or(u64::MAX);
        for second in &ops[index + 1..] {
            if second.invoke > end {
                break;
            }
            if second.process == first.process {
                pairs += 1;
            }
        }
    }
    pairs
}

fn check(name: &str, history: &History, threads: usize) -> Result<(), Box<dyn Error>> {
    let config = CheckConfig {
        threads,
        ..CheckConfig::default()
    };
    // Best of three, so one noisy run on a shared machine does not decide.
    let mut best = Duration::MAX;
    let mut report = None;
    for _ in 0..3 {
        let started = Instant::now();
        let checked = check_history_with(history, &config);
        best = best.min(started.elapsed());
        report = Some(checked);
    }
    let report = report.ok_or("no run")?;
    println!(
        "{name}: check with {threads} thread(s): {:>8.1} ms (best of 3), {} operations, {} processes, {} search steps, {:.0} operations/s, verdict {:?}",
        best.as_secs_f64() * 1e3,
        report.operations,
        report.partitions,
        report.steps,
        report.operations as f64 / best.as_secs_f64(),
        report.verdict,
    );
    if !report.is_linearizable() {
        return Err(format!("{name}: MemoryRegistry history rejected:\n{report}").into());
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()?;
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    let threads = CheckConfig::default().threads;
    println!("linearizability bench ({cores} cores available)");

    // 100,000 operations (200,000 call/return events) over 1,000 processes.
    let wide = HistoryConfig {
        seed: 7,
        tasks: 4,
        ops_per_task: 25_000,
        processes: 1_000,
        wait_timeout: Duration::from_millis(1),
        ..HistoryConfig::default()
    };
    let (history, took) = record(&runtime, &wide)?;
    println!(
        "wide: recorded {} operations over {} processes in {:.1} ms ({} same-process concurrent pairs)",
        history.len(),
        wide.processes,
        took.as_secs_f64() * 1e3,
        concurrent_pairs(&history),
    );
    check("wide", &history, 1)?;
    if threads > 1 {
        check("wide", &history, threads)?;
    }

    // Heavy contention: 8 tasks on 4 processes, lease races included.
    let contended = HistoryConfig {
        seed: 11,
        tasks: 8,
        ops_per_task: 1_250,
        processes: 4,
        wait_timeout: Duration::from_millis(1),
        mix: OpMix {
            claim: 16,
            release: 8,
            ..OpMix::default()
        },
        ..HistoryConfig::default()
    };
    let (history, took) = record(&runtime, &contended)?;
    println!(
        "contended: recorded {} operations over {} processes in {:.1} ms ({} same-process concurrent pairs)",
        history.len(),
        contended.processes,
        took.as_secs_f64() * 1e3,
        concurrent_pairs(&history),
    );
    check("contended", &history, 1)?;
    Ok(())
}
