//! Golden checks: every canonical scenario's transcript on the backend under
//! test must equal the reference transcript generated from `MemoryRegistry`.

use crate::check::{Check, CheckFuture, Level, Needs};
use crate::context::CheckContext;
use crate::transcript::{self, scenarios, Scenario};

/// Lines of diff shown in a failure before it is cut.
const DIFF_LINES_MAX: usize = 120;

async fn matches_reference(cx: CheckContext<'_>, scenario: Scenario) -> crate::check::CheckResult {
    let clock = cx.manual_clock()?;
    cx.step(format!("running scenario `{}`", scenario.name));
    let observed = transcript::record(&scenario, cx.shared_registry(), clock).await;
    let diff = transcript::golden_diff(&scenario, &observed);
    let rule = scenario.rules.first().copied().unwrap_or("SUITE");
    cx.ensure(rule, diff.is_none(), || {
        let diff = diff.unwrap_or_default();
        let lines: Vec<&str> = diff.lines().collect();
        let mut shown = lines
            .iter()
            .take(DIFF_LINES_MAX)
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        if lines.len() > DIFF_LINES_MAX {
            shown.push_str(&format!(
                "\n... ({} more diff lines)",
                lines.len() - DIFF_LINES_MAX
            ));
        }
        format!(
            "the transcript of scenario `{}` ({}) differs from the reference (rules {}):\n{shown}",
            scenario.name,
            scenario.title,
            scenario.rules.join(", ")
        )
    })
}

const NEEDS: Needs = Needs::NONE.injected_clock().typed_errors();

macro_rules! golden_checks {
    ($($name:ident => $scenario:path),* $(,)?) => {
        pub(crate) fn checks() -> Vec<Check> {
            vec![$(
                Check {
                    id: concat!("transcript_matches_reference_", stringify!($name)),
                    rules: $scenario.rules,
                    level: Level::Must,
                    needs: NEEDS,
                    body: {
                        fn body(cx: CheckContext<'_>) -> CheckFuture<'_> {
                            Box::pin(matches_reference(cx, $scenario))
                        }
                        body
                    },
                },
            )*]
        }

        #[cfg(test)]
        const GOLDEN_NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

golden_checks! {
    registration_conflicts => scenarios::REGISTRATION_CONFLICTS,
    external_refs => scenarios::EXTERNAL_REFS,
    handle_grants => scenarios::HANDLE_GRANTS,
    session_deletion => scenarios::SESSION_DELETION,
    event_ordering => scenarios::EVENT_ORDERING,
    replay_keys => scenarios::REPLAY_KEYS,
    wakes_and_acks => scenarios::WAKES_AND_ACKS,
    terminal_completion => scenarios::TERMINAL_COMPLETION,
    immediate_waits => scenarios::IMMEDIATE_WAITS,
    sweep => scenarios::SWEEP,
    lease_claim => scenarios::LEASE_CLAIM,
    lease_renew => scenarios::LEASE_RENEW,
    lease_expiry => scenarios::LEASE_EXPIRY,
    lease_fencing => scenarios::LEASE_FENCING,
    error_atomicity => scenarios::ERROR_ATOMICITY,
    clock => scenarios::CLOCK,
}

#[cfg(test)]
mod tests {
    use super::GOLDEN_NAMES;
    use crate::transcript::all_scenarios;

    #[test]
    fn every_scenario_has_one_golden_check_in_scenario_order() {
        let names: Vec<&str> = all_scenarios()
            .iter()
            .map(|scenario| scenario.name)
            .collect();
        assert_eq!(GOLDEN_NAMES, names.as_slice());
    }
}
