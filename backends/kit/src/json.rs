//! JSON columns: a value is written only when serde_json can read it back.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// serde_json refuses to read text nested deeper than this, so nothing
/// deeper is ever written: a value that could not be read back is refused
/// at write time instead of poisoning later reads.
pub const MAX_JSON_DEPTH: usize = 127;

/// The deepest nesting of arrays and objects in JSON text (strings skipped).
pub fn json_depth(text: &str) -> usize {
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

/// `value` as JSON text that serde_json can read back, or why not.
pub fn encode_json<T: Serialize>(value: &T) -> Result<String, String> {
    let text = serde_json::to_string(value).map_err(|error| error.to_string())?;
    let depth = json_depth(&text);
    if depth > MAX_JSON_DEPTH {
        return Err(format!(
            "the value nests {depth} levels deep; at most {MAX_JSON_DEPTH} can be stored"
        ));
    }
    Ok(text)
}

/// A JSON column read back, or why it could not be.
pub fn decode_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|error| error.to_string())
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
    fn too_deep_values_are_refused_and_others_round_trip() {
        let deep: Value = serde_json::from_str(&nested(MAX_JSON_DEPTH)).expect("readable");
        let error = encode_json(&serde_json::json!({ "payload": deep })).expect_err("too deep");
        assert!(error.contains("128 levels"), "{error}");
        let text = encode_json(&serde_json::json!({"a": [1, 2]})).expect("shallow");
        assert_eq!(
            decode_json::<Value>(&text).expect("reads back"),
            serde_json::json!({"a": [1, 2]})
        );
    }
}
