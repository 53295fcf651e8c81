//! The picture of one simulation seed: a lane per worker incarnation with
//! its leases as bars labelled with their fencing tokens, the registry's
//! calls and answers, the sink's accepted and rejected writes, faults as
//! shaded spans, and each broken invariant marked where it was seen.

use crate::chart::Chart;
use crate::escape::escape;
use crate::leases::lease_bars;
use crate::page::{page, Key};
use procreg_sim::{SimOutcome, Timeline};
use std::collections::BTreeMap;

/// Pixels per simulated ms are chosen so the run spans about this many pixels.
const TARGET_WIDTH: f64 = 6_000.0;

/// The page for `outcome`, which must have been run with `keep_trace`;
/// `replay` is the command that reruns the seed.
pub fn sim_page(outcome: &SimOutcome, replay: &str) -> Result<String, String> {
    let timeline = outcome.timeline.as_ref().ok_or_else(|| {
        format!(
            "seed {} kept no timeline: it must run with keep_trace",
            outcome.config.seed
        )
    })?;
    let end = timeline.end_ms().max(outcome.stats.simulated_ms).max(1);
    let mut chart = Chart::new(end, (TARGET_WIDTH / end as f64).clamp(0.05, 2.0), "ms");
    lay_out_lanes(&mut chart, timeline);
    draw_faults(&mut chart, timeline, end);
    draw_leases(&mut chart, timeline, end);
    draw_calls(&mut chart, timeline);
    draw_notes(&mut chart, timeline);
    for violation in &outcome.violations {
        let invariant = violation.invariant;
        chart.mark(
            violation.at_ms,
            "violation",
            format!(
                "invariant {} [{}]",
                invariant.number(),
                invariant.rules().join(", ")
            ),
            violation.to_string(),
        );
        for owner in &violation.owners {
            chart.flag(owner);
        }
    }
    let verdict = if outcome.passed() {
        "<span class=\"passed\">passed</span>"
    } else {
        "<span class=\"failed\">FAILED</span>"
    };
    let mut summary = format!(
        "<h1>Simulation seed {}: {verdict}</h1>\n<p>{}</p>\n<p>replay: <code>{}</code></p>\n",
        outcome.config.seed,
        escape(&outcome.summary_line()),
        escape(replay)
    );
    if !outcome.violations.is_empty() {
        summary.push_str("<ul class=\"violations\">");
        for violation in &outcome.violations {
            summary.push_str(&format!("<li>{}</li>", escape(&violation.to_string())));
        }
        summary.push_str("</ul>\n");
    }
    let details = format!(
        "<details><summary>The failure report as text</summary><pre>{}</pre></details>",
        escape(
            &outcome
                .to_string()
                .replace(&outcome.config.replay_command(), replay)
        )
    );
    Ok(page(
        &format!("procreg sim seed {}", outcome.config.seed),
        &summary,
        &chart.render(),
        &LEGEND,
        &details,
    ))
}

const LEGEND: [Key; 10] = [
    Key {
        class: "lease",
        meaning: "lease (process #fence)",
    },
    Key {
        class: "lease-taken-over",
        meaning: "taken over while live",
    },
    Key {
        class: "lease-lost",
        meaning: "its holder learned it lost it",
    },
    Key {
        class: "lease-revived",
        meaning: "renewed after it had ended",
    },
    Key {
        class: "call",
        meaning: "registry call",
    },
    Key {
        class: "call-err",
        meaning: "call answered with an error",
    },
    Key {
        class: "fault-bar",
        meaning: "fault (shaded over the lanes it hits)",
    },
    Key {
        class: "tick",
        meaning: "step of an actor",
    },
    Key {
        class: "sink-accepted",
        meaning: "sink write accepted",
    },
    Key {
        class: "sink-rejected",
        meaning: "sink write rejected, violation",
    },
];

/// `worker-N.M` as (N, M), so incarnations sort by number.
fn incarnation(actor: &str) -> Option<(u64, u64)> {
    let rest = actor.strip_prefix("worker-")?;
    let (worker, life) = rest.split_once('.')?;
    Some((worker.parse().ok()?, life.parse().ok()?))
}

/// Faults first, then each worker's incarnations, the producer, the
/// registry, the sink and the checker.
fn lay_out_lanes(chart: &mut Chart, timeline: &Timeline) {
    let mut workers: BTreeMap<(u64, u64), String> = BTreeMap::new();
    let actors = timeline.notes.iter().map(|note| note.actor.as_str());
    let owners = timeline.leases.iter().map(|lease| lease.owner_id.as_str());
    for actor in actors.chain(owners) {
        if let Some(key) = incarnation(actor) {
            workers.entry(key).or_insert_with(|| actor.to_owned());
        }
    }
    chart.lane("faults", "faults");
    for actor in workers.values() {
        chart.lane(actor, actor);
    }
    chart.lane("producer", "producer");
    chart.lane("registry", "registry (calls)");
    chart.lane("sink", "sink (fenced writes)");
    chart.lane("checker", "checker");
}

/// The lanes a fault's target covers: every incarnation of `worker-N`, or the registry.
fn target_lanes(chart: &Chart, target: &str) -> Vec<usize> {
    chart
        .lane_ids()
        .iter()
        .enumerate()
        .filter(|(_, id)| {
            **id == target
                || id
                    .strip_prefix(target)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .map(|(index, _)| index)
        .collect()
}

fn draw_faults(chart: &mut Chart, timeline: &Timeline, end: u64) {
    let faults_lane = chart.lane("faults", "faults");
    for fault in &timeline.faults {
        let to = fault.to_ms.unwrap_or(end);
        let tip = match fault.to_ms {
            Some(to) => format!("{} ms to {to} ms: {}", fault.from_ms, fault.text),
            None => format!("{} ms to the end: {}", fault.from_ms, fault.text),
        };
        chart.bar(
            faults_lane,
            fault.from_ms,
            to,
            "fault-bar",
            Some(fault.kind.clone()),
            tip.clone(),
        );
        let lanes = target_lanes(chart, &fault.target);
        chart.span(
            lanes,
            fault.from_ms,
            to,
            &format!("fault-{}", fault.kind),
            tip,
        );
    }
}

fn draw_leases(chart: &mut Chart, timeline: &Timeline, end: u64) {
    for bar in lease_bars(&timeline.leases, end) {
        let lane = chart.lane(&bar.owner_id, &bar.owner_id);
        let until = bar
            .until_ms
            .map_or_else(|| "unknown".to_owned(), |until| format!("{until} ms"));
        let tip = format!(
            "lease on {} fence {} held by {}\n{} ms: {}; renewed {} time(s), expiry {until}\nended at {} ms: {}",
            bar.process_id,
            bar.fencing_token,
            bar.owner_id,
            bar.from_ms,
            bar.began,
            bar.renewals,
            bar.to_ms,
            bar.ended
        );
        let label = format!("{} #{}", bar.process_id, bar.fencing_token);
        chart.bar(
            lane,
            bar.from_ms,
            bar.to_ms,
            bar.kind.class(),
            Some(label),
            tip,
        );
    }
}

fn draw_calls(chart: &mut Chart, timeline: &Timeline) {
    let lane = chart.lane("registry", "registry (calls)");
    for call in &timeline.calls {
        let class = if call.answer.starts_with("err") {
            "call-err"
        } else {
            "call"
        };
        let tip = format!(
            "{} ms to {} ms\n{}\n-> {}",
            call.from_ms, call.to_ms, call.call, call.answer
        );
        chart.bar(lane, call.from_ms, call.to_ms, class, None, tip);
    }
}

fn draw_notes(chart: &mut Chart, timeline: &Timeline) {
    for note in &timeline.notes {
        // The registry's lines are its calls, drawn as bars.
        if note.actor == "registry" {
            continue;
        }
        let class = match note.actor.as_str() {
            "sink" if note.text.ends_with("REJECTED") => "sink-rejected",
            "sink" => "sink-accepted",
            "checker" => "sink-rejected",
            _ => "note",
        };
        let lane = chart.lane(&note.actor, &note.actor);
        chart.tick(
            lane,
            note.at_ms,
            class,
            format!("{} ms {}: {}", note.at_ms, note.actor, note.text),
        );
    }
}
