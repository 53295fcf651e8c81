//! Runs the procreg kit on lash-core's own `ProcessRegistry` implementations.
//!
//! [`LashRegistry`] wraps any `Arc<dyn lash_core::ProcessRegistry>`
//! (lash-core 0.1.0-alpha.38) and implements [`procreg::ProcessRegistry`],
//! converting every argument and result both ways ([`convert`]) and reading
//! lash's untyped errors as typed ones by their upstream wording
//! ([`classify`]). [`LashFactory`] plugs any [`LashBackend`] into the
//! conformance suite; [`TestLocalBackend`] is lash's in-memory registry.
//! [`pinned_model_check`] runs the model check on a wall-clock registry with
//! time held still. The compatibility report for lash's two registries is
//! `docs/lash-compat.md`; the bridge's tests pin its outcome table.

pub mod compat;
pub mod convert;
mod error;
mod factory;
pub mod pinned;
mod registry;

pub use compat::{render_compat_matrix, BackendRun};
pub use error::{classify, error_from_lash, CallContext};
pub use factory::{lash_capabilities, LashBackend, LashFactory, TestLocalBackend};
pub use pinned::{pin_ops, pinned_model_check, PinnedFactory, PinnedRegistry, PINNED_TTL_MS};
pub use registry::{LashProcessRegistry, LashRegistry};
