//! WAKE mutants: deliveries dropped or misaddressed, acks lost, partial writes, plain events listed.

use procreg::hash::wake_id;
use procreg::{
    ErrorKind, ProcessEvent, ProcessEventAppendRequest, ProcessEventAppendResult, ProcessScope,
    RegistryError, RegistryResult,
};
use procreg::{ForwardRegistry, ProcessRegistry};

plain_mutant! {
    /// A wake event appended with a target is persisted with its wake, but no
    /// delivery is returned: the wake is silently dropped.
    ///
    /// Violates WAKE-1. Upstream: bug class 6 (wake silently dropped, 83832b2b:
    /// "drop the delivery while a target is present").
    DeliveryDropped
}

#[async_trait::async_trait]
impl ForwardRegistry for DeliveryDropped {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let mut result = self.inner.append_event(process_id, request).await?;
        // BUG: the delivery is built, then never handed back.
        result.wake_delivery = None;
        Ok(result)
    }
}

plain_mutant! {
    /// A wake event without a target fails with `MissingWakeTarget`, but only
    /// after the event row was written: the error path commits a partial write.
    ///
    /// Violates WAKE-7 and ERR-3. Upstream: bug class 5 (partial write
    /// committed on a logical error) and bug class 6 ("persist on the erroring
    /// path"); the check `wake_semantic_events_without_target_fail_without_persisting`.
    MissingTargetPersists
}

#[async_trait::async_trait]
impl ForwardRegistry for MissingTargetPersists {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        match self.inner.append_event(process_id, request.clone()).await {
            Err(error) if error.is(ErrorKind::MissingWakeTarget) => {
                // BUG: INSERT first, build the delivery second, no rollback.
                let written = request.with_wake_target(ProcessScope::session(""));
                self.inner.append_event(process_id, written).await?;
                Err(error)
            }
            other => other,
        }
    }
}

plain_mutant! {
    /// The wake delivery is addressed to the record's owner scope instead of
    /// the request's `wake_target_scope` (the wake id follows the wrong scope).
    ///
    /// Violates WAKE-6 (and WAKE-5 through the wake id). Upstream: bug class 6
    /// (369d6435: HEAD moved the wake target to the record; alpha.38 takes it
    /// from the request).
    TargetFromRecord
}

#[async_trait::async_trait]
impl ForwardRegistry for TargetFromRecord {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn append_event(
        &self,
        process_id: &str,
        request: ProcessEventAppendRequest,
    ) -> RegistryResult<ProcessEventAppendResult> {
        let mut result = self.inner.append_event(process_id, request).await?;
        if let Some(delivery) = result.wake_delivery.as_mut() {
            if let Some(record) = self.inner.get_process(process_id).await {
                // BUG: the record's owner scope stands in for the request's target.
                let owner = record.provenance.owner_scope.clone();
                delivery.target_scope_id = owner.id();
                delivery.target_session_id = owner.session_id;
                delivery.wake_id = wake_id(delivery.target_scope_id.as_str(), &delivery.dedupe_key);
            }
        }
        Ok(result)
    }
}

plain_mutant! {
    /// `ack_wake` succeeds but records nothing, so acknowledged wakes keep
    /// being listed by `wake_events_after`.
    ///
    /// Violates WAKE-10. Upstream: bug class 13 ("acked wakes reappear"); the
    /// check `validates_custom_events_and_materializes_wakes`.
    AcksIgnored
}

#[async_trait::async_trait]
impl ForwardRegistry for AcksIgnored {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn ack_wake(&self, process_id: &str, _sequence: u64) -> RegistryResult<()> {
        // BUG: the existence check is all that is left of the ack.
        match self.inner.get_process(process_id).await {
            Some(_) => Ok(()),
            None => Err(RegistryError::unknown_process(process_id)),
        }
    }
}

plain_mutant! {
    /// `wake_events_after` forgets the "carries a wake" filter: every
    /// unacknowledged event after the cursor is listed, plain events included.
    ///
    /// Violates WAKE-11 (and WAKE-9). Upstream: the check
    /// `wake_semantics_matrix_materializes_declared_wakes`.
    PlainEventsListedAsWakes
}

#[async_trait::async_trait]
impl ForwardRegistry for PlainEventsListedAsWakes {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn wake_events_after(
        &self,
        process_id: &str,
        after_sequence: u64,
    ) -> RegistryResult<Vec<ProcessEvent>> {
        let wakes = self
            .inner
            .wake_events_after(process_id, after_sequence)
            .await?;
        // BUG: `WHERE sequence > ? AND NOT acked`, without `AND wake IS NOT NULL`.
        let mut listed: Vec<ProcessEvent> = self
            .inner
            .events_after(process_id, after_sequence)
            .await?
            .into_iter()
            .filter(|event| event.semantics.wake.is_none())
            .chain(wakes)
            .collect();
        listed.sort_by_key(|event| event.sequence);
        Ok(listed)
    }
}
