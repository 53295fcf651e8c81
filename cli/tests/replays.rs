//! Every kind of replay command a failing run prints reproduces the failure:
//! the test runs the printed command as printed and compares.

use std::process::{Command, Output};

fn procreg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procreg"))
        .args(args)
        .output()
        .expect("the procreg binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every `replay: procreg ...` command in `output`, as argument lists.
fn replays(output: &str) -> Vec<Vec<String>> {
    output
        .lines()
        .filter_map(|line| line.trim().strip_prefix("replay: procreg "))
        .map(|command| command.split_whitespace().map(str::to_owned).collect())
        .collect()
}

fn run(args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    procreg(&args)
}

#[test]
fn a_strict_suite_failure_replays_strictly() {
    let first = procreg(&[
        "check",
        "--backend",
        "mutant:claim_terminal_process",
        "--only",
        "LEASE-2",
        "--strict",
    ]);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    let commands = replays(&text(&first));
    assert!(!commands.is_empty(), "{}", text(&first));
    for command in commands {
        assert!(command.contains(&"--strict".to_owned()), "{command:?}");
        let again = run(&command);
        assert_eq!(
            again.status.code(),
            Some(1),
            "{command:?}: {}",
            text(&again)
        );
        assert!(text(&again).contains("FAIL  lease_claim_of_terminal_process_fails"));
    }
}

#[test]
fn a_model_failure_replays_to_the_same_shrunk_sequence() {
    let first = procreg(&[
        "check",
        "--backend",
        "mutant:registration_conflict_accepted",
        "--only",
        "model",
        "--cases",
        "64",
    ]);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    let shown = text(&first);
    let shrunk = shown
        .lines()
        .find(|line| line.starts_with("shrunk to"))
        .expect("the shrunk length is shown")
        .to_owned();
    let commands = replays(&shown);
    assert_eq!(commands.len(), 1, "{shown}");
    let again = run(&commands[0]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains(&shrunk), "{}", text(&again));
}

#[test]
fn a_history_failure_replays_to_the_same_counterexample() {
    let first = procreg(&[
        "check",
        "--backend",
        "mutant:stale_renew_accepted",
        "--only",
        "linearizability",
    ]);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    let shown = text(&first);
    let commands = replays(&shown);
    assert!(!commands.is_empty(), "{shown}");
    let counterexample = shown
        .lines()
        .find(|line| line.contains("cannot be linearized together"))
        .expect("a counterexample")
        .to_owned();
    let again = run(&commands[0]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains(&counterexample), "{}", text(&again));
}

#[test]
fn a_simulation_failure_replays_to_the_same_trace_hash() {
    let first = procreg(&[
        "sim",
        "--seeds",
        "0..4",
        "--backend",
        "mutant:sweep_lists_terminal",
    ]);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    let shown = text(&first);
    let failed = shown
        .lines()
        .find(|line| line.contains(": FAILED hash "))
        .expect("a failing seed line")
        .to_owned();
    let hash = failed
        .split("hash ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a hash")
        .to_owned();
    let commands = replays(&shown);
    assert!(!commands.is_empty(), "{shown}");
    let again = run(&commands[0]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains(&hash), "replay lost hash {hash}");
}
