//! REPLAY mutants: replay keys judged on the wrong content, or replays answered wrongly.

use procreg::hash::{payload_hash, wake_id};
use procreg::{ErrorKind, ProcessEventAppendRequest, ProcessEventAppendResult, RegistryResult};
use procreg::{ForwardRegistry, ProcessRegistry};

plain_mutant! {
    /// The replay lookup compares the key only: an append whose key is held
    /// by an event with a different payload returns the stored event instead
    /// of `ReplayConflict`.
    ///
    /// Violates REPLAY-3. Upstream: bug class 14 (replay keyed on the wrong
    /// content: "replay by key only").
    ReplayByKeyOnly
}

#[async_trait::async_trait]
impl ForwardRegistry for ReplayByKeyOnly {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let error = match self.inner.append_event(process_id, request.clone()).await {
            Err(error) if error.is(ErrorKind::ReplayConflict) => error,
            other => return other,
        };
        // BUG: the key alone selects the stored event, whatever the content.
        let stored = self
            .inner
            .events_after(process_id, 0)
            .await?
            .into_iter()
            .find(|event| event.replay_key == request.replay_key)
            .ok_or(error)?;
        let mut replay = ProcessEventAppendRequest::new(stored.event_type, stored.payload);
        replay.replay_key = request.replay_key;
        replay.wake_target_scope = request.wake_target_scope;
        self.inner.append_event(process_id, replay).await
    }
}

plain_mutant! {
    /// A replay returns the stored event stamped with a freshly minted
    /// sequence (the next one), as a backend that allocates the sequence
    /// before it looks the key up.
    ///
    /// Violates REPLAY-1. Upstream: bug class 14 ("mint a new sequence on
    /// replay").
    ReplayMintsSequence
}

#[async_trait::async_trait]
impl ForwardRegistry for ReplayMintsSequence {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let last = self
            .inner
            .events_after(process_id, 0)
            .await
            .map(|events| events.last().map_or(0, |event| event.sequence))
            .unwrap_or(0);
        let mut result = self.inner.append_event(process_id, request).await?;
        if result.event.sequence <= last {
            // BUG: the sequence allocated up front is stamped on the replay.
            let minted = last + 1;
            result.event.sequence = minted;
            if let Some(delivery) = result.wake_delivery.as_mut() {
                delivery.sequence = minted;
            }
        }
        Ok(result)
    }
}

plain_mutant! {
    /// A terminal or cancel-request event without a replay key gets one
    /// filled in from its content hash instead of failing with
    /// `ReplayKeyRequired` (a "helpful" default that hides a caller bug).
    ///
    /// Violates REPLAY-6. Upstream: the check
    /// `terminal_and_cancel_events_require_keys`.
    TerminalKeyAutofilled
}

#[async_trait::async_trait]
impl ForwardRegistry for TerminalKeyAutofilled {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        match self.inner.append_event(process_id, request.clone()).await {
            Err(error) if error.is(ErrorKind::ReplayKeyRequired) => {
                // BUG: the missing key is derived instead of demanded.
                let key = format!(
                    "auto:{}",
                    payload_hash(&request.event_type, &request.payload)
                );
                self.inner
                    .append_event(process_id, request.with_replay_key(key))
                    .await
            }
            other => other,
        }
    }
}

plain_mutant! {
    /// A replayed wake delivery derives its wake id from the replay key
    /// instead of the materialised dedupe key, so the replay names a
    /// different wake than the first append did.
    ///
    /// Violates REPLAY-8 and WAKE-5. Upstream: bug class 14 ("wake id not
    /// stable across replay").
    ReplayWakeIdUnstable
}

#[async_trait::async_trait]
impl ForwardRegistry for ReplayWakeIdUnstable {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let last = self
            .inner
            .events_after(process_id, 0)
            .await
            .map(|events| events.last().map_or(0, |event| event.sequence))
            .unwrap_or(0);
        let mut result = self.inner.append_event(process_id, request).await?;
        let replayed = result.event.sequence <= last;
        if let Some(delivery) = result.wake_delivery.as_mut().filter(|_| replayed) {
            // BUG: the replay path keys the wake by what it looked up.
            let key = delivery.replay_key.clone().unwrap_or_default();
            delivery.wake_id = wake_id(delivery.target_scope_id.as_str(), &key);
        }
        Ok(result)
    }
}
