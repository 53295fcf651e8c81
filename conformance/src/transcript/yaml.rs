//! YAML rendering: a small document tree and a deterministic, dependency-free writer.
//!
//! Maps coming from JSON values have their keys sorted; maps the transcript
//! builds itself keep the order they were built in. Small collections are
//! written in flow style (`{a: 1, b: [x, y]}`) when the line stays within
//! [`WIDTH`] characters; strings are plain when that is unambiguous and
//! JSON-quoted otherwise, so the output is valid YAML and byte-stable.

use serde::Serialize;
use serde_json::Value;

/// The longest line a flow-style collection may produce.
pub const WIDTH: usize = 100;

/// A node of a YAML document.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as JSON writes it.
    Number(String),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, written in this order.
    Map(Vec<(String, Node)>),
    /// A comment line inside a sequence (`# text`); never part of the data.
    Comment(String),
}

impl Node {
    /// The JSON value as a node, object keys sorted.
    pub fn from_json(value: &Value) -> Node {
        match value {
            Value::Null => Node::Null,
            Value::Bool(flag) => Node::Bool(*flag),
            Value::Number(number) => Node::Number(number.to_string()),
            Value::String(text) => Node::Str(text.clone()),
            Value::Array(items) => Node::Seq(items.iter().map(Node::from_json).collect()),
            Value::Object(map) => {
                let mut entries: Vec<(String, Node)> = map
                    .iter()
                    .map(|(key, value)| (key.clone(), Node::from_json(value)))
                    .collect();
                entries.sort_by(|left, right| left.0.cmp(&right.0));
                Node::Map(entries)
            }
        }
    }

    /// Any serialisable value as a node (through its JSON form, keys sorted).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Node {
        match serde_json::to_value(value) {
            Ok(json) => Node::from_json(&json),
            Err(error) => Node::Str(format!("<unserialisable: {error}>")),
        }
    }

    /// A string node.
    pub fn str(text: impl Into<String>) -> Node {
        Node::Str(text.into())
    }

    /// A number node.
    pub fn num(number: u64) -> Node {
        Node::Number(number.to_string())
    }

    /// A mapping in the given order.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Node)>) -> Node {
        Node::Map(
            entries
                .into_iter()
                .map(|(key, value)| (key.into(), value))
                .collect(),
        )
    }

    /// Applies `rewrite` to every string (keys included) of the tree.
    pub fn rewrite_strings(&mut self, rewrite: &mut dyn FnMut(&str) -> Option<String>) {
        match self {
            Node::Str(text) | Node::Comment(text) => {
                if let Some(new) = rewrite(text) {
                    *text = new;
                }
            }
            Node::Seq(items) => {
                for item in items {
                    item.rewrite_strings(rewrite);
                }
            }
            Node::Map(entries) => {
                for (key, value) in entries {
                    if let Some(new) = rewrite(key) {
                        *key = new;
                    }
                    value.rewrite_strings(rewrite);
                }
            }
            Node::Null | Node::Bool(_) | Node::Number(_) => {}
        }
    }

    fn is_collection(&self) -> bool {
        matches!(self, Node::Seq(items) if !items.is_empty())
            || matches!(self, Node::Map(entries) if !entries.is_empty())
    }

    fn has_comment(&self) -> bool {
        match self {
            Node::Comment(_) => true,
            Node::Seq(items) => items.iter().any(Node::has_comment),
            Node::Map(entries) => entries.iter().any(|(_, value)| value.has_comment()),
            _ => false,
        }
    }

    /// The node on one line, or `None` when it holds a comment.
    fn flow(&self) -> Option<String> {
        Some(match self {
            Node::Null => "null".to_owned(),
            Node::Bool(flag) => flag.to_string(),
            Node::Number(number) => number.clone(),
            Node::Str(text) => scalar(text),
            Node::Seq(items) => {
                let parts: Option<Vec<String>> = items.iter().map(Node::flow).collect();
                format!("[{}]", parts?.join(", "))
            }
            Node::Map(entries) => {
                let parts: Option<Vec<String>> = entries
                    .iter()
                    .map(|(key, value)| Some(format!("{}: {}", scalar(key), value.flow()?)))
                    .collect();
                format!("{{{}}}", parts?.join(", "))
            }
            Node::Comment(_) => return None,
        })
    }
}

/// Whether `text` can be written as a plain scalar and read back as the same string.
fn plain(text: &str) -> bool {
    const RESERVED: [&str; 12] = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", "nan", "inf",
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '/' || first == '_')
        && !text.ends_with(' ')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | ' '))
        && !text.contains("  ")
        && !RESERVED.iter().any(|word| text.eq_ignore_ascii_case(word))
}

/// A string as a YAML scalar: plain when unambiguous, else JSON double-quoted.
fn scalar(text: &str) -> String {
    if plain(text) {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
    }
}

/// The document as YAML text, ending with a newline.
pub fn render(node: &Node) -> String {
    let mut lines = Vec::new();
    match node {
        Node::Map(entries) if !entries.is_empty() => write_map(entries, 0, &mut lines),
        Node::Seq(items) if !items.is_empty() => write_seq(items, 0, &mut lines),
        other => lines.push(other.flow().unwrap_or_default()),
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The flow form of `value` if it fits on a line that starts `prefix_len` characters in.
fn fitting_flow(value: &Node, prefix_len: usize) -> Option<String> {
    if value.has_comment() {
        return None;
    }
    let flow = value.flow()?;
    (!value.is_collection() || prefix_len + flow.len() <= WIDTH).then_some(flow)
}

fn write_map(entries: &[(String, Node)], indent: usize, lines: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    for (key, value) in entries {
        let key = scalar(key);
        match fitting_flow(value, indent + key.len() + 2) {
            Some(flow) => lines.push(format!("{pad}{key}: {flow}")),
            None => {
                lines.push(format!("{pad}{key}:"));
                match value {
                    Node::Map(inner) => write_map(inner, indent + 2, lines),
                    Node::Seq(items) => write_seq(items, indent + 2, lines),
                    _ => {}
                }
            }
        }
    }
}

fn write_seq(items: &[Node], indent: usize, lines: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    for item in items {
        if let Node::Comment(text) = item {
            lines.push(format!("{pad}# {text}"));
            continue;
        }
        if let Some(flow) = fitting_flow(item, indent + 2) {
            lines.push(format!("{pad}- {flow}"));
            continue;
        }
        let first = lines.len();
        match item {
            Node::Map(entries) => write_map(entries, indent + 2, lines),
            Node::Seq(inner) => write_seq(inner, indent + 2, lines),
            _ => {}
        }
        if let Some(line) = lines.get_mut(first) {
            let rest = line.get(indent + 2..).unwrap_or_default().to_owned();
            *line = format!("{pad}- {rest}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_scalars_quoted_when_ambiguous() {
        let node = Node::from_json(&json!({
            "b": "plain text",
            "a": ["true", "", "x: y", "<token-1>", 7, null, false],
        }));
        assert_eq!(
            render(&node),
            "a: [\"true\", \"\", \"x: y\", \"<token-1>\", 7, null, false]\nb: plain text\n"
        );
    }

    #[test]
    fn long_collections_break_into_blocks() {
        let long = "x".repeat(60);
        let node = Node::map([
            (
                "list",
                Node::Seq(vec![Node::str(long.clone()), Node::str(long.clone())]),
            ),
            (
                "steps",
                Node::Seq(vec![
                    Node::Comment("a note".to_owned()),
                    Node::map([("call", Node::str("get")), ("ok", Node::str(long.clone()))]),
                ]),
            ),
        ]);
        let text = render(&node);
        assert!(text.contains("list:\n  - xxx"), "{text}");
        assert!(
            text.contains("steps:\n  # a note\n  - {call: get, ok: xxx"),
            "{text}"
        );
        let nested = Node::map([(
            "steps",
            Node::Seq(vec![Node::map([
                ("call", Node::str("get")),
                (
                    "ok",
                    Node::Seq(vec![Node::str(long.clone()), Node::str(long)]),
                ),
            ])]),
        )]);
        assert_eq!(
            render(&nested),
            format!(
                "steps:\n  - call: get\n    ok:\n      - {x}\n      - {x}\n",
                x = "x".repeat(60)
            )
        );
    }
}
