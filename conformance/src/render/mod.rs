//! Rendering a [`crate::SuiteReport`] as human text, JSON, JUnit XML and a Markdown rule matrix.

mod junit;
mod markdown;
mod text;

pub use junit::render_junit;
pub use markdown::render_rule_matrix;
pub use text::render_text;

use crate::report::SuiteReport;

/// The report as pretty JSON (stable field order, no timings).
pub fn render_json(report: &SuiteReport) -> String {
    let mut document = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut document {
        map.insert(
            "counts".to_owned(),
            serde_json::to_value(report.counts()).unwrap_or(serde_json::Value::Null),
        );
    }
    serde_json::to_string_pretty(&document).unwrap_or_default()
}
