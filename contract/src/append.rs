//! The append decision every backend shares: replay, validation, materialisation (EVENT, REPLAY, WAKE, TERM).

use crate::error::{RegistryError, RegistryResult};
use crate::event::{
    ProcessEvent, ProcessEventAppendRequest, ProcessEventAppendResult, ProcessWakeDelivery,
};
use crate::event_type::PROCESS_CANCEL_REQUESTED;
use crate::hash::payload_hash;
use crate::materialize::{materialize_semantics, wake_delivery};
use crate::record::{ProcessRecord, ProcessStatus};
use crate::schema::validate_payload;
use crate::scope::ProcessScope;

/// What a backend must do with an append request.
#[derive(Debug, Clone, PartialEq)]
pub enum AppendDecision {
    /// The request replays a stored event: write nothing, return this (REPLAY-1).
    Replay(ProcessEventAppendResult),
    /// Write this event and update the record (EVENT-2, EVENT-6, TERM-1).
    Persist(PersistAppend),
}

/// An append to persist, atomically with its record update.
#[derive(Debug, Clone, PartialEq)]
pub struct PersistAppend {
    /// The event to store at `event.sequence`.
    pub event: ProcessEvent,
    /// The delivery to return with it, if the event woke.
    pub wake_delivery: Option<ProcessWakeDelivery>,
    /// The status to store when the event is terminal.
    pub new_status: Option<ProcessStatus>,
}

impl PersistAppend {
    /// Applies the record side of this append: `updated_at_ms` and, for a
    /// terminal event, the status (EVENT-6, TERM-1).
    pub fn apply_to(&self, record: &mut ProcessRecord) {
        record.updated_at_ms = self.event.occurred_at_ms;
        if let Some(status) = &self.new_status {
            record.status = status.clone();
        }
    }

    /// The result the append returns.
    pub fn result(&self) -> ProcessEventAppendResult {
        ProcessEventAppendResult {
            event: self.event.clone(),
            wake_delivery: self.wake_delivery.clone(),
        }
    }
}

/// Decides an append on `record` (EVENT-1 is the backend's: it must find the record first).
///
/// `replay_match` is the stored event of this process whose replay key
/// equals `request.replay_key` (the backend looks it up; `None` when the
/// request has no key or no event holds it). `next_sequence` is the last
/// stored sequence plus one. Checks run in the upstream order, so the first
/// failure wins and nothing is written:
/// replay lookup (REPLAY-1, REPLAY-3, REPLAY-8), declared type (EVENT-3),
/// replay-key requirement (REPLAY-6), schema (EVENT-4), materialisation
/// (EVENT-13), already terminal (TERM-3), missing wake target (WAKE-7).
pub fn prepare_event_append(
    record: &ProcessRecord,
    request: &ProcessEventAppendRequest,
    replay_match: Option<&ProcessEvent>,
    next_sequence: u64,
    now_ms: u64,
) -> RegistryResult<AppendDecision> {
    prepare_owned_event_append(record, request.clone(), replay_match, next_sequence, now_ms)
}

/// [`prepare_event_append`] for a caller that owns the request: the event
/// to persist takes its payload and replay key without copying them.
pub fn prepare_owned_event_append(
    record: &ProcessRecord,
    request: ProcessEventAppendRequest,
    replay_match: Option<&ProcessEvent>,
    next_sequence: u64,
    now_ms: u64,
) -> RegistryResult<AppendDecision> {
    let process_id = record.id.as_str();
    let event_type = request.event_type.as_str();
    if let Some(stored) = replay_match {
        let key = request.replay_key.as_deref().unwrap_or_default();
        if payload_hash(&stored.event_type, &stored.payload)
            != payload_hash(event_type, &request.payload)
        {
            return Err(RegistryError::replay_conflict(process_id, key));
        }
        let wake_delivery = delivery_for(record, stored, request.wake_target_scope.as_ref())?;
        return Ok(AppendDecision::Replay(ProcessEventAppendResult {
            event: stored.clone(),
            wake_delivery,
        }));
    }
    let declared = record
        .event_type(event_type)
        .ok_or_else(|| RegistryError::undeclared_event(process_id, event_type))?;
    let needs_key = declared.semantics.terminal.is_some() || event_type == PROCESS_CANCEL_REQUESTED;
    if needs_key && request.replay_key.as_deref().is_none_or(str::is_empty) {
        return Err(RegistryError::replay_key_required(process_id, event_type));
    }
    validate_payload(&declared.payload_schema.schema, &request.payload)
        .map_err(|detail| RegistryError::invalid_payload(process_id, event_type, &detail))?;
    let semantics = materialize_semantics(process_id, declared, &request.payload, next_sequence)
        .map_err(|error| error.in_process(process_id))?;
    if semantics.terminal.is_some() && record.is_terminal() {
        return Err(RegistryError::already_terminal(process_id));
    }
    let new_status = semantics.terminal.as_ref().map(|terminal| {
        ProcessStatus::from_terminal(terminal.state, terminal.await_output.clone())
    });
    let wake_target_scope = request.wake_target_scope;
    let event = ProcessEvent {
        process_id: process_id.to_owned(),
        sequence: next_sequence,
        event_type: request.event_type,
        payload: request.payload,
        replay_key: request.replay_key,
        semantics,
        occurred_at_ms: now_ms,
    };
    let wake_delivery = delivery_for(record, &event, wake_target_scope.as_ref())?;
    Ok(AppendDecision::Persist(PersistAppend {
        event,
        wake_delivery,
        new_status,
    }))
}

fn delivery_for(
    record: &ProcessRecord,
    event: &ProcessEvent,
    target: Option<&ProcessScope>,
) -> RegistryResult<Option<ProcessWakeDelivery>> {
    let Some(wake) = &event.semantics.wake else {
        return Ok(None);
    };
    let target =
        target.ok_or_else(|| RegistryError::missing_wake_target(&record.id, &event.event_type))?;
    Ok(Some(wake_delivery(record, event, wake, target)))
}
