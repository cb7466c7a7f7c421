//! The NGSI-LD information model as citytwin holds it.

use serde_json::Value;
use std::collections::BTreeMap;

/// The kind of an attribute, as its `type` member says in the normalized representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttributeKind {
    /// `Property`: any JSON value.
    Property,
    /// `GeoProperty`: a GeoJSON geometry.
    GeoProperty,
    /// `Relationship`: the URI of another entity (or several) in `object`.
    Relationship,
    /// `LanguageProperty`: a `languageMap` of strings by language tag.
    LanguageProperty,
    /// `VocabProperty` (`VocabularyProperty` in NGSI-LD 1.7): a term or terms in `vocab`.
    VocabProperty,
    /// `JsonProperty`: an uninterpreted JSON value in `json`.
    JsonProperty,
    /// `ListProperty`: an ordered list in `valueList`.
    ListProperty,
    /// `ListRelationship`: an ordered list of URIs in `objectList`.
    ListRelationship,
}

impl AttributeKind {
    /// Reads a normalized `type` member (`"Property"`, `"GeoProperty"`, …), accepting the
    /// expanded IRI forms and the NGSI-LD 1.7 name `VocabularyProperty`.
    pub fn from_type_name(name: &str) -> Option<Self> {
        let short = name.rsplit(['/', '#', ':']).next().unwrap_or(name);
        Some(match short {
            "Property" => Self::Property,
            "GeoProperty" => Self::GeoProperty,
            "Relationship" => Self::Relationship,
            "LanguageProperty" => Self::LanguageProperty,
            "VocabProperty" | "VocabularyProperty" => Self::VocabProperty,
            "JsonProperty" => Self::JsonProperty,
            "ListProperty" => Self::ListProperty,
            "ListRelationship" => Self::ListRelationship,
            _ => return None,
        })
    }

    /// The normalized `type` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Property => "Property",
            Self::GeoProperty => "GeoProperty",
            Self::Relationship => "Relationship",
            Self::LanguageProperty => "LanguageProperty",
            Self::VocabProperty => "VocabProperty",
            Self::JsonProperty => "JsonProperty",
            Self::ListProperty => "ListProperty",
            Self::ListRelationship => "ListRelationship",
        }
    }

    /// The member that carries the attribute's content in the normalized representation.
    pub fn content_member(self) -> &'static str {
        match self {
            Self::Property | Self::GeoProperty => "value",
            Self::Relationship => "object",
            Self::LanguageProperty => "languageMap",
            Self::VocabProperty => "vocab",
            Self::JsonProperty => "json",
            Self::ListProperty => "valueList",
            Self::ListRelationship => "objectList",
        }
    }
}

/// One instance of an attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// What kind of attribute this is.
    pub kind: AttributeKind,
    /// The content: the `value`, `object`, `languageMap`, `vocab`, `json`, `valueList` or
    /// `objectList` member. JSON-LD typed literals (`{"@type": …, "@value": …}`) are kept as
    /// they are; [`Attribute::display_value`] unwraps them.
    pub value: Value,
    /// `unitCode` (UN/CEFACT code, e.g. `MTR` for metres).
    pub unit_code: Option<String>,
    /// `observedAt` timestamp as sent.
    pub observed_at: Option<String>,
    /// `datasetId`, which tells instances of a multi-attribute apart.
    pub dataset_id: Option<String>,
    /// `lang`: the language of a Property's string value, as a LanguageProperty answered in
    /// one language carries it.
    pub lang: Option<String>,
    /// Nested sub-attributes (Property of Property, …), by short name.
    pub sub_attributes: BTreeMap<String, Vec<Attribute>>,
}

impl Attribute {
    /// A Property with a value and nothing else.
    pub fn property(value: Value) -> Self {
        Self::new(AttributeKind::Property, value)
    }

    /// An attribute of the given kind with its content and nothing else.
    pub fn new(kind: AttributeKind, value: Value) -> Self {
        Self {
            kind,
            value,
            unit_code: None,
            observed_at: None,
            dataset_id: None,
            lang: None,
            sub_attributes: BTreeMap::new(),
        }
    }

    /// A LanguageProperty answered in one language (the `lang` parameter, clause 4.15): a
    /// Property whose value is the string in the best language of `lang` (a list such as
    /// `fr-CH,fr;q=0.9,*;q=0.5`, ranked by `q`), with `lang` saying which. Other attributes
    /// are unchanged.
    ///
    /// ```
    /// use citytwin::ngsi_ld::{Attribute, AttributeKind};
    /// let a = Attribute::new(AttributeKind::LanguageProperty, serde_json::json!({"fr": "Grand Place", "nl": "Grote Markt"}));
    /// let one = a.in_language("en,nl;q=0.9");
    /// assert_eq!((one.kind, one.value.as_str(), one.lang.as_deref()), (AttributeKind::Property, Some("Grote Markt"), Some("nl")));
    /// ```
    pub fn in_language(&self, lang: &str) -> Self {
        let Some(map) = self
            .value
            .as_object()
            .filter(|_| self.kind == AttributeKind::LanguageProperty)
        else {
            return self.clone();
        };
        let mut wanted: Vec<(f64, usize, &str)> = lang
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut bits = part.split(';');
                let tag = bits.next()?.trim();
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty()).then_some((q, i, tag))
            })
            .collect();
        wanted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let found = wanted.iter().find_map(|(_, _, tag)| {
            if *tag == "*" {
                return map
                    .iter()
                    .find(|(k, _)| *k != "@none")
                    .or_else(|| map.iter().next());
            }
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(tag))
                .or_else(|| {
                    // `fr` also takes `fr-BE`.
                    map.iter().find(|(k, _)| {
                        k.len() > tag.len()
                            && k[..tag.len()].eq_ignore_ascii_case(tag)
                            && k.as_bytes()[tag.len()] == b'-'
                    })
                })
        });
        let (tag, text) = match found
            .or_else(|| map.get_key_value("@none"))
            .or_else(|| map.iter().next())
        {
            Some(x) => x,
            None => return self.clone(),
        };
        let mut out = self.clone();
        out.kind = AttributeKind::Property;
        out.value = text.clone();
        out.lang = (tag != "@none").then(|| tag.clone());
        out
    }

    /// Whether this is NGSI-LD Null (`urn:ngsi-ld:null` as the value, object, or the one
    /// member of a languageMap, clause 4.5.0): in a change, the instance is deleted.
    ///
    /// ```
    /// use citytwin::ngsi_ld::Attribute;
    /// assert!(Attribute::property(serde_json::json!("urn:ngsi-ld:null")).is_null());
    /// assert!(!Attribute::property(serde_json::json!(0)).is_null());
    /// ```
    pub fn is_null(&self) -> bool {
        const NULL: &str = "urn:ngsi-ld:null";
        match &self.value {
            Value::String(s) => s == NULL,
            Value::Array(items) => items.len() == 1 && items[0] == NULL,
            Value::Object(m) => {
                m.len() == 1 && m.values().next().and_then(Value::as_str) == Some(NULL)
            }
            _ => false,
        }
    }

    /// The first instance of a sub-attribute.
    pub fn sub(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes.get(name).and_then(|v| v.first())
    }

    /// The value with JSON-LD typed literals unwrapped (`{"@value": v}` → `v`).
    pub fn plain_value(&self) -> &Value {
        unwrap_typed(&self.value)
    }

    /// The value as a number, if it is one (typed literals and numeric strings included).
    pub fn as_f64(&self) -> Option<f64> {
        match self.plain_value() {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as a string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        self.plain_value().as_str()
    }

    /// A one-line human-readable rendering of the value, with its unit when there is one.
    pub fn display_value(&self) -> String {
        let mut text = display_json(self.plain_value());
        if let Some(unit) = &self.unit_code {
            text.push(' ');
            text.push_str(unit_symbol(unit));
        }
        text
    }
}

/// `{"@type": …, "@value": v}` → `v`; anything else unchanged.
fn unwrap_typed(v: &Value) -> &Value {
    match v {
        Value::Object(map) => map.get("@value").unwrap_or(v),
        _ => v,
    }
}

/// Renders JSON for people: strings without quotes, arrays joined with commas, objects as
/// `key: value` pairs.
pub(crate) fn display_json(v: &Value) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|i| display_json(unwrap_typed(i)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(map) => {
            if let Some(inner) = map.get("@value") {
                return display_json(inner);
            }
            if map.get("type").and_then(Value::as_str).is_some() && map.contains_key("coordinates")
            {
                let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
                return format!("{kind} geometry");
            }
            map.iter()
                .map(|(k, v)| format!("{k}: {}", display_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// The symbol of common UN/CEFACT unit codes, else the code itself.
pub(crate) fn unit_symbol(code: &str) -> &str {
    match code {
        "MTR" => "m",
        "CMT" => "cm",
        "MMT" => "mm",
        "KMT" => "km",
        "FOT" => "ft",
        "MTK" => "m²",
        "CEL" => "°C",
        "P1" => "%",
        "GQ" => "µg/m³",
        "2N" => "dB",
        "KMH" => "km/h",
        "MTS" => "m/s",
        "A97" => "hPa",
        "WTT" => "W",
        "KWH" => "kWh",
        other => other,
    }
}

/// An NGSI-LD entity: id, type(s), optional scopes, and attributes by short name, each with
/// one or more instances (several when `datasetId`s differ).
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// The entity id (a URI such as `urn:ngsi-ld:Building:way-34633854`).
    pub id: String,
    /// The entity type or types, as short names.
    pub types: Vec<String>,
    /// `scope` values, if any.
    pub scope: Vec<String>,
    /// Attributes by short name (compacted from expanded IRIs where needed).
    pub attributes: BTreeMap<String, Vec<Attribute>>,
}

impl Entity {
    /// An entity with no attributes.
    pub fn new(id: impl Into<String>, entity_type: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            types: vec![entity_type.into()],
            scope: Vec::new(),
            attributes: BTreeMap::new(),
        }
    }

    /// The first (default) instance of an attribute.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.get(name).and_then(|v| v.first())
    }

    /// Whether the entity has this type.
    pub fn has_type(&self, t: &str) -> bool {
        self.types.iter().any(|x| x == t)
    }

    /// The types joined with commas, for display.
    pub fn type_label(&self) -> String {
        self.types.join(", ")
    }
}
