//! Content hashes over canonical JSON: registrations, payloads and wake ids (REG-11, REPLAY-1, WAKE-5).

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Compact JSON with object keys sorted at every depth.
///
/// Independent of serde_json's `preserve_order` feature, so the same value
/// hashes the same in every build of every backend.
pub fn canonical_json(value: &impl Serialize) -> String {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    let mut out = String::new();
    write_canonical(&value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|left, right| left.0.cmp(right.0));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The replay-comparison hash of an event: SHA-256 of `[event_type, payload]` (REPLAY-1, REPLAY-3).
pub fn payload_hash(event_type: &str, payload: &Value) -> String {
    sha256_hex(canonical_json(&(event_type, payload)).as_bytes())
}

/// `"wake:"` + SHA-256 of `[target_scope_id, dedupe_key]` (WAKE-5).
pub fn wake_id(target_scope_id: &str, dedupe_key: &str) -> String {
    format!(
        "wake:{}",
        sha256_hex(canonical_json(&(target_scope_id, dedupe_key)).as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sha256_matches_the_standard_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let value = json!({"b": 1, "a": {"d": [true, null], "c": "x"}});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"c":"x","d":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn payload_hash_covers_type_and_payload() {
        let payload = json!({"x": 1});
        assert_eq!(
            payload_hash("t", &payload),
            payload_hash("t", &json!({"x": 1}))
        );
        assert_ne!(payload_hash("t", &payload), payload_hash("u", &payload));
        assert_ne!(
            payload_hash("t", &payload),
            payload_hash("t", &json!({"x": 2}))
        );
    }

    #[test]
    fn wake_id_depends_on_target_and_key() {
        assert_eq!(wake_id("session:s", "k"), wake_id("session:s", "k"));
        assert_ne!(wake_id("session:s", "k"), wake_id("session:t", "k"));
        assert_ne!(wake_id("session:s", "k"), wake_id("session:s", "j"));
        assert!(wake_id("session:s", "k").starts_with("wake:"));
    }
}
