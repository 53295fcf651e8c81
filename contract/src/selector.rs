//! Selector evaluation over event payloads, and the stringify and truthiness rules (WAKE-2, WAKE-3).

use crate::error::{RegistryError, RegistryResult};
use crate::event_type::{ProcessTemplateSelector, ProcessValueSelector};
use serde_json::Value;
use std::borrow::Cow;

/// Evaluates `selector` against `payload` (WAKE-3).
///
/// A pointer that does not resolve is `InvalidPayload` ("payload pointer ...
/// did not match"); `present` never errors.
pub fn select(selector: &ProcessValueSelector, payload: &Value) -> RegistryResult<Value> {
    select_borrowed(selector, payload).map(Cow::into_owned)
}

/// [`select`], borrowing what the selector picks when it is part of the payload.
pub fn select_borrowed<'a>(
    selector: &'a ProcessValueSelector,
    payload: &'a Value,
) -> RegistryResult<Cow<'a, Value>> {
    match selector {
        ProcessValueSelector::Payload => Ok(Cow::Borrowed(payload)),
        ProcessValueSelector::Pointer(pointer) => resolve_pointer(payload, pointer)
            .map(Cow::Borrowed)
            .ok_or_else(|| RegistryError::pointer_miss(pointer)),
        ProcessValueSelector::Const(value) => Ok(Cow::Borrowed(value)),
        ProcessValueSelector::Present(pointer) => Ok(Cow::Owned(Value::Bool(
            resolve_pointer(payload, pointer).is_some(),
        ))),
        ProcessValueSelector::Template(template) => {
            render_template(template, payload).map(|text| Cow::Owned(Value::String(text)))
        }
    }
}

/// The value at an RFC 6901 `pointer` in `payload`, exactly as
/// `Value::pointer` resolves it, without copying any token that needs no unescaping.
pub fn resolve_pointer<'a>(payload: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(payload);
    }
    let tokens = pointer.strip_prefix('/')?;
    tokens.split('/').try_fold(payload, |target, token| {
        let token: Cow<'_, str> = if token.contains('~') {
            Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(token)
        };
        match target {
            Value::Object(map) => map.get(token.as_ref()),
            Value::Array(items) => array_index(&token).and_then(|index| items.get(index)),
            _ => None,
        }
    })
}

/// An array index token: decimal digits, no sign, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

/// A JSON string yields its raw text; anything else its compact JSON text.
pub fn stringify(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `when` truthiness: null is false, bools are themselves, strings, arrays and
/// objects are true when non-empty, numbers are always true (WAKE-2).
pub fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(_) => true,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// Replaces each `{name}` whose name is a declared field with the stringified
/// selection; other braces stay literal. Substituted text is not re-scanned.
fn render_template(template: &ProcessTemplateSelector, payload: &Value) -> RegistryResult<String> {
    let text = template.template.as_str();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after_open = &rest[open + 1..];
        let field = after_open
            .find('}')
            .map(|close| (&after_open[..close], close))
            .and_then(|(name, close)| template.fields.get(name).map(|selector| (selector, close)));
        match field {
            Some((selector, close)) => {
                out.push_str(&stringify(&select(selector, payload)?));
                rest = &after_open[close + 1..];
            }
            None => {
                out.push('{');
                rest = after_open;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use serde_json::json;

    #[test]
    fn resolve_pointer_agrees_with_serde_json() {
        let payload = json!({
            "a": {"b": [10, {"c~d/e": "x"}], "": {"": 1}},
            "~": 1, "/": 2, "0": 3, "01": 4,
            "list": [0, 1, 2], "await_output": {"type": "success", "value": 7},
        });
        let pointers = [
            "",
            "/",
            "//",
            "/a",
            "/a/b",
            "/a/b/0",
            "/a/b/1/c~0d~1e",
            "/a/b/01",
            "/a/b/+1",
            "/a/b/-",
            "/a/b/2",
            "/a//",
            "/a/",
            "/~0",
            "/~1",
            "/0",
            "/01",
            "/list/00",
            "/list/2",
            "/list/3",
            "/list/ 1",
            "a",
            "/await_output",
            "/await_output/value",
            "/~2",
            "/a/b/1/c~01",
        ];
        for pointer in pointers {
            assert_eq!(
                resolve_pointer(&payload, pointer),
                payload.pointer(pointer),
                "{pointer:?}"
            );
        }
    }

    #[test]
    fn payload_pointer_const_and_present() {
        let payload = json!({"a": {"b": [10, 20]}, "s": "x"});
        assert_eq!(
            select(&ProcessValueSelector::Payload, &payload).ok(),
            Some(payload.clone())
        );
        assert_eq!(
            select(&ProcessValueSelector::pointer("/a/b/1"), &payload).ok(),
            Some(json!(20))
        );
        assert_eq!(
            select(&ProcessValueSelector::pointer(""), &payload).ok(),
            Some(payload.clone())
        );
        assert_eq!(
            select(&ProcessValueSelector::Const(json!(7)), &payload).ok(),
            Some(json!(7))
        );
        assert_eq!(
            select(&ProcessValueSelector::present("/s"), &payload).ok(),
            Some(json!(true))
        );
        assert_eq!(
            select(&ProcessValueSelector::present("/nope"), &payload).ok(),
            Some(json!(false))
        );
    }

    #[test]
    fn pointer_miss_is_invalid_payload_naming_the_pointer() {
        let error =
            select(&ProcessValueSelector::pointer("/missing"), &json!({})).expect_err("miss");
        assert!(error.is(ErrorKind::InvalidPayload));
        assert!(error
            .message
            .contains("payload pointer `/missing` did not match"));
    }

    #[test]
    fn template_substitutes_declared_fields_only() {
        let selector = ProcessValueSelector::template(
            "hello {name}, {n} {unknown} {",
            [
                ("name".to_owned(), ProcessValueSelector::pointer("/who")),
                ("n".to_owned(), ProcessValueSelector::pointer("/n")),
            ],
        );
        let value = select(&selector, &json!({"who": "{n}", "n": {"k": 1}})).expect("render");
        assert_eq!(value, json!("hello {n}, {\"k\":1} {unknown} {"));
    }

    #[test]
    fn template_field_miss_is_an_error() {
        let selector = ProcessValueSelector::template(
            "{x}",
            [("x".to_owned(), ProcessValueSelector::pointer("/x"))],
        );
        assert!(select(&selector, &json!({})).is_err());
    }

    #[test]
    fn stringify_and_truthiness() {
        assert_eq!(stringify(&json!("raw")), "raw");
        assert_eq!(stringify(&json!(7)), "7");
        assert_eq!(stringify(&json!({"a": 1})), "{\"a\":1}");
        for (value, truthy) in [
            (json!(null), false),
            (json!(false), false),
            (json!(true), true),
            (json!(0), true),
            (json!(""), false),
            (json!("x"), true),
            (json!([]), false),
            (json!([0]), true),
            (json!({}), false),
            (json!({"a": null}), true),
        ] {
            assert_eq!(is_truthy(&value), truthy, "{value}");
        }
    }
}
