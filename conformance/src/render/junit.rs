//! JUnit XML for CI systems: one testcase per check, classname by area.

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
    let counts = report.counts();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"procreg-conformance\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
        report.checks.len(),
        counts.failed,
        counts.skipped
    );
    for check in &report.checks {
        let _ = write!(
            out,
            "  <testcase classname=\"procreg.{}\" name=\"{}\"",
            escape(&check.area),
            escape(&check.id)
        );
        let _ = match &check.outcome {
            Outcome::Passed { .. } => writeln!(out, "/>"),
            Outcome::Failed { rule, message } => writeln!(
                out,
                ">\n    <failure message=\"{}\">{}\nreplay: {}</failure>\n  </testcase>",
                escape(&format!("{rule}: {message}")),
                escape(&format!("rules: {}", check.rules.join(", "))),
                escape(&check.replay_command())
            ),
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
    out.push_str("</testsuite>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;&#x1;");
    }
}
