//! Minimising a failing partition: greedily drop operations while it stays
//! non-linearizable for the same reasons.

use super::checker::{check_operations, SearchLimits};
use super::history::{History, HistoryOp, OpValue, Operation, Outcome};
use super::report::Counterexample;
use super::search::SearchResult;

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
/// Repeats until a pass drops nothing.
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
    Counterexample {
        process: process.to_owned(),
        partition_len: operations.len(),
        operations: current.into_iter().cloned().collect(),
        never_linearized: never,
    }
}
