//! Where two JSON values first differ: the path a failure message should point at.

use serde_json::Value;
use std::collections::BTreeSet;

/// The first difference between two values: its JSON pointer and both sides there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    /// RFC 6901 pointer of the first differing node (`""` for the root).
    pub(crate) path: String,
    /// The expected value at `path`.
    pub(crate) expected: Value,
    /// The observed value at `path`.
    pub(crate) observed: Value,
}

/// The first difference, walking objects by sorted key and equal-length arrays by index.
pub(crate) fn first_difference(expected: &Value, observed: &Value) -> Option<Difference> {
    if expected == observed {
        return None;
    }
    let mut path = String::new();
    let (mut left, mut right) = (expected, observed);
    loop {
        let next = match (left, right) {
            (Value::Object(l), Value::Object(r)) => {
                let keys: BTreeSet<&String> = l.keys().chain(r.keys()).collect();
                // A key present on one side only stops the walk at this object.
                keys.into_iter()
                    .find(|key| l.get(*key) != r.get(*key))
                    .and_then(|key| Some((escape(key), l.get(key)?, r.get(key)?)))
            }
            (Value::Array(l), Value::Array(r)) if l.len() == r.len() => l
                .iter()
                .zip(r)
                .position(|(l, r)| l != r)
                .map(|index| (index.to_string(), &l[index], &r[index])),
            _ => None,
        };
        match next {
            Some((segment, l, r)) => {
                path.push('/');
                path.push_str(&segment);
                left = l;
                right = r;
            }
            None => {
                return Some(Difference {
                    path,
                    expected: left.clone(),
                    observed: right.clone(),
                })
            }
        }
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn points_at_the_deepest_common_difference() {
        let found = first_difference(
            &json!({"a": {"b": [1, 2]}, "c": 1}),
            &json!({"a": {"b": [1, 3]}, "c": 1}),
        )
        .expect("differs");
        assert_eq!(found.path, "/a/b/1");
        assert_eq!((found.expected, found.observed), (json!(2), json!(3)));
    }

    #[test]
    fn stops_where_shapes_differ() {
        let found = first_difference(&json!({"a": [1]}), &json!({"a": [1, 2]})).expect("differs");
        assert_eq!(found.path, "/a");
        let missing = first_difference(&json!({"a/b": 1}), &json!({})).expect("differs");
        assert_eq!(missing.path, "");
        assert!(first_difference(&json!(1), &json!(1)).is_none());
    }
}
