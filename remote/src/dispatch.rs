//! Runs one decoded call against a registry and serialises its result.

use crate::protocol::{Call, Hello, DEFAULT_NAMESPACE, PROTOCOL_VERSION};
use procreg::{ProcessRegistry, RegistryError, RegistryResult};
use serde::Serialize;
use serde_json::value::RawValue;

/// A result, encoded once as raw JSON text.
pub type RawResult = RegistryResult<Box<RawValue>>;

fn to_value<T: Serialize>(result: RegistryResult<T>) -> RawResult {
    let value = result?;
    serde_json::value::to_raw_value(&value)
        .map_err(|error| RegistryError::backend(format!("could not encode the result: {error}")))
}

/// The answer to `hello` for a connection bound to `namespace`; refuses
/// another protocol revision with `Unsupported`.
pub fn hello(
    protocol: u32,
    namespace: &str,
    registry: &dyn ProcessRegistry,
    client_clock: bool,
) -> RawResult {
    if protocol != PROTOCOL_VERSION {
        return Err(RegistryError::unsupported(format!(
            "protocol revision {protocol} (this server speaks {PROTOCOL_VERSION})"
        )));
    }
    to_value(Ok(Hello {
        protocol: PROTOCOL_VERSION,
        namespace: namespace.to_owned(),
        durability_tier: registry.durability_tier(),
        client_clock,
    }))
}

/// Calls the trait method `call` names with its arguments; the result is
/// the method's return value in its serde shape, or its error unchanged.
/// `hello` is answered for the default namespace with a server-side clock.
pub async fn dispatch(registry: &dyn ProcessRegistry, call: Call) -> RawResult {
    match call {
        Call::Hello { protocol, .. } => hello(protocol, DEFAULT_NAMESPACE, registry, false),
        Call::RegisterProcess { registration } => {
            to_value(registry.register_process(registration).await)
        }
        Call::SetExternalRef {
            process_id,
            external_ref,
        } => to_value(registry.set_external_ref(&process_id, external_ref).await),
        Call::GrantHandle {
            owner_scope,
            process_id,
            descriptor,
        } => to_value(
            registry
                .grant_handle(&owner_scope, &process_id, descriptor)
                .await,
        ),
        Call::RevokeHandle {
            owner_scope,
            process_id,
        } => to_value(registry.revoke_handle(&owner_scope, &process_id).await),
        Call::TransferHandleGrants {
            from_scope,
            to_scope,
            process_ids,
        } => to_value(
            registry
                .transfer_handle_grants(&from_scope, &to_scope, &process_ids)
                .await,
        ),
        Call::ListHandleGrants { owner_scope } => {
            to_value(registry.list_handle_grants(&owner_scope).await)
        }
        Call::ListLiveHandleGrants { owner_scope } => {
            to_value(registry.list_live_handle_grants(&owner_scope).await)
        }
        Call::HasHandleGrant {
            owner_scope,
            process_id,
        } => to_value(registry.has_handle_grant(&owner_scope, &process_id).await),
        Call::HandleGrantsForProcess { process_id } => {
            to_value(registry.handle_grants_for_process(&process_id).await)
        }
        Call::DeleteSessionProcessState { session_id } => {
            to_value(registry.delete_session_process_state(&session_id).await)
        }
        Call::AppendEvent {
            process_id,
            request,
        } => to_value(registry.append_event(&process_id, request).await),
        Call::EventsAfter {
            process_id,
            after_sequence,
        } => to_value(registry.events_after(&process_id, after_sequence).await),
        Call::WakeEventsAfter {
            process_id,
            after_sequence,
        } => to_value(
            registry
                .wake_events_after(&process_id, after_sequence)
                .await,
        ),
        Call::WaitEventAfter {
            process_id,
            event_type,
            after_sequence,
        } => to_value(
            registry
                .wait_event_after(&process_id, &event_type, after_sequence)
                .await,
        ),
        Call::AwaitProcess { process_id } => to_value(registry.await_process(&process_id).await),
        Call::CompleteProcess {
            process_id,
            await_output,
        } => to_value(registry.complete_process(&process_id, await_output).await),
        Call::GetProcess { process_id } => to_value(Ok(registry.get_process(&process_id).await)),
        Call::AckWake {
            process_id,
            sequence,
        } => to_value(registry.ack_wake(&process_id, sequence).await),
        Call::ListNonTerminal => to_value(registry.list_non_terminal().await),
        Call::ClaimProcessLease {
            process_id,
            owner_id,
            lease_ttl_ms,
        } => to_value(
            registry
                .claim_process_lease(&process_id, &owner_id, lease_ttl_ms)
                .await,
        ),
        Call::RenewProcessLease {
            lease,
            lease_ttl_ms,
        } => to_value(registry.renew_process_lease(&lease, lease_ttl_ms).await),
        Call::CompleteProcessLease { completion } => {
            to_value(registry.complete_process_lease(&completion).await)
        }
    }
}
