//! End-to-end tests of the `procreg` binary: outputs, report formats and exit codes.

mod support;

use std::path::PathBuf;
use std::process::Output;
use support::procreg;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("procreg-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

fn attribute(xml: &str, tag: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag} "))?;
    let element = &xml[start..start + xml[start..].find('>')?];
    let key = format!(" {name}=\"");
    let from = element.find(&key)? + key.len();
    let len = element[from..].find('"')?;
    Some(element[from..from + len].to_owned())
}

#[test]
fn check_on_memory_passes_and_ends_with_the_summary() {
    let output = procreg(&["check", "--cases", "64", "--seeds", "4"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    for phase in [
        "phase 4/5 simulation: 4 of 4 seeds passed (seeds 0..4,",
        "phase 1/5 scenario suite:",
        "phase 2/5 model check: passed",
        "phase 3/5 concurrent histories: 4 of 4 linearizable",
    ] {
        assert!(text.contains(phase), "missing `{phase}` in:\n{text}");
    }
    assert!(text.trim_end().ends_with("result: all passed"), "{text}");
    assert!(text.contains(" 0 failed"), "{text}");
}

#[test]
fn junit_report_goes_to_the_out_file() {
    let path = scratch("report.xml");
    let path_text = path.to_string_lossy().into_owned();
    let output = procreg(&[
        "check", "--cases", "64", "--seeds", "2", "--format", "junit", "--out", &path_text,
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let xml = std::fs::read_to_string(&path).expect("the junit file was written");
    assert!(xml.starts_with("<?xml"), "{xml}");
    let tests: usize = attribute(&xml, "testsuite", "tests")
        .and_then(|tests| tests.parse().ok())
        .expect("testsuite tests=N");
    assert!(tests > 100, "{tests} tests");
    assert_eq!(xml.matches("<testcase ").count(), tests);
    assert_eq!(
        attribute(&xml, "testsuite", "failures").as_deref(),
        Some("0")
    );
    assert!(stdout(&output).is_empty(), "the report went to the file");
}

#[test]
fn json_report_has_suite_model_and_histories() {
    let output = procreg(&[
        "check", "--cases", "64", "--seeds", "2", "--format", "json", "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON object");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["config"]["backend"], "memory");
    assert_eq!(report["exit_code"], 0);
    assert_eq!(report["suite"]["counts"]["failed"], 0);
    assert!(report["suite"]["checks"].as_array().expect("checks").len() > 100);
    assert_eq!(report["model"]["outcome"]["outcome"], "passed");
    assert_eq!(report["model"]["seed"], 0);
    let histories = report["histories"]["histories"]
        .as_array()
        .expect("histories");
    assert_eq!(histories.len(), 4);
    assert!(histories
        .iter()
        .all(|history| history["verdict"] == "linearizable"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check", "--backend", "nosuch:x"][..],
        &["check", "--only", "no_such_check"][..],
        &["check", "--out", "/nonexistent-dir/procreg/report.txt"][..],
        &["check", "--backend", "sqlite:/nonexistent-dir/registry.db"][..],
        &["check", "--format", "yaml"][..],
    ] {
        let output = procreg(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let error = stderr(&output);
        assert!(!error.contains("panicked"), "{error}");
    }
    let output = procreg(&["check", "--backend", "nosuch:x"]);
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("unknown backend"), "{error}");
}

#[test]
fn a_backend_that_cannot_start_exits_3() {
    let output = procreg(&[
        "check",
        "--backend",
        "sqlite:/proc/version",
        "--cases",
        "8",
        "--seeds",
        "1",
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("failed to start"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_file_that_is_no_procreg_registry_is_refused_and_left_untouched() {
    let not_a_database = scratch("not-a-database.db");
    std::fs::write(
        &not_a_database,
        "this is plain text, not SQLite\n".repeat(64),
    )
    .expect("write the bad file");
    let foreign = scratch("someone-elses.db");
    let _ = std::fs::remove_file(&foreign);
    let app = rusqlite::Connection::open(&foreign).expect("create");
    app.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada');")
        .expect("another application's schema");
    drop(app);
    let files = [
        (not_a_database, "not an SQLite database"),
        (foreign, "not a procreg registry"),
    ];
    for (file, why) in files {
        let before = std::fs::read(&file).expect("read");
        let output = procreg(&["check", "--backend", &format!("sqlite:{}", file.display())]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(why), "{}", stderr(&output));
        assert_eq!(
            std::fs::read(&file).expect("read"),
            before,
            "the file changed"
        );
    }
}

#[test]
fn sqlite_backend_runs_a_selection_on_fresh_files() {
    let path = scratch("registry.db");
    let backend = format!("sqlite:{}", path.display());
    let output = procreg(&[
        "check",
        "--backend",
        &backend,
        "--only",
        "LEASE",
        "--only",
        "REG-16",
        "--only",
        "model",
        "--cases",
        "16",
        "--strict",
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("0 failed, 0 skipped"), "{text}");
    assert!(
        text.contains("phase 3/5 concurrent histories: not selected"),
        "{text}"
    );
}

#[test]
fn rules_lists_lease_7_with_its_checks() {
    let output = procreg(&["rules"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let mut lines = text
        .lines()
        .skip_while(|line| !line.starts_with("LEASE-7 "));
    let heading = lines.next().expect("LEASE-7 is listed");
    assert!(heading.contains("MUST"), "{heading}");
    let checks = lines.next().expect("its checks");
    assert!(
        checks.contains("lease_fencing_tokens_strictly_grow_across_releases"),
        "{checks}"
    );
    let markdown = stdout(&procreg(&["rules", "--format", "markdown"]));
    assert!(markdown.contains("| LEASE-7 | MUST |"), "{markdown}");
}

#[test]
fn replay_model_passes_on_memory() {
    let output = procreg(&["replay", "model", "--seed", "0", "--cases", "64"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("model check passes: seed 0"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn merge_reports_of_identical_reports_is_clean() {
    let first = scratch("first.json");
    let second = scratch("second.json");
    let first_text = first.to_string_lossy().into_owned();
    let output = procreg(&[
        "check",
        "--cases",
        "64",
        "--seeds",
        "2",
        "--format",
        "json",
        "--out",
        &first_text,
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    std::fs::copy(&first, &second).expect("copy the report");
    let second_text = second.to_string_lossy().into_owned();
    let output = procreg(&["merge-reports", &first_text, &second_text]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let merged: serde_json::Value = serde_json::from_slice(&output.stdout).expect("merged JSON");
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&first).expect("read")).expect("JSON");
    assert_eq!(merged["suite"]["checks"], original["suite"]["checks"]);
    assert_eq!(merged["merged_from"].as_array().map(Vec::len), Some(2));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    assert_eq!(
        merged["simulation"]["runs"], original["simulation"]["runs"],
        "a shard merged with itself counts once"
    );

    let mut other_world = original.clone();
    other_world["simulation"]["world"]["workers"] = serde_json::json!(7);
    let third = scratch("merge-other-world.json");
    std::fs::write(&third, other_world.to_string()).expect("write");
    let output = procreg(&["merge-reports", &first_text, &third.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("another world"),
        "{}",
        stderr(&output)
    );

    let mut flipped = original.clone();
    flipped["suite"]["checks"][0]["outcome"] =
        serde_json::json!({"outcome": "failed", "rule": "LEASE-1", "message": "made up"});
    let fourth = scratch("merge-flipped.json");
    std::fs::write(&fourth, flipped.to_string()).expect("write");
    let output = procreg(&["merge-reports", &first_text, &fourth.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("passed in") && stderr(&output).contains("failed in"),
        "a conflicting verdict is named: {}",
        stderr(&output)
    );

    let garbage = scratch("garbage.json");
    std::fs::write(&garbage, "{ not json").expect("write");
    let output = procreg(&["merge-reports", &first_text, &garbage.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not JSON"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_strict_junit_report_of_a_failing_mutant_fails_in_every_phase() {
    let output = procreg(&[
        "check",
        "--backend",
        "mutant:claim_terminal_process",
        "--strict",
        "--seeds",
        "2",
        "--format",
        "junit",
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let xml = stdout(&output);
    let failures: u32 = attribute(&xml, "testsuite", "failures")
        .and_then(|count| count.parse().ok())
        .expect("a failures count");
    assert!(failures >= 3, "{xml}");
    for case in [
        "classname=\"procreg.model\" name=\"model_check\"",
        "classname=\"procreg.histories\" name=\"history_seed_0\"",
        "classname=\"procreg.simulation\" name=\"sweep\"",
    ] {
        assert!(xml.contains(case), "no testcase {case} in {xml}");
    }
}

#[test]
fn runs_that_would_test_nothing_are_usage_errors() {
    let output = procreg(&["check", "--only", "model", "--cases", "0"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--cases 0"), "{}", stderr(&output));
    for command in ["check", "sim"] {
        let mut args = vec![command, "--seeds", "0..2", "--shard", "1/3"];
        if command == "check" {
            args.extend(["--only", "sim"]);
        }
        let output = procreg(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("holds no seed"),
            "{}",
            stderr(&output)
        );
    }
    let output = procreg(&["sim", "--seeds", "3..3"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn check_simulates_sqlite_with_registry_crashes() {
    let db = scratch("only-sim.db");
    let output = procreg(&[
        "check",
        "--only",
        "sim",
        "--seeds",
        "2",
        "--quiet",
        "--backend",
        &format!("sqlite:{}", db.display()),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("phase 4/5 simulation: 2 of 2 seeds passed")
            && text.contains("registry-crash"),
        "{text}"
    );
}

#[test]
fn mutant_question_mark_lists_the_zoo() {
    let output = procreg(&["check", "--backend", "mutant:?"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let listing = stdout(&output);
    assert!(listing.contains("stale_renew_accepted"), "{listing}");
    assert!(listing.lines().count() >= 30, "{listing}");
}

#[test]
fn sim_prints_each_seed_line_once() {
    let output = procreg(&["sim", "--seeds", "0..2"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(out.matches("seed 0: ok").count(), 1, "{out}");
    assert_eq!(out.matches("seed 1: ok").count(), 1, "{out}");
    assert!(!err.contains("seed 0:"), "stderr repeats the lines: {err}");
}

#[test]
fn a_saved_history_gets_the_same_verdict_on_every_replay() {
    let failing = support::failing_history();
    let file = scratch("saved-history.json");
    std::fs::write(&file, serde_json::to_string(&failing).expect("JSON")).expect("write");
    let file_text = file.to_string_lossy().into_owned();
    let first = procreg(&["replay", "history", &file_text]);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("NOT linearizable"),
        "{}",
        stdout(&first)
    );
    assert!(stdout(&first).contains("renew"), "{}", stdout(&first));
    for _ in 0..3 {
        let again = procreg(&["replay", "history", &file_text]);
        assert_eq!(again.status.code(), Some(1));
        assert_eq!(
            stdout(&again),
            stdout(&first),
            "another verdict on the same file"
        );
    }
    let garbage = scratch("not-a-history.json");
    std::fs::write(&garbage, "{}").expect("write");
    let output = procreg(&["replay", "history", &garbage.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn junit_and_markdown_carry_every_phase() {
    let xml_path = scratch("all-phases.xml");
    let output = procreg(&[
        "check",
        "--backend",
        "mutant:claim_terminal_process",
        "--strict",
        "--seeds",
        "2",
        "--format",
        "junit",
        "--out",
        &xml_path.to_string_lossy(),
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let xml = std::fs::read_to_string(&xml_path).expect("the report");
    let failures: usize = attribute(&xml, "testsuite", "failures")
        .and_then(|count| count.parse().ok())
        .expect("a failures count");
    assert!(
        failures >= 2,
        "the dashboard must not show green: {failures}"
    );
    assert_eq!(failures, xml.matches("<failure ").count());
    for class in ["procreg.model", "procreg.histories", "procreg.simulation"] {
        assert!(
            xml.contains(&format!("classname=\"{class}\"")),
            "{class} missing"
        );
    }
    let output = procreg(&[
        "check",
        "--backend",
        "mutant:claim_terminal_process",
        "--seeds",
        "2",
        "--format",
        "markdown",
        "--quiet",
    ]);
    let markdown = stdout(&output);
    assert!(markdown.contains("| model | model_check |"), "{markdown}");
    assert!(markdown.contains("| simulation | sweep |"), "{markdown}");
}

#[test]
fn should_divergences_warn_unless_strict_in_every_phase() {
    let args = [
        "check",
        "--backend",
        "mutant:claim_terminal_process",
        "--seeds",
        "2",
        "--quiet",
    ];
    let lenient = procreg(&args);
    let text = stdout(&lenient);
    assert_eq!(lenient.status.code(), Some(0), "{text}");
    assert!(
        text.contains("model check: passed with a SHOULD warning (LEASE-2"),
        "{text}"
    );
    assert!(text.contains("SHOULD leniency (LEASE-2"), "{text}");
    let mut strict_args = args.to_vec();
    strict_args.push("--strict");
    let strict = procreg(&strict_args);
    assert_eq!(strict.status.code(), Some(1), "{}", stdout(&strict));
}

#[test]
fn planted_sqlite_bugs_fail_the_generic_cross_handle_checks() {
    for (mutant, check) in [
        (
            "mutant:sqlite_deferred_claim",
            "reg_handles_racing_claims_have_one_winner",
        ),
        (
            "mutant:sqlite_deferred_append",
            "reg_handles_racing_appends_keep_the_log_gap_free",
        ),
    ] {
        let output = procreg(&["check", "--backend", mutant, "--only", "REG-17", "--quiet"]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{mutant}: {}",
            stdout(&output)
        );
        let report = stdout(&output);
        assert!(
            report.contains(&format!("FAIL  {check}"))
                && report.contains("must not surface as an error"),
            "{mutant}: {report}"
        );
    }
    let listing = stdout(&procreg(&["check", "--backend", "mutant:?"]));
    assert!(listing.contains("sqlite_deferred_claim"), "{listing}");
}
