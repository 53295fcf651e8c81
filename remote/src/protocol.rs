//! The messages: one request per trait method, one reply per request.
//!
//! Every frame body is a JSON object. A request is
//! `{"id": N, "call": {"method": "<snake_case trait method>", ...arguments}}`;
//! its reply is `{"id": N, "ok": <result>}` or `{"id": N, "err": {"kind", "message"}}`.
//! `docs/protocol.md` lists every method with an example.

use procreg::{DurabilityTier, RegistryCall, RegistryError};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The protocol revision this crate speaks; `hello` refuses any other.
pub const PROTOCOL_VERSION: u32 = 1;

/// One request frame: a caller-chosen id echoed by the reply, the
/// client's clock reading when the server lets the client drive time, and the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFrame {
    /// Echoed in the reply so a client can pair them.
    pub id: u64,
    /// The client's clock (epoch ms): the served registry reads this time
    /// for the call when its hello answered `client_clock: true`; ignored otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now_ms: Option<u64>,
    /// The method and its arguments.
    pub call: Call,
}

/// One reply frame: the request id and either a result or a registry error.
/// On the wire: `{"id": N, "ok": <result>}` or `{"id": N, "err": {...}}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "WireReply")]
pub struct ReplyFrame {
    /// The id of the request answered; 0 when the request could not be read.
    pub id: u64,
    /// The outcome.
    pub outcome: Outcome,
}

/// The outcome of one call: the method's JSON result, or its error.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The method's return value, serialised as the contract's serde shape
    /// and kept as raw JSON text, so it is decoded once, straight into its type.
    Ok(Box<RawValue>),
    /// The registry's (or the server's) error, with its stable kind.
    Err(RegistryError),
}

impl Outcome {
    /// The result as a JSON value (for inspection and tests).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Outcome::Ok(raw) => serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null),
            Outcome::Err(error) => serde_json::json!({ "err": error }),
        }
    }
}

/// The reply's shape on the wire, as read.
#[derive(Deserialize)]
struct WireReply {
    id: u64,
    #[serde(default)]
    ok: Option<Box<RawValue>>,
    #[serde(default)]
    err: Option<RegistryError>,
}

/// The reply's shape on the wire, borrowed from a [`ReplyFrame`] to write
/// it (without copying its result).
#[derive(Serialize)]
struct WireReplyRef<'a> {
    id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    err: Option<&'a RegistryError>,
}

impl Serialize for ReplyFrame {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (ok, err) = match &self.outcome {
            Outcome::Ok(raw) => (Some(&**raw), None),
            Outcome::Err(error) => (None, Some(error)),
        };
        WireReplyRef {
            id: self.id,
            ok,
            err,
        }
        .serialize(serializer)
    }
}

/// JSON `null` as a raw value: the result of methods that return nothing.
fn raw_null() -> Box<RawValue> {
    Box::<RawValue>::default()
}

impl From<WireReply> for ReplyFrame {
    fn from(wire: WireReply) -> Self {
        // `"ok": null` reads as an absent field: both mean a `null` result.
        let outcome = match (wire.err, wire.ok) {
            (Some(error), _) => Outcome::Err(error),
            (None, ok) => Outcome::Ok(ok.unwrap_or_else(raw_null)),
        };
        Self {
            id: wire.id,
            outcome,
        }
    }
}

/// What `hello` answers: the server's protocol revision, the namespace the
/// connection is bound to, the served registry's tier, and who drives its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Always [`PROTOCOL_VERSION`] for this crate.
    pub protocol: u32,
    /// The namespace this connection now addresses.
    pub namespace: String,
    /// `durability_tier()` of the served registry (REG-15).
    pub durability_tier: DurabilityTier,
    /// True when the registry reads the `now_ms` of each request (a client-driven clock).
    pub client_clock: bool,
    /// True when the hello asked for `known_records` and the server sends
    /// records without the parts this connection already carried.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known_records: bool,
}

/// The namespace a connection addresses until its hello names another.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Every call the protocol carries: `hello`, or one call of a
/// `ProcessRegistry` method (the contract's [`RegistryCall`], whose serde
/// shape is the request shape: `{"method": "<snake_case method>", ...arguments}`).
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// Handshake: the client's protocol revision, optionally the
    /// namespace (registry) to address, and the server's shared token when
    /// it has one; answered with [`Hello`].
    Hello {
        /// The client's protocol revision.
        protocol: u32,
        /// The namespace to address; `None` is [`DEFAULT_NAMESPACE`].
        namespace: Option<String>,
        /// The shared token of a server started with one.
        token: Option<String>,
        /// Asks the server to send records without the parts this
        /// connection already carried (`known_records`, docs/protocol.md).
        known_records: bool,
    },
    /// Frees a namespace the client is done with (its registry and
    /// storage); answered with `true` when it existed. Connections bound to
    /// it keep working until they close.
    CloseNamespace {
        /// The namespace to free.
        namespace: String,
    },
    /// A trait method with its arguments.
    Registry(RegistryCall),
}

/// The wire shape of the calls that are not registry methods.
#[derive(Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
enum ControlCall {
    Hello {
        protocol: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        known_records: bool,
    },
    CloseNamespace {
        namespace: String,
    },
}

/// The methods [`ControlCall`] carries.
const CONTROL_METHODS: [&str; 2] = ["hello", "close_namespace"];

impl Serialize for Call {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Call::Hello {
                protocol,
                namespace,
                token,
                known_records,
            } => ControlCall::Hello {
                protocol: *protocol,
                namespace: namespace.clone(),
                token: token.clone(),
                known_records: *known_records,
            }
            .serialize(serializer),
            Call::CloseNamespace { namespace } => ControlCall::CloseNamespace {
                namespace: namespace.clone(),
            }
            .serialize(serializer),
            Call::Registry(call) => call.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Call {
    /// A registry call, or else `hello` or `close_namespace`; the error is
    /// the registry call's (unknown method, missing or unknown field)
    /// unless the method is one of those two.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let registry_error = match serde_json::from_str::<RegistryCall>(raw.get()) {
            Ok(call) => return Ok(Call::Registry(call)),
            Err(error) => error,
        };
        let is_control = serde_json::from_str::<MethodName>(raw.get())
            .is_ok_and(|name| CONTROL_METHODS.contains(&name.method.as_ref()));
        if !is_control {
            return Err(serde::de::Error::custom(registry_error));
        }
        Ok(
            match serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)? {
                ControlCall::Hello {
                    protocol,
                    namespace,
                    token,
                    known_records,
                } => Call::Hello {
                    protocol,
                    namespace,
                    token,
                    known_records,
                },
                ControlCall::CloseNamespace { namespace } => Call::CloseNamespace { namespace },
            },
        )
    }
}

/// Just the method name of a call, to tell `hello` from a registry call.
#[derive(Deserialize)]
struct MethodName<'a> {
    #[serde(borrow)]
    method: std::borrow::Cow<'a, str>,
}

impl Call {
    /// The wire name of the method, as in `{"method": ...}`.
    pub fn method(&self) -> &'static str {
        match self {
            Call::Hello { .. } => "hello",
            Call::CloseNamespace { .. } => "close_namespace",
            Call::Registry(call) => call.method(),
        }
    }

    /// Whether the call may block on the registry (a wait), so clients bound
    /// it with their wait timeout rather than the call timeout.
    pub fn may_block(&self) -> bool {
        matches!(self, Call::Registry(call) if call.may_block())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_frame_reads_as_documented() {
        let frame: RequestFrame = serde_json::from_value(json!({
            "id": 7,
            "call": {"method": "claim_process_lease", "process_id": "p", "owner_id": "w", "lease_ttl_ms": 500}
        }))
        .expect("documented shape parses");
        assert_eq!(frame.id, 7);
        assert_eq!(frame.call.method(), "claim_process_lease");
        assert_eq!(
            frame.call,
            Call::Registry(RegistryCall::ClaimProcessLease {
                process_id: "p".into(),
                owner_id: "w".into(),
                lease_ttl_ms: 500
            })
        );
    }

    #[test]
    fn replies_carry_ok_or_err_beside_the_id() {
        let ok = ReplyFrame {
            id: 3,
            outcome: Outcome::Ok(raw_null()),
        };
        assert_eq!(
            serde_json::to_value(&ok).expect("serialises"),
            json!({"id": 3, "ok": null})
        );
        let err = ReplyFrame {
            id: 4,
            outcome: Outcome::Err(RegistryError::unknown_process("p")),
        };
        let value = serde_json::to_value(&err).expect("serialises");
        assert_eq!(value["id"], json!(4));
        assert_eq!(value["err"]["kind"], json!("not_found"));
        let back: ReplyFrame = serde_json::from_value(value).expect("round trip");
        assert_eq!(back.id, 4);
        assert_eq!(back.outcome.to_value()["err"]["kind"], json!("not_found"));
        let null: ReplyFrame =
            serde_json::from_str(r#"{"id": 6, "ok": null}"#).expect("null result");
        assert_eq!(null.outcome.to_value(), json!(null));
        assert!(matches!(null.outcome, Outcome::Ok(_)));
    }

    #[test]
    fn unknown_frame_fields_are_refused() {
        let extra = serde_json::from_value::<RequestFrame>(json!({
            "id": 1,
            "call": {"method": "get_process", "process_id": "p"},
            "priority": "high"
        }));
        assert!(
            extra.is_err(),
            "an unknown field beside the call is refused"
        );
    }

    #[test]
    fn hello_with_a_token_and_close_namespace_round_trip() {
        for call in [
            Call::Hello {
                protocol: 1,
                namespace: Some("ns".into()),
                token: Some("s3cret".into()),
                known_records: false,
            },
            Call::Hello {
                protocol: 1,
                namespace: None,
                token: None,
                known_records: true,
            },
            Call::CloseNamespace {
                namespace: "ns".into(),
            },
        ] {
            let wire = serde_json::to_value(&call).expect("serialises");
            assert_eq!(wire["method"], json!(call.method()));
            assert_eq!(serde_json::from_value::<Call>(wire).expect("reads"), call);
        }
        let hello = serde_json::to_value(Call::Hello {
            protocol: 1,
            namespace: None,
            token: None,
            known_records: false,
        })
        .expect("serialises");
        assert_eq!(
            hello,
            json!({"method": "hello", "protocol": 1}),
            "a hello that asks for nothing optional is what earlier clients send"
        );
    }

    #[test]
    fn unknown_methods_and_fields_are_refused() {
        let unknown = serde_json::from_value::<Call>(json!({"method": "drop_tables"}));
        assert!(unknown.is_err());
        let extra = serde_json::from_value::<Call>(
            json!({"method": "get_process", "process_id": "p", "surprise": true}),
        );
        assert!(extra.is_err());
        let previous = serde_json::from_value::<Call>(
            json!({"method": "hello", "protocol": 1, "known_parts": true}),
        );
        assert!(
            previous.is_err(),
            "the option's previous revision, whose records had another shape, is refused"
        );
    }
}
