//! The final audit, read straight from the registry after the run: every
//! log gap-free with unique keys and one terminal event carrying the
//! script's output, an empty worklist, and every accepted effect write
//! made with a fencing token the registry issued to that writer.

use crate::journal::Journal;
use crate::outcome::Invariant;
use crate::script::Script;
use crate::sink::EffectSink;
use procreg::{ProcessAwaitOutput, ProcessEvent, ProcessRegistry};
use std::collections::{BTreeMap, BTreeSet};

/// Audits the registry and sink after the run; findings go into `journal`.
pub async fn audit(
    registry: &dyn ProcessRegistry,
    scripts: &[Script],
    sink: &EffectSink,
    journal: &mut Journal,
    now_ms: u64,
) {
    for script in scripts {
        let id = script.process_id.as_str();
        let events = match registry.events_after(id, 0).await {
            Ok(events) => events,
            Err(error) => {
                journal.violate(
                    Invariant::EventLog,
                    now_ms,
                    Some(id),
                    Vec::new(),
                    format!(
                        "the log cannot be read after the run: {error} ({})",
                        error.kind
                    ),
                );
                continue;
            }
        };
        audit_acknowledged(id, &events, journal, now_ms);
        let terminal = audit_log_shape(id, &events, journal, now_ms);
        audit_terminal(script, &terminal, journal, now_ms);
    }
    if let Ok(running) = registry.list_non_terminal().await {
        for record in running.iter().filter(|record| record.is_terminal()) {
            journal.violate(
                Invariant::Sweep,
                now_ms,
                Some(&record.id),
                Vec::new(),
                "list_non_terminal returned a terminal process after the run".to_owned(),
            );
        }
    }
    audit_sink(sink, journal, now_ms);
}

/// Every append the registry acknowledged is in the log, under its key.
fn audit_acknowledged(id: &str, events: &[ProcessEvent], journal: &mut Journal, now_ms: u64) {
    let Some(acknowledged) = journal.oracle.acknowledged_appends(id).cloned() else {
        return;
    };
    for (sequence, key) in acknowledged {
        let stored = events.iter().find(|event| event.sequence == sequence);
        if stored.is_none_or(|event| event.replay_key != key) {
            journal.violate(
                Invariant::EventLog,
                now_ms,
                Some(id),
                Vec::new(),
                format!(
                    "the append acknowledged at sequence {sequence} (key {}) is not in the log",
                    key.as_deref().unwrap_or("-")
                ),
            );
        }
    }
}

/// The log is gap-free with unique replay keys; returns its terminal
/// events (sequence and output).
fn audit_log_shape(
    id: &str,
    events: &[ProcessEvent],
    journal: &mut Journal,
    now_ms: u64,
) -> Vec<(u64, ProcessAwaitOutput)> {
    let mut keys = BTreeSet::new();
    let mut terminal = Vec::new();
    for (position, event) in events.iter().enumerate() {
        let expected = position as u64 + 1;
        if event.sequence != expected {
            journal.violate(
                Invariant::EventLog,
                now_ms,
                Some(id),
                Vec::new(),
                format!(
                    "event #{position} has sequence {} instead of {expected}",
                    event.sequence
                ),
            );
            break;
        }
        if let Some(key) = &event.replay_key {
            if !keys.insert(key.clone()) {
                journal.violate(
                    Invariant::EventLog,
                    now_ms,
                    Some(id),
                    Vec::new(),
                    format!(
                        "replay key {key} appears twice (second at sequence {})",
                        event.sequence
                    ),
                );
            }
        }
        if let Some(semantics) = &event.semantics.terminal {
            terminal.push((event.sequence, semantics.await_output.clone()));
        }
    }
    terminal
}

/// Exactly one terminal event, carrying the script's output.
fn audit_terminal(
    script: &Script,
    terminal: &[(u64, ProcessAwaitOutput)],
    journal: &mut Journal,
    now_ms: u64,
) {
    let id = script.process_id.as_str();
    if terminal.is_empty() {
        journal.violate(
            Invariant::EventLog,
            now_ms,
            Some(id),
            Vec::new(),
            "the process was awaited as finished but its log has no terminal event".to_owned(),
        );
    }
    if terminal.len() > 1 {
        let sequences: Vec<String> = terminal
            .iter()
            .map(|(sequence, _)| sequence.to_string())
            .collect();
        journal.violate(
            Invariant::EventLog,
            now_ms,
            Some(id),
            Vec::new(),
            format!(
                "{} terminal events, at sequences {}",
                terminal.len(),
                sequences.join(", ")
            ),
        );
    }
    if let Some((sequence, output)) = terminal.first() {
        if *output != script.output() {
            journal.violate(
                Invariant::ExactlyOnce,
                now_ms,
                Some(id),
                Vec::new(),
                format!("the terminal event at sequence {sequence} carries another output than the script's"),
            );
        }
    }
}

/// Every accepted effect write carries a non-decreasing fence the registry issued to its writer.
fn audit_sink(sink: &EffectSink, journal: &mut Journal, now_ms: u64) {
    let mut highest_accepted: BTreeMap<&str, u64> = BTreeMap::new();
    for record in sink.records.iter().filter(|record| record.accepted) {
        let write = &record.write;
        let id = write.process_id.as_str();
        if let Some(highest) = highest_accepted.get(id) {
            if write.fencing_token < *highest {
                journal.violate(
                    Invariant::Fencing,
                    record.at_ms,
                    Some(id),
                    vec![write.owner_id.clone()],
                    format!(
                        "the sink accepted token {} after {highest}",
                        write.fencing_token
                    ),
                );
            }
        }
        highest_accepted.insert(id, write.fencing_token);
        match journal.oracle.fence_owner(id, write.fencing_token) {
            Some(owner) if owner == write.owner_id => {}
            owner => {
                let detail = match owner {
                    Some(owner) => format!(
                        "{} wrote step {} with fence {} that the registry issued to {owner}",
                        write.owner_id, write.step, write.fencing_token
                    ),
                    None => format!(
                        "{} wrote step {} with fence {} that the registry never issued",
                        write.owner_id, write.step, write.fencing_token
                    ),
                };
                let owners = vec![write.owner_id.clone()];
                journal.violate(
                    Invariant::Fencing,
                    now_ms.max(record.at_ms),
                    Some(id),
                    owners,
                    detail,
                );
            }
        }
    }
}
