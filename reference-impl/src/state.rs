//! The registry's state and every operation on it, synchronous and atomic under one lock.

use crate::entries::Entries;
use crate::grants::GrantIndex;
use crate::id_index::IdIndex;
use procreg::{
    check_claimable, lease_token_for, prepare_owned_event_append, session_delete_report,
    AppendDecision, LeaseSlot, PersistAppend, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessExternalRef, ProcessHandleDescriptor, ProcessHandleGrant,
    ProcessHandleGrantEntry, ProcessLease, ProcessLeaseCompletion, ProcessRecord,
    ProcessRegistration, ProcessScope, ProcessSessionDeleteReport, ProcessWakeDelivery,
    RegistrationPreparer, RegistryError, RegistryResult, RevokedProcess,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::watch;

/// One process: its record, log, replay index, wake index, acks and lease.
#[derive(Debug)]
pub(crate) struct ProcessEntry {
    pub(crate) record: ProcessRecord,
    /// `events[i]` has sequence `i + 1` (EVENT-2).
    events: Vec<ProcessEvent>,
    replay_index: BTreeMap<String, u64>,
    wake_sequences: BTreeSet<u64>,
    acked_wakes: BTreeSet<u64>,
    lease: LeaseSlot,
    /// Bumped after every persisted append; waiters subscribe before they
    /// look. Opened by the first waiter, so a process nobody waits on costs nothing.
    changes: Option<watch::Sender<u64>>,
}

impl ProcessEntry {
    fn new(record: ProcessRecord) -> Self {
        Self {
            record,
            events: Vec::new(),
            replay_index: BTreeMap::new(),
            wake_sequences: BTreeSet::new(),
            acked_wakes: BTreeSet::new(),
            lease: LeaseSlot::default(),
            changes: None,
        }
    }

    fn event(&self, sequence: u64) -> Option<&ProcessEvent> {
        let index = usize::try_from(sequence.checked_sub(1)?).ok()?;
        self.events.get(index)
    }

    fn events_after(&self, after_sequence: u64) -> &[ProcessEvent] {
        let start = usize::try_from(after_sequence)
            .unwrap_or(usize::MAX)
            .min(self.events.len());
        &self.events[start..]
    }

    /// A receiver that sees every append made after this call.
    pub(crate) fn subscribe(&mut self) -> watch::Receiver<u64> {
        self.changes
            .get_or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// The first event of `event_type` after the cursor (WAIT-1).
    pub(crate) fn first_event_after(
        &self,
        event_type: &str,
        after_sequence: u64,
    ) -> Option<ProcessEvent> {
        self.events_after(after_sequence)
            .iter()
            .find(|event| event.event_type == event_type)
            .cloned()
    }
}

/// What an append did. It lives for one call, so its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Appended {
    /// The request replayed a stored event; nothing was written (REPLAY-1).
    Replayed(ProcessEventAppendResult),
    /// The event is the process's last, with this wake delivery.
    Stored {
        wake_delivery: Option<ProcessWakeDelivery>,
    },
}

/// Everything the registry knows.
#[derive(Debug, Default)]
pub(crate) struct RegistryState {
    /// Every process ever registered, in registration order (none is ever removed).
    entries: Entries<ProcessEntry>,
    /// Where each process id's entry is in `entries`. Only ever looked up,
    /// never iterated, so its order cannot reach any answer or trace.
    slots: IdIndex,
    /// The slots of running processes by id, so the sweep is O(live) and
    /// needs no lookup per process (SWEEP-1).
    live: BTreeMap<Arc<str>, usize>,
    /// Validates and hashes registrations, reusing the work for a repeated list of event types.
    preparer: RegistrationPreparer,
    grants: GrantIndex,
    /// Makes each minted lease token unique even across equal fencing tokens.
    lease_nonce: u64,
}

impl RegistryState {
    fn slot_of(&self, process_id: &str) -> Option<usize> {
        let entries = &self.entries;
        self.slots.get(process_id, |slot| {
            entries.get(slot).map_or("", |entry| &entry.record.id)
        })
    }

    fn find(&self, process_id: &str) -> Option<&ProcessEntry> {
        let slot = self.slot_of(process_id)?;
        self.entries.get(slot)
    }

    fn find_mut(&mut self, process_id: &str) -> Option<&mut ProcessEntry> {
        let slot = self.slot_of(process_id)?;
        self.entries.get_mut(slot)
    }

    pub(crate) fn entry(&self, process_id: &str) -> RegistryResult<&ProcessEntry> {
        self.find(process_id)
            .ok_or_else(|| RegistryError::unknown_process(process_id))
    }

    pub(crate) fn entry_mut(&mut self, process_id: &str) -> RegistryResult<&mut ProcessEntry> {
        self.find_mut(process_id)
            .ok_or_else(|| RegistryError::unknown_process(process_id))
    }

    pub(crate) fn register(
        &mut self,
        registration: ProcessRegistration,
        now_ms: u64,
    ) -> RegistryResult<ProcessRecord> {
        let record = self.preparer.prepare_record(registration, now_ms)?;
        if let Some(existing) = self.find(&record.id) {
            let existing = &existing.record;
            if existing.registration_hash == record.registration_hash {
                return Ok(existing.clone());
            }
            return Err(RegistryError::registration_conflict(
                &record.id,
                &existing.registration_hash,
                &record.registration_hash,
            ));
        }
        let slot = self.entries.len();
        self.slots.insert(&record.id, slot);
        let process_id: Arc<str> = Arc::from(record.id.as_str());
        self.entries.push(ProcessEntry::new(record.clone()));
        self.live.insert(process_id, slot);
        Ok(record)
    }

    pub(crate) fn set_external_ref(
        &mut self,
        process_id: &str,
        external_ref: ProcessExternalRef,
        now_ms: u64,
    ) -> RegistryResult<ProcessRecord> {
        let entry = self.entry_mut(process_id)?;
        entry.record.external_ref = Some(external_ref);
        entry.record.updated_at_ms = now_ms;
        Ok(entry.record.clone())
    }

    pub(crate) fn grant(
        &mut self,
        owner_scope: &ProcessScope,
        process_id: &str,
        descriptor: ProcessHandleDescriptor,
    ) -> RegistryResult<ProcessHandleGrant> {
        self.entry(process_id)?;
        let grant = ProcessHandleGrant {
            session_id: owner_scope.session_id.clone(),
            process_id: process_id.to_owned(),
            descriptor,
        };
        self.grants.upsert(owner_scope.id(), grant.clone());
        Ok(grant)
    }

    pub(crate) fn revoke(&mut self, owner_scope: &ProcessScope, process_id: &str) {
        self.grants.remove(&owner_scope.id(), process_id);
    }

    pub(crate) fn transfer(
        &mut self,
        from_scope: &ProcessScope,
        to_scope: &ProcessScope,
        process_ids: &[String],
    ) -> RegistryResult<()> {
        let from_id = from_scope.id();
        let to_id = to_scope.id();
        // Validate the whole list first, in order, as if moving one by one, so
        // a failure leaves no trace (GRANT-12).
        let mut moved = BTreeSet::new();
        for process_id in process_ids {
            let already_moved = from_id != to_id && moved.contains(process_id.as_str());
            if already_moved || self.grants.get(&from_id, process_id).is_none() {
                return Err(RegistryError::grant_missing(
                    process_id,
                    &from_scope.session_id,
                ));
            }
            moved.insert(process_id.as_str());
        }
        for process_id in moved {
            if let Some(grant) = self.grants.remove(&from_id, process_id) {
                let moved_grant = ProcessHandleGrant {
                    session_id: to_scope.session_id.clone(),
                    process_id: grant.process_id,
                    descriptor: grant.descriptor,
                };
                self.grants.upsert(to_id.clone(), moved_grant);
            }
        }
        Ok(())
    }

    pub(crate) fn list_grants(
        &self,
        owner_scope: &ProcessScope,
        live_only: bool,
    ) -> Vec<ProcessHandleGrantEntry> {
        self.grants
            .for_scope(&owner_scope.id())
            .filter_map(|grant| {
                let record = &self.find(&grant.process_id)?.record;
                (!live_only || !record.is_terminal()).then(|| (grant.clone(), record.clone()))
            })
            .collect()
    }

    pub(crate) fn has_grant(&self, owner_scope: &ProcessScope, process_id: &str) -> bool {
        self.slot_of(process_id).is_some()
            && self.grants.get(&owner_scope.id(), process_id).is_some()
    }

    pub(crate) fn grants_for_process(
        &self,
        process_id: &str,
    ) -> RegistryResult<Vec<ProcessHandleGrant>> {
        self.entry(process_id)?;
        Ok(self.grants.for_process(process_id))
    }

    pub(crate) fn delete_session(&mut self, session_id: &str) -> ProcessSessionDeleteReport {
        let rows = self.grants.rows_of_session(session_id);
        let revoked_handle_count = rows.len();
        let mut touched = BTreeSet::new();
        for (scope_id, process_id) in rows {
            self.grants.remove(&scope_id, &process_id);
            touched.insert(process_id);
        }
        let revoked = touched.into_iter().map(|process_id| RevokedProcess {
            is_terminal: self
                .find(&process_id)
                .map(|entry| entry.record.is_terminal()),
            still_granted: self.grants.is_granted_anywhere(&process_id),
            process_id,
        });
        session_delete_report(session_id, revoked_handle_count, revoked)
    }

    /// Appends for `append_event`: the stored event (or the replayed one) and its wake delivery.
    pub(crate) fn append(
        &mut self,
        process_id: &str,
        request: ProcessEventAppendRequest,
        now_ms: u64,
    ) -> RegistryResult<ProcessEventAppendResult> {
        match self.store_event(process_id, request, now_ms)? {
            Appended::Replayed(result) => Ok(result),
            Appended::Stored { wake_delivery } => {
                let event = self.entry(process_id)?.events.last().cloned();
                let event = event.ok_or_else(|| RegistryError::unknown_process(process_id))?;
                Ok(ProcessEventAppendResult {
                    event,
                    wake_delivery,
                })
            }
        }
    }

    /// Appends for `complete_process`: the record after the terminal event.
    pub(crate) fn append_terminal(
        &mut self,
        process_id: &str,
        request: ProcessEventAppendRequest,
        now_ms: u64,
    ) -> RegistryResult<ProcessRecord> {
        self.store_event(process_id, request, now_ms)?;
        Ok(self.entry(process_id)?.record.clone())
    }

    /// Decides an append and, unless it replays, stores the event (moved,
    /// never copied) and updates the record, the indexes and the waiters.
    fn store_event(
        &mut self,
        process_id: &str,
        request: ProcessEventAppendRequest,
        now_ms: u64,
    ) -> RegistryResult<Appended> {
        let entry = self.entry_mut(process_id)?;
        let replay_match = request
            .replay_key
            .as_ref()
            .and_then(|key| entry.replay_index.get(key))
            .and_then(|sequence| entry.event(*sequence));
        let next_sequence = entry.events.len() as u64 + 1;
        let persist = match prepare_owned_event_append(
            &entry.record,
            request,
            replay_match,
            next_sequence,
            now_ms,
        )? {
            AppendDecision::Replay(result) => return Ok(Appended::Replayed(result)),
            AppendDecision::Persist(persist) => persist,
        };
        persist.apply_to(&mut entry.record);
        let PersistAppend {
            event,
            wake_delivery,
            ..
        } = persist;
        if let Some(key) = &event.replay_key {
            entry.replay_index.insert(key.clone(), event.sequence);
        }
        if event.semantics.wake.is_some() {
            entry.wake_sequences.insert(event.sequence);
        }
        let sequence = event.sequence;
        entry.events.push(event);
        if let Some(changes) = &entry.changes {
            changes.send_replace(sequence);
        }
        if entry.record.is_terminal() {
            self.live.remove(process_id);
        }
        Ok(Appended::Stored { wake_delivery })
    }

    pub(crate) fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        Ok(self
            .entry(process_id)?
            .events_after(after_sequence)
            .to_vec())
    }

    pub(crate) fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let entry = self.entry(process_id)?;
        let Some(first) = after_sequence.checked_add(1) else {
            return Ok(Vec::new());
        };
        Ok(entry
            .wake_sequences
            .range(first..)
            .filter(|sequence| !entry.acked_wakes.contains(sequence))
            .filter_map(|sequence| entry.event(*sequence).cloned())
            .collect())
    }

    pub(crate) fn ack_wake(&mut self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        self.entry_mut(process_id)?.acked_wakes.insert(sequence);
        Ok(())
    }

    pub(crate) fn get(&self, process_id: &str) -> Option<ProcessRecord> {
        self.find(process_id).map(|entry| entry.record.clone())
    }

    pub(crate) fn list_non_terminal(&self) -> Vec<ProcessRecord> {
        let mut records = Vec::with_capacity(self.live.len());
        records.extend(
            self.live
                .values()
                .filter_map(|slot| self.entries.get(*slot))
                .map(|entry| entry.record.clone()),
        );
        records
    }

    pub(crate) fn claim(
        &mut self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
        now_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        check_claimable(process_id, self.find(process_id).map(|entry| &entry.record))?;
        let nonce = self.lease_nonce;
        let entry = self.entry_mut(process_id)?;
        let lease = entry.lease.claim(
            process_id,
            owner_id,
            lease_ttl_ms,
            now_ms,
            |fencing_token| lease_token_for(process_id, fencing_token, nonce),
        )?;
        self.lease_nonce += 1;
        Ok(lease)
    }

    pub(crate) fn renew(
        &mut self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
        now_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let entry = self
            .find_mut(&lease.process_id)
            .ok_or_else(|| RegistryError::lease_lost(&lease.process_id))?;
        entry.lease.renew(lease, lease_ttl_ms, now_ms)
    }

    pub(crate) fn release(&mut self, completion: &ProcessLeaseCompletion) {
        if let Some(entry) = self.find_mut(&completion.process_id) {
            entry.lease.release(completion);
        }
    }
}
