//! The messages: one request per trait method, one reply per request.
//!
//! Every frame body is a JSON object. A request is
//! `{"id": N, "call": {"method": "<snake_case trait method>", ...arguments}}`;
//! its reply is `{"id": N, "ok": <result>}` or `{"id": N, "err": {"kind", "message"}}`.
//! `docs/protocol.md` lists every method with an example.

use procreg::{
    DurabilityTier, ProcessAwaitOutput, ProcessEventAppendRequest, ProcessExternalRef,
    ProcessHandleDescriptor, ProcessLease, ProcessLeaseCompletion, ProcessRegistration,
    ProcessScope, RegistryError,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The protocol revision this crate speaks; `hello` refuses any other.
pub const PROTOCOL_VERSION: u32 = 1;

/// One request frame: a caller-chosen id echoed by the reply, the
/// client's clock reading when the server lets the client drive time, and the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "WireReply", into = "WireReply")]
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

/// The reply's shape on the wire.
#[derive(Serialize, Deserialize)]
struct WireReply {
    id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ok: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    err: Option<RegistryError>,
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

impl From<ReplyFrame> for WireReply {
    fn from(reply: ReplyFrame) -> Self {
        match reply.outcome {
            Outcome::Ok(raw) => Self {
                id: reply.id,
                ok: Some(raw),
                err: None,
            },
            Outcome::Err(error) => Self {
                id: reply.id,
                ok: None,
                err: Some(error),
            },
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
}

/// The namespace a connection addresses until its hello names another.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Every call the protocol carries: `hello` plus one variant per
/// `ProcessRegistry` method, with the method's arguments as named fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // The fields are the trait method's parameters, documented there.
pub enum Call {
    /// Handshake: the client's protocol revision and, optionally, the
    /// namespace (registry) to address; answered with [`Hello`].
    Hello {
        protocol: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
    },
    /// `register_process`.
    RegisterProcess { registration: ProcessRegistration },
    /// `set_external_ref`.
    SetExternalRef {
        process_id: String,
        external_ref: ProcessExternalRef,
    },
    /// `grant_handle`.
    GrantHandle {
        owner_scope: ProcessScope,
        process_id: String,
        descriptor: ProcessHandleDescriptor,
    },
    /// `revoke_handle`.
    RevokeHandle {
        owner_scope: ProcessScope,
        process_id: String,
    },
    /// `transfer_handle_grants`.
    TransferHandleGrants {
        from_scope: ProcessScope,
        to_scope: ProcessScope,
        process_ids: Vec<String>,
    },
    /// `list_handle_grants`.
    ListHandleGrants { owner_scope: ProcessScope },
    /// `list_live_handle_grants`.
    ListLiveHandleGrants { owner_scope: ProcessScope },
    /// `has_handle_grant`.
    HasHandleGrant {
        owner_scope: ProcessScope,
        process_id: String,
    },
    /// `handle_grants_for_process`.
    HandleGrantsForProcess { process_id: String },
    /// `delete_session_process_state`.
    DeleteSessionProcessState { session_id: String },
    /// `append_event`.
    AppendEvent {
        process_id: String,
        request: ProcessEventAppendRequest,
    },
    /// `events_after`.
    EventsAfter {
        process_id: String,
        after_sequence: u64,
    },
    /// `wake_events_after`.
    WakeEventsAfter {
        process_id: String,
        after_sequence: u64,
    },
    /// `wait_event_after`: may block until the event exists.
    WaitEventAfter {
        process_id: String,
        event_type: String,
        after_sequence: u64,
    },
    /// `await_process`: may block until the process is terminal.
    AwaitProcess { process_id: String },
    /// `complete_process`.
    CompleteProcess {
        process_id: String,
        await_output: ProcessAwaitOutput,
    },
    /// `get_process`: answers the record or `null`.
    GetProcess { process_id: String },
    /// `ack_wake`.
    AckWake { process_id: String, sequence: u64 },
    /// `list_non_terminal`.
    ListNonTerminal,
    /// `claim_process_lease`.
    ClaimProcessLease {
        process_id: String,
        owner_id: String,
        lease_ttl_ms: u64,
    },
    /// `renew_process_lease`.
    RenewProcessLease {
        lease: ProcessLease,
        lease_ttl_ms: u64,
    },
    /// `complete_process_lease`.
    CompleteProcessLease { completion: ProcessLeaseCompletion },
}

impl Call {
    /// The wire name of the method, as in `{"method": ...}`.
    pub fn method(&self) -> &'static str {
        match self {
            Call::Hello { .. } => "hello",
            Call::RegisterProcess { .. } => "register_process",
            Call::SetExternalRef { .. } => "set_external_ref",
            Call::GrantHandle { .. } => "grant_handle",
            Call::RevokeHandle { .. } => "revoke_handle",
            Call::TransferHandleGrants { .. } => "transfer_handle_grants",
            Call::ListHandleGrants { .. } => "list_handle_grants",
            Call::ListLiveHandleGrants { .. } => "list_live_handle_grants",
            Call::HasHandleGrant { .. } => "has_handle_grant",
            Call::HandleGrantsForProcess { .. } => "handle_grants_for_process",
            Call::DeleteSessionProcessState { .. } => "delete_session_process_state",
            Call::AppendEvent { .. } => "append_event",
            Call::EventsAfter { .. } => "events_after",
            Call::WakeEventsAfter { .. } => "wake_events_after",
            Call::WaitEventAfter { .. } => "wait_event_after",
            Call::AwaitProcess { .. } => "await_process",
            Call::CompleteProcess { .. } => "complete_process",
            Call::GetProcess { .. } => "get_process",
            Call::AckWake { .. } => "ack_wake",
            Call::ListNonTerminal => "list_non_terminal",
            Call::ClaimProcessLease { .. } => "claim_process_lease",
            Call::RenewProcessLease { .. } => "renew_process_lease",
            Call::CompleteProcessLease { .. } => "complete_process_lease",
        }
    }

    /// Whether the call may block on the registry (a wait), so clients bound
    /// it with their wait timeout rather than the call timeout.
    pub fn may_block(&self) -> bool {
        matches!(
            self,
            Call::WaitEventAfter { .. } | Call::AwaitProcess { .. }
        )
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
            Call::ClaimProcessLease {
                process_id: "p".into(),
                owner_id: "w".into(),
                lease_ttl_ms: 500
            }
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
    fn unknown_methods_and_fields_are_refused() {
        let unknown = serde_json::from_value::<Call>(json!({"method": "drop_tables"}));
        assert!(unknown.is_err());
        let extra = serde_json::from_value::<Call>(
            json!({"method": "get_process", "process_id": "p", "surprise": true}),
        );
        assert!(extra.is_err());
    }
}
