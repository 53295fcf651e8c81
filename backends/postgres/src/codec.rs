//! Failures (typed contract errors versus database errors, and which ones to
//! retry), and values into columns and back.

use procreg::{RegistryError, RegistryResult};
pub(crate) use procreg_storage::columns::{
    cursor_to_sql, sequence_from_sql, u64_from_sql, u64_to_sql,
};
use procreg_storage::json::{decode_json, encode_json};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Display;
use tokio_postgres::error::SqlState;

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

/// `value` as JSON text that serde_json can read back (see the storage
/// kit's [`encode_json`]); a value nested too deep is a `Backend` error.
pub(crate) fn encode<T: Serialize>(what: &str, value: &T) -> StoreResult<String> {
    encode_json(value).map_err(|error| invalid(what, error))
}

/// A JSON column read back.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    decode_json(text).map_err(|error| invalid(what, error))
}

/// A sequence to store: sequences come from `last + 1`, so only a log of
/// 2^63 events could fail here.
pub(crate) fn sequence_to_sql(sequence: u64) -> RegistryResult<i64> {
    procreg_storage::columns::sequence_to_sql(sequence).ok_or_else(|| {
        RegistryError::backend(format!("event sequence {sequence} does not fit a BIGINT"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use procreg_storage::json::MAX_JSON_DEPTH;
    use serde_json::Value;

    #[test]
    fn too_deep_values_are_refused_with_a_backend_error() {
        let nested = format!(
            "{}{}",
            "[".repeat(MAX_JSON_DEPTH),
            "]".repeat(MAX_JSON_DEPTH)
        );
        let deep: Value = serde_json::from_str(&nested).expect("readable");
        let wrapped = serde_json::json!({ "payload": deep });
        let Err(Fail::Registry(error)) = encode("storing", &wrapped) else {
            panic!("too deep values are refused");
        };
        assert!(error.is(procreg::ErrorKind::Backend));
        assert!(error.message.contains("127"), "{error}");
        assert!(sequence_to_sql(u64::MAX).is_err());
    }
}
