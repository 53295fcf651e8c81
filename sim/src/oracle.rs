//! What the registry's own answers imply, checked against its next answers:
//! a lease granted is held until it expires or its token releases it, a
//! fencing token once issued is never issued again, a terminal process never
//! comes back to the worklist.

use crate::outcome::Invariant;
use procreg::{ProcessLease, ProcessLeaseCompletion, ProcessRecord};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A lease as the registry's answers describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseView {
    /// The owner it was granted to.
    pub owner_id: String,
    /// The token that renews and releases it.
    pub lease_token: String,
    /// Its fencing token.
    pub fencing_token: u64,
    /// Expiry, epoch ms.
    pub expires_at_ms: u64,
    /// Released by its own token.
    pub released: bool,
    /// Registry restarts before it was granted.
    pub restarts_before: u64,
}

impl LeaseView {
    fn live_at(&self, now_ms: u64) -> bool {
        !self.released && now_ms < self.expires_at_ms
    }
}

/// A broken expectation: the invariant, the owners involved, and what was seen.
pub type Finding = (Invariant, Vec<String>, String);

/// The knowledge accumulated from the registry's answers.
#[derive(Debug, Default)]
pub struct Oracle {
    leases: BTreeMap<String, LeaseView>,
    issued: BTreeMap<(String, u64), String>,
    /// Shared with the snapshots a sweep's expectation holds: taking one
    /// copies nothing, and a later registration copies only while one is held.
    registered: Arc<BTreeSet<String>>,
    terminal_attempted: BTreeSet<String>,
    terminal_sequence: BTreeMap<String, (Option<String>, u64)>,
    /// The keys of `terminal_sequence`, shared like `registered`.
    terminal: Arc<BTreeSet<String>>,
    acknowledged: BTreeMap<String, BTreeMap<u64, Option<String>>>,
    restarts: u64,
}

impl Oracle {
    /// The registry host came back on its reopened store.
    pub fn registry_restarted(&mut self) {
        self.restarts += 1;
    }

    /// A registration was acknowledged.
    pub fn registered(&mut self, process_id: &str) {
        if !self.registered.contains(process_id) {
            Arc::make_mut(&mut self.registered).insert(process_id.to_owned());
        }
    }

    /// Processes whose registration was acknowledged, as of now.
    pub fn registered_ids(&self) -> Arc<BTreeSet<String>> {
        self.registered.clone()
    }

    /// The registry acknowledged an append of `process_id` at `sequence`.
    pub fn append_acknowledged(
        &mut self,
        process_id: &str,
        replay_key: Option<&str>,
        sequence: u64,
    ) {
        self.acknowledged
            .entry(process_id.to_owned())
            .or_default()
            .insert(sequence, replay_key.map(str::to_owned));
    }

    /// Every acknowledged append of `process_id`: sequence to replay key.
    pub fn acknowledged_appends(&self, process_id: &str) -> Option<&BTreeMap<u64, Option<String>>> {
        self.acknowledged.get(process_id)
    }

    /// A call that may end the process was sent.
    pub fn terminal_attempted(&mut self, process_id: &str) {
        self.terminal_attempted.insert(process_id.to_owned());
    }

    /// Processes a terminal call was ever sent for.
    pub fn terminal_attempted_ids(&self) -> &BTreeSet<String> {
        &self.terminal_attempted
    }

    /// Processes the registry has acknowledged as terminal, as of now.
    pub fn terminal_ids(&self) -> Arc<BTreeSet<String>> {
        self.terminal.clone()
    }

    /// Whether the registry has acknowledged `process_id` as terminal.
    pub fn is_terminal(&self, process_id: &str) -> bool {
        self.terminal_sequence.contains_key(process_id)
    }

    /// The registry acknowledged a terminal event of `process_id` (appended
    /// under `replay_key` at `sequence`); a second acknowledgement is only
    /// right for a replay of the first.
    pub fn terminal_acknowledged(
        &mut self,
        process_id: &str,
        replay_key: Option<&str>,
        sequence: u64,
    ) -> Option<Finding> {
        match self.terminal_sequence.get(process_id) {
            Some((first_key, first_sequence))
                if *first_sequence != sequence || first_key.as_deref() != replay_key =>
            {
                Some((
                    Invariant::ExactlyOnce,
                    Vec::new(),
                    format!(
                        "a second terminal event (key {}, sequence {sequence}) was acknowledged; the first was key {} at sequence {first_sequence}",
                        replay_key.unwrap_or("-"),
                        first_key.as_deref().unwrap_or("-")
                    ),
                ))
            }
            Some(_) => None,
            None => {
                self.terminal_sequence.insert(
                    process_id.to_owned(),
                    (replay_key.map(str::to_owned), sequence),
                );
                Arc::make_mut(&mut self.terminal).insert(process_id.to_owned());
                None
            }
        }
    }

    /// The registry granted `lease` at `now_ms`.
    pub fn claim_granted(&mut self, lease: &ProcessLease, now_ms: u64) -> Vec<Finding> {
        let mut findings = Vec::new();
        let process_id = &lease.process_id;
        if let Some(previous) = self.leases.get(process_id) {
            if previous.live_at(now_ms) && previous.owner_id != lease.owner_id {
                findings.push((
                    Invariant::SingleHolder,
                    vec![previous.owner_id.clone(), lease.owner_id.clone()],
                    format!(
                        "{} was granted the lease (fence {}) while {} still held fence {} until {} (now {now_ms})",
                        lease.owner_id,
                        lease.fencing_token,
                        previous.owner_id,
                        previous.fencing_token,
                        previous.expires_at_ms
                    ),
                ));
            }
            if lease.fencing_token <= previous.fencing_token {
                let (invariant, across) = if previous.restarts_before < self.restarts {
                    (
                        Invariant::Durability,
                        " (across a registry restart: the fencing counter must survive a reopen)",
                    )
                } else {
                    (Invariant::Fencing, "")
                };
                findings.push((
                    invariant,
                    vec![previous.owner_id.clone(), lease.owner_id.clone()],
                    format!(
                        "fencing token {} issued to {} does not exceed token {} issued before to {}{across}",
                        lease.fencing_token,
                        lease.owner_id,
                        previous.fencing_token,
                        previous.owner_id
                    ),
                ));
            }
        }
        self.issued.insert(
            (process_id.clone(), lease.fencing_token),
            lease.owner_id.clone(),
        );
        self.leases.insert(
            process_id.clone(),
            LeaseView {
                owner_id: lease.owner_id.clone(),
                lease_token: lease.lease_token.clone(),
                fencing_token: lease.fencing_token,
                expires_at_ms: lease.expires_at_epoch_ms,
                released: false,
                restarts_before: self.restarts,
            },
        );
        findings
    }

    /// The registry renewed `presented` into `renewed` at `now_ms`.
    pub fn renew_granted(
        &mut self,
        presented: &ProcessLease,
        renewed: &ProcessLease,
        now_ms: u64,
    ) -> Option<Finding> {
        let current = self.leases.get_mut(&presented.process_id);
        let finding =
            match &current {
                Some(view) if view.lease_token != presented.lease_token => Some(format!(
                    "a superseded lease of {} (fence {}) was renewed while {} holds fence {}",
                    presented.owner_id, presented.fencing_token, view.owner_id, view.fencing_token
                )),
                Some(view) if !view.live_at(now_ms) => Some(format!(
                "the lease of {} (fence {}) was renewed although it {} (expiry {}, now {now_ms})",
                presented.owner_id,
                presented.fencing_token,
                if view.released { "was released" } else { "had expired" },
                view.expires_at_ms
            )),
                None => Some(format!(
                    "a lease of {} was renewed on a process never claimed",
                    presented.owner_id
                )),
                Some(_) => None,
            };
        // Only when the presented lease was the current one: a changed
        // identity then means the renewal changed more than the expiry.
        if finding.is_none()
            && (renewed.lease_token != presented.lease_token
                || renewed.fencing_token != presented.fencing_token
                || renewed.owner_id != presented.owner_id)
        {
            return Some((
                Invariant::SingleHolder,
                vec![presented.owner_id.clone()],
                format!(
                    "renewing the lease of {} (fence {}) changed more than its expiry: it came back as {} with fence {} (LEASE-10)",
                    presented.owner_id, presented.fencing_token, renewed.owner_id, renewed.fencing_token
                ),
            ));
        }
        if let Some(view) = current {
            if finding.is_none() {
                view.expires_at_ms = renewed.expires_at_epoch_ms;
            }
        }
        finding.map(|detail| {
            (
                Invariant::SingleHolder,
                vec![presented.owner_id.clone()],
                detail,
            )
        })
    }

    /// The registry refused to renew `presented` at `now_ms`: wrong when the
    /// answers so far say it is the current, live lease.
    pub fn renew_refused(&self, presented: &ProcessLease, now_ms: u64) -> Option<Finding> {
        let view = self.leases.get(&presented.process_id)?;
        (view.lease_token == presented.lease_token && view.live_at(now_ms)).then(|| {
            (
                Invariant::SingleHolder,
                vec![presented.owner_id.clone()],
                format!(
                    "renewing the current live lease of {} (fence {}, expiry {}, now {now_ms}) was refused: it was released or superseded without its token or a claim",
                    presented.owner_id, presented.fencing_token, view.expires_at_ms
                ),
            )
        })
    }

    /// Whether granting `lease` takes the process over from another owner
    /// whose lease expired without a release.
    pub fn takes_over_expired(&self, lease: &ProcessLease, now_ms: u64) -> bool {
        self.leases.get(&lease.process_id).is_some_and(|previous| {
            previous.owner_id != lease.owner_id && !previous.released && !previous.live_at(now_ms)
        })
    }

    /// Whether `presented` is the current lease and had expired (unreleased) at `now_ms`.
    pub fn expired_unreleased(&self, presented: &ProcessLease, now_ms: u64) -> bool {
        self.leases.get(&presented.process_id).is_some_and(|view| {
            view.lease_token == presented.lease_token && !view.released && !view.live_at(now_ms)
        })
    }

    /// The registry acknowledged a release presented with `completion`.
    pub fn released(&mut self, completion: &ProcessLeaseCompletion) {
        if let Some(view) = self.leases.get_mut(&completion.process_id) {
            if view.lease_token == completion.lease_token {
                view.released = true;
            }
        }
    }

    /// The holder and fencing token of the lease `completion` releases,
    /// when it is the lease the registry last announced for its process.
    pub fn lease_by_token(&self, completion: &ProcessLeaseCompletion) -> Option<(String, u64)> {
        self.leases
            .get(&completion.process_id)
            .filter(|view| view.lease_token == completion.lease_token)
            .map(|view| (view.owner_id.clone(), view.fencing_token))
    }

    /// Who the registry issued `fencing_token` of `process_id` to, if anyone.
    pub fn fence_owner(&self, process_id: &str, fencing_token: u64) -> Option<&str> {
        self.issued
            .get(&(process_id.to_owned(), fencing_token))
            .map(String::as_str)
    }

    /// Checks a `list_non_terminal` answer: `registered_before` were
    /// acknowledged before the call began, `terminal_before` were terminal then.
    pub fn check_sweep(
        &self,
        listed: &[ProcessRecord],
        registered_before: &BTreeSet<String>,
        terminal_before: &BTreeSet<String>,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        let listed_ids: BTreeSet<&str> = listed.iter().map(|record| record.id.as_str()).collect();
        if listed.windows(2).any(|pair| pair[0].id >= pair[1].id) {
            let order: Vec<&str> = listed.iter().map(|record| record.id.as_str()).collect();
            findings.push((
                Invariant::Sweep,
                Vec::new(),
                format!(
                    "list_non_terminal is not in ascending id order: {}",
                    order.join(", ")
                ),
            ));
        }
        for record in listed {
            if record.is_terminal() || terminal_before.contains(&record.id) {
                findings.push((
                    Invariant::Sweep,
                    Vec::new(),
                    format!("list_non_terminal returned terminal process {}", record.id),
                ));
            }
        }
        let missing: Vec<&str> = registered_before
            .iter()
            .filter(|id| !self.terminal_attempted.contains(*id))
            .filter(|id| !listed_ids.contains(id.as_str()))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            findings.push((
                Invariant::Sweep,
                Vec::new(),
                format!(
                    "list_non_terminal left out running processes {}",
                    missing.join(", ")
                ),
            ));
        }
        findings
    }

    /// One line per lease: process, owner, fence, state at `now_ms`.
    pub fn lease_table(&self, now_ms: u64) -> Vec<String> {
        self.leases
            .iter()
            .map(|(process_id, view)| {
                let state = if view.released {
                    "released".to_owned()
                } else if view.live_at(now_ms) {
                    format!("live until {}", view.expires_at_ms)
                } else {
                    format!("expired at {}", view.expires_at_ms)
                };
                format!(
                    "{process_id}: {} fence {} {state}",
                    view.owner_id, view.fencing_token
                )
            })
            .collect()
    }
}
