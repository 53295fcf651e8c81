//! `procreg serve` in one process, `procreg check --backend tcp://` in
//! another, and the network's bad input: a busy port, nobody listening, a
//! peer speaking garbage, a peer hanging up mid-call.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};

mod support;

use support::{procreg, text, Server};

#[test]
fn serve_and_check_over_tcp_all_green() {
    let server = Server::start("memory");
    let backend = format!("tcp://{}", server.address);
    let output = procreg(&[
        "check",
        "--backend",
        &backend,
        "--strict",
        "--cases",
        "64",
        "--quiet",
    ]);
    let report = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{report}\n{}",
        text(&output.stderr)
    );
    assert!(report.contains(" 0 failed, 0 skipped"), "{report}");
    assert!(report.contains("phase 2/5 model check: passed"), "{report}");
    assert!(
        report.contains("phase 3/5 concurrent histories: 4 of 4 linearizable"),
        "{report}"
    );
    assert!(
        report.contains("phase 4/5 simulation: 32 of 32 seeds passed"),
        "the simulation runs over tcp too: {report}"
    );

    let junit = procreg(&[
        "check",
        "--backend",
        &backend,
        "--only",
        "LEASE",
        "--format",
        "junit",
        "--quiet",
    ]);
    assert_eq!(junit.status.code(), Some(0));
    let xml = text(&junit.stdout);
    assert!(xml.contains("<testsuite "), "{xml}");
    assert!(xml.contains("failures=\"0\""), "{xml}");
    assert!(xml.contains("<testcase "), "{xml}");
}

#[test]
fn a_served_mutant_fails_the_check_with_exit_1() {
    let server = Server::start("mutant:stale_renew_accepted");
    let backend = format!("tcp://{}", server.address);
    let output = procreg(&[
        "check",
        "--backend",
        &backend,
        "--only",
        "LEASE-11",
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    assert!(
        text(&output.stdout).contains("LEASE-11"),
        "{}",
        text(&output.stdout)
    );
}

fn one_line_error(output: &Output, code: i32, needle: &str) {
    assert_eq!(output.status.code(), Some(code), "{}", text(&output.stderr));
    let error = text(&output.stderr);
    assert!(error.starts_with("procreg: error: "), "{error}");
    assert_eq!(error.trim_end().lines().count(), 1, "{error}");
    assert!(error.contains(needle), "`{needle}` not in {error}");
}

#[test]
fn a_busy_port_is_a_configuration_error() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = taken.local_addr().expect("address").to_string();
    let output = procreg(&["serve", "--listen", &address]);
    one_line_error(&output, 2, "cannot listen");
}

#[test]
fn nobody_listening_means_the_backend_failed_to_start() {
    let free = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = free.local_addr().expect("address").to_string();
    drop(free);
    let output = procreg(&["check", "--backend", &format!("tcp://{address}")]);
    one_line_error(&output, 3, "cannot connect");
}

#[test]
fn a_peer_speaking_garbage_or_hanging_up_is_a_clear_error() {
    let garbage = TcpListener::bind("127.0.0.1:0").expect("bind");
    let garbage_address = garbage.local_addr().expect("address").to_string();
    std::thread::spawn(move || {
        for stream in garbage.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.write_all(b"\x00\x00\x00\x0bHTTP/1.1 200");
        }
    });
    let output = procreg(&["check", "--backend", &format!("tcp://{garbage_address}")]);
    one_line_error(&output, 3, "malformed frame");

    let rude = TcpListener::bind("127.0.0.1:0").expect("bind");
    let rude_address = rude.local_addr().expect("address").to_string();
    std::thread::spawn(move || {
        for stream in rude.incoming().flatten() {
            let mut stream = stream;
            let mut first = [0u8; 8];
            let _ = stream.read(&mut first);
            drop(stream);
        }
    });
    let output = procreg(&["check", "--backend", &format!("tcp://{rude_address}")]);
    one_line_error(&output, 3, "connection failed");
}

#[test]
fn bad_tcp_addresses_are_usage_errors() {
    let output = procreg(&["check", "--backend", "tcp://nohost"]);
    one_line_error(&output, 2, "tcp://HOST:PORT");
    let output = procreg(&["serve", "--listen", "not-an-address"]);
    one_line_error(&output, 2, "cannot listen");
}

#[test]
fn sigterm_stops_serve_cleanly_and_removes_its_scratch_directory() {
    let dir = std::env::temp_dir().join(format!("procreg-serve-term-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let mut server = Server::start_with_temp_dir(
        &format!("sqlite:{}", dir.join("registry.db").display()),
        &dir,
    );
    let scratch = |dir: &std::path::Path| {
        std::fs::read_dir(dir)
            .expect("list")
            .flatten()
            .filter(|entry| {
                entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("procreg-scratch-")
            })
            .count()
    };
    assert_eq!(
        scratch(&dir),
        1,
        "serve keeps its registries in a scratch directory"
    );
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = server.child.wait().expect("serve exits");
    assert_eq!(exit.code(), Some(0));
    assert_eq!(
        scratch(&dir),
        0,
        "the scratch directory is removed on SIGTERM"
    );
    server.address.clear();
}

#[test]
fn a_backend_that_dies_mid_run_is_exit_3_naming_the_phase() {
    let mut server = Server::start("memory");
    let mut check = Command::new(env!("CARGO_BIN_EXE_procreg"))
        .args(["check", "--backend", &format!("tcp://{}", server.address)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("check starts");
    let mut progress = BufReader::new(check.stderr.take().expect("stderr"));
    let mut line = String::new();
    while !line.contains("phase 1/5") {
        line.clear();
        let read = progress.read_line(&mut line).expect("progress on stderr");
        assert!(read > 0, "check ended before the suite started");
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut rest = String::new();
    let _ = progress.read_to_string(&mut rest);
    let status = check.wait().expect("check ends");
    assert_eq!(status.code(), Some(3), "{rest}");
    assert!(
        rest.contains("phase 1/5 scenario suite: the backend died at check "),
        "{rest}"
    );
    assert!(
        !rest.contains("FAIL"),
        "no cascade of rule failures: {rest}"
    );
    server.address.clear();
}
