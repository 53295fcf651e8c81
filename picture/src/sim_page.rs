//! The picture of one simulation seed: a lane per worker incarnation with
//! its leases as bars labelled with their fencing tokens, the registry's
//! calls and answers, the sink's accepted and rejected writes, faults as
//! shaded spans, and each broken invariant marked where it was seen.

use crate::chart::Chart;
use crate::escape::escape;
use crate::page::{page, Key};
use procreg_sim::{LeaseEvent, SimOutcome, Timeline};
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
        escape(&outcome.to_string())
    );
    Ok(page(
        &format!("procreg sim seed {}", outcome.config.seed),
        &summary,
        &chart.render(),
        &LEGEND,
        &details,
    ))
}

const LEGEND: [Key; 8] = [
    Key {
        class: "lease",
        meaning: "lease (process #fence)",
    },
    Key {
        class: "lease-lost",
        meaning: "lease its holder learned it lost",
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

/// One lease from its grant to its end.
struct Held {
    process_id: String,
    owner_id: String,
    fencing_token: u64,
    from_ms: u64,
    until_ms: Option<u64>,
    renewals: u32,
    ended: Option<(u64, String)>,
}

fn draw_leases(chart: &mut Chart, timeline: &Timeline, end: u64) {
    let mut held: Vec<Held> = Vec::new();
    for change in &timeline.leases {
        let same = |lease: &Held| {
            lease.process_id == change.process_id && lease.fencing_token == change.fencing_token
        };
        match change.event {
            LeaseEvent::Granted => {
                for earlier in held
                    .iter_mut()
                    .filter(|lease| lease.process_id == change.process_id && lease.ended.is_none())
                {
                    let expired = earlier.until_ms.is_some_and(|until| until <= change.at_ms);
                    if !expired {
                        earlier.ended = Some((
                            change.at_ms,
                            format!("taken over by fence {}", change.fencing_token),
                        ));
                    }
                }
                held.push(Held {
                    process_id: change.process_id.clone(),
                    owner_id: change.owner_id.clone(),
                    fencing_token: change.fencing_token,
                    from_ms: change.at_ms,
                    until_ms: change.until_ms,
                    renewals: 0,
                    ended: None,
                });
            }
            LeaseEvent::Renewed => {
                if let Some(lease) = held.iter_mut().rev().find(|lease| same(lease)) {
                    lease.until_ms = change.until_ms.or(lease.until_ms);
                    lease.renewals += 1;
                }
            }
            LeaseEvent::Lost | LeaseEvent::Released => {
                if let Some(lease) = held.iter_mut().rev().find(|lease| same(lease)) {
                    if lease.ended.is_none() {
                        let (at, why) = if change.event == LeaseEvent::Released {
                            (change.at_ms, "released".to_owned())
                        } else {
                            let at = lease.until_ms.map_or(change.at_ms, |u| u.min(change.at_ms));
                            (
                                at,
                                format!("lost: a renewal at {} ms was refused", change.at_ms),
                            )
                        };
                        lease.ended = Some((at, why));
                    }
                }
            }
        }
    }
    for lease in held {
        let lane = chart.lane(&lease.owner_id, &lease.owner_id);
        let (to, why) = match (&lease.ended, lease.until_ms) {
            (Some((at, why)), _) => (*at, why.clone()),
            (None, Some(until)) if until <= end => (until, "expired".to_owned()),
            _ => (end, "still held at the end".to_owned()),
        };
        let class = if why.starts_with("lost") {
            "lease-lost"
        } else {
            "lease"
        };
        let tip = format!(
            "lease on {} fence {} held by {}\ngranted at {} ms, renewed {} time(s), expiry {}\nended at {to} ms: {why}",
            lease.process_id,
            lease.fencing_token,
            lease.owner_id,
            lease.from_ms,
            lease.renewals,
            lease
                .until_ms
                .map_or_else(|| "unknown".to_owned(), |until| format!("{until} ms")),
        );
        chart.bar(
            lane,
            lease.from_ms,
            to,
            class,
            Some(format!("{} #{}", lease.process_id, lease.fencing_token)),
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
