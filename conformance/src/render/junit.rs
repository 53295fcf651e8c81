//! JUnit XML for CI systems: one testcase per check, classname by area,
//! plus one per case of the other phases (model check, histories,
//! simulation), so a dashboard counts every failure the exit code counts.

use crate::render::PhaseCase;
use crate::report::{Outcome, SuiteReport};
use std::fmt::Write as _;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {
                let _ = write!(out, "&#x{:x};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The report as a JUnit `<testsuite>`; warnings pass with their text in `<system-out>`.
pub fn render_junit(report: &SuiteReport) -> String {
    render_junit_run(report, &[])
}

/// The suite and the other phases' cases as one JUnit `<testsuite>`: a
/// check's classname is `procreg.<AREA>`, a phase case's `procreg.<phase>`.
pub fn render_junit_run(report: &SuiteReport, phases: &[PhaseCase]) -> String {
    let counts = report.counts();
    let failed = counts.failed + phases.iter().filter(|case| case.is_failure()).count();
    let skipped = counts.skipped
        + phases
            .iter()
            .filter(|case| matches!(case.outcome, Outcome::Skipped { .. }))
            .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"procreg-conformance\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\">",
        report.checks.len() + phases.len(),
    );
    for check in &report.checks {
        let rules = format!("rules: {}", check.rules.join(", "));
        let replay = check.replay_command();
        testcase(
            &mut out,
            &check.area,
            &check.id,
            &check.outcome,
            &rules,
            &replay,
        );
    }
    for case in phases {
        let replay = case.replay.as_deref().unwrap_or("");
        testcase(&mut out, &case.phase, &case.name, &case.outcome, "", replay);
    }
    out.push_str("</testsuite>\n");
    out
}

/// One `<testcase>`: a failure carries its message, `context` and the replay command.
fn testcase(
    out: &mut String,
    class: &str,
    name: &str,
    outcome: &Outcome,
    context: &str,
    replay: &str,
) {
    let _ = write!(
        out,
        "  <testcase classname=\"procreg.{}\" name=\"{}\"",
        escape(class),
        escape(name)
    );
    let _ = match outcome {
        Outcome::Passed { .. } => writeln!(out, "/>"),
        Outcome::Failed { rule, message } => {
            let mut body = context.to_owned();
            if !replay.is_empty() {
                body.push_str(&format!("\nreplay: {replay}"));
            }
            writeln!(
                out,
                ">\n    <failure message=\"{}\">{}</failure>\n  </testcase>",
                escape(&format!("{rule}: {message}")),
                escape(body.trim_start())
            )
        }
        Outcome::Skipped { reason } => writeln!(
            out,
            ">\n    <skipped message=\"{}\"/>\n  </testcase>",
            escape(reason)
        ),
        Outcome::Warned { rule, message } => writeln!(
            out,
            ">\n    <system-out>{}</system-out>\n  </testcase>",
            escape(&format!("WARNING (SHOULD) {rule}: {message}"))
        ),
    };
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;&#x1;");
    }
}
