//! Op adapters that steer the pinned model check away from divergences
//! `docs/lash-compat.md` already records, so it can look for new ones.

use procreg_conformance::machine::{Op, PROCESSES};
use std::collections::BTreeSet;

fn process_slot(index: u8) -> usize {
    usize::from(index) % PROCESSES.len()
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

/// One scope per session: scopes 0 and 2 (`s0`, `s0/f0`) become `s0`, 1
/// and 3 (`s1`, `s1/f0`) become `s1/f0`, and the look-alike session
/// `s0/frame:f0` (4) becomes `s0`. Lash's in-memory
/// `handle_grants_for_process` orders grants of one session by HashMap
/// order (GRANT-9); with one scope per session the order is defined and the
/// model check stays deterministic.
pub fn one_scope_per_session(ops: Vec<Op>) -> Vec<Op> {
    remap_scopes(ops, |scope| if scope % 2 == 0 { 0 } else { 3 })
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

/// Without the look-alike scope `s0/frame:f0` (GRANT-16: lash keys grants
/// by the unescaped rendering, so it shares grants with frame `f0` of
/// `s0`, finding F8): every use of it becomes scope `s0`.
pub fn no_lookalike_scopes(ops: Vec<Op>) -> Vec<Op> {
    let lookalike = procreg_conformance::machine::SCOPES - 1;
    remap_scopes(ops, |scope| if scope == lookalike { 0 } else { scope })
}
