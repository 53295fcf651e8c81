//! Canonical transcripts: named, deterministic scenarios whose every call,
//! result and final registry state is written down as YAML, so a change of
//! behaviour shows up in review as a diff.
//!
//! - [`scenarios`]: the scenarios, at least one per area of docs/spec.md.
//! - [`recorder`]: the registry wrapper that writes the transcript.
//! - [`normalise`]: stable placeholders (`<token-1>`) for opaque lease tokens.
//! - [`yaml`]: the deterministic YAML writer.
//! - [`diff`]: the unified diff printed when a transcript differs.
//!
//! The reference transcripts are generated from `MemoryRegistry` and
//! committed under `conformance/transcripts/`; the golden checks
//! (`transcript_matches_reference_<scenario>`) run every scenario on the
//! backend under test and diff its transcript against the reference.
//! Regenerate the references with
//! `PROCREG_BLESS=1 cargo test -p procreg-tests --test transcripts`.

pub mod diff;
pub mod normalise;
pub mod recorder;
pub mod scenarios;
pub mod yaml;

use crate::context::CHECK_START_MS;
use procreg::RegistryFactory;
use procreg::{ManualClock, ProcessRegistry, RegistryResult};
use recorder::Recorder;
pub use scenarios::{all_scenarios, scenario, Scenario};
use std::sync::Arc;
use yaml::Node;

/// The command that regenerates the reference transcripts and the spec examples.
pub const BLESS_COMMAND: &str =
    "PROCREG_BLESS=1 cargo test -p procreg-tests --test transcripts --test spec_transcripts";

/// Where the reference transcript of `name` lives, relative to the workspace root.
pub fn reference_path(name: &str) -> String {
    format!("conformance/transcripts/{name}.yaml")
}

/// Runs `scenario` on `registry`, which must read `clock`, and returns the
/// transcript as YAML text.
pub async fn record(
    scenario: &Scenario,
    registry: Arc<dyn ProcessRegistry>,
    clock: ManualClock,
) -> String {
    let mut recorder = Recorder::new(registry, clock);
    let stopped = (scenario.body)(&mut recorder).await.err();
    let header = vec![
        ("scenario", Node::str(scenario.name)),
        ("title", Node::str(scenario.title)),
        (
            "rules",
            Node::Seq(scenario.rules.iter().map(|rule| Node::str(*rule)).collect()),
        ),
    ];
    yaml::render(&recorder.finish(header, stopped).await)
}

/// Runs `scenario` on a fresh registry from `factory` reading a
/// `ManualClock` that starts at [`CHECK_START_MS`].
pub async fn run_scenario<F: RegistryFactory + ?Sized>(
    factory: &F,
    scenario: &Scenario,
) -> RegistryResult<String> {
    let clock = ManualClock::new(CHECK_START_MS);
    let registry = factory.create(Arc::new(clock.clone())).await?;
    Ok(record(scenario, registry, clock).await)
}

/// The unified diff from the scenario's reference transcript to `observed`
/// (`-` reference, `+` observed), or `None` when they are equal.
pub fn golden_diff(scenario: &Scenario, observed: &str) -> Option<String> {
    diff::unified_diff(
        &format!("reference {}", reference_path(scenario.name)),
        "observed (this backend)",
        scenario.reference,
        observed,
    )
}
