//! Turning SQLite failures into `Backend` errors, and values into columns and back.

use procreg::{RegistryError, RegistryResult};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Display;

/// serde_json refuses to read text nested deeper than this, so nothing
/// deeper is ever written: a value that could not be read back is refused
/// at write time with a `Backend` error instead of poisoning later reads.
pub(crate) const MAX_JSON_DEPTH: usize = 127;

/// A storage failure naming the database (`label` is the quoted path).
pub(crate) fn backend_error(label: &str, what: &str, error: impl Display) -> RegistryError {
    RegistryError::backend(format!("sqlite database {label}: {what}: {error}"))
}

/// Maps any displayable failure to a `Backend` error naming the database.
pub(crate) trait Failure<T> {
    /// The value, or a `Backend` error "sqlite database `<path>`: <what>: <cause>".
    fn fail(self, label: &str, what: &str) -> RegistryResult<T>;
}

impl<T, E: Display> Failure<T> for Result<T, E> {
    fn fail(self, label: &str, what: &str) -> RegistryResult<T> {
        self.map_err(|error| backend_error(label, what, error))
    }
}

/// The deepest nesting of arrays and objects in JSON text (strings skipped).
fn json_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// `value` as JSON text that serde_json can read back.
pub(crate) fn encode<T: Serialize>(label: &str, what: &str, value: &T) -> RegistryResult<String> {
    let text = serde_json::to_string(value).fail(label, what)?;
    let depth = json_depth(&text);
    if depth > MAX_JSON_DEPTH {
        return Err(backend_error(
            label,
            what,
            format!("the value nests {depth} levels deep; procreg-sqlite stores at most {MAX_JSON_DEPTH}"),
        ));
    }
    Ok(text)
}

/// A JSON column read back.
pub(crate) fn decode<T: DeserializeOwned>(
    label: &str,
    what: &str,
    text: &str,
) -> RegistryResult<T> {
    serde_json::from_str(text).fail(label, what)
}

/// A `u64` stored bit for bit in an INTEGER column (timestamps, fencing
/// tokens, acked sequences): `u64::MAX` round-trips exactly.
pub(crate) fn u64_to_sql(value: u64) -> i64 {
    i64::from_ne_bytes(value.to_ne_bytes())
}

/// The inverse of [`u64_to_sql`].
pub(crate) fn u64_from_sql(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

/// A cursor for `sequence > cursor` comparisons: sequences are positive
/// INTEGERs, so a cursor past `i64::MAX` is simply past every event.
pub(crate) fn cursor_to_sql(cursor: u64) -> i64 {
    i64::try_from(cursor).unwrap_or(i64::MAX)
}

/// A sequence to store: sequences come from `last + 1`, so only a log of
/// 2^63 events could fail here.
pub(crate) fn sequence_to_sql(label: &str, sequence: u64) -> RegistryResult<i64> {
    i64::try_from(sequence).fail(label, "storing an event sequence")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn nested(depth: usize) -> String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn the_depth_limit_matches_what_serde_json_reads_back() {
        assert!(serde_json::from_str::<Value>(&nested(MAX_JSON_DEPTH)).is_ok());
        assert!(serde_json::from_str::<Value>(&nested(MAX_JSON_DEPTH + 1)).is_err());
        assert_eq!(json_depth(&nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH);
        assert_eq!(json_depth(r#"{"a":"[[[\"{{"}"#), 1);
    }

    #[test]
    fn too_deep_values_are_refused_with_a_backend_error() {
        let deep: Value = serde_json::from_str(&nested(MAX_JSON_DEPTH)).expect("readable");
        let wrapped = serde_json::json!({ "payload": deep });
        let error = encode("`x.db`", "storing", &wrapped).expect_err("too deep");
        assert!(error.is(procreg::ErrorKind::Backend));
        assert!(error.message.contains("`x.db`"), "{error}");
    }

    #[test]
    fn u64_round_trips_through_i64() {
        for value in [0, 1, i64::MAX as u64, u64::MAX] {
            assert_eq!(u64_from_sql(u64_to_sql(value)), value);
        }
        assert_eq!(cursor_to_sql(u64::MAX), i64::MAX);
    }
}
