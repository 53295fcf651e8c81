//! The simulated world against `SqliteRegistry` on fresh temp files, with
//! registry crashes (the store reopened): `PROCREG_SEEDS` seeds, default 0..16.

mod support;

procreg_sim::registry_simulation_tests!(support::sqlite_factory());
