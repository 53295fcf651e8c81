//! The executable model of the `ProcessRegistry` contract and the two
//! instruments built on it: the sequential model check ([`machine`]) and
//! the linearizability check of concurrent histories ([`linearizability`]).
//!
//! The model ([`model`]) is written from `docs/spec.md`, independently of
//! `MemoryRegistry` and of the contract's shared decisions
//! (`prepare_event_append`, `LeaseSlot`), so that it can disagree with them.

pub mod adversarial;
pub mod linearizability;
pub mod machine;
pub mod model;

/// The clock reading every check, model case and history starts at under an injected clock.
pub const CHECK_START_MS: u64 = 1_700_000_000_000;

/// The seeded random source of the kit's instruments (SplitMix64).
pub use linearizability::rng::Rng as SeededRng;
