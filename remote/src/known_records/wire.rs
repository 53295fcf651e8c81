//! A record as a known-records answer carries it: whole (the contract's
//! shape, its event types or provenance possibly named by number), or
//! known (the number of its remembered registration, and what changes).

use procreg::{
    ProcessEventType, ProcessExternalRef, ProcessInput, ProcessProvenance, ProcessStatus,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// A record as the server sends it. Whole: every registration field set
/// and `known` unset; known: only `known` and the fields that change.
#[derive(Serialize)]
pub(super) struct RecordOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) registration_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) input: Option<&'a ProcessInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) event_types: Option<&'a [ProcessEventType]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) event_types_ref: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) provenance: Option<&'a ProcessProvenance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) provenance_ref: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) created_at_ms: Option<u64>,
    pub(super) updated_at_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) external_ref: Option<&'a ProcessExternalRef>,
    pub(super) status: &'a ProcessStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) known: Option<usize>,
}

/// A record as the client reads it (unknown fields are ignored, as
/// [`procreg::ProcessRecord`] ignores them).
#[derive(Deserialize)]
pub(super) struct RecordIn<'a> {
    #[serde(default)]
    pub(super) id: Option<String>,
    #[serde(default, borrow)]
    pub(super) registration_hash: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(super) input: Option<Arc<ProcessInput>>,
    #[serde(default)]
    pub(super) event_types: Option<Arc<[ProcessEventType]>>,
    #[serde(default)]
    pub(super) event_types_ref: Option<usize>,
    #[serde(default)]
    pub(super) provenance: Option<Arc<ProcessProvenance>>,
    #[serde(default)]
    pub(super) provenance_ref: Option<usize>,
    #[serde(default)]
    pub(super) created_at_ms: Option<u64>,
    #[serde(default)]
    pub(super) updated_at_ms: u64,
    #[serde(default)]
    pub(super) external_ref: Option<ProcessExternalRef>,
    #[serde(default)]
    pub(super) status: ProcessStatus,
    #[serde(default)]
    pub(super) known: Option<usize>,
}

impl RecordIn<'_> {
    /// The registration fields this record carries, by name; a known
    /// record must carry none.
    pub(super) fn registration_fields(&self) -> Vec<&'static str> {
        [
            ("id", self.id.is_some()),
            ("registration_hash", self.registration_hash.is_some()),
            ("input", self.input.is_some()),
            ("event_types", self.event_types.is_some()),
            ("event_types_ref", self.event_types_ref.is_some()),
            ("provenance", self.provenance.is_some()),
            ("provenance_ref", self.provenance_ref.is_some()),
            ("created_at_ms", self.created_at_ms.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, carried)| carried.then_some(name))
        .collect()
    }
}
