//! Failures (typed contract errors versus database errors, and which ones to
//! retry), and values into columns and back.

use procreg::{RegistryError, RegistryResult};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Display;
use tokio_postgres::error::SqlState;

/// serde_json refuses to read text nested deeper than this, so nothing
/// deeper is ever written: a value that could not be read back is refused
/// at write time with a `Backend` error instead of poisoning later reads.
pub(crate) const MAX_JSON_DEPTH: usize = 127;

/// Why a transaction step failed.
#[derive(Debug)]
pub(crate) enum Fail {
    /// A contract decision (or a typed error built here): returned as is.
    Registry(RegistryError),
    /// The database failed while doing `what`; becomes a `Backend` error
    /// naming the database, unless it is retried.
    Db {
        /// What the backend was doing, as "reading a lease".
        what: &'static str,
        /// The driver's error (SQLSTATE, message, or the I/O cause).
        error: tokio_postgres::Error,
    },
}

/// What every store step returns.
pub(crate) type StoreResult<T> = Result<T, Fail>;

impl From<RegistryError> for Fail {
    fn from(error: RegistryError) -> Self {
        Fail::Registry(error)
    }
}

impl Fail {
    /// Serialization failures and deadlocks: the transaction did nothing and
    /// running it again may succeed. For a read (`idempotent`), also a
    /// connection found closed, as after a server restart.
    pub(crate) fn is_retryable(&self, idempotent: bool) -> bool {
        match self {
            Fail::Db { error, .. } => {
                (idempotent && error.is_closed())
                    || matches!(
                        error.code(),
                        Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE
                            || *code == SqlState::T_R_DEADLOCK_DETECTED
                    )
            }
            Fail::Registry(_) => false,
        }
    }

    /// The typed error the caller sees; database failures name the database (`label`).
    pub(crate) fn into_registry(self, label: &str) -> RegistryError {
        match self {
            Fail::Registry(error) => error,
            Fail::Db { what, error } => backend_error(label, what, describe(&error)),
        }
    }
}

/// The driver's error with the server's message and SQLSTATE when there is one.
pub(crate) fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{db} (SQLSTATE {})", db.code().code()),
        None => error.to_string(),
    }
}

/// A storage failure naming the database (`label` names host, database and schema).
pub(crate) fn backend_error(label: &str, what: &str, error: impl Display) -> RegistryError {
    RegistryError::backend(format!("{label}: {what}: {error}"))
}

/// Maps a driver result to a [`Fail::Db`] saying what was being done.
pub(crate) trait Db<T> {
    /// The value, or `Fail::Db { what, error }`.
    fn db(self, what: &'static str) -> StoreResult<T>;
}

impl<T> Db<T> for Result<T, tokio_postgres::Error> {
    fn db(self, what: &'static str) -> StoreResult<T> {
        self.map_err(|error| Fail::Db { what, error })
    }
}

/// A typed `Backend` error for failures that are not the driver's (encoding, decoding).
pub(crate) fn invalid(what: &str, error: impl Display) -> Fail {
    Fail::Registry(RegistryError::backend(format!("{what}: {error}")))
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
pub(crate) fn encode<T: Serialize>(what: &str, value: &T) -> StoreResult<String> {
    let text = serde_json::to_string(value).map_err(|error| invalid(what, error))?;
    let depth = json_depth(&text);
    if depth > MAX_JSON_DEPTH {
        return Err(invalid(
            what,
            format!(
                "the value nests {depth} levels deep; procreg-postgres stores at most {MAX_JSON_DEPTH}"
            ),
        ));
    }
    Ok(text)
}

/// A JSON column read back.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|error| invalid(what, error))
}

/// A `u64` stored bit for bit in a BIGINT column (timestamps, fencing
/// tokens, acked sequences): `u64::MAX` round-trips exactly.
pub(crate) fn u64_to_sql(value: u64) -> i64 {
    i64::from_ne_bytes(value.to_ne_bytes())
}

/// The inverse of [`u64_to_sql`].
pub(crate) fn u64_from_sql(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

/// A cursor for `sequence > cursor` comparisons: sequences are positive
/// BIGINTs, so a cursor past `i64::MAX` is simply past every event.
pub(crate) fn cursor_to_sql(cursor: u64) -> i64 {
    i64::try_from(cursor).unwrap_or(i64::MAX)
}

/// A sequence read back (always positive: the column has a CHECK).
pub(crate) fn sequence_from_sql(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A sequence to store: sequences come from `last + 1`, so only a log of
/// 2^63 events could fail here.
pub(crate) fn sequence_to_sql(sequence: u64) -> RegistryResult<i64> {
    i64::try_from(sequence).map_err(|_| {
        RegistryError::backend(format!("event sequence {sequence} does not fit a BIGINT"))
    })
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
        let Err(Fail::Registry(error)) = encode("storing", &wrapped) else {
            panic!("too deep values are refused");
        };
        assert!(error.is(procreg::ErrorKind::Backend));
        assert!(error.message.contains("127"), "{error}");
    }

    #[test]
    fn u64_round_trips_through_i64() {
        for value in [0, 1, i64::MAX as u64, u64::MAX] {
            assert_eq!(u64_from_sql(u64_to_sql(value)), value);
        }
        assert_eq!(cursor_to_sql(u64::MAX), i64::MAX);
        assert_eq!(sequence_from_sql(7), 7);
        assert!(sequence_to_sql(u64::MAX).is_err());
    }
}
