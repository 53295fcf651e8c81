//! What a run simulates: the world's size, its timing and which faults strike.

use crate::rng::SimRng;
use procreg::{Capabilities, ClockControl, DurabilityTier};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One kind of fault the world can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A worker host dies (all its tasks and connections vanish) and comes back later.
    Crash,
    /// A worker host restarts at once: a fresh incarnation with a new owner id.
    Bounce,
    /// The link between a worker and the registry is cut for a while.
    Partition,
    /// The link between a worker and the effect sink is cut for a while.
    SinkPartition,
    /// Messages between a worker and the registry are held, then delivered late.
    Hold,
    /// Message latency up to 60 ms on every link, instead of up to 5 ms.
    Latency,
    /// A worker freezes mid-script (a GC pause) and then carries on without
    /// rechecking its lease: the classic zombie.
    Stall,
    /// The registry host dies (connections drop, answers in flight are
    /// lost, the handle is dropped) and comes back on its store, reopened
    /// through the factory. Only backends that can reopen take it.
    RegistryCrash,
}

impl FaultKind {
    /// Every fault kind, in a fixed order.
    pub const ALL: [FaultKind; 8] = [
        FaultKind::Crash,
        FaultKind::Bounce,
        FaultKind::Partition,
        FaultKind::SinkPartition,
        FaultKind::Hold,
        FaultKind::Latency,
        FaultKind::Stall,
        FaultKind::RegistryCrash,
    ];

    /// The name used on the command line and in traces.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Bounce => "bounce",
            FaultKind::Partition => "partition",
            FaultKind::SinkPartition => "sink-partition",
            FaultKind::Hold => "hold",
            FaultKind::Latency => "latency",
            FaultKind::Stall => "stall",
            FaultKind::RegistryCrash => "registry-crash",
        }
    }

    /// Why a backend with `capabilities` cannot take this kind of fault, if it cannot.
    pub fn unfit_for(self, capabilities: &Capabilities) -> Option<&'static str> {
        match self {
            FaultKind::RegistryCrash if !capabilities.reopen => {
                Some("the backend cannot reopen its store (no Capabilities::reopen)")
            }
            FaultKind::RegistryCrash if capabilities.durability_tier != DurabilityTier::Durable => {
                Some("the backend is not durable: a restart may lose its state")
            }
            FaultKind::Latency | FaultKind::RegistryCrash => None,
            _ if capabilities.clock != ClockControl::Injected => Some(
                "it needs leases to expire in simulated time, and the backend reads its own clock",
            ),
            _ => None,
        }
    }
}

/// How the workers reach the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topology {
    /// One handle on the store, served to every worker by the registry host.
    #[default]
    Served,
    /// Every worker (and the producer) opens its own handle on one shared
    /// store, as lash deploys workers on one database; a worker that goes
    /// down drops its handle, and its next incarnation opens a new one.
    /// Needs `Capabilities::handles`.
    SharedStore,
}

impl Topology {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Topology::Served => "served",
            Topology::SharedStore => "shared-store",
        }
    }

    /// Why a backend with `capabilities` cannot be simulated this way, if it cannot.
    pub fn unfit_for(self, capabilities: &Capabilities) -> Option<&'static str> {
        match self {
            Topology::SharedStore if !capabilities.handles => Some(
                "the backend cannot open several live handles on one store (no Capabilities::handles)",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Topology {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "served" => Ok(Topology::Served),
            "shared-store" => Ok(Topology::SharedStore),
            other => Err(format!(
                "unknown topology `{other}` (known: served, shared-store)"
            )),
        }
    }
}

/// A set of fault kinds: `all`, `none`, or a comma-separated list of names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FaultSet(pub BTreeSet<FaultKind>);

impl FaultSet {
    /// Every fault kind.
    pub fn all() -> Self {
        Self(FaultKind::ALL.into_iter().collect())
    }

    /// No faults at all: the happy path.
    pub fn none() -> Self {
        Self(BTreeSet::new())
    }

    /// Whether `kind` is in the set.
    pub fn contains(&self, kind: FaultKind) -> bool {
        self.0.contains(&kind)
    }
}

impl fmt::Display for FaultSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<&str> = self.0.iter().map(|kind| kind.name()).collect();
        f.write_str(&names.join(","))
    }
}

impl FromStr for FaultSet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "all" => return Ok(Self::all()),
            "none" | "" => return Ok(Self::none()),
            _ => {}
        }
        let mut set = BTreeSet::new();
        for name in text.split(',').map(str::trim) {
            let kind = FaultKind::ALL
                .into_iter()
                .find(|kind| kind.name() == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = FaultKind::ALL.iter().map(|kind| kind.name()).collect();
                    format!(
                        "unknown fault `{name}` (known: {}, or `all` / `none`)",
                        known.join(", ")
                    )
                })?;
            set.insert(kind);
        }
        Ok(Self(set))
    }
}

/// One simulation run's parameters. `Default` is the benchmark world: 4
/// workers, 32 processes, every fault kind available to the swarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimConfig {
    /// Fixes every random choice of the run: same seed, same trace.
    pub seed: u64,
    /// Worker hosts competing for leases.
    pub workers: usize,
    /// Processes the producer registers.
    pub processes: usize,
    /// Each process's script has 1..=`max_steps` effect steps.
    pub max_steps: u64,
    /// The TTL workers claim and renew with, in simulated ms; short enough
    /// that a partitioned worker's lease expires while it still believes it holds it.
    pub lease_ttl_ms: u64,
    /// The fault kinds available.
    pub faults: FaultSet,
    /// Swarm testing: each seed turns each available kind on or off (at
    /// least one stays on), so rare combinations get runs of their own.
    pub swarm: bool,
    /// Faults strike only during the first `fault_phase_ms` simulated ms;
    /// then every link heals, crashed workers return, and liveness is judged.
    pub fault_phase_ms: u64,
    /// After the quiet phase begins, every process must be terminal (and
    /// awaited) within this many simulated ms.
    pub liveness_bound_ms: u64,
    /// Keep every trace line in the outcome (for `--trace FILE`), not just the hash.
    pub keep_trace: bool,
    /// How the workers reach the store.
    pub topology: Topology,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            workers: 4,
            processes: 32,
            max_steps: 3,
            lease_ttl_ms: 300,
            faults: FaultSet::all(),
            swarm: true,
            fault_phase_ms: 4_000,
            liveness_bound_ms: 20_000,
            keep_trace: false,
            topology: Topology::Served,
        }
    }
}

impl SimConfig {
    /// The same config with another seed.
    pub fn with_seed(&self, seed: u64) -> Self {
        Self {
            seed,
            ..self.clone()
        }
    }

    /// The same config with another topology.
    pub fn with_topology(&self, topology: Topology) -> Self {
        Self {
            topology,
            ..self.clone()
        }
    }

    /// This configuration with the fault kinds a backend with
    /// `capabilities` cannot take left out, and each one left out with why.
    pub fn fit_for(&self, capabilities: &Capabilities) -> (Self, Vec<(FaultKind, &'static str)>) {
        let mut fitted = self.clone();
        let mut left_out = Vec::new();
        for kind in &self.faults.0 {
            if let Some(reason) = kind.unfit_for(capabilities) {
                fitted.faults.0.remove(kind);
                left_out.push((*kind, reason));
            }
        }
        (fitted, left_out)
    }

    /// The fault kinds that strike in this seed's run.
    pub fn active_faults(&self) -> FaultSet {
        if !self.swarm || self.faults.0.len() <= 1 {
            return self.faults.clone();
        }
        let mut rng = SimRng::derive(self.seed, "swarm");
        let chosen: BTreeSet<FaultKind> = self
            .faults
            .0
            .iter()
            .copied()
            .filter(|_| rng.chance(1, 2))
            .collect();
        if chosen.is_empty() {
            let kinds: Vec<FaultKind> = self.faults.0.iter().copied().collect();
            return FaultSet([kinds[rng.index(kinds.len())]].into_iter().collect());
        }
        FaultSet(chosen)
    }

    /// The `procreg sim` command that reruns exactly this run.
    pub fn replay_command(&self) -> String {
        let mut command = format!(
            "procreg replay sim --seed {} --workers {} --processes {} --faults {}",
            self.seed, self.workers, self.processes, self.faults
        );
        if !self.swarm {
            command.push_str(" --no-swarm");
        }
        if self.topology != Topology::Served {
            command.push_str(" --topology ");
            command.push_str(self.topology.name());
        }
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_a_backend_cannot_take_are_left_out_with_a_reason() {
        let config = SimConfig::default();
        let (fitted, left_out) = config.fit_for(&Capabilities::default());
        assert!(!fitted.faults.contains(FaultKind::RegistryCrash));
        assert_eq!(left_out.len(), 1, "{left_out:?}");
        let (fitted, left_out) = config.fit_for(&Capabilities::durable());
        assert_eq!(fitted.faults, FaultSet::all());
        assert!(left_out.is_empty());
        let wall_clock = Capabilities {
            clock: ClockControl::WallOnly,
            ..Capabilities::durable()
        };
        let (fitted, left_out) = config.fit_for(&wall_clock);
        assert_eq!(fitted.faults.to_string(), "latency,registry-crash");
        assert!(
            left_out
                .iter()
                .all(|(_, reason)| reason.contains("leases to expire in simulated time")),
            "{left_out:?}"
        );
    }

    #[test]
    fn fault_lists_parse_and_print_back() {
        let set: FaultSet = "crash,hold".parse().expect("parses");
        assert_eq!(set.to_string(), "crash,hold");
        assert_eq!("all".parse::<FaultSet>().expect("all"), FaultSet::all());
        assert_eq!("none".parse::<FaultSet>().expect("none"), FaultSet::none());
        let error = "crash,meteor".parse::<FaultSet>().expect_err("unknown");
        assert!(error.contains("unknown fault `meteor`"), "{error}");
    }

    #[test]
    fn swarm_picks_a_non_empty_subset_fixed_by_the_seed() {
        let config = SimConfig::default();
        let mut subsets = BTreeSet::new();
        for seed in 0..64 {
            let active = config.with_seed(seed).active_faults();
            assert!(!active.0.is_empty());
            assert!(active.0.is_subset(&config.faults.0));
            assert_eq!(active, config.with_seed(seed).active_faults());
            subsets.insert(active.to_string());
        }
        assert!(subsets.len() > 10, "swarm varies: {subsets:?}");
        let fixed = SimConfig {
            swarm: false,
            ..SimConfig::default()
        };
        assert_eq!(fixed.active_faults(), FaultSet::all());
    }
}
