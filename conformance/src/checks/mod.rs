//! The checks, one module per area of docs/spec.md.

pub(crate) mod lease;
