//! The kill -9 phase against real registry processes (`procreg serve
//! --store`): SQLite keeps every acknowledged write through a hundred
//! SIGKILLs; a write-behind SQLite does not, and the run names the loss.

mod support;

use procreg_crash::{run_kills, ChildCommand, KillPlan};
use std::time::Duration;
use support::text;

fn serve_store(backend: &str, store: &std::path::Path) -> ChildCommand {
    ChildCommand::new(
        env!("CARGO_BIN_EXE_procreg"),
        [
            "serve".to_owned(),
            "--backend".to_owned(),
            backend.to_owned(),
            "--listen".to_owned(),
            "127.0.0.1:0".to_owned(),
            "--store".to_owned(),
            store.display().to_string(),
        ],
    )
}

fn plan(command: ChildCommand, seed: u64, kills: u64) -> KillPlan {
    KillPlan {
        command,
        seed,
        kills,
        ready_within: Duration::from_secs(30),
        token: None,
    }
}

#[test]
fn sqlite_keeps_every_acknowledged_write_through_a_hundred_kills() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("kill9.db");
    let command = serve_store("sqlite:unused.db", &store);
    let mut seen = Vec::new();
    let report = run_kills(&plan(command, 11, 100), &mut |done, all| {
        seen.push((done, all))
    })
    .expect("the run goes through");
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.kills, 100);
    assert_eq!(seen.len(), 100, "progress after every kill");
    assert_eq!(seen.last(), Some(&(100, 100)));
    assert!(report.acknowledged > 100, "{}", report.summary());
    assert!(
        report.cut_off_stored + report.cut_off_absent + report.cut_off_unknown > 0,
        "some kill cut a write off: {}",
        report.summary()
    );
}

#[test]
fn a_write_behind_sqlite_loses_an_acknowledged_append_and_the_run_says_which() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("kill9.db");
    let command = serve_store("mutant:sqlite_unflushed_append", &store);
    let report = run_kills(&plan(command, 11, 100), &mut |_, _| {}).expect("the run goes through");
    let violation = report.violation.expect("the lost append is found");
    assert_eq!(violation.rule, "REG-16", "{violation:#?}");
    assert!(
        violation.detail.contains("acknowledged event") && violation.detail.contains("is gone"),
        "{violation:#?}"
    );
    assert!(!violation.trail.is_empty());
}

#[test]
fn a_backend_without_a_durable_store_is_refused_by_serve() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_procreg"))
        .args([
            "serve",
            "--backend",
            "memory",
            "--listen",
            "127.0.0.1:0",
            "--store",
            "x",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--store needs a backend whose store outlives"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let foreign = dir.path().join("notes.txt");
    std::fs::write(&foreign, "not a database, and not procreg's to write").expect("written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_procreg"))
        .args([
            "serve",
            "--backend",
            "sqlite:x.db",
            "--listen",
            "127.0.0.1:0",
            "--store",
        ])
        .arg(&foreign)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not an SQLite database"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&foreign).expect("readable"),
        "not a database, and not procreg's to write"
    );
}

/// Runs `procreg` with `args`: its exit code, stdout and stderr.
fn procreg(args: &[&str]) -> (Option<i32>, String, String) {
    let output = support::procreg(args);
    (
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr),
    )
}

#[test]
fn check_runs_the_kill9_phase_on_sqlite_and_reports_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = format!("sqlite:{}", dir.path().join("x.db").display());
    let (code, stdout, stderr) = procreg(&[
        "check",
        "--backend",
        &backend,
        "--only",
        "kill9",
        "--kills",
        "20",
    ]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("phase 5/5 kill -9: passed: 20 kills,"),
        "{stdout}"
    );
    assert!(
        stdout.contains("phase 4/5 simulation: not selected"),
        "{stdout}"
    );
    let (code, json, _) = procreg(&[
        "check",
        "--backend",
        &backend,
        "--only",
        "kill9",
        "--kills",
        "5",
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(code, Some(0));
    let report: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(report["kill9"]["status"], "ran", "{json}");
    assert_eq!(report["kill9"]["kills"], 5, "{json}");
    assert!(report["kill9"]["command"]
        .as_str()
        .is_some_and(|command| command.contains("serve --backend sqlite:")));
}

#[test]
fn a_write_behind_mutant_fails_check_with_exit_1_and_its_replay_fails_again() {
    let (code, stdout, stderr) = procreg(&[
        "check",
        "--backend",
        "mutant:sqlite_unflushed_append",
        "--only",
        "kill9",
        "--quiet",
    ]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("FAIL  kill -9 run seed 0"), "{stdout}");
    assert!(
        stdout.contains("phase 5/5 kill -9: FAILED (REG-16"),
        "{stdout}"
    );
    let replay = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("replay: "))
        .expect("a replay line")
        .to_owned();
    assert_eq!(
        replay,
        "procreg replay kill9 --seed 0 --kills 100 --backend mutant:sqlite_unflushed_append"
    );
    let args: Vec<&str> = replay.split(' ').skip(1).collect();
    let (code, stdout, stderr) = procreg(&args);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("REG-16: after"), "{stdout}");
    assert!(stdout.contains("kill -9: FAILED (REG-16"), "{stdout}");
}

#[test]
fn backends_without_a_store_skip_the_phase_and_bad_input_is_exit_2() {
    let (code, stdout, _) = procreg(&["check", "--only", "kill9"]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("phase 5/5 kill -9: skipped: no store outlives"),
        "{stdout}"
    );
    let (code, _, stderr) = procreg(&["check", "--only", "kill9", "--kills", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--kills 0 kills nothing"), "{stderr}");
    let (code, _, stderr) = procreg(&["replay", "kill9", "--seed", "1", "--backend", "memory"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("takes no kill -9 run"), "{stderr}");
}
