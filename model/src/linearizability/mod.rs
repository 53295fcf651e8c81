//! Concurrent histories and a linearizability checker for them.
//!
//! [`record_history`] runs a few tasks against one fresh registry, each
//! issuing seeded random calls on a few shared processes, and records every
//! call with its invocation and response on a logical clock, its task, its
//! process, the call and its result ([`History`]). [`check_history`] then
//! decides whether some total order of the calls, consistent with their
//! real-time order (a call that returned before another was invoked comes
//! first), explains every result when replayed on the executable
//! [`RegistryModel`](crate::model::RegistryModel): linearizability.
//!
//! # What histories contain
//!
//! Per-process calls only: `register_process` (mostly identical content, so
//! idempotent; sometimes conflicting or invalid), `append_event` (notes,
//! typed events, wakes with and without a target, keyed and unkeyed, cancel
//! requests, custom terminals), `complete_process`, `events_after`,
//! `wake_events_after`, `ack_wake`, `get_process`, `wait_event_after` and
//! `await_process` (bounded), `claim_process_lease` by a few owners, and
//! renew and release of a lease the same task obtained earlier. Grants,
//! sessions, external refs and the sweep are left out: they span processes.
//! The registry's clock is a `ManualClock` that never moves during the run,
//! so every timestamp is the same known value and time is no source of
//! nondeterminism. Lease tokens are renamed `<token-N>` in order of first
//! appearance across the history.
//!
//! # How the checker works
//!
//! * **P-compositionality** (as Porcupine): every call addresses exactly one
//!   process and the recorded calls of different processes share no state,
//!   so the history is split by process id and each partition is checked
//!   alone against a fresh model, partitions in parallel.
//! * **Search** (Wing & Gong with Lowe's just-in-time linearization and
//!   backtracking, as Porcupine): calls and returns in one linked list by
//!   logical time; at a call, replay the operation on the model and compare;
//!   at a return, backtrack. Visited (linearized set, model state) pairs are
//!   memoised in a map keyed by the set, holding the states seen with it,
//!   compared by `PartialEq` (the model is not `Hash`). A *forced* step (the
//!   only candidate) keeps no copy of the state and no memo entry, and
//!   writes in place: backtracking passes straight through it.
//! * **Lease tokens**: when a successful claim linearizes, the model mints
//!   its own token; the search state maps the backend's `<token-N>` name to
//!   it, so later renews and releases of that lease replay on the model with
//!   the model's token, and leases compare with tokens normalised. A name
//!   returned by two claims is a token handed out twice and matches nothing.
//! * **Results** compare exactly, errors by [`ErrorKind`](procreg::ErrorKind)
//!   (any error matches any error for untyped backends).
//! * **Blocking calls**: a returned `wait_event_after` / `await_process`
//!   linearizes at a point where the model already has its answer (the
//!   answer never changes once it exists). A call that hit its bound is
//!   *pending*: it may take effect at any point after its invocation, or
//!   never, with any result; pending reads are dropped before the search.
//! * **Ties**: a call invoked at the same logical time as another returned
//!   counts as concurrent with it (recorded histories have no ties).
//! * **Registrations** of a stored process cannot change it (REG-9,
//!   REG-10), and preparing one (hashing it) is the costliest replay: the
//!   model's answer per (variant, stored hash) is asked once, checked to
//!   leave the model unchanged, and reused.
//! * **Failures**: the first failing partition (by process id) is minimised
//!   greedily ([`Counterexample`]): from the last invoked operation to the
//!   first, drop one while the rest stays non-linearizable, no operation
//!   some order explained before becomes unexplainable, and (for a write)
//!   invoking it before everything else would not explain the rest; keep the
//!   last successful registration while other calls succeed; repeat until a
//!   pass drops nothing. Printed as a table (task, invoke, response, op, result).
//! * **Budget**: each partition gets [`CheckConfig::max_steps`] search steps;
//!   a partition that exhausts them is reported undecided, never passed.
//!
//! # Limitations
//!
//! * Time never moves, so expiry races are only those of zero TTLs (a lease
//!   claimed with TTL 0 is expired at once); clock bugs are out of scope.
//! * A wait that hits its bound is unconstrained, so a backend that loses a
//!   wake-up (never answers a wait it should answer) is not caught here.
//! * Cross-process calls (grants, sessions, the sweep) are not recorded.
//! * Each write replays on a copy of the partition's model, so the cost of
//!   a partition grows with its log length times its operations: keep
//!   per-process histories to a few thousand calls.
//! * The counterexample is small, not necessarily the smallest.

mod checker;
mod config;
mod history;
mod minimise;
mod record;
mod report;
pub mod rng;
mod search;
mod step;
mod stuck;
mod table;
#[cfg(test)]
mod tests;

pub use checker::{check_history, check_history_for, check_history_with, CheckConfig};
pub use history::{
    await_output, target_scope, History, HistoryOp, OpValue, Operation, Outcome, OWNERS,
};
pub use record::{process_id, record_history, HistoryConfig, OpMix, HANDLES_PER_HISTORY};
pub use report::{Counterexample, LinearizabilityReport, Verdict};
pub use stuck::{where_stuck, Stuck};
pub use table::render_table;
