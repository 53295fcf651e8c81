//! The whole conformance suite, strict, against `SqliteRegistry` on fresh
//! temp files (default options: WAL, `synchronous = FULL`), including the
//! reopen checks and the macro's model check (`PROCREG_CASES`, default 512
//! cases: about 27 s in a debug build on two cores, up to a minute when the
//! machine is busy; set `PROCREG_CASES` lower for quick runs).

mod support;

use procreg_conformance::registry_conformance_tests;
use support::sqlite_factory;

registry_conformance_tests!(sqlite_factory(), strict);
