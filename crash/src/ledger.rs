//! What the registry acknowledged, and so what it must answer next: the
//! next sequence of every log, the highest fencing token, who holds a lease.

use crate::workload::{Op, Step};
use procreg::{ErrorKind, ProcessLease, RegistryError};
use std::collections::BTreeMap;

/// An acknowledged event: its payload's number and replay key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// `{"n": n}`.
    pub n: u64,
    /// The key it was appended with.
    pub replay_key: Option<String>,
}

/// Who holds a process's lease, as far as the acknowledged answers tell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Lease {
    /// Never claimed (by an acknowledged claim).
    #[default]
    Free,
    /// Held by `owner` while the clock reads less than `expires_at_ms`.
    Held {
        /// The holder.
        owner: &'static str,
        /// The acknowledged expiry.
        expires_at_ms: u64,
    },
    /// A claim was cut off by a kill: whether it was stored is unknown.
    Unknown,
}

/// What is known of one process.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Its registration was acknowledged.
    pub registered: bool,
    /// Its acknowledged events, in order: event `i` has sequence `i + 1`.
    pub events: Vec<Logged>,
    /// Its acknowledged completion's output number.
    pub completed: Option<u64>,
    /// The highest fencing token acknowledged.
    pub fence: u64,
    /// Its lease.
    pub lease: Lease,
}

/// An answer that breaks a rule: the rule and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The rule (`REG-16`, `LEASE-7`, ...).
    pub rule: &'static str,
    /// What the registry did.
    pub detail: String,
}

impl Broken {
    /// `rule` broken as `detail` says.
    pub fn new(rule: &'static str, detail: impl Into<String>) -> Self {
        Self {
            rule,
            detail: detail.into(),
        }
    }
}

/// A write's answer, as the run received it.
#[derive(Debug, Clone)]
pub enum Answer {
    /// `register_process` succeeded.
    Registered,
    /// `append_event` succeeded, storing the event at this sequence.
    Appended(u64),
    /// `claim_process_lease` succeeded.
    Claimed(ProcessLease),
    /// `complete_process` succeeded.
    Completed,
}

/// See the module docs.
#[derive(Debug, Default)]
pub struct Ledger {
    processes: BTreeMap<String, Known>,
}

impl Ledger {
    /// What is known of `process` (nothing for one never written).
    pub fn known(&self, process: &str) -> Known {
        self.processes.get(process).cloned().unwrap_or_default()
    }

    /// Every process ever written, by id.
    pub fn processes(&self) -> impl Iterator<Item = &String> {
        self.processes.keys()
    }

    fn entry(&mut self, process: &str) -> &mut Known {
        self.processes.entry(process.to_owned()).or_default()
    }

    /// Records `step`'s answer at `now_ms`; an answer the acknowledged
    /// state rules out is returned as broken.
    pub fn settle(
        &mut self,
        step: &Step,
        now_ms: u64,
        answer: Result<Answer, RegistryError>,
    ) -> Option<Broken> {
        let what = step.op.describe();
        match (&step.op, answer) {
            (Op::Register { process }, Ok(Answer::Registered)) => {
                self.entry(process).registered = true;
                None
            }
            (Op::Append { process, n, replay_key }, Ok(Answer::Appended(sequence))) => {
                let known = self.entry(process);
                let expected = known.events.len() as u64 + 1;
                known.events.push(Logged {
                    n: *n,
                    replay_key: replay_key.clone(),
                });
                (sequence != expected).then(|| {
                    Broken::new(
                        "REG-16",
                        format!(
                            "{what} was stored at sequence {sequence} where the acknowledged log makes it {expected}"
                        ),
                    )
                })
            }
            (Op::Claim { process, owner }, Ok(Answer::Claimed(lease))) => {
                self.claimed(process, owner, now_ms, &lease, &what)
            }
            (Op::Claim { process, owner }, Err(error)) if error.is(ErrorKind::LeaseHeld) => {
                match self.known(process).lease {
                    Lease::Held { owner: holder, expires_at_ms }
                        if holder == *owner || now_ms >= expires_at_ms =>
                    {
                        Some(Broken::new(
                            "REG-16",
                            format!(
                                "{what} was refused ({error}) at {now_ms} ms, but the only acknowledged lease ({holder}, until {expires_at_ms} ms) does not hold it off"
                            ),
                        ))
                    }
                    Lease::Free => Some(Broken::new(
                        "REG-16",
                        format!("{what} was refused ({error}), but no claim of it was ever stored"),
                    )),
                    _ => None,
                }
            }
            (Op::Complete { process, n }, Ok(Answer::Completed)) => {
                self.entry(process).completed = Some(*n);
                None
            }
            (_, Err(error)) => Some(Broken::new(
                "REG-16",
                format!("{what} failed: {error}"),
            )),
            (_, Ok(other)) => Some(Broken::new(
                "REG-16",
                format!("{what} got an answer of another call: {other:?}"),
            )),
        }
    }

    fn claimed(
        &mut self,
        process: &str,
        owner: &'static str,
        now_ms: u64,
        lease: &ProcessLease,
        what: &str,
    ) -> Option<Broken> {
        let known = self.entry(process);
        let before = std::mem::replace(
            &mut known.lease,
            Lease::Held {
                owner,
                expires_at_ms: lease.expires_at_epoch_ms,
            },
        );
        let previous_fence = std::mem::replace(&mut known.fence, lease.fencing_token);
        if lease.fencing_token <= previous_fence {
            return Some(Broken::new(
                "LEASE-7",
                format!(
                    "{what} got fencing token {}, not above the {previous_fence} acknowledged before: fencing went back",
                    lease.fencing_token
                ),
            ));
        }
        match before {
            Lease::Held {
                owner: holder,
                expires_at_ms,
            } if holder != owner && now_ms < expires_at_ms => Some(Broken::new(
                "REG-16",
                format!(
                    "{what} was granted at {now_ms} ms while the acknowledged lease of {holder} lives until {expires_at_ms} ms: the stored lease was lost"
                ),
            )),
            _ => None,
        }
    }

    /// After a restart: the cut-off write of `op` turned out stored.
    pub fn adopt(&mut self, op: &Op) {
        match op {
            Op::Register { process } => self.entry(process).registered = true,
            Op::Append {
                process,
                n,
                replay_key,
            } => self.entry(process).events.push(Logged {
                n: *n,
                replay_key: replay_key.clone(),
            }),
            Op::Complete { process, n } => self.entry(process).completed = Some(*n),
            Op::Claim { process, .. } => self.entry(process).lease = Lease::Unknown,
        }
    }
}
