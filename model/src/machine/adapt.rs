//! Divergences from SHOULD rules, and the op adapters that steer the search
//! away from them: outside strict mode a SHOULD divergence is a warning,
//! and the search goes on without the ops that provoke it, so a MUST
//! divergence behind it is still found.

use super::observation::Divergence;
use super::ops::{processes, replayed_index, EventKind, Op};
use std::collections::BTreeSet;

/// A SHOULD rule a divergence broke, and the adapter that avoids it.
#[derive(Clone, Copy)]
pub struct ShouldDivergence {
    /// The rule id (`LEASE-2`).
    pub rule: &'static str,
    /// Drops the ops that provoke it from a generated sequence.
    pub avoid: fn(Vec<Op>) -> Vec<Op>,
}

/// The SHOULD rule `divergence` breaks, if it breaks one: today LEASE-2, a
/// lease granted on a terminal process (the model refuses with
/// `already_terminal`).
pub fn should_divergence(divergence: &Divergence) -> Option<ShouldDivergence> {
    let refused_as_terminal = divergence
        .expected
        .get("kind")
        .and_then(|kind| kind.as_str())
        == Some("already_terminal");
    let granted = divergence
        .observed
        .get("result")
        .and_then(|result| result.as_str())
        == Some("ok");
    let on_the_result = divergence.what == "the result";
    match divergence.op {
        Op::ClaimLease { .. } if refused_as_terminal && granted && on_the_result => {
            Some(ShouldDivergence {
                rule: "LEASE-2",
                avoid: no_claims_on_terminal,
            })
        }
        _ => None,
    }
}

fn process_slot(index: u8) -> usize {
    usize::from(index) % processes().len()
}

/// Without claims on processes that may be terminal by then (LEASE-2). A
/// process may be terminal after a `complete_process` or a keyed `done`
/// append (also when replayed) on it.
pub fn no_claims_on_terminal(ops: Vec<Op>) -> Vec<Op> {
    let mut appends: Vec<(usize, EventKind, bool)> = Vec::new();
    let mut maybe_terminal = BTreeSet::new();
    let mut kept = Vec::with_capacity(ops.len());
    for op in ops {
        match &op {
            Op::CompleteProcess { process, .. } => {
                maybe_terminal.insert(process_slot(*process));
            }
            Op::AppendEvent {
                process,
                event,
                key,
                ..
            } => {
                appends.push((process_slot(*process), *event, key.is_some()));
                if *event == EventKind::Done && key.is_some() {
                    maybe_terminal.insert(process_slot(*process));
                }
            }
            Op::ReplayAppend { append, .. } if !appends.is_empty() => {
                let (slot, event, keyed) = appends[replayed_index(*append, appends.len())];
                if event == EventKind::Done && keyed {
                    maybe_terminal.insert(slot);
                }
            }
            Op::ClaimLease { process, .. } if maybe_terminal.contains(&process_slot(*process)) => {
                continue;
            }
            _ => {}
        }
        kept.push(op);
    }
    kept
}
