//! Workspace-level checks for procreg-kit; the tests live in `tests/`.
//!
//! The README is included below so `cargo test --workspace` compiles its
//! Rust example: the front page cannot drift from the API.
#![doc = include_str!("../../README.md")]
