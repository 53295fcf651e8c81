//! Rendering of call outcomes and results as transcript nodes.

use crate::transcript::yaml::Node;
use procreg::{ProcessEvent, ProcessHandleGrantEntry, RegistryError, RegistryResult};
use serde::Serialize;

/// The outcome node of a call: `ok: <value>` or `error: {kind, message}`.
pub(super) fn outcome<T>(
    result: &RegistryResult<T>,
    render: impl FnOnce(&T) -> Node,
) -> (String, Node) {
    match result {
        Ok(value) => ("ok".to_owned(), render(value)),
        Err(error) => ("error".to_owned(), error_node(error)),
    }
}

fn error_node(error: &RegistryError) -> Node {
    Node::map([
        ("kind", Node::str(error.kind.as_str())),
        ("message", Node::str(error.message.clone())),
    ])
}

/// A grant entry of a scope listing: the grant, and the joined record's
/// identity, status, external ref and `updated_at_ms` (the full record is
/// in the final state).
fn entry_node((grant, record): &ProcessHandleGrantEntry) -> Node {
    let mut summary = vec![
        ("id".to_owned(), Node::str(record.id.clone())),
        ("status".to_owned(), Node::of(&record.status)),
        ("updated_at_ms".to_owned(), Node::num(record.updated_at_ms)),
    ];
    if let Some(external_ref) = &record.external_ref {
        summary.push(("external_ref".to_owned(), Node::of(external_ref)));
        summary.sort_by(|left, right| left.0.cmp(&right.0));
    }
    Node::map([("grant", Node::of(grant)), ("record", Node::Map(summary))])
}

pub(super) fn entries_node(entries: &[ProcessHandleGrantEntry]) -> Node {
    Node::Seq(entries.iter().map(entry_node).collect())
}

pub(super) fn list<T: Serialize>(items: &[T]) -> Node {
    Node::Seq(items.iter().map(Node::of).collect())
}

pub(super) fn sequences(events: &[ProcessEvent]) -> Node {
    Node::Seq(
        events
            .iter()
            .map(|event| Node::num(event.sequence))
            .collect(),
    )
}
