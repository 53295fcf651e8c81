//! The mutant zoo: deliberately broken registries the suite must kill.
//!
//! Every mutant wraps the reference [`MemoryRegistry`](procreg_memory::MemoryRegistry),
//! forwards every call to it through the contract's
//! [`ForwardRegistry`](procreg::ForwardRegistry), and changes exactly one behaviour into a realistic
//! bug: most come from the upstream bug classes of CONTRACT-NOTES section 9,
//! the rest from the rules of docs/spec.md that are easiest to get subtly
//! wrong. A suite run "kills" a mutant when at least one check fails against
//! it; `tests/tests/kill_matrix/` (in `procreg-tests`) runs the strict suite,
//! the model check and the simulation against every mutant and checks
//! `docs/kill-matrix.md`.

use procreg::{Clock, ProcessRegistry};
use std::sync::Arc;

#[macro_use]
mod declare;

pub mod clock;
pub mod events;
pub mod grants;
pub mod ids;
#[macro_use]
pub mod lease;
pub mod registration;
pub mod reopen;
pub mod replay;
pub mod scopes;
pub mod session;
pub mod sweep;
pub mod term;
pub mod wait;
pub mod wake;

/// One deliberately broken registry of the zoo.
#[derive(Clone, Copy, Debug)]
pub struct Mutant {
    /// Stable snake_case id, unique in the zoo.
    pub id: &'static str,
    /// The bug, in one sentence.
    pub description: &'static str,
    /// The rule ids of docs/spec.md the bug violates.
    pub violates: &'static [&'static str],
    /// Builds the mutant reading time from the given clock.
    pub make: fn(Arc<dyn Clock>) -> Arc<dyn ProcessRegistry>,
    /// For a durable-tier mutant, how it reopens a registry it made (and
    /// what the reopen loses); `None` for the in-memory ones.
    pub reopen: Option<ReopenFn>,
    /// Whether it declares `Capabilities::handles` (several live handles on one store).
    pub handles: bool,
}

/// A reopen in progress: the new handle, or why the store did not open.
pub type Reopening = std::pin::Pin<
    Box<dyn std::future::Future<Output = procreg::RegistryResult<Arc<dyn ProcessRegistry>>> + Send>,
>;

/// How a durable-tier mutant reopens the store of a registry it made.
pub type ReopenFn = fn(&Arc<dyn ProcessRegistry>, Arc<dyn Clock>) -> Reopening;

/// A mutant is a backend like any other: the suite, the model check and
/// the simulation take it as a factory.
#[async_trait::async_trait]
impl procreg::RegistryFactory for Mutant {
    async fn create(
        &self,
        clock: Arc<dyn Clock>,
    ) -> procreg::RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok((self.make)(clock))
    }

    async fn reopen(
        &self,
        previous: &Arc<dyn ProcessRegistry>,
        clock: Arc<dyn Clock>,
    ) -> procreg::RegistryResult<Arc<dyn ProcessRegistry>> {
        match self.reopen {
            Some(reopen) => reopen(previous, clock).await,
            None => Err(procreg::RegistryError::backend(
                "this mutant keeps nothing to reopen",
            )),
        }
    }

    fn capabilities(&self) -> procreg::Capabilities {
        match self.reopen {
            Some(_) => procreg::Capabilities {
                handles: self.handles,
                ..reopen::capabilities()
            },
            None => procreg::Capabilities::default(),
        }
    }
}

/// The zoo mutant named `id`, if there is one.
pub fn by_id(id: &str) -> Option<Mutant> {
    zoo().into_iter().find(|mutant| mutant.id == id)
}

/// Locks a std mutex, ignoring poisoning (a mutant never leaves its own state half-written).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

macro_rules! mutant {
    ($id:literal, $description:literal, [$($rule:literal),* $(,)?], $ty:ty) => {
        Mutant {
            id: $id,
            description: $description,
            violates: &[$($rule),*],
            make: |clock| Arc::new(procreg::Forward(<$ty>::new(clock))),
            reopen: None,
            handles: false,
        }
    };
}

macro_rules! durable_mutant {
    ($id:literal, $description:literal, [$($rule:literal),* $(,)?], $loss:expr) => {
        Mutant {
            id: $id,
            description: $description,
            violates: &[$($rule),*],
            make: reopen::create,
            reopen: Some(|previous, clock| reopen::reopen_losing($loss, previous, clock)),
            handles: false,
        }
    };
}

/// Every mutant, in a stable order (area by area, as docs/spec.md).
pub fn zoo() -> Vec<Mutant> {
    vec![
        // REG
        mutant!(
            "registration_conflict_accepted",
            "different content under a registered id returns the stored record instead of RegistrationConflict",
            ["REG-10"],
            registration::ConflictAccepted
        ),
        mutant!(
            "reregistration_resets_timestamps",
            "an identical re-registration returns the record re-stamped with created_at = updated_at = now",
            ["REG-9"],
            registration::ReregistrationResetsTimestamps
        ),
        mutant!(
            "identical_reregistration_conflicts",
            "an identical re-registration fails with RegistrationConflict (a plain INSERT on the primary key)",
            ["REG-9"],
            registration::IdenticalReregistrationConflicts
        ),
        mutant!(
            "registration_grants_owner",
            "a first registration also grants the owner scope a handle",
            ["REG-12"],
            registration::RegistrationGrantsOwner
        ),
        // XREF
        mutant!(
            "external_ref_keeps_updated_at",
            "set_external_ref writes the ref but leaves updated_at_ms as it was",
            ["XREF-4"],
            registration::ExternalRefKeepsUpdatedAt
        ),
        mutant!(
            "external_ref_write_once",
            "set_external_ref keeps the first ref and silently ignores a different later one",
            ["XREF-3"],
            registration::ExternalRefWriteOnce
        ),
        // GRANT
        mutant!(
            "has_grant_ignores_frame",
            "has_handle_grant matches the session id only, so session and frame grants answer for each other",
            ["GRANT-3", "GRANT-8"],
            grants::HasGrantIgnoresFrame
        ),
        mutant!(
            "non_atomic_transfer",
            "transfer_handle_grants moves ids one by one and fails at the missing one, keeping the earlier moves",
            ["GRANT-12", "ERR-3"],
            grants::NonAtomicTransfer
        ),
        mutant!(
            "grant_unknown_process",
            "grant_handle on an unknown process reports a grant instead of NotFound",
            ["GRANT-1"],
            grants::GrantUnknownProcess
        ),
        mutant!(
            "revoke_by_session",
            "revoke_handle removes the grants of every scope of the session, not just the given scope",
            ["GRANT-5", "GRANT-3"],
            grants::RevokeBySession
        ),
        mutant!(
            "live_grants_include_terminal",
            "list_live_handle_grants lists terminal processes too",
            ["GRANT-7"],
            grants::LiveGrantsIncludeTerminal
        ),
        mutant!(
            "scope_ids_alias",
            "grants are keyed by the unescaped rendering session:<s>/frame:<f>, so session `a/frame:b` and frame `b` of session `a` share grants",
            ["GRANT-16"],
            scopes::ScopeIdsAlias
        ),
        mutant!(
            "owners_fold_case",
            "lease owners are compared under a case-insensitive collation (MySQL's default utf8mb4_0900_ai_ci): a claim by `Ab` takes the live lease of `ab` as its own",
            ["REG-18", "LEASE-4"],
            ids::OwnersFoldCase
        ),
        // SESSION
        mutant!(
            "session_deletion_leaks_frame_grants",
            "delete_session_process_state revokes the session scope only; its frame grants survive",
            ["SESSION-1"],
            session::FrameGrantsSurviveDeletion
        ),
        mutant!(
            "session_deletion_cancels_shared",
            "delete_session_process_state puts shared (still granted elsewhere) processes in the cancel list",
            ["SESSION-2"],
            session::SharedProcessCancelled
        ),
        mutant!(
            "session_deletion_purges_acks",
            "delete_session_process_state also deletes the wake acks of the processes it revoked, so acked wakes reappear",
            ["SESSION-5"],
            session::DeletionPurgesAcks
        ),
        // EVENT
        mutant!(
            "events_after_cursor_inclusive",
            "events_after returns sequence >= cursor instead of > cursor",
            ["EVENT-7"],
            events::CursorOffByOne
        ),
        mutant!(
            "failed_append_consumes_sequence",
            "a failed append still takes a sequence number, leaving gaps in the log",
            ["EVENT-2"],
            events::FailedAppendConsumesSequence
        ),
        mutant!(
            "events_after_unknown_is_empty",
            "events_after on an unknown process returns an empty list instead of NotFound",
            ["EVENT-7", "ERR-4"],
            events::UnknownProcessReadsEmpty
        ),
        // REPLAY
        mutant!(
            "replay_by_key_only",
            "a replay key already used returns the stored event even when the payload differs",
            ["REPLAY-3"],
            replay::ReplayByKeyOnly
        ),
        mutant!(
            "replay_mints_new_sequence",
            "a replay returns the stored event stamped with a freshly minted sequence",
            ["REPLAY-1"],
            replay::ReplayMintsSequence
        ),
        mutant!(
            "replay_wake_id_from_replay_key",
            "a replayed wake delivery derives its wake id from the replay key, not the dedupe key",
            ["REPLAY-8", "WAKE-5"],
            replay::ReplayWakeIdUnstable
        ),
        mutant!(
            "terminal_key_autofilled",
            "a terminal or cancel-request event without a key gets a derived key instead of ReplayKeyRequired",
            ["REPLAY-6"],
            replay::TerminalKeyAutofilled
        ),
        // WAKE
        mutant!(
            "wake_delivery_dropped",
            "a wake event with a target is persisted but no delivery is returned",
            ["WAKE-1"],
            wake::DeliveryDropped
        ),
        mutant!(
            "missing_wake_target_persists",
            "a wake event without a target fails with MissingWakeTarget but is persisted anyway",
            ["WAKE-7", "ERR-3"],
            wake::MissingTargetPersists
        ),
        mutant!(
            "wake_target_from_record",
            "the wake delivery is addressed to the record's owner scope instead of the request's target",
            ["WAKE-6"],
            wake::TargetFromRecord
        ),
        mutant!(
            "acks_ignored",
            "ack_wake succeeds but records nothing, so acked wakes are delivered again",
            ["WAKE-10"],
            wake::AcksIgnored
        ),
        mutant!(
            "plain_events_listed_as_wakes",
            "wake_events_after lists every unacknowledged event after the cursor, plain events included",
            ["WAKE-11", "WAKE-9"],
            wake::PlainEventsListedAsWakes
        ),
        // TERM
        mutant!(
            "duplicate_terminal_accepted",
            "a second terminal event under a new key is reported as appended instead of AlreadyTerminal",
            ["TERM-3"],
            term::DuplicateTerminalAccepted
        ),
        mutant!(
            "complete_not_idempotent",
            "complete_process refuses any terminal process, so an identical repeat fails",
            ["TERM-5", "REPLAY-4"],
            term::CompleteNotIdempotent
        ),
        mutant!(
            "complete_requires_lease",
            "complete_process fails with LeaseHeld while someone holds a live lease",
            ["TERM-10"],
            term::CompleteRequiresLease
        ),
        mutant!(
            "await_raw_terminal_payload",
            "await_process returns the terminal event's raw payload as success instead of the materialised output",
            ["TERM-11", "WAIT-5"],
            term::AwaitRawPayload
        ),
        mutant!(
            "await_returns_before_terminal",
            "await_process on a running process returns success(null) at once instead of waiting",
            ["WAIT-5"],
            term::AwaitReturnsEarly
        ),
        // WAIT
        mutant!(
            "wait_lost_wakeup",
            "wait_event_after looks once and, finding nothing, subscribes too late: it never wakes",
            ["WAIT-2", "WAIT-3"],
            wait::LostWakeup
        ),
        // SWEEP
        mutant!(
            "sweep_lists_terminal",
            "list_non_terminal lists every registered process, terminal ones included",
            ["SWEEP-1", "SWEEP-2"],
            sweep::ListsTerminal
        ),
        mutant!(
            "sweep_unsorted",
            "list_non_terminal returns the running processes in descending id order",
            ["SWEEP-1"],
            sweep::Unsorted
        ),
        // LEASE
        mutant!(
            "claim_unknown_process",
            "claim_process_lease on an unknown process creates a lease instead of NotFound",
            ["LEASE-1"],
            lease::ClaimUnknownSucceeds
        ),
        mutant!(
            "claim_terminal_process",
            "claim_process_lease on a terminal process succeeds (SHOULD rule: killed only by the strict suite)",
            ["LEASE-2"],
            lease::ClaimTerminalAllowed
        ),
        mutant!(
            "same_owner_reclaim_refused",
            "a re-claim by the live owner fails with LeaseHeld",
            ["LEASE-5"],
            lease::SameOwnerReclaimRefused
        ),
        mutant!(
            "fence_reset_on_release",
            "releasing deletes the lease row, so the next claim reports fencing token 1 again",
            ["LEASE-7", "LEASE-15"],
            lease::FenceResetOnRelease
        ),
        mutant!(
            "liveness_inclusive",
            "a lease counts as live while expires_at >= now, so a claim at exactly expires == now is refused",
            ["LEASE-9", "LEASE-14"],
            lease::InclusiveLiveness
        ),
        mutant!(
            "stale_renew_accepted",
            "renew matches the process only, so a superseded lease renews (and extends) the current holder",
            ["LEASE-11"],
            lease::StaleRenewAccepted
        ),
        mutant!(
            "expired_renew_accepted",
            "renew checks the token but not liveness, resurrecting an expired lease",
            ["LEASE-12"],
            lease::ExpiredRenewAccepted
        ),
        mutant!(
            "release_ignores_token",
            "complete_process_lease releases whatever lease the process holds, ignoring the presented token",
            ["LEASE-16"],
            lease::ReleaseIgnoresToken
        ),
        mutant!(
            "racy_claims",
            "claims check then write without a lock, so racing claimants on a free process all win",
            ["LEASE-20"],
            lease::RacyClaims
        ),
        mutant!(
            "claim_errors_reported_busy",
            "a claim on an unknown process fails with LeaseHeld instead of NotFound",
            ["LEASE-1", "ERR-6"],
            lease::ClaimErrorsReportedBusy
        ),
        mutant!(
            "renew_reclaims",
            "renew re-claims for the same owner, rotating the lease token and bumping the fence",
            ["LEASE-10"],
            lease::RenewReclaims
        ),
        mutant!(
            "ttl_overflow_wraps",
            "expiry is now + ttl with wrapping arithmetic, so a u64::MAX TTL yields an expired lease",
            ["LEASE-21"],
            lease::TtlOverflowWraps
        ),
        mutant!(
            "completion_releases_lease",
            "complete_process also releases the process's lease",
            ["LEASE-19", "TERM-10"],
            term::CompletionReleasesLease
        ),
        // CLOCK
        mutant!(
            "wall_clock_timestamps",
            "timestamps and expiry read the wall clock instead of the injected clock",
            ["CLOCK-1", "CLOCK-2", "CLOCK-4"],
            clock::WallClock
        ),
        mutant!(
            "clock_never_goes_back",
            "a monotonic guard keeps the highest reading seen, so time set back is ignored",
            ["CLOCK-5"],
            clock::MonotonicGuard
        ),
        // Durable tier: what a reopen loses
        durable_mutant!(
            "lost_write_on_reopen",
            "a durable registry that acknowledges a write before it is stored: reopening the store loses the last acknowledged write",
            ["REG-16"],
            reopen::Loss::LastWrite
        ),
        durable_mutant!(
            "fence_reset_on_reopen",
            "a durable registry that keeps fencing counters and lease holders only in memory: after a reopen, fencing tokens start again at 1",
            ["REG-16", "LEASE-7"],
            reopen::Loss::Leases
        ),
        // Many handles on one store
        Mutant {
            id: "handles_see_a_snapshot",
            description: "a durable registry whose every handle works on its own copy of the store as of its opening: writes reach the store, but another live handle never sees them (a per-process cache never invalidated)",
            violates: &["REG-17"],
            make: reopen::create,
            reopen: Some(|previous, clock| {
                reopen::reopen_losing(reopen::Loss::Nothing, previous, clock)
            }),
            handles: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::zoo;
    use std::collections::BTreeSet;

    #[test]
    fn the_zoo_is_large_its_ids_unique_and_each_names_a_rule() {
        let mutants = zoo();
        assert!(mutants.len() >= 30, "the zoo has {} mutants", mutants.len());
        let ids: BTreeSet<&str> = mutants.iter().map(|mutant| mutant.id).collect();
        assert_eq!(ids.len(), mutants.len(), "mutant ids must be unique");
        for mutant in &mutants {
            assert!(!mutant.violates.is_empty(), "{} names no rule", mutant.id);
        }
    }
}
