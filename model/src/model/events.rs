//! The model of the event log: appends, replay, wakes, acks, terminal state and waits.

use super::RegistryModel;
use procreg::hash::payload_hash;
use procreg::materialize::{materialize_semantics, wake_delivery};
use procreg::schema::validate_payload;
use procreg::{
    ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest, ProcessEventAppendResult,
    ProcessRecord, ProcessStatus, RegistryError, RegistryResult, PROCESS_CANCEL_REQUESTED,
};

impl RegistryModel {
    /// The append rules, in upstream order (EVENT, REPLAY, WAKE, TERM).
    pub fn append_event(
        &mut self,
        process_id: &str,
        request: &ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let now_ms = self.now_ms;
        let process = self.process_mut(process_id)?; // EVENT-1
        let record = &process.record;

        // REPLAY-1..REPLAY-4, REPLAY-8, REPLAY-9: a held key decides first.
        if let Some(key) = &request.replay_key {
            if let Some(stored) = process
                .log
                .iter()
                .find(|event| event.replay_key.as_ref() == Some(key))
            {
                if payload_hash(&stored.event_type, &stored.payload)
                    != payload_hash(&request.event_type, &request.payload)
                {
                    return Err(RegistryError::replay_conflict(process_id, key));
                }
                let wake_delivery = match (&stored.semantics.wake, &request.wake_target_scope) {
                    (None, _) => None,
                    (Some(wake), Some(target)) => Some(wake_delivery(record, stored, wake, target)),
                    (Some(_), None) => {
                        return Err(RegistryError::missing_wake_target(
                            process_id,
                            &stored.event_type,
                        ))
                    }
                };
                return Ok(ProcessEventAppendResult {
                    event: stored.clone(),
                    wake_delivery,
                });
            }
        }
        // EVENT-3: declared types only.
        let declared = record
            .event_type(&request.event_type)
            .ok_or_else(|| RegistryError::undeclared_event(process_id, &request.event_type))?;
        // REPLAY-6: terminal types and cancel requests need a non-empty key.
        let keyed =
            declared.semantics.terminal.is_some() || declared.name == PROCESS_CANCEL_REQUESTED;
        if keyed && request.replay_key.as_deref().unwrap_or("").is_empty() {
            return Err(RegistryError::replay_key_required(
                process_id,
                &request.event_type,
            ));
        }
        // EVENT-4: the schema.
        validate_payload(&declared.payload_schema.schema, &request.payload).map_err(|detail| {
            RegistryError::invalid_payload(process_id, &request.event_type, &detail)
        })?;
        // EVENT-2: the next sequence; EVENT-13: a selector miss rejects.
        let sequence = process.log.len() as u64 + 1;
        let semantics = materialize_semantics(process_id, declared, &request.payload, sequence)
            .map_err(|error| error.in_process(process_id))?;
        // TERM-3: one terminal event only; EVENT-12: others still append.
        if semantics.terminal.is_some() && record.is_terminal() {
            return Err(RegistryError::already_terminal(process_id));
        }
        let event = ProcessEvent {
            process_id: process_id.to_owned(),
            sequence,
            event_type: request.event_type.clone(),
            payload: request.payload.clone(),
            replay_key: request.replay_key.clone(),
            semantics,
            occurred_at_ms: now_ms,
        };
        // WAKE-7: a wake needs a target, else nothing is written.
        let wake_delivery = match (&event.semantics.wake, &request.wake_target_scope) {
            (None, _) => None,
            (Some(wake), Some(target)) => Some(wake_delivery(record, &event, wake, target)),
            (Some(_), None) => {
                return Err(RegistryError::missing_wake_target(
                    process_id,
                    &event.event_type,
                ))
            }
        };
        // EVENT-6 and TERM-1: the record follows the event.
        process.record.updated_at_ms = now_ms;
        if let Some(terminal) = &event.semantics.terminal {
            process.record.status =
                ProcessStatus::from_terminal(terminal.state, terminal.await_output.clone());
        }
        process.log.push(event.clone());
        Ok(ProcessEventAppendResult {
            event,
            wake_delivery,
        })
    }

    /// TERM-4..TERM-8: the keyed core terminal event, then the record.
    pub fn complete_process(
        &mut self,
        process_id: &str,
        await_output: &ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        self.append_event(
            process_id,
            &ProcessEventAppendRequest::terminal(process_id, await_output),
        )?;
        Ok(self.process(process_id)?.record.clone())
    }

    /// EVENT-7, EVENT-10: strictly after the cursor, ascending.
    pub fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        Ok(self
            .process(process_id)?
            .log
            .iter()
            .filter(|event| event.sequence > after_sequence)
            .cloned()
            .collect())
    }

    /// WAKE-9, WAKE-11: unacknowledged wakes strictly after the cursor.
    pub fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let process = self.process(process_id)?;
        Ok(process
            .log
            .iter()
            .filter(|event| {
                event.sequence > after_sequence
                    && event.semantics.wake.is_some()
                    && !process.acks.contains(&event.sequence)
            })
            .cloned()
            .collect())
    }

    /// WAKE-10: any sequence, idempotent.
    pub fn ack_wake(&mut self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        self.process_mut(process_id)?.acks.insert(sequence);
        Ok(())
    }

    /// WAIT-1, WAIT-4, WAIT-6: the answer if one exists now, `Ok(None)` if the call would block.
    pub fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<Option<ProcessEvent>> {
        Ok(self
            .process(process_id)?
            .log
            .iter()
            .find(|event| event.sequence > after_sequence && event.event_type == event_type)
            .cloned())
    }

    /// WAIT-5: the terminal output if terminal now, `Ok(None)` if the call would block.
    pub fn await_process(&self, process_id: &str) -> RegistryResult<Option<ProcessAwaitOutput>> {
        Ok(self
            .process(process_id)?
            .record
            .status
            .await_output()
            .cloned())
    }
}
