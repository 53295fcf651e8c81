//! Minimising a failing partition: greedily drop operations while it stays
//! non-linearizable for the same reasons.

use super::checker::{check_operations, check_operations_tracking, SearchLimits};
use super::history::{History, HistoryOp, OpValue, Operation, Outcome};
use super::report::Counterexample;
use super::search::{Deepest, SearchResult};
use crate::model::RegistryModel;

/// At most this many passes over the partition.
const MAX_PASSES: usize = 8;

/// The only successful registration left, while other calls still succeed:
/// dropping it would make every success fail for a new, uninteresting reason.
fn is_enabling_registration(operations: &[&Operation], index: usize) -> bool {
    let registered = |operation: &Operation| {
        matches!(operation.op, HistoryOp::Register { .. })
            && matches!(operation.outcome, Outcome::Ok { .. })
    };
    if !registered(operations[index]) {
        return false;
    }
    let other_registrations = operations
        .iter()
        .enumerate()
        .any(|(other, operation)| other != index && registered(operation));
    let other_successes = operations.iter().enumerate().any(|(other, operation)| {
        other != index
            && !registered(operation)
            && matches!(
                &operation.outcome,
                Outcome::Ok { value } if *value != OpValue::MaybeRecord(None)
            )
    });
    !other_registrations && other_successes
}

/// Whether the write at `index`, had it been invoked before everything else
/// (and allowed any result), would make `operations` linearizable: then it is
/// the write that explains what the others saw, and the counterexample keeps
/// it to show it came too late.
fn explains_if_earlier(
    history: &History,
    operations: &[&Operation],
    index: usize,
    limits: SearchLimits,
) -> bool {
    let write = operations[index];
    if write.op.is_read_only() || matches!(write.outcome, Outcome::Err { .. }) {
        return false;
    }
    let unanchored = Operation {
        invoke: 0,
        response: None,
        outcome: Outcome::Timeout,
        ..write.clone()
    };
    let mut relaxed = operations.to_vec();
    relaxed[index] = &unanchored;
    matches!(
        check_operations(history, &relaxed, limits),
        SearchResult::Linearizable { .. }
    )
}

/// The smallest sub-history of `operations` (the failing partition of
/// `process`) this greedy search finds that is still not linearizable.
///
/// Passes over the operations from the last invoked to the first, dropping
/// an operation when the rest stays non-linearizable, no operation that
/// some order could explain before becomes unexplainable (so removing a
/// write never manufactures a failure of the reads that depended on it),
/// and, for a write, moving it before everything else would not explain the
/// rest (so the write a stale or premature read saw stays); the last
/// successful registration stays while other calls succeed.
/// Repeats until a pass drops nothing. Also names where the whole
/// partition gets stuck: its longest partial linearization, the call that
/// cannot follow it and the model's state before that call.
pub(crate) fn minimise(
    history: &History,
    process: &str,
    operations: &[&Operation],
    result: &SearchResult,
    limits: SearchLimits,
) -> Counterexample {
    let mut current: Vec<&Operation> = operations
        .iter()
        .copied()
        .filter(|operation| !(operation.is_pending() && operation.op.is_read_only()))
        .collect();
    let mut never = match result {
        SearchResult::NotLinearizable {
            never_linearized, ..
        } => never_linearized.clone(),
        _ => Vec::new(),
    };
    // Where the whole partition gets stuck, as a picture of it shows.
    let mut deepest = Deepest::default();
    check_operations_tracking(history, operations, limits, Some(&mut deepest));
    let stuck = stuck_operation(operations, &deepest.order, &never);
    for _ in 0..MAX_PASSES {
        let mut dropped = false;
        for index in (0..current.len()).rev() {
            if index >= current.len() || is_enabling_registration(&current, index) {
                continue;
            }
            let mut candidate = current.clone();
            candidate.remove(index);
            let SearchResult::NotLinearizable {
                never_linearized, ..
            } = check_operations(history, &candidate, limits)
            else {
                continue;
            };
            if !never_linearized.iter().all(|id| never.contains(id))
                || explains_if_earlier(history, &current, index, limits)
            {
                continue;
            }
            current = candidate;
            never = never_linearized;
            dropped = true;
        }
        if !dropped {
            break;
        }
    }
    let state_before_stuck = match &deepest.state {
        Some(state) => state.model.describe_process(process),
        None => {
            RegistryModel::new(history.clock_ms, history.durability_tier).describe_process(process)
        }
    };
    Counterexample {
        process: process.to_owned(),
        partition_len: operations.len(),
        operations: current.into_iter().cloned().collect(),
        never_linearized: never,
        longest_prefix: deepest.order,
        stuck,
        state_before_stuck,
    }
}

/// The call the longest partial linearization could not place next: the
/// first (by invocation) that no order explains, or else the one outside the
/// prefix that returned first (it had to take effect before its return).
fn stuck_operation(operations: &[&Operation], prefix: &[usize], never: &[usize]) -> Option<usize> {
    let outside = || {
        operations
            .iter()
            .filter(|operation| !prefix.contains(&operation.id))
    };
    outside()
        .find(|operation| never.contains(&operation.id))
        .or_else(|| {
            outside()
                .filter(|operation| !operation.is_pending())
                .min_by_key(|operation| (operation.response, operation.id))
        })
        .map(|operation| operation.id)
}
