//! The id of a request that could not be read as a whole: found by a
//! scanner that needs no recursion, so a frame nested too deep to parse
//! still gets its error reply under its own id.

/// The value of the top-level `"id"` field of the JSON object in `body`,
/// when it is a plain unsigned integer; `None` otherwise.
pub fn request_id(body: &[u8]) -> Option<u64> {
    let mut depth = 0usize;
    let mut index = 0;
    let mut key_at_depth_one: Option<(usize, usize)> = None;
    while index < body.len() {
        match body[index] {
            b'"' => {
                let end = string_end(body, index)?;
                let after = skip_spaces(body, end + 1);
                let is_key = depth == 1 && body.get(after) == Some(&b':');
                if is_key {
                    key_at_depth_one = Some((index + 1, end));
                }
                index = end + 1;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b':' if depth == 1 => {
                if let Some((start, end)) = key_at_depth_one.take() {
                    if &body[start..end] == b"id" {
                        return unsigned_at(body, skip_spaces(body, index + 1));
                    }
                }
            }
            _ => {}
        }
        index += 1;
    }
    None
}

/// The index of the quote closing the string that opens at `start`.
fn string_end(body: &[u8], start: usize) -> Option<usize> {
    let mut index = start + 1;
    while index < body.len() {
        match body[index] {
            b'\\' => index += 2,
            b'"' => return Some(index),
            _ => index += 1,
        }
    }
    None
}

fn skip_spaces(body: &[u8], mut index: usize) -> usize {
    while body.get(index).is_some_and(u8::is_ascii_whitespace) {
        index += 1;
    }
    index
}

/// The unsigned integer starting at `index`, when the number ends there
/// (a comma, a brace or a space follows).
fn unsigned_at(body: &[u8], index: usize) -> Option<u64> {
    let digits = body[index.min(body.len())..]
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let next = body.get(index + digits).copied();
    if !matches!(
        next,
        None | Some(b',' | b'}' | b' ' | b'\n' | b'\r' | b'\t')
    ) {
        return None;
    }
    std::str::from_utf8(&body[index..index + digits])
        .ok()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::request_id;

    #[test]
    fn the_top_level_id_is_found_however_deep_the_rest_is() {
        let deep = format!(
            r#"{{"call": {{"method": "get_process", "process_id": {}1{}}}, "id": 42}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert_eq!(request_id(deep.as_bytes()), Some(42));
        assert_eq!(request_id(br#"{"id": 7, "call": {}}"#), Some(7));
        assert_eq!(
            request_id(br#"{"call": {"id": 9, "x": "\"id\": 3"}, "id":5}"#),
            Some(5)
        );
    }

    #[test]
    fn no_id_or_a_non_integer_id_is_none() {
        assert_eq!(request_id(br#"{"call": {"id": 9}}"#), None);
        assert_eq!(request_id(br#"{"id": -1}"#), None);
        assert_eq!(request_id(br#"{"id": 1.5}"#), None);
        assert_eq!(request_id(br#"{"id": "7"}"#), None);
        assert_eq!(request_id(b"not json"), None);
    }
}
