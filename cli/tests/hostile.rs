//! `procreg serve` against hostile clients: stalled half-frames and idle
//! sockets are closed, connections beyond the cap are refused with an error
//! frame, a token keeps strangers out, an open listener needs a token, and
//! a normal check passes right after the abuse.

mod support;

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::{procreg, text, Server};

/// A normal selection over tcp:// passes (exit 0), with `env` set.
fn check_passes(address: &str, env: &[(&str, &str)]) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_procreg"))
        .args([
            "check",
            "--backend",
            &format!("tcp://{address}"),
            "--only",
            "LEASE",
            "--quiet",
        ])
        .envs(env.iter().copied())
        .output()
        .expect("check runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Reads until the server closes the stream (or `limit` passes); returns what arrived and when it closed.
fn until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Option<Duration>) {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).expect("timeout");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return (received, Some(started.elapsed())),
            Ok(read) => received.extend_from_slice(&buffer[..read]),
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {
                return (received, Some(started.elapsed()))
            }
            Err(_) => return (received, None),
        }
    }
}

#[test]
fn stalled_half_frames_and_idle_sockets_are_closed_and_checks_go_on() {
    let mut server = Server::start_with(
        "memory",
        &std::env::temp_dir(),
        &["--frame-deadline-secs", "1", "--idle-timeout-secs", "2"],
        &[],
    );
    let mut stalled: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut stream = TcpStream::connect(&server.address).expect("connects");
            stream
                .write_all(&(1u32 << 20).to_be_bytes())
                .expect("prefix");
            stream
                .write_all(&vec![b' '; 64 * 1024])
                .expect("part of the body");
            stream
        })
        .collect();
    let mut idle = TcpStream::connect(&server.address).expect("connects");
    for stream in &mut stalled {
        let (_, closed) = until_closed(stream, Duration::from_secs(10));
        assert!(closed.is_some(), "a stalled half-frame stays open");
    }
    let (_, closed) = until_closed(&mut idle, Duration::from_secs(10));
    assert!(closed.is_some(), "an idle socket stays open");
    let mut line = String::new();
    server.log.read_line(&mut line).expect("a log line");
    assert!(
        line.starts_with("procreg-remote: peer 127.0.0.1:")
            && line.contains("did not finish a frame within 1 s"),
        "{line}"
    );
    check_passes(&server.address, &[]);
}

#[test]
fn scratch_backed_namespaces_are_not_called_durable() {
    let dir = std::env::temp_dir().join(format!("procreg-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let db = format!("sqlite:{}", dir.join("served.db").display());
    let server = Server::start_with(&db, &dir, &[], &[]);
    let output = procreg(&[
        "check",
        "--backend",
        &format!("tcp://{}", server.address),
        "--only",
        "REG-15",
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        report["suite"]["capabilities"]["durability_tier"], "inline",
        "its files go when the server stops"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn connections_beyond_the_cap_get_an_error_frame_and_the_rest_keep_working() {
    let server = Server::start_with(
        "memory",
        &std::env::temp_dir(),
        &["--max-connections", "16"],
        &[],
    );
    let held: Vec<TcpStream> = (0..16)
        .map(|_| TcpStream::connect(&server.address).expect("connects"))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut excess = TcpStream::connect(&server.address).expect("accepted, then refused");
    let (reply, closed) = until_closed(&mut excess, Duration::from_secs(5));
    assert!(closed.is_some(), "the excess connection is closed");
    let body = text(reply.get(4..).unwrap_or_default());
    assert!(body.contains("at most 16 connections"), "{body}");
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    check_passes(&server.address, &[]);
}

#[test]
fn a_token_keeps_strangers_out() {
    let server = Server::start_with(
        "memory",
        &std::env::temp_dir(),
        &[],
        &[("PROCREG_TOKEN", "s3cret")],
    );
    let address = format!("tcp://{}", server.address);
    let stranger = procreg(&["check", "--backend", &address, "--only", "LEASE", "--quiet"]);
    assert_eq!(
        stranger.status.code(),
        Some(3),
        "{}",
        text(&stranger.stderr)
    );
    assert!(
        text(&stranger.stderr).contains("needs a token"),
        "{}",
        text(&stranger.stderr)
    );
    check_passes(&server.address, &[("PROCREG_TOKEN", "s3cret")]);
}

#[test]
fn an_open_listener_without_a_token_is_refused() {
    let output = procreg(&["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("give a shared token"),
        "{}",
        text(&output.stderr)
    );
}
