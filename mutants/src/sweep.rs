//! SWEEP mutants: the crash-recovery worklist listing too much or out of order.

use super::lock;
use procreg::{Clock, ProcessRecord, ProcessRegistration, RegistryResult};
use procreg::{ForwardRegistry, ProcessRegistry};
use procreg_memory::MemoryRegistry;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// `list_non_terminal` lists every registered process, terminal ones
/// included (the status filter fell out of the query).
///
/// Violates SWEEP-1 and SWEEP-2. Upstream: the check
/// `list_non_terminal_excludes_terminal_processes`.
pub struct ListsTerminal {
    inner: MemoryRegistry,
    registered: Mutex<BTreeSet<String>>,
}

impl ListsTerminal {
    /// The mutant, reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: MemoryRegistry::new(clock),
            registered: Mutex::new(BTreeSet::new()),
        }
    }
}

#[async_trait::async_trait]
impl ForwardRegistry for ListsTerminal {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn register_process(
        &self,
        registration: ProcessRegistration,
    ) -> RegistryResult<ProcessRecord> {
        let record = self.inner.register_process(registration).await?;
        lock(&self.registered).insert(record.id.clone());
        Ok(record)
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        // BUG: `SELECT * FROM processes ORDER BY id` without `WHERE status = 'running'`.
        let ids: Vec<String> = lock(&self.registered).iter().cloned().collect();
        let mut records = Vec::new();
        for process_id in ids {
            if let Some(record) = self.inner.get_process(&process_id).await {
                records.push(record);
            }
        }
        Ok(records)
    }
}

plain_mutant! {
    /// `list_non_terminal` returns the running processes in descending id
    /// order (`ORDER BY id DESC`).
    ///
    /// Violates SWEEP-1. Upstream: the check
    /// `list_non_terminal_excludes_terminal_processes` (ascending by id).
    Unsorted
}

#[async_trait::async_trait]
impl ForwardRegistry for Unsorted {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn list_non_terminal(&self) -> RegistryResult<Vec<ProcessRecord>> {
        let mut records = self.inner.list_non_terminal().await?;
        // BUG: the sort direction is flipped.
        records.reverse();
        Ok(records)
    }
}
