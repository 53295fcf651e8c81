//! Observations: what each side saw for a step, token naming, comparison, and the divergence report.

use super::ops::Op;
use crate::adversarial::shown;
use procreg::{ErrorKind, RegistryResult};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// What one side observed for one step, normalised for comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Observation {
    /// The call succeeded with this value (lease tokens replaced by `<token-N>`).
    Ok {
        /// The normalised value.
        value: Value,
    },
    /// The call failed with this kind (`backend` stands for any error of an untyped backend).
    Err {
        /// The kind.
        kind: ErrorKind,
    },
    /// A blocking read had no answer yet.
    Pending,
    /// The op had nothing to act on (no lease issued yet).
    Skipped,
}

/// Where the backend and the model first disagreed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Divergence {
    /// Zero-based index of the step.
    pub step: usize,
    /// The op at that step.
    pub op: Op,
    /// What was compared: the op's result, or a part of the state after it.
    pub what: String,
    /// The model's answer.
    pub expected: Value,
    /// The backend's answer.
    pub observed: Value,
}

/// Gives opaque lease tokens stable names in order of first appearance.
#[derive(Debug, Default)]
pub(super) struct TokenNames {
    names: BTreeMap<String, usize>,
}

impl TokenNames {
    pub(super) fn name(&mut self, token: &str) -> String {
        let next = self.names.len() + 1;
        format!(
            "<token-{}>",
            self.names.entry(token.to_owned()).or_insert(next)
        )
    }
}

/// `value` as a report shows it: every string longer than 256 bytes (a
/// 64 KiB id) cut to its ends with its length, so a divergence never floods
/// a report.
pub(super) fn shown_value(value: Value) -> Value {
    match value {
        Value::String(text) if text.len() > 256 => Value::String(shown(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(shown_value).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(name, field)| (name, shown_value(field)))
                .collect(),
        ),
        other => other,
    }
}

/// An id as a step label shows it: as is when it is a plain word, quoted
/// and escaped (a long one cut) otherwise.
pub(super) fn id_label(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|character| character.is_ascii_alphanumeric())
    {
        id.to_owned()
    } else {
        shown(id)
    }
}

pub(super) fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

pub(super) fn observe<T: Serialize>(result: RegistryResult<T>) -> Observation {
    match result {
        Ok(value) => Observation::Ok {
            value: to_value(&value),
        },
        Err(error) => Observation::Err { kind: error.kind },
    }
}

/// Compares one part of the state; errors compare by kind (any error matches
/// any error for untyped backends). Renders JSON only when the sides differ.
pub(super) fn differ<T: PartialEq + Serialize>(
    typed: bool,
    what: &str,
    (expected, observed): (RegistryResult<T>, RegistryResult<T>),
) -> Option<(String, Value, Value)> {
    let same = match (&expected, &observed) {
        (Ok(expected), Ok(observed)) => expected == observed,
        (Err(expected), Err(observed)) => !typed || expected.kind == observed.kind,
        _ => false,
    };
    (!same).then(|| {
        (
            what.to_owned(),
            shown_value(to_value(&observe(expected))),
            shown_value(to_value(&observe(observed))),
        )
    })
}

pub(super) fn blocking_observation<T: Serialize>(
    expected: RegistryResult<Option<T>>,
) -> Observation {
    match expected {
        Ok(Some(value)) => Observation::Ok {
            value: to_value(&value),
        },
        Ok(None) => Observation::Pending,
        Err(error) => Observation::Err { kind: error.kind },
    }
}
