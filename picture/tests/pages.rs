//! The pages hold what a reader needs to see why a run failed, and the
//! same run gives the same bytes.

use procreg_memory::MemoryRegistry;
use procreg_model::linearizability::{
    check_history, record_history, where_stuck, HistoryConfig, Verdict,
};
use procreg_picture::{history_page, sim_page};
use procreg_sim::{run_seed, FaultSet, SimConfig, SimOutcome};

fn traced(seed: u64) -> SimConfig {
    SimConfig {
        keep_trace: true,
        ..SimConfig::default().with_seed(seed)
    }
}

fn stale_renewals(seed: u64) -> SimOutcome {
    let mutant = procreg_mutants::by_id("stale_renew_accepted").expect("in the zoo");
    run_seed(&traced(seed), &mutant).expect("runs")
}

#[test]
fn a_failing_seed_shows_worker_lanes_leases_faults_and_the_violation() {
    let outcome = stale_renewals(3);
    assert!(!outcome.passed(), "seed 3 catches the mutant: {outcome}");
    let html = sim_page(&outcome, "procreg replay sim --seed 3").expect("traced");
    for lane in [
        "faults",
        "worker-0.1",
        "producer",
        "registry",
        "sink",
        "checker",
    ] {
        assert!(
            html.contains(&format!("data-lane=\"{lane}\"")),
            "lane {lane}"
        );
    }
    assert!(html.contains("class=\"bar lease\""), "leases are bars");
    assert!(
        html.contains(" #1</text>"),
        "a lease bar is labelled with its fence"
    );
    assert!(
        html.contains("class=\"bar lease-revived\""),
        "the stale renewal shows as a revived lease"
    );
    assert!(html.contains("class=\"span fault-"), "faults shade lanes");
    assert!(
        html.contains("class=\"bar call\""),
        "registry calls are bars"
    );
    let violation = outcome.violations.first().expect("failed");
    assert!(
        html.contains(&format!("invariant {} [", violation.invariant.number())),
        "the violation is marked with its rules"
    );
    assert!(html.contains("class=\"mark violation\""));
    assert!(
        !html.contains(" src=") && !html.contains(" href="),
        "the page loads nothing"
    );
}

#[test]
fn the_same_seed_draws_the_same_bytes() {
    let first = sim_page(&stale_renewals(3), "replay").expect("traced");
    let second = sim_page(&stale_renewals(3), "replay").expect("traced");
    assert!(first == second, "two runs of seed 3 drew different pages");
}

#[test]
fn a_quiet_passing_seed_renders_without_a_mark() {
    let config = SimConfig {
        faults: FaultSet::none(),
        ..traced(0)
    };
    let outcome = run_seed(&config, &|clock| MemoryRegistry::new(clock)).expect("runs");
    assert!(outcome.passed(), "{outcome}");
    let html = sim_page(&outcome, "replay").expect("traced");
    assert!(html.contains("data-lane=\"worker-0.1\""));
    assert!(html.contains("class=\"bar lease\""));
    assert!(
        !html.contains("class=\"mark"),
        "a passing seed marks nothing"
    );
}

#[test]
fn an_untraced_run_is_refused_with_the_reason() {
    let outcome = run_seed(&SimConfig::default().with_seed(0), &|clock| {
        MemoryRegistry::new(clock)
    })
    .expect("runs");
    let error = sim_page(&outcome, "replay").expect_err("no timeline");
    assert!(error.contains("keep_trace"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_that_is_not_linearizable_shows_its_prefix_and_the_call_that_cannot_be_placed() {
    let mutant = procreg_mutants::by_id("stale_renew_accepted").expect("in the zoo");
    let mut drawn = 0;
    for seed in 0..4 {
        let config = HistoryConfig {
            seed,
            ..HistoryConfig::default()
        };
        let history = record_history(&mutant, &config).await.expect("records");
        let report = check_history(&history);
        if report.verdict != Verdict::NotLinearizable {
            continue;
        }
        let found = where_stuck(&history, &report).expect("a failing partition");
        let stuck = found.stuck.expect("a call cannot be placed");
        assert!(
            !found.longest_prefix.contains(&stuck),
            "seed {seed}: the stuck call is outside the prefix"
        );
        assert!(
            found
                .state_before_stuck
                .contains(&format!("process `{}`", found.process)),
            "seed {seed}: {}",
            found.state_before_stuck
        );
        let html = history_page(&history, &report, &format!("history seed {seed}"), "replay");
        assert!(html.contains("data-lane=\"client-0\""), "a lane per client");
        assert!(
            html.contains("class=\"bar op-unplaced\""),
            "seed {seed}: the stuck call"
        );
        assert!(html.contains(&format!("#{stuck} cannot be placed")));
        assert!(
            html.contains("Model state before"),
            "the model state is shown"
        );
        if !found.longest_prefix.is_empty() {
            assert!(
                html.contains("class=\"bar op-prefix\""),
                "seed {seed}: the prefix"
            );
        }
        let again = history_page(&history, &report, &format!("history seed {seed}"), "replay");
        assert!(
            html == again,
            "seed {seed}: the same history drew different pages"
        );
        drawn += 1;
    }
    assert!(drawn >= 1, "no failing history among 4 seeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_of_thousands_of_calls_still_draws_every_call_in_a_few_mb() {
    let mutant = procreg_mutants::by_id("stale_renew_accepted").expect("in the zoo");
    let config = HistoryConfig {
        tasks: 8,
        ops_per_task: 400,
        processes: 12,
        ..HistoryConfig::default()
    };
    let history = record_history(&mutant, &config).await.expect("records");
    assert!(history.len() >= 3_000, "{} calls", history.len());
    let report = check_history(&history);
    let html = history_page(&history, &report, "history of 3,200 calls", "replay");
    let bars = html.matches("\ninvoked ").count();
    assert_eq!(bars, history.len(), "one bar per call");
    assert!(html.len() < 4_000_000, "{} bytes", html.len());
    assert!(html.contains("data-lane=\"client-7\""));
}
