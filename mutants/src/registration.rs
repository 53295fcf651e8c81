//! REG and XREF mutants: registration idempotence and external refs.

use super::clock::PinnableClock;
use procreg::{
    Clock, ErrorKind, ProcessExternalRef, ProcessHandleDescriptor, ProcessRecord,
    ProcessRegistration, RegistryError, RegistryResult,
};
use procreg::{ForwardRegistry, ProcessRegistry};
use procreg_memory::MemoryRegistry;
use std::sync::Arc;

/// Different content under a registered id is silently accepted: the stored
/// record comes back as if the registration were identical (`INSERT OR IGNORE`).
///
/// Violates REG-10. Upstream: bug class 15 (conflicting re-register silently
/// accepted).
pub struct ConflictAccepted {
    inner: MemoryRegistry,
}

impl ConflictAccepted {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for ConflictAccepted {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let process_id = registration.id.clone();
        match self.inner.register_process(registration).await {
            // BUG: the conflict is swallowed and the stored record returned.
            Err(error) if error.is(ErrorKind::RegistrationConflict) => {
                self.inner.get_process(&process_id).await.ok_or(error)
            }
            other => other,
        }
    }
}

/// An identical re-registration returns the record re-stamped with
/// `created_at_ms = updated_at_ms = now` (an upsert that rewrites the
/// timestamps and returns the row).
///
/// Violates REG-9. Upstream: bug class 15 (identical re-register resets
/// timestamps).
pub struct ReregistrationResetsTimestamps {
    inner: MemoryRegistry,
    clock: Arc<dyn Clock>,
}

impl ReregistrationResetsTimestamps {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(Arc::clone(&clock)),
            clock,
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for ReregistrationResetsTimestamps {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let existed = self.inner.get_process(&registration.id).await.is_some();
        let mut record = self.inner.register_process(registration).await?;
        if existed {
            // BUG: the idempotent path re-stamps the record it returns.
            let now_ms = self.clock.now_ms();
            record.created_at_ms = now_ms;
            record.updated_at_ms = now_ms;
        }
        Ok(record)
    }
}

/// An identical re-registration fails with `RegistrationConflict`: the
/// registry does a plain insert and reports the primary-key clash.
///
/// Violates REG-9. Upstream: bug class 15 (identical re-register errors,
/// minting duplicate children on replay).
pub struct IdenticalReregistrationConflicts {
    inner: MemoryRegistry,
}

impl IdenticalReregistrationConflicts {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for IdenticalReregistrationConflicts {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let existing = self.inner.get_process(&registration.id).await;
        let record = self.inner.register_process(registration).await?;
        match existing {
            // BUG: any existing row is a conflict, even with the same hash.
            Some(existing) => Err(RegistryError::registration_conflict(
                &record.id,
                &existing.registration_hash,
                &record.registration_hash,
            )),
            None => Ok(record),
        }
    }
}

/// `set_external_ref` writes the ref but not `updated_at_ms` (an `UPDATE`
/// that forgets the timestamp column).
///
/// Violates XREF-4. Upstream: no bug class; kit decision D8.
pub struct ExternalRefKeepsUpdatedAt {
    inner: MemoryRegistry,
    clock: Arc<PinnableClock>,
}

impl ExternalRefKeepsUpdatedAt {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let clock = Arc::new(PinnableClock::new(clock));
        Self {
            inner: MemoryRegistry::new(Arc::clone(&clock) as Arc<dyn Clock>),
            clock,
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for ExternalRefKeepsUpdatedAt {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        let previous = self.inner.get_process(process_id).await;
        // BUG: the write stamps the old `updated_at_ms` back.
        if let Some(previous) = &previous {
            self.clock.pin(previous.updated_at_ms);
        }
        let result = self.inner.set_external_ref(process_id, external_ref).await;
        self.clock.unpin();
        result
    }
}

/// `set_external_ref` is write-once: a different later ref is silently
/// ignored and the record keeps the first (HEAD's semantics, wrong for alpha.38).
///
/// Violates XREF-3. Upstream: bug class 9 (last-writer-wins external ref,
/// fixed to write-once after alpha.38; the kit pins alpha.38).
pub struct ExternalRefWriteOnce {
    inner: MemoryRegistry,
}

impl ExternalRefWriteOnce {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for ExternalRefWriteOnce {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn set_external_ref(
        &self,
        process_id: &str,
        external_ref: ProcessExternalRef,
    ) -> RegistryResult<ProcessRecord> {
        if let Some(record) = self.inner.get_process(process_id).await {
            // BUG: an existing different ref wins over the new one.
            if record
                .external_ref
                .as_ref()
                .is_some_and(|existing| *existing != external_ref)
            {
                return Ok(record);
            }
        }
        self.inner.set_external_ref(process_id, external_ref).await
    }
}

/// A first registration also grants the owner scope a handle on the new
/// process ("the creator can obviously address it").
///
/// Violates REG-12. Upstream: the check `processes_can_exist_with_zero_grants`.
pub struct RegistrationGrantsOwner {
    inner: MemoryRegistry,
}

impl RegistrationGrantsOwner {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for RegistrationGrantsOwner {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let existed = self.inner.get_process(&registration.id).await.is_some();
        let record = self.inner.register_process(registration).await?;
        if !existed {
            // BUG: registration writes a grant as a side effect.
            self.inner
                .grant_handle(
                    &record.provenance.owner_scope,
                    &record.id,
                    ProcessHandleDescriptor::default(),
                )
                .await?;
        }
        Ok(record)
    }
}
