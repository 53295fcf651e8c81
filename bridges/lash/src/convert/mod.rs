//! Conversions between the procreg model types and lash-core's, both ways.
//!
//! Every conversion is total or returns a [`RegistryError`] of kind
//! `Unsupported` naming the value that cannot cross; none panics.
//! `ours -> lash -> ours` is the identity for every procreg value (the
//! round-trip tests in `tests/round_trip.rs` pin it). The other direction
//! drops what the kit does not model (a lash event's invocation beyond its
//! replay key), so `lash -> ours -> lash` needs the owner session back
//! ([`event_to_lash`], [`wake_delivery_to_lash`]).
//!
//! Two kit types are wider than lash's (CONTRACT-NOTES decision 11):
//! - `caused_by` is opaque JSON in procreg and a typed `CausalRef` in lash.
//!   JSON that is exactly a `CausalRef` crosses as one; any other JSON is
//!   carried losslessly inside `CausalRef::HostEvent` with an occurrence id
//!   of [`OPAQUE_CAUSE_PREFIX`] followed by the compact JSON text. Lash only
//!   hashes and copies `caused_by`, so the encoding changes no behaviour.
//! - An await output's `class` is a string and `control` opaque JSON in
//!   procreg; lash has a closed `ToolFailureClass` enum and a typed
//!   `ToolControl`. [`await_output_to_lash`] fails for values outside them;
//!   the registry then hands lash the output as JSON (see
//!   `LashRegistry::complete_process`), exactly as lash stores it.

mod event;
mod grant;
mod lease;
mod record;
mod registration;

pub use event::{
    append_request_from_lash, append_request_to_lash, append_result_from_lash,
    append_result_to_lash, event_from_lash, event_semantics_from_lash, event_semantics_to_lash,
    event_to_lash, wake_delivery_from_lash, wake_delivery_to_lash,
};
pub use grant::{
    delete_report_from_lash, delete_report_to_lash, descriptor_from_lash, descriptor_to_lash,
    grant_entry_from_lash, grant_entry_to_lash, grant_from_lash, grant_to_lash,
};
pub use lease::{
    completion_from_lash, completion_to_lash, durability_from_lash, durability_to_lash,
    lease_from_lash, lease_to_lash,
};
pub use record::{
    await_output_from_lash, await_output_to_lash, external_ref_from_lash, external_ref_to_lash,
    record_from_lash, record_to_lash, status_from_lash, status_to_lash,
};
pub use registration::{
    caused_by_from_lash, caused_by_to_lash, event_type_from_lash, event_type_to_lash,
    input_from_lash, input_to_lash, provenance_from_lash, provenance_to_lash,
    registration_from_lash, registration_to_lash, scope_from_lash, scope_id_from_lash,
    scope_id_to_lash, scope_to_lash, selector_from_lash, selector_to_lash,
    terminal_state_from_lash, terminal_state_to_lash, OPAQUE_CAUSE_PREFIX,
};

use procreg::{RegistryError, RegistryResult};

/// A value that has no counterpart on the other side of the bridge.
pub(crate) fn unconvertible(what: &str, detail: impl std::fmt::Display) -> RegistryError {
    RegistryError::unsupported(format!("the lash bridge cannot convert {what}: {detail}"))
}

/// Serialises `value` for a conversion, naming `what` on failure.
pub(crate) fn to_json<T: serde::Serialize>(
    what: &str,
    value: &T,
) -> RegistryResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|error| unconvertible(what, error))
}
