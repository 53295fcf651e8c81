//! The writes the kill -9 run sends, and where it kills: a list fixed by the
//! seed alone, so a replay sends the same calls and kills at the same steps.
//!
//! Up to [`ACTIVE`] processes are alive at once; each step registers one,
//! appends to one (keyed: every write is safe to send again), claims its
//! lease for one of two owners, or completes it. Time moves forward a little before
//! every step, so leases expire and are taken over.

use procreg_model::SeededRng;

/// Processes alive at once.
pub const ACTIVE: usize = 3;
/// The TTL of every claim.
pub const LEASE_TTL_MS: u64 = 4_000;
/// The event type every process declares.
pub const EVENT_TYPE: &str = "tick";
/// The two lease owners.
pub const OWNERS: [&str; 2] = ["worker-a", "worker-b"];

/// One write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Register `process` (declaring [`EVENT_TYPE`]).
    Register {
        /// The process.
        process: String,
    },
    /// Append a [`EVENT_TYPE`] event with payload `{"n": n}`, keyed when `replay_key` is set.
    Append {
        /// The process.
        process: String,
        /// The payload's number.
        n: u64,
        /// The replay key, for a keyed append.
        replay_key: Option<String>,
    },
    /// Claim the lease of `process` for `owner`.
    Claim {
        /// The process.
        process: String,
        /// The claimant.
        owner: &'static str,
    },
    /// Complete `process` with output `{"done": n}`.
    Complete {
        /// The process.
        process: String,
        /// The output's number.
        n: u64,
    },
}

impl Op {
    /// The process the write names.
    pub fn process(&self) -> &str {
        match self {
            Op::Register { process }
            | Op::Append { process, .. }
            | Op::Claim { process, .. }
            | Op::Complete { process, .. } => process,
        }
    }

    /// The write as one short line: `append kill9-p3 {"n":12} key k12`.
    pub fn describe(&self) -> String {
        match self {
            Op::Register { process } => format!("register {process}"),
            Op::Append {
                process,
                n,
                replay_key,
            } => match replay_key {
                Some(key) => format!("append {process} {{\"n\":{n}}} key {key}"),
                None => format!("append {process} {{\"n\":{n}}}"),
            },
            Op::Claim { process, owner } => format!("claim {process} for {owner}"),
            Op::Complete { process, n } => format!("complete {process} {{\"done\":{n}}}"),
        }
    }
}

/// When the registry dies around a step's write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillMoment {
    /// This long after the request is sent, whether or not its answer came.
    InFlight {
        /// Delay, in microseconds.
        after_us: u64,
    },
    /// This long after the answer arrived (a write-behind cache loses it here).
    AfterAck {
        /// Delay, in microseconds.
        after_us: u64,
    },
}

impl KillMoment {
    /// `in flight +850us` or `after the answer +12000us`.
    pub fn describe(&self) -> String {
        match self {
            KillMoment::InFlight { after_us } => format!("in flight +{after_us}us"),
            KillMoment::AfterAck { after_us } => format!("after the answer +{after_us}us"),
        }
    }
}

/// One step of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Its place in the run, from 0.
    pub index: u64,
    /// Milliseconds the clock moves before the write.
    pub advance_ms: u64,
    /// The write.
    pub op: Op,
    /// Whether, and when, the registry is killed around it.
    pub kill: Option<KillMoment>,
}

/// The steps of `seed` holding `kills` kills (1 to 6 steps between two kills).
pub fn plan(seed: u64, kills: u64) -> Vec<Step> {
    let mut rng = SeededRng::new(seed, 0x6b11_6b11);
    let mut steps = Vec::new();
    let mut alive: Vec<String> = Vec::new();
    let mut registered = 0u64;
    let mut until_kill = 1 + rng.below(6);
    let mut killed = 0u64;
    while killed < kills {
        let index = steps.len() as u64;
        let op = if alive.is_empty() || (alive.len() < ACTIVE && rng.chance(30)) {
            let process = format!("kill9-p{registered}");
            registered += 1;
            alive.push(process.clone());
            Op::Register { process }
        } else {
            let pick = rng.index(alive.len());
            let process = alive[pick].clone();
            match rng.weighted(&[55, 30, 15]) {
                // Keyed, so an append resent after a kill whose commit
                // landed late replays instead of storing a second event.
                0 => Op::Append {
                    process,
                    n: index,
                    replay_key: Some(format!("k{index}")),
                },
                1 => Op::Claim {
                    process,
                    owner: OWNERS[rng.index(OWNERS.len())],
                },
                _ => {
                    alive.remove(pick);
                    Op::Complete { process, n: index }
                }
            }
        };
        until_kill -= 1;
        let kill = (until_kill == 0).then(|| {
            killed += 1;
            until_kill = 1 + rng.below(6);
            if rng.chance(50) {
                KillMoment::InFlight {
                    after_us: rng.below(1_500),
                }
            } else {
                KillMoment::AfterAck {
                    after_us: rng.below(30_000),
                }
            }
        });
        steps.push(Step {
            index,
            advance_ms: rng.below(1_500),
            op,
            kill,
        });
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_fixes_the_plan_and_holds_the_kills_asked_for() {
        let one = plan(7, 100);
        assert_eq!(one, plan(7, 100));
        assert_ne!(one, plan(8, 100));
        assert_eq!(one.iter().filter(|step| step.kill.is_some()).count(), 100);
        assert!(one.last().is_some_and(|step| step.kill.is_some()));
    }

    #[test]
    fn every_process_is_registered_before_any_other_write_and_never_written_after_completion() {
        let mut registered = std::collections::BTreeSet::new();
        let mut completed = std::collections::BTreeSet::new();
        for step in plan(3, 200) {
            let process = step.op.process().to_owned();
            assert!(
                !completed.contains(&process),
                "{process} written after completion"
            );
            match step.op {
                Op::Register { .. } => assert!(registered.insert(process)),
                Op::Complete { .. } => {
                    assert!(registered.contains(&process));
                    completed.insert(process);
                }
                _ => assert!(registered.contains(&process)),
            }
        }
    }
}
