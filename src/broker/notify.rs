//! The local broker's subscriptions and their notifications.
//!
//! Every committed write reaches the [`Registry`] as a [`Change`]. Each active subscription
//! whose entity selectors, `notificationTrigger`, `watchedAttributes`, `q` and `geoQ` match
//! queues the entity (the latest state of an entity replaces an earlier one still queued);
//! a subscription's queue is sent as one notification as soon as its `throttling` allows.
//! Delivery runs on one task per subscription, so a slow endpoint delays only its own
//! notifications: HTTP(S) POSTs the notification, `mqtt://` publishes the Orion-LD envelope
//! `{"metadata": {...}, "body": notification}` to the URL's topic. Deleted entities are
//! notified (trigger `entityDeleted`) as `{"id", "type", "deletedAt"}`.
//!
//! Periodic (`timeInterval`) subscriptions are notified every interval with the entities
//! they select. Not supported: `showChanges`, `mqtts://`.

use super::server::CORE_CONTEXT;
use super::store::{Change, ChangeKind};
use crate::ngsi_ld::jsonld::Context;
use crate::ngsi_ld::mqtt::{self, MqttEndpoint};
use crate::ngsi_ld::projection::Projection;
use crate::ngsi_ld::query::Query;
use crate::ngsi_ld::render::{Format, render};
use crate::ngsi_ld::subscription::Subscription;
use crate::ngsi_ld::{Attribute, AttributeKind, Entity};
use crate::timestamp::{format_millis, now_millis, now_rfc3339, parse_millis};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// The most entities one notification carries; more are sent in several.
const MAX_ENTITIES_PER_NOTIFICATION: usize = 1000;

use crate::ngsi_ld::new_id;

/// How a subscription's notifications fared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryStatus {
    /// Notifications delivered.
    pub times_sent: u64,
    /// Notifications that failed.
    pub times_failed: u64,
    /// When the last one was attempted.
    pub last_notification: Option<String>,
    /// When the last one was delivered.
    pub last_success: Option<String>,
    /// When the last one failed, and why.
    pub last_failure: Option<(String, String)>,
}

/// One subscription and what is queued for it.
#[derive(Debug)]
struct Entry {
    raw: Value,
    /// The subscriber's @context: its names are expanded with it, notifications compacted.
    ld: Arc<Context>,
    sub: Subscription,
    patterns: Vec<Option<regex::Regex>>,
    q: Option<Query>,
    status: DeliveryStatus,
    queued: BTreeMap<String, Value>,
    last_sent: Option<Instant>,
    /// `timeInterval` (seconds): notified every interval with what it selects, not on change.
    interval: Option<f64>,
    /// For a periodic subscription: the entities it selects now, by id.
    periodic: BTreeMap<String, Value>,
    /// `notification.pick` / `notification.omit`.
    projection: Option<Projection>,
}

impl Entry {
    fn new(raw: Value, ld: Arc<Context>) -> Result<Self, String> {
        let mut sub = Subscription::parse(&raw)?;
        // The names as the subscriber wrote them, expanded with its @context.
        let names = |key: &str| -> Vec<String> {
            raw.pointer(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|n| ld.expand(n))
                .collect()
        };
        sub.watched_attributes = names("/watchedAttributes");
        sub.notification_attributes = names("/notification/attributes");
        let raw_entities = raw.get("entities").and_then(Value::as_array);
        for (i, sel) in sub.entities.iter_mut().enumerate() {
            sel.entity_type = raw_entities
                .and_then(|e| e.get(i))
                .and_then(|e| e.get("type"))
                .and_then(Value::as_str)
                .map(|t| ld.expand(t));
        }
        if let Some(g) = &mut sub.geo_q {
            g.property = ld.expand(&g.property);
        }
        let patterns = sub
            .entities
            .iter()
            .map(|s| {
                s.id_pattern
                    .as_deref()
                    .map(regex::Regex::new)
                    .transpose()
                    .map_err(|e| format!("idPattern: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let q = sub
            .q
            .as_deref()
            .map(Query::parse)
            .transpose()
            .map_err(|e| format!("q: {e}"))?
            .map(|mut q| {
                q.map_names(&|n| ld.expand(n));
                q
            });
        if sub.endpoint.starts_with("mqtt") {
            MqttEndpoint::parse(&sub.endpoint)?;
        } else if !sub.endpoint.starts_with("http://") && !sub.endpoint.starts_with("https://") {
            return Err(format!(
                "notification.endpoint.uri `{}` must be an http(s):// or mqtt:// URL",
                sub.endpoint
            ));
        }
        let projection = Projection::from_params(
            raw.pointer("/notification/pick")
                .and_then(pick_list)
                .as_deref(),
            raw.pointer("/notification/omit")
                .and_then(pick_list)
                .as_deref(),
            raw.pointer("/notification/attributes").is_some(),
        )?;
        let interval =
            match raw.get("timeInterval") {
                None => None,
                Some(t) => Some(t.as_f64().filter(|t| *t > 0.0).ok_or(
                    "timeInterval is the number of seconds between notifications, above 0",
                )?),
            };
        if interval.is_some()
            && (raw.get("watchedAttributes").is_some() || raw.get("throttling").is_some())
        {
            return Err(
                "timeInterval cannot be combined with watchedAttributes or throttling".to_owned(),
            );
        }
        Ok(Self {
            raw,
            ld,
            sub,
            patterns,
            q,
            status: DeliveryStatus::default(),
            queued: BTreeMap::new(),
            last_sent: None,
            interval,
            periodic: BTreeMap::new(),
            projection,
        })
    }

    fn active(&self, now_ms: i64) -> bool {
        self.sub.is_active
            && self
                .sub
                .expires_at
                .as_deref()
                .and_then(parse_millis)
                .is_none_or(|t| t > now_ms)
    }

    fn triggered(&self, c: &Change) -> bool {
        let triggers: Vec<&str> = if self.sub.triggers.is_empty() {
            vec!["attributeCreated", "attributeUpdated"]
        } else {
            self.sub.triggers.iter().map(String::as_str).collect()
        };
        let has = |t: &str| triggers.contains(&t);
        match c.kind {
            ChangeKind::Created => has("entityCreated") || has("attributeCreated"),
            ChangeKind::Updated => {
                has("entityUpdated")
                    || has("attributeUpdated")
                    || has("attributeCreated")
                    || (has("attributeDeleted") && !c.removed.is_empty())
            }
            ChangeKind::Deleted => has("entityDeleted"),
        }
    }

    /// Whether the subscription selects an entity (its entities, `q` and `geoQ`).
    fn selects(&self, e: &Entity) -> bool {
        (self.sub.entities.is_empty()
            || self.sub.entities.iter().zip(&self.patterns).any(|(s, p)| {
                s.entity_type.as_ref().is_none_or(|t| e.has_type(t))
                    && s.id.as_ref().is_none_or(|id| *id == e.id)
                    && p.as_ref().is_none_or(|p| p.is_match(&e.id))
            }))
            && self.q.as_ref().is_none_or(|q| q.matches(e))
            && self.sub.geo_q.as_ref().is_none_or(|g| g.matches(e))
    }

    fn matches(&self, c: &Change) -> bool {
        let e = &c.entity;
        if !self.sub.entities.is_empty() {
            let selected = self.sub.entities.iter().zip(&self.patterns).any(|(s, p)| {
                s.entity_type.as_ref().is_none_or(|t| e.has_type(t))
                    && s.id.as_ref().is_none_or(|id| *id == e.id)
                    && p.as_ref().is_none_or(|p| p.is_match(&e.id))
            });
            if !selected {
                return false;
            }
        }
        if !self.sub.watched_attributes.is_empty() && c.kind != ChangeKind::Deleted {
            let touched = c.attributes.iter().chain(&c.removed);
            if !touched
                .into_iter()
                .any(|a| self.sub.watched_attributes.contains(a))
            {
                return false;
            }
        }
        self.triggered(c)
            && self.q.as_ref().is_none_or(|q| q.matches(e))
            && self.sub.geo_q.as_ref().is_none_or(|g| g.matches(e))
    }

    /// The entity as this subscription wants it: deleted attributes as NGSI-LD Null, and
    /// with `showChanges` the values they had (`previousValue`, `previousObject`, …).
    fn data(&self, c: &Change) -> Value {
        let show_changes = self.raw.pointer("/notification/showChanges") == Some(&json!(true));
        let previous = c.previous.as_ref();
        let mut e = c.entity.clone();
        let deleted = c.kind == ChangeKind::Deleted;
        if deleted {
            if !show_changes {
                let mut e = e;
                self.ld.compact_entity(&mut e);
                return json!({"id": e.id, "type": e.type_label(), "deletedAt": c.at});
            }
            e.attributes.clear();
        }
        // Deleted attributes are notified as NGSI-LD Null (clause 4.5.0) of their kind.
        for name in &c.removed {
            let kind = previous
                .and_then(|p| p.attribute(name))
                .map_or(AttributeKind::Property, |a| a.kind);
            e.attributes
                .entry(name.clone())
                .or_insert_with(|| vec![Attribute::new(kind, null_of(kind))]);
        }
        self.ld.compact_entity(&mut e);
        let e = &e;
        let format = self
            .sub
            .format
            .as_deref()
            .and_then(Format::parse)
            .unwrap_or(Format::Normalized);
        let mut v = render(e, format);
        if deleted {
            v["deletedAt"] = json!(c.at);
        }
        if show_changes
            && format != Format::Simplified
            && let Some(p) = previous
        {
            let touched = c.attributes.iter().chain(&c.removed);
            for name in touched {
                let Some(old) = p.attribute(name) else {
                    continue;
                };
                let member = old.kind.content_member();
                let mut chars = member.chars();
                let previous_member: String = chars
                    .next()
                    .map(|f| f.to_ascii_uppercase())
                    .into_iter()
                    .chain(chars)
                    .collect();
                if let Some(Value::Object(a)) = v.get_mut(self.ld.compact(name)) {
                    a.insert(format!("previous{previous_member}"), old.value.clone());
                }
            }
        }
        if let (false, Some(o)) = (
            self.sub.notification_attributes.is_empty(),
            v.as_object_mut(),
        ) {
            o.retain(|k, _| {
                matches!(k.as_str(), "id" | "type" | "deletedAt")
                    || self
                        .sub
                        .notification_attributes
                        .iter()
                        .any(|a| *a == self.ld.expand(k))
            });
        }
        if let Some(p) = &self.projection {
            p.apply(&mut v);
        }
        v
    }

    /// The subscription as GET shows it, with its delivery status.
    fn to_json(&self, now_ms: i64) -> Value {
        let mut v = self.raw.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("@context");
        }
        let s = &self.status;
        let n = &mut v["notification"];
        n["timesSent"] = json!(s.times_sent);
        if s.times_failed > 0 {
            n["timesFailed"] = json!(s.times_failed);
        }
        if let Some(t) = &s.last_notification {
            n["lastNotification"] = json!(t);
        }
        if let Some(t) = &s.last_success {
            n["lastSuccess"] = json!(t);
        }
        if let Some((t, why)) = &s.last_failure {
            n["lastFailure"] = json!(t);
            n["lastFailureReason"] = json!(why);
        }
        let failing = match (&s.last_failure, &s.last_success) {
            (Some((f, _)), Some(ok)) => f > ok,
            (Some(_), None) => true,
            _ => false,
        };
        if s.last_notification.is_some() {
            n["status"] = json!(if failing { "failed" } else { "ok" });
        }
        v["status"] = json!(if !self.sub.is_active {
            "paused"
        } else if self.active(now_ms) {
            "active"
        } else {
            "expired"
        });
        v
    }
}

/// A notification ready to deliver.
#[derive(Debug, Clone)]
struct Outgoing {
    endpoint: String,
    tenant: String,
    ld: bool,
    /// The subscriber's @context (the Link header of a JSON notification).
    context: Value,
    qos: u8,
    receiver_info: Vec<(String, String)>,
    body: Value,
}

/// The broker's subscriptions (tenant, id) → subscription, shared by the handlers and the
/// notifier.
#[derive(Debug, Default)]
pub struct Registry {
    entries: BTreeMap<(String, String), Entry>,
}

impl Registry {
    /// Adds (or replaces) a subscription from its JSON body, which must carry its id.
    pub fn insert(&mut self, tenant: &str, raw: Value, ld: Arc<Context>) -> Result<(), String> {
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .ok_or("a subscription needs an id")?
            .to_owned();
        let mut entry = Entry::new(raw, ld)?;
        if let Some(old) = self.entries.remove(&(tenant.to_owned(), id.clone())) {
            entry.status = old.status;
        }
        self.entries.insert((tenant.to_owned(), id), entry);
        Ok(())
    }

    /// Gives a periodic (`timeInterval`) subscription the entities that exist when it is
    /// created: `entities` are the tenant's, it keeps those it selects.
    pub fn seed_periodic(&mut self, tenant: &str, id: &str, entities: Vec<Entity>) {
        let Some(entry) = self.entries.get_mut(&(tenant.to_owned(), id.to_owned())) else {
            return;
        };
        if entry.interval.is_none() {
            return;
        }
        for e in entities {
            if entry.selects(&e) {
                let c = Change {
                    tenant: tenant.to_owned(),
                    kind: ChangeKind::Created,
                    attributes: Vec::new(),
                    removed: Vec::new(),
                    at: now_rfc3339(),
                    entity: e,
                    previous: None,
                };
                let data = entry.data(&c);
                entry.periodic.insert(c.entity.id.clone(), data);
            }
        }
    }

    /// Whether a subscription is periodic (`timeInterval`).
    pub fn is_periodic(&self, tenant: &str, id: &str) -> bool {
        self.entries
            .get(&(tenant.to_owned(), id.to_owned()))
            .is_some_and(|e| e.interval.is_some())
    }

    /// Removes one; false when there was none.
    pub fn remove(&mut self, tenant: &str, id: &str) -> bool {
        self.entries
            .remove(&(tenant.to_owned(), id.to_owned()))
            .is_some()
    }

    /// Whether one exists.
    pub fn contains(&self, tenant: &str, id: &str) -> bool {
        self.entries
            .contains_key(&(tenant.to_owned(), id.to_owned()))
    }

    /// The stored body of one (without status), and the @context it was written with.
    pub fn raw(&self, tenant: &str, id: &str) -> Option<(&Value, Arc<Context>)> {
        self.entries
            .get(&(tenant.to_owned(), id.to_owned()))
            .map(|e| (&e.raw, e.ld.clone()))
    }

    /// One subscription as GET shows it.
    pub fn get(&self, tenant: &str, id: &str) -> Option<Value> {
        let now = now_millis();
        self.entries
            .get(&(tenant.to_owned(), id.to_owned()))
            .map(|e| e.to_json(now))
    }

    /// A tenant's subscriptions as GET shows them.
    pub fn list(&self, tenant: &str) -> Vec<Value> {
        let now = now_millis();
        self.entries
            .iter()
            .filter(|((t, _), _)| t == tenant)
            .map(|(_, e)| e.to_json(now))
            .collect()
    }

    /// How one subscription's deliveries went.
    pub fn status(&self, tenant: &str, id: &str) -> Option<DeliveryStatus> {
        self.entries
            .get(&(tenant.to_owned(), id.to_owned()))
            .map(|e| e.status.clone())
    }

    /// Queues the changes for the subscriptions they match.
    fn enqueue(&mut self, changes: &[Change]) {
        if self.entries.is_empty() {
            return;
        }
        let now = now_millis();
        for ((tenant, _), entry) in &mut self.entries {
            if !entry.active(now) {
                continue;
            }
            for c in changes {
                if c.tenant != *tenant {
                    continue;
                }
                if entry.interval.is_some() {
                    // Periodic: keep what it selects now; sent on the interval.
                    if c.kind != ChangeKind::Deleted && entry.selects(&c.entity) {
                        let data = entry.data(c);
                        entry.periodic.insert(c.entity.id.clone(), data);
                    } else {
                        entry.periodic.remove(&c.entity.id);
                    }
                } else if entry.matches(c) {
                    let data = entry.data(c);
                    entry.queued.insert(c.entity.id.clone(), data);
                }
            }
        }
    }

    /// Takes the notifications whose throttling allows sending now.
    fn take_due(&mut self, now: Instant) -> Vec<((String, String), Outgoing)> {
        let mut out = Vec::new();
        let now_ms = now_millis();
        for (key, entry) in &mut self.entries {
            if let Some(interval) = entry.interval {
                let due = entry
                    .last_sent
                    .is_none_or(|t| now.duration_since(t) >= Duration::from_secs_f64(interval));
                if due && !entry.periodic.is_empty() && entry.active(now_ms) {
                    entry.queued = entry.periodic.clone();
                } else {
                    continue;
                }
            }
            if entry.queued.is_empty() {
                continue;
            }
            let wait = Duration::from_secs_f64(entry.sub.throttling.unwrap_or(0.0).max(0.0));
            if entry.interval.is_none()
                && entry
                    .last_sent
                    .is_some_and(|t| now.duration_since(t) < wait)
            {
                continue;
            }
            entry.last_sent = Some(now);
            let data: Vec<Value> = std::mem::take(&mut entry.queued).into_values().collect();
            let qos = notifier_info(&entry.raw, "MQTT-QoS")
                .and_then(|q| q.parse().ok())
                .unwrap_or(0);
            let receiver_info = info_pairs(&entry.raw, "receiverInfo");
            let ld = entry
                .sub
                .accept
                .as_deref()
                .is_some_and(|a| a.contains("ld+json"));
            let context = entry.ld.response_context();
            for chunk in data.chunks(MAX_ENTITIES_PER_NOTIFICATION) {
                let mut body = json!({
                    "id": new_id("Notification"),
                    "type": "Notification",
                    "subscriptionId": key.1,
                    "notifiedAt": now_rfc3339(),
                    "data": chunk,
                });
                if ld {
                    body["@context"] = context.clone();
                }
                out.push((
                    key.clone(),
                    Outgoing {
                        endpoint: entry.sub.endpoint.clone(),
                        tenant: key.0.clone(),
                        ld,
                        context: context.clone(),
                        qos,
                        receiver_info: receiver_info.clone(),
                        body,
                    },
                ));
            }
        }
        out
    }

    fn record(&mut self, key: &(String, String), result: Result<(), String>) {
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        let now = format_millis(now_millis());
        e.status.last_notification = Some(now.clone());
        match result {
            Ok(()) => {
                e.status.times_sent += 1;
                e.status.last_success = Some(now);
            }
            Err(why) => {
                e.status.times_failed += 1;
                e.status.last_failure = Some((now, why));
            }
        }
    }
}

/// NGSI-LD Null as the content of an attribute of a kind.
fn null_of(kind: AttributeKind) -> Value {
    const NULL: &str = "urn:ngsi-ld:null";
    match kind {
        AttributeKind::LanguageProperty => json!({"@none": NULL}),
        AttributeKind::ListProperty | AttributeKind::ListRelationship => json!([NULL]),
        _ => json!(NULL),
    }
}

/// `pick`/`omit` as a list or a comma-separated string.
fn pick_list(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => None,
    }
}

fn info_pairs(raw: &Value, member: &str) -> Vec<(String, String)> {
    raw.pointer(&format!("/notification/endpoint/{member}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|kv| {
            Some((
                kv.get("key")?.as_str()?.to_owned(),
                kv.get("value")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn notifier_info(raw: &Value, key: &str) -> Option<String> {
    info_pairs(raw, "notifierInfo")
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The sending side of the change channel (given to the store as its sink).
pub type ChangeSender = UnboundedSender<Vec<Change>>;

/// Makes the change channel.
pub fn channel() -> (ChangeSender, UnboundedReceiver<Vec<Change>>) {
    unbounded_channel()
}

/// Runs the notifier until the change channel closes. Call inside a tokio runtime.
pub async fn run(registry: Arc<Mutex<Registry>>, mut changes: UnboundedReceiver<Vec<Change>>) {
    // HTTPS endpoints through rustls with the ring provider (as the client).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        // Header names as written (`Link`, `NGSILD-Tenant`, receiverInfo keys): some
        // receivers compare them case-sensitively.
        .http1_title_case_headers()
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("broker: notifications are off, no HTTP client: {e}");
            return;
        }
    };
    let mut senders: HashMap<(String, String), UnboundedSender<Outgoing>> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            got = changes.recv() => {
                let Some(first) = got else { return };
                let Ok(mut reg) = registry.lock() else { return };
                reg.enqueue(&first);
                while let Ok(more) = changes.try_recv() {
                    reg.enqueue(&more);
                }
            }
            _ = tick.tick() => {}
        }
        let due = match registry.lock() {
            Ok(mut reg) => {
                senders.retain(|k, _| reg.entries.contains_key(k));
                reg.take_due(Instant::now())
            }
            Err(_) => return,
        };
        for (key, out) in due {
            let tx = senders.entry(key.clone()).or_insert_with(|| {
                let (tx, rx) = unbounded_channel();
                tokio::spawn(deliver(key.clone(), rx, registry.clone(), http.clone()));
                tx
            });
            let _ = tx.send(out);
        }
    }
}

/// Sends one subscription's notifications in order.
async fn deliver(
    key: (String, String),
    mut queue: UnboundedReceiver<Outgoing>,
    registry: Arc<Mutex<Registry>>,
    http: reqwest::Client,
) {
    let mut mqtt: Option<(MqttEndpoint, rumqttc::AsyncClient)> = None;
    while let Some(out) = queue.recv().await {
        let result = if out.endpoint.starts_with("mqtt") {
            publish(&mut mqtt, &key.1, &out).await
        } else {
            post(&http, &out).await
        };
        if let Err(why) = &result {
            tracing::warn!("broker: notification for {} failed: {why}", key.1);
        }
        match registry.lock() {
            Ok(mut reg) => reg.record(&key, result),
            Err(_) => return,
        }
    }
}

fn link_header(context: &Value) -> String {
    let url = match context {
        Value::String(u) => u.as_str(),
        Value::Array(items) if items.len() == 1 => items[0].as_str().unwrap_or(CORE_CONTEXT),
        _ => CORE_CONTEXT,
    };
    format!("<{url}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\"")
}

async fn post(http: &reqwest::Client, out: &Outgoing) -> Result<(), String> {
    let mut req = http.post(&out.endpoint).body(out.body.to_string());
    req = if out.ld {
        req.header("Content-Type", "application/ld+json")
    } else {
        req.header("Content-Type", "application/json")
            .header("Link", link_header(&out.context))
    };
    if !out.tenant.is_empty() {
        req = req.header("NGSILD-Tenant", &out.tenant);
    }
    for (k, v) in &out.receiver_info {
        req = req.header(k, v);
    }
    let resp = req.send().await.map_err(|e| {
        let e = e.without_url();
        format!("{}: {e}", endpoint_for_log(&out.endpoint))
    })?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "{} answered {}",
            endpoint_for_log(&out.endpoint),
            resp.status()
        ))
    }
}

/// The endpoint without any query string (which may hold a token).
fn endpoint_for_log(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

async fn publish(
    conn: &mut Option<(MqttEndpoint, rumqttc::AsyncClient)>,
    subscription: &str,
    out: &Outgoing,
) -> Result<(), String> {
    let endpoint = MqttEndpoint::parse(&out.endpoint)?;
    let reuse = conn.as_ref().is_some_and(|(e, _)| {
        e.host == endpoint.host && e.port == endpoint.port && e.credentials == endpoint.credentials
    });
    if !reuse {
        let id = format!(
            "citytwin-broker-{}",
            subscription.rsplit(':').next().unwrap_or("sub")
        );
        let (client, mut events) =
            rumqttc::AsyncClient::new(endpoint.options(&id, 16 * 1024 * 1024), 1000);
        let shown = endpoint.to_string();
        tokio::spawn(async move {
            // The event loop connects, reconnects and sends; it ends when the client is dropped.
            loop {
                match events.poll().await {
                    Ok(_) => {}
                    Err(rumqttc::ConnectionError::RequestsDone) => return,
                    Err(e) => {
                        tracing::debug!("broker: MQTT {shown}: {e}");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
        *conn = Some((endpoint.clone(), client));
    }
    let Some((_, client)) = conn.as_ref() else {
        return Err("no MQTT connection".to_owned());
    };
    let mut metadata =
        json!({"Content-Type": if out.ld { "application/ld+json" } else { "application/json" }});
    if !out.ld {
        metadata["Link"] = json!(link_header(&out.context));
    }
    if !out.tenant.is_empty() {
        metadata["NGSILD-Tenant"] = json!(out.tenant);
    }
    for (k, v) in &out.receiver_info {
        metadata[k] = json!(v);
    }
    let payload = json!({"metadata": metadata, "body": out.body}).to_string();
    tokio::time::timeout(
        Duration::from_secs(5),
        client.publish(
            endpoint.topic.clone(),
            mqtt::qos(out.qos),
            false,
            payload.into_bytes(),
        ),
    )
    .await
    .map_err(|_| format!("{endpoint}: the MQTT broker does not take messages"))?
    .map_err(|e| format!("{endpoint}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ngsi_ld::{Representation, parse_entity};

    fn change(kind: ChangeKind, attrs: &[&str], no2: f64) -> Change {
        let e = parse_entity(
            &json!({"id": "urn:ngsi-ld:AirQualityObserved:1", "type": "AirQualityObserved",
                    "no2": no2, "location": {"type": "Point", "coordinates": [18.07, 59.33]}}),
            Representation::Concise,
        )
        .unwrap()
        .0;
        // As the store holds it: names expanded.
        let core = Context::core();
        let mut e = e;
        core.expand_entity(&mut e);
        Change {
            tenant: String::new(),
            kind,
            attributes: attrs.iter().map(|s| core.expand(s)).collect(),
            removed: vec![],
            entity: e,
            previous: None,
            at: "2026-11-23T10:00:00Z".into(),
        }
    }

    fn registry(sub: Value) -> Registry {
        let mut r = Registry::default();
        r.insert("", sub, Context::core()).unwrap();
        r
    }

    fn base() -> Value {
        json!({"id": "urn:s:1", "type": "Subscription",
               "entities": [{"type": "AirQualityObserved"}],
               "notification": {"endpoint": {"uri": "http://127.0.0.1:1/n"}}})
    }

    #[test]
    fn watched_attributes_q_and_geo_filter() {
        let mut s = base();
        s["watchedAttributes"] = json!(["no2"]);
        s["q"] = json!("no2>40");
        s["geoQ"] = json!({"georel": "near;maxDistance==1000", "geometry": "Point", "coordinates": [18.07, 59.33]});
        let mut r = registry(s);
        r.enqueue(&[change(ChangeKind::Updated, &["temperature"], 50.0)]);
        assert!(
            r.take_due(Instant::now()).is_empty(),
            "not a watched attribute"
        );
        r.enqueue(&[change(ChangeKind::Updated, &["no2"], 30.0)]);
        assert!(r.take_due(Instant::now()).is_empty(), "q does not hold");
        r.enqueue(&[change(ChangeKind::Updated, &["no2"], 50.0)]);
        let due = r.take_due(Instant::now());
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].1.body["data"][0]["no2"]["value"], 50.0);
        assert_eq!(due[0].1.body["subscriptionId"], "urn:s:1");
        let mut s = base();
        s["geoQ"] = json!({"georel": "near;maxDistance==1000", "geometry": "Point", "coordinates": [11.0, 48.0]});
        let mut r = registry(s);
        r.enqueue(&[change(ChangeKind::Updated, &["no2"], 50.0)]);
        assert!(r.take_due(Instant::now()).is_empty(), "outside the geoQ");
    }

    #[test]
    fn throttling_coalesces_and_deletions_need_their_trigger() {
        let mut s = base();
        s["throttling"] = json!(10);
        let mut r = registry(s);
        let t0 = Instant::now();
        r.enqueue(&[change(ChangeKind::Updated, &["no2"], 1.0)]);
        assert_eq!(r.take_due(t0).len(), 1);
        r.enqueue(&[change(ChangeKind::Updated, &["no2"], 2.0)]);
        r.enqueue(&[change(ChangeKind::Updated, &["no2"], 3.0)]);
        assert!(r.take_due(t0 + Duration::from_secs(5)).is_empty());
        let due = r.take_due(t0 + Duration::from_secs(11));
        assert_eq!(due.len(), 1, "queued while throttled, sent once");
        assert_eq!(due[0].1.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(
            due[0].1.body["data"][0]["no2"]["value"], 3.0,
            "the latest state"
        );
        r.enqueue(&[change(ChangeKind::Deleted, &[], 3.0)]);
        assert!(r.take_due(t0 + Duration::from_secs(30)).is_empty());
        let mut s = base();
        s["notificationTrigger"] = json!(["entityDeleted"]);
        let mut r = registry(s);
        r.enqueue(&[change(ChangeKind::Deleted, &[], 3.0)]);
        let due = r.take_due(Instant::now());
        assert_eq!(
            due[0].1.body["data"][0]["deletedAt"],
            "2026-11-23T10:00:00Z"
        );
    }

    #[test]
    fn refuses_what_it_cannot_do() {
        let mut s = base();
        s["notification"]["endpoint"]["uri"] = json!("ftp://x");
        assert!(Registry::default().insert("", s, Context::core()).is_err());
        let mut s = base();
        s["timeInterval"] = json!(0);
        assert!(Registry::default().insert("", s, Context::core()).is_err());
        let mut s = base();
        s["timeInterval"] = json!(60);
        s["throttling"] = json!(5);
        assert!(
            Registry::default()
                .insert("", s, Context::core())
                .unwrap_err()
                .contains("timeInterval")
        );
    }

    #[test]
    fn a_periodic_subscription_sends_what_it_selects_every_interval() {
        let mut s = base();
        s["timeInterval"] = json!(60);
        s.as_object_mut().unwrap().remove("watchedAttributes");
        let mut reg = Registry::default();
        reg.insert("", s, Context::core()).unwrap();
        let id = reg.list("")[0]["id"].as_str().unwrap().to_owned();
        let now = Instant::now();
        assert!(reg.take_due(now).is_empty(), "nothing selected yet");
        reg.seed_periodic("", &id, vec![change(ChangeKind::Created, &[], 10.0).entity]);
        let due = reg.take_due(now);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].1.body["data"].as_array().unwrap().len(), 1);
        // A change alone does not notify before the interval has passed…
        reg.enqueue(&[change(ChangeKind::Updated, &["NO2"], 20.0)]);
        assert!(reg.take_due(now + Duration::from_secs(30)).is_empty());
        // …and the interval sends the latest state.
        let due = reg.take_due(now + Duration::from_secs(61));
        assert_eq!(due.len(), 1);
        assert!(due[0].1.body["data"][0].to_string().contains("20"));
        // Deleted: nothing left to send.
        reg.enqueue(&[change(ChangeKind::Deleted, &[], 20.0)]);
        assert!(reg.take_due(now + Duration::from_secs(200)).is_empty());
    }
}
