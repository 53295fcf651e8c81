//! Deliberate bugs a `SqliteRegistry` can be built with, for the kit's zoo:
//! each is a real bug class of SQLite registries that only shows between
//! handles on one file, so the kit can prove its generic cross-handle
//! checks (REG-17) catch it. Never plant one outside a test.

/// One planted bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantedBug {
    /// `claim_process_lease` reads and writes in a deferred transaction:
    /// two handles read the same free slot, and the loser gets "database is
    /// busy" instead of `LeaseHeld`.
    DeferredClaim,
    /// `append_event` reads the next sequence in a deferred transaction:
    /// racing appends through two handles fail with "database is locked".
    DeferredAppend,
    /// `append_event` answers before its transaction commits (a write-behind
    /// acknowledgement): another handle reading right after the answer does
    /// not see the event, and a kill -9 then loses it.
    UnflushedAppend,
}

impl PlantedBug {
    /// Every planted bug with its zoo name and what it breaks.
    pub const ALL: [(PlantedBug, &'static str, &'static str); 3] = [
        (
            PlantedBug::DeferredClaim,
            "sqlite_deferred_claim",
            "SqliteRegistry claiming in a deferred transaction: a claim racing another handle fails with `database is locked` instead of LeaseHeld",
        ),
        (
            PlantedBug::DeferredAppend,
            "sqlite_deferred_append",
            "SqliteRegistry appending in a deferred transaction: an append racing another handle fails with `database is locked`",
        ),
        (
            PlantedBug::UnflushedAppend,
            "sqlite_unflushed_append",
            "SqliteRegistry acknowledging an append before its transaction commits: another handle does not see it yet, and a kill -9 loses it",
        ),
    ];

    /// The bug with zoo name `name`.
    pub fn by_name(name: &str) -> Option<PlantedBug> {
        Self::ALL
            .iter()
            .find(|(_, known, _)| *known == name)
            .map(|(bug, _, _)| *bug)
    }
}

/// The writes whose transaction a bug may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteKind {
    Claim,
    Append,
    Other,
}

impl WriteKind {
    /// Whether `bug` makes this write answer before it commits.
    pub(crate) fn acknowledged_early_under(self, bug: Option<PlantedBug>) -> bool {
        matches!(
            (self, bug),
            (WriteKind::Append, Some(PlantedBug::UnflushedAppend))
        )
    }

    /// Whether `bug` makes this write start deferred instead of immediate.
    pub(crate) fn deferred_under(self, bug: Option<PlantedBug>) -> bool {
        matches!(
            (self, bug),
            (WriteKind::Claim, Some(PlantedBug::DeferredClaim))
                | (WriteKind::Append, Some(PlantedBug::DeferredAppend))
        )
    }
}
