//! Running one op against the backend and the model, and comparing what each observed.

use super::observation::{blocking_observation, observe, to_value, Observation, TokenNames};
use super::ops::{
    append_request, await_output, descriptor, event_type, external_ref, owner, process,
    registration, replayed_index, scope, session, Op,
};
use crate::model::RegistryModel;
use procreg::{
    ManualClock, ProcessEventAppendRequest, ProcessLease, ProcessLeaseCompletion, ProcessRegistry,
    RegistryResult,
};
use serde_json::Value;
use std::time::Duration;

/// One run of a sequence on both sides.
pub(crate) struct Execution<'a> {
    pub(super) sut: &'a dyn ProcessRegistry,
    clock: &'a ManualClock,
    pub(super) model: RegistryModel,
    pub(super) typed_errors: bool,
    sut_tokens: TokenNames,
    model_tokens: TokenNames,
    sut_leases: Vec<ProcessLease>,
    model_leases: Vec<ProcessLease>,
    /// Every `AppendEvent` request sent so far, for `ReplayAppend`.
    appends: Vec<(&'static str, ProcessEventAppendRequest)>,
}
const ANSWER_BOUND: Duration = Duration::from_secs(2);

impl<'a> Execution<'a> {
    pub(crate) fn new(
        sut: &'a dyn ProcessRegistry,
        clock: &'a ManualClock,
        typed_errors: bool,
    ) -> Self {
        Self {
            model: RegistryModel::new(procreg::Clock::now_ms(clock), sut.durability_tier()),
            sut,
            clock,
            typed_errors,
            sut_tokens: TokenNames::default(),
            model_tokens: TokenNames::default(),
            sut_leases: Vec::new(),
            model_leases: Vec::new(),
            appends: Vec::new(),
        }
    }

    fn lease_observation(
        names: &mut TokenNames,
        result: RegistryResult<ProcessLease>,
        issued: &mut Vec<ProcessLease>,
        record: bool,
    ) -> Observation {
        match result {
            Ok(lease) => {
                let mut value = to_value(&lease);
                value["lease_token"] = Value::String(names.name(&lease.lease_token));
                if record {
                    issued.push(lease);
                }
                Observation::Ok { value }
            }
            Err(error) => Observation::Err { kind: error.kind },
        }
    }

    /// Applies `op` to both sides and returns (model, backend) observations.
    pub(crate) async fn apply(&mut self, op: &Op) -> (Observation, Observation) {
        match op {
            Op::AdvanceClock { .. } | Op::RewindClock { .. } => self.apply_clock(op),
            Op::Register { .. }
            | Op::SetExternalRef { .. }
            | Op::CompleteProcess { .. }
            | Op::GetProcess { .. }
            | Op::ListNonTerminal => self.apply_record_op(op).await,
            Op::GrantHandle { .. }
            | Op::RevokeHandle { .. }
            | Op::TransferHandleGrants { .. }
            | Op::DeleteSession { .. } => self.apply_grant_change(op).await,
            Op::ListHandleGrants { .. }
            | Op::ListLiveHandleGrants { .. }
            | Op::HasHandleGrant { .. }
            | Op::HandleGrantsForProcess { .. } => self.apply_grant_read(op).await,
            Op::AppendEvent { .. }
            | Op::ReplayAppend { .. }
            | Op::EventsAfter { .. }
            | Op::WakeEventsAfter { .. }
            | Op::AckWake { .. } => self.apply_event_op(op).await,
            Op::WaitEventAfter { .. } | Op::AwaitProcess { .. } => self.apply_wait(op).await,
            Op::ClaimLease { .. } | Op::RenewLease { .. } | Op::ReleaseLease { .. } => {
                self.apply_lease_op(op).await
            }
        }
    }

    /// Moves both clocks: `AdvanceClock` and `RewindClock`.
    fn apply_clock(&mut self, op: &Op) -> (Observation, Observation) {
        let model = &mut self.model;
        match op {
            Op::AdvanceClock { ms } => {
                self.clock.advance(*ms);
                model.advance_clock(*ms);
                (Observation::Skipped, Observation::Skipped)
            }
            Op::RewindClock { ms } => {
                let now_ms = procreg::Clock::now_ms(self.clock);
                self.clock.set(now_ms.saturating_sub(*ms));
                model.rewind_clock(*ms);
                (Observation::Skipped, Observation::Skipped)
            }
            _ => unreachable!("apply routes only clock ops to apply_clock"),
        }
    }

    /// Registers, sets refs, completes and reads records.
    async fn apply_record_op(&mut self, op: &Op) -> (Observation, Observation) {
        let sut = self.sut;
        let model = &mut self.model;
        match op {
            Op::Register {
                process: index,
                variant,
            } => {
                let registration = registration(process(*index), *variant);
                (
                    observe(model.register_process(registration.clone())),
                    observe(sut.register_process(registration).await),
                )
            }
            Op::SetExternalRef {
                process: index,
                variant,
            } => (
                observe(model.set_external_ref(process(*index), external_ref(*variant))),
                observe(
                    sut.set_external_ref(process(*index), external_ref(*variant))
                        .await,
                ),
            ),
            Op::CompleteProcess {
                process: index,
                output,
            } => (
                observe(model.complete_process(process(*index), &await_output(*output))),
                observe(
                    sut.complete_process(process(*index), await_output(*output))
                        .await,
                ),
            ),
            Op::GetProcess { process: index } => (
                observe(Ok(model.get_process(process(*index)))),
                observe(Ok(sut.get_process(process(*index)).await)),
            ),
            Op::ListNonTerminal => (
                observe(Ok(model.list_non_terminal())),
                observe(sut.list_non_terminal().await),
            ),
            _ => unreachable!("apply routes only record ops to apply_record_op"),
        }
    }

    /// Grants, revokes and transfers handles, and deletes sessions.
    async fn apply_grant_change(&mut self, op: &Op) -> (Observation, Observation) {
        let sut = self.sut;
        let model = &mut self.model;
        match op {
            Op::GrantHandle {
                scope: holder,
                process: index,
                label,
            } => (
                observe(model.grant_handle(&scope(*holder), process(*index), descriptor(*label))),
                observe(
                    sut.grant_handle(&scope(*holder), process(*index), descriptor(*label))
                        .await,
                ),
            ),
            Op::RevokeHandle {
                scope: holder,
                process: index,
            } => {
                model.revoke_handle(&scope(*holder), process(*index));
                (
                    Observation::Ok { value: Value::Null },
                    observe(sut.revoke_handle(&scope(*holder), process(*index)).await),
                )
            }
            Op::TransferHandleGrants {
                from,
                to,
                processes,
            } => {
                let ids: Vec<String> = processes
                    .iter()
                    .map(|index| process(*index).to_owned())
                    .collect();
                (
                    observe(model.transfer_handle_grants(&scope(*from), &scope(*to), &ids)),
                    observe(
                        sut.transfer_handle_grants(&scope(*from), &scope(*to), &ids)
                            .await,
                    ),
                )
            }
            Op::DeleteSession { session } => {
                let session_id = self::session(*session);
                (
                    observe(Ok(model.delete_session_process_state(session_id))),
                    observe(sut.delete_session_process_state(session_id).await),
                )
            }
            _ => unreachable!("apply routes only grant changes to apply_grant_change"),
        }
    }

    /// Reads grants by scope and by process.
    async fn apply_grant_read(&self, op: &Op) -> (Observation, Observation) {
        let sut = self.sut;
        let model = &self.model;
        match op {
            Op::ListHandleGrants { scope: holder } => (
                observe(Ok(model.list_handle_grants(&scope(*holder)))),
                observe(sut.list_handle_grants(&scope(*holder)).await),
            ),
            Op::ListLiveHandleGrants { scope: holder } => (
                observe(Ok(model.list_live_handle_grants(&scope(*holder)))),
                observe(sut.list_live_handle_grants(&scope(*holder)).await),
            ),
            Op::HasHandleGrant {
                scope: holder,
                process: index,
            } => (
                observe(Ok(model.has_handle_grant(&scope(*holder), process(*index)))),
                observe(sut.has_handle_grant(&scope(*holder), process(*index)).await),
            ),
            Op::HandleGrantsForProcess { process: index } => (
                observe(model.handle_grants_for_process(process(*index))),
                observe(sut.handle_grants_for_process(process(*index)).await),
            ),
            _ => unreachable!("apply routes only grant reads to apply_grant_read"),
        }
    }

    /// Appends (and replays) events, reads logs and wakes, and acks wakes.
    async fn apply_event_op(&mut self, op: &Op) -> (Observation, Observation) {
        let sut = self.sut;
        let model = &mut self.model;
        match op {
            Op::AppendEvent {
                process: index,
                event,
                value,
                key,
                target,
            } => {
                let request = append_request(process(*index), *event, *value, *key, *target);
                self.appends.push((process(*index), request.clone()));
                (
                    observe(model.append_event(process(*index), &request)),
                    observe(sut.append_event(process(*index), request).await),
                )
            }
            Op::ReplayAppend { append, target } => {
                if self.appends.is_empty() {
                    return (Observation::Skipped, Observation::Skipped);
                }
                let (process_id, mut request) =
                    self.appends[replayed_index(*append, self.appends.len())].clone();
                request.wake_target_scope = target.map(scope);
                (
                    observe(model.append_event(process_id, &request)),
                    observe(sut.append_event(process_id, request).await),
                )
            }
            Op::EventsAfter {
                process: index,
                after,
            } => (
                observe(model.events_after(process(*index), *after)),
                observe(sut.events_after(process(*index), *after).await),
            ),
            Op::WakeEventsAfter {
                process: index,
                after,
            } => (
                observe(model.wake_events_after(process(*index), *after)),
                observe(sut.wake_events_after(process(*index), *after).await),
            ),
            Op::AckWake {
                process: index,
                sequence,
            } => (
                observe(model.ack_wake(process(*index), *sequence)),
                observe(sut.ack_wake(process(*index), *sequence).await),
            ),
            _ => unreachable!("apply routes only event ops to apply_event_op"),
        }
    }

    /// The blocking calls, polled once when the model says they would block.
    async fn apply_wait(&self, op: &Op) -> (Observation, Observation) {
        let sut = self.sut;
        let model = &self.model;
        match op {
            Op::WaitEventAfter {
                process: index,
                event_type,
                after,
            } => {
                let event_type = self::event_type(*event_type);
                let expected = model.wait_event_after(process(*index), event_type, *after);
                let bound = if matches!(expected, Ok(None)) {
                    Duration::ZERO
                } else {
                    ANSWER_BOUND
                };
                let observed = tokio::time::timeout(
                    bound,
                    sut.wait_event_after(process(*index), event_type, *after),
                )
                .await;
                (
                    blocking_observation(expected),
                    observed.map_or(Observation::Pending, observe),
                )
            }
            Op::AwaitProcess { process: index } => {
                let expected = model.await_process(process(*index));
                let bound = if matches!(expected, Ok(None)) {
                    Duration::ZERO
                } else {
                    ANSWER_BOUND
                };
                let observed =
                    tokio::time::timeout(bound, sut.await_process(process(*index))).await;
                (
                    blocking_observation(expected),
                    observed.map_or(Observation::Pending, observe),
                )
            }
            _ => unreachable!("apply routes only waits to apply_wait"),
        }
    }

    /// Claims, renews and releases leases, naming tokens by first appearance.
    async fn apply_lease_op(&mut self, op: &Op) -> (Observation, Observation) {
        let sut = self.sut;
        let model = &mut self.model;
        match op {
            Op::ClaimLease {
                process: index,
                owner,
                ttl_ms,
            } => {
                let owner_id = self::owner(*owner);
                let expected = model.claim_process_lease(process(*index), owner_id, *ttl_ms);
                let observed = sut
                    .claim_process_lease(process(*index), owner_id, *ttl_ms)
                    .await;
                let record = expected.is_ok() && observed.is_ok();
                (
                    Self::lease_observation(
                        &mut self.model_tokens,
                        expected,
                        &mut self.model_leases,
                        record,
                    ),
                    Self::lease_observation(
                        &mut self.sut_tokens,
                        observed,
                        &mut self.sut_leases,
                        record,
                    ),
                )
            }
            Op::RenewLease { lease, ttl_ms } => {
                let Some((model_lease, sut_lease)) =
                    pick(&self.model_leases, &self.sut_leases, *lease)
                else {
                    return (Observation::Skipped, Observation::Skipped);
                };
                let expected = model.renew_process_lease(&model_lease, *ttl_ms);
                let observed = sut.renew_process_lease(&sut_lease, *ttl_ms).await;
                (
                    Self::lease_observation(
                        &mut self.model_tokens,
                        expected,
                        &mut Vec::new(),
                        false,
                    ),
                    Self::lease_observation(&mut self.sut_tokens, observed, &mut Vec::new(), false),
                )
            }
            Op::ReleaseLease { lease } => {
                let Some((model_lease, sut_lease)) =
                    pick(&self.model_leases, &self.sut_leases, *lease)
                else {
                    return (Observation::Skipped, Observation::Skipped);
                };
                model.complete_process_lease(&ProcessLeaseCompletion::from_lease(&model_lease));
                (
                    Observation::Ok { value: Value::Null },
                    observe(
                        sut.complete_process_lease(&ProcessLeaseCompletion::from_lease(&sut_lease))
                            .await,
                    ),
                )
            }
            _ => unreachable!("apply routes only lease ops to apply_lease_op"),
        }
    }

    /// Compares an observation pair, relaxing error kinds for untyped backends.
    pub(crate) fn agree(&self, expected: &Observation, observed: &Observation) -> bool {
        match (expected, observed) {
            (Observation::Err { .. }, Observation::Err { .. }) if !self.typed_errors => true,
            _ => expected == observed,
        }
    }
}

fn pick(
    model: &[ProcessLease],
    sut: &[ProcessLease],
    index: u8,
) -> Option<(ProcessLease, ProcessLease)> {
    if model.is_empty() || model.len() != sut.len() {
        return None;
    }
    let index = usize::from(index) % model.len();
    Some((model[index].clone(), sut[index].clone()))
}
