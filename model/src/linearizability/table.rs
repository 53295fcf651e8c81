//! Rendering operations as a readable, aligned table.

use super::history::Operation;

/// The operations as a table with the columns `#`, `task`, `invoke`,
/// `response`, `op` and `result`, one row per operation in the given order.
pub fn render_table(operations: &[Operation]) -> String {
    let header = ["#", "task", "invoke", "response", "op", "result"].map(str::to_owned);
    let rows: Vec<[String; 6]> = operations
        .iter()
        .map(|operation| {
            [
                operation.id.to_string(),
                operation.task.to_string(),
                operation.invoke.to_string(),
                operation
                    .response
                    .map_or_else(|| "-".to_owned(), |response| response.to_string()),
                operation.op.describe(&operation.process),
                operation.outcome.summary(),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|cell| cell.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (column, (cell, width)) in row.iter().zip(widths).enumerate() {
            if column > 0 {
                line.push_str(" | ");
            }
            // Numbers right-aligned, text left-aligned.
            if column < 4 {
                line.push_str(&format!("{cell:>width$}"));
            } else {
                line.push_str(&format!("{cell:<width$}"));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
        if std::ptr::eq(row, &header) {
            let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
            text.push_str(&rule.join("-+-"));
            text.push('\n');
        }
    }
    text
}
