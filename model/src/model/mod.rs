//! The executable model: a pure, synchronous, deliberately simple specification of the contract.
//!
//! It is written independently of `MemoryRegistry` and of the contract's
//! shared decisions (`prepare_event_append`, `LeaseSlot`): it reuses only
//! the contract's leaf helpers (registration preparation, selectors,
//! materialisation, schema validation, hashes). So a bug in a shared
//! decision shows up as a disagreement between the model and every backend.
//! Every transition cites its rule ids in docs/spec.md.

mod events;
mod grants;
mod leases;

use procreg::{
    prepare_registration, DurabilityTier, ProcessEvent, ProcessExternalRef, ProcessHandleGrant,
    ProcessRecord, ProcessRegistration, ProcessScopeId, RegistryError, RegistryResult,
};
use std::collections::{BTreeMap, BTreeSet};

/// The whole registry state, as the spec describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistryModel {
    now_ms: u64,
    durability_tier: DurabilityTier,
    processes: BTreeMap<String, ModelProcess>,
    /// Grants keyed by (scope id, process id) (GRANT-2, GRANT-3).
    grants: BTreeMap<(ProcessScopeId, String), ProcessHandleGrant>,
    /// Lease tokens issued so far; each claim mints the next (LEASE-8).
    tokens_issued: u64,
    /// Whether a claim on a terminal process succeeds (LEASE-2 is a SHOULD
    /// rule: a registry may allow it outside strict mode).
    terminal_claims_allowed: bool,
}

/// One process: its record, its log, its acks and its lease.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelProcess {
    pub(crate) record: ProcessRecord,
    pub(crate) log: Vec<ProcessEvent>,
    pub(crate) acks: BTreeSet<u64>,
    pub(crate) lease: ModelLease,
}

/// A process's lease: the holder, if any, and the last fencing token issued.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ModelLease {
    pub(crate) holder: Option<ModelHolder>,
    pub(crate) fencing_token: u64,
}

/// Who holds a lease and until when.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelHolder {
    pub(crate) owner_id: String,
    pub(crate) lease_token: String,
    pub(crate) claimed_at_ms: u64,
    pub(crate) expires_at_ms: u64,
}

impl RegistryModel {
    /// An empty registry whose clock reads `now_ms`.
    pub fn new(now_ms: u64, durability_tier: DurabilityTier) -> Self {
        Self {
            now_ms,
            durability_tier,
            ..Self::default()
        }
    }

    /// What the model holds for `process_id`, one fact a line: its status,
    /// its log, the wakes acknowledged and its lease.
    pub fn describe_process(&self, process_id: &str) -> String {
        let Some(process) = self.processes.get(process_id) else {
            return format!("process `{process_id}` is not registered");
        };
        let mut lines = vec![format!(
            "process `{process_id}`: status {:?}, {} event(s)",
            process.record.status,
            process.log.len()
        )];
        for event in &process.log {
            let key = event
                .replay_key
                .as_deref()
                .map_or_else(String::new, |key| format!(" (replay key {key:?})"));
            lines.push(format!("  #{} {}{key}", event.sequence, event.event_type));
        }
        if !process.acks.is_empty() {
            let acks: Vec<String> = process.acks.iter().map(u64::to_string).collect();
            lines.push(format!("wakes acknowledged: {}", acks.join(", ")));
        }
        lines.push(match &process.lease.holder {
            Some(holder) => format!(
                "lease held by {} (fence {}), claimed at {}, expires at {}",
                holder.owner_id,
                process.lease.fencing_token,
                holder.claimed_at_ms,
                holder.expires_at_ms
            ),
            None => format!(
                "no lease held; last fence issued {}",
                process.lease.fencing_token
            ),
        });
        lines.join("\n")
    }

    /// This model, leasing terminal processes as a lenient registry does
    /// (LEASE-2 is a SHOULD rule).
    pub fn allowing_terminal_claims(mut self) -> Self {
        self.terminal_claims_allowed = true;
        self
    }

    /// The clock reading.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Moves the clock (CLOCK-1: every later timestamp reads it).
    pub fn advance_clock(&mut self, delta_ms: u64) {
        self.now_ms = self.now_ms.saturating_add(delta_ms);
    }

    /// Sets the clock back (CLOCK-5: registries assume no monotonicity).
    pub fn rewind_clock(&mut self, delta_ms: u64) {
        self.now_ms = self.now_ms.saturating_sub(delta_ms);
    }

    /// REG-15.
    pub fn durability_tier(&self) -> DurabilityTier {
        self.durability_tier
    }

    pub(crate) fn process(&self, process_id: &str) -> RegistryResult<&ModelProcess> {
        self.processes
            .get(process_id)
            .ok_or_else(|| RegistryError::unknown_process(process_id))
    }

    pub(crate) fn process_mut(&mut self, process_id: &str) -> RegistryResult<&mut ModelProcess> {
        self.processes
            .get_mut(process_id)
            .ok_or_else(|| RegistryError::unknown_process(process_id))
    }

    /// REG-1..REG-14: validate, then create, replay identical content, or conflict.
    pub fn register_process(
        &mut self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let prepared = prepare_registration(registration)?;
        let id = prepared.registration.id.clone();
        if let Some(existing) = self.processes.get(&id) {
            // REG-9 identical content returns the stored record; REG-10 conflicts.
            if *existing.record.registration_hash == *prepared.registration_hash {
                return Ok(existing.record.clone());
            }
            return Err(RegistryError::registration_conflict(
                &id,
                &existing.record.registration_hash,
                &prepared.registration_hash,
            ));
        }
        // REG-8: running, both timestamps now, no ref; REG-12: nothing else.
        let record = prepared.into_record(self.now_ms);
        self.processes.insert(
            id,
            ModelProcess {
                record: record.clone(),
                log: Vec::new(),
                acks: BTreeSet::new(),
                lease: ModelLease::default(),
            },
        );
        Ok(record)
    }

    /// XREF-1..XREF-6: last writer wins and bumps `updated_at_ms`.
    pub fn set_external_ref(
        &mut self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        let now_ms = self.now_ms;
        let process = self.process_mut(process_id)?;
        process.record.external_ref = Some(external_ref);
        process.record.updated_at_ms = now_ms;
        Ok(process.record.clone())
    }

    /// ERR-4: `None` for unknown ids.
    pub fn get_process(&self, process_id: &str) -> Option<ProcessRecord> {
        self.processes
            .get(process_id)
            .map(|process| process.record.clone())
    }

    /// SWEEP-1..SWEEP-4: running records by id.
    pub fn list_non_terminal(&self) -> Vec<ProcessRecord> {
        self.processes
            .values()
            .filter(|process| !process.record.is_terminal())
            .map(|process| process.record.clone())
            .collect()
    }

    /// Ids of every registered process, ascending.
    pub fn process_ids(&self) -> Vec<String> {
        self.processes.keys().cloned().collect()
    }
}
