//! The registry host: where the registry under simulation runs, whatever
//! the backend does inside.
//!
//! Every call runs to completion in zero simulated time. A backend that
//! answers inline (`Capabilities::inline_calls`, like `MemoryRegistry`) is
//! called on the world's thread. Any other backend (a blocking pool, real
//! sockets to PostgreSQL, a TCP peer) runs on a runtime of its own, and the
//! world's thread blocks until the answer is back: no simulated time passes
//! and nothing else in the world moves meanwhile, so the order of calls
//! stays the seed's. Such a backend's blocking waits never block the world:
//! the host resolves `wait_event_after` and `await_process` itself, reading
//! the log or the record after every write that names the process, and
//! otherwise sleeping in simulated time until the caller gives up.
//!
//! The host also crashes and comes back (`registry-crash`): the handle is
//! taken out of service, then the store is reopened through the factory.
//!
//! In the shared-store topology every client (each worker, the producer)
//! has a handle of its own on the one store, opened through the factory's
//! `reopen` while the first stays in use; a worker that goes down drops its
//! handle, and its next incarnation gets a new one. Calls stay atomic in
//! simulated time, so a handle is never dropped inside a call: a process
//! that dies mid-transaction is the kill -9 phase's (`procreg-crash`).

use crate::clock::SimClock;
use procreg::{
    CallAnswer, CallResult, Clock, ProcessRegistry, RegistryCall, RegistryError, RegistryResult,
};
use procreg_conformance::RegistryFactory;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// How long reopening a store after a crash may take before it counts as failed.
pub const REOPEN_TIMEOUT: Duration = Duration::from_secs(30);

/// See the module docs.
pub struct RegistryHost {
    /// Runs the backend's futures off the world's thread (hosted backends),
    /// and everything outside the world (create, reopen, audits).
    runtime: tokio::runtime::Runtime,
    /// Whether calls go to `runtime` (the backend does not answer inline).
    hosted: bool,
    /// The handle in service; `None` while the host is down.
    registry: Mutex<Option<Arc<dyn ProcessRegistry>>>,
    /// The handle of the store while the host is down, kept to reopen it.
    crashed: Mutex<Option<Arc<dyn ProcessRegistry>>>,
    /// The clients with handles of their own (shared-store topology).
    clients: Vec<String>,
    /// Each client's handle; a client that is down has none.
    handles: Mutex<BTreeMap<String, Arc<dyn ProcessRegistry>>>,
    /// The clients that are down (a registry restart opens them no handle).
    down: Mutex<std::collections::BTreeSet<String>>,
    /// Host-resolved waits, woken by writes naming their process.
    changes: Mutex<BTreeMap<String, Arc<Notify>>>,
    clock: Arc<SimClock>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl RegistryHost {
    /// A host for registries from `factory`, reading `clock`; creates the
    /// first registry, and a handle of their own on it for each of `clients`.
    pub fn start<F: RegistryFactory + ?Sized>(
        factory: &F,
        clock: Arc<SimClock>,
        clients: Vec<String>,
    ) -> Result<Self, crate::run::SimError> {
        let hosted = !factory.capabilities().inline_calls;
        let runtime = if hosted {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        }
        .map_err(|error| crate::run::SimError::Harness(error.to_string()))?;
        let registry = runtime
            .block_on(factory.create(clock.clone() as Arc<dyn Clock>))
            .map_err(crate::run::SimError::Backend)?;
        let host = Self {
            runtime,
            hosted,
            registry: Mutex::new(Some(registry)),
            crashed: Mutex::new(None),
            clients,
            handles: Mutex::new(BTreeMap::new()),
            down: Mutex::new(std::collections::BTreeSet::new()),
            changes: Mutex::new(BTreeMap::new()),
            clock,
        };
        for client in &host.clients {
            host.open_handle(factory, client)
                .map_err(|error| crate::run::SimError::Backend(RegistryError::backend(error)))?;
        }
        Ok(host)
    }

    /// Opens `client`'s own handle on the store in service (replacing the
    /// one it had); the error says why the store gave none.
    pub fn open_handle<F: RegistryFactory + ?Sized>(
        &self,
        factory: &F,
        client: &str,
    ) -> Result<(), String> {
        if !self.serves_own_handle(client) {
            return Ok(()); // Its calls go through the handle in service.
        }
        lock(&self.down).remove(client);
        let Ok(primary) = self.current() else {
            return Ok(()); // Handles are opened when the host comes back.
        };
        lock(&self.handles).remove(client);
        let clock = self.clock.clone() as Arc<dyn Clock>;
        let opened = self.runtime.block_on(async {
            tokio::time::timeout(REOPEN_TIMEOUT, factory.reopen(&primary, clock)).await
        });
        match opened {
            Ok(Ok(handle)) => {
                lock(&self.handles).insert(client.to_owned(), handle);
                Ok(())
            }
            Ok(Err(error)) => Err(format!("{client}'s handle did not open: {error}")),
            Err(_) => Err(format!(
                "{client}'s handle did not open within {} s",
                REOPEN_TIMEOUT.as_secs()
            )),
        }
    }

    /// `client` went down: its handle is dropped (its later calls fail, as
    /// on a closed connection), and a registry restart opens it none.
    pub fn drop_handle(&self, client: &str) {
        if self.serves_own_handle(client) {
            lock(&self.down).insert(client.to_owned());
        }
        let dropped = lock(&self.handles).remove(client);
        drop(dropped);
    }

    /// Whether `client` has a handle of its own (shared-store topology).
    pub fn serves_own_handle(&self, client: &str) -> bool {
        self.clients.iter().any(|known| known == client)
    }

    /// Whether calls run off the world's thread.
    pub fn hosted(&self) -> bool {
        self.hosted
    }

    /// Runs `future` to completion outside the world (audits, reopen).
    pub fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }

    /// The handle in service, or an error while the host is down.
    pub fn current(&self) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        lock(&self.registry)
            .clone()
            .ok_or_else(|| RegistryError::backend("the registry host is down (registry-crash)"))
    }

    /// The handle `client`'s calls go through: its own in the shared-store
    /// topology, else the one in service.
    pub fn current_for(&self, client: Option<&str>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        let primary = self.current()?;
        match client {
            Some(client) if self.serves_own_handle(client) => {
                lock(&self.handles).get(client).cloned().ok_or_else(|| {
                    RegistryError::backend(format!("{client}'s handle is closed: {client} is down"))
                })
            }
            _ => Ok(primary),
        }
    }

    /// Runs one call from `client` in zero simulated time (see the module docs).
    pub async fn call(&self, client: Option<&str>, call: RegistryCall) -> CallResult {
        if self.hosted && call.may_block() {
            return self.resolve_wait(client, call).await;
        }
        let registry = self.current_for(client)?;
        let written: Vec<String> = if call.is_write() {
            call.process_ids().into_iter().map(str::to_owned).collect()
        } else {
            Vec::new()
        };
        let result = if self.hosted {
            self.run_hosted(registry, call)
        } else {
            call.dispatch(registry.as_ref()).await
        };
        if result.is_ok() {
            self.wake(&written);
        }
        result
    }

    /// Runs `call` to its answer on the world's thread, inside the
    /// backend's runtime (its reactor, timers and blocking pool): the world
    /// waits, and no simulated time passes.
    fn run_hosted(&self, registry: Arc<dyn ProcessRegistry>, call: RegistryCall) -> CallResult {
        // From any thread, the backend reads the registry host's time, held
        // still while it answers (turmoil's own reading would mix in the
        // backend runtime's real clock).
        let _held = self.clock.hold_at_current_host();
        let _backend = self.runtime.enter();
        // Unconstrained: this poll runs inside a turmoil task's poll and must
        // not spend (and then wait forever on) that task's cooperative budget.
        futures_executor::block_on(tokio::task::unconstrained(call.dispatch(registry.as_ref())))
    }

    fn wake(&self, process_ids: &[String]) {
        let changes = lock(&self.changes);
        for id in process_ids {
            if let Some(notify) = changes.get(id) {
                notify.notify_waiters();
            }
        }
    }

    fn changes_of(&self, process_id: &str) -> Arc<Notify> {
        lock(&self.changes)
            .entry(process_id.to_owned())
            .or_default()
            .clone()
    }

    /// `wait_event_after` and `await_process` by reads: answered as soon as a
    /// read finds what they wait for, re-read after every write to the process.
    async fn resolve_wait(&self, client: Option<&str>, call: RegistryCall) -> CallResult {
        let process_id = call.process_id().unwrap_or_default().to_owned();
        let changes = self.changes_of(&process_id);
        loop {
            let changed = changes.notified();
            let registry = self.current_for(client)?;
            let found = match &call {
                RegistryCall::WaitEventAfter {
                    event_type,
                    after_sequence,
                    ..
                } => {
                    let read = RegistryCall::EventsAfter {
                        process_id: process_id.clone(),
                        after_sequence: *after_sequence,
                    };
                    match self.run_hosted(registry, read)? {
                        CallAnswer::Events(events) => events
                            .into_iter()
                            .find(|event| &event.event_type == event_type)
                            .map(CallAnswer::Event),
                        _ => None,
                    }
                }
                _ => {
                    let read = RegistryCall::GetProcess {
                        process_id: process_id.clone(),
                    };
                    match self.run_hosted(registry, read)? {
                        CallAnswer::MaybeRecord(None) => {
                            return Err(RegistryError::unknown_process(&process_id))
                        }
                        CallAnswer::MaybeRecord(Some(record)) => record
                            .status
                            .await_output()
                            .cloned()
                            .map(CallAnswer::AwaitOutput),
                        _ => None,
                    }
                }
            };
            if let Some(answer) = found {
                return Ok(answer);
            }
            changed.await;
        }
    }

    /// The host dies: the handle leaves service (kept only to find its
    /// store again), and every client's handle is dropped.
    pub fn crash(&self) {
        let taken = lock(&self.registry).take();
        if taken.is_some() {
            *lock(&self.crashed) = taken;
        }
        let dropped = std::mem::take(&mut *lock(&self.handles));
        drop(dropped);
    }

    /// The host comes back on the same store, reopened through `factory`;
    /// the old handle is dropped. The error says why the store did not reopen.
    pub fn restart<F: RegistryFactory + ?Sized>(&self, factory: &F) -> Result<(), String> {
        let Some(previous) = lock(&self.crashed).take() else {
            return Ok(());
        };
        let clock = self.clock.clone() as Arc<dyn Clock>;
        let reopened = self.runtime.block_on(async {
            tokio::time::timeout(REOPEN_TIMEOUT, factory.reopen(&previous, clock)).await
        });
        drop(previous);
        match reopened {
            Ok(Ok(registry)) => {
                *lock(&self.registry) = Some(registry);
                let down = lock(&self.down).clone();
                for client in self.clients.iter().filter(|client| !down.contains(*client)) {
                    self.open_handle(factory, client)?;
                }
                Ok(())
            }
            Ok(Err(error)) => Err(format!("the store did not reopen: {error}")),
            Err(_) => Err(format!(
                "the store did not reopen within {} s",
                REOPEN_TIMEOUT.as_secs()
            )),
        }
    }
}
