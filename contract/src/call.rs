//! The trait's methods as data: one [`RegistryCall`] per method with its
//! arguments, one [`CallAnswer`] per result shape, and the one dispatch
//! between them.
//!
//! Code that treats every call alike (a wire client, an observer, a
//! recorder, a router over several handles) implements [`CallHandler`](crate::CallHandler)
//! and is a [`ProcessRegistry`] through the blanket implementation in
//! `handler.rs`. Adding a trait method means adding one variant here.

use crate::await_output::ProcessAwaitOutput;
use crate::error::{RegistryError, RegistryResult};
use crate::event::{ProcessEvent, ProcessEventAppendRequest, ProcessEventAppendResult};
use crate::grant::{
    ProcessHandleDescriptor, ProcessHandleGrant, ProcessHandleGrantEntry,
    ProcessSessionDeleteReport,
};
use crate::lease::{ProcessLease, ProcessLeaseCompletion};
use crate::record::{ProcessExternalRef, ProcessRecord};
use crate::registration::ProcessRegistration;
use crate::registry::ProcessRegistry;
use crate::scope::ProcessScope;
use serde::{Deserialize, Serialize};

/// One call of a [`ProcessRegistry`] method with its arguments, owned.
///
/// Serialises as `{"method": "<snake_case method>", ...arguments by
/// parameter name}`, the request shape of `docs/protocol.md`; unknown
/// fields are refused. `durability_tier` is not a call: it is constant
/// and read once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // The fields are the trait method's parameters, documented there.
pub enum RegistryCall {
    /// [`ProcessRegistry::register_process`].
    RegisterProcess { registration: ProcessRegistration },
    /// [`ProcessRegistry::set_external_ref`].
    SetExternalRef {
        process_id: String,
        external_ref: ProcessExternalRef,
    },
    /// [`ProcessRegistry::grant_handle`].
    GrantHandle {
        owner_scope: ProcessScope,
        process_id: String,
        descriptor: ProcessHandleDescriptor,
    },
    /// [`ProcessRegistry::revoke_handle`].
    RevokeHandle {
        owner_scope: ProcessScope,
        process_id: String,
    },
    /// [`ProcessRegistry::transfer_handle_grants`].
    TransferHandleGrants {
        from_scope: ProcessScope,
        to_scope: ProcessScope,
        process_ids: Vec<String>,
    },
    /// [`ProcessRegistry::list_handle_grants`].
    ListHandleGrants { owner_scope: ProcessScope },
    /// [`ProcessRegistry::list_live_handle_grants`].
    ListLiveHandleGrants { owner_scope: ProcessScope },
    /// [`ProcessRegistry::has_handle_grant`].
    HasHandleGrant {
        owner_scope: ProcessScope,
        process_id: String,
    },
    /// [`ProcessRegistry::handle_grants_for_process`].
    HandleGrantsForProcess { process_id: String },
    /// [`ProcessRegistry::delete_session_process_state`].
    DeleteSessionProcessState { session_id: String },
    /// [`ProcessRegistry::append_event`].
    AppendEvent {
        process_id: String,
        request: ProcessEventAppendRequest,
    },
    /// [`ProcessRegistry::events_after`].
    EventsAfter {
        process_id: String,
        after_sequence: u64,
    },
    /// [`ProcessRegistry::wake_events_after`].
    WakeEventsAfter {
        process_id: String,
        after_sequence: u64,
    },
    /// [`ProcessRegistry::wait_event_after`]: may block until the event exists.
    WaitEventAfter {
        process_id: String,
        event_type: String,
        after_sequence: u64,
    },
    /// [`ProcessRegistry::await_process`]: may block until the process is terminal.
    AwaitProcess { process_id: String },
    /// [`ProcessRegistry::complete_process`].
    CompleteProcess {
        process_id: String,
        await_output: ProcessAwaitOutput,
    },
    /// [`ProcessRegistry::get_process`]: answers the record or `null`, never an error.
    GetProcess { process_id: String },
    /// [`ProcessRegistry::ack_wake`].
    AckWake { process_id: String, sequence: u64 },
    /// [`ProcessRegistry::list_non_terminal`].
    ListNonTerminal,
    /// [`ProcessRegistry::claim_process_lease`].
    ClaimProcessLease {
        process_id: String,
        owner_id: String,
        lease_ttl_ms: u64,
    },
    /// [`ProcessRegistry::renew_process_lease`].
    RenewProcessLease {
        lease: ProcessLease,
        lease_ttl_ms: u64,
    },
    /// [`ProcessRegistry::complete_process_lease`].
    CompleteProcessLease { completion: ProcessLeaseCompletion },
}

/// What a call returned, one variant per result shape of the trait.
///
/// Serialises as the bare result (`null` for `Unit`), the reply shape of
/// `docs/protocol.md`; [`RegistryCall::decode_answer`] reads it back,
/// since only the call knows which shape to expect.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(missing_docs)]
// Each variant holds the return type it is named after.
// An answer lives for one call; boxing the append result would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum CallAnswer {
    /// `()`: revoke, transfer, ack, lease release.
    Unit,
    Bool(bool),
    Record(ProcessRecord),
    MaybeRecord(Option<ProcessRecord>),
    Records(Vec<ProcessRecord>),
    Grant(ProcessHandleGrant),
    Grants(Vec<ProcessHandleGrant>),
    GrantEntries(Vec<ProcessHandleGrantEntry>),
    SessionReport(ProcessSessionDeleteReport),
    Appended(ProcessEventAppendResult),
    Event(ProcessEvent),
    Events(Vec<ProcessEvent>),
    AwaitOutput(ProcessAwaitOutput),
    Lease(ProcessLease),
}

/// The outcome of one call: its answer or the registry's error.
pub type CallResult = RegistryResult<CallAnswer>;

impl RegistryCall {
    /// The trait method's name, as in `{"method": ...}`.
    pub fn method(&self) -> &'static str {
        match self {
            RegistryCall::RegisterProcess { .. } => "register_process",
            RegistryCall::SetExternalRef { .. } => "set_external_ref",
            RegistryCall::GrantHandle { .. } => "grant_handle",
            RegistryCall::RevokeHandle { .. } => "revoke_handle",
            RegistryCall::TransferHandleGrants { .. } => "transfer_handle_grants",
            RegistryCall::ListHandleGrants { .. } => "list_handle_grants",
            RegistryCall::ListLiveHandleGrants { .. } => "list_live_handle_grants",
            RegistryCall::HasHandleGrant { .. } => "has_handle_grant",
            RegistryCall::HandleGrantsForProcess { .. } => "handle_grants_for_process",
            RegistryCall::DeleteSessionProcessState { .. } => "delete_session_process_state",
            RegistryCall::AppendEvent { .. } => "append_event",
            RegistryCall::EventsAfter { .. } => "events_after",
            RegistryCall::WakeEventsAfter { .. } => "wake_events_after",
            RegistryCall::WaitEventAfter { .. } => "wait_event_after",
            RegistryCall::AwaitProcess { .. } => "await_process",
            RegistryCall::CompleteProcess { .. } => "complete_process",
            RegistryCall::GetProcess { .. } => "get_process",
            RegistryCall::AckWake { .. } => "ack_wake",
            RegistryCall::ListNonTerminal => "list_non_terminal",
            RegistryCall::ClaimProcessLease { .. } => "claim_process_lease",
            RegistryCall::RenewProcessLease { .. } => "renew_process_lease",
            RegistryCall::CompleteProcessLease { .. } => "complete_process_lease",
        }
    }

    /// Whether the call may block until the registry changes (a wait).
    pub fn may_block(&self) -> bool {
        matches!(
            self,
            RegistryCall::WaitEventAfter { .. } | RegistryCall::AwaitProcess { .. }
        )
    }

    /// Whether the call can change the registry (reads and waits cannot).
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            RegistryCall::RegisterProcess { .. }
                | RegistryCall::SetExternalRef { .. }
                | RegistryCall::GrantHandle { .. }
                | RegistryCall::RevokeHandle { .. }
                | RegistryCall::TransferHandleGrants { .. }
                | RegistryCall::DeleteSessionProcessState { .. }
                | RegistryCall::AppendEvent { .. }
                | RegistryCall::CompleteProcess { .. }
                | RegistryCall::AckWake { .. }
                | RegistryCall::ClaimProcessLease { .. }
                | RegistryCall::RenewProcessLease { .. }
                | RegistryCall::CompleteProcessLease { .. }
        )
    }

    /// The process the call addresses, when it addresses exactly one.
    pub fn process_id(&self) -> Option<&str> {
        match self {
            RegistryCall::RegisterProcess { registration } => Some(&registration.id),
            RegistryCall::SetExternalRef { process_id, .. }
            | RegistryCall::GrantHandle { process_id, .. }
            | RegistryCall::RevokeHandle { process_id, .. }
            | RegistryCall::HasHandleGrant { process_id, .. }
            | RegistryCall::HandleGrantsForProcess { process_id }
            | RegistryCall::AppendEvent { process_id, .. }
            | RegistryCall::EventsAfter { process_id, .. }
            | RegistryCall::WakeEventsAfter { process_id, .. }
            | RegistryCall::WaitEventAfter { process_id, .. }
            | RegistryCall::AwaitProcess { process_id }
            | RegistryCall::CompleteProcess { process_id, .. }
            | RegistryCall::GetProcess { process_id }
            | RegistryCall::AckWake { process_id, .. }
            | RegistryCall::ClaimProcessLease { process_id, .. } => Some(process_id),
            RegistryCall::RenewProcessLease { lease, .. } => Some(&lease.process_id),
            RegistryCall::CompleteProcessLease { completion } => Some(&completion.process_id),
            RegistryCall::TransferHandleGrants { .. }
            | RegistryCall::ListHandleGrants { .. }
            | RegistryCall::ListLiveHandleGrants { .. }
            | RegistryCall::DeleteSessionProcessState { .. }
            | RegistryCall::ListNonTerminal => None,
        }
    }

    /// Every process the call names: [`process_id`](Self::process_id), or
    /// the ids a transfer moves.
    pub fn process_ids(&self) -> Vec<&str> {
        match self {
            RegistryCall::TransferHandleGrants { process_ids, .. } => {
                process_ids.iter().map(String::as_str).collect()
            }
            other => other.process_id().into_iter().collect(),
        }
    }

    /// The scopes the call names as arguments (not inside a request).
    pub fn scopes(&self) -> Vec<&ProcessScope> {
        match self {
            RegistryCall::GrantHandle { owner_scope, .. }
            | RegistryCall::RevokeHandle { owner_scope, .. }
            | RegistryCall::ListHandleGrants { owner_scope }
            | RegistryCall::ListLiveHandleGrants { owner_scope }
            | RegistryCall::HasHandleGrant { owner_scope, .. } => vec![owner_scope],
            RegistryCall::TransferHandleGrants {
                from_scope,
                to_scope,
                ..
            } => vec![from_scope, to_scope],
            _ => Vec::new(),
        }
    }

    /// Calls the method this call names on `registry`, with its arguments.
    pub async fn dispatch(self, registry: &dyn ProcessRegistry) -> CallResult {
        use CallAnswer as A;
        use RegistryCall as C;
        Ok(match self {
            C::RegisterProcess { registration } => {
                A::Record(registry.register_process(registration).await?)
            }
            C::SetExternalRef {
                process_id,
                external_ref,
            } => A::Record(registry.set_external_ref(&process_id, external_ref).await?),
            C::GrantHandle {
                owner_scope,
                process_id,
                descriptor,
            } => A::Grant(
                registry
                    .grant_handle(&owner_scope, &process_id, descriptor)
                    .await?,
            ),
            C::RevokeHandle {
                owner_scope,
                process_id,
            } => {
                registry.revoke_handle(&owner_scope, &process_id).await?;
                A::Unit
            }
            C::TransferHandleGrants {
                from_scope,
                to_scope,
                process_ids,
            } => {
                registry
                    .transfer_handle_grants(&from_scope, &to_scope, &process_ids)
                    .await?;
                A::Unit
            }
            C::ListHandleGrants { owner_scope } => {
                A::GrantEntries(registry.list_handle_grants(&owner_scope).await?)
            }
            C::ListLiveHandleGrants { owner_scope } => {
                A::GrantEntries(registry.list_live_handle_grants(&owner_scope).await?)
            }
            C::HasHandleGrant {
                owner_scope,
                process_id,
            } => A::Bool(registry.has_handle_grant(&owner_scope, &process_id).await?),
            C::HandleGrantsForProcess { process_id } => {
                A::Grants(registry.handle_grants_for_process(&process_id).await?)
            }
            C::DeleteSessionProcessState { session_id } => {
                A::SessionReport(registry.delete_session_process_state(&session_id).await?)
            }
            C::AppendEvent {
                process_id,
                request,
            } => A::Appended(registry.append_event(&process_id, request).await?),
            C::EventsAfter {
                process_id,
                after_sequence,
            } => A::Events(registry.events_after(&process_id, after_sequence).await?),
            C::WakeEventsAfter {
                process_id,
                after_sequence,
            } => A::Events(
                registry
                    .wake_events_after(&process_id, after_sequence)
                    .await?,
            ),
            C::WaitEventAfter {
                process_id,
                event_type,
                after_sequence,
            } => A::Event(
                registry
                    .wait_event_after(&process_id, &event_type, after_sequence)
                    .await?,
            ),
            C::AwaitProcess { process_id } => {
                A::AwaitOutput(registry.await_process(&process_id).await?)
            }
            C::CompleteProcess {
                process_id,
                await_output,
            } => A::Record(registry.complete_process(&process_id, await_output).await?),
            C::GetProcess { process_id } => A::MaybeRecord(registry.get_process(&process_id).await),
            C::AckWake {
                process_id,
                sequence,
            } => {
                registry.ack_wake(&process_id, sequence).await?;
                A::Unit
            }
            C::ListNonTerminal => A::Records(registry.list_non_terminal().await?),
            C::ClaimProcessLease {
                process_id,
                owner_id,
                lease_ttl_ms,
            } => A::Lease(
                registry
                    .claim_process_lease(&process_id, &owner_id, lease_ttl_ms)
                    .await?,
            ),
            C::RenewProcessLease {
                lease,
                lease_ttl_ms,
            } => A::Lease(registry.renew_process_lease(&lease, lease_ttl_ms).await?),
            C::CompleteProcessLease { completion } => {
                registry.complete_process_lease(&completion).await?;
                A::Unit
            }
        })
    }

    /// Reads the JSON result of this call (the shape [`CallAnswer`]
    /// serialises to) into the answer variant this method returns.
    pub fn decode_answer(&self, json: &str) -> Result<CallAnswer, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let answer = self.decode_answer_from(&mut deserializer)?;
        deserializer.end()?;
        Ok(answer)
    }

    /// [`RegistryCall::decode_answer`] from any deserializer: the result of
    /// this call (the shape [`CallAnswer`] serialises to) read straight
    /// into the answer variant this method returns, with no text in between.
    pub fn decode_answer_from<'de, D: serde::Deserializer<'de>>(
        &self,
        deserializer: D,
    ) -> Result<CallAnswer, D::Error> {
        use CallAnswer as A;
        use RegistryCall as C;
        let d = deserializer;
        Ok(match self {
            C::RevokeHandle { .. }
            | C::TransferHandleGrants { .. }
            | C::AckWake { .. }
            | C::CompleteProcessLease { .. } => {
                <()>::deserialize(d)?;
                A::Unit
            }
            C::HasHandleGrant { .. } => A::Bool(Deserialize::deserialize(d)?),
            C::RegisterProcess { .. } | C::SetExternalRef { .. } | C::CompleteProcess { .. } => {
                A::Record(Deserialize::deserialize(d)?)
            }
            C::GetProcess { .. } => A::MaybeRecord(Deserialize::deserialize(d)?),
            C::ListNonTerminal => A::Records(Deserialize::deserialize(d)?),
            C::GrantHandle { .. } => A::Grant(Deserialize::deserialize(d)?),
            C::HandleGrantsForProcess { .. } => A::Grants(Deserialize::deserialize(d)?),
            C::ListHandleGrants { .. } | C::ListLiveHandleGrants { .. } => {
                A::GrantEntries(Deserialize::deserialize(d)?)
            }
            C::DeleteSessionProcessState { .. } => A::SessionReport(Deserialize::deserialize(d)?),
            C::AppendEvent { .. } => A::Appended(Deserialize::deserialize(d)?),
            C::WaitEventAfter { .. } => A::Event(Deserialize::deserialize(d)?),
            C::EventsAfter { .. } | C::WakeEventsAfter { .. } => {
                A::Events(Deserialize::deserialize(d)?)
            }
            C::AwaitProcess { .. } => A::AwaitOutput(Deserialize::deserialize(d)?),
            C::ClaimProcessLease { .. } | C::RenewProcessLease { .. } => {
                A::Lease(Deserialize::deserialize(d)?)
            }
        })
    }
}

/// A return type of the trait, taken back out of its [`CallAnswer`].
pub trait FromAnswer: Sized {
    /// The value, or `None` when the answer has another shape.
    fn from_answer(answer: CallAnswer) -> Option<Self>;
}

macro_rules! from_answer {
    ($($variant:ident => $ty:ty),* $(,)?) => {
        $(
            impl FromAnswer for $ty {
                fn from_answer(answer: CallAnswer) -> Option<Self> {
                    match answer {
                        CallAnswer::$variant(value) => Some(value),
                        _ => None,
                    }
                }
            }
        )*
    };
}

from_answer! {
    Bool => bool,
    Record => ProcessRecord,
    MaybeRecord => Option<ProcessRecord>,
    Records => Vec<ProcessRecord>,
    Grant => ProcessHandleGrant,
    Grants => Vec<ProcessHandleGrant>,
    GrantEntries => Vec<ProcessHandleGrantEntry>,
    SessionReport => ProcessSessionDeleteReport,
    Appended => ProcessEventAppendResult,
    Event => ProcessEvent,
    Events => Vec<ProcessEvent>,
    AwaitOutput => ProcessAwaitOutput,
    Lease => ProcessLease,
}

impl FromAnswer for () {
    fn from_answer(answer: CallAnswer) -> Option<Self> {
        matches!(answer, CallAnswer::Unit).then_some(())
    }
}

/// The typed result of `method` out of a call's outcome; an answer of the
/// wrong shape is a `Backend` error naming the method.
pub fn expect_answer<T: FromAnswer>(method: &str, result: CallResult) -> RegistryResult<T> {
    T::from_answer(result?).ok_or_else(|| {
        RegistryError::backend(format!("{method} answered with a result of another shape"))
    })
}
