//! Writing entities as JSON: the normalized, concise and simplified (keyValues)
//! representations, and GeoJSON features (`application/geo+json`).
//!
//! ```
//! use citytwin::ngsi_ld::render::{render, Format};
//! use citytwin::ngsi_ld::{parse_entity, Representation};
//! let json = serde_json::json!({"id": "urn:a", "type": "Building",
//!     "height": {"type": "Property", "value": 12, "unitCode": "MTR"}});
//! let e = parse_entity(&json, Representation::Normalized).unwrap().0;
//! assert_eq!(render(&e, Format::Normalized), json);
//! assert_eq!(render(&e, Format::Simplified)["height"], 12);
//! ```

use super::model::{Attribute, AttributeKind, Entity};
use serde_json::{Map, Value, json};

/// An output representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Every attribute as an object with its `type`.
    Normalized,
    /// Lossless but compact.
    Concise,
    /// Values only (keyValues).
    Simplified,
}

impl Format {
    /// Reads `format=` / `options=` values (`normalized`, `concise`, `simplified`,
    /// `keyValues`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "normalized" => Some(Self::Normalized),
            "concise" => Some(Self::Concise),
            "simplified" | "keyValues" => Some(Self::Simplified),
            _ => None,
        }
    }

    /// The `format=` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Normalized => "normalized",
            Self::Concise => "concise",
            Self::Simplified => "simplified",
        }
    }
}

/// An entity in a representation. Attributes come out in name order.
pub fn render(e: &Entity, format: Format) -> Value {
    let mut out = Map::new();
    out.insert("id".to_owned(), Value::String(e.id.clone()));
    out.insert("type".to_owned(), types_value(&e.types));
    if !e.scope.is_empty() {
        // One scope is written as a string, several as a list (as the type).
        out.insert("scope".to_owned(), types_value(&e.scope));
    }
    for (name, instances) in &e.attributes {
        if let Some(v) = attribute_value(instances, format) {
            out.insert(name.clone(), v);
        }
    }
    Value::Object(out)
}

fn types_value(types: &[String]) -> Value {
    match types {
        [one] => Value::String(one.clone()),
        many => json!(many),
    }
}

/// One attribute (all its instances) in a representation.
pub fn attribute_value(instances: &[Attribute], format: Format) -> Option<Value> {
    match (instances, format) {
        ([], _) => None,
        ([one], _) => Some(instance(one, format)),
        (many, Format::Simplified) => {
            // keyValues shows the default instance (no datasetId), else the first.
            let chosen = many
                .iter()
                .find(|a| a.dataset_id.is_none())
                .unwrap_or(&many[0]);
            Some(instance(chosen, format))
        }
        // Several instances: each as an object (never bare), so they read back as instances.
        (many, Format::Concise) => Some(Value::Array(
            many.iter()
                .map(|a| instance(a, Format::Normalized))
                .collect(),
        )),
        (many, _) => Some(Value::Array(
            many.iter().map(|a| instance(a, format)).collect(),
        )),
    }
}

fn has_details(a: &Attribute) -> bool {
    a.unit_code.is_some()
        || a.observed_at.is_some()
        || a.dataset_id.is_some()
        || a.lang.is_some()
        || !a.sub_attributes.is_empty()
}

fn instance(a: &Attribute, format: Format) -> Value {
    let member = a.kind.content_member();
    match format {
        Format::Simplified => match a.kind {
            AttributeKind::Property
            | AttributeKind::GeoProperty
            | AttributeKind::Relationship
            | AttributeKind::ListProperty
            | AttributeKind::ListRelationship => a.value.clone(),
            AttributeKind::LanguageProperty
            | AttributeKind::VocabProperty
            | AttributeKind::JsonProperty => {
                json!({ member: a.value })
            }
        },
        Format::Concise => {
            let bare_ok = matches!(a.kind, AttributeKind::Property | AttributeKind::GeoProperty)
                && !has_details(a)
                && (a.kind == AttributeKind::GeoProperty || !a.value.is_object());
            if bare_ok {
                return a.value.clone();
            }
            let mut m = Map::new();
            m.insert(member.to_owned(), a.value.clone());
            details(a, &mut m, format);
            Value::Object(m)
        }
        Format::Normalized => {
            let mut m = Map::new();
            m.insert("type".to_owned(), Value::String(a.kind.name().to_owned()));
            m.insert(member.to_owned(), a.value.clone());
            details(a, &mut m, format);
            Value::Object(m)
        }
    }
}

fn details(a: &Attribute, m: &mut Map<String, Value>, format: Format) {
    if let Some(u) = &a.unit_code {
        m.insert("unitCode".to_owned(), Value::String(u.clone()));
    }
    if let Some(t) = &a.observed_at {
        m.insert("observedAt".to_owned(), Value::String(t.clone()));
    }
    if let Some(d) = &a.dataset_id {
        m.insert("datasetId".to_owned(), Value::String(d.clone()));
    }
    if let Some(l) = &a.lang {
        m.insert("lang".to_owned(), Value::String(l.clone()));
    }
    for (name, subs) in &a.sub_attributes {
        if let Some(v) = attribute_value(subs, format) {
            m.insert(name.clone(), v);
        }
    }
}

/// An entity as a GeoJSON Feature: `geometry` from the GeoProperty `geoproperty` (null if
/// absent), the type and other attributes under `properties`.
pub fn to_feature(e: &Entity, format: Format, geoproperty: &str) -> Value {
    let geometry = e
        .attribute(geoproperty)
        .filter(|a| a.kind == AttributeKind::GeoProperty)
        .map_or(Value::Null, |a| a.value.clone());
    let Value::Object(mut properties) = render(e, format) else {
        unreachable!("render returns an object")
    };
    properties.remove("id");
    json!({"id": e.id, "type": "Feature", "geometry": geometry, "properties": properties})
}

/// Entities as a GeoJSON FeatureCollection.
pub fn to_feature_collection(entities: &[Entity], format: Format, geoproperty: &str) -> Value {
    json!({
        "type": "FeatureCollection",
        "features": entities.iter().map(|e| to_feature(e, format, geoproperty)).collect::<Vec<_>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ngsi_ld::{Representation, parse_entity};

    fn entity() -> Entity {
        parse_entity(
            &json!({"id": "urn:E1", "type": "T",
                "p": {"type": "Property", "value": 1},
                "o": {"type": "Property", "value": {"k": "v"}},
                "u": {"type": "Property", "value": 2, "unitCode": "MTR", "sub": {"type": "Property", "value": "s"}},
                "r": {"type": "Relationship", "object": "urn:E2"},
                "g": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}},
                "l": {"type": "LanguageProperty", "languageMap": {"en": "x"}},
                "m": [{"type": "Property", "value": "a"}, {"type": "Property", "value": "b", "datasetId": "urn:d"}]}),
            Representation::Normalized,
        )
        .unwrap()
        .0
    }

    #[test]
    fn every_format_reads_back_the_same() {
        let e = entity();
        for (format, repr) in [
            (Format::Normalized, Representation::Normalized),
            (Format::Concise, Representation::Concise),
        ] {
            let back = parse_entity(&render(&e, format), repr).unwrap().0;
            assert_eq!(back, e, "{format:?} is lossless");
        }
        let kv = render(&e, Format::Simplified);
        assert_eq!(kv["p"], 1);
        assert_eq!(kv["r"], "urn:E2");
        assert_eq!(kv["g"]["type"], "Point");
        assert_eq!(kv["l"], json!({"languageMap": {"en": "x"}}));
        assert_eq!(kv["m"], "a", "keyValues shows the default instance");
    }

    #[test]
    fn concise_shapes() {
        let c = render(&entity(), Format::Concise);
        assert_eq!(c["p"], 1);
        assert_eq!(
            c["o"],
            json!({"value": {"k": "v"}}),
            "object values keep `value`"
        );
        assert_eq!(c["u"], json!({"value": 2, "unitCode": "MTR", "sub": "s"}));
        assert_eq!(c["r"], json!({"object": "urn:E2"}));
    }

    #[test]
    fn features() {
        let f = to_feature(&entity(), Format::Simplified, "g");
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["id"], "urn:E1");
        assert_eq!(f["geometry"]["coordinates"], json!([1, 2]));
        assert_eq!(f["properties"]["type"], "T");
        assert!(f["properties"].get("id").is_none());
        assert_eq!(
            to_feature(&entity(), Format::Simplified, "nothing")["geometry"],
            Value::Null
        );
    }
}
