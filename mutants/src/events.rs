//! EVENT mutants: cursors and sequences.

use super::lock;
use procreg::{
    Clock, ErrorKind, ProcessAwaitOutput, ProcessEvent, ProcessEventAppendRequest,
    ProcessEventAppendResult, ProcessRecord, RegistryResult,
};
use procreg::{ForwardRegistry, ProcessRegistry};
use procreg_memory::MemoryRegistry;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

plain_mutant! {
    /// `events_after(id, n)` returns the events with `sequence >= n`: the
    /// cursor event itself is read again (`>=` where `>` was meant).
    ///
    /// Violates EVENT-7. Upstream: the check
    /// `event_streams_filter_order_and_wait_without_leaking_old_events`.
    CursorOffByOne
}

#[async_trait::async_trait]
impl ForwardRegistry for CursorOffByOne {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        // BUG: `WHERE sequence >= ?`.
        self.inner
            .events_after(process_id, after_sequence.saturating_sub(1))
            .await
    }
}

plain_mutant! {
    /// `events_after` on an unknown process returns an empty list instead of
    /// `NotFound` (a `SELECT` over the events table that never looks at the
    /// processes table).
    ///
    /// Violates EVENT-7 and ERR-4. Upstream: notes section 3 (absence is an
    /// error except where the contract says so).
    UnknownProcessReadsEmpty
}

#[async_trait::async_trait]
impl ForwardRegistry for UnknownProcessReadsEmpty {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        match self.inner.events_after(process_id, after_sequence).await {
            // BUG: no rows is taken for "no events".
            Err(error) if error.is(ErrorKind::NotFound) => Ok(Vec::new()),
            other => other,
        }
    }
}

/// The visible sequence of every persisted event of one process, and how
/// many numbers failed appends burned so far.
#[derive(Debug, Default)]
struct Numbering {
    /// `visible[i]` is the sequence shown for the event stored at `i + 1`.
    visible: Vec<u64>,
    burned: u64,
}

impl Numbering {
    fn show(&self, stored: u64) -> u64 {
        usize::try_from(stored.saturating_sub(1))
            .ok()
            .and_then(|index| self.visible.get(index).copied())
            .unwrap_or_else(|| stored.saturating_add(self.burned))
    }

    /// The stored cursor equivalent to the visible cursor `after`.
    fn stored_cursor(&self, after: u64) -> u64 {
        match self.visible.last() {
            Some(last) if after <= *last => {
                self.visible.partition_point(|shown| *shown <= after) as u64
            }
            _ => after
                .saturating_sub(self.burned)
                .max(self.visible.len() as u64),
        }
    }

    /// The stored sequence of the visible `sequence` (for acks).
    fn stored(&self, sequence: u64) -> u64 {
        match self.visible.binary_search(&sequence) {
            Ok(index) => index as u64 + 1,
            Err(_) => sequence.saturating_sub(self.burned),
        }
    }
}

/// A failed append still consumes a sequence number (as a database sequence
/// that is not rolled back), so the log shows gaps: every sequence the
/// registry returns or lists is shifted by the numbers burned before it.
///
/// Violates EVENT-2. Upstream: bug class 11 (non-transactional change-feed
/// sequence: Postgres `nextval` is not rolled back).
pub struct FailedAppendConsumesSequence {
    inner: MemoryRegistry,
    numbering: Mutex<BTreeMap<String, Numbering>>,
    appends: tokio::sync::Mutex<()>,
}

impl FailedAppendConsumesSequence {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
            numbering: Mutex::new(BTreeMap::new()),
            appends: tokio::sync::Mutex::new(()),
        }
    }

    fn show(&self, mut event: ProcessEvent) -> ProcessEvent {
        if let Some(numbering) = lock(&self.numbering).get(&event.process_id) {
            event.sequence = numbering.show(event.sequence);
        }
        event
    }

    fn stored_cursor(&self, process_id: &str, after: u64) -> u64 {
        lock(&self.numbering)
            .get(process_id)
            .map_or(after, |numbering| numbering.stored_cursor(after))
    }

    /// Numbers the events persisted since the last call, or burns a number
    /// when the append failed on an existing process.
    async fn account<T>(&self, process_id: &str, result: &RegistryResult<T>) {
        match result {
            Err(error) if error.is(ErrorKind::NotFound) => {}
            // BUG: the failed transaction keeps the number it drew.
            Err(_) => {
                lock(&self.numbering)
                    .entry(process_id.to_owned())
                    .or_default()
                    .burned += 1;
            }
            Ok(_) => {
                let known = lock(&self.numbering)
                    .get(process_id)
                    .map_or(0, |numbering| numbering.visible.len() as u64);
                let fresh = self
                    .inner
                    .events_after(process_id, known)
                    .await
                    .unwrap_or_default();
                let mut numbering = lock(&self.numbering);
                let numbering = numbering.entry(process_id.to_owned()).or_default();
                for event in fresh {
                    let shown = event.sequence.saturating_add(numbering.burned);
                    numbering.visible.push(shown);
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for FailedAppendConsumesSequence {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let _serialised = self.appends.lock().await;
        let result = self.inner.append_event(process_id, request).await;
        self.account(process_id, &result).await;
        let mut result = result?;
        result.event = self.show(result.event);
        if let Some(delivery) = result.wake_delivery.as_mut() {
            delivery.sequence = result.event.sequence;
        }
        Ok(result)
    }

    async fn complete_process(
        &self,
        process_id: &str,
        await_output: ProcessAwaitOutput,
    ) -> RegistryResult<ProcessRecord> {
        let _serialised = self.appends.lock().await;
        let result = self.inner.complete_process(process_id, await_output).await;
        self.account(process_id, &result).await;
        result
    }

    async fn events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let cursor = self.stored_cursor(process_id, after_sequence);
        let events = self.inner.events_after(process_id, cursor).await?;
        Ok(events.into_iter().map(|event| self.show(event)).collect())
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let cursor = self.stored_cursor(process_id, after_sequence);
        let events = self.inner.wake_events_after(process_id, cursor).await?;
        Ok(events.into_iter().map(|event| self.show(event)).collect())
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        let cursor = self.stored_cursor(process_id, after_sequence);
        let event = self
            .inner
            .wait_event_after(process_id, event_type, cursor)
            .await?;
        Ok(self.show(event))
    }

    async fn ack_wake(&self, process_id: &str, sequence: u64) -> RegistryResult<()> {
        let stored = lock(&self.numbering)
            .get(process_id)
            .map_or(sequence, |numbering| numbering.stored(sequence));
        self.inner.ack_wake(process_id, stored).await
    }
}
