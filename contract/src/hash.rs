//! Content hashes over canonical JSON: registrations, payloads and wake ids (REG-11, REPLAY-1, WAKE-5).

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_digest(Sha256::digest(bytes).as_slice())
}

/// Lowercase hex of a SHA-256 digest, shared: written on the stack, then
/// allocated once.
pub(crate) fn hex_digest_shared(digest: &[u8; 32]) -> std::sync::Arc<str> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = [0u8; 64];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    // Every byte is an ASCII digit or letter.
    std::sync::Arc::from(std::str::from_utf8(&hex).unwrap_or_default())
}

/// Lowercase hex of a digest.
pub(crate) fn hex_digest(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let hex: Vec<u8> = digest
        .iter()
        .flat_map(|byte| {
            [
                DIGITS[usize::from(byte >> 4)],
                DIGITS[usize::from(byte & 0x0f)],
            ]
        })
        .collect();
    // Every byte is an ASCII digit or letter.
    String::from_utf8(hex).unwrap_or_default()
}

/// Compact JSON with object keys sorted at every depth.
///
/// Independent of serde_json's `preserve_order` feature, so the same value
/// hashes the same in every build of every backend.
pub fn canonical_json(value: &impl Serialize) -> String {
    let bytes = canonical_bytes(value);
    // Only serde_json's writers and ASCII punctuation reach the buffer.
    String::from_utf8(bytes).unwrap_or_default()
}

/// [`canonical_json`] as bytes, ready to hash.
pub(crate) fn canonical_bytes(value: &impl Serialize) -> Vec<u8> {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    let mut out = Vec::new();
    write_canonical(&value, &mut out);
    out
}

/// Appends `value` as canonical JSON to `out`.
pub(crate) fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            let sorted = map.keys().zip(map.keys().skip(1)).all(|(a, b)| a < b);
            if sorted {
                write_entries(map.iter(), out);
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|left, right| left.0.cmp(right.0));
                write_entries(entries.into_iter(), out);
            }
            out.push(b'}');
        }
        scalar => write_json(scalar, out),
    }
}

fn write_entries<'a>(entries: impl Iterator<Item = (&'a String, &'a Value)>, out: &mut Vec<u8>) {
    for (index, (key, item)) in entries.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_json(key, out);
        out.push(b':');
        write_canonical(item, out);
    }
}

/// Appends serde_json's compact rendering of a scalar or a key.
pub(crate) fn write_json(value: &(impl Serialize + ?Sized), out: &mut Vec<u8>) {
    // Writing a string, number, bool or null into a Vec cannot fail.
    let _ = serde_json::to_writer(out, value);
}

/// The replay-comparison hash of an event: SHA-256 of `[event_type, payload]` (REPLAY-1, REPLAY-3).
pub fn payload_hash(event_type: &str, payload: &Value) -> String {
    sha256_hex(&canonical_bytes(&(event_type, payload)))
}

/// `"wake:"` + SHA-256 of `[target_scope_id, dedupe_key]` (WAKE-5).
pub fn wake_id(target_scope_id: &str, dedupe_key: &str) -> String {
    format!(
        "wake:{}",
        sha256_hex(&canonical_bytes(&(target_scope_id, dedupe_key)))
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

    /// The first, plain rendering: `to_string` of every key and scalar, keys always sorted.
    fn reference_canonical(value: &Value) -> String {
        match value {
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(reference_canonical).collect();
                format!("[{}]", items.join(","))
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|left, right| left.0.cmp(right.0));
                let entries: Vec<String> = entries
                    .into_iter()
                    .map(|(key, item)| {
                        let key = Value::String(key.clone()).to_string();
                        format!("{key}:{}", reference_canonical(item))
                    })
                    .collect();
                format!("{{{}}}", entries.join(","))
            }
            scalar => scalar.to_string(),
        }
    }

    #[test]
    fn canonical_json_matches_the_plain_rendering_byte_for_byte() {
        let odd_keys = json!({
            "\u{7f}": 1, "\"q\"": -0.5, "é": 1e300, "e\u{301}": u64::MAX, "": i64::MIN,
            "Z": [null, true, false, "\u{0}\n\t\\/", {"b": {"a": []}, "a": {}}],
            "a\u{2028}b": "\u{1F600}", "10": 10, "9": 9.0, "p_%'": "it's \"x\"",
        });
        let values = [
            odd_keys.clone(),
            json!([odd_keys, [[]], {}, 0, -1, 1.5, "k"]),
            json!("just a string \u{fffd}"),
            json!(null),
            json!({"event_types": [{"name": "process.completed", "semantics": {"terminal": {"state": "completed"}}}]}),
        ];
        for value in values {
            assert_eq!(
                canonical_json(&value),
                reference_canonical(&value),
                "{value}"
            );
        }
    }

    #[test]
    fn hex_digest_is_lowercase_two_digits_per_byte() {
        assert_eq!(hex_digest(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        let digest: [u8; 32] = std::array::from_fn(|n| (n * 37) as u8);
        assert_eq!(*hex_digest_shared(&digest), hex_digest(&digest));
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
