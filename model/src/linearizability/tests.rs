//! The search against a brute-force enumeration of every order, on small
//! recorded histories with shuffled intervals and swapped results.

use super::checker::check_operations;
use super::history::{History, Operation};
use super::record::{record_history, HistoryConfig, OpMix};
use super::search::SearchResult;
use super::step::{PreparedOp, SearchState, StepContext};
use crate::model::RegistryModel;
use procreg_memory::MemoryRegistry;
use std::rc::Rc;

/// Every order consistent with real time, tried one by one, no memo.
fn brute_force(history: &History, operations: &[&Operation]) -> bool {
    let mut context = StepContext::new(history.typed_errors);
    let ops: Vec<PreparedOp> = operations
        .iter()
        .filter(|operation| !(operation.is_pending() && operation.op.is_read_only()))
        .map(|operation| PreparedOp::new(operation, &mut context))
        .collect();
    let model = RegistryModel::new(history.clock_ms, history.durability_tier);
    let mut done = vec![false; ops.len()];
    explore(
        &ops,
        &mut done,
        &Rc::new(SearchState::new(model)),
        &mut context,
    )
}

fn explore(
    ops: &[PreparedOp],
    done: &mut [bool],
    state: &Rc<SearchState>,
    context: &mut StepContext,
) -> bool {
    if ops
        .iter()
        .zip(done.iter())
        .all(|(op, done)| op.pending || *done)
    {
        return true;
    }
    for index in 0..ops.len() {
        if done[index] {
            continue;
        }
        // Nothing still open may have returned before this one was invoked.
        let blocked = ops
            .iter()
            .zip(done.iter())
            .any(|(other, done)| !*done && other.response < ops[index].invoke);
        if blocked {
            continue;
        }
        if let Some(next) = ops[index].step(state, context) {
            done[index] = true;
            let found = explore(ops, done, &next, context);
            done[index] = false;
            if found {
                return true;
            }
        }
    }
    false
}

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound.max(1)
    }
}

#[test]
fn the_search_agrees_with_brute_force() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut rng = Lcg(7);
    let (mut accepted, mut rejected) = (0, 0);
    for seed in 0..60 {
        let config = HistoryConfig {
            seed,
            tasks: 3,
            ops_per_task: 3,
            processes: 1,
            mix: if seed % 2 == 0 {
                OpMix::default()
            } else {
                OpMix::lease_heavy()
            },
            ..HistoryConfig::default()
        };
        let factory = |clock| MemoryRegistry::new(clock);
        let recorded = runtime
            .block_on(record_history(&factory, &config))
            .expect("record");
        for variant in 0..12 {
            let mut history = recorded.clone();
            if variant > 0 {
                // Fresh intervals: random, so some orders become impossible.
                for operation in &mut history.operations {
                    let invoke = rng.below(12);
                    operation.invoke = invoke;
                    if operation.response.is_some() {
                        operation.response = Some(invoke + rng.below(6));
                    }
                }
            }
            if variant % 3 == 2 {
                // Swap two results of the same kind of call.
                let len = history.operations.len() as u64;
                let (a, b) = (rng.below(len) as usize, rng.below(len) as usize);
                let same_kind = std::mem::discriminant(&history.operations[a].op)
                    == std::mem::discriminant(&history.operations[b].op);
                if same_kind {
                    let outcome = history.operations[a].outcome.clone();
                    history.operations[a].outcome = history.operations[b].outcome.clone();
                    history.operations[b].outcome = outcome;
                }
            }
            if variant % 4 == 3 {
                // One call never answered: it may or may not have happened.
                let len = history.operations.len() as u64;
                let pending = &mut history.operations[rng.below(len) as usize];
                pending.response = None;
                pending.outcome = super::history::Outcome::Timeout;
            }
            let operations: Vec<&Operation> = history.operations.iter().collect();
            let expected = brute_force(&history, &operations);
            let found = check_operations(
                &history,
                &operations,
                super::checker::SearchLimits {
                    max_steps: 1_000_000,
                    terminal_claims_allowed: false,
                },
            );
            match (&found, expected) {
                (SearchResult::Linearizable { .. }, true) => accepted += 1,
                (SearchResult::NotLinearizable { .. }, false) => rejected += 1,
                _ => panic!(
                    "seed {seed} variant {variant}: search {found:?}, brute force {expected}\n{history}"
                ),
            }
        }
    }
    println!("{accepted} accepted, {rejected} rejected");
    assert!(
        accepted > 50 && rejected > 50,
        "{accepted} accepted, {rejected} rejected"
    );
}
