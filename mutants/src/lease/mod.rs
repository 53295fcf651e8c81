//! LEASE mutants: claims, renewals, releases and fencing gone wrong.
//!
//! Two building blocks keep the wrappers short. [`IssuedLeases`] remembers
//! the last lease the wrapped registry issued per process, for bugs that
//! substitute it for what the caller presented. [`LeaseTable`] keeps leases
//! beside the wrapped registry the way a SQL backend keeps a lease table:
//! its `claim`, `renew` and `release` are correct (they are the contract's
//! [`LeaseSlot`](procreg::LeaseSlot) transitions), and each table-backed
//! mutant replaces exactly one of them with a broken version.

#[macro_use]
mod issued;
#[macro_use]
mod table;
mod claim;
mod release;
mod renew;

pub use claim::{
    ClaimErrorsReportedBusy, ClaimTerminalAllowed, ClaimUnknownSucceeds, InclusiveLiveness,
    RacyClaims, SameOwnerReclaimRefused,
};
pub use issued::{IssuedLeases, TrackedLeases, Tracking};
pub use release::{FenceResetOnRelease, ReleaseIgnoresToken};
pub use renew::{ExpiredRenewAccepted, RenewReclaims, StaleRenewAccepted, TtlOverflowWraps};
pub use table::{guarded_claim, LeaseTable, TableBacked, TableLeases};
