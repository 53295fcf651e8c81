//! The picture of a concurrent history: a lane per client, each call a bar
//! from invocation to response on the logical clock. For a history that is
//! not linearizable, the longest linearizable prefix the checker found is
//! numbered in order, the call that cannot be placed after it is marked,
//! and the model's state just before it is shown.

use crate::chart::Chart;
use crate::escape::escape;
use crate::page::{page, Key};
use procreg_model::linearizability::{
    render_table, where_stuck, Counterexample, History, LinearizabilityReport, Operation, Stuck,
    Verdict,
};
use std::collections::BTreeMap;

/// Pixels per logical tick (a history of n calls spans 2n ticks).
const PIXELS_PER_TICK: f64 = 8.0;

const LEGEND: [Key; 5] = [
    Key {
        class: "op-prefix",
        meaning: "in the longest linearizable prefix (#order)",
    },
    Key {
        class: "op-unplaced",
        meaning: "cannot be placed after it",
    },
    Key {
        class: "op-counterexample",
        meaning: "rest of the minimal counterexample",
    },
    Key {
        class: "op-partition",
        meaning: "other calls on the failing process",
    },
    Key {
        class: "op",
        meaning: "calls on other processes",
    },
];

/// How one call is drawn.
fn role(
    operation: &Operation,
    failing: Option<&Counterexample>,
    stuck: Option<&Stuck>,
) -> (&'static str, Option<String>) {
    let Some(counterexample) = failing else {
        return ("op", None);
    };
    if let Some(stuck) = stuck {
        if stuck.stuck == Some(operation.id) {
            return ("op-unplaced", Some(format!("#{} ✖", operation.id)));
        }
        if let Some(order) = stuck
            .longest_prefix
            .iter()
            .position(|id| *id == operation.id)
        {
            return ("op-prefix", Some(format!("{}.", order + 1)));
        }
    }
    if counterexample
        .operations
        .iter()
        .any(|kept| kept.id == operation.id)
    {
        return ("op-counterexample", Some(format!("#{}", operation.id)));
    }
    if operation.process == counterexample.process {
        return ("op-partition", None);
    }
    ("op", None)
}

/// The page for `history` and the checker's `report` on it; `title` names
/// the history (seed, backend) and `replay` is the command that checks it
/// again. A failing history's partition is searched once more to find
/// where it gets stuck ([`where_stuck`]).
pub fn history_page(
    history: &History,
    report: &LinearizabilityReport,
    title: &str,
    replay: &str,
) -> String {
    let end = history
        .operations
        .iter()
        .map(|operation| operation.response.unwrap_or(operation.invoke))
        .max()
        .unwrap_or(0)
        + 2;
    let mut chart = Chart::new(end, PIXELS_PER_TICK, "");
    let tasks: BTreeMap<usize, ()> = history
        .operations
        .iter()
        .map(|operation| (operation.task, ()))
        .collect();
    for task in tasks.keys() {
        let handle = task % history.handles.max(1);
        chart.lane(
            &format!("client-{task}"),
            &format!("client {task} (handle {handle})"),
        );
    }
    let failing = report.counterexample.as_ref();
    let stuck = where_stuck(history, report);
    for operation in &history.operations {
        let lane = chart.lane(
            &format!("client-{}", operation.task),
            &format!("client {}", operation.task),
        );
        let (class, label) = role(operation, failing, stuck.as_ref());
        let to = operation.response.unwrap_or(end);
        let response = operation
            .response
            .map_or_else(|| "never (pending)".to_owned(), |at| at.to_string());
        let tip = format!(
            "#{} client {} process {}\ninvoked {}, returned {response}\n{}\n-> {}",
            operation.id,
            operation.task,
            operation.process,
            operation.invoke,
            operation.op.describe(&operation.process),
            operation.outcome.summary()
        );
        chart.bar(lane, operation.invoke, to, class, label, tip);
    }
    let unplaced = stuck.as_ref().and_then(|stuck| {
        let id = stuck.stuck?;
        history
            .operations
            .iter()
            .find(|operation| operation.id == id)
    });
    if let (Some(stuck), Some(operation)) = (&stuck, unplaced) {
        chart.flag(&format!("client-{}", operation.task));
        chart.mark(
            operation.response.unwrap_or(operation.invoke),
            "violation",
            format!("#{} cannot be placed", operation.id),
            format!(
                "#{} {} -> {}\nmodel state before it:\n{}",
                operation.id,
                operation.op.describe(&operation.process),
                operation.outcome.summary(),
                stuck.state_before_stuck
            ),
        );
    }
    page(
        title,
        &summary(report, title, replay),
        &chart.render(),
        &LEGEND,
        &details(history, failing, stuck.as_ref()),
    )
}

fn summary(report: &LinearizabilityReport, title: &str, replay: &str) -> String {
    let verdict = match report.verdict {
        Verdict::Linearizable => "<span class=\"passed\">linearizable</span>",
        Verdict::NotLinearizable => "<span class=\"failed\">NOT linearizable</span>",
        Verdict::Unknown => "<span class=\"failed\">undecided (search budget exhausted)</span>",
    };
    format!(
        "<h1>{}: {verdict}</h1>\n<p>{} calls over {} processes, {} search steps</p>\n<p>check again: <code>{}</code></p>\n",
        escape(title),
        report.operations,
        report.partitions,
        report.steps,
        escape(replay)
    )
}

fn details(history: &History, failing: Option<&Counterexample>, stuck: Option<&Stuck>) -> String {
    let (Some(counterexample), Some(where_stuck)) = (failing, stuck) else {
        return String::new();
    };
    let prefix: Vec<String> = where_stuck
        .longest_prefix
        .iter()
        .map(|id| format!("#{id}"))
        .collect();
    let stuck = where_stuck
        .stuck
        .map_or_else(|| "none".to_owned(), |id| format!("#{id}"));
    let partition: Vec<Operation> = history
        .operations
        .iter()
        .filter(|operation| operation.process == counterexample.process)
        .cloned()
        .collect();
    format!(
        "<h2>The failing process</h2>\n<pre class=\"counterexample\">{}</pre>\n<p>Longest linearizable prefix: {}; then <b class=\"unplaced\">{stuck}</b> cannot be placed.</p>\n<h3>Model state before {stuck}</h3>\n<pre class=\"state\">{}</pre>\n<details><summary>Every call on process {} ({})</summary><pre>{}</pre></details>\n",
        escape(&counterexample.to_string()),
        if prefix.is_empty() {
            "empty".to_owned()
        } else {
            prefix.join(" → ")
        },
        escape(&where_stuck.state_before_stuck),
        escape(&counterexample.process),
        partition.len(),
        escape(&render_table(&partition))
    )
}
