//! What a linearizability check found, and the counterexample it prints.

use super::history::Operation;
use super::table::render_table;
use serde::Serialize;
use std::fmt;

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every partition has a linearization.
    Linearizable,
    /// At least one partition has none.
    NotLinearizable,
    /// No partition failed, but at least one ran out of search budget.
    Unknown,
}

/// The smallest non-linearizable sub-history found cheaply: operations of
/// one process, greedily minimised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counterexample {
    /// The process whose partition is not linearizable.
    pub process: String,
    /// How many operations that partition had before minimising.
    pub partition_len: usize,
    /// The minimised sub-history, ordered by invocation.
    pub operations: Vec<Operation>,
    /// Ids of operations whose recorded result matched the model in none of
    /// the states the search of the sub-history tried them in.
    pub never_linearized: Vec<usize>,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "process `{}`: {} of its {} operations cannot be linearized together:",
            self.process,
            self.operations.len(),
            self.partition_len
        )?;
        f.write_str(&render_table(&self.operations))?;
        if !self.never_linearized.is_empty() {
            let ids: Vec<String> = self.never_linearized.iter().map(usize::to_string).collect();
            writeln!(
                f,
                "no order explains the result of operation(s) {}",
                ids.join(", ")
            )?;
        }
        Ok(())
    }
}

/// The result of [`check_history`](super::check_history).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinearizabilityReport {
    /// The verdict.
    pub verdict: Verdict,
    /// Operations in the history.
    pub operations: usize,
    /// Partitions (processes) checked.
    pub partitions: usize,
    /// Search steps spent over all partitions (minimisation excluded).
    pub steps: u64,
    /// Processes whose partition is not linearizable, ascending.
    pub failing: Vec<String>,
    /// Processes whose search ran out of budget, ascending.
    pub undecided: Vec<String>,
    /// The minimised failing sub-history of the first failing process.
    pub counterexample: Option<Counterexample>,
    /// The SHOULD rule the history needed to be explained, when it was
    /// checked outside strict mode and only that leniency explains it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub should_warning: Option<String>,
}

impl LinearizabilityReport {
    /// True when every partition has a linearization.
    pub fn is_linearizable(&self) -> bool {
        self.verdict == Verdict::Linearizable
    }
}

impl fmt::Display for LinearizabilityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.verdict {
            Verdict::Linearizable => "linearizable",
            Verdict::NotLinearizable => "NOT linearizable",
            Verdict::Unknown => "undecided (search budget exhausted)",
        };
        writeln!(
            f,
            "{verdict}: {} operations over {} processes, {} search steps",
            self.operations, self.partitions, self.steps
        )?;
        if !self.failing.is_empty() {
            writeln!(f, "failing processes: {}", self.failing.join(", "))?;
        }
        if !self.undecided.is_empty() {
            writeln!(f, "undecided processes: {}", self.undecided.join(", "))?;
        }
        if let Some(counterexample) = &self.counterexample {
            write!(f, "{counterexample}")?;
        }
        Ok(())
    }
}
