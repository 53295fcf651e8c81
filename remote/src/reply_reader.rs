//! Reads a reply frame in one pass: its result goes straight into the
//! value the call returns, never through raw JSON text first.
//!
//! The shape is [`crate::protocol::ReplyFrame`]'s: `{"id": N, "ok": <result>}`
//! or `{"id": N, "err": {...}}`, fields in any order, unknown fields
//! ignored. `"ok": null` and a missing `ok` both mean a `null` result, and
//! a reply that carries an `err` is that error (an `ok` beside it, which no
//! procreg server sends, must still read as a result, and is dropped).

use crate::frame::FrameError;
use crate::known_records::KnownRecords;
use procreg::{CallAnswer, RegistryCall, RegistryError};
use serde::de::value::UnitDeserializer;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, Error, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// How the result of a reply is read.
pub(crate) trait ReadResult {
    /// What the result becomes.
    type Output;

    /// Reads the result from `deserializer`; `known` is the connection's
    /// memory of the records it carried, when its hello agreed to `known_records`.
    fn read<'de, D: Deserializer<'de>>(
        self,
        known: Option<&mut KnownRecords>,
        deserializer: D,
    ) -> Result<Self::Output, D::Error>;
}

/// A registry call's result is the answer its method returns.
impl ReadResult for &RegistryCall {
    type Output = CallAnswer;

    fn read<'de, D: Deserializer<'de>>(
        self,
        known: Option<&mut KnownRecords>,
        deserializer: D,
    ) -> Result<CallAnswer, D::Error> {
        match known {
            Some(known) => known.decode_from(self, deserializer),
            None => self.decode_answer_from(deserializer),
        }
    }
}

/// A result read as a `T` (a hello, `close_namespace`'s flag).
pub(crate) struct Plain<T>(PhantomData<T>);

impl<T> Plain<T> {
    /// Reads results as `T`.
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: DeserializeOwned> ReadResult for Plain<T> {
    type Output = T;

    fn read<'de, D: Deserializer<'de>>(
        self,
        _known: Option<&mut KnownRecords>,
        deserializer: D,
    ) -> Result<T, D::Error> {
        T::deserialize(deserializer)
    }
}

/// One reply, its result read.
pub(crate) struct Reply<T> {
    /// The id of the request answered; 0 when the server could not read it.
    pub(crate) id: u64,
    /// The result, or the registry's (or the server's) error.
    pub(crate) outcome: Result<T, RegistryError>,
}

/// Reads the reply frame `body`, its result with `reader` (and `known`).
pub(crate) fn read_reply<R: ReadResult>(
    body: &[u8],
    reader: R,
    known: Option<&mut KnownRecords>,
) -> Result<Reply<R::Output>, FrameError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    ReplySeed { reader, known }
        .deserialize(&mut deserializer)
        .and_then(|reply| deserializer.end().map(|()| reply))
        .map_err(|error| FrameError::Malformed(error.to_string()))
}

/// The fields a reply may carry.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Id,
    Ok,
    Err,
    #[serde(other)]
    Other,
}

/// Reads a whole reply; the result with its reader.
struct ReplySeed<'k, R> {
    reader: R,
    known: Option<&'k mut KnownRecords>,
}

impl<'de, R: ReadResult> DeserializeSeed<'de> for ReplySeed<'_, R> {
    type Value = Reply<R::Output>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

/// Reads the `ok` field's value.
struct ResultSeed<'a, 'k, R> {
    reader: R,
    known: &'a mut Option<&'k mut KnownRecords>,
}

impl<'de, R: ReadResult> DeserializeSeed<'de> for ResultSeed<'_, '_, R> {
    type Value = R::Output;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<R::Output, D::Error> {
        self.reader.read(self.known.as_deref_mut(), deserializer)
    }
}

impl<'de, R: ReadResult> Visitor<'de> for ReplySeed<'_, R> {
    type Value = Reply<R::Output>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a reply: {"id": N, "ok": <result>} or {"id": N, "err": {...}}"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let ReplySeed { reader, mut known } = self;
        let mut reader = Some(reader);
        let (mut id, mut ok, mut err) = (None, None, None::<Option<RegistryError>>);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id if id.is_some() => return Err(A::Error::duplicate_field("id")),
                Field::Id => id = Some(map.next_value::<u64>()?),
                Field::Ok => {
                    let reader = reader
                        .take()
                        .ok_or_else(|| A::Error::duplicate_field("ok"))?;
                    let known = &mut known;
                    ok = Some(map.next_value_seed(ResultSeed { reader, known })?);
                }
                Field::Err if err.is_some() => return Err(A::Error::duplicate_field("err")),
                Field::Err => err = Some(map.next_value()?),
                Field::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        let id = id.ok_or_else(|| A::Error::missing_field("id"))?;
        let outcome = match (err.flatten(), ok, reader) {
            (Some(error), _, _) => Err(error),
            (None, Some(value), _) => Ok(value),
            (None, None, Some(reader)) => {
                Ok(reader.read(known, UnitDeserializer::<A::Error>::new())?)
            }
            (None, None, None) => {
                return Err(A::Error::custom("the result was taken but not read"))
            }
        };
        Ok(Reply { id, outcome })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use procreg::ErrorKind;

    fn read<T: DeserializeOwned>(body: &str) -> Result<Reply<T>, FrameError> {
        read_reply(body.as_bytes(), Plain::<T>::new(), None)
    }

    #[test]
    fn a_result_reads_straight_into_its_type_whatever_the_field_order() {
        let reply = read::<u64>(r#"{"ok": 7, "extra": [1, {"a": 2}], "id": 3}"#).expect("reads");
        assert_eq!((reply.id, reply.outcome.expect("ok")), (3, 7));
        let call = RegistryCall::ListNonTerminal;
        let reply = read_reply(br#"{"id": 4, "ok": []}"#, &call, None).expect("reads");
        assert!(matches!(reply.outcome, Ok(CallAnswer::Records(records)) if records.is_empty()));
    }

    #[test]
    fn a_missing_or_null_ok_is_a_null_result_and_an_err_wins() {
        for body in [r#"{"id": 1}"#, r#"{"id": 1, "ok": null}"#] {
            assert!(matches!(read::<()>(body).expect("reads").outcome, Ok(())));
            assert!(matches!(
                read::<Option<u64>>(body).expect("reads").outcome,
                Ok(None)
            ));
        }
        let refused = r#"{"id": 2, "ok": 5, "err": {"kind": "not_found", "message": "no p"}}"#;
        let error = read::<u64>(refused)
            .expect("reads")
            .outcome
            .expect_err("the error");
        assert_eq!(error.kind, ErrorKind::NotFound);
    }

    #[test]
    fn a_malformed_reply_is_a_frame_error() {
        for body in [
            r#"{"ok": 1}"#,
            r#"{"id": 1, "ok": 1, "ok": 2}"#,
            r#"{"id": 1, "id": 2}"#,
            r#"{"id": 1, "ok": "text"}"#,
            r#"{"id": 1} trailing"#,
            r#"[1, 2]"#,
        ] {
            assert!(
                matches!(read::<u64>(body), Err(FrameError::Malformed(_))),
                "{body}"
            );
        }
    }
}
