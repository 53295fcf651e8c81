//! Turning SQLite failures into `Backend` errors, and values into columns and back.

use procreg::{RegistryError, RegistryResult};
pub(crate) use procreg_storage::columns::{cursor_to_sql, u64_from_sql, u64_to_sql};
use procreg_storage::json::{decode_json, encode_json};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Display;

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

/// `value` as JSON text that serde_json can read back (see the storage
/// kit's [`encode_json`]); a value nested too deep is a `Backend` error.
pub(crate) fn encode<T: Serialize>(label: &str, what: &str, value: &T) -> RegistryResult<String> {
    encode_json(value).fail(label, what)
}

/// A JSON column read back.
pub(crate) fn decode<T: DeserializeOwned>(
    label: &str,
    what: &str,
    text: &str,
) -> RegistryResult<T> {
    decode_json(text).fail(label, what)
}

/// A sequence to store: sequences come from `last + 1`, so only a log of
/// 2^63 events could fail here.
pub(crate) fn sequence_to_sql(label: &str, sequence: u64) -> RegistryResult<i64> {
    procreg_storage::columns::sequence_to_sql(sequence).ok_or_else(|| {
        backend_error(
            label,
            "storing an event sequence",
            "it does not fit an INTEGER",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use procreg_storage::json::MAX_JSON_DEPTH;
    use serde_json::Value;

    #[test]
    fn too_deep_values_are_refused_with_a_backend_error_naming_the_file() {
        let nested = format!(
            "{}{}",
            "[".repeat(MAX_JSON_DEPTH),
            "]".repeat(MAX_JSON_DEPTH)
        );
        let deep: Value = serde_json::from_str(&nested).expect("readable");
        let wrapped = serde_json::json!({ "payload": deep });
        let error = encode("`x.db`", "storing", &wrapped).expect_err("too deep");
        assert!(error.is(procreg::ErrorKind::Backend));
        assert!(error.message.contains("`x.db`"), "{error}");
    }
}
