//! The typed report of a run: every phase, the flags that shaped it, and
//! the exit code; serde writes it and reads it back.

use crate::config::{RunConfig, World};
use crate::kill9::Kill9Section;
use crate::phase::Phase;
use crate::seeds::SeedRange;
use procreg_conformance::{Counts, Outcome, SuiteReport};
use procreg_sim::{FaultSet, Moment, SweepCoverage};
use serde::{Deserialize, Serialize};

/// The report format's version; a report of another version is refused, not guessed at.
pub const SCHEMA_VERSION: u32 = 1;

/// Exit code of a run where every selected phase passed.
pub const EXIT_PASSED: u8 = 0;
/// Exit code of a run where some rule failed.
pub const EXIT_FAILED: u8 = 1;

/// Everything a run found, phase by phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KitReport {
    /// [`SCHEMA_VERSION`] when written.
    pub schema_version: u32,
    /// The flags that shaped the run.
    pub config: RunConfig,
    /// Phase 1: the scenario suite.
    pub suite: Phase<SuiteSection>,
    /// Phase 2: the model check.
    pub model: Phase<ModelSection>,
    /// Phase 3: concurrent histories.
    pub histories: Phase<HistoriesSection>,
    /// Phase 4: the simulation sweep.
    pub simulation: Phase<SimulationSection>,
    /// Phase 5: kill -9 (absent from reports written before it existed).
    #[serde(default)]
    pub kill9: Phase<Kill9Section>,
    /// The reports this one was merged from, when it is a merge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// [`EXIT_PASSED`] or [`EXIT_FAILED`], as [`KitReport::verdict_exit_code`] computes it.
    pub exit_code: u8,
}

/// Phase 1's results: the suite report and its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteSection {
    /// Totals by outcome (derived from `report`; written for dashboards).
    pub counts: Counts,
    /// Every check's result.
    #[serde(flatten)]
    pub report: SuiteReport,
}

impl SuiteSection {
    /// The section of `report`.
    pub fn of(report: SuiteReport) -> Self {
        Self {
            counts: report.counts(),
            report,
        }
    }
}

/// Phase 2's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSection {
    /// The seed the generated cases start from.
    pub seed: u64,
    /// How many cases were asked for.
    pub cases: u32,
    /// Cases run (replayed regressions included).
    pub cases_run: u64,
    /// Operations run, shrinking included.
    pub ops_run: u64,
    /// The verdict (rule `MODEL` on a failure, the SHOULD rule on a warning).
    pub outcome: Outcome,
    /// The failing case's seed and its length once shrunk, on a failure or warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<ModelCounterexample>,
    /// The command that reruns the failing case, on a failure or warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
}

/// Where the model check's failing case is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCounterexample {
    /// The seed of the failing case.
    pub seed: u64,
    /// Operations left after shrinking.
    pub ops: usize,
    /// The generated case that failed first, counted from 1, before
    /// shrinking (how hard the search had to look); absent when a saved
    /// regression failed before any case was generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<u64>,
}

/// Phase 3's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoriesSection {
    /// One entry per recorded history, by seed.
    pub histories: Vec<HistoryCase>,
}

/// The checker's verdict on one history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryVerdict {
    /// Some order of the calls explains every answer.
    Linearizable,
    /// No order does: a rule broke.
    NotLinearizable,
    /// The search budget ran out before a verdict.
    Unknown,
    /// The history could not be recorded.
    Error,
}

/// One recorded and checked history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryCase {
    /// The seed that generated (and, in-process, scheduled) it.
    pub seed: u64,
    /// The checker's verdict.
    pub verdict: HistoryVerdict,
    /// Calls in the history.
    pub operations: usize,
    /// Processes it was partitioned into.
    pub partitions: usize,
    /// As a case CI shows: failed with the counterexample, warned for a
    /// SHOULD leniency, skipped when undecided.
    pub outcome: Outcome,
    /// Where the history was saved, for a backend whose interleavings no seed schedules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<String>,
    /// The page that draws the failing history (`--html-dir`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// The command that checks this history again.
    pub replay: String,
}

/// Phase 4's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationSection {
    /// The world every seed simulated.
    pub world: World,
    /// The seeds covered, as disjoint ascending ranges.
    pub seeds: Vec<SeedRange>,
    /// Seeds run.
    pub runs: u64,
    /// Every seed's trace hash, ascending by seed, so two runs (or two
    /// backends) can be compared seed by seed.
    #[serde(default)]
    pub hashes: Vec<SeedHash>,
    /// The failing seeds, ascending.
    pub failures: Vec<SimFailure>,
    /// How often each interesting moment happened ("sometimes" coverage).
    #[serde(default)]
    pub coverage: SweepCoverage,
}

impl SimulationSection {
    /// Seeds that passed.
    pub fn passed(&self) -> u64 {
        self.runs.saturating_sub(self.failures.len() as u64)
    }

    /// The moments a sweep this long, with its world's fault kinds, should
    /// have reached and never did.
    pub fn never_reached(&self) -> Vec<Moment> {
        let available: FaultSet = self.world.faults.parse().unwrap_or_default();
        self.coverage.never_reached(&available)
    }
}

/// One seed's trace hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedHash {
    /// The seed.
    pub seed: u64,
    /// Its trace hash.
    pub hash: String,
}

/// One failing simulation seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimFailure {
    /// The seed.
    pub seed: u64,
    /// Its trace hash: a replay of the seed must give the same.
    pub trace_hash: String,
    /// The rules of the first broken invariant.
    pub rules: Vec<String>,
    /// Every broken invariant, one line each.
    pub violations: Vec<String>,
    /// The failure in full: violations, the world at that moment, the replay.
    pub report: String,
    /// The command that reruns the seed.
    pub replay: String,
    /// The page that draws the seed (`--html-dir`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

impl SimFailure {
    /// Names `page`, the seed's picture, here and in the failure text.
    pub fn drawn_at(&mut self, page: &std::path::Path) {
        let shown = page.display().to_string();
        self.report.push_str(&format!("  picture: {shown}\n"));
        self.picture = Some(shown);
    }
}

impl KitReport {
    /// A report of these phases (kill -9 not selected), its exit code
    /// computed from them; [`KitReport::with_kill9`] adds phase 5.
    pub fn new(
        config: RunConfig,
        suite: Phase<SuiteSection>,
        model: Phase<ModelSection>,
        histories: Phase<HistoriesSection>,
        simulation: Phase<SimulationSection>,
    ) -> Self {
        let mut report = Self {
            schema_version: SCHEMA_VERSION,
            config,
            suite,
            model,
            histories,
            simulation,
            kill9: Phase::NotSelected,
            merged_from: Vec::new(),
            exit_code: EXIT_PASSED,
        };
        report.exit_code = report.verdict_exit_code();
        report
    }

    /// The report with phase 5 as `kill9`, its exit code computed again.
    pub fn with_kill9(mut self, kill9: Phase<Kill9Section>) -> Self {
        self.kill9 = kill9;
        self.exit_code = self.verdict_exit_code();
        self
    }

    /// Whether a strict run's sweep never reached a moment it should have.
    pub fn coverage_failed(&self) -> bool {
        self.config.strict
            && self
                .simulation
                .ran()
                .is_some_and(|section| !section.never_reached().is_empty())
    }

    /// Whether the kill -9 run found a broken rule.
    pub fn kill9_failed(&self) -> bool {
        self.kill9
            .ran()
            .is_some_and(|section| !section.report.passed())
    }

    /// Whether the suite failed a check or stopped.
    pub fn suite_failed(&self) -> bool {
        self.suite
            .ran()
            .is_some_and(|suite| !suite.report.is_success())
    }

    /// Whether the model check failed.
    pub fn model_failed(&self) -> bool {
        self.model
            .ran()
            .is_some_and(|model| matches!(model.outcome, Outcome::Failed { .. }))
    }

    /// Whether some history failed (not linearizable, or not recorded).
    pub fn histories_failed(&self) -> bool {
        self.histories.ran().is_some_and(|section| {
            section
                .histories
                .iter()
                .any(|history| matches!(history.outcome, Outcome::Failed { .. }))
        })
    }

    /// Whether some simulation seed failed.
    pub fn simulation_failed(&self) -> bool {
        self.simulation
            .ran()
            .is_some_and(|section| !section.failures.is_empty())
    }

    /// [`EXIT_FAILED`] when any phase failed, else [`EXIT_PASSED`].
    pub fn verdict_exit_code(&self) -> u8 {
        if self.suite_failed()
            || self.model_failed()
            || self.histories_failed()
            || self.simulation_failed()
            || self.coverage_failed()
            || self.kill9_failed()
        {
            EXIT_FAILED
        } else {
            EXIT_PASSED
        }
    }

    /// The report as pretty JSON, one trailing newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Reads a report [`KitReport::to_json`] wrote; another schema version,
    /// or a document that is not a report, is an error saying which.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| format!("is not JSON: {error}"))?;
        match value.get("schema_version").and_then(serde_json::Value::as_u64) {
            Some(version) if version == u64::from(SCHEMA_VERSION) => {}
            Some(version) => {
                return Err(format!(
                    "is a report of schema version {version}; this procreg reads version {SCHEMA_VERSION}"
                ))
            }
            None => {
                return Err(
                    "is not a procreg report (no schema_version); write one with `procreg check --format json` or `procreg sim --format json`"
                        .to_owned(),
                )
            }
        }
        serde_json::from_value(value)
            .map_err(|error| format!("is not a valid procreg report: {error}"))
    }
}
