//! "Sometimes" coverage: the interesting moments a sweep must reach, counted
//! per seed. A world that stops reaching one of them (a tuning change, a
//! fault kind left out) still passes every invariant, so its sweeps say it:
//! a sweep of at least [`COVERAGE_MIN_SEEDS`] seeds that never reached a
//! moment warns, and fails when strict.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sweeps at least this long must reach every moment.
pub const COVERAGE_MIN_SEEDS: u64 = 100;

/// One interesting moment of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// The sink rejected a fenced-off (zombie) write.
    ZombieWriteRejected,
    /// A claim was granted over another owner's expired, unreleased lease.
    ExpiredLeaseTakenOver,
    /// A renewal was refused because its lease had just expired.
    RenewalLostToExpiry,
    /// A keyed append was answered with the event its key already stored.
    ReplayHit,
    /// A second finisher's terminal event was refused.
    DuplicateFinisherRefused,
    /// An await that began while the process ran was ended by its terminal event.
    WaitEndedByTerminal,
    /// The registry crashed and came back on its reopened store.
    RegistryCrashRecovered,
}

impl Moment {
    /// Every moment, in report order.
    pub const ALL: [Moment; 7] = [
        Moment::ZombieWriteRejected,
        Moment::ExpiredLeaseTakenOver,
        Moment::RenewalLostToExpiry,
        Moment::ReplayHit,
        Moment::DuplicateFinisherRefused,
        Moment::WaitEndedByTerminal,
        Moment::RegistryCrashRecovered,
    ];

    /// Its name in reports (`zombie_write_rejected`).
    pub fn name(self) -> &'static str {
        match self {
            Moment::ZombieWriteRejected => "zombie_write_rejected",
            Moment::ExpiredLeaseTakenOver => "expired_lease_taken_over",
            Moment::RenewalLostToExpiry => "renewal_lost_to_expiry",
            Moment::ReplayHit => "replay_hit",
            Moment::DuplicateFinisherRefused => "duplicate_finisher_refused",
            Moment::WaitEndedByTerminal => "wait_ended_by_terminal",
            Moment::RegistryCrashRecovered => "registry_crash_recovered",
        }
    }

    /// Whether a world with these fault kinds can reach it at all (a world
    /// without registry crashes never recovers from one).
    pub fn reachable(self, registry_crashes: bool) -> bool {
        self != Moment::RegistryCrashRecovered || registry_crashes
    }
}

/// How often each moment happened in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage(pub BTreeMap<Moment, u64>);

impl Coverage {
    /// `moment` happened once more.
    pub fn hit(&mut self, moment: Moment) {
        *self.0.entry(moment).or_default() += 1;
    }

    /// `moment` happened `count` more times.
    pub fn add(&mut self, moment: Moment, count: u64) {
        if count > 0 {
            *self.0.entry(moment).or_default() += count;
        }
    }

    /// How often `moment` happened.
    pub fn count(&self, moment: Moment) -> u64 {
        self.0.get(&moment).copied().unwrap_or(0)
    }
}

/// One moment over a sweep: in how many seeds it happened, and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MomentTally {
    /// The moment's name.
    pub moment: Moment,
    /// Seeds whose run reached it at least once.
    pub seeds: u64,
    /// Times it happened over all seeds.
    pub count: u64,
}

/// Every moment over a sweep, in [`Moment::ALL`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepCoverage {
    /// Seeds counted.
    pub runs: u64,
    /// One tally per moment.
    pub moments: Vec<MomentTally>,
}

impl SweepCoverage {
    /// Counts one more run's coverage.
    pub fn record(&mut self, coverage: &Coverage) {
        if self.moments.is_empty() {
            self.moments = Moment::ALL
                .into_iter()
                .map(|moment| MomentTally {
                    moment,
                    seeds: 0,
                    count: 0,
                })
                .collect();
        }
        self.runs += 1;
        for tally in &mut self.moments {
            let count = coverage.count(tally.moment);
            tally.count += count;
            tally.seeds += u64::from(count > 0);
        }
    }

    /// The sum of two sweeps over disjoint seeds.
    pub fn merged(&self, other: &SweepCoverage) -> SweepCoverage {
        let mut merged = self.clone();
        if merged.moments.is_empty() {
            return other.clone();
        }
        merged.runs += other.runs;
        for tally in &mut merged.moments {
            if let Some(theirs) = other.moments.iter().find(|t| t.moment == tally.moment) {
                tally.seeds += theirs.seeds;
                tally.count += theirs.count;
            }
        }
        merged
    }

    /// The moments a sweep this long should have reached and never did
    /// (none for a sweep shorter than [`COVERAGE_MIN_SEEDS`]).
    pub fn never_reached(&self, registry_crashes: bool) -> Vec<Moment> {
        if self.runs < COVERAGE_MIN_SEEDS {
            return Vec::new();
        }
        self.moments
            .iter()
            .filter(|tally| tally.seeds == 0 && tally.moment.reachable(registry_crashes))
            .map(|tally| tally.moment)
            .collect()
    }

    /// `zombie_write_rejected 41/1000 seeds (45 times), ...`.
    pub fn summary(&self) -> String {
        self.moments
            .iter()
            .map(|tally| {
                format!(
                    "{} {}/{} seeds ({} time{})",
                    tally.moment.name(),
                    tally.seeds,
                    self.runs,
                    tally.count,
                    if tally.count == 1 { "" } else { "s" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_counts_seeds_and_times_and_names_what_it_never_reached() {
        let mut sweep = SweepCoverage::default();
        let mut run = Coverage::default();
        run.hit(Moment::ReplayHit);
        run.add(Moment::ZombieWriteRejected, 3);
        for _ in 0..COVERAGE_MIN_SEEDS {
            sweep.record(&run);
        }
        let replay = &sweep.moments[3];
        assert_eq!(
            (replay.moment, replay.seeds, replay.count),
            (Moment::ReplayHit, 100, 100)
        );
        assert_eq!(sweep.moments[0].count, 300);
        let never = sweep.never_reached(false);
        assert!(never.contains(&Moment::ExpiredLeaseTakenOver));
        assert!(
            !never.contains(&Moment::RegistryCrashRecovered),
            "unreachable without crashes"
        );
        assert!(sweep
            .never_reached(true)
            .contains(&Moment::RegistryCrashRecovered));
        let merged = sweep.merged(&sweep);
        assert_eq!(merged.runs, 200);
        assert_eq!(merged.moments[0].count, 600);
        let mut short = SweepCoverage::default();
        short.record(&Coverage::default());
        assert!(short.never_reached(true).is_empty(), "too short to judge");
    }
}
