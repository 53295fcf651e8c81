//! The state after a step: every part a caller can observe, read from the
//! backend in overlapping rounds and compared with the model in one fixed order.

use super::execute::Execution;
use super::observation::{differ, id_label};
use super::ops::{processes, scope, SCOPES};
use futures_util::future::join_all;
use serde_json::Value;
use std::future::Future;
use tokio::sync::Semaphore;

impl Execution<'_> {
    /// The first part of the observable state where the two sides differ, as
    /// (what, model, backend); `None` when the whole state agrees. Compares
    /// typed values and renders JSON only for a difference, so it stays cheap
    /// enough to run after every step. Reads implied by others are skipped:
    /// the log and grants of a process the model does not hold (a backend
    /// that holds it differs in `get_process` first), and the scope listings
    /// while no process holds a grant.
    ///
    /// The reads go out in three rounds, [`STATE_READS_IN_FLIGHT`] at a time
    /// (a pooled backend answers them side by side): the sweep and every
    /// record; the log, wakes and grants of each process the model holds, up
    /// to the first record that differs; the scope listings, once all else
    /// agreed. The parts are compared in one fixed order, so the difference
    /// reported is the one reading them one by one would find first, and no
    /// part is read that reading one by one would not reach, except the logs
    /// of processes after a first log that differs.
    pub(crate) async fn state_difference(&self) -> Option<(String, Value, Value)> {
        let (sut, model, typed) = (self.sut, &self.model, self.typed_errors);
        let limit = Semaphore::new(STATE_READS_IN_FLIGHT);
        let (sweep, records) = tokio::join!(
            bounded(&limit, sut.list_non_terminal()),
            join_all(
                processes()
                    .iter()
                    .map(|process_id| bounded(&limit, sut.get_process(process_id)))
            ),
        );
        let sweep = (Ok(model.list_non_terminal()), sweep);
        if let Some(found) = differ(typed, "list_non_terminal()", sweep) {
            return Some(found);
        }
        let mut record_difference = None;
        for (process_id, record) in processes().iter().zip(records) {
            let record = (
                Ok::<_, procreg::RegistryError>(model.get_process(process_id)),
                Ok(record),
            );
            let what = format!("get_process({})", id_label(process_id));
            if let Some(found) = differ(typed, &what, record) {
                record_difference = Some((process_id.as_str(), found));
                break;
            }
        }
        // The processes whose logs come before that record in the fixed order.
        let held: Vec<&str> = processes()
            .iter()
            .map(String::as_str)
            .take_while(|process_id| {
                record_difference
                    .as_ref()
                    .is_none_or(|(differing, _)| process_id != differing)
            })
            .filter(|process_id| model.get_process(process_id).is_some())
            .collect();
        if let Some(found) = self.log_difference(&limit, &held).await {
            return Some(found);
        }
        if let Some((_, found)) = record_difference {
            return Some(found);
        }
        let holds_grants = held.iter().any(|process_id| {
            model
                .handle_grants_for_process(process_id)
                .is_ok_and(|grants| !grants.is_empty())
        });
        if !holds_grants {
            // Every grant belongs to a registered process, and each one's
            // grants agreed: no scope lists anything on either side.
            return None;
        }
        self.listing_difference(&limit).await
    }

    /// The first difference in the log, wakes or grants of `held`, in order.
    async fn log_difference(
        &self,
        limit: &Semaphore,
        held: &[&str],
    ) -> Option<(String, Value, Value)> {
        let (sut, model, typed) = (self.sut, &self.model, self.typed_errors);
        let logs = join_all(held.iter().map(|process_id| async move {
            tokio::join!(
                bounded(limit, sut.events_after(process_id, 0)),
                bounded(limit, sut.wake_events_after(process_id, 0)),
                bounded(limit, sut.handle_grants_for_process(process_id)),
            )
        }))
        .await;
        for (process_id, (events, wakes, grants)) in held.iter().zip(logs) {
            let label = id_label(process_id);
            let parts = [
                differ(
                    typed,
                    &format!("events_after({label}, 0)"),
                    (model.events_after(process_id, 0), events),
                ),
                differ(
                    typed,
                    &format!("wake_events_after({label}, 0)"),
                    (model.wake_events_after(process_id, 0), wakes),
                ),
                differ(
                    typed,
                    &format!("handle_grants_for_process({label})"),
                    (model.handle_grants_for_process(process_id), grants),
                ),
            ];
            if let Some(found) = parts.into_iter().flatten().next() {
                return Some(found);
            }
        }
        None
    }

    /// The first scope whose grant listing differs.
    async fn listing_difference(&self, limit: &Semaphore) -> Option<(String, Value, Value)> {
        let (sut, model, typed) = (self.sut, &self.model, self.typed_errors);
        let listings = join_all((0..SCOPES).map(|holder| async move {
            bounded(limit, sut.list_handle_grants(&scope(holder))).await
        }))
        .await;
        for (holder, listed) in (0..SCOPES).zip(listings) {
            let scope = scope(holder);
            let listed = (Ok(model.list_handle_grants(&scope)), listed);
            let what = format!("list_handle_grants({})", scope.id());
            if let Some(found) = differ(typed, &what, listed) {
                return Some(found);
            }
        }
        None
    }
}

/// Reads of the state in flight at once: as many as `PgRegistry`'s default
/// pool has connections, and fewer than a remote client keeps idle
/// (`RemoteOptions::max_idle_connections`), so it does not open and drop
/// connections after every step.
const STATE_READS_IN_FLIGHT: usize = 4;

/// `read`, once one of `limit`'s permits is free.
async fn bounded<T>(limit: &Semaphore, read: impl Future<Output = T>) -> T {
    let _permit = limit.acquire().await.ok(); // never closed
    read.await
}
