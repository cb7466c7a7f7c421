//! JSON-LD terms as NGSI-LD uses them: the names of entity types and attributes expanded to
//! IRIs with an @context, and compacted back with the context of whoever reads them. A focused
//! implementation of term expansion and compaction (JSON-LD 1.1 §4.2, "IRI expansion" and "IRI
//! compaction" for vocabulary-relative terms), not the whole JSON-LD processing algorithms:
//! no JSON-LD crate on crates.io keeps within this project's build budget and does only this.
//!
//! A [`Context`] is the Core NGSI-LD @context (ETSI GS CIM 009, Annex B: its terms are built
//! in, never fetched) with the terms of the user's contexts over it. Terms it does not define
//! expand with the core's `@vocab`, `https://uri.etsi.org/ngsi-ld/default-context/`.
//!
//! ```
//! use citytwin::ngsi_ld::jsonld::Context;
//! use serde_json::json;
//! let core = Context::core();
//! assert_eq!(core.expand("location"), "https://uri.etsi.org/ngsi-ld/location");
//! assert_eq!(core.expand("height"), "https://uri.etsi.org/ngsi-ld/default-context/height");
//! assert_eq!(core.compact("https://uri.etsi.org/ngsi-ld/default-context/height"), "height");
//! let user = Context::build(&json!({"name": "https://schema.org/name"}), &Default::default()).unwrap();
//! assert_eq!(user.expand("name"), "https://schema.org/name");
//! assert_eq!(user.compact("https://schema.org/name"), "name");
//! // A default-context IRI whose short form means something else here becomes a CURIE.
//! assert_eq!(user.compact("https://uri.etsi.org/ngsi-ld/default-context/name"),
//!            "ngsi-ld:default-context/name");
//! ```

use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

/// The Core NGSI-LD @context the broker announces.
pub const CORE_CONTEXT: &str = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld";
/// The core context's `@vocab`: where terms no context defines are expanded.
pub const DEFAULT_VOCAB: &str = "https://uri.etsi.org/ngsi-ld/default-context/";
/// The NGSI-LD namespace (the core context's `ngsi-ld` prefix).
pub const NGSI_LD: &str = "https://uri.etsi.org/ngsi-ld/";

/// Whether a URL names a version of the Core NGSI-LD @context (known without fetching).
///
/// ```
/// use citytwin::ngsi_ld::jsonld::is_core_context;
/// assert!(is_core_context("https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld"));
/// assert!(is_core_context("https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"));
/// assert!(!is_core_context("https://example.org/context.jsonld"));
/// ```
pub fn is_core_context(url: &str) -> bool {
    url.starts_with("https://uri.etsi.org/ngsi-ld/")
        && url.contains("ngsi-ld-core-context")
        && url.ends_with(".jsonld")
}

/// The terms of the core context that name attributes, types and members (Annex B), as
/// (term, IRI relative to the `ngsi-ld:` namespace, or absolute).
const CORE_TERMS: &[(&str, &str)] = &[
    ("Attribute", "Attribute"),
    ("AttributeList", "AttributeList"),
    ("ContextSourceRegistration", "ContextSourceRegistration"),
    ("Date", "Date"),
    ("DateTime", "DateTime"),
    ("EntityType", "EntityType"),
    ("EntityTypeInfo", "EntityTypeInfo"),
    ("EntityTypeList", "EntityTypeList"),
    ("GeoProperty", "GeoProperty"),
    ("JsonProperty", "JsonProperty"),
    ("LanguageProperty", "LanguageProperty"),
    ("ListProperty", "ListProperty"),
    ("ListRelationship", "ListRelationship"),
    ("Notification", "Notification"),
    ("Property", "Property"),
    ("Relationship", "Relationship"),
    ("Subscription", "Subscription"),
    ("TemporalProperty", "TemporalProperty"),
    ("Time", "Time"),
    ("VocabProperty", "VocabProperty"),
    ("Feature", "https://purl.org/geojson/vocab#Feature"),
    (
        "FeatureCollection",
        "https://purl.org/geojson/vocab#FeatureCollection",
    ),
    (
        "GeometryCollection",
        "https://purl.org/geojson/vocab#GeometryCollection",
    ),
    ("LineString", "https://purl.org/geojson/vocab#LineString"),
    (
        "MultiLineString",
        "https://purl.org/geojson/vocab#MultiLineString",
    ),
    ("MultiPoint", "https://purl.org/geojson/vocab#MultiPoint"),
    (
        "MultiPolygon",
        "https://purl.org/geojson/vocab#MultiPolygon",
    ),
    ("Point", "https://purl.org/geojson/vocab#Point"),
    ("Polygon", "https://purl.org/geojson/vocab#Polygon"),
    ("bbox", "https://purl.org/geojson/vocab#bbox"),
    ("coordinates", "https://purl.org/geojson/vocab#coordinates"),
    ("features", "https://purl.org/geojson/vocab#features"),
    ("geometry", "https://purl.org/geojson/vocab#geometry"),
    ("properties", "https://purl.org/geojson/vocab#properties"),
    ("accept", "accept"),
    ("attributes", "attributes"),
    ("attributeName", "attributeName"),
    ("attributeNames", "attributeNames"),
    ("attributeTypes", "attributeTypes"),
    ("attrs", "attrs"),
    ("createdAt", "createdAt"),
    ("datasetId", "datasetId"),
    ("deletedAt", "deletedAt"),
    ("description", "http://purl.org/dc/terms/description"),
    ("detail", "detail"),
    ("endAt", "endAt"),
    ("endTimeAt", "endTimeAt"),
    ("endpoint", "endpoint"),
    ("entities", "entities"),
    ("entityCount", "entityCount"),
    ("entityMap", "hasEntityMap"),
    ("expiresAt", "expiresAt"),
    ("format", "format"),
    ("geoQ", "geoQ"),
    ("geoproperty", "geoproperty"),
    ("georel", "georel"),
    ("idPattern", "idPattern"),
    ("instanceId", "instanceId"),
    ("isActive", "isActive"),
    ("json", "hasJSON"),
    ("lang", "lang"),
    ("languageMap", "hasLanguageMap"),
    ("lastFailure", "lastFailure"),
    ("lastNotification", "lastNotification"),
    ("lastSuccess", "lastSuccess"),
    ("location", "location"),
    ("modifiedAt", "modifiedAt"),
    ("notification", "notification"),
    ("notificationTrigger", "notificationTrigger"),
    ("notifiedAt", "notifiedAt"),
    ("notifierInfo", "notifierInfo"),
    ("object", "hasObject"),
    ("objectList", "hasObjectList"),
    ("objectType", "hasObjectType"),
    ("observationInterval", "observationInterval"),
    ("observationSpace", "observationSpace"),
    ("observedAt", "observedAt"),
    ("operationSpace", "operationSpace"),
    ("previousJson", "hasPreviousJson"),
    ("previousLanguageMap", "hasPreviousLanguageMap"),
    ("previousObject", "hasPreviousObject"),
    ("previousValue", "hasPreviousValue"),
    ("previousVocab", "hasPreviousVocab"),
    ("q", "q"),
    ("reason", "reason"),
    ("receiverInfo", "receiverInfo"),
    ("scope", "scope"),
    ("scopeQ", "scopeQ"),
    ("showChanges", "showChanges"),
    ("status", "status"),
    ("subscriptionId", "subscriptionId"),
    ("subscriptionName", "subscriptionName"),
    ("sysAttrs", "sysAttrs"),
    ("temporalQ", "temporalQ"),
    ("throttling", "throttling"),
    ("timeAt", "timeAt"),
    ("timeInterval", "timeInterval"),
    ("timeproperty", "timeproperty"),
    ("timerel", "timerel"),
    ("timesFailed", "timesFailed"),
    ("timesSent", "timesSent"),
    ("title", "http://purl.org/dc/terms/title"),
    ("triggerReason", "triggerReason"),
    ("typeList", "typeList"),
    ("typeName", "typeName"),
    ("typeNames", "typeNames"),
    ("unitCode", "unitCode"),
    ("uri", "uri"),
    ("value", "hasValue"),
    ("valueList", "hasValueList"),
    ("valueType", "hasValueType"),
    ("vocab", "hasVocab"),
    ("watchedAttributes", "watchedAttributes"),
];

/// An active context: term → IRI, and the vocabulary for terms it does not define.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    terms: HashMap<String, String>,
    /// IRI → the terms that map to it, the user's before the core's.
    reverse: HashMap<String, Vec<String>>,
    vocab: String,
    /// The @context as the client sent it (`None`: the core context alone).
    sent: Option<Value>,
}

impl Context {
    /// The Core NGSI-LD @context alone.
    pub fn core() -> Arc<Context> {
        static CORE: OnceLock<Arc<Context>> = OnceLock::new();
        CORE.get_or_init(|| {
            let mut c = Context {
                terms: HashMap::new(),
                reverse: HashMap::new(),
                vocab: DEFAULT_VOCAB.to_owned(),
                sent: None,
            };
            c.terms.insert("ngsi-ld".into(), NGSI_LD.into());
            c.terms
                .insert("geojson".into(), "https://purl.org/geojson/vocab#".into());
            for (term, iri) in CORE_TERMS {
                let iri = if iri.contains("://") {
                    (*iri).to_owned()
                } else {
                    format!("{NGSI_LD}{iri}")
                };
                c.terms.insert((*term).to_owned(), iri);
            }
            let core = c.terms.clone();
            c.index(&core);
            Arc::new(c)
        })
        .clone()
    }

    /// The core context with the definitions of a client's `@context` over it. `documents`
    /// holds the fetched documents of the URLs it names ([`urls`] lists them; the core
    /// context's URLs need none). Fails, naming it, on a URL that is not there or a
    /// document that is not a context.
    pub fn build(sent: &Value, documents: &BTreeMap<String, Value>) -> Result<Context, String> {
        let core = Context::core();
        let mut c = (*core).clone();
        c.sent = Some(sent.clone());
        c.add(sent, documents, 0)?;
        c.index(&core.terms);
        Ok(c)
    }

    /// The @context to answer with: what the client sent, else the core context's URL.
    pub fn response_context(&self) -> Value {
        self.sent
            .clone()
            .unwrap_or_else(|| Value::String(CORE_CONTEXT.to_owned()))
    }

    /// Whether the client sent a context of its own.
    pub fn is_user(&self) -> bool {
        self.sent.is_some()
    }

    fn add(
        &mut self,
        v: &Value,
        documents: &BTreeMap<String, Value>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > 8 {
            return Err("the @context nests more than 8 levels of documents".to_owned());
        }
        match v {
            Value::Null => Ok(()),
            Value::String(url) if is_core_context(url) => Ok(()),
            Value::String(url) => {
                let doc = documents
                    .get(url)
                    .ok_or_else(|| format!("the @context {url} could not be fetched"))?;
                let inner = doc
                    .get("@context")
                    .ok_or_else(|| format!("the document at {url} is not a JSON-LD @context"))?;
                self.add(inner, documents, depth + 1)
            }
            Value::Array(items) => {
                for i in items {
                    self.add(i, documents, depth)?;
                }
                Ok(())
            }
            Value::Object(map) => {
                self.define(map);
                Ok(())
            }
            other => Err(format!("an @context cannot be {other}")),
        }
    }

    /// Adds the term definitions of one context object.
    fn define(&mut self, map: &Map<String, Value>) {
        if let Some(v) = map.get("@vocab").and_then(Value::as_str) {
            self.vocab = self.iri_of(v);
        }
        // Prefixes first, so that CURIEs defined in the same object resolve.
        let mut pending: Vec<(&String, &Value)> = map.iter().collect();
        pending.sort_by_key(
            |(_, v)| !matches!(v, Value::String(s) if s.ends_with('/') || s.ends_with('#')),
        );
        for (term, def) in pending {
            if term.starts_with('@') {
                continue;
            }
            let iri = match def {
                Value::String(s) => Some(s.as_str()),
                Value::Object(o) => o.get("@id").and_then(Value::as_str),
                Value::Null => {
                    self.terms.remove(term);
                    continue;
                }
                _ => None,
            };
            if let Some(iri) = iri.filter(|i| !i.starts_with('@')) {
                let iri = self.iri_of(iri);
                self.terms.insert(term.clone(), iri);
            }
        }
    }

    /// An IRI written in a definition: absolute, a CURIE, or a term.
    fn iri_of(&self, s: &str) -> String {
        if let Some((prefix, suffix)) = s.split_once(':')
            && !suffix.starts_with("//")
            && let Some(base) = self.terms.get(prefix)
        {
            return format!("{base}{suffix}");
        }
        if s.contains(':') {
            return s.to_owned();
        }
        self.terms.get(s).cloned().unwrap_or_else(|| s.to_owned())
    }

    /// The reverse map; `core` are the core context's terms (the user's come first).
    fn index(&mut self, core: &HashMap<String, String>) {
        self.reverse.clear();
        let mut entries: Vec<(&String, &String)> = self.terms.iter().collect();
        // The user's terms first, then shorter terms, then by name: stable choices.
        entries.sort_by_key(|(t, iri)| (core.get(*t) == Some(*iri), t.len(), (*t).clone()));
        for (term, iri) in entries {
            self.reverse
                .entry(iri.clone())
                .or_default()
                .push(term.clone());
        }
    }

    /// A term, CURIE or IRI as the full IRI it stands for.
    pub fn expand(&self, term: &str) -> String {
        if term.starts_with('@') || term.is_empty() {
            return term.to_owned();
        }
        if let Some(iri) = self.terms.get(term) {
            return iri.clone();
        }
        if let Some((prefix, suffix)) = term.split_once(':') {
            if suffix.starts_with("//") {
                return term.to_owned();
            }
            if let Some(base) = self.terms.get(prefix) {
                return format!("{base}{suffix}");
            }
            // urn:…, mailto:… and other absolute IRIs.
            return term.to_owned();
        }
        format!("{}{term}", self.vocab)
    }

    /// An IRI as the reader's term: a term of the context that maps to it, else relative to
    /// the vocabulary when that is unambiguous, else a CURIE, else the IRI itself.
    pub fn compact(&self, iri: &str) -> String {
        if let Some(t) = self.reverse.get(iri).and_then(|t| t.first()) {
            return t.clone();
        }
        if let Some(rest) = iri.strip_prefix(&self.vocab)
            && !rest.is_empty()
            && !rest.contains(':')
            && self.terms.get(rest).is_none_or(|i| i == iri)
        {
            return rest.to_owned();
        }
        // The longest prefix term whose IRI starts the IRI.
        let mut best: Option<(&str, &str)> = None;
        for (term, base) in &self.terms {
            if (base.ends_with('/') || base.ends_with('#'))
                && iri.len() > base.len()
                && iri.starts_with(base.as_str())
                && !term.contains(':')
                && best.is_none_or(|(_, b)| base.len() > b.len())
            {
                best = Some((term, base));
            }
        }
        match best {
            Some((term, base)) => format!("{term}:{}", &iri[base.len()..]),
            None => iri.to_owned(),
        }
    }
}

impl Context {
    /// Expands an entity's types and attribute and sub-attribute names.
    pub fn expand_entity(&self, e: &mut super::Entity) {
        self.rename_entity(e, &|n| self.expand(n));
    }

    /// Compacts an entity's types and attribute and sub-attribute names for this reader.
    pub fn compact_entity(&self, e: &mut super::Entity) {
        self.rename_entity(e, &|n| self.compact(n));
    }

    fn rename_entity(&self, e: &mut super::Entity, f: &dyn Fn(&str) -> String) {
        for t in &mut e.types {
            *t = f(t);
        }
        e.attributes = std::mem::take(&mut e.attributes)
            .into_iter()
            .map(|(name, mut instances)| {
                for a in &mut instances {
                    rename_subs(a, f);
                }
                (f(&name), instances)
            })
            .collect();
    }
}

fn rename_subs(a: &mut super::Attribute, f: &dyn Fn(&str) -> String) {
    a.sub_attributes = std::mem::take(&mut a.sub_attributes)
        .into_iter()
        .map(|(name, mut instances)| {
            for s in &mut instances {
                rename_subs(s, f);
            }
            (f(&name), instances)
        })
        .collect();
}

/// The URLs a client's @context names (not the core context's), to fetch before
/// [`Context::build`]; `documents` are those fetched so far (their nested URLs count too).
pub fn urls(sent: &Value, documents: &BTreeMap<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    collect_urls(sent, documents, &mut out, 0);
    out.sort();
    out.dedup();
    out
}

fn collect_urls(v: &Value, docs: &BTreeMap<String, Value>, out: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    match v {
        Value::String(url) if !is_core_context(url) => match docs.get(url) {
            Some(doc) => {
                if let Some(inner) = doc.get("@context") {
                    collect_urls(inner, docs, out, depth + 1);
                }
            }
            None => out.push(url.clone()),
        },
        Value::Array(items) => items.iter().for_each(|i| collect_urls(i, docs, out, depth)),
        _ => {}
    }
}

/// The @context of a `Link` header (`<url>; rel="http://www.w3.org/ns/json-ld#context"`), if
/// it carries one.
///
/// ```
/// use citytwin::ngsi_ld::jsonld::link_context;
/// let h = r#"<https://example.org/ctx.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json""#;
/// assert_eq!(link_context(h).as_deref(), Some("https://example.org/ctx.jsonld"));
/// assert_eq!(link_context("<https://example.org/next>; rel=\"next\""), None);
/// ```
pub fn link_context(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let part = part.trim();
        let url = part.strip_prefix('<')?.split('>').next()?.trim();
        part.contains("json-ld#context")
            .then(|| url.to_owned())
            .filter(|u| !u.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn suite() -> BTreeMap<String, Value> {
        let mut docs = BTreeMap::new();
        docs.insert(
            "http://ctx/compound.jsonld".to_owned(),
            json!({"@context": ["http://ctx/suite.jsonld",
                "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"]}),
        );
        docs.insert(
            "http://ctx/suite.jsonld".to_owned(),
            json!({"@context": {"Building": "https://ngsi-ld-test-suite/context#Building",
                "name": "https://ngsi-ld-test-suite/context#name"}}),
        );
        docs
    }

    #[test]
    fn a_compound_context_resolves_through_its_documents() {
        let sent = json!("http://ctx/compound.jsonld");
        assert_eq!(
            urls(&sent, &BTreeMap::new()),
            ["http://ctx/compound.jsonld"]
        );
        let docs = suite();
        assert!(urls(&sent, &docs).is_empty(), "everything fetched");
        let c = Context::build(&sent, &docs).unwrap();
        assert_eq!(
            c.expand("Building"),
            "https://ngsi-ld-test-suite/context#Building"
        );
        assert_eq!(
            c.expand("location"),
            "https://uri.etsi.org/ngsi-ld/location"
        );
        assert_eq!(c.expand("speed"), format!("{DEFAULT_VOCAB}speed"));
        assert_eq!(c.compact("https://ngsi-ld-test-suite/context#name"), "name");
        assert_eq!(c.compact(&format!("{DEFAULT_VOCAB}speed")), "speed");
        assert_eq!(c.response_context(), sent);
        // Without the suite's context the same IRIs stay whole.
        let core = Context::core();
        assert_eq!(
            core.compact("https://ngsi-ld-test-suite/context#Building"),
            "https://ngsi-ld-test-suite/context#Building"
        );
        assert!(Context::build(&json!("http://ctx/missing.jsonld"), &docs).is_err());
    }

    #[test]
    fn curies_and_inline_prefixes_expand() {
        let c = Context::build(
            &json!({"schema": "https://schema.org/", "addr": "schema:address", "x": {"@id": "schema:x"}}),
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(c.expand("addr"), "https://schema.org/address");
        assert_eq!(c.expand("x"), "https://schema.org/x");
        assert_eq!(c.expand("schema:y"), "https://schema.org/y");
        assert_eq!(c.compact("https://schema.org/y"), "schema:y");
        assert_eq!(
            c.expand("ngsi-ld:location"),
            "https://uri.etsi.org/ngsi-ld/location"
        );
        assert_eq!(c.expand("urn:ngsi-ld:x"), "urn:ngsi-ld:x");
        assert_eq!(c.expand("https://a.b/c"), "https://a.b/c");
    }
}
