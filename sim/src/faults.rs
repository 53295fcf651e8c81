//! The fault injector: during the fault phase it strikes at random (seeded)
//! moments with the kinds this seed turned on, and schedules each fault's
//! healing; at the quiet phase it heals everything at once.

use crate::config::{FaultKind, FaultSet};
use crate::journal::{lock, SharedJournal};
use crate::network::{worker_host, REGISTRY_HOST, SINK_HOST};
use crate::rng::SimRng;
use crate::timeline::FaultSpan;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use turmoil::Sim;

/// Where in its script a worker freezes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    /// Before an effect step's sink write.
    Effect,
    /// After the last renewal, before finishing the process.
    Finish,
}

/// Pending freezes: worker index to where it stalls and for how many ms.
pub type Stalls = Arc<Mutex<BTreeMap<usize, (Checkpoint, u64)>>>;

/// Largest message latency without the latency fault.
pub const CALM_LATENCY_MS: u64 = 5;
/// Largest message latency with it.
const STORMY_LATENCY_MS: u64 = 60;

/// Strikes per simulation step: one in this many.
const STRIKE_ODDS: u64 = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Heal {
    Restart(usize),
    Repair(usize, &'static str),
    Release(usize, &'static str),
    RestartRegistry,
}

/// What the injector does to the registry host beside turmoil's crash and restart.
pub trait RegistryFaults {
    /// The host died: its handle leaves service.
    fn crash_registry(&self, now_ms: u64);
    /// The host comes back on its reopened store; what the reopen or the
    /// durability audit after it finds goes into the journal.
    fn restart_registry(&self, now_ms: u64);
    /// Worker `index` went down: a handle of its own is dropped.
    fn worker_down(&self, index: usize, now_ms: u64) {
        let _ = (index, now_ms);
    }
    /// Worker `index` comes back: it gets a new handle of its own.
    fn worker_up(&self, index: usize, now_ms: u64) {
        let _ = (index, now_ms);
    }
}

/// A fault struck: its trace text, and when and how it heals.
type Strike = Option<(String, Option<(u64, Heal)>)>;

/// See the module docs.
pub struct FaultInjector {
    rng: SimRng,
    kinds: Vec<FaultKind>,
    workers: usize,
    pending: Vec<(u64, Heal)>,
    stalls: Stalls,
}

impl FaultInjector {
    /// An injector for `workers` workers striking with `active` kinds.
    pub fn new(seed: u64, active: &FaultSet, workers: usize, stalls: Stalls) -> Self {
        Self {
            rng: SimRng::derive(seed, "faults"),
            kinds: active
                .0
                .iter()
                .copied()
                .filter(|kind| *kind != FaultKind::Latency)
                .collect(),
            workers,
            pending: Vec::new(),
            stalls,
        }
    }

    /// The latency every link starts with.
    pub fn initial_latency(active: &FaultSet) -> Duration {
        Duration::from_millis(if active.contains(FaultKind::Latency) {
            STORMY_LATENCY_MS
        } else {
            CALM_LATENCY_MS
        })
    }

    fn busy(&self, heal: &Heal) -> bool {
        self.pending.iter().any(|(_, pending)| pending == heal)
    }

    fn apply(sim: &mut Sim<'_>, heal: &Heal, registry: &dyn RegistryFaults, now_ms: u64) -> String {
        match heal {
            Heal::RestartRegistry => {
                registry.restart_registry(now_ms);
                sim.bounce(REGISTRY_HOST);
                "the registry comes back on its reopened store".to_owned()
            }
            Heal::Restart(index) => {
                registry.worker_up(*index, now_ms);
                sim.bounce(worker_host(*index));
                format!("worker-{index} comes back")
            }
            Heal::Repair(index, peer) => {
                sim.repair(worker_host(*index), *peer);
                format!("link worker-{index} <-> {peer} repaired")
            }
            Heal::Release(index, peer) => {
                sim.release(worker_host(*index), *peer);
                format!("link worker-{index} <-> {peer} released")
            }
        }
    }

    /// Heals what is due, then perhaps strikes; called once per step of the fault phase.
    pub fn tick(
        &mut self,
        sim: &mut Sim<'_>,
        now_ms: u64,
        journal: &SharedJournal,
        registry: &dyn RegistryFaults,
    ) -> u64 {
        let mut due = Vec::new();
        self.pending.retain(|(at, heal)| {
            if *at <= now_ms {
                due.push(heal.clone());
                false
            } else {
                true
            }
        });
        for heal in &due {
            let text = Self::apply(sim, heal, registry, now_ms);
            note_healed(journal, heal, now_ms, &text);
        }
        if self.kinds.is_empty() || self.workers == 0 || !self.rng.chance(1, STRIKE_ODDS) {
            return 0;
        }
        let kind = self.kinds[self.rng.index(self.kinds.len())];
        let index = self.rng.index(self.workers);
        let Some((text, heal)) = self.strike(sim, kind, index, now_ms, registry) else {
            return 0;
        };
        note_struck(journal, kind, index, heal.as_ref(), now_ms, &text);
        if let Some(pending) = heal {
            self.pending.push(pending);
        }
        1
    }

    /// Strikes with `kind` (at worker `index` when it hits a worker); the
    /// trace text and the heal to schedule, or `None` when that fault is
    /// already in force.
    fn strike(
        &mut self,
        sim: &mut Sim<'_>,
        kind: FaultKind,
        index: usize,
        now_ms: u64,
        registry: &dyn RegistryFaults,
    ) -> Strike {
        let host = worker_host(index);
        let (text, heal) = match kind {
            FaultKind::Crash => {
                let heal = Heal::Restart(index);
                if self.busy(&heal) {
                    return None;
                }
                sim.crash(host.as_str());
                registry.worker_down(index, now_ms);
                let back = now_ms + self.rng.range(100, 900);
                (format!("crash worker-{index}"), Some((back, heal)))
            }
            FaultKind::Bounce => {
                if self.busy(&Heal::Restart(index)) {
                    return None;
                }
                registry.worker_down(index, now_ms);
                registry.worker_up(index, now_ms);
                sim.bounce(host.as_str());
                (format!("bounce worker-{index}"), None)
            }
            FaultKind::Partition | FaultKind::SinkPartition => {
                let peer = if kind == FaultKind::Partition {
                    REGISTRY_HOST
                } else {
                    SINK_HOST
                };
                let heal = Heal::Repair(index, peer);
                if self.busy(&heal) {
                    return None;
                }
                sim.partition(host.as_str(), peer);
                let back = now_ms + self.rng.range(100, 900);
                (
                    format!("partition worker-{index} <-> {peer}"),
                    Some((back, heal)),
                )
            }
            FaultKind::Hold => {
                let heal = Heal::Release(index, REGISTRY_HOST);
                if self.busy(&heal) {
                    return None;
                }
                sim.hold(host.as_str(), REGISTRY_HOST);
                let back = now_ms + self.rng.range(100, 700);
                (
                    format!("hold worker-{index} <-> {REGISTRY_HOST}"),
                    Some((back, heal)),
                )
            }
            FaultKind::Stall => {
                let mut stalls = self
                    .stalls
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                // One freeze at a time: an ordered one is not overwritten
                // before the worker reaches it.
                if stalls.contains_key(&index) {
                    return None;
                }
                // A freeze before finishing lasts long enough for another
                // worker to take over and finish first.
                let (at, freeze_ms) = if self.rng.chance(1, 2) {
                    (Checkpoint::Effect, self.rng.range(200, 1_000))
                } else {
                    (Checkpoint::Finish, self.rng.range(1_000, 2_500))
                };
                stalls.insert(index, (at, freeze_ms));
                drop(stalls);
                (
                    format!(
                        "stall worker-{index} for {freeze_ms} ms at its next {at:?} checkpoint"
                    ),
                    None,
                )
            }
            FaultKind::RegistryCrash => {
                let heal = Heal::RestartRegistry;
                if self.busy(&heal) {
                    return None;
                }
                sim.crash(REGISTRY_HOST);
                registry.crash_registry(now_ms);
                let back = now_ms + self.rng.range(100, 600);
                ("crash the registry host".to_owned(), Some((back, heal)))
            }
            FaultKind::Latency => return None,
        };
        Some((text, heal))
    }

    /// Heals every fault now and calms the network: the quiet phase begins.
    pub fn quiesce(
        &mut self,
        sim: &mut Sim<'_>,
        now_ms: u64,
        journal: &SharedJournal,
        registry: &dyn RegistryFaults,
    ) {
        self.stalls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
        for (_, heal) in std::mem::take(&mut self.pending) {
            let text = Self::apply(sim, &heal, registry, now_ms);
            note_healed(journal, &heal, now_ms, &text);
        }
        sim.set_max_message_latency(Duration::from_millis(CALM_LATENCY_MS));
        lock(journal).note(now_ms, "faults", "quiet phase: no more faults");
    }
}

/// Notes a strike in the trace, and in the timeline as a span that lasts
/// until its heal (a stall is drawn when the worker freezes).
fn note_struck(
    journal: &SharedJournal,
    kind: FaultKind,
    index: usize,
    heal: Option<&(u64, Heal)>,
    now_ms: u64,
    text: &str,
) {
    let mut journal = lock(journal);
    journal.note(now_ms, "faults", text);
    if kind == FaultKind::Stall {
        return;
    }
    let Some(timeline) = journal.timeline() else {
        return;
    };
    let target = match kind {
        FaultKind::RegistryCrash => "registry".to_owned(),
        _ => format!("worker-{index}"),
    };
    let span = FaultSpan {
        kind: kind.name().to_owned(),
        target,
        from_ms: now_ms,
        to_ms: heal.is_none().then_some(now_ms),
        text: text.to_owned(),
    };
    timeline.fault_struck(heal.map(|(_, heal)| format!("{heal:?}")), span);
}

/// Notes a heal in the trace and ends its span in the timeline.
fn note_healed(journal: &SharedJournal, heal: &Heal, now_ms: u64, text: &str) {
    let mut journal = lock(journal);
    journal.note(now_ms, "faults", text);
    if let Some(timeline) = journal.timeline() {
        timeline.fault_healed(&format!("{heal:?}"), now_ms);
    }
}
