//! Quickstart: one process through its whole life on the reference registry.
//!
//! Run: `cargo run --example quickstart -p procreg-memory`
//! (`cargo test` runs it too: `tests/quickstart.rs`).
//!
//! A worker registers a process, appends two steps, claims and renews a
//! fenced lease, shows that a competing worker is fenced off, completes the
//! process exactly once (a retry is a no-op), and releases the lease. Time
//! is a `ManualClock`, so the output is the same on every run.

use procreg::{
    ManualClock, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessLeaseCompletion, ProcessRegistration, ProcessRegistry, RegistryResult,
};
use procreg_memory::MemoryRegistry;
use serde_json::json;
use std::sync::Arc;

/// The whole walk-through; an error is the first call that failed.
pub(crate) async fn run() -> RegistryResult<()> {
    let clock = ManualClock::new(1_700_000_000_000);
    let registry: Arc<dyn ProcessRegistry> = Arc::new(MemoryRegistry::new(Arc::new(clock.clone())));

    let registration = ProcessRegistration::new(
        "report-42",
        ProcessInput::external(json!({"task": "build report"})),
    )
    .with_extra_event_types([ProcessEventType::new("step")]);
    let record = registry.register_process(registration).await?;
    println!(
        "registered {} (status {}, hash {}...)",
        record.id,
        record.status.label(),
        &record.registration_hash[..12]
    );

    let lease = registry
        .claim_process_lease("report-42", "worker-a", 30_000)
        .await?;
    println!(
        "worker-a claimed the lease: fencing token {}, expires at {}",
        lease.fencing_token, lease.expires_at_epoch_ms
    );

    for (index, step) in ["fetch data", "render"].into_iter().enumerate() {
        clock.advance(10_000);
        let request = ProcessEventAppendRequest::new("step", json!({ "step": step }))
            .with_replay_key(format!("report-42:step:{index}"));
        let appended = registry.append_event("report-42", request).await?;
        println!("appended event #{} ({step})", appended.event.sequence);
        let renewed = registry.renew_process_lease(&lease, 30_000).await?;
        println!(
            "worker-a renewed the lease until {}",
            renewed.expires_at_epoch_ms
        );
    }

    match registry
        .claim_process_lease("report-42", "worker-b", 30_000)
        .await
    {
        Ok(_) => println!("worker-b claimed the lease (unexpected!)"),
        Err(error) => println!("worker-b is fenced off: {} ({})", error, error.kind),
    }

    let output = ProcessAwaitOutput::success(json!({"pages": 12}));
    let done = registry
        .complete_process("report-42", output.clone())
        .await?;
    let retried = registry.complete_process("report-42", output).await?;
    println!(
        "completed: status {}; retry returned the same record: {}",
        done.status.label(),
        done == retried
    );
    let awaited = registry.await_process("report-42").await?;
    let awaited = serde_json::to_string(&awaited).unwrap_or_default();
    println!("await_process -> {awaited}");
    println!(
        "events in the log: {}",
        registry.events_after("report-42", 0).await?.len()
    );

    registry
        .complete_process_lease(&ProcessLeaseCompletion::from_lease(&lease))
        .await?;
    let next = registry.claim_process_lease("report-42", "worker-b", 30_000);
    match next.await {
        Ok(lease) => println!(
            "after release worker-b may claim: fencing token {}",
            lease.fencing_token
        ),
        Err(error) => {
            println!("after release, claims on the finished process are refused: {error}")
        }
    }
    println!(
        "processes still to sweep: {}",
        registry.list_non_terminal().await?.len()
    );
    Ok(())
}

fn main() {
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("could not start a runtime: {error}");
            std::process::exit(1);
        }
    };
    if let Err(error) = runtime.block_on(run()) {
        eprintln!("quickstart failed: {error} ({})", error.kind);
        std::process::exit(1);
    }
}
