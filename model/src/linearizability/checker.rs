//! Checking a history: split it by process, search a linearization of each
//! partition against a fresh model, minimise the first failure.

use super::history::{History, Operation};
use super::minimise::minimise;
use super::report::{LinearizabilityReport, Verdict};
use super::search::{search, Deepest, SearchResult};
use super::step::{PreparedOp, SearchState, StepContext};
use crate::model::RegistryModel;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How hard the checker works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConfig {
    /// Search steps allowed per partition (and per minimisation attempt)
    /// before the partition is reported undecided.
    pub max_steps: u64,
    /// Threads checking partitions in parallel (at least one: the caller's).
    pub threads: usize,
    /// Whether to minimise the first failing partition.
    pub minimise: bool,
    /// Let the model lease terminal processes, as a backend may outside
    /// strict mode (LEASE-2 is a SHOULD rule); see [`check_history_for`].
    pub terminal_claims_allowed: bool,
}

/// What bounds one partition's search, and how lenient its model is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SearchLimits {
    pub(crate) max_steps: u64,
    pub(crate) terminal_claims_allowed: bool,
}

impl CheckConfig {
    pub(crate) fn limits(&self) -> SearchLimits {
        SearchLimits {
            max_steps: self.max_steps,
            terminal_claims_allowed: self.terminal_claims_allowed,
        }
    }
}

impl Default for CheckConfig {
    /// One million steps per partition, one thread per core (at most 8), minimising.
    fn default() -> Self {
        Self {
            max_steps: 1_000_000,
            threads: std::thread::available_parallelism()
                .map(|cores| cores.get())
                .unwrap_or(1)
                .min(8),
            minimise: true,
            terminal_claims_allowed: false,
        }
    }
}

/// Searches a linearization of `operations` (all of one process) against a
/// fresh model of `history`'s registry. Pending reads are dropped first:
/// they change nothing and may return anything.
pub(crate) fn check_operations(
    history: &History,
    operations: &[&Operation],
    limits: SearchLimits,
) -> SearchResult {
    check_operations_tracking(history, operations, limits, None)
}

/// [`check_operations`], keeping the longest partial linearization in `deepest`.
pub(crate) fn check_operations_tracking(
    history: &History,
    operations: &[&Operation],
    limits: SearchLimits,
    deepest: Option<&mut Deepest>,
) -> SearchResult {
    let mut context = StepContext::new(history.typed_errors);
    let ops: Vec<PreparedOp> = operations
        .iter()
        .filter(|operation| !(operation.is_pending() && operation.op.is_read_only()))
        .map(|operation| PreparedOp::new(operation, &mut context))
        .collect();
    let mut model = RegistryModel::new(history.clock_ms, history.durability_tier);
    if limits.terminal_claims_allowed {
        model = model.allowing_terminal_claims();
    }
    search(
        &ops,
        SearchState::new(model),
        &mut context,
        limits.max_steps,
        deepest,
    )
}

/// Checks `history` with [`CheckConfig::default`].
pub fn check_history(history: &History) -> LinearizabilityReport {
    check_history_with(history, &CheckConfig::default())
}

/// Checks `history` as the suite treats rules: with `strict`, every rule;
/// otherwise a history that only a registry leasing terminal processes
/// explains (LEASE-2, a SHOULD rule) is linearizable, with the rule in
/// [`LinearizabilityReport::should_warning`].
pub fn check_history_for(history: &History, strict: bool) -> LinearizabilityReport {
    let report = check_history(history);
    if strict || report.verdict != Verdict::NotLinearizable {
        return report;
    }
    let lenient = CheckConfig {
        terminal_claims_allowed: true,
        ..CheckConfig::default()
    };
    let mut again = check_history_with(history, &lenient);
    if again.verdict != Verdict::Linearizable {
        return report;
    }
    again.should_warning = Some("LEASE-2".to_owned());
    again
}

/// Checks that `history` is linearizable with respect to the model.
///
/// Every operation addresses exactly one process and processes share no
/// state in the operations recorded, so the history is linearizable iff each
/// per-process partition is (P-compositionality). Each partition is searched
/// independently, in parallel on `config.threads` threads; the report lists
/// failing and undecided processes in ascending order and minimises the
/// first failing one. The outcome does not depend on the thread count.
pub fn check_history_with(history: &History, config: &CheckConfig) -> LinearizabilityReport {
    let mut partitions: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for operation in &history.operations {
        partitions
            .entry(operation.process.as_str())
            .or_default()
            .push(operation);
    }
    let partitions: Vec<(&str, Vec<&Operation>)> = partitions.into_iter().collect();
    let results: Mutex<Vec<Option<SearchResult>>> = Mutex::new(vec![None; partitions.len()]);
    let next = AtomicUsize::new(0);
    let work = || loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some((_, operations)) = partitions.get(index) else {
            break;
        };
        let result = check_operations(history, operations, config.limits());
        let mut results = results
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        results[index] = Some(result);
    };
    std::thread::scope(|scope| {
        for helper in 1..config.threads.max(1).min(partitions.len()) {
            // A helper that cannot start leaves its share to the others.
            let _ = std::thread::Builder::new()
                .name(format!("linearizability-{helper}"))
                .spawn_scoped(scope, work);
        }
        work();
    });
    let results = results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut report = LinearizabilityReport {
        verdict: Verdict::Linearizable,
        operations: history.operations.len(),
        partitions: partitions.len(),
        steps: 0,
        failing: Vec::new(),
        undecided: Vec::new(),
        counterexample: None,
        should_warning: None,
    };
    for ((process, _), result) in partitions.iter().zip(&results) {
        let Some(result) = result else {
            report.undecided.push((*process).to_owned());
            continue;
        };
        report.steps += result.steps();
        match result {
            SearchResult::Linearizable { .. } => {}
            SearchResult::NotLinearizable { .. } => report.failing.push((*process).to_owned()),
            SearchResult::Unknown { .. } => report.undecided.push((*process).to_owned()),
        }
    }
    if !report.failing.is_empty() {
        report.verdict = Verdict::NotLinearizable;
    } else if !report.undecided.is_empty() {
        report.verdict = Verdict::Unknown;
    }
    if config.minimise {
        let first = partitions
            .iter()
            .zip(&results)
            .find(|(_, result)| matches!(result, Some(SearchResult::NotLinearizable { .. })));
        if let Some(((process, operations), Some(result))) = first {
            report.counterexample = Some(minimise(
                history,
                process,
                operations,
                result,
                config.limits(),
            ));
        }
    }
    report
}
