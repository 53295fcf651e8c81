//! The checks, one module per area of docs/spec.md.

pub(crate) mod clock;
pub(crate) mod err;
pub(crate) mod event;
pub(crate) mod grant;
pub(crate) mod lease;
pub(crate) mod reg;
pub(crate) mod replay;
pub(crate) mod session;
pub(crate) mod sweep;
pub(crate) mod term;
pub(crate) mod transcript;
pub(crate) mod wait;
pub(crate) mod wake;
pub(crate) mod xref;
