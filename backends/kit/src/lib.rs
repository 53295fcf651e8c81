//! The storage kit: what every SQL backend of the `ProcessRegistry`
//! contract needs beside its own SQL, written once.
//!
//! - [`json`]: values stored as JSON text that is guaranteed to read back;
//! - [`columns`]: `u64` values in signed 64-bit columns, and a lease row
//!   back into the contract's [`LeaseSlot`](procreg::LeaseSlot);
//! - [`changes`]: waits that never miss an append of their own handle and
//!   see other handles' appends within a poll interval;
//! - the durable factory ([`DurableFactory`] over a [`StoreOpener`]), so a
//!   backend says only how to make a store and open a handle on one.
//!
//! Each backend keeps its own SQL: SQLite and PostgreSQL side by side are
//! the worked example for a new backend.

pub mod changes;
pub mod columns;
pub mod json;

pub use procreg::{DurableFactory, StoreOpener};
