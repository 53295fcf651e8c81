//! Changing one behaviour on purpose fails exactly the golden transcripts
//! that cover it: each zoo mutant below fails the transcript check of the
//! scenario exercising its bug and passes an unrelated one.
//!
//! Run with `cargo test -p procreg-conformance --test transcript_mutants`.

use async_trait::async_trait;
use procreg::{Clock, ProcessRegistry, RegistryResult};
use procreg_conformance::{run_check_by_id, Outcome, RegistryFactory, SuiteConfig};
use procreg_mutants::zoo;
use std::sync::Arc;

/// A factory building registries through a plain constructor function.
struct FnFactory(fn(Arc<dyn Clock>) -> Arc<dyn ProcessRegistry>);

#[async_trait]
impl RegistryFactory for FnFactory {
    async fn create(&self, clock: Arc<dyn Clock>) -> RegistryResult<Arc<dyn ProcessRegistry>> {
        Ok((self.0)(clock))
    }
}

/// The outcome of `transcript_matches_reference_<scenario>` against `mutant`.
async fn golden(mutant: &str, scenario: &str) -> Outcome {
    let make = zoo()
        .into_iter()
        .find(|candidate| candidate.id == mutant)
        .unwrap_or_else(|| panic!("no mutant `{mutant}` in the zoo"))
        .make;
    let id = format!("transcript_matches_reference_{scenario}");
    run_check_by_id(&FnFactory(make), &id, &SuiteConfig::strict())
        .await
        .unwrap_or_else(|| panic!("no check `{id}`"))
        .outcome
}

/// `mutant` fails the golden check of `covering` with a diff that contains
/// every `expected` fragment, and passes the golden check of `unrelated`.
async fn fails_exactly(mutant: &str, covering: &str, expected: &[&str], unrelated: &str) {
    match golden(mutant, covering).await {
        Outcome::Failed { message, .. } => {
            println!("{mutant} vs {covering}:\n{message}\n");
            assert!(
                message.contains("--- reference conformance/transcripts/")
                    && message.contains("@@ -"),
                "{mutant}: the failure shows no unified diff:\n{message}"
            );
            for fragment in expected {
                assert!(
                    message.contains(fragment),
                    "{mutant}: the diff lacks {fragment:?}:\n{message}"
                );
            }
        }
        other => panic!("{mutant} should fail transcript `{covering}`, got {other:?}"),
    }
    match golden(mutant, unrelated).await {
        Outcome::Passed { .. } => {}
        other => {
            panic!("{mutant} should pass the unrelated transcript `{unrelated}`, got {other:?}")
        }
    }
}

#[tokio::test]
async fn fence_reset_on_release_fails_the_fencing_transcript_only() {
    fails_exactly(
        "fence_reset_on_release",
        "lease_fencing",
        &["-      fencing_token: 2", "+      fencing_token: 1"],
        "wakes_and_acks",
    )
    .await;
}

#[tokio::test]
async fn acks_ignored_fails_the_wake_transcript_only() {
    fails_exactly(
        "acks_ignored",
        "wakes_and_acks",
        &["call: wake_events_after"],
        "lease_fencing",
    )
    .await;
}

#[tokio::test]
async fn sweep_unsorted_fails_the_sweep_transcript_only() {
    fails_exactly("sweep_unsorted", "sweep", &["id: job-a"], "lease_claim").await;
}

#[tokio::test]
async fn session_deletion_purges_acks_fails_the_session_transcript_only() {
    fails_exactly(
        "session_deletion_purges_acks",
        "session_deletion",
        &["unacked_wake_sequences"],
        "replay_keys",
    )
    .await;
}
