//! The producer: registers every process over time (some granted to a
//! viewer, some woken), then awaits each one and checks its output.

use crate::clock::SimClock;
use crate::journal::{lock, SharedJournal};
use crate::network::{remote_options, session_of, TurmoilConnector, PRODUCER_HOST};
use crate::outcome::Invariant;
use crate::rng::SimRng;
use crate::script::Script;
use procreg::{ErrorKind, ProcessRegistry, RegistryResult};
use procreg_remote::RemoteRegistry;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// What the producer needs from the run.
pub struct ProducerSetup {
    /// The run seed.
    pub seed: u64,
    /// How many processes to register.
    pub processes: usize,
    /// Script length bound.
    pub max_steps: u64,
    /// The run's journal.
    pub journal: SharedJournal,
    /// Simulated time.
    pub clock: Arc<SimClock>,
    /// Whether the producer opens its own handle (shared-store topology).
    pub own_handle: bool,
}

impl ProducerSetup {
    fn note(&self, text: &str) {
        let at_ms = self.clock.elapsed_ms();
        lock(&self.journal).note(at_ms, "producer", text);
    }
}

/// Retries `call` while it fails with a transport (`Backend`) error; other
/// errors are answers and are returned.
async fn persist<T, F, Fut>(mut call: F) -> RegistryResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = RegistryResult<T>>,
{
    loop {
        match call().await {
            Err(error) if error.kind == ErrorKind::Backend => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            other => return other,
        }
    }
}

/// The producer client's software; returns when every process was awaited.
pub async fn run_producer(setup: Arc<ProducerSetup>) -> turmoil::Result {
    let mut rng = SimRng::derive(setup.seed, "producer");
    let registry = loop {
        let session = session_of(PRODUCER_HOST, setup.own_handle);
        match RemoteRegistry::connect_session(
            TurmoilConnector::registry(),
            remote_options(),
            session,
        )
        .await
        {
            Ok(registry) => break registry,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let scripts: Vec<Script> = (0..setup.processes)
        .map(|index| Script::new(index, setup.max_steps))
        .collect();
    for script in &scripts {
        let id = script.process_id.as_str();
        if let Err(error) = persist(|| registry.register_process(script.registration())).await {
            setup.note(&format!("register {id} refused: {error}"));
            continue;
        }
        setup.note(&format!("registered {id} ({} steps)", script.steps));
        if script.granted {
            let scope = script.grant_scope();
            let granted =
                persist(|| registry.grant_handle(&scope, id, script.grant_descriptor())).await;
            setup.note(&format!(
                "grant {id}: {}",
                if granted.is_ok() { "ok" } else { "refused" }
            ));
        }
        if script.woken {
            let woken = persist(|| registry.append_event(id, script.nudge())).await;
            setup.note(&format!(
                "nudge {id}: {}",
                match &woken {
                    Ok(appended) => format!("seq {}", appended.event.sequence),
                    Err(error) => error.kind.to_string(),
                }
            ));
        }
        tokio::time::sleep(Duration::from_millis(rng.range(0, 60))).await;
    }
    for script in &scripts {
        let id = script.process_id.as_str();
        let awaited = persist(|| registry.await_process(id)).await;
        let at_ms = setup.clock.elapsed_ms();
        let mut journal = lock(&setup.journal);
        match awaited {
            Ok(output) if output == script.output() => {
                journal.stats.awaited += 1;
                journal.note(at_ms, "producer", &format!("awaited {id}"));
            }
            Ok(output) => journal.violate(
                Invariant::ExactlyOnce,
                at_ms,
                Some(id),
                Vec::new(),
                format!(
                    "await_process returned {} instead of the completion output {}",
                    serde_json::to_string(&output).unwrap_or_default(),
                    serde_json::to_string(&script.output()).unwrap_or_default()
                ),
            ),
            Err(error) => journal.violate(
                Invariant::ExactlyOnce,
                at_ms,
                Some(id),
                Vec::new(),
                format!("await_process failed: {error} ({})", error.kind),
            ),
        }
    }
    Ok(())
}
