//! After a restart: every acknowledged write of a process is still there,
//! its log is gap-free, and the write the kill cut off is wholly stored or
//! wholly absent.

use crate::ledger::{Broken, Known, Logged};
use crate::workload::{Op, EVENT_TYPE};
use procreg::{ProcessAwaitOutput, ProcessEvent, ProcessRegistry, PROCESS_COMPLETED};
use serde_json::json;

/// What became of the write a kill cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutOff {
    /// Wholly stored.
    Stored,
    /// Wholly absent.
    Absent,
    /// Not readable back (a claim leaves no trace a read shows).
    Unknown,
}

fn is_logged(event: &ProcessEvent, logged: &Logged) -> bool {
    event.event_type == EVENT_TYPE
        && event.payload == json!({ "n": logged.n })
        && event.replay_key == logged.replay_key
}

/// The output `complete {"done": n}` stores.
pub fn completion_output(n: u64) -> ProcessAwaitOutput {
    ProcessAwaitOutput::success(json!({ "done": n }))
}

/// Reads `process` back and compares it with `known`; `cut_off` is the
/// write to it a kill interrupted, if any. Returns what became of that
/// write, or every rule the stored state breaks.
pub async fn audit_process(
    registry: &dyn ProcessRegistry,
    process: &str,
    known: &Known,
    cut_off: Option<&Op>,
) -> Result<CutOff, Vec<Broken>> {
    let record = registry.get_process(process).await;
    let Some(record) = record else {
        if known.registered {
            return Err(vec![lost_or_unread(registry, process).await]);
        }
        return Ok(CutOff::Absent);
    };
    if !known.registered {
        // Only the cut-off registration can have stored it.
        return match cut_off {
            Some(Op::Register { .. }) => Ok(CutOff::Stored),
            _ => Err(vec![Broken::new(
                "REG-16",
                format!("{process} exists though its registration was never sent"),
            )]),
        };
    }
    let events = registry.events_after(process, 0).await.map_err(|error| {
        vec![Broken::new(
            "REG-16",
            format!("reading {process}'s log failed: {error}"),
        )]
    })?;
    acknowledged_log(process, known, &events)?;
    let extra = &events[known.events.len()..];
    let terminal = record.status.await_output().cloned();
    after_the_log(
        process,
        known,
        extra,
        terminal,
        record.status.label(),
        cut_off,
    )
}

/// Every log is gap-free from sequence 1 and starts with the acknowledged events.
fn acknowledged_log(
    process: &str,
    known: &Known,
    events: &[ProcessEvent],
) -> Result<(), Vec<Broken>> {
    let mut broken = Vec::new();
    for (index, event) in events.iter().enumerate() {
        if event.sequence != index as u64 + 1 {
            broken.push(Broken::new(
                "REG-16",
                format!(
                    "{process}'s log has a gap: event {} holds sequence {}",
                    index + 1,
                    event.sequence
                ),
            ));
            return Err(broken);
        }
    }
    for (index, logged) in known.events.iter().enumerate() {
        match events.get(index) {
            Some(event) if is_logged(event, logged) => {}
            Some(event) => broken.push(Broken::new(
                "REG-16",
                format!(
                    "{process}'s acknowledged event {} ({{\"n\":{}}}) reads back as {} {}",
                    index + 1,
                    logged.n,
                    event.event_type,
                    event.payload
                ),
            )),
            None => broken.push(Broken::new(
                "REG-16",
                format!(
                    "{process}'s acknowledged event {} ({{\"n\":{}}}{}) is gone: the log ends at {}",
                    index + 1,
                    logged.n,
                    logged
                        .replay_key
                        .as_ref()
                        .map(|key| format!(", key {key}"))
                        .unwrap_or_default(),
                    events.len()
                ),
            )),
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken)
    }
}

/// What follows the acknowledged events: the terminal event of an
/// acknowledged completion, or what the cut-off write explains, or nothing.
fn after_the_log(
    process: &str,
    known: &Known,
    extra: &[ProcessEvent],
    terminal: Option<ProcessAwaitOutput>,
    status: &str,
    cut_off: Option<&Op>,
) -> Result<CutOff, Vec<Broken>> {
    match (known.completed, cut_off) {
        (Some(n), _) => {
            let whole = extra.len() == 1
                && extra[0].event_type == PROCESS_COMPLETED
                && terminal == Some(completion_output(n));
            if whole {
                Ok(CutOff::Unknown)
            } else {
                Err(vec![Broken::new(
                    "REG-16",
                    format!(
                        "{process} was acknowledged complete with {{\"done\":{n}}}, but reads back {} with {} event(s) after the acknowledged ones",
                        status,
                        extra.len()
                    ),
                )])
            }
        }
        (None, Some(Op::Append { n, replay_key, .. })) => {
            let logged = Logged {
                n: *n,
                replay_key: replay_key.clone(),
            };
            match extra {
                [] if terminal.is_none() => Ok(CutOff::Absent),
                [event] if is_logged(event, &logged) && terminal.is_none() => Ok(CutOff::Stored),
                _ => Err(vec![unexplained(process, extra, "the cut-off append")]),
            }
        }
        (None, Some(Op::Complete { n, .. })) => match extra {
            [] if terminal.is_none() => Ok(CutOff::Absent),
            [event]
                if event.event_type == PROCESS_COMPLETED
                    && terminal == Some(completion_output(*n)) =>
            {
                Ok(CutOff::Stored)
            }
            _ => Err(vec![Broken::new(
                "REG-16",
                format!(
                    "the cut-off completion of {process} is half there: status {}, {} terminal-looking event(s) after the acknowledged log",
                    status,
                    extra.len()
                ),
            )]),
        },
        (None, cut_off) => {
            if !extra.is_empty() || terminal.is_some() {
                return Err(vec![unexplained(process, extra, "no write")]);
            }
            Ok(match cut_off {
                Some(Op::Register { .. }) => CutOff::Stored,
                _ => CutOff::Unknown,
            })
        }
    }
}

/// `get_process` answered none for an acknowledged process; it has no error
/// channel, so the log read tells a lost record from a failed read.
async fn lost_or_unread(registry: &dyn ProcessRegistry, process: &str) -> Broken {
    let detail = match registry.events_after(process, 0).await {
        Err(error) if error.is(procreg::ErrorKind::NotFound) => {
            format!("the acknowledged registration of {process} is gone")
        }
        Err(error) => format!("reading {process} back after the restart failed: {error}"),
        Ok(events) => format!(
            "get_process({process}) answered none after the restart, though its log holds {} events",
            events.len()
        ),
    };
    Broken::new("REG-16", detail)
}

fn unexplained(process: &str, extra: &[ProcessEvent], cut_off: &str) -> Broken {
    let shown: Vec<String> = extra
        .iter()
        .map(|event| format!("#{} {} {}", event.sequence, event.event_type, event.payload))
        .collect();
    Broken::new(
        "REG-16",
        format!(
            "{process}'s log holds what {cut_off} cannot explain after the acknowledged events: [{}]",
            shown.join(", ")
        ),
    )
}
