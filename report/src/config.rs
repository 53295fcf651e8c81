//! What a run was asked to do, as its report records it: enough to rerun
//! it, and to refuse merging reports of different runs.

use procreg::Capabilities;
use procreg_sim::{SimConfig, Topology};
use serde::{Deserialize, Serialize};

/// The flags that shaped a run, whatever phases it selected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The `--backend` flag (`memory`, `sqlite:PATH`, `mutant:NAME`, ...).
    pub backend: String,
    /// Whether SHOULD violations counted as failures.
    pub strict: bool,
    /// The `--only` terms; empty selected everything.
    pub only: Vec<String>,
}

impl RunConfig {
    /// ` --backend FLAG`, or nothing for the default backend (`memory`):
    /// the suffix every printed replay carries.
    pub fn backend_suffix(&self) -> String {
        if self.backend == "memory" {
            String::new()
        } else {
            format!(" --backend {}", self.backend)
        }
    }

    /// ` --strict` when the run was strict, else nothing.
    pub fn strict_suffix(&self) -> &'static str {
        if self.strict {
            " --strict"
        } else {
            ""
        }
    }
}

/// The simulated world: everything of a sweep's configuration but its seeds.
/// Shards of one sweep share it; reports of different worlds never merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct World {
    /// Worker hosts.
    pub workers: usize,
    /// Processes registered.
    pub processes: usize,
    /// The fault kinds available (`crash,partition,...`).
    pub faults: String,
    /// Whether each seed picks its own subset of the kinds.
    pub swarm: bool,
    /// Kinds asked for that the backend cannot take, each with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<String>,
    /// How the workers reached the store: `served` (one handle, served to
    /// all; absent from the JSON) or `shared-store` (a handle each).
    #[serde(default = "served", skip_serializing_if = "is_served")]
    pub topology: String,
}

fn served() -> String {
    Topology::Served.name().to_owned()
}

fn is_served(topology: &str) -> bool {
    topology == Topology::Served.name()
}

impl World {
    /// The world `config` simulates on a backend with `capabilities`: the
    /// fault kinds it cannot take are left out.
    pub fn of(config: &SimConfig, capabilities: &Capabilities) -> Self {
        let (fitted, left_out) = config.fit_for(capabilities);
        Self {
            workers: fitted.workers,
            processes: fitted.processes,
            faults: fitted.faults.to_string(),
            swarm: fitted.swarm,
            topology: fitted.topology.name().to_owned(),
            left_out: left_out
                .into_iter()
                .map(|(kind, reason)| format!("{} ({reason})", kind.name()))
                .collect(),
        }
    }

    /// `crash,hold` or `swarm over crash,hold`, and what was left out.
    pub fn faults_label(&self) -> String {
        let mut label = if self.swarm {
            format!("swarm over {}", self.faults)
        } else {
            self.faults.clone()
        };
        if !self.left_out.is_empty() {
            label.push_str("; left out: ");
            label.push_str(&self.left_out.join("; "));
        }
        label
    }
}
