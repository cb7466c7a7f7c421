//! Discovery payloads: `/types` (EntityTypeList, EntityType, EntityTypeInfo) and `/attributes`
//! (AttributeList, Attribute), read leniently (short or expanded names, single objects or
//! arrays).
//!
//! ```
//! use citytwin::ngsi_ld::discovery::type_names;
//! let list = serde_json::json!({"id": "urn:x", "type": "EntityTypeList", "typeList": ["Building", "https://example.org/Vehicle"]});
//! assert_eq!(type_names(&list), ["Building", "Vehicle"]);
//! ```

use super::short_name;
use serde_json::Value;

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| short_name(s).to_owned())
        .collect()
}

fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Sorted, unique type names from an EntityTypeList, or from EntityType details.
pub fn type_names(v: &Value) -> Vec<String> {
    names(v, "typeList", "typeName")
}

/// Sorted, unique attribute names from an AttributeList, or from Attribute details.
pub fn attribute_names(v: &Value) -> Vec<String> {
    names(v, "attributeList", "attributeName")
}

/// The names of a list (`list` member) or of details (`name` member of each item).
fn names(v: &Value, list: &str, name: &str) -> Vec<String> {
    let mut names: Vec<String> = items(v)
        .into_iter()
        .flat_map(|i| {
            let mut n = strings(i.get(list));
            n.extend(
                i.get(name)
                    .and_then(Value::as_str)
                    .map(|s| short_name(s).to_owned()),
            );
            n
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// One entity type with details (`/types?details=true`, `/types/{type}`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TypeDetails {
    /// The type's short name.
    pub name: String,
    /// Entities of the type, when given (EntityTypeInfo).
    pub entity_count: Option<u64>,
    /// Attribute names with their kinds (kinds empty when not given).
    pub attributes: Vec<(String, Vec<String>)>,
}

/// Type details from an EntityType array or an EntityTypeInfo.
pub fn type_details(v: &Value) -> Vec<TypeDetails> {
    items(v)
        .into_iter()
        .filter_map(|i| {
            let name = short_name(i.get("typeName")?.as_str()?).to_owned();
            let mut attributes: Vec<(String, Vec<String>)> = strings(i.get("attributeNames"))
                .into_iter()
                .map(|a| (a, Vec::new()))
                .collect();
            for d in i
                .get("attributeDetails")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(a) = d.get("attributeName").and_then(Value::as_str) {
                    attributes.push((short_name(a).to_owned(), strings(d.get("attributeTypes"))));
                }
            }
            Some(TypeDetails {
                name,
                entity_count: i.get("entityCount").and_then(Value::as_u64),
                attributes,
            })
        })
        .collect()
}

/// One attribute with details (`/attributes?details=true`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttributeDetails {
    /// The attribute's short name.
    pub name: String,
    /// The entity types that have it.
    pub type_names: Vec<String>,
    /// How many entities have it, when given.
    pub count: Option<u64>,
}

/// Attribute details from an Attribute array.
pub fn attribute_details(v: &Value) -> Vec<AttributeDetails> {
    items(v)
        .into_iter()
        .filter_map(|i| {
            Some(AttributeDetails {
                name: short_name(i.get("attributeName")?.as_str()?).to_owned(),
                type_names: strings(i.get("typeNames")),
                count: i.get("attributeCount").and_then(Value::as_u64),
            })
        })
        .collect()
}
