//! Op adapters that steer the pinned model check away from divergences
//! `docs/lash-compat.md` already records, so it can look for new ones.

use procreg_conformance::machine::{processes, Op};
use std::collections::BTreeSet;

fn process_slot(index: u8) -> usize {
    usize::from(index) % processes().len()
}

/// Every scope index of `ops` passed through `remap`.
fn remap_scopes(ops: Vec<Op>, remap: impl Fn(u8) -> u8) -> Vec<Op> {
    ops.into_iter()
        .map(|op| match op {
            Op::GrantHandle {
                scope,
                process,
                label,
            } => Op::GrantHandle {
                scope: remap(scope),
                process,
                label,
            },
            Op::RevokeHandle { scope, process } => Op::RevokeHandle {
                scope: remap(scope),
                process,
            },
            Op::TransferHandleGrants {
                from,
                to,
                processes,
            } => Op::TransferHandleGrants {
                from: remap(from),
                to: remap(to),
                processes,
            },
            Op::ListHandleGrants { scope } => Op::ListHandleGrants {
                scope: remap(scope),
            },
            Op::ListLiveHandleGrants { scope } => Op::ListLiveHandleGrants {
                scope: remap(scope),
            },
            Op::HasHandleGrant { scope, process } => Op::HasHandleGrant {
                scope: remap(scope),
                process,
            },
            other => other,
        })
        .collect()
}

/// Every wake target of `ops` passed through `remap`.
fn remap_targets(ops: Vec<Op>, remap: impl Fn(u8) -> u8) -> Vec<Op> {
    ops.into_iter()
        .map(|op| match op {
            Op::AppendEvent {
                process,
                event,
                value,
                key,
                target,
            } => Op::AppendEvent {
                process,
                event,
                value,
                key,
                target: target.map(&remap),
            },
            Op::ReplayAppend { append, target } => Op::ReplayAppend {
                append,
                target: target.map(&remap),
            },
            other => other,
        })
        .collect()
}

/// One scope per session: the scopes of session `s0` (0, 2, 5) and the
/// look-alikes (4, 6) become `s0`, those of `S0` (1, 3) become `S0/f0`,
/// and the two single-scope sessions (7, 8) stay. Lash's in-memory
/// `handle_grants_for_process` orders grants of one session by HashMap
/// order (GRANT-9); with one scope per session the order is defined and the
/// model check stays deterministic.
pub fn one_scope_per_session(ops: Vec<Op>) -> Vec<Op> {
    remap_scopes(ops, |scope| match scope {
        1 | 3 => 3,
        7 | 8 => scope,
        _ => 0,
    })
}

/// Without claims on processes that may be terminal by then (LEASE-2,
/// SHOULD: both lash registries lease terminal processes): the model
/// check's own adapter for that SHOULD rule.
pub use procreg_conformance::machine::no_claims_on_terminal;

/// Without claims on processes not registered yet (LEASE-1: lash's
/// in-memory registry leases unknown ids). Registration variants 0 and 1
/// are valid; 2 is not.
pub fn no_claims_on_unknown(ops: Vec<Op>) -> Vec<Op> {
    let mut registered = BTreeSet::new();
    let mut kept = Vec::with_capacity(ops.len());
    for op in ops {
        match &op {
            Op::Register { process, variant } if variant % 3 != 2 => {
                registered.insert(process_slot(*process));
            }
            Op::ClaimLease { process, .. } if !registered.contains(&process_slot(*process)) => {
                continue;
            }
            _ => {}
        }
        kept.push(op);
    }
    kept
}

/// Transfers of at most one id (GRANT-12: lash's in-memory registry keeps
/// the moves made before a failing id; with one id nothing moves on failure).
pub fn single_id_transfers(ops: Vec<Op>) -> Vec<Op> {
    ops.into_iter()
        .map(|op| match op {
            Op::TransferHandleGrants {
                from,
                to,
                mut processes,
            } => {
                processes.truncate(1);
                Op::TransferHandleGrants {
                    from,
                    to,
                    processes,
                }
            }
            other => other,
        })
        .collect()
}

/// The cursor that stands for `u64::MAX` (EVENT-10: lash's SQLite registry
/// binds cursors as `i64`, so `u64::MAX` reads as -1 and returns the whole log).
pub const PAST_THE_END: u64 = 1_000;

/// Cursors of `u64::MAX` replaced by [`PAST_THE_END`], beyond every generated sequence.
pub fn no_u64_max_cursors(ops: Vec<Op>) -> Vec<Op> {
    let cursor = |after: u64| {
        if after == u64::MAX {
            PAST_THE_END
        } else {
            after
        }
    };
    ops.into_iter()
        .map(|op| match op {
            Op::EventsAfter { process, after } => Op::EventsAfter {
                process,
                after: cursor(after),
            },
            Op::WakeEventsAfter { process, after } => Op::WakeEventsAfter {
                process,
                after: cursor(after),
            },
            Op::WaitEventAfter {
                process,
                event_type,
                after,
            } => Op::WaitEventAfter {
                process,
                event_type,
                after: cursor(after),
            },
            other => other,
        })
        .collect()
}

/// Without the scopes that alias under lash's unescaped rendering
/// (GRANT-16, finding F8): session `s0/frame:f0` (4) shares grants with
/// frame `f0` of `s0` (2), and frame `f0/frame:f1` of `s0` (5) with frame
/// `f1` of session `s0/frame:f0` (6); lash also renders the wake targets 4,
/// 5 and 6 unescaped. As a grant holder or a wake target, 2 and 5 become
/// frame `f0` of `S0` (3), 4 and 6 become `s0` (0); the state compared
/// after each step still lists every scope.
pub fn no_lookalike_scopes(ops: Vec<Op>) -> Vec<Op> {
    let remap = |scope: u8| match scope {
        2 | 5 => 3,
        4 | 6 => 0,
        other => other,
    };
    remap_targets(remap_scopes(ops, remap), remap)
}
