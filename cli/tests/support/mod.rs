//! Helpers of the tests that run `procreg serve` in a child process.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Output, Stdio};

/// Runs the built `procreg` with `args`.
pub fn procreg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procreg"))
        .args(args)
        .output()
        .expect("the procreg binary runs")
}

/// The first history of `mutant:stale_renew_accepted` (seeds 0..8) that
/// is not linearizable.
pub fn failing_history() -> procreg_conformance::linearizability::History {
    use procreg_conformance::linearizability::{
        check_history, record_history, HistoryConfig, Verdict,
    };
    let mutant = procreg_mutants::by_id("stale_renew_accepted").expect("in the zoo");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    (0..8)
        .map(|seed| {
            let config = HistoryConfig {
                seed,
                ..HistoryConfig::default()
            };
            runtime
                .block_on(record_history(&mutant, &config))
                .expect("records")
        })
        .find(|history| check_history(history).verdict == Verdict::NotLinearizable)
        .expect("a stale renewal shows within 8 seeds")
}

/// Bytes as text, lossily.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `procreg serve` child on a free port, killed on drop.
pub struct Server {
    /// The child process.
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    /// The rest of the server's stderr (its log), after the address line.
    pub log: BufReader<ChildStderr>,
}

impl Server {
    /// `procreg serve --backend BACKEND` on a free loopback port.
    pub fn start(backend: &str) -> Self {
        Self::start_with_temp_dir(backend, &std::env::temp_dir())
    }

    /// A server whose scratch storage goes under `temp_dir` (its `TMPDIR`).
    pub fn start_with_temp_dir(backend: &str, temp_dir: &std::path::Path) -> Self {
        Self::start_with(backend, temp_dir, &[], &[])
    }

    /// A server with more `serve` flags and environment variables.
    pub fn start_with(
        backend: &str,
        temp_dir: &std::path::Path,
        flags: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_procreg"))
            .args(["serve", "--backend", backend, "--listen", "127.0.0.1:0"])
            .args(flags)
            .envs(env.iter().copied())
            .env("TMPDIR", temp_dir)
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        let mut log = BufReader::new(child.stderr.take().expect("stderr"));
        log.read_line(&mut line)
            .expect("serve announces its address");
        let from = line.find("tcp://").expect("an address") + "tcp://".len();
        let address = line[from..]
            .split_whitespace()
            .next()
            .expect("address")
            .trim_end_matches(',')
            .to_owned();
        Self {
            child,
            address,
            log,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
