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
    assert!(text.contains("phase 2/5 model check: passed"), "{text}");
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

/// Every seed's trace hash from a `procreg sim --format json` report.
fn hashes(report: &std::path::Path) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(report).expect("the report was written");
    let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    report["simulation"]["hashes"]
        .as_array()
        .expect("hashes")
        .iter()
        .map(|entry| {
            (
                entry["seed"].as_u64().expect("seed"),
                entry["hash"].as_str().expect("hash").to_owned(),
            )
        })
        .collect()
}

#[test]
fn postgres_passes_32_simulation_seeds_with_sqlites_traces() {
    let Some(url) = postgres_url() else {
        eprintln!("skipped: PROCREG_PG_URL is not set (source .ci/postgres.sh; procreg_pg_start)");
        return;
    };
    let dir = tempfile_dir();
    // One handle served to all, and a handle per worker on one store.
    for (topology, seeds) in [("served", "0..32"), ("shared-store", "0..16")] {
        let pg_report = dir.join(format!("pg-{topology}.json"));
        let sqlite_report = dir.join(format!("sqlite-{topology}.json"));
        for (backend, report) in [
            (url.clone(), &pg_report),
            (
                format!("sqlite:{}", dir.join("sim.db").display()),
                &sqlite_report,
            ),
        ] {
            let output = procreg(&[
                "sim",
                "--backend",
                &backend,
                "--topology",
                topology,
                "--seeds",
                seeds,
                "--format",
                "json",
                "--out",
                &report.to_string_lossy(),
                "--quiet",
            ]);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{backend} ({topology}): {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let pg = hashes(&pg_report);
        assert!(pg.len() >= 16, "{topology}: {} seeds", pg.len());
        assert_eq!(
            pg,
            hashes(&sqlite_report),
            "{topology}: two conforming durable backends answer alike, so their traces match seed for seed"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh directory under the temp dir for this test's files.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("procreg-pg-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}
