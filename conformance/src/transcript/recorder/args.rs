//! A call's arguments as transcript nodes, in the trait's parameter order
//! (the order the call's serde shape writes its fields in).

use crate::transcript::yaml::Node;
use procreg::RegistryCall;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// The fields of a JSON object, in the order they were written.
struct OrderedFields(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for OrderedFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;

        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = OrderedFields;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedFields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    fields.push(entry);
                }
                Ok(OrderedFields(fields))
            }
        }

        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// The call's arguments by parameter name, in parameter order; each value
/// as its JSON form (keys of nested objects sorted).
pub(super) fn call_args(call: &RegistryCall) -> Vec<(String, Node)> {
    let fields = serde_json::to_string(call)
        .ok()
        .and_then(|text| serde_json::from_str::<OrderedFields>(&text).ok())
        .map(|fields| fields.0)
        .unwrap_or_default();
    fields
        .into_iter()
        .filter(|(name, _)| name != "method")
        .map(|(name, value)| (name, Node::from_json(&value)))
        .collect()
}
