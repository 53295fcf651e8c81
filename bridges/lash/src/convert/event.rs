//! Event semantics, events, append requests and results, wake deliveries.

use super::record::{await_output_from_lash, await_output_to_lash};
use super::registration::{
    caused_by_from_lash, caused_by_to_lash, scope_from_lash, scope_id_from_lash, scope_id_to_lash,
    scope_to_lash, terminal_state_from_lash, terminal_state_to_lash,
};
use super::unconvertible;
use lash_core as lash;
use lash_core::runtime::{process_event_invocation, ProcessEventSemantics, RuntimeReplay};
use procreg::RegistryResult;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn epoch_ms_from_lash(occurred_at: SystemTime) -> RegistryResult<u64> {
    let since_epoch = occurred_at
        .duration_since(UNIX_EPOCH)
        .map_err(|error| unconvertible("an event time", error))?;
    u64::try_from(since_epoch.as_millis())
        .map_err(|_| unconvertible("an event time", "more than u64::MAX ms after the epoch"))
}

fn epoch_ms_to_lash(occurred_at_ms: u64) -> RegistryResult<SystemTime> {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(occurred_at_ms))
        .ok_or_else(|| {
            unconvertible(
                "an event time",
                format!("{occurred_at_ms} ms is out of SystemTime's range"),
            )
        })
}

fn replay_to_lash(replay_key: &Option<String>) -> Option<RuntimeReplay> {
    replay_key
        .as_ref()
        .map(|key| RuntimeReplay { key: key.clone() })
}

/// Procreg materialised semantics as lash's.
pub fn event_semantics_to_lash(
    semantics: &procreg::ProcessEventSemantics,
) -> RegistryResult<ProcessEventSemantics> {
    Ok(ProcessEventSemantics {
        terminal: semantics
            .terminal
            .as_ref()
            .map(|terminal| -> RegistryResult<_> {
                Ok(lash::ProcessTerminalSemantics {
                    state: terminal_state_to_lash(terminal.state),
                    await_output: await_output_to_lash(&terminal.await_output)?,
                })
            })
            .transpose()?,
        wake: semantics.wake.as_ref().map(|wake| lash::ProcessWake {
            input: wake.input.clone(),
            dedupe_key: wake.dedupe_key.clone(),
        }),
    })
}

/// Lash materialised semantics as procreg's.
pub fn event_semantics_from_lash(
    semantics: &ProcessEventSemantics,
) -> RegistryResult<procreg::ProcessEventSemantics> {
    Ok(procreg::ProcessEventSemantics {
        terminal: semantics
            .terminal
            .as_ref()
            .map(|terminal| -> RegistryResult<_> {
                Ok(procreg::ProcessTerminalSemantics {
                    state: terminal_state_from_lash(terminal.state),
                    await_output: await_output_from_lash(&terminal.await_output)?,
                })
            })
            .transpose()?,
        wake: semantics.wake.as_ref().map(|wake| procreg::ProcessWake {
            input: wake.input.clone(),
            dedupe_key: wake.dedupe_key.clone(),
        }),
    })
}

/// A lash event as procreg's: the invocation keeps only its replay key, the
/// time becomes epoch milliseconds (lash stores millisecond precision).
pub fn event_from_lash(event: &lash::ProcessEvent) -> RegistryResult<procreg::ProcessEvent> {
    Ok(procreg::ProcessEvent {
        process_id: event.process_id.clone(),
        sequence: event.sequence,
        event_type: event.event_type.clone(),
        payload: event.payload.clone(),
        replay_key: event.invocation.replay_key().map(str::to_owned),
        semantics: event_semantics_from_lash(&event.semantics)?,
        occurred_at_ms: epoch_ms_from_lash(event.occurred_at)?,
    })
}

/// A procreg event as lash's, with the invocation lash builds for an event
/// of a process owned by `owner_session_id`.
pub fn event_to_lash(
    event: &procreg::ProcessEvent,
    owner_session_id: &str,
) -> RegistryResult<lash::ProcessEvent> {
    Ok(lash::ProcessEvent {
        process_id: event.process_id.clone(),
        sequence: event.sequence,
        event_type: event.event_type.clone(),
        payload: event.payload.clone(),
        invocation: process_event_invocation(
            owner_session_id,
            &event.process_id,
            event.sequence,
            &event.event_type,
            replay_to_lash(&event.replay_key),
        ),
        semantics: event_semantics_to_lash(&event.semantics)?,
        occurred_at: epoch_ms_to_lash(event.occurred_at_ms)?,
    })
}

/// A procreg append request as lash's (the replay key becomes a `RuntimeReplay`).
pub fn append_request_to_lash(
    request: &procreg::ProcessEventAppendRequest,
) -> lash::ProcessEventAppendRequest {
    lash::ProcessEventAppendRequest {
        event_type: request.event_type.clone(),
        payload: request.payload.clone(),
        replay: replay_to_lash(&request.replay_key),
        wake_target_scope: request.wake_target_scope.as_ref().map(scope_to_lash),
    }
}

/// A lash append request as procreg's.
pub fn append_request_from_lash(
    request: &lash::ProcessEventAppendRequest,
) -> procreg::ProcessEventAppendRequest {
    procreg::ProcessEventAppendRequest {
        event_type: request.event_type.clone(),
        payload: request.payload.clone(),
        replay_key: request.replay.as_ref().map(|replay| replay.key.clone()),
        wake_target_scope: request.wake_target_scope.as_ref().map(scope_from_lash),
    }
}

/// A lash wake delivery as procreg's: the event invocation keeps only its
/// replay key, the cause becomes opaque JSON.
pub fn wake_delivery_from_lash(
    delivery: &lash::ProcessWakeDelivery,
) -> RegistryResult<procreg::ProcessWakeDelivery> {
    Ok(procreg::ProcessWakeDelivery {
        wake_id: delivery.wake_id.clone(),
        target_session_id: delivery.target_session_id.clone(),
        target_scope_id: scope_id_from_lash(&delivery.target_scope_id),
        process_id: delivery.process_id.clone(),
        sequence: delivery.sequence,
        event_type: delivery.event_type.clone(),
        replay_key: delivery.event_invocation.replay_key().map(str::to_owned),
        process_caused_by: delivery
            .process_caused_by
            .as_ref()
            .map(caused_by_from_lash)
            .transpose()?,
        dedupe_key: delivery.dedupe_key.clone(),
        input: delivery.input.clone(),
        created_at_ms: delivery.created_at_ms,
    })
}

/// A procreg wake delivery as lash's, with the event invocation lash builds
/// for a process owned by `owner_session_id`.
pub fn wake_delivery_to_lash(
    delivery: &procreg::ProcessWakeDelivery,
    owner_session_id: &str,
) -> RegistryResult<lash::ProcessWakeDelivery> {
    Ok(lash::ProcessWakeDelivery {
        wake_id: delivery.wake_id.clone(),
        target_session_id: delivery.target_session_id.clone(),
        target_scope_id: scope_id_to_lash(&delivery.target_scope_id),
        process_id: delivery.process_id.clone(),
        sequence: delivery.sequence,
        event_type: delivery.event_type.clone(),
        event_invocation: process_event_invocation(
            owner_session_id,
            &delivery.process_id,
            delivery.sequence,
            &delivery.event_type,
            replay_to_lash(&delivery.replay_key),
        ),
        process_caused_by: delivery
            .process_caused_by
            .as_ref()
            .map(caused_by_to_lash)
            .transpose()?,
        dedupe_key: delivery.dedupe_key.clone(),
        input: delivery.input.clone(),
        created_at_ms: delivery.created_at_ms,
    })
}

/// A lash append result as procreg's.
pub fn append_result_from_lash(
    result: &lash::ProcessEventAppendResult,
) -> RegistryResult<procreg::ProcessEventAppendResult> {
    Ok(procreg::ProcessEventAppendResult {
        event: event_from_lash(&result.event)?,
        wake_delivery: result
            .wake_delivery
            .as_ref()
            .map(wake_delivery_from_lash)
            .transpose()?,
    })
}

/// A procreg append result as lash's, for a process owned by `owner_session_id`.
pub fn append_result_to_lash(
    result: &procreg::ProcessEventAppendResult,
    owner_session_id: &str,
) -> RegistryResult<lash::ProcessEventAppendResult> {
    Ok(lash::ProcessEventAppendResult {
        event: event_to_lash(&result.event, owner_session_id)?,
        wake_delivery: result
            .wake_delivery
            .as_ref()
            .map(|delivery| wake_delivery_to_lash(delivery, owner_session_id))
            .transpose()?,
    })
}
