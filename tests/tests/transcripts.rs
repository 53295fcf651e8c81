//! Canonical transcripts of `MemoryRegistry`: one insta snapshot per
//! scenario, and the committed reference transcripts
//! (`conformance/transcripts/*.yaml`) the golden checks embed.
//!
//! `cargo insta test` / `cargo insta review` review the snapshots;
//! `PROCREG_BLESS=1 cargo test -p procreg-tests --test transcripts` rewrites
//! the reference transcripts from what `MemoryRegistry` does now.

use procreg::Clock;
use procreg_conformance::transcript::{all_scenarios, reference_path, run_scenario, scenario};
use procreg_memory::MemoryRegistry;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

fn blessing() -> bool {
    std::env::var_os("PROCREG_BLESS").is_some_and(|value| value != "0" && !value.is_empty())
}

fn memory(clock: Arc<dyn Clock>) -> MemoryRegistry {
    MemoryRegistry::new(clock)
}

fn transcript(name: &str) -> String {
    let scenario = scenario(name).unwrap_or_else(|| panic!("no scenario named `{name}`"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime
        .block_on(run_scenario(&memory, &scenario))
        .expect("MemoryRegistry starts")
}

macro_rules! snapshot_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), transcript(stringify!($name)));
            }
        )*

        const SNAPSHOTTED: &[&str] = &[$(stringify!($name)),*];
    };
}

snapshot_tests! {
    registration_conflicts,
    external_refs,
    handle_grants,
    session_deletion,
    event_ordering,
    replay_keys,
    wakes_and_acks,
    terminal_completion,
    immediate_waits,
    sweep,
    lease_claim,
    lease_renew,
    lease_expiry,
    lease_fencing,
    error_atomicity,
    clock,
}

#[test]
fn every_scenario_has_a_snapshot_test() {
    let names: Vec<&str> = all_scenarios()
        .iter()
        .map(|scenario| scenario.name)
        .collect();
    assert_eq!(
        SNAPSHOTTED,
        names.as_slice(),
        "add a snapshot test per scenario"
    );
}

#[test]
fn every_scenario_runs_twice_to_the_same_transcript() {
    for scenario in all_scenarios() {
        assert_eq!(
            transcript(scenario.name),
            transcript(scenario.name),
            "scenario `{}` is not deterministic",
            scenario.name
        );
    }
}

/// The committed reference transcripts equal what `MemoryRegistry` produces
/// now (`PROCREG_BLESS=1` rewrites them), and no stale file is left over.
#[test]
fn reference_transcripts_are_current() {
    let root = workspace_root();
    let mut stale = Vec::new();
    for scenario in all_scenarios() {
        let path = root.join(reference_path(scenario.name));
        let now = transcript(scenario.name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == now {
            continue;
        }
        if blessing() {
            std::fs::write(&path, &now).expect("write the reference transcript");
            eprintln!("blessed {}", path.display());
        } else {
            let diff = procreg_conformance::transcript::diff::unified_diff(
                &reference_path(scenario.name),
                "MemoryRegistry now",
                &committed,
                &now,
            )
            .unwrap_or_default();
            stale.push(format!("{}:\n{diff}", scenario.name));
        }
    }
    let dir = root.join("conformance/transcripts");
    let names: BTreeSet<String> = all_scenarios()
        .iter()
        .map(|scenario| format!("{}.yaml", scenario.name))
        .collect();
    let mut extra = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("conformance/transcripts is readable") {
        let name = entry
            .expect("directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !names.contains(&name) {
            extra.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "reference transcripts are stale; review the change, then regenerate with\n  \
         PROCREG_BLESS=1 cargo test -p procreg-tests --test transcripts\n\
         (and rebuild so procreg-conformance embeds them)\n\n{}",
        stale.join("\n")
    );
    assert!(
        extra.is_empty(),
        "conformance/transcripts holds files of no scenario (delete them): {extra:?}"
    );
}
