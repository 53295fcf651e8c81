//! One linearization step: replaying a recorded call on the model and
//! comparing the model's answer with what the backend returned.

use super::history::{await_output, HistoryOp, OpValue, Operation, Outcome};
use crate::model::RegistryModel;
use procreg::{
    ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest, ProcessLease,
    ProcessLeaseCompletion, ProcessRecord, ProcessRegistration, RegistryError, RegistryResult,
    LEASE_SCHEMA_VERSION,
};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

/// The state of a search: the model, and which model token each backend
/// `<token-N>` name stands for (set when the claim that returned it linearizes).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SearchState {
    pub(crate) model: RegistryModel,
    pub(crate) tokens: Rc<BTreeMap<String, String>>,
}

impl SearchState {
    pub(crate) fn new(model: RegistryModel) -> Self {
        Self {
            model,
            tokens: Rc::new(BTreeMap::new()),
        }
    }
}

/// What the search learns as it goes, shared by all its steps.
#[derive(Debug, Default)]
pub(crate) struct StepContext {
    /// Compare error kinds (false: any error matches any error).
    pub(crate) typed: bool,
    /// Registrations built once per variant.
    registrations: BTreeMap<u8, Rc<ProcessRegistration>>,
    /// The model's answer to registering variant `.0` over a stored record
    /// of hash `.1`: `Ok` returns the stored record, `Err` changes nothing
    /// (REG-9, REG-10). Learned from the model once, then reused, since
    /// preparing a registration (hashing it) dominates replaying one.
    register_answers: BTreeMap<(u8, Arc<str>), Result<(), ErrorKind>>,
}

impl StepContext {
    pub(crate) fn new(typed: bool) -> Self {
        Self {
            typed,
            ..Self::default()
        }
    }

    fn registration(&mut self, process: &str, variant: u8) -> Rc<ProcessRegistration> {
        Rc::clone(
            self.registrations
                .entry(variant)
                .or_insert_with(|| Rc::new(HistoryOp::registration(process, variant))),
        )
    }
}

/// A recorded call with its arguments built once.
#[derive(Debug, Clone)]
enum Call {
    Register(u8, Rc<ProcessRegistration>),
    Append(Box<ProcessEventAppendRequest>),
    Complete(Box<ProcessAwaitOutput>),
    EventsAfter(u64),
    WakeEventsAfter(u64),
    AckWake(u64),
    Get,
    Wait(String, u64),
    Await,
    Claim(String, u64),
    Renew(String, u64),
    Release(String),
}

/// A call ready to be replayed: what to do, what came back, and when.
#[derive(Debug, Clone)]
pub(crate) struct PreparedOp {
    /// The id of the recorded operation.
    pub(crate) id: usize,
    pub(crate) invoke: u64,
    /// `u64::MAX` for pending calls.
    pub(crate) response: u64,
    /// True when the result is unknown: any answer matches.
    pub(crate) pending: bool,
    process: String,
    call: Call,
    outcome: Outcome,
}

impl PreparedOp {
    pub(crate) fn new(operation: &Operation, context: &mut StepContext) -> Self {
        let process = operation.process.as_str();
        let call = match &operation.op {
            HistoryOp::Register { variant } => {
                Call::Register(*variant, context.registration(process, *variant))
            }
            HistoryOp::AppendEvent {
                event,
                value,
                key,
                target,
            } => Call::Append(Box::new(HistoryOp::append_request(
                process,
                *event,
                *value,
                key.as_deref(),
                *target,
            ))),
            HistoryOp::CompleteProcess { output } => {
                Call::Complete(Box::new(await_output(*output)))
            }
            HistoryOp::EventsAfter { after } => Call::EventsAfter(*after),
            HistoryOp::WakeEventsAfter { after } => Call::WakeEventsAfter(*after),
            HistoryOp::AckWake { sequence } => Call::AckWake(*sequence),
            HistoryOp::GetProcess => Call::Get,
            HistoryOp::WaitEventAfter { event_type, after } => {
                Call::Wait(event_type.clone(), *after)
            }
            HistoryOp::AwaitProcess => Call::Await,
            HistoryOp::ClaimLease { owner, ttl_ms } => Call::Claim(owner.clone(), *ttl_ms),
            HistoryOp::RenewLease { lease, ttl_ms } => Call::Renew(lease.clone(), *ttl_ms),
            HistoryOp::ReleaseLease { lease } => Call::Release(lease.clone()),
        };
        let pending = operation.is_pending();
        let response = match operation.response {
            Some(response) if !pending => response.max(operation.invoke),
            _ => u64::MAX,
        };
        Self {
            id: operation.id,
            invoke: operation.invoke,
            response,
            pending,
            process: operation.process.clone(),
            call,
            outcome: if pending {
                Outcome::Timeout
            } else {
                operation.outcome.clone()
            },
        }
    }

    /// The model lease standing for the backend lease named `name`.
    fn model_lease(&self, tokens: &BTreeMap<String, String>, name: &str) -> ProcessLease {
        ProcessLease {
            schema_version: LEASE_SCHEMA_VERSION,
            process_id: self.process.clone(),
            owner_id: String::new(),
            // An unknown name stays itself: it never equals a model token.
            lease_token: tokens.get(name).cloned().unwrap_or_else(|| name.to_owned()),
            fencing_token: 0,
            claimed_at_epoch_ms: 0,
            expires_at_epoch_ms: 0,
        }
    }

    /// Applies the call to `state`; the next state when the model's answer
    /// matches the recorded one, `None` when it does not. `state` itself is
    /// never modified: a write works on a copy.
    pub(crate) fn step(
        &self,
        state: &Rc<SearchState>,
        context: &mut StepContext,
    ) -> Option<Rc<SearchState>> {
        match self.read(state, context) {
            Some(true) => Some(Rc::clone(state)),
            Some(false) => None,
            None => {
                let mut next = (**state).clone();
                match self.write(&mut next, context)? {
                    // ERR-3: an error leaves no trace, so the state is shared, not copied.
                    Change::Unchanged => Some(Rc::clone(state)),
                    Change::Changed => Some(Rc::new(next)),
                }
            }
        }
    }

    /// Applies the call to `state` in place (copying it first only if it is
    /// shared); true when the answers match. On `false` the state is
    /// garbage: the caller must restore an earlier one.
    pub(crate) fn step_in_place(
        &self,
        state: &mut Rc<SearchState>,
        context: &mut StepContext,
    ) -> bool {
        match self.read(state, context) {
            Some(matched) => matched,
            None => self.write(Rc::make_mut(state), context).is_some(),
        }
    }

    /// The verdict of a call that cannot change `state` (reads, and
    /// registrations of a stored process once the model's answer is known);
    /// `None` when the call may write.
    fn read(&self, state: &SearchState, context: &mut StepContext) -> Option<bool> {
        let typed = context.typed;
        let model = &state.model;
        let process = self.process.as_str();
        let events = |events: &Vec<ProcessEvent>, value: &OpValue| matches!(value, OpValue::Events(seen) if seen == events);
        Some(match &self.call {
            Call::Register(variant, registration) => {
                let stored = model.get_process(process)?;
                let key = (*variant, stored.registration_hash.clone());
                let answer = match context.register_answers.get(&key) {
                    Some(answer) => *answer,
                    None => {
                        let mut scratch = model.clone();
                        let answer = match scratch.register_process((**registration).clone()) {
                            Ok(record) if record == stored && scratch == *model => Ok(()),
                            Err(error) if scratch == *model => Err(error.kind),
                            // Not the expected shape: let the model write every time.
                            _ => return None,
                        };
                        context.register_answers.insert(key, answer);
                        answer
                    }
                };
                let result = answer
                    .map(|()| stored)
                    .map_err(|kind| RegistryError::new(kind, "registration refused"));
                self.explains(&result, typed, same_record)
            }
            Call::EventsAfter(after) => {
                self.explains(&model.events_after(process, *after), typed, events)
            }
            Call::WakeEventsAfter(after) => {
                self.explains(&model.wake_events_after(process, *after), typed, events)
            }
            Call::Get => {
                self.explains(&Ok(model.get_process(process)), typed, |record, value| {
                    matches!(value, OpValue::MaybeRecord(seen) if seen.as_deref() == record.as_ref())
                })
            }
            // A returned wait linearizes where its answer exists: `None` (the
            // call would still block) cannot explain a returned value.
            Call::Wait(event_type, after) => self.explains(
                &model.wait_event_after(process, event_type, *after),
                typed,
                |event, value| {
                    matches!((event, value), (Some(event), OpValue::Event(seen)) if **seen == *event)
                },
            ),
            Call::Await => self.explains(&model.await_process(process), typed, |output, value| {
                matches!((output, value), (Some(output), OpValue::AwaitOutput(seen)) if **seen == *output)
            }),
            _ => return None,
        })
    }

    /// Applies a call that may write to `state`; `None` when the answers
    /// differ (and `state` may then be anything).
    fn write(&self, state: &mut SearchState, context: &mut StepContext) -> Option<Change> {
        let typed = context.typed;
        let process = self.process.as_str();
        let model = &mut state.model;
        let result = match &self.call {
            Call::Register(_, registration) => {
                let result = model.register_process((**registration).clone());
                self.explains(&result, typed, same_record)
                    .then_some(result.is_ok())
            }
            Call::Append(request) => {
                let result = model.append_event(process, request);
                self.explains(
                    &result,
                    typed,
                    |result, value| matches!(value, OpValue::Append(seen) if **seen == *result),
                )
                .then_some(result.is_ok())
            }
            Call::Complete(output) => {
                let result = model.complete_process(process, output);
                self.explains(&result, typed, same_record)
                    .then_some(result.is_ok())
            }
            Call::AckWake(sequence) => {
                let result = model.ack_wake(process, *sequence);
                self.explains(&result, typed, |(), value| matches!(value, OpValue::Unit))
                    .then_some(result.is_ok())
            }
            Call::Claim(owner, ttl_ms) => {
                let result = model.claim_process_lease(process, owner, *ttl_ms);
                match (&result, &self.outcome) {
                    (_, Outcome::Timeout) => Some(result.is_ok()),
                    (
                        Ok(lease),
                        Outcome::Ok {
                            value: OpValue::Lease(seen),
                        },
                    ) => {
                        // A name already bound is a token handed out twice (LEASE-8).
                        if !same_lease(lease, seen) || state.tokens.contains_key(&seen.lease_token)
                        {
                            return None;
                        }
                        Rc::make_mut(&mut state.tokens)
                            .insert(seen.lease_token.clone(), lease.lease_token.clone());
                        Some(true)
                    }
                    (Err(error), Outcome::Err { kind }) if !typed || error.kind == *kind => {
                        Some(false)
                    }
                    _ => None,
                }
            }
            Call::Renew(name, ttl_ms) => {
                let presented = self.model_lease(&state.tokens, name);
                let result = model.renew_process_lease(&presented, *ttl_ms);
                let tokens = &state.tokens;
                self.explains(&result, typed, |lease, value| match value {
                    OpValue::Lease(seen) => {
                        same_lease(lease, seen)
                            && tokens.get(&seen.lease_token) == Some(&lease.lease_token)
                    }
                    _ => false,
                })
                .then_some(result.is_ok())
            }
            Call::Release(name) => {
                let presented = self.model_lease(&state.tokens, name);
                model.complete_process_lease(&ProcessLeaseCompletion::from_lease(&presented));
                self.explains(&Ok(()), typed, |(), value| matches!(value, OpValue::Unit))
                    .then_some(true)
            }
            // Reads never get here; answering them through the read path keeps them cheap.
            _ => self.read(state, context)?.then_some(false),
        };
        result.map(|changed| {
            if changed {
                Change::Changed
            } else {
                Change::Unchanged
            }
        })
    }

    /// Whether the model's `result` explains the recorded outcome.
    fn explains<T>(
        &self,
        result: &RegistryResult<T>,
        typed: bool,
        same: impl FnOnce(&T, &OpValue) -> bool,
    ) -> bool {
        match (result, &self.outcome) {
            (_, Outcome::Timeout) => true,
            (Ok(answer), Outcome::Ok { value }) => same(answer, value),
            (Err(error), Outcome::Err { kind }) => !typed || error.kind == *kind,
            _ => false,
        }
    }
}

/// Whether a matching write changed the state.
enum Change {
    /// It failed (so, by ERR-3, changed nothing).
    Unchanged,
    /// It succeeded.
    Changed,
}

fn same_record(record: &ProcessRecord, value: &OpValue) -> bool {
    matches!(value, OpValue::Record(seen) if **seen == *record)
}

/// Two leases agree on everything but their (differently minted) tokens.
fn same_lease(model: &ProcessLease, seen: &ProcessLease) -> bool {
    model.schema_version == seen.schema_version
        && model.process_id == seen.process_id
        && model.owner_id == seen.owner_id
        && model.fencing_token == seen.fencing_token
        && model.claimed_at_epoch_ms == seen.claimed_at_epoch_ms
        && model.expires_at_epoch_ms == seen.expires_at_epoch_ms
}
