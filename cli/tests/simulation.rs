//! `procreg sim`, `replay sim`, shards and the exit code of a real rule failure.

use std::process::{Command, Output};

fn procreg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procreg"))
        .args(args)
        .output()
        .expect("the procreg binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn hash_of(text: &str) -> String {
    let line = text
        .lines()
        .find(|line| line.starts_with("seed "))
        .expect("a seed line");
    let at = line.find("hash ").expect("a hash") + "hash ".len();
    line[at..at + 16].to_owned()
}

#[test]
fn the_same_seed_in_two_processes_gives_the_same_trace_hash() {
    let first = procreg(&["sim", "--seed", "5", "--quiet"]);
    let second = procreg(&["sim", "--seed", "5", "--quiet"]);
    assert_eq!(first.status.code(), Some(0), "{}", stdout(&first));
    assert_eq!(hash_of(&stdout(&first)), hash_of(&stdout(&second)));
    assert_eq!(
        stdout(&first),
        stdout(&second),
        "the whole report is reproducible"
    );
    let other = procreg(&["sim", "--seed", "6", "--quiet"]);
    assert_ne!(hash_of(&stdout(&first)), hash_of(&stdout(&other)));
}

#[test]
fn replay_prints_the_full_trace_and_the_hash_it_reproduces() {
    let run = procreg(&["sim", "--seed", "3", "--quiet"]);
    let replay = procreg(&["replay", "sim", "--seed", "3"]);
    assert_eq!(replay.status.code(), Some(0));
    let text = stdout(&replay);
    assert!(text.contains("registry     claim p-"), "{text}");
    assert!(text.contains("producer     awaited p-31"), "{text}");
    assert!(text.contains(&hash_of(&stdout(&run))), "{text}");
}

#[test]
fn a_mutant_backend_fails_with_exit_1_naming_the_invariant_and_the_replay() {
    let output = procreg(&[
        "sim",
        "--seeds",
        "2",
        "--backend",
        "mutant:sweep_lists_terminal",
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("FAIL  simulation seed 0"), "{text}");
    assert!(text.contains("invariant 5"), "{text}");
    assert!(text.contains("SWEEP-2"), "{text}");
    assert!(
        text.contains("replay: procreg replay sim --seed 0 --workers 4 --processes 32 --faults crash,bounce,partition,sink-partition,hold,latency,stall --backend mutant:sweep_lists_terminal"),
        "{text}"
    );

    let check = procreg(&[
        "check",
        "--backend",
        "mutant:sweep_lists_terminal",
        "--only",
        "SWEEP",
        "--quiet",
    ]);
    assert_eq!(check.status.code(), Some(1), "{}", stdout(&check));
    assert!(
        stdout(&check).contains("FAIL  sweep_"),
        "{}",
        stdout(&check)
    );
}

#[test]
fn shards_cover_the_range_and_their_reports_merge() {
    let dir = std::env::temp_dir().join(format!("procreg-sim-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let mut files = Vec::new();
    for shard in ["1/2", "2/2"] {
        let file = dir.join(format!("shard-{}.json", &shard[..1]));
        let path = file.to_string_lossy().into_owned();
        let output = procreg(&[
            "sim", "--seeds", "10..14", "--shard", shard, "--format", "json", "--out", &path,
        ]);
        assert_eq!(output.status.code(), Some(0));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
        assert_eq!(report["simulation"]["runs"], 2);
        files.push(path);
    }
    let merged = procreg(&["merge-reports", &files[0], &files[1]]);
    assert_eq!(merged.status.code(), Some(0));
    let merged: serde_json::Value = serde_json::from_slice(&merged.stdout).expect("json");
    assert_eq!(merged["simulation"]["runs"], 4);
    assert_eq!(
        merged["simulation"]["seeds"],
        serde_json::json!(["10..14"]),
        "adjacent shards join into one range"
    );
}

#[test]
fn bad_sim_flags_exit_2() {
    for args in [
        &["sim", "--seeds", "9..3"][..],
        &["sim", "--seeds", "10", "--shard", "0/4"][..],
        &["sim", "--faults", "meteor"][..],
        &["sim", "--seeds", "2", "--trace", "/tmp/procreg-trace.txt"][..],
        &["sim", "--workers", "0"][..],
    ] {
        let output = procreg(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(error.starts_with("procreg: error: "), "{args:?}: {error}");
        assert_eq!(error.trim_end().lines().count(), 1, "{args:?}: {error}");
    }
}

#[test]
fn a_backend_that_does_not_answer_is_exit_3() {
    let output = procreg(&["sim", "--backend", "tcp://127.0.0.1:1", "--seeds", "2"]);
    assert_eq!(output.status.code(), Some(3));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("failed to start"), "{error}");
}

#[test]
fn sqlite_sweeps_repeat_their_hashes_and_crash_the_registry() {
    let dir = std::env::temp_dir().join(format!("procreg-sim-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let backend = format!("sqlite:{}", dir.join("registry.db").display());
    let run = || {
        let output = procreg(&["sim", "--backend", &backend, "--seeds", "0..8", "--quiet"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let first = run();
    assert_eq!(first, run(), "same seeds, same lines and hashes");
    assert!(first.contains("registry restarts"), "{first}");
    assert!(first.contains("faults swarm over crash,bounce,partition,sink-partition,hold,latency,stall,registry-crash"), "{first}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sqlite_in_the_shared_store_topology_passes_and_its_failures_replay_with_the_topology() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = format!("sqlite:{}", dir.path().join("x.db").display());
    let output = procreg(&[
        "sim",
        "--backend",
        &backend,
        "--topology",
        "shared-store",
        "--seeds",
        "0..3",
        "--quiet",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "3 of 3 seeds passed (seeds 0..3, 4 workers with a handle each on one store,"
        ),
        "{text}"
    );
    let output = procreg(&[
        "sim",
        "--backend",
        "mutant:handles_see_a_snapshot",
        "--topology",
        "shared-store",
        "--seed",
        "0",
        "--quiet",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("--topology shared-store --backend mutant:handles_see_a_snapshot"),
        "{text}"
    );
    let output = procreg(&["sim", "--topology", "shared-store", "--seed", "0"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no Capabilities::handles"), "{stderr}");
}

#[test]
fn check_simulates_a_backend_with_handles_in_the_shared_store_topology() {
    let output = procreg(&[
        "check",
        "--backend",
        "mutant:handles_see_a_snapshot",
        "--only",
        "sim",
        "--seeds",
        "1",
        "--quiet",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("--topology shared-store"), "{text}");
    assert!(
        text.contains("4 workers with a handle each on one store"),
        "{text}"
    );
}

#[test]
fn a_sweep_counts_its_sometimes_moments_in_text_and_json() {
    let output = procreg(&["sim", "--seeds", "0..100", "--quiet", "--strict"]);
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the default world reaches them: {text}"
    );
    assert!(
        text.contains("  sometimes: zombie_write_rejected "),
        "{text}"
    );
    assert!(text.contains("duplicate_finisher_refused "), "{text}");
    assert!(!text.contains("WARN  sometimes"), "{text}");
    let output = procreg(&["sim", "--seeds", "0..20", "--quiet", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let moments = report["simulation"]["coverage"]["moments"]
        .as_array()
        .expect("moments");
    assert_eq!(moments.len(), 7);
    assert_eq!(report["simulation"]["coverage"]["runs"], 20);
}
