//! `--backend postgres://URL` against a real server: a selection passes, the
//! scratch schemas are dropped afterwards, and a server that does not
//! answer is exit 3. Runs when `PROCREG_PG_URL` is set (`.ci/run` starts a
//! throwaway server), and says it was skipped otherwise.

use std::process::{Command, Output};

fn procreg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procreg"))
        .args(args)
        .output()
        .expect("the procreg binary runs")
}

/// `PROCREG_PG_URL` (`host=.. port=.. user=.. dbname=..`) as a `postgres://` URL.
fn postgres_url() -> Option<String> {
    let conninfo = std::env::var("PROCREG_PG_URL").ok()?;
    let field = |name: &str| {
        conninfo
            .split_whitespace()
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .map(str::to_owned)
    };
    if conninfo.starts_with("postgres") {
        return Some(conninfo);
    }
    Some(format!(
        "postgres://{}@{}:{}/{}",
        field("user")?,
        field("host")?,
        field("port")?,
        field("dbname")?
    ))
}

#[test]
fn a_postgres_url_is_a_backend_and_its_scratch_schemas_are_dropped() {
    let Some(url) = postgres_url() else {
        eprintln!("skipped: PROCREG_PG_URL is not set (source .ci/postgres.sh; procreg_pg_start)");
        return;
    };
    let output = procreg(&[
        "check",
        "--backend",
        &url,
        "--only",
        "LEASE",
        "--only",
        "model",
        "--cases",
        "16",
        "--quiet",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("phase 2/4 model check: passed"), "{text}");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("could not drop"));
    let unreachable = procreg(&[
        "check",
        "--backend",
        "postgres://postgres@127.0.0.1:9/postgres",
        "--only",
        "LEASE",
    ]);
    assert_eq!(unreachable.status.code(), Some(3));
}
