//! A bounded loopback load test of the TCP server:
//! `cargo bench -p procreg-remote --bench serve_load`.
//!
//! 64 clients, each through its own `RemoteRegistry` over real TCP to an
//! in-process `serve_tcp_with` serving one `MemoryRegistry`, run a mixed
//! workload (register, keyed appends, reads, a wait the client's own append
//! answers, completion, await) and drop their connections at seeded random
//! moments to reconnect. Afterwards an audit reads every acknowledged write
//! back. Prints ops/s, p50/p99 call latency and the process's peak RSS
//! (client and server share the process).

use procreg::{ManualClock, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessRegistry};
use procreg_conformance::fixtures::{note, registration, NOTE};
use procreg_memory::MemoryRegistry;
use procreg_remote::{
    serve_tcp_with, RemoteOptions, RemoteRegistry, SingleRegistry, TcpConnector, TcpServeOptions,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 64;
const PROCESSES_PER_CLIENT: usize = 20;
const APPENDS_PER_PROCESS: u64 = 4;

/// A small seeded generator (SplitMix64): which calls reconnect first.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

async fn connect(address: &str) -> RemoteRegistry<TcpConnector> {
    RemoteRegistry::connect(TcpConnector::new(address), RemoteOptions::default())
        .await
        .expect("the server answers")
}

/// One client's workload; returns the latency of every call it made.
async fn client(address: String, index: usize) -> Vec<Duration> {
    let mut rng = Rng(index as u64);
    let mut remote = connect(&address).await;
    let mut latencies = Vec::new();
    macro_rules! timed {
        ($call:expr) => {{
            let started = Instant::now();
            let result = $call.await;
            latencies.push(started.elapsed());
            result
        }};
    }
    for process in 0..PROCESSES_PER_CLIENT {
        let id = format!("c{index}-p{process}");
        timed!(remote.register_process(registration(&id))).expect("registered");
        for step in 0..APPENDS_PER_PROCESS {
            let request = note(serde_json::json!({ "step": step }))
                .with_replay_key(format!("{id}:step:{step}"));
            timed!(remote.append_event(&id, request)).expect("appended");
            if rng.next() % 10 == 0 {
                // A random disconnect: drop every connection, reconnect.
                remote = connect(&address).await;
            }
        }
        let waited = timed!(remote.wait_event_after(&id, NOTE, APPENDS_PER_PROCESS - 1));
        assert_eq!(waited.expect("the last note").sequence, APPENDS_PER_PROCESS);
        timed!(remote.events_after(&id, 0)).expect("read");
        let output = ProcessAwaitOutput::success(serde_json::json!({ "id": id }));
        timed!(remote.complete_process(&id, output.clone())).expect("completed");
        assert_eq!(timed!(remote.await_process(&id)).expect("awaited"), output);
    }
    latencies
}

/// Every acknowledged write is there: each process terminal, with its keyed appends in order.
async fn audit(registry: &dyn ProcessRegistry) -> usize {
    let mut checked = 0;
    for index in 0..CLIENTS {
        for process in 0..PROCESSES_PER_CLIENT {
            let id = format!("c{index}-p{process}");
            let record = registry.get_process(&id).await.expect("registered");
            assert!(record.is_terminal(), "{id} is not terminal");
            let events = registry.events_after(&id, 0).await.expect("readable");
            for step in 0..APPENDS_PER_PROCESS {
                let key = format!("{id}:step:{step}");
                let event = &events[usize::try_from(step).unwrap_or(usize::MAX)];
                assert_eq!(event.replay_key.as_deref(), Some(key.as_str()), "{id}");
            }
            let terminal = ProcessEventAppendRequest::terminal(
                &id,
                &ProcessAwaitOutput::success(serde_json::json!({ "id": id })),
            );
            assert!(events
                .iter()
                .any(|event| event.replay_key == terminal.replay_key));
            checked += 1;
        }
    }
    checked
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let registry: Arc<dyn ProcessRegistry> =
            Arc::new(MemoryRegistry::new(Arc::new(ManualClock::new(1_700_000_000_000))));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        let server = tokio::spawn(serve_tcp_with(
            listener,
            Arc::new(SingleRegistry(registry.clone())),
            TcpServeOptions::default(),
        ));
        let started = Instant::now();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|index| tokio::spawn(client(address.clone(), index)))
            .collect();
        let mut latencies = Vec::new();
        for client in clients {
            latencies.extend(client.await.expect("a client panicked"));
        }
        let elapsed = started.elapsed();
        latencies.sort_unstable();
        let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
        let checked = audit(registry.as_ref()).await;
        println!(
            "{CLIENTS} clients, {} calls in {:.2} s: {:.0} ops/s, p50 {:.2} ms, p99 {:.2} ms, peak RSS {:.0} MiB; audit: {checked} processes, every acknowledged write present",
            latencies.len(),
            elapsed.as_secs_f64(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            percentile(50).as_secs_f64() * 1e3,
            percentile(99).as_secs_f64() * 1e3,
            peak_rss_mib().unwrap_or(f64::NAN),
        );
        server.abort();
    });
}
