//! The conformance macro against the reference registry, strict: one test per check.

use procreg_conformance::registry_conformance_tests;
use procreg_memory::MemoryRegistry;

registry_conformance_tests!(|clock| MemoryRegistry::new(clock), strict);
