//! Merging reports: a typed fold of [`KitReport`]s from shards or jobs of one run.
//!
//! What two reports both ran must agree: the same check, model check,
//! history seed or simulation seed counts once, and a different verdict
//! for it is a conflict. So are reports of another backend, strictness,
//! model configuration or simulated world. A merge with conflicts has no
//! result: every conflict is named instead.

use crate::kill9::Kill9Section;
use crate::phase::Phase;
use crate::report::{
    HistoriesSection, KitReport, ModelSection, SeedHash, SimulationSection, SuiteSection,
};
use crate::seeds::union;
use procreg_conformance::Outcome;
use std::collections::BTreeMap;

/// One named report to merge (the name is its file, for messages).
pub struct NamedReport {
    /// Where it came from.
    pub name: String,
    /// The report.
    pub report: KitReport,
}

fn kind(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed { .. } => "passed",
        Outcome::Failed { .. } => "failed",
        Outcome::Skipped { .. } => "skipped",
        Outcome::Warned { .. } => "warned",
    }
}

/// Merges `reports` into one, or returns every conflict among them (each
/// one line naming the reports).
pub fn merge_reports(reports: &[NamedReport]) -> Result<KitReport, Vec<String>> {
    let Some(first) = reports.first() else {
        return Err(vec!["nothing to merge: give at least one report".to_owned()]);
    };
    let mut conflicts = Vec::new();
    let mut merged = first.report.clone();
    merged.merged_from = vec![first.name.clone()];
    for next in &reports[1..] {
        let kept = if merged.merged_from.len() == 1 {
            first.name.clone()
        } else {
            "the reports before it".to_owned()
        };
        let mut fold = Fold {
            kept: &kept,
            next: &next.name,
            conflicts: &mut conflicts,
        };
        fold.config(&mut merged, &next.report);
        merged.suite = fold.phase(&merged.suite, &next.report.suite, Fold::suite);
        merged.model = fold.phase(&merged.model, &next.report.model, Fold::model);
        merged.histories = fold.phase(&merged.histories, &next.report.histories, Fold::histories);
        merged.simulation = fold.phase(
            &merged.simulation,
            &next.report.simulation,
            Fold::simulation,
        );
        merged.kill9 = fold.phase(&merged.kill9, &next.report.kill9, Fold::kill9);
        merged.merged_from.push(next.name.clone());
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    merged.exit_code = merged.verdict_exit_code();
    Ok(merged)
}

/// Folding one more report into the merge so far.
struct Fold<'a> {
    kept: &'a str,
    next: &'a str,
    conflicts: &'a mut Vec<String>,
}

impl Fold<'_> {
    fn conflict(&mut self, what: String) {
        self.conflicts.push(what);
    }

    fn config(&mut self, merged: &mut KitReport, next: &KitReport) {
        if merged.config.backend != next.config.backend {
            self.conflict(format!(
                "{} ran backend {}, {} ran backend {}",
                self.next, next.config.backend, self.kept, merged.config.backend
            ));
        }
        if merged.config.strict != next.config.strict {
            self.conflict(format!(
                "{} and {} mix strict and non-strict runs",
                self.kept, self.next
            ));
        }
        for term in &next.config.only {
            if !merged.config.only.contains(term) {
                merged.config.only.push(term.clone());
            }
        }
    }

    /// A phase run in only one report is taken as is; a phase both ran is merged by `both`.
    fn phase<T: Clone>(
        &mut self,
        kept: &Phase<T>,
        next: &Phase<T>,
        both: fn(&mut Self, &T, &T) -> T,
    ) -> Phase<T> {
        match (kept, next) {
            (Phase::Ran(kept), Phase::Ran(next)) => Phase::Ran(both(self, kept, next)),
            (Phase::Ran(_), _) | (Phase::Skipped { .. }, Phase::NotSelected) => kept.clone(),
            _ => next.clone(),
        }
    }

    /// Two kill -9 runs of one seed and kill count: the writes and kills
    /// were the same, which cut-off writes stuck was timing, so a failure
    /// in either is the backend's (kept) and two passes are one (the first
    /// run's counts kept); runs of different plans do not merge.
    fn kill9(&mut self, kept: &Kill9Section, next: &Kill9Section) -> Kill9Section {
        let plan = |section: &Kill9Section| (section.report.seed, section.report.planned_kills);
        if plan(kept) != plan(next) {
            self.conflict(format!(
                "kill -9: seed {} with {} kills in {}, seed {} with {} kills in {}",
                kept.report.seed,
                kept.report.planned_kills,
                self.kept,
                next.report.seed,
                next.report.planned_kills,
                self.next
            ));
            return kept.clone();
        }
        if kept.report.passed() {
            next.clone()
        } else {
            kept.clone()
        }
    }

    fn suite(&mut self, kept: &SuiteSection, next: &SuiteSection) -> SuiteSection {
        let mut report = kept.report.clone();
        for check in &next.report.checks {
            match report.checks.iter().find(|seen| seen.id == check.id) {
                Some(seen) if kind(&seen.outcome) != kind(&check.outcome) => {
                    let what = format!(
                        "check `{}`: {} in {}, {} in {}",
                        check.id,
                        kind(&seen.outcome),
                        self.kept,
                        kind(&check.outcome),
                        self.next
                    );
                    self.conflict(what);
                }
                Some(_) => {}
                None => report.checks.push(check.clone()),
            }
        }
        report.stopped = report.stopped.or_else(|| next.report.stopped.clone());
        SuiteSection::of(report)
    }

    fn model(&mut self, kept: &ModelSection, next: &ModelSection) -> ModelSection {
        if (kept.seed, kept.cases) != (next.seed, next.cases) {
            let what = format!(
                "model check: seed {} with {} cases in {}, seed {} with {} cases in {}",
                kept.seed, kept.cases, self.kept, next.seed, next.cases, self.next
            );
            self.conflict(what);
        } else if kind(&kept.outcome) != kind(&next.outcome) {
            let what = format!(
                "model check: {} in {}, {} in {}",
                kind(&kept.outcome),
                self.kept,
                kind(&next.outcome),
                self.next
            );
            self.conflict(what);
        }
        kept.clone()
    }

    fn histories(&mut self, kept: &HistoriesSection, next: &HistoriesSection) -> HistoriesSection {
        let mut by_seed: BTreeMap<u64, _> = kept
            .histories
            .iter()
            .map(|history| (history.seed, history.clone()))
            .collect();
        for history in &next.histories {
            match by_seed.get(&history.seed) {
                Some(seen) if seen.verdict != history.verdict => {
                    let what = format!(
                        "history seed {}: {:?} in {}, {:?} in {}",
                        history.seed, seen.verdict, self.kept, history.verdict, self.next
                    );
                    self.conflict(what);
                }
                Some(_) => {}
                None => {
                    by_seed.insert(history.seed, history.clone());
                }
            }
        }
        HistoriesSection {
            histories: by_seed.into_values().collect(),
        }
    }

    fn simulation(
        &mut self,
        kept: &SimulationSection,
        next: &SimulationSection,
    ) -> SimulationSection {
        if kept.world != next.world {
            let what = format!(
                "{} simulated another world ({} workers, {} processes, faults {}, topology {}) than {} ({} workers, {} processes, faults {}, topology {}); merge only shards of one sweep",
                self.next,
                next.world.workers,
                next.world.processes,
                next.world.faults_label(),
                next.world.topology,
                self.kept,
                kept.world.workers,
                kept.world.processes,
                kept.world.faults_label(),
                kept.world.topology
            );
            self.conflict(what);
            return kept.clone();
        }
        let mut failures: BTreeMap<u64, _> = BTreeMap::new();
        for (section, name, other) in [(kept, self.kept, next), (next, self.next, kept)] {
            for failure in &section.failures {
                let covered = other.seeds.iter().any(|range| range.contains(failure.seed));
                let there = other.failures.iter().find(|seen| seen.seed == failure.seed);
                let what = match there {
                    None if covered => Some(format!(
                        "simulation seed {}: failed in {name}, passed in the other report",
                        failure.seed
                    )),
                    Some(seen) if seen.trace_hash != failure.trace_hash => Some(format!(
                        "simulation seed {}: trace {} in one report, {} in another: the backend is not reproducible",
                        failure.seed, failure.trace_hash, seen.trace_hash
                    )),
                    _ => None,
                };
                if let Some(what) = what {
                    if !self.conflicts.contains(&what) {
                        self.conflict(what);
                    }
                }
                failures
                    .entry(failure.seed)
                    .or_insert_with(|| failure.clone());
            }
        }
        let mut hashes: BTreeMap<u64, String> = kept
            .hashes
            .iter()
            .map(|entry| (entry.seed, entry.hash.clone()))
            .collect();
        for SeedHash { seed, hash } in &next.hashes {
            match hashes.get(seed) {
                Some(seen) if seen != hash => {
                    let what = format!(
                        "simulation seed {seed}: trace {seen} in {}, {hash} in {}: the backend is not reproducible",
                        self.kept, self.next
                    );
                    if !self.conflicts.contains(&what) {
                        self.conflict(what);
                    }
                }
                Some(_) => {}
                None => {
                    hashes.insert(*seed, hash.clone());
                }
            }
        }
        let mut ranges = kept.seeds.clone();
        ranges.extend(next.seeds.iter().copied());
        let seeds = union(&ranges);
        // Counts of disjoint shards add up; a seed counted twice would not.
        let disjoint = kept.seeds.iter().all(|mine| {
            next.seeds
                .iter()
                .all(|theirs| mine.end <= theirs.start || theirs.end <= mine.start)
        });
        let coverage = if disjoint {
            kept.coverage.merged(&next.coverage)
        } else {
            kept.coverage.clone()
        };
        SimulationSection {
            world: kept.world.clone(),
            runs: seeds.iter().map(|range| range.len()).sum(),
            seeds,
            hashes: hashes
                .into_iter()
                .map(|(seed, hash)| SeedHash { seed, hash })
                .collect(),
            failures: failures.into_values().collect(),
            coverage,
        }
    }
}
