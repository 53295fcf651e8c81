//! kill -9 durability for any backend: the registry runs in a process of
//! its own, the kit writes through it, SIGKILLs it at seeded moments (a
//! write in flight, or just answered), starts it again on the same store
//! and audits what it finds:
//!
//! - every acknowledged write is there (records, events in order, the
//!   terminal state) and every log is gap-free (REG-16);
//! - the write a kill cut off is wholly stored or wholly absent (REG-16);
//! - fencing tokens keep growing across restarts, and an acknowledged live
//!   lease still holds other owners off (LEASE-7, REG-16).
//!
//! The writes and the kill moments are fixed by the seed ([`workload`]);
//! whether a cut-off write was stored depends on timing, so a replay sends
//! the same calls and kills at the same steps, and a correct registry
//! passes every time.
//!
//! The registry's process is any command that serves one store over the
//! framed protocol, names its address (`tcp://HOST:PORT`) in a line of its
//! output, and lets the client drive its clock: `procreg serve --store`
//! for the backends the CLI knows, or the backend author's own.

pub mod audit;
pub mod child;
pub mod ledger;
pub mod report;
pub mod run;
pub mod workload;

pub use child::ChildCommand;
pub use report::{KillReport, KillViolation};
pub use run::{run_kills, KillError, KillPlan};
