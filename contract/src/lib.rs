//! The `ProcessRegistry` contract of the lash agent runtime (alpha.38 surface).
//!
//! This crate does no I/O. It holds the trait, the model types, the stable
//! error kinds, the injected clock, and the pure decisions every backend
//! shares so that a storage backend only stores what it is told:
//! [`prepare_registration`], [`prepare_event_append`], [`LeaseSlot`] and
//! [`session_delete_report`]. Rule ids (`LEASE-3`) refer to `docs/spec.md`.
//!
//! It also holds the one table of the trait's methods that wrappers build
//! on: [`ForwardRegistry`] (override only what you change) and
//! [`RegistryCall`] with its dispatch and [`CallHandler`] (every call
//! alike), and the plug-in point every instrument takes a backend
//! through: [`RegistryFactory`] with its [`Capabilities`].

pub mod append;
pub mod await_output;
pub mod call;
pub mod clock;
pub mod durability;
pub mod durable;
pub mod error;
pub mod event;
pub mod event_type;
pub mod factory;
pub mod forward;
pub mod grant;
pub mod handler;
pub mod hash;
pub mod lease;
pub mod materialize;
pub mod prepare;
pub mod record;
pub mod registration;
pub mod registry;
pub mod schema;
pub mod scope;
pub mod selector;

pub use append::{prepare_event_append, prepare_owned_event_append, AppendDecision, PersistAppend};
pub use await_output::ProcessAwaitOutput;
pub use call::{expect_answer, CallAnswer, CallResult, FromAnswer, RegistryCall};
pub use clock::{Clock, ManualClock, SystemClock};
pub use durability::DurabilityTier;
pub use durable::{DurableFactory, StoreOpener};
pub use error::{ErrorKind, RegistryError, RegistryResult};
pub use event::{
    ProcessEvent, ProcessEventAppendRequest, ProcessEventAppendResult, ProcessEventSemantics,
    ProcessTerminalSemantics, ProcessWake, ProcessWakeDelivery,
};
pub use event_type::{
    core_event_types, PayloadSchema, ProcessEventSemanticsSpec, ProcessEventType,
    ProcessTemplateSelector, ProcessTerminalSpec, ProcessValueSelector, ProcessWakeDedupeKey,
    ProcessWakeSpec, PROCESS_CANCELLED, PROCESS_CANCEL_REQUESTED, PROCESS_COMPLETED,
    PROCESS_FAILED,
};
pub use factory::{Capabilities, ClockControl, ErrorTyping, RegistryFactory, StoreMap};
pub use forward::{Forward, ForwardRegistry};
pub use grant::{
    session_delete_report, ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry,
    ProcessSessionDeleteReport, RevokedProcess,
};
pub use handler::CallHandler;
pub use lease::{
    check_claimable, lease_token_for, LeaseHolder, LeaseSlot, ProcessLease, ProcessLeaseCompletion,
    LEASE_SCHEMA_VERSION,
};
pub use prepare::{prepare_registration, PreparedRegistration, RegistrationPreparer};
pub use record::{ProcessExternalRef, ProcessRecord, ProcessStatus, ProcessTerminalState};
pub use registration::{ProcessInput, ProcessProvenance, ProcessRegistration};
pub use registry::ProcessRegistry;
pub use scope::{ProcessScope, ProcessScopeId};
