//! Payload schemas: a small, fully tested JSON Schema subset (EVENT-4, REG-13).
//!
//! Supported keywords: `type` (a name or a list of names), `enum`, `const`,
//! `anyOf`, `oneOf`, `allOf`, `properties`, `required`,
//! `additionalProperties` (bool or schema), `items`, `minItems`, `maxItems`,
//! `minLength`, `maxLength` (in characters), `minimum`, `maximum`. Other
//! keywords (`title`, `description`, `$schema`, ...) are ignored, as JSON
//! Schema does. A schema may also be the boolean `true` or `false`.

use serde_json::{Map, Value};

const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "object", "array", "number", "integer", "string",
];

/// Checks that `schema` is a well-formed document of the supported subset (REG-13).
pub fn check_schema(schema: &Value) -> Result<(), String> {
    check_at(schema, "")
}

/// Checks `payload` against `schema`; the error names the failing location (EVENT-4).
pub fn validate_payload(schema: &Value, payload: &Value) -> Result<(), String> {
    validate_at(schema, payload, "")
}

fn location(path: &str) -> &str {
    if path.is_empty() {
        "(root)"
    } else {
        path
    }
}

fn check_at(schema: &Value, path: &str) -> Result<(), String> {
    let map = match schema {
        Value::Bool(_) => return Ok(()),
        Value::Object(map) => map,
        other => {
            return Err(format!(
                "schema at {} must be an object or a boolean, got {other}",
                location(path)
            ))
        }
    };
    let bad = |keyword: &str, expected: &str| {
        Err(format!(
            "schema keyword `{keyword}` at {} must be {expected}",
            location(path)
        ))
    };
    if let Some(type_value) = map.get("type") {
        let names: Vec<&Value> = match type_value {
            Value::Array(names) => names.iter().collect(),
            single => vec![single],
        };
        if names.is_empty()
            || !names
                .iter()
                .all(|name| name.as_str().is_some_and(|name| TYPE_NAMES.contains(&name)))
        {
            return bad("type", "a type name or a non-empty list of type names");
        }
    }
    if map.get("enum").is_some_and(|values| !values.is_array()) {
        return bad("enum", "an array");
    }
    for keyword in ["anyOf", "oneOf", "allOf"] {
        if let Some(value) = map.get(keyword) {
            let Some(branches) = value.as_array().filter(|branches| !branches.is_empty()) else {
                return bad(keyword, "a non-empty array of schemas");
            };
            for (index, branch) in branches.iter().enumerate() {
                check_at(branch, &format!("{path}/{keyword}/{index}"))?;
            }
        }
    }
    if let Some(value) = map.get("properties") {
        let Some(properties) = value.as_object() else {
            return bad("properties", "an object of schemas");
        };
        for (name, property) in properties {
            check_at(property, &format!("{path}/properties/{name}"))?;
        }
    }
    if let Some(value) = map.get("required") {
        if !value
            .as_array()
            .is_some_and(|names| names.iter().all(Value::is_string))
        {
            return bad("required", "an array of strings");
        }
    }
    if let Some(value) = map.get("additionalProperties") {
        check_at(value, &format!("{path}/additionalProperties"))?;
    }
    if let Some(value) = map.get("items") {
        check_at(value, &format!("{path}/items"))?;
    }
    for keyword in ["minItems", "maxItems", "minLength", "maxLength"] {
        if map
            .get(keyword)
            .is_some_and(|value| value.as_u64().is_none())
        {
            return bad(keyword, "a non-negative integer");
        }
    }
    for keyword in ["minimum", "maximum"] {
        if map.get(keyword).is_some_and(|value| !value.is_number()) {
            return bad(keyword, "a number");
        }
    }
    Ok(())
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::Number(_) => "number",
        Value::String(_) => "string",
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "integer" => match value {
            Value::Number(number) => {
                number.is_i64()
                    || number.is_u64()
                    || number.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        other => type_name(value) == other,
    }
}

/// Checks `value` against `schema`, naming the first violation found at `path`.
fn validate_at(schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let map: &Map<String, Value> = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return Err(format!("at {}: no value is allowed", location(path))),
        Value::Object(map) if map.is_empty() => return Ok(()),
        Value::Object(map) => map,
        _ => return Err(format!("at {}: the schema is malformed", location(path))),
    };
    validate_type_enum_const(map, value, path)?;
    validate_combinators(map, value, path)?;
    if let Value::Object(object) = value {
        validate_object(map, object, path)?;
    }
    if let Value::Array(items) = value {
        validate_array(map, items, path)?;
    }
    if let Value::String(text) = value {
        validate_string(map, text, path)?;
    }
    if let Some(number) = value.as_f64() {
        validate_number(map, value, number, path)?;
    }
    Ok(())
}

/// The error for a violation at `path`, described by `detail`.
fn fail_at(path: &str, detail: String) -> Result<(), String> {
    Err(format!("at {}: {detail}", location(path)))
}

/// Checks the `type`, `enum` and `const` keywords.
fn validate_type_enum_const(
    map: &Map<String, Value>,
    value: &Value,
    path: &str,
) -> Result<(), String> {
    if let Some(type_value) = map.get("type") {
        let names: Vec<&str> = match type_value {
            Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
            single => single.as_str().into_iter().collect(),
        };
        if !names.iter().any(|name| has_type(value, name)) {
            return fail_at(
                path,
                format!("expected {}, got {}", names.join(" or "), type_name(value)),
            );
        }
    }
    if let Some(Value::Array(allowed)) = map.get("enum") {
        if !allowed.contains(value) {
            return fail_at(path, format!("{value} is not one of the allowed values"));
        }
    }
    if let Some(expected) = map.get("const") {
        if expected != value {
            return fail_at(
                path,
                format!("expected the constant {expected}, got {value}"),
            );
        }
    }
    Ok(())
}

/// Checks the `allOf`, `anyOf` and `oneOf` keywords.
fn validate_combinators(map: &Map<String, Value>, value: &Value, path: &str) -> Result<(), String> {
    if let Some(Value::Array(branches)) = map.get("allOf") {
        for branch in branches {
            validate_at(branch, value, path)?;
        }
    }
    if let Some(Value::Array(branches)) = map.get("anyOf") {
        if !branches
            .iter()
            .any(|branch| validate_at(branch, value, path).is_ok())
        {
            return fail_at(path, "matches none of the anyOf schemas".to_owned());
        }
    }
    if let Some(Value::Array(branches)) = map.get("oneOf") {
        let matching = branches
            .iter()
            .filter(|branch| validate_at(branch, value, path).is_ok())
            .count();
        if matching != 1 {
            return fail_at(
                path,
                format!("matches {matching} of the oneOf schemas, expected exactly 1"),
            );
        }
    }
    Ok(())
}

/// Checks an object's `required`, `properties` and `additionalProperties`.
fn validate_object(
    map: &Map<String, Value>,
    object: &Map<String, Value>,
    path: &str,
) -> Result<(), String> {
    if let Some(Value::Array(required)) = map.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                return fail_at(path, format!("missing required property `{name}`"));
            }
        }
    }
    let properties = map.get("properties").and_then(Value::as_object);
    for (name, item) in object {
        let item_path = format!("{path}/{name}");
        match properties.and_then(|properties| properties.get(name)) {
            Some(property) => validate_at(property, item, &item_path)?,
            None => match map.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    return fail_at(path, format!("property `{name}` is not allowed"));
                }
                Some(additional) => validate_at(additional, item, &item_path)?,
                None => {}
            },
        }
    }
    Ok(())
}

/// Checks an array's `minItems`, `maxItems` and `items`.
fn validate_array(map: &Map<String, Value>, items: &[Value], path: &str) -> Result<(), String> {
    let count = items.len() as u64;
    if let Some(min) = map.get("minItems").and_then(Value::as_u64) {
        if count < min {
            return fail_at(path, format!("expected at least {min} items, got {count}"));
        }
    }
    if let Some(max) = map.get("maxItems").and_then(Value::as_u64) {
        if count > max {
            return fail_at(path, format!("expected at most {max} items, got {count}"));
        }
    }
    if let Some(item_schema) = map.get("items") {
        for (index, item) in items.iter().enumerate() {
            validate_at(item_schema, item, &format!("{path}/{index}"))?;
        }
    }
    Ok(())
}

/// Checks a string's `minLength` and `maxLength`, counted in characters.
fn validate_string(map: &Map<String, Value>, text: &str, path: &str) -> Result<(), String> {
    let length = text.chars().count() as u64;
    if let Some(min) = map.get("minLength").and_then(Value::as_u64) {
        if length < min {
            return fail_at(
                path,
                format!("expected at least {min} characters, got {length}"),
            );
        }
    }
    if let Some(max) = map.get("maxLength").and_then(Value::as_u64) {
        if length > max {
            return fail_at(
                path,
                format!("expected at most {max} characters, got {length}"),
            );
        }
    }
    Ok(())
}

/// Checks a number's `minimum` and `maximum`; `value` is `number` as written.
fn validate_number(
    map: &Map<String, Value>,
    value: &Value,
    number: f64,
    path: &str,
) -> Result<(), String> {
    if let Some(min) = map.get("minimum").and_then(Value::as_f64) {
        if number < min {
            return fail_at(path, format!("{value} is less than the minimum {min}"));
        }
    }
    if let Some(max) = map.get("maximum").and_then(Value::as_f64) {
        if number > max {
            return fail_at(path, format!("{value} is greater than the maximum {max}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(schema: Value, value: Value) {
        assert_eq!(
            validate_payload(&schema, &value),
            Ok(()),
            "{schema} should accept {value}"
        );
    }

    fn rejects(schema: Value, value: Value, detail: &str) {
        let error = validate_payload(&schema, &value).expect_err("should reject");
        assert!(error.contains(detail), "{error} should contain {detail}");
    }

    #[test]
    fn empty_and_boolean_schemas() {
        ok(json!({}), json!({"anything": [1, 2]}));
        ok(json!(true), json!(null));
        rejects(json!(false), json!(1), "no value is allowed");
    }

    #[test]
    fn types_including_integer_and_unions() {
        ok(json!({"type": "integer"}), json!(3));
        ok(json!({"type": "integer"}), json!(3.0));
        rejects(
            json!({"type": "integer"}),
            json!(3.5),
            "expected integer, got number",
        );
        ok(json!({"type": "number"}), json!(3.5));
        ok(json!({"type": ["string", "null"]}), json!(null));
        rejects(
            json!({"type": ["string", "null"]}),
            json!(1),
            "expected string or null",
        );
        for name in TYPE_NAMES {
            assert!(check_schema(&json!({"type": name})).is_ok());
        }
    }

    #[test]
    fn enum_and_const() {
        ok(json!({"enum": ["a", 1]}), json!(1));
        rejects(
            json!({"enum": ["a", 1]}),
            json!("b"),
            "not one of the allowed values",
        );
        ok(json!({"const": {"x": 1}}), json!({"x": 1}));
        rejects(json!({"const": 1}), json!(2), "expected the constant 1");
    }

    #[test]
    fn objects_required_properties_and_additional() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1}},
            "additionalProperties": false
        });
        ok(schema.clone(), json!({"name": "x"}));
        rejects(
            schema.clone(),
            json!({}),
            "missing required property `name`",
        );
        rejects(
            schema.clone(),
            json!({"name": ""}),
            "at /name: expected at least 1 characters",
        );
        rejects(
            schema,
            json!({"name": "x", "extra": 1}),
            "property `extra` is not allowed",
        );
        let typed_extra = json!({"additionalProperties": {"type": "number"}});
        ok(typed_extra.clone(), json!({"a": 1}));
        rejects(typed_extra, json!({"a": "s"}), "at /a: expected number");
    }

    #[test]
    fn arrays_items_and_bounds() {
        let schema =
            json!({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2});
        ok(schema.clone(), json!([1]));
        rejects(schema.clone(), json!([]), "at least 1 items");
        rejects(schema.clone(), json!([1, 2, 3]), "at most 2 items");
        rejects(schema, json!([1, "x"]), "at /1: expected integer");
    }

    #[test]
    fn strings_count_characters_not_bytes() {
        ok(json!({"maxLength": 2}), json!("éé"));
        rejects(
            json!({"maxLength": 2}),
            json!("abc"),
            "at most 2 characters",
        );
    }

    #[test]
    fn numbers_minimum_and_maximum() {
        ok(json!({"minimum": 0, "maximum": 10}), json!(10));
        rejects(json!({"minimum": 0}), json!(-1), "less than the minimum");
        rejects(
            json!({"maximum": 1.5}),
            json!(2),
            "greater than the maximum",
        );
    }

    #[test]
    fn combinators() {
        let any_of = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
        ok(any_of.clone(), json!(1));
        rejects(any_of, json!(null), "none of the anyOf");
        let one_of = json!({"oneOf": [{"type": "number"}, {"type": "integer"}]});
        ok(one_of.clone(), json!(1.5));
        rejects(one_of, json!(1), "matches 2 of the oneOf");
        let all_of = json!({"allOf": [{"type": "integer"}, {"minimum": 5}]});
        ok(all_of.clone(), json!(6));
        rejects(all_of, json!(4), "less than the minimum");
    }

    #[test]
    fn malformed_schemas_are_named() {
        for (schema, detail) in [
            (json!(5), "must be an object or a boolean"),
            (json!({"type": "text"}), "`type`"),
            (json!({"type": []}), "`type`"),
            (json!({"enum": 1}), "`enum`"),
            (json!({"anyOf": []}), "`anyOf`"),
            (json!({"properties": []}), "`properties`"),
            (json!({"properties": {"a": 1}}), "/properties/a"),
            (json!({"required": [1]}), "`required`"),
            (json!({"minItems": -1}), "`minItems`"),
            (json!({"maximum": "x"}), "`maximum`"),
            (json!({"items": {"type": 3}}), "`type` at /items"),
        ] {
            let error = check_schema(&schema).expect_err("malformed");
            assert!(error.contains(detail), "{error} should contain {detail}");
        }
    }
}
