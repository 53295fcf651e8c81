//! "Sometimes" coverage: the interesting moments a sweep must reach, counted
//! per seed. A world that stops reaching one of them (a tuning change)
//! still passes every invariant, so its sweeps say it: a sweep long enough
//! for a moment ([`Moment::min_seeds`]) whose fault kinds can cause it
//! ([`Moment::needs`]) and that never reached it warns, and fails when strict.

use crate::config::{FaultKind, FaultSet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sweeps at least this long must reach every frequent moment (the rare
/// ones, under 5 % of the seeds, need [`RARE_MOMENT_MIN_SEEDS`]).
pub const COVERAGE_MIN_SEEDS: u64 = 100;

/// Sweeps at least this long must reach the rare moments too.
pub const RARE_MOMENT_MIN_SEEDS: u64 = 1_000;

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

    /// The fault kinds that cause it: a world without any of them cannot
    /// reach it (none: every world does).
    pub fn needs(self) -> &'static [FaultKind] {
        use FaultKind::{Bounce, Crash, Hold, Partition, RegistryCrash, Stall};
        match self {
            // A worker frozen mid-script, as only a stall freezes one.
            Moment::ZombieWriteRejected | Moment::DuplicateFinisherRefused => &[Stall],
            // A renewal late for its lease.
            Moment::RenewalLostToExpiry => &[Stall, Partition, Hold],
            // A lease left to expire, and the steps redone by the taker.
            Moment::ExpiredLeaseTakenOver | Moment::ReplayHit => {
                &[Crash, Bounce, Partition, Hold, Stall]
            }
            Moment::WaitEndedByTerminal => &[],
            Moment::RegistryCrashRecovered => &[RegistryCrash],
        }
    }

    /// Whether a world with the fault kinds `available` can reach it.
    pub fn reachable(self, available: &FaultSet) -> bool {
        let needs = self.needs();
        needs.is_empty() || needs.iter().any(|kind| available.contains(*kind))
    }

    /// The shortest sweep that must reach it: rare moments (a zombie write
    /// reaching the sink, a refused second finisher: a few seeds in a
    /// hundred) need [`RARE_MOMENT_MIN_SEEDS`].
    pub fn min_seeds(self) -> u64 {
        match self {
            Moment::ZombieWriteRejected | Moment::DuplicateFinisherRefused => RARE_MOMENT_MIN_SEEDS,
            _ => COVERAGE_MIN_SEEDS,
        }
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

    /// The moments a sweep this long, in a world with the fault kinds
    /// `available`, should have reached and never did.
    pub fn never_reached(&self, available: &FaultSet) -> Vec<Moment> {
        self.moments
            .iter()
            .filter(|tally| {
                tally.seeds == 0
                    && self.runs >= tally.moment.min_seeds()
                    && tally.moment.reachable(available)
            })
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
        let crashes: FaultSet = "crash".parse().expect("kinds");
        let never = sweep.never_reached(&crashes);
        assert!(never.contains(&Moment::ExpiredLeaseTakenOver));
        assert!(
            !never.contains(&Moment::RegistryCrashRecovered),
            "no registry crashes"
        );
        assert!(
            !never.contains(&Moment::RenewalLostToExpiry),
            "crashes lose no renewal"
        );
        let all = sweep.never_reached(&FaultSet::all());
        assert!(all.contains(&Moment::RegistryCrashRecovered));
        assert!(
            !all.contains(&Moment::DuplicateFinisherRefused),
            "a rare moment is judged over 1,000 seeds only"
        );
        assert_eq!(
            sweep.never_reached(&FaultSet::none()),
            [Moment::WaitEndedByTerminal],
            "without faults only the wait can be reached"
        );
        let merged = sweep.merged(&sweep);
        assert_eq!(merged.runs, 200);
        assert_eq!(merged.moments[0].count, 600);
        let mut short = SweepCoverage::default();
        short.record(&Coverage::default());
        assert!(
            short.never_reached(&FaultSet::all()).is_empty(),
            "too short to judge"
        );
    }
}
