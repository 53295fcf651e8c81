//! How a registry call and its answer read in the trace: one short line
//! each. The wording is part of the trace hash, so it changes only with
//! the reference seeds.

use procreg::{CallAnswer, CallResult, RegistryCall};

/// The call, as the trace and the actor logs show it.
pub fn describe_call(call: &RegistryCall) -> String {
    use RegistryCall as C;
    match call {
        C::RegisterProcess { registration } => format!("register {}", registration.id),
        C::SetExternalRef { process_id, .. } => format!("set_external_ref {process_id}"),
        C::GrantHandle {
            owner_scope,
            process_id,
            ..
        } => format!("grant {process_id} to {}", owner_scope.id().as_str()),
        C::RevokeHandle {
            owner_scope,
            process_id,
        } => format!("revoke {process_id} from {}", owner_scope.id().as_str()),
        C::TransferHandleGrants {
            from_scope,
            to_scope,
            process_ids,
        } => format!(
            "transfer {} from {} to {}",
            process_ids.join(","),
            from_scope.id().as_str(),
            to_scope.id().as_str()
        ),
        C::ListHandleGrants { owner_scope } => {
            format!("list_handle_grants {}", owner_scope.id().as_str())
        }
        C::ListLiveHandleGrants { owner_scope } => {
            format!("list_live_handle_grants {}", owner_scope.id().as_str())
        }
        C::HasHandleGrant {
            owner_scope,
            process_id,
        } => format!(
            "has_handle_grant {process_id} {}",
            owner_scope.id().as_str()
        ),
        C::HandleGrantsForProcess { process_id } => {
            format!("handle_grants_for_process {process_id}")
        }
        C::DeleteSessionProcessState { session_id } => format!("delete_session {session_id}"),
        C::AppendEvent {
            process_id,
            request,
        } => format!(
            "append {process_id} {} key {}",
            request.event_type,
            request.replay_key.as_deref().unwrap_or("-")
        ),
        C::EventsAfter {
            process_id,
            after_sequence,
        } => format!("events_after {process_id} {after_sequence}"),
        C::WakeEventsAfter {
            process_id,
            after_sequence,
        } => format!("wake_events_after {process_id} {after_sequence}"),
        C::WaitEventAfter {
            process_id,
            event_type,
            after_sequence,
        } => format!("wait_event_after {process_id} {event_type} {after_sequence}"),
        C::AwaitProcess { process_id } => format!("await {process_id}"),
        C::CompleteProcess { process_id, .. } => format!("complete {process_id}"),
        C::GetProcess { process_id } => format!("get {process_id}"),
        C::AckWake {
            process_id,
            sequence,
        } => format!("ack_wake {process_id} {sequence}"),
        C::ListNonTerminal => "list_non_terminal".to_owned(),
        C::ClaimProcessLease {
            process_id,
            owner_id,
            lease_ttl_ms,
        } => format!("claim {process_id} by {owner_id} ttl {lease_ttl_ms}"),
        C::RenewProcessLease { lease, .. } => format!(
            "renew {} by {} fence {}",
            lease.process_id, lease.owner_id, lease.fencing_token
        ),
        C::CompleteProcessLease { completion } => format!("release {}", completion.process_id),
    }
}

/// The answer, as the trace shows it: `ok <summary>` or `err <kind>`; a
/// lookup answers the record's status or `none`.
pub fn describe_answer(method: &str, result: &CallResult) -> String {
    let answer = match result {
        Ok(answer) => answer,
        Err(error) => return format!("err {}", error.kind),
    };
    if let CallAnswer::MaybeRecord(record) = answer {
        return match record {
            Some(record) => record.status.label().to_owned(),
            None => "none".to_owned(),
        };
    }
    format!("ok {}", summarise(method, answer))
}

fn summarise(method: &str, answer: &CallAnswer) -> String {
    use CallAnswer as A;
    match (method, answer) {
        ("complete_process", A::Record(record)) => record.status.label().to_owned(),
        ("wake_events_after", A::Events(events)) => {
            format!("{} wakes", events.len())
        }
        ("renew_process_lease", A::Lease(lease)) => {
            format!("until {}", lease.expires_at_epoch_ms)
        }
        (_, A::Events(events)) => format!("{} events", events.len()),
        (_, A::GrantEntries(entries)) => format!("{} grants", entries.len()),
        (_, A::Grants(grants)) => format!("{} grants", grants.len()),
        (_, A::Bool(held)) => held.to_string(),
        (_, A::Appended(appended)) => format!("seq {}", appended.event.sequence),
        (_, A::Event(event)) => format!("seq {}", event.sequence),
        (_, A::AwaitOutput(output)) => output.terminal_state().core_event_type().to_owned(),
        (_, A::Records(listed)) => format!("{} running", listed.len()),
        (_, A::Lease(lease)) => format!(
            "fence {} until {}",
            lease.fencing_token, lease.expires_at_epoch_ms
        ),
        (_, A::Unit | A::Record(_) | A::MaybeRecord(_) | A::Grant(_) | A::SessionReport(_)) => {
            String::new()
        }
    }
}
