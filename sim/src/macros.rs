//! The simulation as a test in a backend's own crate:
//! [`registry_simulation_tests!`](crate::registry_simulation_tests).

use crate::config::{SimConfig, Topology};
use crate::run::sweep;
use procreg_conformance::RegistryFactory;

/// The seeds a simulation test runs when `PROCREG_SEEDS` is not set.
pub const DEFAULT_TEST_SEEDS: std::ops::Range<u64> = 0..16;

/// Expands to one test, `registry_simulation`, that runs the simulated
/// world against registries from `$factory` for the seeds of
/// `PROCREG_SEEDS` (`N` for `0..N`, or `A..B`; default `0..16`). A
/// durable backend that reopens also takes registry crashes; one that
/// declares `Capabilities::handles` runs in the shared-store topology, a
/// handle per worker on one store. A failing
/// seed panics with the broken invariants, the world at that moment, and
/// the command that reruns exactly that seed.
///
/// ```
/// // tests/simulation.rs of a backend crate (here: the reference registry)
/// procreg_sim::registry_simulation_tests!(|clock| procreg_memory::MemoryRegistry::new(clock));
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! registry_simulation_tests {
    ($factory:expr) => {
        #[test]
        fn registry_simulation() {
            $crate::__run_simulation_test(&$factory, ::std::module_path!());
        }
    };
}

/// Parses `PROCREG_SEEDS`: `N` is `0..N`, `A..B` is `A..B`.
fn seeds_from(text: Option<&str>) -> Result<std::ops::Range<u64>, String> {
    let Some(text) = text else {
        return Ok(DEFAULT_TEST_SEEDS);
    };
    let bad = || format!("PROCREG_SEEDS=`{text}`: expected N (seeds 0..N) or A..B");
    let range = match text.split_once("..") {
        Some((start, end)) => {
            start.trim().parse().map_err(|_| bad())?..end.trim().parse().map_err(|_| bad())?
        }
        None => 0..text.trim().parse().map_err(|_| bad())?,
    };
    if range.is_empty() {
        return Err(format!("PROCREG_SEEDS=`{text}` holds no seed"));
    }
    Ok(range)
}

/// What [`registry_simulation_tests!`](crate::registry_simulation_tests) runs; not for direct use.
#[doc(hidden)]
pub fn __run_simulation_test<F: RegistryFactory + ?Sized>(factory: &F, module_path: &str) {
    let seeds = match seeds_from(std::env::var("PROCREG_SEEDS").ok().as_deref()) {
        Ok(seeds) => seeds,
        Err(error) => panic!("{error}"),
    };
    let test = match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::registry_simulation"),
        None => "registry_simulation".to_owned(),
    };
    if let Err(failures) = simulate(factory, seeds, &test) {
        panic!("{failures}");
    }
}

/// Sweeps `seeds`, printing each seed's line; the error holds every
/// failure in full, each with the command that reruns it as test `test`.
fn simulate<F: RegistryFactory + ?Sized>(
    factory: &F,
    seeds: std::ops::Range<u64>,
    test: &str,
) -> Result<(), String> {
    // A backend that opens several handles on one store is simulated as it
    // is deployed, every worker with a handle of its own (as `procreg check`).
    let topology = if factory.capabilities().handles {
        Topology::SharedStore
    } else {
        Topology::Served
    };
    let config = SimConfig::default().with_topology(topology);
    let report = sweep(&config, seeds.clone(), factory, |outcome| {
        println!("{}", outcome.summary_line());
    })
    .map_err(|error| format!("the simulation could not run: {error}"))?;
    if report.failures.is_empty() {
        return Ok(());
    }
    let mut text = format!(
        "{} of {} seeds ({}..{}) broke an invariant:\n",
        report.failures.len(),
        report.runs,
        seeds.start,
        seeds.end
    );
    for failure in &report.failures {
        let seed = failure.config.seed;
        // The CLI's replay knows only its own backends: this one reruns here.
        let shown = failure.to_string().replace(
            &failure.config.replay_command(),
            &format!(
                "PROCREG_SEEDS={seed}..{} cargo test {test} -- --exact",
                seed + 1
            ),
        );
        text.push_str(&shown);
    }
    Err(text)
}

#[cfg(test)]
mod tests {
    use super::{seeds_from, simulate};

    #[test]
    fn a_failing_seed_names_its_invariant_and_how_to_rerun_it() {
        let mutant = procreg_mutants::by_id("lost_write_on_reopen").expect("in the zoo");
        let failures = simulate(&mutant, 0..3, "registry_simulation").expect_err("caught");
        assert!(failures.contains("invariant 7"), "{failures}");
        assert!(
            failures
                .contains("  replay: PROCREG_SEEDS=1..2 cargo test registry_simulation -- --exact")
                && !failures.contains("procreg replay sim"),
            "{failures}"
        );
        simulate(
            &|clock| procreg_memory::MemoryRegistry::new(clock),
            0..2,
            "t",
        )
        .expect("the reference passes");
    }

    #[test]
    fn procreg_seeds_reads_a_count_or_a_range() {
        assert_eq!(seeds_from(None), Ok(0..16));
        assert_eq!(seeds_from(Some("5")), Ok(0..5));
        assert_eq!(seeds_from(Some("7..9")), Ok(7..9));
        assert!(seeds_from(Some("9..7")).is_err());
        assert!(seeds_from(Some("lots")).is_err());
    }
}
