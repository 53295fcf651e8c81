//! Nothing acknowledged becomes unreadable: a reply may be larger than a
//! request ([`MAX_REPLY_BYTES`] against the 16 MiB request limit), and the
//! server refuses, before it reaches the registry, an append that would
//! grow a process's log past [`MAX_LOG_BYTES`], so `events_after(p, 0)`
//! always fits in one reply. The check and the append are not one
//! transaction: racing appends to one process can overshoot by about one
//! request each, which the 32 MiB of headroom absorbs for two racers.

use procreg::{
    ProcessEventAppendRequest, ProcessRegistry, RegistryCall, RegistryError, RegistryResult,
};

/// The largest reply frame body either side reads or writes (64 MiB).
pub const MAX_REPLY_BYTES: u32 = 64 * 1024 * 1024;

/// The largest log a process may grow to over the wire (32 MiB of encoded
/// events): room for two more 16 MiB requests racing the check, and still
/// one reply.
pub const MAX_LOG_BYTES: usize = 32 * 1024 * 1024;

/// Room an event takes beyond its request (sequence, timestamps, semantics).
const EVENT_OVERHEAD_BYTES: usize = 1024;

/// Refuses (`InvalidPayload`, nothing stored) an append or completion that
/// would take the process's encoded log past [`MAX_LOG_BYTES`]; any other
/// call passes.
pub async fn refuse_unreadable(
    registry: &dyn ProcessRegistry,
    call: &RegistryCall,
) -> RegistryResult<()> {
    let (process_id, request) = match call {
        RegistryCall::AppendEvent {
            process_id,
            request,
        } => (process_id, request.clone()),
        RegistryCall::CompleteProcess {
            process_id,
            await_output,
        } => (
            process_id,
            ProcessEventAppendRequest::terminal(process_id, await_output),
        ),
        _ => return Ok(()),
    };
    let adding = encoded_len(&request) + EVENT_OVERHEAD_BYTES;
    // An unknown process is the registry's to refuse, with its own error.
    let Ok(events) = registry.events_after(process_id, 0).await else {
        return Ok(());
    };
    // A replay of a stored key, or any write to a finished process, stores
    // nothing: the registry answers it (the stored event, or AlreadyTerminal).
    let replays = request.replay_key.is_some()
        && events
            .iter()
            .any(|event| event.replay_key == request.replay_key);
    let finished = events
        .iter()
        .any(|event| event.semantics.terminal.is_some());
    let stored = encoded_len(&events);
    if replays || finished || stored + adding <= MAX_LOG_BYTES {
        return Ok(());
    }
    Err(RegistryError::invalid_payload(
        process_id,
        &request.event_type,
        &format!(
            "the log holds {stored} bytes and this event adds about {adding}: past {MAX_LOG_BYTES} bytes the log could no longer be read in one reply, so nothing was stored"
        ),
    ))
}

fn encoded_len<T: serde::Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |bytes| bytes.len())
}
