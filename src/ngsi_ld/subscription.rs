//! NGSI-LD subscriptions (`/subscriptions`): the members citytwin reads and writes.
//!
//! ```
//! use citytwin::ngsi_ld::subscription::Subscription;
//! let s = Subscription::parse(&serde_json::json!({"id": "urn:ngsi-ld:Subscription:1", "type": "Subscription",
//!     "entities": [{"type": "AirQualityObserved"}],
//!     "notification": {"endpoint": {"uri": "mqtt://localhost:1883/city"}}})).unwrap();
//! assert_eq!(s.endpoint, "mqtt://localhost:1883/city");
//! ```

use super::geo_query::GeoQuery;
use super::short_name;
use serde_json::{Value, json};

/// Which entities a subscription selects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntitySelector {
    /// Type.
    pub entity_type: Option<String>,
    /// Id.
    pub id: Option<String>,
    /// Id pattern.
    pub id_pattern: Option<String>,
}

/// A subscription.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subscription {
    /// Its id (given by the broker when created without one).
    pub id: Option<String>,
    /// Entity selectors.
    pub entities: Vec<EntitySelector>,
    /// Attributes whose change triggers a notification (all when empty).
    pub watched_attributes: Vec<String>,
    /// Triggers (`entityCreated`, `attributeUpdated`, …).
    pub triggers: Vec<String>,
    /// The `q` filter.
    pub q: Option<String>,
    /// The geo filter.
    pub geo_q: Option<GeoQuery>,
    /// Attributes to include in notifications (all when empty).
    pub notification_attributes: Vec<String>,
    /// Notification format (`normalized`, `keyValues`, `concise`, …).
    pub format: Option<String>,
    /// Where notifications go (`http(s)://…` or `mqtt(s)://…`).
    pub endpoint: String,
    /// The `Accept` of notifications.
    pub accept: Option<String>,
    /// Whether notifications carry previous values.
    pub show_changes: bool,
    /// Minimum seconds between notifications.
    pub throttling: Option<f64>,
    /// Expiry timestamp.
    pub expires_at: Option<String>,
    /// Whether it is active.
    pub is_active: bool,
}

impl Subscription {
    /// Reads a subscription body; the error says which member is wrong.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let o = v
            .as_object()
            .ok_or("a subscription must be a JSON object")?;
        let strings = |key: &str| -> Vec<String> {
            o.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|s| short_name(s).to_owned())
                .collect()
        };
        let entities = o
            .get("entities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|e| EntitySelector {
                entity_type: e
                    .get("type")
                    .and_then(Value::as_str)
                    .map(|t| short_name(t).to_owned()),
                id: e.get("id").and_then(Value::as_str).map(str::to_owned),
                id_pattern: e
                    .get("idPattern")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            })
            .collect::<Vec<_>>();
        let watched_attributes = strings("watchedAttributes");
        if entities.is_empty() && watched_attributes.is_empty() {
            return Err("a subscription needs `entities` or `watchedAttributes`".to_owned());
        }
        let notification = o
            .get("notification")
            .ok_or("a subscription needs a `notification`")?;
        let endpoint = notification
            .pointer("/endpoint/uri")
            .and_then(Value::as_str)
            .ok_or("a subscription needs `notification.endpoint.uri`")?
            .to_owned();
        let geo_q = match o.get("geoQ") {
            None => None,
            Some(g) => {
                let text = |k: &str| g.get(k).and_then(Value::as_str).map(str::to_owned);
                // `coordinates` may be a JSON array or the array as text.
                let coordinates = match g.get("coordinates") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => return Err("geoQ needs coordinates".to_owned()),
                };
                Some(
                    GeoQuery::parse(
                        &text("georel").ok_or("geoQ needs georel")?,
                        &text("geometry").ok_or("geoQ needs geometry")?,
                        &coordinates,
                        text("geoproperty").as_deref(),
                    )
                    .map_err(|e| e.to_string())?,
                )
            }
        };
        Ok(Self {
            id: o.get("id").and_then(Value::as_str).map(str::to_owned),
            entities,
            watched_attributes,
            triggers: o
                .get("notificationTrigger")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            q: o.get("q").and_then(Value::as_str).map(str::to_owned),
            geo_q,
            notification_attributes: notification
                .get("attributes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|s| short_name(s).to_owned())
                .collect(),
            format: notification
                .get("format")
                .and_then(Value::as_str)
                .map(str::to_owned),
            endpoint,
            accept: notification
                .pointer("/endpoint/accept")
                .and_then(Value::as_str)
                .map(str::to_owned),
            show_changes: notification
                .get("showChanges")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            throttling: o.get("throttling").and_then(Value::as_f64),
            expires_at: o
                .get("expiresAt")
                .and_then(Value::as_str)
                .map(str::to_owned),
            is_active: o.get("isActive").and_then(Value::as_bool).unwrap_or(true),
        })
    }

    /// The body to create it.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "type": "Subscription",
            "entities": self.entities.iter().map(|e| {
                let mut s = json!({});
                if let Some(t) = &e.entity_type { s["type"] = json!(t); }
                if let Some(i) = &e.id { s["id"] = json!(i); }
                if let Some(p) = &e.id_pattern { s["idPattern"] = json!(p); }
                s
            }).collect::<Vec<_>>(),
            "notification": {"endpoint": {"uri": self.endpoint}},
            "isActive": self.is_active,
        });
        if let Some(id) = &self.id {
            v["id"] = json!(id);
        }
        if !self.watched_attributes.is_empty() {
            v["watchedAttributes"] = json!(self.watched_attributes);
        }
        if !self.triggers.is_empty() {
            v["notificationTrigger"] = json!(self.triggers);
        }
        if let Some(q) = &self.q {
            v["q"] = json!(q);
        }
        if let Some(g) = &self.geo_q {
            let p: std::collections::BTreeMap<String, String> = g.to_params().into_iter().collect();
            v["geoQ"] = json!({"georel": p["georel"], "geometry": p["geometry"],
                "coordinates": serde_json::from_str::<Value>(&p["coordinates"]).unwrap_or(Value::Null)});
        }
        if !self.notification_attributes.is_empty() {
            v["notification"]["attributes"] = json!(self.notification_attributes);
        }
        if let Some(f) = &self.format {
            v["notification"]["format"] = json!(f);
        }
        if let Some(a) = &self.accept {
            v["notification"]["endpoint"]["accept"] = json!(a);
        }
        if self.show_changes {
            v["notification"]["showChanges"] = json!(true);
        }
        if let Some(t) = self.throttling {
            v["throttling"] = json!(t);
        }
        if let Some(e) = &self.expires_at {
            v["expiresAt"] = json!(e);
        }
        v
    }
}
