//! Runs one decoded call against a registry and serialises its result.

use crate::protocol::{Call, Hello, DEFAULT_NAMESPACE, PROTOCOL_VERSION};
use procreg::{DurabilityTier, ProcessRegistry, RegistryError, RegistryResult};
use serde::Serialize;
use serde_json::value::RawValue;

/// A result, encoded once as raw JSON text.
pub type RawResult = RegistryResult<Box<RawValue>>;

fn to_value<T: Serialize>(result: RegistryResult<T>) -> RawResult {
    let value = result?;
    serde_json::value::to_raw_value(&value)
        .map_err(|error| RegistryError::backend(format!("could not encode the result: {error}")))
}

/// The answer to `hello` for a connection bound to `namespace`; refuses
/// another protocol revision with `Unsupported`. `known_records`: whether
/// this connection's answers leave out parts it already carried.
pub fn hello(
    protocol: u32,
    namespace: &str,
    durability_tier: DurabilityTier,
    client_clock: bool,
    known_records: bool,
) -> RawResult {
    if protocol != PROTOCOL_VERSION {
        return Err(RegistryError::unsupported(format!(
            "protocol revision {protocol} (this server speaks {PROTOCOL_VERSION})"
        )));
    }
    to_value(Ok(Hello {
        protocol: PROTOCOL_VERSION,
        namespace: namespace.to_owned(),
        durability_tier,
        client_clock,
        known_records,
    }))
}

/// Calls the trait method `call` names with its arguments; the result is
/// the method's return value in its serde shape, or its error unchanged.
/// `hello` is answered for the default namespace with a server-side clock,
/// and whole records (this function keeps no state between calls).
pub async fn dispatch(registry: &dyn ProcessRegistry, call: Call) -> RawResult {
    match call {
        Call::Hello { protocol, .. } => hello(
            protocol,
            DEFAULT_NAMESPACE,
            registry.durability_tier(),
            false,
            false,
        ),
        Call::CloseNamespace { .. } => Err(RegistryError::unsupported(
            "close_namespace: this server serves one registry",
        )),
        Call::Registry(call) => to_value(call.dispatch(registry).await),
    }
}
