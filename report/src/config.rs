//! What a run was asked to do, as its report records it: enough to rerun
//! it, and to refuse merging reports of different runs.

use procreg_sim::SimConfig;
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
}

impl World {
    /// The world `config` simulates.
    pub fn of(config: &SimConfig) -> Self {
        Self {
            workers: config.workers,
            processes: config.processes,
            faults: config.faults.to_string(),
            swarm: config.swarm,
        }
    }

    /// `faults crash,hold` or `swarm over crash,hold`.
    pub fn faults_label(&self) -> String {
        if self.swarm {
            format!("swarm over {}", self.faults)
        } else {
            self.faults.clone()
        }
    }
}
