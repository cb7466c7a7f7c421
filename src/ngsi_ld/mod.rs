//! NGSI-LD: the data model of context entities, the parsing and writing of the payloads
//! brokers exchange, the query language, and the client.
//!
//! Pure Rust, no Bevy. [`Entity`] holds an id, one or more types and [`Attribute`]s; each
//! attribute keeps its kind (Property, GeoProperty, Relationship, …), value, `unitCode`,
//! `observedAt`, `datasetId` and nested sub-attributes. [`parse_payload`] accepts what a
//! broker or a file may contain — one entity, an array, a query response, a notification, an
//! MQTT envelope, or a GeoJSON `Feature`/`FeatureCollection` — in the normalized, concise or
//! simplified (keyValues) representation, and reports every item it could not read with the
//! reason, instead of failing the whole payload.
//!
//! ```
//! use citytwin::ngsi_ld::{parse_payload, Representation};
//! let json = serde_json::json!({
//!     "id": "urn:ngsi-ld:Building:b1", "type": "Building",
//!     "height": {"type": "Property", "value": 21.5, "unitCode": "MTR"}
//! });
//! let parsed = parse_payload(&json, Representation::Auto);
//! let height = parsed.entities[0].attribute("height").unwrap();
//! assert_eq!(height.value.as_f64(), Some(21.5));
//! assert_eq!(height.unit_code.as_deref(), Some("MTR"));
//! ```

pub mod client;
pub mod discovery;
#[cfg(test)]
mod fixture_tests;
pub mod geo_query;
pub mod jsonld;
pub(crate) mod model;
pub mod mqtt;
mod parse;
pub mod problem;
pub mod projection;
pub mod query;
pub mod render;
pub mod request;
pub mod salvage;
pub mod scope;
pub mod subscription;
pub mod temporal;

pub use model::{Attribute, AttributeKind, Entity};
pub use parse::{
    Notification, ParsedPayload, Representation, SkippedItem, Terms, parse_array_item,
    parse_entity, parse_entity_with, parse_notification, parse_payload, parse_payload_with,
    short_name,
};

/// A fresh entity id of a kind (`Subscription`, `Notification`, …): `urn:ngsi-ld:`, the kind,
/// then 16 random hex digits. Also used as an unguessable token.
///
/// ```
/// let id = citytwin::ngsi_ld::new_id("Subscription");
/// assert!(id.starts_with("urn:ngsi-ld:Subscription:") && id.len() == 25 + 16);
/// assert_ne!(id, citytwin::ngsi_ld::new_id("Subscription"));
/// ```
pub fn new_id(kind: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    h.write_i64(crate::timestamp::now_millis());
    format!("urn:ngsi-ld:{kind}:{:016x}", h.finish())
}
