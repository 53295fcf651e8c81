//! Invariant 7, durability: after the registry host comes back on its
//! reopened store (and at the end of a run that had registry crashes),
//! every write the registry acknowledged is still there.

use crate::journal::Journal;
use crate::outcome::Invariant;
use procreg::ProcessRegistry;

/// Reads back every acknowledged registration, append (with its replay
/// key) and terminal state; a missing one is a durability violation. The
/// audit only reads: what it finds changes nothing.
pub async fn audit_durability(
    registry: &dyn ProcessRegistry,
    journal: &mut Journal,
    now_ms: u64,
    when: &str,
) {
    let registered = journal.oracle.registered_ids();
    let terminal = journal.oracle.terminal_ids();
    for id in registered.iter() {
        let Some(record) = registry.get_process(id).await else {
            journal.violate(
                Invariant::Durability,
                now_ms,
                Some(id),
                Vec::new(),
                format!("{when}: the acknowledged registration of {id} is gone"),
            );
            continue;
        };
        if terminal.contains(id) && !record.is_terminal() {
            journal.violate(
                Invariant::Durability,
                now_ms,
                Some(id),
                Vec::new(),
                format!("{when}: {id} was acknowledged terminal but is running again"),
            );
        }
        let Some(acknowledged) = journal.oracle.acknowledged_appends(id).cloned() else {
            continue;
        };
        let events = match registry.events_after(id, 0).await {
            Ok(events) => events,
            Err(error) => {
                journal.violate(
                    Invariant::Durability,
                    now_ms,
                    Some(id),
                    Vec::new(),
                    format!("{when}: the log of {id} cannot be read: {error}"),
                );
                continue;
            }
        };
        for (sequence, key) in &acknowledged {
            let stored = events.iter().find(|event| event.sequence == *sequence);
            let lost = match stored {
                None => Some(format!("the acknowledged append {sequence} of {id} is gone")),
                Some(event) if key.is_some() && event.replay_key != *key => Some(format!(
                    "event {sequence} of {id} was acknowledged under replay key {:?} but now has {:?}",
                    key, event.replay_key
                )),
                Some(_) => None,
            };
            if let Some(lost) = lost {
                journal.violate(
                    Invariant::Durability,
                    now_ms,
                    Some(id),
                    Vec::new(),
                    format!("{when}: {lost}"),
                );
                break;
            }
        }
    }
}
