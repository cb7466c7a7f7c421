//! Parsing NGSI-LD payloads leniently: what can be read is kept, what cannot is reported.

use super::model::{Attribute, AttributeKind, Entity};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Which representation a payload uses. Brokers answer in the one asked for (`format=`);
/// files may hold any, so [`Representation::Auto`] decides per attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Representation {
    /// Every attribute is an object with a `type` (`Property`, `Relationship`, …).
    Normalized,
    /// Lossless but compact: bare values where there is nothing else, `{"value": …}`,
    /// `{"object": …}`, `{"languageMap": …}` otherwise; `type` optional.
    Concise,
    /// keyValues: every attribute is its bare value.
    Simplified,
    /// Decide per attribute (normalized or concise where the shape says so, else a value).
    #[default]
    Auto,
}

/// Maps expanded names (IRIs) to the short names citytwin uses, as the terms of a JSON-LD
/// @context would; names not listed lose their prefix ([`short_name`]). [`Terms::keep`] keeps
/// every name as received (the local broker expands and compacts names itself, with the
/// request's @context).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    map: std::collections::HashMap<String, String>,
    keep: bool,
}

impl Terms {
    /// Terms from (IRI, short name) pairs.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            map: pairs.into_iter().collect(),
            keep: false,
        }
    }

    /// Names kept exactly as received.
    pub fn keep() -> Self {
        Self {
            map: Default::default(),
            keep: true,
        }
    }

    /// The short name for an attribute or type name as received.
    pub fn short<'a>(&'a self, name: &'a str) -> &'a str {
        if self.keep {
            return name;
        }
        self.map
            .get(name)
            .map_or_else(|| short_name(name), String::as_str)
    }
}

/// How to read: the representation and the terms.
#[derive(Debug, Clone, Copy)]
struct Cx<'a> {
    repr: Representation,
    terms: &'a Terms,
}

/// Something in a payload that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedItem {
    /// The entity id, or a position such as `item 12` when there is no id.
    pub id: String,
    /// Why it was skipped, in words a user can act on.
    pub reason: String,
}

/// The result of parsing a payload: the entities read and the items skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedPayload {
    /// Entities read (possibly with some attributes skipped, see `skipped`).
    pub entities: Vec<Entity>,
    /// Entities or attributes that could not be read.
    pub skipped: Vec<SkippedItem>,
}

/// Members of an attribute object that are not sub-attributes.
const RESERVED_ATTRIBUTE_MEMBERS: &[&str] = &[
    "type",
    "value",
    "object",
    "languageMap",
    "vocab",
    "json",
    "valueList",
    "objectList",
    "unitCode",
    "observedAt",
    "datasetId",
    "lang",
    "createdAt",
    "modifiedAt",
    "deletedAt",
    "instanceId",
    "previousValue",
    "previousObject",
    "previousLanguageMap",
    "previousVocab",
    "previousJson",
    "previousValueList",
    "previousObjectList",
    "objectType",
    "lang",
    "@context",
];

/// Members of an entity that are not attributes.
const RESERVED_ENTITY_MEMBERS: &[&str] = &[
    "id",
    "@id",
    "type",
    "@type",
    "scope",
    "@context",
    "createdAt",
    "modifiedAt",
    "deletedAt",
];

const GEOJSON_GEOMETRY_TYPES: &[&str] = &[
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

/// The short name of an attribute or type: expanded IRIs and CURIEs lose their prefix
/// (`https://smartdatamodels.org/dataModel.Building/category` → `category`,
/// `ngsi-ld:name` → `name`); short names stay as they are.
///
/// ```
/// use citytwin::ngsi_ld::short_name;
/// assert_eq!(short_name("https://uri.etsi.org/ngsi-ld/location"), "location");
/// assert_eq!(short_name("https://schema.org/name#x"), "x");
/// assert_eq!(short_name("ngsi-ld:name"), "name");
/// assert_eq!(short_name("height"), "height");
/// ```
pub fn short_name(name: &str) -> &str {
    if name.contains("://") {
        return name
            .rsplit(['/', '#'])
            .find(|s| !s.is_empty())
            .unwrap_or(name);
    }
    match name.split_once(':') {
        // A CURIE `prefix:term` (but not a URN such as `urn:ngsi-ld:…`, which is a value).
        Some((prefix, term)) if !term.is_empty() && prefix != "urn" => term,
        _ => name,
    }
}

/// Parses any payload a broker or file may hold. Never fails: what cannot be read is listed
/// in [`ParsedPayload::skipped`].
pub fn parse_payload(payload: &Value, repr: Representation) -> ParsedPayload {
    parse_payload_with(payload, repr, &Terms::default())
}

/// [`parse_payload`] with terms for expanded names.
pub fn parse_payload_with(payload: &Value, repr: Representation, terms: &Terms) -> ParsedPayload {
    let mut out = ParsedPayload::default();
    collect(payload, Cx { repr, terms }, &mut out, "payload", 0);
    out
}

fn collect(v: &Value, cx: Cx<'_>, out: &mut ParsedPayload, at: &str, depth: usize) {
    if depth > 4 {
        out.skipped.push(SkippedItem {
            id: at.to_owned(),
            reason: "nested too deeply to be an NGSI-LD payload".to_owned(),
        });
        return;
    }
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_item(item, i, cx, out);
            }
        }
        Value::Object(o) => {
            let kind = o.get("type").and_then(Value::as_str);
            if kind == Some("FeatureCollection") {
                let Some(Value::Array(features)) = o.get("features") else {
                    out.skipped.push(SkippedItem {
                        id: at.to_owned(),
                        reason: "a FeatureCollection without a `features` array".to_owned(),
                    });
                    return;
                };
                for (i, f) in features.iter().enumerate() {
                    let here = format!("feature {i}");
                    match f {
                        Value::Object(fo) => push_entity(feature_to_entity(fo, cx, i), &here, out),
                        _ => out.skipped.push(SkippedItem {
                            id: here,
                            reason: format!("expected a Feature object, found {}", json_kind(f)),
                        }),
                    }
                }
            } else if kind == Some("Feature") {
                push_entity(feature_to_entity(o, cx, 0), at, out);
            } else if kind == Some("Notification")
                || (o.contains_key("subscriptionId") && o.contains_key("data"))
            {
                match o.get("data") {
                    Some(data @ Value::Array(_)) => collect(data, cx, out, at, depth + 1),
                    _ => out.skipped.push(SkippedItem {
                        id: str_member(o, "id").unwrap_or(at).to_owned(),
                        reason: "a notification without a `data` array".to_owned(),
                    }),
                }
            } else if let Some(body) = o.get("body").filter(|_| !o.contains_key("id")) {
                // MQTT envelope from Orion-LD / Scorpio: {"body": <notification>, "metadata": …}.
                collect(body, cx, out, at, depth + 1);
            } else {
                push_entity(entity(v, cx), at, out);
            }
        }
        _ => out.skipped.push(SkippedItem {
            id: at.to_owned(),
            reason: format!(
                "expected an NGSI-LD entity, an array of entities, a notification or GeoJSON, \
                 found {}",
                json_kind(v)
            ),
        }),
    }
}

/// Item `i` of an array of entities or Features, added to `out`: for reading a large array
/// one item at a time ([`super::salvage::each_element`]) without holding it all as JSON.
pub fn parse_array_item(item: &Value, i: usize, repr: Representation, out: &mut ParsedPayload) {
    let terms = Terms::default();
    collect_item(
        item,
        i,
        Cx {
            repr,
            terms: &terms,
        },
        out,
    );
}

fn collect_item(item: &Value, i: usize, cx: Cx<'_>, out: &mut ParsedPayload) {
    let here = format!("item {i}");
    match item {
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("Feature") => {
            push_entity(feature_to_entity(o, cx, i), &here, out);
        }
        Value::Object(_) => push_entity(entity(item, cx), &here, out),
        _ => out.skipped.push(SkippedItem {
            id: here,
            reason: format!("expected an entity object, found {}", json_kind(item)),
        }),
    }
}

fn push_entity(r: Result<(Entity, Vec<SkippedItem>), String>, at: &str, out: &mut ParsedPayload) {
    match r {
        Ok((entity, skipped)) => {
            out.entities.push(entity);
            out.skipped.extend(skipped);
        }
        Err(reason) => out.skipped.push(SkippedItem {
            id: at.to_owned(),
            reason,
        }),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn str_member<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str)
}

/// A notification: which subscription it answers, and the entities it carries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Notification {
    /// The notification id.
    pub id: Option<String>,
    /// The subscription it answers.
    pub subscription_id: String,
    /// When the broker sent it.
    pub notified_at: Option<String>,
    /// The entities in `data`.
    pub data: ParsedPayload,
}

/// Reads a notification, bare (HTTP) or inside an MQTT envelope (`{"body": …, "metadata": …}`).
pub fn parse_notification(v: &Value, repr: Representation) -> Result<Notification, String> {
    let v = match v.get("body") {
        Some(body) if v.get("subscriptionId").is_none() => body,
        _ => v,
    };
    let o = v
        .as_object()
        .ok_or("a notification must be a JSON object")?;
    let subscription_id = str_member(o, "subscriptionId")
        .ok_or("a notification needs a subscriptionId")?
        .to_owned();
    let data = o.get("data").ok_or("a notification needs `data`")?;
    if !data.is_array() {
        return Err("a notification's `data` must be an array".to_owned());
    }
    Ok(Notification {
        id: str_member(o, "id").map(str::to_owned),
        subscription_id,
        notified_at: str_member(o, "notifiedAt").map(str::to_owned),
        data: parse_payload(data, repr),
    })
}

/// Parses one entity object. Returns the entity and the attributes that had to be skipped,
/// or an error when the object is not an entity at all (no id or no type).
pub fn parse_entity(v: &Value, repr: Representation) -> Result<(Entity, Vec<SkippedItem>), String> {
    entity(
        v,
        Cx {
            repr,
            terms: &Terms::default(),
        },
    )
}

/// [`parse_entity`] with terms for expanded names.
pub fn parse_entity_with(
    v: &Value,
    repr: Representation,
    terms: &Terms,
) -> Result<(Entity, Vec<SkippedItem>), String> {
    entity(v, Cx { repr, terms })
}

fn entity(v: &Value, cx: Cx<'_>) -> Result<(Entity, Vec<SkippedItem>), String> {
    let Value::Object(o) = v else {
        return Err(format!("expected an entity object, found {}", json_kind(v)));
    };
    let id = match o.get("id").or_else(|| o.get("@id")) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(other) => {
            return Err(format!(
                "the entity id must be a non-empty string, found {}",
                json_kind(other)
            ));
        }
        None => return Err("the entity has no `id`".to_owned()),
    };
    let types = read_types(o.get("type").or_else(|| o.get("@type")), cx.terms)
        .map_err(|e| format!("entity {id}: {e}"))?;
    let scope = match o.get("scope") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let mut entity = Entity {
        id,
        types,
        scope,
        attributes: BTreeMap::new(),
    };
    let mut skipped = Vec::new();
    for (key, value) in o {
        if RESERVED_ENTITY_MEMBERS.contains(&key.as_str()) {
            continue;
        }
        let name = cx.terms.short(key).to_owned();
        match parse_attribute(value, cx) {
            Ok(instances) => entity.attributes.entry(name).or_default().extend(instances),
            Err(reason) => skipped.push(SkippedItem {
                id: entity.id.clone(),
                reason: format!("attribute `{name}` skipped: {reason}"),
            }),
        }
    }
    Ok((entity, skipped))
}

fn read_types(v: Option<&Value>, terms: &Terms) -> Result<Vec<String>, String> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(vec![terms.short(s).to_owned()]),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|t| match t {
                Value::String(s) if !s.trim().is_empty() => Ok(terms.short(s).to_owned()),
                other => Err(format!(
                    "an entity type must be a string, found {}",
                    json_kind(other)
                )),
            })
            .collect(),
        Some(other) => Err(format!(
            "the entity type must be a string or a list of strings, found {}",
            json_kind(other)
        )),
        None => Err("the entity has no `type`".to_owned()),
    }
}

/// Parses one attribute member: a single instance or an array of instances.
fn parse_attribute(v: &Value, cx: Cx<'_>) -> Result<Vec<Attribute>, String> {
    let repr = cx.repr;
    if let Value::Array(items) = v
        && repr != Representation::Simplified
        && !items.is_empty()
        && items.iter().all(|i| looks_like_instance(i, repr))
        && (repr == Representation::Normalized
            || items
                .iter()
                .any(|i| i.get("datasetId").is_some() || i.get("type").is_some()))
    {
        return items.iter().map(|i| parse_instance(i, cx)).collect();
    }
    parse_instance(v, cx).map(|a| vec![a])
}

/// Whether an array element is an attribute instance (a multi-attribute) rather than part
/// of an array value.
fn looks_like_instance(v: &Value, repr: Representation) -> bool {
    let Value::Object(o) = v else { return false };
    let typed = o
        .get("type")
        .and_then(Value::as_str)
        .and_then(AttributeKind::from_type_name)
        .is_some();
    match repr {
        Representation::Normalized => typed,
        _ => typed || content_kind(o).is_some(),
    }
}

/// The kind implied by which content member an object has (concise representation).
fn content_kind(o: &Map<String, Value>) -> Option<AttributeKind> {
    use AttributeKind as K;
    [
        ("object", K::Relationship),
        ("languageMap", K::LanguageProperty),
        ("vocab", K::VocabProperty),
        ("json", K::JsonProperty),
        ("valueList", K::ListProperty),
        ("objectList", K::ListRelationship),
        ("value", K::Property),
    ]
    .into_iter()
    .find(|(member, _)| o.contains_key(*member))
    .map(|(_, kind)| kind)
}

fn is_geometry(v: &Value) -> bool {
    let Value::Object(o) = v else { return false };
    o.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| GEOJSON_GEOMETRY_TYPES.contains(&t))
        && (o.contains_key("coordinates") || o.contains_key("geometries"))
}

fn parse_instance(v: &Value, cx: Cx<'_>) -> Result<Attribute, String> {
    let repr = cx.repr;
    let Value::Object(o) = v else {
        return match repr {
            Representation::Normalized => Err(format!(
                "in the normalized representation an attribute is an object, found {}",
                json_kind(v)
            )),
            _ => Ok(Attribute::property(v.clone())),
        };
    };
    let declared = o
        .get("type")
        .and_then(Value::as_str)
        .and_then(AttributeKind::from_type_name);
    let kind = match repr {
        Representation::Normalized => match declared {
            Some(k) => k,
            None => {
                return Err(match o.get("type") {
                    Some(t) => format!("unknown attribute type {t}"),
                    None => "the attribute has no `type`".to_owned(),
                });
            }
        },
        Representation::Simplified => {
            return Ok(if is_geometry(v) {
                Attribute::new(AttributeKind::GeoProperty, v.clone())
            } else if o.contains_key("languageMap") && o.len() == 1 {
                Attribute::new(AttributeKind::LanguageProperty, o["languageMap"].clone())
            } else {
                Attribute::property(v.clone())
            });
        }
        Representation::Concise | Representation::Auto => {
            if is_geometry(v) {
                return Ok(Attribute::new(AttributeKind::GeoProperty, v.clone()));
            }
            if o.contains_key("@value") {
                return Ok(Attribute::property(v.clone()));
            }
            match declared.or_else(|| content_kind(o)) {
                Some(k) => k,
                // A structured value (an address, say) given as a bare value.
                None => return Ok(Attribute::property(v.clone())),
            }
        }
    };
    let member = kind.content_member();
    let content = match (o.get(member), kind) {
        (Some(c), _) => c.clone(),
        // NGSI-LD 1.7 and some brokers render VocabProperty with `value`.
        (None, AttributeKind::VocabProperty) if o.contains_key("value") => o["value"].clone(),
        (None, _) => return Err(format!("a {} needs a `{member}` member", kind.name())),
    };
    if kind == AttributeKind::GeoProperty && !is_geometry(&content) && !content.is_string() {
        return Err("a GeoProperty value must be a GeoJSON geometry".to_owned());
    }
    if kind == AttributeKind::Relationship && !relationship_object_ok(&content) {
        return Err("a Relationship's `object` must be a URI or a list of URIs".to_owned());
    }
    let mut attr = Attribute::new(kind, content);
    attr.unit_code = str_member(o, "unitCode").map(str::to_owned);
    attr.observed_at = match o.get("observedAt") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(t)) => t.get("@value").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    attr.dataset_id = str_member(o, "datasetId").map(str::to_owned);
    attr.lang = str_member(o, "lang").map(str::to_owned);
    for (key, value) in o {
        if RESERVED_ATTRIBUTE_MEMBERS.contains(&key.as_str()) {
            continue;
        }
        let sub = parse_attribute(value, cx).map_err(|e| format!("sub-attribute `{key}`: {e}"))?;
        attr.sub_attributes
            .entry(cx.terms.short(key).to_owned())
            .or_default()
            .extend(sub);
    }
    Ok(attr)
}

fn relationship_object_ok(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => {
            !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.as_str().is_some_and(|s| !s.is_empty()))
        }
        _ => false,
    }
}

/// Turns a GeoJSON Feature into an entity. NGSI-LD's `application/geo+json` features carry
/// the entity type and attributes in `properties`; plain GeoJSON footprint files carry flat
/// values there, which become Properties, and features without a type are Buildings.
fn feature_to_entity(
    f: &Map<String, Value>,
    cx: Cx<'_>,
    index: usize,
) -> Result<(Entity, Vec<SkippedItem>), String> {
    let empty = Map::new();
    let props = match f.get("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => &empty,
        Some(other) => {
            return Err(format!(
                "the feature's properties must be an object, found {}",
                json_kind(other)
            ));
        }
    };
    let id = match f.get("id").or_else(|| props.get("id")) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => format!("feature-{index}"),
    };
    let entity_type = props
        .get("type")
        .cloned()
        .unwrap_or_else(|| Value::String("Building".to_owned()));
    // Plain GeoJSON ids (`way/34633854`) become URNs, as NGSI-LD needs URIs:
    // urn:ngsi-ld:Building:way-34633854.
    let id = if id.contains(':') {
        id
    } else {
        let t = entity_type.as_str().map_or("Thing", |t| cx.terms.short(t));
        format!("urn:ngsi-ld:{t}:{}", id.replace(['/', ' '], "-"))
    };
    let mut obj = Map::new();
    obj.insert("id".to_owned(), Value::String(id));
    obj.insert("type".to_owned(), entity_type);
    for (k, v) in props {
        if k != "id" && k != "type" && !v.is_null() {
            obj.insert(k.clone(), v.clone());
        }
    }
    match f.get("geometry") {
        Some(g) if !g.is_null() && !obj.contains_key("location") => {
            let location = match cx.repr {
                Representation::Normalized => {
                    serde_json::json!({"type": "GeoProperty", "value": g})
                }
                _ => g.clone(),
            };
            obj.insert("location".to_owned(), location);
        }
        _ => {}
    }
    entity(&Value::Object(obj), cx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalized_entity_with_sub_attributes() {
        let v = json!({
            "id": "urn:ngsi-ld:Building:way-1", "type": "Building",
            "height": {"type": "Property", "value": 50.1, "unitCode": "MTR",
                       "heightSource": {"type": "Property", "value": "height_tag"}},
            "owner": {"type": "Relationship", "object": ["urn:a", "urn:b"]},
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}}
        });
        let (e, skipped) = parse_entity(&v, Representation::Normalized).unwrap();
        assert!(skipped.is_empty());
        let h = e.attribute("height").unwrap();
        assert_eq!(h.as_f64(), Some(50.1));
        assert_eq!(h.sub("heightSource").unwrap().as_str(), Some("height_tag"));
        assert_eq!(h.display_value(), "50.1 m");
        assert_eq!(
            e.attribute("owner").unwrap().kind,
            AttributeKind::Relationship
        );
        assert_eq!(
            e.attribute("location").unwrap().kind,
            AttributeKind::GeoProperty
        );
    }

    #[test]
    fn bad_attribute_is_skipped_not_the_entity() {
        let v = json!({"id": "urn:x", "type": "T",
                       "good": {"type": "Property", "value": 1},
                       "bad": {"type": "Relationship"}});
        let (e, skipped) = parse_entity(&v, Representation::Normalized).unwrap();
        assert!(e.attribute("good").is_some() && e.attribute("bad").is_none());
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].reason.contains("`bad`") && skipped[0].reason.contains("object"));
    }

    #[test]
    fn entities_without_id_or_type_are_reported() {
        let p = parse_payload(
            &json!([{"type": "T"}, {"id": "urn:a"}, 7, {"id": "urn:b", "type": "T"}]),
            Representation::Auto,
        );
        assert_eq!(p.entities.len(), 1);
        let reasons: Vec<_> = p.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(reasons[0].contains("no `id`"), "{reasons:?}");
        assert!(reasons[1].contains("no `type`"), "{reasons:?}");
        assert!(reasons[2].contains("a number"), "{reasons:?}");
    }

    #[test]
    fn expanded_names_are_compacted() {
        let v = json!({"id": "urn:x", "type": "https://smartdatamodels.org/dataModel.Building/Building",
                       "https://smartdatamodels.org/dataModel.Building/category": {"type": "https://uri.etsi.org/ngsi-ld/Property", "value": ["office"]}});
        let (e, _) = parse_entity(&v, Representation::Normalized).unwrap();
        assert_eq!(e.types, vec!["Building"]);
        assert_eq!(e.attribute("category").unwrap().display_value(), "office");
    }

    #[test]
    fn feature_collection_with_plain_properties() {
        let v = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "way/1", "properties": {"height": 12.5, "name": "A"},
             "geometry": {"type": "Point", "coordinates": [0, 0]}},
            {"type": "Feature", "properties": null, "geometry": null}
        ]});
        let p = parse_payload(&v, Representation::Auto);
        assert_eq!(p.entities.len(), 2);
        let e = &p.entities[0];
        assert_eq!(
            e.id, "urn:ngsi-ld:Building:way-1",
            "plain GeoJSON ids become URNs"
        );
        assert!(e.has_type("Building"));
        assert_eq!(e.attribute("height").unwrap().as_f64(), Some(12.5));
        assert_eq!(
            e.attribute("location").unwrap().kind,
            AttributeKind::GeoProperty
        );
        assert_eq!(p.entities[1].id, "urn:ngsi-ld:Building:feature-1");
    }

    #[test]
    fn mqtt_envelope_and_notification() {
        let v = json!({"body": {"type": "Notification", "subscriptionId": "urn:s", "data": [
            {"id": "urn:t", "type": "AirQualityObserved", "temperature": {"type": "Property", "value": 21}}]},
            "metadata": {"Content-Type": "application/json"}});
        let p = parse_payload(&v, Representation::Normalized);
        assert_eq!(p.entities.len(), 1);
        assert_eq!(
            p.entities[0].attribute("temperature").unwrap().as_f64(),
            Some(21.0)
        );
    }

    #[test]
    fn concise_forms() {
        let v = json!({"id": "urn:E1", "type": "T", "Int": 1, "Rel": {"object": "urn:E2"},
                       "Geo": {"type": "Point", "coordinates": [1, 2]},
                       "Sub": {"value": 6, "Int": 1}, "Date": {"@type": "DateTime", "@value": "2016-12-28T11:00:00Z"}});
        let (e, skipped) = parse_entity(&v, Representation::Concise).unwrap();
        assert!(skipped.is_empty());
        assert_eq!(e.attribute("Int").unwrap().as_f64(), Some(1.0));
        assert_eq!(
            e.attribute("Rel").unwrap().kind,
            AttributeKind::Relationship
        );
        assert_eq!(e.attribute("Geo").unwrap().kind, AttributeKind::GeoProperty);
        let sub = e.attribute("Sub").unwrap();
        assert_eq!(sub.as_f64(), Some(6.0));
        assert_eq!(sub.sub("Int").unwrap().as_f64(), Some(1.0));
        assert_eq!(
            e.attribute("Date").unwrap().display_value(),
            "2016-12-28T11:00:00Z"
        );
    }

    #[test]
    fn multi_attribute_instances() {
        let v = json!({"id": "urn:E1", "type": "T", "P1": [
            {"type": "Property", "value": "no dataset id"},
            {"datasetId": "urn:ngsi-ld/dataset:D1", "type": "Property", "value": "dataset D1"}]});
        let (e, _) = parse_entity(&v, Representation::Normalized).unwrap();
        let p1 = &e.attributes["P1"];
        assert_eq!(p1.len(), 2);
        assert_eq!(p1[1].dataset_id.as_deref(), Some("urn:ngsi-ld/dataset:D1"));
    }

    #[test]
    fn not_a_payload() {
        let p = parse_payload(&json!("hello"), Representation::Auto);
        assert!(p.entities.is_empty());
        assert_eq!(p.skipped.len(), 1);
    }
}
