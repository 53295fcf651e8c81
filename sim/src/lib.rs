//! `procreg-sim`: a deterministic world for the `ProcessRegistry` contract.
//!
//! A registry host serves the registry under test over the framed protocol
//! of `procreg-remote` on a turmoil network. Worker hosts sweep, claim,
//! run scripted effects through a fencing sink, renew, finish and release;
//! a producer registers processes and awaits them. Workers crash, restart,
//! get partitioned from the registry or the sink, and have their messages
//! held, so leases expire under workers that still believe they hold them.
//! Every observable step is folded into a trace hash; the registry's
//! answers are checked as they happen and audited at the end against six
//! invariants (see [`Invariant`] and `docs/sim.md`). Same seed, same trace.
//!
//! ```
//! use procreg_memory::MemoryRegistry;
//! use procreg_sim::{run_seed, SimConfig};
//!
//! let config = SimConfig { seed: 7, processes: 4, ..SimConfig::default() };
//! let outcome = run_seed(&config, &|clock| MemoryRegistry::new(clock)).expect("runs");
//! assert!(outcome.passed(), "{outcome}");
//! ```

mod audit;
pub mod clock;
pub mod config;
pub mod coverage;
mod describe;
mod durability;
mod faults;
pub mod host;
mod journal;
mod macros;
pub mod network;
mod observed;
mod oracle;
pub mod outcome;
mod producer;
pub mod rng;
mod run;
pub mod script;
pub mod sink;
pub mod timeline;
mod worker;

pub use config::{FaultKind, FaultSet, SimConfig, Topology};
pub use coverage::{
    Coverage, Moment, MomentTally, SweepCoverage, COVERAGE_MIN_SEEDS, RARE_MOMENT_MIN_SEEDS,
};
pub use macros::{__run_simulation_test, DEFAULT_TEST_SEEDS};
pub use outcome::{FailureContext, Invariant, SimOutcome, SimStats, Violation};
pub use run::{run_seed, sweep, sweep_on, SimError, SweepReport, TICK_MS};
pub use timeline::{FaultSpan, LeaseChange, LeaseEvent, Timeline, TimelineCall, TimelineNote};
