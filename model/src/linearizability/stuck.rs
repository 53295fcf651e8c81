//! Where the search of a failing partition gets stuck, for a picture of
//! it: the longest partial linearization, the call that cannot follow it,
//! and what the model holds just before that call.

use super::checker::{check_operations_tracking, CheckConfig};
use super::history::{History, Operation};
use super::report::LinearizabilityReport;
use super::search::Deepest;
use crate::model::RegistryModel;
use serde::Serialize;

/// Where a failing partition's search gets stuck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stuck {
    /// The failing process.
    pub process: String,
    /// The longest partial linearization the search found: operation ids
    /// in the order they take effect.
    pub longest_prefix: Vec<usize>,
    /// The operation that cannot be placed after that prefix.
    pub stuck: Option<usize>,
    /// What the model holds for the process after the prefix, just before
    /// the stuck operation, one fact a line.
    pub state_before_stuck: String,
}

/// Where the first failing partition of `history` gets stuck, for a
/// `report` that found it not linearizable (strictly, as every such
/// report is); `None` for a report without a counterexample. Searches the
/// partition once more, so only a caller that draws it pays.
pub fn where_stuck(history: &History, report: &LinearizabilityReport) -> Option<Stuck> {
    let counterexample = report.counterexample.as_ref()?;
    let process = counterexample.process.as_str();
    let operations: Vec<&Operation> = history
        .operations
        .iter()
        .filter(|operation| operation.process == process)
        .collect();
    let mut deepest = Deepest::default();
    check_operations_tracking(
        history,
        &operations,
        CheckConfig::default().limits(),
        Some(&mut deepest),
    );
    let state_before_stuck = match &deepest.state {
        Some(state) => state.model.describe_process(process),
        None => {
            RegistryModel::new(history.clock_ms, history.durability_tier).describe_process(process)
        }
    };
    Some(Stuck {
        process: process.to_owned(),
        stuck: stuck_operation(
            &operations,
            &deepest.order,
            &counterexample.never_linearized,
        ),
        longest_prefix: deepest.order,
        state_before_stuck,
    })
}

/// The call the prefix cannot be followed by. The search blocks at the
/// first return of a call outside the prefix: that call had to take effect
/// before it returned. A call no order explains is named instead when it
/// was invoked by then, since it is the one no state could place.
fn stuck_operation(operations: &[&Operation], prefix: &[usize], never: &[usize]) -> Option<usize> {
    let outside = || {
        operations
            .iter()
            .filter(|operation| !prefix.contains(&operation.id))
    };
    let blocking = outside()
        .filter(|operation| !operation.is_pending())
        .min_by_key(|operation| (operation.response, operation.id))?;
    let deadline = blocking.response.unwrap_or(u64::MAX);
    let unexplained =
        outside().find(|operation| never.contains(&operation.id) && operation.invoke <= deadline);
    Some(unexplained.unwrap_or(blocking).id)
}
