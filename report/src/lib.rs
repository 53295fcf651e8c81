//! The five-phase procreg run and its typed report.
//!
//! [`run_kit`] runs the scenario suite, the model check, seeded
//! concurrent histories, the simulation and, for a backend whose store
//! outlives its process, kill -9 runs on one backend, telling a
//! [`KitObserver`] as it goes, and returns a [`KitReport`]: every phase,
//! the flags that shaped the run, every failure's replay command, and the
//! exit code. Serde writes the report and reads it back; text, JSON, JUnit
//! and Markdown all render from it ([`render`]), and [`merge_reports`]
//! folds the reports of shards or jobs into one. The `procreg` command only
//! parses flags and renders.

mod collect;
mod config;
mod history_file;
mod kill9;
mod merge;
mod observer;
mod phase;
pub mod render;
mod report;
mod run;
mod seeds;

pub use collect::{check_replay, model_replay, sim_replay, simulation_section};
pub use config::{RunConfig, World};
pub use history_file::{load_history, save_history};
pub use kill9::{kill9_replay, Kill9Section};
pub use merge::{merge_reports, NamedReport};
pub use observer::KitObserver;
pub use phase::{KitPhase, Phase};
pub use report::{
    HistoriesSection, HistoryCase, HistoryVerdict, KitReport, ModelCounterexample, ModelSection,
    SeedHash, SimFailure, SimulationSection, SuiteSection, EXIT_FAILED, EXIT_PASSED,
    SCHEMA_VERSION,
};
pub use run::{kill9_phase, run_kit, simulation_phase, Kill9Plan, KitPlan, RunError, SimPlan};
pub use seeds::{parse_shard, union, SeedRange};
