//! The typed report: a run's report reads back equal, renders every phase
//! in every format, repeats on a rerun, and merges as a fold.

use procreg_conformance::machine::ModelConfig;
use procreg_conformance::{Outcome, RegistryFactory, SuiteConfig};
use procreg_memory::MemoryRegistry;
use procreg_report::render::{render_junit, render_markdown, render_text};
use procreg_report::{
    merge_reports, run_kit, Kill9Plan, Kill9Section, KitObserver, KitPhase, KitPlan, KitReport,
    NamedReport, Phase, RunConfig, SeedRange, SimPlan, EXIT_FAILED, EXIT_PASSED,
};
use procreg_sim::SimConfig;

fn config(backend: &str, strict: bool) -> RunConfig {
    RunConfig {
        backend: backend.to_owned(),
        strict,
        only: Vec::new(),
    }
}

/// Every phase, small: a few checks, 32 model cases, 2 histories, `seeds` simulation seeds.
fn plan(backend: &str, strict: bool, seeds: SeedRange) -> KitPlan {
    KitPlan {
        pictures: None,
        config: config(backend, strict),
        suite: Some(SuiteConfig {
            only: vec!["LEASE".to_owned()],
            strict,
            ..SuiteConfig::default()
        }),
        model: Some(ModelConfig {
            cases: 32,
            strict,
            ..ModelConfig::default()
        }),
        histories: Some(SeedRange { start: 0, end: 2 }),
        simulation: SimPlan::Sweep {
            config: SimConfig::default(),
            seeds,
        },
        kill9: Kill9Plan::NotSelected,
    }
}

fn memory() -> impl RegistryFactory {
    |clock| MemoryRegistry::new(clock)
}

fn mutant(id: &str) -> procreg_mutants::Mutant {
    procreg_mutants::by_id(id).expect("a zoo mutant")
}

fn named(name: &str, report: &KitReport) -> NamedReport {
    NamedReport {
        name: name.to_owned(),
        report: report.clone(),
    }
}

#[test]
fn a_report_reads_back_equal_and_carries_every_phase() {
    let report = run_kit(
        &memory(),
        &plan("memory", true, SeedRange { start: 0, end: 2 }),
        &mut (),
    )
    .expect("the run completes");
    assert_eq!(report.exit_code, EXIT_PASSED);
    assert!(matches!(report.suite, Phase::Ran(_)));
    assert!(matches!(report.model, Phase::Ran(_)));
    assert!(matches!(report.histories, Phase::Ran(_)));
    assert!(matches!(report.simulation, Phase::Ran(_)));
    let read = KitReport::from_json(&report.to_json()).expect("reads back");
    assert_eq!(read, report);
}

#[test]
fn a_failing_run_fails_in_every_format() {
    let report = run_kit(
        &mutant("claim_terminal_process"),
        &plan(
            "mutant:claim_terminal_process",
            true,
            SeedRange { start: 0, end: 2 },
        ),
        &mut (),
    )
    .expect("the run completes");
    assert_eq!(report.exit_code, EXIT_FAILED);
    assert!(
        report.suite_failed() && report.model_failed(),
        "{}",
        render_text(&report)
    );
    assert_eq!(
        KitReport::from_json(&report.to_json()).as_ref(),
        Ok(&report)
    );
    let counterexample = report
        .model
        .ran()
        .and_then(|model| model.counterexample.as_ref())
        .expect("a failed model check names its counterexample");
    assert!(
        counterexample
            .case
            .is_some_and(|case| (1..=32).contains(&case)),
        "the first failing case is one of the 32 generated: {counterexample:?}"
    );

    let junit = render_junit(&report);
    assert!(!junit.contains("failures=\"0\""), "{junit}");
    for case in [
        "name=\"model_check\"",
        "name=\"history_seed_0\"",
        "name=\"history_seed_1\"",
        "name=\"sweep\"",
    ] {
        assert!(junit.contains(case), "JUnit lacks {case}");
    }
    let markdown = render_markdown(&report);
    assert!(markdown.contains("model_check"), "{markdown}");
    let text = render_text(&report);
    assert!(text.contains("FAIL  model check"), "{text}");
    assert!(
        text.contains("replay: procreg replay model --seed 0 --cases 32 --strict --backend mutant:claim_terminal_process"),
        "{text}"
    );
    assert!(text.contains("result: FAILED (exit 1)"), "{text}");
}

#[test]
fn histories_and_their_verdicts_repeat_on_a_rerun() {
    let plan = KitPlan {
        suite: None,
        model: None,
        simulation: SimPlan::NotSelected,
        kill9: Kill9Plan::NotSelected,
        histories: Some(SeedRange { start: 0, end: 4 }),
        ..plan("mutant:stale_renew_accepted", false, SeedRange::single(0))
    };
    let factory = mutant("stale_renew_accepted");
    let first = run_kit(&factory, &plan, &mut ()).expect("runs");
    for _ in 0..2 {
        assert_eq!(run_kit(&factory, &plan, &mut ()).expect("runs"), first);
    }
}

#[derive(Default)]
struct Log(Vec<String>);

impl KitObserver for Log {
    fn phase_started(&mut self, phase: KitPhase, steps: Option<u64>) {
        self.0.push(format!("start {phase:?} {steps:?}"));
    }
    fn step_finished(&mut self, phase: KitPhase) {
        self.0.push(format!("step {phase:?}"));
    }
    fn phase_finished(&mut self, phase: KitPhase) {
        self.0.push(format!("end {phase:?}"));
    }
}

#[test]
fn the_observer_sees_every_phase_and_step_in_order() {
    let plan = plan("memory", false, SeedRange { start: 5, end: 8 });
    let mut log = Log::default();
    let report = run_kit(&memory(), &plan, &mut log).expect("runs");
    let checks = report.suite.ran().expect("suite ran").report.checks.len();
    let starts: Vec<&String> = log
        .0
        .iter()
        .filter(|line| line.starts_with("start"))
        .collect();
    assert_eq!(
        starts,
        [
            &format!("start Suite Some({checks})"),
            &"start Model None".to_owned(),
            &"start Histories Some(2)".to_owned(),
            &"start Simulation Some(3)".to_owned()
        ]
    );
    let steps = |phase: &str| {
        log.0
            .iter()
            .filter(|line| **line == format!("step {phase}"))
            .count()
    };
    assert_eq!(steps("Suite"), checks);
    assert_eq!(steps("Histories"), 2);
    assert_eq!(steps("Simulation"), 3);
    assert_eq!(log.0.last().map(String::as_str), Some("end Simulation"));
}

#[test]
fn merging_shards_counts_each_seed_and_check_once() {
    let factory = memory();
    let first = run_kit(
        &factory,
        &plan("memory", false, SeedRange { start: 0, end: 2 }),
        &mut (),
    )
    .expect("runs");
    let second = run_kit(
        &factory,
        &plan("memory", false, SeedRange { start: 2, end: 3 }),
        &mut (),
    )
    .expect("runs");
    let merged = merge_reports(&[
        named("a", &first),
        named("b", &second),
        named("a again", &first),
    ])
    .expect("shards of one run merge");
    let section = merged.simulation.ran().expect("simulation");
    assert_eq!(section.runs, 3);
    assert_eq!(section.seeds, vec![SeedRange { start: 0, end: 3 }]);
    assert_eq!(
        merged.suite.ran().map(|suite| suite.report.checks.len()),
        first.suite.ran().map(|suite| suite.report.checks.len())
    );
    assert_eq!(merged.merged_from, ["a", "b", "a again"]);
    assert_eq!(
        KitReport::from_json(&merged.to_json()).as_ref(),
        Ok(&merged)
    );
}

#[test]
fn merging_conflicting_reports_names_every_conflict() {
    let passing = run_kit(
        &memory(),
        &plan("memory", false, SeedRange::single(0)),
        &mut (),
    )
    .expect("runs");
    let mut flipped = passing.clone();
    if let Phase::Ran(suite) = &mut flipped.suite {
        suite.report.checks[0].outcome = Outcome::Failed {
            rule: "LEASE-1".to_owned(),
            message: "made up".to_owned(),
        };
    }
    if let Phase::Ran(section) = &mut flipped.simulation {
        section.world.workers = 7;
    }
    flipped.config.strict = true;
    let conflicts = merge_reports(&[named("a.json", &passing), named("b.json", &flipped)])
        .expect_err("conflicting reports do not merge");
    let text = conflicts.join("\n");
    assert_eq!(conflicts.len(), 3, "{text}");
    assert!(text.contains("strict and non-strict"), "{text}");
    assert!(
        text.contains("passed in a.json, failed in b.json"),
        "{text}"
    );
    assert!(text.contains("another world"), "{text}");
}

#[test]
fn merging_runs_whose_seeds_hash_differently_is_a_conflict() {
    let plan = KitPlan {
        suite: None,
        model: None,
        histories: None,
        ..plan("memory", false, SeedRange { start: 0, end: 3 })
    };
    let report = run_kit(&memory(), &plan, &mut ()).expect("runs");
    let hashes = &report.simulation.ran().expect("simulation").hashes;
    assert_eq!(
        hashes.iter().map(|entry| entry.seed).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let mut other = report.clone();
    if let Phase::Ran(section) = &mut other.simulation {
        section.hashes[1].hash = "0000000000000000".to_owned();
    }
    let conflicts = merge_reports(&[named("a.json", &report), named("b.json", &other)])
        .expect_err("a seed with two traces");
    assert!(
        conflicts.join("\n").contains("simulation seed 1: trace")
            && conflicts.join("\n").contains("not reproducible"),
        "{conflicts:?}"
    );
}

#[test]
fn a_report_of_another_schema_is_refused() {
    let report = run_kit(
        &memory(),
        &KitPlan {
            suite: None,
            model: None,
            histories: None,
            ..plan("memory", false, SeedRange::single(0))
        },
        &mut (),
    )
    .expect("runs");
    let text = report
        .to_json()
        .replace("\"schema_version\": 1", "\"schema_version\": 9");
    let error = KitReport::from_json(&text).expect_err("another version");
    assert!(error.contains("schema version 9"), "{error}");
    let error = KitReport::from_json("{\"checks\": []}").expect_err("not a report");
    assert!(error.contains("no schema_version"), "{error}");
}

/// A kill -9 section as a run of `seed` would write it, failing when `lost` names a lost write.
fn kill9_section(seed: u64, lost: Option<&str>) -> Kill9Section {
    Kill9Section {
        command: "procreg serve --backend sqlite:x.db --listen 127.0.0.1:0 --store s.db".to_owned(),
        report: procreg_crash::KillReport {
            seed,
            planned_kills: 100,
            kills: if lost.is_some() { 2 } else { 100 },
            steps: 330,
            acknowledged: 300,
            cut_off_stored: 20,
            cut_off_absent: 7,
            cut_off_unknown: 3,
            violation: lost.map(|detail| procreg_crash::KillViolation {
                rule: "REG-16".to_owned(),
                kill: 2,
                step: 7,
                detail: detail.to_owned(),
                trail: vec!["step 7 at +7244 ms: append p1 -> ok, sequence 1".to_owned()],
            }),
        },
        replay: format!("procreg replay kill9 --seed {seed} --kills 100 --backend sqlite:x.db"),
    }
}

fn with_kill9(section: Kill9Section) -> KitReport {
    KitReport::new(
        config("sqlite:x.db", false),
        Phase::NotSelected,
        Phase::NotSelected,
        Phase::NotSelected,
        Phase::NotSelected,
    )
    .with_kill9(Phase::Ran(section))
}

#[test]
fn a_failing_kill9_run_fails_the_report_in_every_format_with_its_replay() {
    let report = with_kill9(kill9_section(0, Some("p1's acknowledged event 1 is gone")));
    assert_eq!(report.exit_code, EXIT_FAILED);
    let text = render_text(&report);
    assert!(text.contains("FAIL  kill -9 run seed 0"), "{text}");
    assert!(
        text.contains("REG-16: after 2 kills, at step 7: p1's acknowledged event 1 is gone"),
        "{text}"
    );
    assert!(
        text.contains("replay: procreg replay kill9 --seed 0 --kills 100"),
        "{text}"
    );
    assert!(
        text.contains("phase 5/5 kill -9: FAILED (REG-16 after 2 of 100 kills, seed 0)"),
        "{text}"
    );
    let junit = render_junit(&report);
    assert!(
        junit.contains("kill9_seed_0") && junit.contains("<failure"),
        "{junit}"
    );
    assert!(render_markdown(&report).contains("kill9_seed_0"));
    let back = KitReport::from_json(&report.to_json()).expect("reads back");
    assert_eq!(back, report);
}

#[test]
fn a_report_written_before_kill9_existed_reads_as_not_selected() {
    let report = with_kill9(kill9_section(0, None));
    assert_eq!(report.exit_code, EXIT_PASSED);
    let mut value: serde_json::Value = serde_json::from_str(&report.to_json()).expect("json");
    value.as_object_mut().expect("object").remove("kill9");
    let old = KitReport::from_json(&value.to_string()).expect("an older report reads");
    assert_eq!(old.kill9, Phase::NotSelected);
    assert!(render_text(&old).contains("phase 5/5 kill -9: not selected"));
}

#[test]
fn kill9_runs_of_one_seed_merge_keeping_a_failure_and_other_plans_conflict() {
    let passed = with_kill9(kill9_section(0, None));
    let mut timing = passed.clone();
    if let Phase::Ran(section) = &mut timing.kill9 {
        section.report.cut_off_stored = 11; // which cut-off writes stuck is timing
    }
    let merged = merge_reports(&[named("a.json", &passed), named("b.json", &timing)])
        .expect("one seed, one verdict");
    assert_eq!(merged.exit_code, EXIT_PASSED);
    let failed = with_kill9(kill9_section(0, Some("lost")));
    // One run of the seed lost a write: the backend fails, whatever the other run saw.
    let merged = merge_reports(&[named("a.json", &passed), named("b.json", &failed)])
        .expect("a failure is kept, not a conflict");
    assert_eq!(merged.exit_code, EXIT_FAILED);
    assert!(!merged.kill9.ran().expect("ran").report.passed());

    let other_seed = with_kill9(kill9_section(5, None));
    let conflicts = merge_reports(&[named("a.json", &passed), named("b.json", &other_seed)])
        .expect_err("two plans");
    assert!(
        conflicts
            .join("\n")
            .contains("kill -9: seed 0 with 100 kills"),
        "{conflicts:?}"
    );
}

/// A simulation section of `runs` seeds in a world of `faults` whose
/// seeds never took an expired lease over.
fn section_without_takeovers(faults: &str, runs: u64) -> procreg_report::SimulationSection {
    let mut coverage = procreg_sim::SweepCoverage::default();
    let mut run = procreg_sim::Coverage::default();
    run.hit(procreg_sim::Moment::WaitEndedByTerminal);
    run.hit(procreg_sim::Moment::ReplayHit);
    for _ in 0..runs {
        coverage.record(&run);
    }
    procreg_report::SimulationSection {
        world: procreg_report::World {
            workers: 4,
            processes: 32,
            faults: faults.to_owned(),
            swarm: true,
            left_out: Vec::new(),
            topology: "served".to_owned(),
        },
        seeds: vec![SeedRange {
            start: 0,
            end: runs,
        }],
        runs,
        hashes: Vec::new(),
        failures: Vec::new(),
        coverage,
    }
}

#[test]
fn a_sweep_that_never_reached_a_moment_its_faults_cause_warns_and_fails_when_strict() {
    let report = |strict: bool, faults: &str| {
        KitReport::new(
            config("memory", strict),
            Phase::NotSelected,
            Phase::NotSelected,
            Phase::NotSelected,
            Phase::Ran(section_without_takeovers(faults, 100)),
        )
    };
    let lenient = report(false, "crash");
    assert_eq!(lenient.exit_code, EXIT_PASSED);
    let text = render_text(&lenient);
    assert!(
        text.contains(
            "WARN  sometimes: in 100 seeds the world never reached expired_lease_taken_over"
        ),
        "{text}"
    );
    let strict = report(true, "crash");
    assert_eq!(strict.exit_code, EXIT_FAILED);
    assert!(render_text(&strict).contains("FAIL  sometimes:"));
    assert!(render_junit(&strict).contains("name=\"sometimes\""));
    // A world without faults cannot take a lease over: nothing to say.
    let calm = report(true, "none");
    assert_eq!(calm.exit_code, EXIT_PASSED, "{}", render_text(&calm));
    assert!(!render_text(&calm).contains("sometimes: in"));
}
