//! The linearization search of one partition: Wing & Gong's algorithm with
//! Lowe's just-in-time linearization and memoisation, as in Porcupine.
//!
//! The calls and returns of the partition form a doubly linked list ordered
//! by logical time. The search walks the list from the front: at a call it
//! tries to linearize that operation now (replay on the model, compare the
//! answers); on success the operation's call and return are lifted out of
//! the list and the walk restarts from the front. Reaching a return means the
//! operation it belongs to had to be linearized already, so the search
//! backtracks: it undoes the most recent linearization and tries the next
//! candidate after it. A (linearized set, state) pair already explored is
//! never explored again. When the call at the front is the only candidate
//! (a return follows it), the step is forced: it saves no state and no memo
//! entry and writes in place, since backtracking would pass straight through
//! it to the last real choice anyway. Pending operations (timeouts) return
//! at infinity and match any answer; the search succeeds once every
//! operation with a known result is linearized.

use super::step::{PreparedOp, SearchState, StepContext};
use std::collections::BTreeMap;
use std::rc::Rc;

/// What the search of one partition found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SearchResult {
    /// A linearization exists.
    Linearizable {
        /// Loop iterations spent.
        steps: u64,
    },
    /// None exists.
    NotLinearizable {
        /// Loop iterations spent.
        steps: u64,
        /// Ids of operations with known results that the search tried to
        /// linearize and that never matched the model in any state it reached.
        never_linearized: Vec<usize>,
    },
    /// The step budget ran out first.
    Unknown {
        /// Loop iterations spent.
        steps: u64,
    },
}

impl SearchResult {
    pub(crate) fn steps(&self) -> u64 {
        match self {
            SearchResult::Linearizable { steps }
            | SearchResult::NotLinearizable { steps, .. }
            | SearchResult::Unknown { steps } => *steps,
        }
    }
}

/// The longest partial linearization a search reached: the operations
/// ids in their linearization order, and the model state after them.
#[derive(Debug, Default)]
pub(crate) struct Deepest {
    pub(crate) order: Vec<usize>,
    pub(crate) state: Option<Rc<SearchState>>,
}

impl Deepest {
    /// Keeps the linearized calls on `stack` (and `state` after them) when
    /// they are more than the prefix kept so far.
    fn offer(&mut self, stack: &[Linearized], ops: &[PreparedOp], state: &Rc<SearchState>) {
        if stack.len() > self.order.len() {
            self.order = stack
                .iter()
                .map(|(call, _)| ops[(call - 1) / 2].id)
                .collect();
            self.state = Some(Rc::clone(state));
        }
    }
}

/// Operations with a known result that the search tried and that matched
/// the model in no state it reached.
fn never_linearized(ops: &[PreparedOp], tried: &[bool], reached: &[bool]) -> Vec<usize> {
    ops.iter()
        .zip(tried.iter().zip(reached))
        .filter(|(op, (tried, reached))| !op.pending && **tried && !**reached)
        .map(|(op, _)| op.id)
        .collect()
}

/// A linearized call's node, with the state before it (`None` for a forced step).
type Linearized = (usize, Option<Rc<SearchState>>);

const NIL: usize = usize::MAX;
const HEAD: usize = 0;

/// A fixed-size set of operation indexes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Bitset(Box<[u64]>);

impl Bitset {
    fn new(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64)].into_boxed_slice())
    }

    fn set(&mut self, index: usize) {
        self.0[index / 64] |= 1 << (index % 64);
    }

    fn clear(&mut self, index: usize) {
        self.0[index / 64] &= !(1 << (index % 64));
    }
}

/// The list of calls and returns; node 0 is the head, node `1 + 2i` the call
/// of operation `i` and node `2 + 2i` its return.
struct Entries {
    next: Vec<usize>,
    prev: Vec<usize>,
}

impl Entries {
    fn new(ops: &[PreparedOp]) -> Self {
        // (time, returns after calls at equal times, node): equal times overlap.
        let mut order: Vec<(u64, u8, usize)> = Vec::with_capacity(ops.len() * 2);
        for (index, op) in ops.iter().enumerate() {
            order.push((op.invoke, 0, 1 + 2 * index));
            order.push((op.response, 1, 2 + 2 * index));
        }
        order.sort_unstable();
        let nodes = 1 + ops.len() * 2;
        let mut next = vec![NIL; nodes];
        let mut prev = vec![NIL; nodes];
        let mut last = HEAD;
        for (_, _, node) in order {
            next[last] = node;
            prev[node] = last;
            last = node;
        }
        Self { next, prev }
    }

    fn unlink(&mut self, node: usize) {
        let (prev, next) = (self.prev[node], self.next[node]);
        self.next[prev] = next;
        if next != NIL {
            self.prev[next] = prev;
        }
    }

    fn relink(&mut self, node: usize) {
        let (prev, next) = (self.prev[node], self.next[node]);
        self.next[prev] = node;
        if next != NIL {
            self.prev[next] = node;
        }
    }

    /// Removes the call `node` and its return.
    fn lift(&mut self, call: usize) {
        self.unlink(call);
        self.unlink(call + 1);
    }

    /// Undoes [`lift`](Self::lift); lifts are undone in reverse order.
    fn unlift(&mut self, call: usize) {
        self.relink(call + 1);
        self.relink(call);
    }
}

/// Searches a linearization of `ops` from `initial`, in at most `budget`
/// steps; `deepest`, when given, keeps the longest partial linearization.
pub(crate) fn search(
    ops: &[PreparedOp],
    initial: SearchState,
    context: &mut StepContext,
    budget: u64,
    mut deepest: Option<&mut Deepest>,
) -> SearchResult {
    let mut entries = Entries::new(ops);
    let mut remaining = ops.iter().filter(|op| !op.pending).count();
    let mut tried = vec![false; ops.len()];
    let mut reached = vec![false; ops.len()];
    let mut linearized = Bitset::new(ops.len());
    let mut state = Rc::new(initial);
    // Each linearized call with the state before it (`None` for forced steps).
    let mut stack: Vec<Linearized> = Vec::new();
    let mut cache: BTreeMap<Bitset, Vec<Rc<SearchState>>> = BTreeMap::new();
    let mut entry = entries.next[HEAD];
    let mut steps = 0u64;
    while remaining > 0 {
        steps += 1;
        if steps > budget {
            return SearchResult::Unknown { steps };
        }
        if entry != NIL && entry % 2 == 1 {
            // A call: try to linearize its operation here.
            let index = (entry - 1) / 2;
            let op = &ops[index];
            tried[index] = true;
            // The only candidate (the first entry, followed by a return) is
            // forced: backtracking passes straight through it, so it needs no
            // saved state and no memo entry, and it may write in place.
            let forced = entry == entries.next[HEAD] && entries.next[entry] % 2 == 0;
            let previous = if forced {
                if !op.step_in_place(&mut state, context) {
                    // The state is garbage now; the return that follows
                    // makes the search restore a saved one.
                    entry = entries.next[entry];
                    continue;
                }
                reached[index] = true;
                None
            } else {
                let Some(next_state) = op.step(&state, context) else {
                    entry = entries.next[entry];
                    continue;
                };
                reached[index] = true;
                let mut next_linearized = linearized.clone();
                next_linearized.set(index);
                let seen = cache.entry(next_linearized).or_default();
                if seen
                    .iter()
                    .any(|known| Rc::ptr_eq(known, &next_state) || **known == *next_state)
                {
                    entry = entries.next[entry];
                    continue;
                }
                seen.push(Rc::clone(&next_state));
                Some(std::mem::replace(&mut state, next_state))
            };
            linearized.set(index);
            stack.push((entry, previous));
            if !op.pending {
                remaining -= 1;
            }
            entries.lift(entry);
            entry = entries.next[HEAD];
            if let Some(deepest) = deepest.as_deref_mut() {
                deepest.offer(&stack, ops, &state);
            }
        } else {
            // A return (or the end): its operation should be linearized by now.
            let Some((call, previous)) = stack.pop() else {
                return SearchResult::NotLinearizable {
                    steps,
                    never_linearized: never_linearized(ops, &tried, &reached),
                };
            };
            let index = (call - 1) / 2;
            linearized.clear(index);
            if !ops[index].pending {
                remaining += 1;
            }
            if let Some(previous) = previous {
                state = previous;
            }
            entries.unlift(call);
            entry = entries.next[call];
        }
    }
    SearchResult::Linearizable { steps }
}
