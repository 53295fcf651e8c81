//! WAIT mutants: blocking reads that never wake.

use procreg::{ForwardRegistry, ProcessRegistry};
use procreg::{ProcessEvent, RegistryResult};

plain_mutant! {
    /// `wait_event_after` looks once and, when nothing matches, creates its
    /// notification future only after the append it needed has already
    /// notified: it never wakes. An existing match is still returned at once.
    ///
    /// Violates WAIT-2 and WAIT-3. Upstream: bug class 10 (lost wake-up in
    /// waits: "subscribe after check => await hangs").
    LostWakeup
}

#[async_trait::async_trait]
impl ForwardRegistry for LostWakeup {
    fn inner(&self) -> &dyn ProcessRegistry {
        &self.inner
    }

    async fn wait_event_after(
        &self,
        process_id: &str,
        event_type: &str,
        after_sequence: u64,
    ) -> RegistryResult<ProcessEvent> {
        let found = self
            .inner
            .events_after(process_id, after_sequence)
            .await?
            .into_iter()
            .find(|event| event.event_type == event_type);
        match found {
            Some(event) => Ok(event),
            // BUG: the notification this wait needed was sent before it subscribed.
            None => std::future::pending().await,
        }
    }
}
