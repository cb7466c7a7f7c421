//! The live feed: a thread that keeps the sensors in step with the broker and sends what
//! changed through a channel. No Bevy here; the plugin applies the messages in bounded batches.
//!
//! It first reads every sensor with a query, then subscribes (an NGSI-LD subscription for the
//! types of the sensor layers) and applies the notifications as they come:
//!
//! * over **MQTT**: the viewer connects to `live.mqtt_url`, listens on a topic of its own and
//!   asks the broker to publish there (Orion-LD and Scorpio wrap notifications in a
//!   `{"body", "metadata"}` envelope; both forms are read);
//! * over **HTTP**: the viewer serves `POST /notify/<token>` on `live.http_bind` and gives the
//!   broker that URL (or `live.http_url`). Notifications for a subscription it did not create
//!   are refused (403), bodies over `live.max_notification_kb` too (413), malformed ones get
//!   400; all are counted and shown in the status bar;
//! * by **polling** when neither works, with the reason in the status bar.
//!
//! Every change goes through [`SensorStore`], so a duplicate or a late notification (an older
//! `observedAt`) never rolls a value back. Every `sensors.poll_interval_s` the feed checks that
//! its subscription still exists and is delivered; after an outage (broker, MQTT broker or
//! network) it queries everything again, so no change is lost, and subscribes again if the
//! broker forgot the subscription. When the feed stops it deletes its subscription. For the
//! demo it also runs the simulator ([`crate::simulate`]) against the local broker.

use super::Sensor;
use super::model::{Colors, Decoder, Merge, MergeStats, SensorLayer, SensorStore};
use super::replay::{self, Point};
use crate::georef::{Georef, LonLat};
use crate::ngsi_ld::client::{Client, ClientConfig};
use crate::ngsi_ld::mqtt::MqttEndpoint;
use crate::ngsi_ld::request::EntityQuery;
use crate::ngsi_ld::subscription::{EntitySelector, Subscription};
use crate::ngsi_ld::{Representation, parse_notification};
use crate::simulate::{self, SimSensor};
use crossbeam_channel::{Receiver, Sender};
use serde_json::Value;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// How changes reach the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveMode {
    /// Not live: the data came from a file.
    Off,
    /// Starting.
    Connecting,
    /// Notifications through an MQTT broker.
    Mqtt,
    /// Notifications POSTed to the viewer's endpoint.
    Http,
    /// Querying the broker at an interval.
    Polling,
    /// The broker cannot be reached: what is shown is the last known state.
    Offline,
}

impl LiveMode {
    /// A short name for the status bar.
    pub fn label(&self) -> &'static str {
        match self {
            LiveMode::Off => "not live",
            LiveMode::Connecting => "connecting",
            LiveMode::Mqtt => "live (MQTT notifications)",
            LiveMode::Http => "live (HTTP notifications)",
            LiveMode::Polling => "live (polling)",
            LiveMode::Offline => "offline",
        }
    }
}

/// Running counts of the feed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedStats {
    /// What merging did.
    pub merge: MergeStats,
    /// Notifications accepted.
    pub notifications: u64,
    /// Notifications refused: a subscription this viewer did not create, or a wrong address.
    pub refused: u64,
    /// Notifications that could not be read.
    pub malformed: u64,
    /// Notifications over the size limit.
    pub too_large: u64,
    /// Full queries after the first (resynchronisations and polls).
    pub queries: u64,
}

/// What the live feed sends.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveMessage {
    /// A sensor appeared or changed; when the change reached the viewer.
    Changed(Box<Sensor>, Instant),
    /// A sensor was deleted in the broker.
    Removed(String, Instant),
    /// The mode, with why (shown in the status bar).
    Status(LiveMode, String),
    /// Running counts.
    Stats(FeedStats),
    /// A sensor's recent history, asked for with [`LiveFeed::history`]: (time in ms since the
    /// epoch, value) in time order, or why there is none.
    History {
        /// The sensor.
        id: String,
        /// The attribute.
        attribute: String,
        /// The samples, or why they could not be read.
        points: Result<Vec<(i64, f64)>, String>,
    },
    /// The sensors' values over a span, asked for with [`LiveFeed::replay`].
    Replay {
        /// Start of the span (ms since 1970, UTC).
        from_ms: i64,
        /// End of the span.
        to_ms: i64,
        /// Per sensor, its values in time order; or why none could be read.
        series: Result<Vec<(String, Vec<Point>)>, String>,
        /// Layers read raw because the broker could not average them, with its reason.
        notes: Vec<String>,
    },
}

/// What the scene asks of the feed.
#[derive(Debug, Clone)]
enum FeedRequest {
    /// Follow these entity types (those of the visible layers) from now on.
    Follow(Vec<String>),
    /// A question answered by a message of its own.
    Ask(Question),
}

/// A question about the past.
#[derive(Debug, Clone)]
enum Question {
    History {
        id: String,
        attribute: String,
        hours: f64,
    },
    Replay {
        from_ms: i64,
        to_ms: i64,
    },
}

/// Which way notifications should come (`live.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// MQTT if configured and reachable, else HTTP if the broker can call the viewer, else
    /// polling.
    Auto,
    /// MQTT only (polling if it fails).
    Mqtt,
    /// HTTP only (polling if it fails).
    Http,
    /// Polling only.
    Poll,
}

/// Where notifications come in (`[live]`).
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The way asked for.
    pub transport: Transport,
    /// The MQTT broker.
    pub mqtt: Option<MqttEndpoint>,
    /// Where the HTTP endpoint listens.
    pub http_bind: SocketAddr,
    /// The URL the broker should call (derived from `http_bind` when `None`).
    pub http_url: Option<String>,
    /// Largest notification accepted.
    pub max_bytes: usize,
    /// Throttling asked of the broker (s).
    pub throttling: f64,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            transport: Transport::Auto,
            mqtt: None,
            http_bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            http_url: None,
            max_bytes: 4 << 20,
            throttling: 0.0,
        }
    }
}

impl NotifySettings {
    /// From the `[live]` configuration (already validated).
    pub fn from_config(c: &crate::config::LiveConfig) -> Self {
        Self {
            transport: match c.mode.as_str() {
                "mqtt" => Transport::Mqtt,
                "http" => Transport::Http,
                "poll" => Transport::Poll,
                _ => Transport::Auto,
            },
            mqtt: (!c.mqtt_url.is_empty())
                .then(|| MqttEndpoint::parse(&c.mqtt_url).ok())
                .flatten(),
            http_bind: c
                .http_bind
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0))),
            http_url: (!c.http_url.is_empty()).then(|| c.http_url.clone()),
            max_bytes: (c.max_notification_kb * 1024.0) as usize,
            throttling: c.throttling_s,
        }
    }
}

/// What the live feed needs: where to read, what, and how to place it.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// The broker.
    pub client: ClientConfig,
    /// The sensor layers.
    pub layers: Vec<SensorLayer>,
    /// Scene origin and projected CRS (the city's, so sensors land among the buildings).
    pub origin: LonLat,
    /// Projected CRS.
    pub crs: String,
    /// Farthest distance from the origin accepted (m).
    pub max_distance_m: f64,
    /// Time between two queries when polling, and between two checks otherwise.
    pub poll_interval: Duration,
    /// How notifications come in.
    pub notify: NotifySettings,
    /// Simulated sensors to keep changing (the demo), and at what rate per second.
    pub simulation: Option<(Vec<SimSensor>, f64)>,
}

/// A running live feed; dropping it stops the thread and deletes its subscription (waiting
/// up to 3 s for the broker).
#[derive(Debug)]
pub struct LiveFeed {
    /// Messages for the scene.
    pub messages: Receiver<LiveMessage>,
    requests: UnboundedSender<FeedRequest>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LiveFeed {
    /// Asks for a sensor attribute's values over the last `hours` from the broker's temporal
    /// API; the answer comes as [`LiveMessage::History`].
    pub fn history(&self, id: &str, attribute: &str, hours: f64) {
        let _ = self.requests.send(FeedRequest::Ask(Question::History {
            id: id.to_owned(),
            attribute: attribute.to_owned(),
            hours,
        }));
    }

    /// Asks for every sensor's values between two times (ms since 1970, UTC) for the time
    /// panel: averages over [`replay::PERIOD`] for numbers, each change for text values; the
    /// answer comes as [`LiveMessage::Replay`].
    pub fn replay(&self, from_ms: i64, to_ms: i64) {
        let _ = self
            .requests
            .send(FeedRequest::Ask(Question::Replay { from_ms, to_ms }));
    }

    /// Follows these entity types from now on (the visible layers'): subscribes for them
    /// instead, and queries them again so that a layer shown again is up to date. Sensors of
    /// types no longer followed keep their last values.
    pub fn follow_types(&self, types: &[String]) {
        let _ = self.requests.send(FeedRequest::Follow(types.to_vec()));
    }
}

impl Drop for LiveFeed {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let deadline = Instant::now() + Duration::from_secs(3);
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

/// Starts the live feed on a thread of its own.
pub fn start(settings: LiveSettings) -> LiveFeed {
    let (tx, rx) = crossbeam_channel::unbounded();
    let (req_tx, req_rx) = unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let thread_stop = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("citytwin-live".to_owned())
        .spawn(move || run(settings, &tx, req_rx, thread_stop));
    let thread = match spawned {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::error!("cannot start the live feed: {e}");
            None
        }
    };
    LiveFeed {
        messages: rx,
        requests: req_tx,
        stop,
        thread,
    }
}

/// What the transports hand to the feed.
#[derive(Debug)]
enum Inbound {
    /// A notification body (or MQTT envelope), already checked to be ours, and its arrival.
    Notification(Value, Instant),
    /// The MQTT connection is (again) up.
    Connected,
    /// The MQTT connection was lost.
    Disconnected(String),
}

/// Counters and the subscription ids the endpoints accept, shared with them.
#[derive(Debug, Default)]
struct Gate {
    ours: Mutex<HashSet<String>>,
    refused: AtomicU64,
    malformed: AtomicU64,
    too_large: AtomicU64,
}

impl Gate {
    /// Reads a notification body; `Ok(Some)` when it answers one of our subscriptions.
    fn admit(&self, bytes: &[u8]) -> Result<Value, Refusal> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| {
            self.malformed.fetch_add(1, Ordering::Relaxed);
            Refusal::Malformed(format!("not JSON: {e}"))
        })?;
        let body = notification_body(&v);
        let Some(id) = body.get("subscriptionId").and_then(Value::as_str) else {
            self.malformed.fetch_add(1, Ordering::Relaxed);
            return Err(Refusal::Malformed(
                "not an NGSI-LD notification (no subscriptionId)".to_owned(),
            ));
        };
        let known = self.ours.lock().map(|o| o.contains(id)).unwrap_or(false);
        if !known {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(Refusal::Foreign(id.to_owned()));
        }
        Ok(v)
    }
}

#[derive(Debug)]
enum Refusal {
    Malformed(String),
    Foreign(String),
}

/// The notification inside an MQTT envelope, or the value itself.
fn notification_body(v: &Value) -> &Value {
    match v.get("body") {
        Some(b) if v.get("subscriptionId").is_none() => b,
        _ => v,
    }
}

/// A random token for topics and endpoint paths.
fn token() -> String {
    crate::broker::notify::new_id("x")
        .rsplit(':')
        .next()
        .unwrap_or("0")
        .to_owned()
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or("")
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Serves the HTTP notification endpoint; returns the URL to give the broker.
async fn open_http(
    n: &NotifySettings,
    gate: Arc<Gate>,
    inbound: UnboundedSender<Inbound>,
) -> Result<String, String> {
    use axum::extract::{DefaultBodyLimit, Request, State};
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let listener = tokio::net::TcpListener::bind(n.http_bind)
        .await
        .map_err(|e| format!("cannot listen on {} for notifications: {e}", n.http_bind))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("notification endpoint: {e}"))?;
    let token = token();
    let url = match &n.http_url {
        Some(base) => format!("{}/{token}", base.trim_end_matches('/')),
        None => {
            let ip = if addr.ip().is_unspecified() {
                std::net::IpAddr::from([127, 0, 0, 1])
            } else {
                addr.ip()
            };
            format!("http://{}/notify/{token}", SocketAddr::new(ip, addr.port()))
        }
    };
    #[derive(Clone)]
    struct Endpoint {
        gate: Arc<Gate>,
        inbound: UnboundedSender<Inbound>,
        token: String,
        max: usize,
    }
    async fn receive(State(ep): State<Endpoint>, req: Request) -> axum::response::Response {
        let arrived = Instant::now();
        // Any path that ends with the token: a proxy in front may add a prefix.
        if req.method() != axum::http::Method::POST
            || req.uri().path().rsplit('/').next() != Some(ep.token.as_str())
        {
            ep.gate.refused.fetch_add(1, Ordering::Relaxed);
            return (StatusCode::NOT_FOUND, "no such notification endpoint").into_response();
        }
        let bytes = match axum::body::to_bytes(req.into_body(), ep.max).await {
            Ok(b) => b,
            Err(_) => {
                ep.gate.too_large.fetch_add(1, Ordering::Relaxed);
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("notifications are limited to {} bytes", ep.max),
                )
                    .into_response();
            }
        };
        match ep.gate.admit(&bytes) {
            Ok(v) => {
                let _ = ep.inbound.send(Inbound::Notification(v, arrived));
                StatusCode::NO_CONTENT.into_response()
            }
            Err(Refusal::Malformed(why)) => (StatusCode::BAD_REQUEST, why).into_response(),
            Err(Refusal::Foreign(id)) => (
                StatusCode::FORBIDDEN,
                format!("this viewer did not create subscription {id}"),
            )
                .into_response(),
        }
    }
    let router = axum::Router::new()
        .fallback(receive)
        .layer(DefaultBodyLimit::max(n.max_bytes))
        .with_state(Endpoint {
            gate,
            inbound,
            token,
            max: n.max_bytes,
        });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::warn!("notification endpoint stopped: {e}");
        }
    });
    Ok(url)
}

/// Connects to the MQTT broker and listens on a topic of the viewer's own; returns the URL to
/// give the NGSI-LD broker.
async fn open_mqtt(
    endpoint: &MqttEndpoint,
    max_bytes: usize,
    gate: Arc<Gate>,
    inbound: UnboundedSender<Inbound>,
) -> Result<String, String> {
    use rumqttc::{Event, Packet, QoS};
    let token = token();
    let topic = format!("citytwin/{token}");
    let (client, mut events) = rumqttc::AsyncClient::new(
        endpoint.options(&format!("citytwin-{token}"), max_bytes),
        100,
    );
    let shown = endpoint.to_string();
    client
        .try_subscribe(topic.clone(), QoS::AtLeastOnce)
        .map_err(|e| format!("MQTT {shown}: {e}"))?;
    // Wait for the connection and the subscription to be acknowledged.
    let ready = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::SubAck(_))) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    })
    .await;
    match ready {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("the MQTT broker {shown} cannot be reached: {e}")),
        Err(_) => return Err(format!("the MQTT broker {shown} did not answer within 3 s")),
    }
    let uri = endpoint.with_topic(&topic).uri();
    tokio::spawn(async move {
        let mut up = true;
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let arrived = Instant::now();
                    if p.payload.len() > max_bytes {
                        gate.too_large.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    if let Ok(v) = gate.admit(&p.payload) {
                        let _ = inbound.send(Inbound::Notification(v, arrived));
                    }
                }
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    // A new session: listen again, then tell the feed to resynchronise.
                    let _ = client.try_subscribe(topic.clone(), QoS::AtLeastOnce);
                }
                Ok(Event::Incoming(Packet::SubAck(_))) if !up => {
                    up = true;
                    let _ = inbound.send(Inbound::Connected);
                }
                Ok(_) => {}
                Err(rumqttc::ConnectionError::RequestsDone) => return,
                Err(e) => {
                    if up {
                        up = false;
                        let _ = inbound.send(Inbound::Disconnected(format!("{shown}: {e}")));
                    }
                    if inbound.is_closed() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(uri)
}

/// The feed's state while it runs.
struct Feed<'a> {
    tx: &'a Sender<LiveMessage>,
    client: Client,
    decoder: Decoder,
    store: SensorStore,
    query: EntityQuery,
    gate: Arc<Gate>,
    stats: FeedStats,
    last_stats: Instant,
    /// Turns true once the simulator has written its past values (at once without one), so
    /// that questions about the past wait for them.
    past_written: tokio::sync::watch::Receiver<bool>,
}

impl Feed<'_> {
    fn status(&self, mode: LiveMode, why: impl Into<String>) {
        let _ = self.tx.send(LiveMessage::Status(mode, why.into()));
    }

    /// The broker cannot be reached: say so, and that the last values stay.
    fn offline(&self, why: &dyn std::fmt::Display, every: Duration) {
        self.status(
            LiveMode::Offline,
            format!(
                "{why}; showing the last known values, retrying every {} s",
                every.as_secs_f64()
            ),
        );
    }

    fn send_stats(&mut self, force: bool) {
        if !force && self.last_stats.elapsed() < Duration::from_millis(250) {
            return;
        }
        self.last_stats = Instant::now();
        self.stats.merge = self.store.stats;
        self.stats.refused = self.gate.refused.load(Ordering::Relaxed);
        self.stats.malformed = self.gate.malformed.load(Ordering::Relaxed);
        self.stats.too_large = self.gate.too_large.load(Ordering::Relaxed);
        let _ = self.tx.send(LiveMessage::Stats(self.stats));
    }

    /// Reads every sensor of the followed types and sends what changed, and which
    /// disappeared.
    async fn query_all(&mut self) -> Result<(), String> {
        if self.query.types.is_empty() {
            return Ok(());
        }
        let page = self
            .client
            .query_all(&self.query, &mut |_, _| {})
            .await
            .map_err(|e| e.to_string())?;
        self.stats.queries += 1;
        let now = Instant::now();
        let mut present = HashSet::with_capacity(page.entities.len());
        for e in page.entities {
            present.insert(e.id.clone());
            self.merge(e, now);
        }
        for id in self.store.retain_only(&present, &self.query.types) {
            let _ = self.tx.send(LiveMessage::Removed(id, now));
        }
        self.send_stats(true);
        Ok(())
    }

    fn merge(&mut self, e: crate::ngsi_ld::Entity, arrived: Instant) {
        match self.store.merge(e, &self.decoder) {
            Merge::Changed(s) => {
                let _ = self.tx.send(LiveMessage::Changed(s, arrived));
            }
            Merge::Skipped(item) => {
                tracing::debug!("sensor {} skipped: {}", item.id, item.reason);
            }
            _ => {}
        }
    }

    /// Applies one notification (already known to be ours).
    fn notification(&mut self, v: &Value, arrived: Instant) {
        let body = notification_body(v);
        let deleted: HashSet<&str> = body
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|e| e.get("deletedAt").is_some())
            .filter_map(|e| e.get("id").and_then(Value::as_str))
            .collect();
        let n = match parse_notification(body, Representation::Normalized) {
            Ok(n) => n,
            Err(why) => {
                tracing::debug!("notification not read: {why}");
                self.gate.malformed.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        self.stats.notifications += 1;
        for id in &deleted {
            if let Merge::Removed(id) = self.store.remove(id) {
                let _ = self.tx.send(LiveMessage::Removed(id, arrived));
            }
        }
        for e in n.data.entities {
            if !deleted.contains(e.id.as_str()) {
                self.merge(e, arrived);
            }
        }
        self.send_stats(false);
    }
}

/// The subscription the viewer asks for.
fn subscription(types: &[String], endpoint: String, throttling: f64) -> Subscription {
    Subscription {
        id: Some(crate::broker::notify::new_id("Subscription")),
        entities: types
            .iter()
            .map(|t| EntitySelector {
                entity_type: Some(t.clone()),
                ..EntitySelector::default()
            })
            .collect(),
        triggers: [
            "entityCreated",
            "attributeCreated",
            "attributeUpdated",
            "entityDeleted",
        ]
        .map(str::to_owned)
        .to_vec(),
        format: Some("normalized".to_owned()),
        endpoint,
        accept: Some("application/json".to_owned()),
        throttling: (throttling > 0.0).then_some(throttling),
        is_active: true,
        ..Subscription::default()
    }
}

fn run(
    settings: LiveSettings,
    tx: &Sender<LiveMessage>,
    requests: UnboundedReceiver<FeedRequest>,
    stop: Arc<AtomicBool>,
) {
    let status = |mode: LiveMode, why: String| {
        let _ = tx.send(LiveMessage::Status(mode, why));
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return status(LiveMode::Off, format!("no network runtime: {e}")),
    };
    let georef = match Georef::new(settings.origin, Some(&settings.crs)) {
        Ok(g) => g,
        Err(e) => return status(LiveMode::Off, e.to_string()),
    };
    let decoder = Decoder::new(settings.layers.clone(), georef, settings.max_distance_m);
    let client = match Client::new(settings.client.clone()) {
        Ok(c) => c,
        Err(e) => return status(LiveMode::Off, e.to_string()),
    };
    if settings.layers.is_empty() {
        return status(LiveMode::Off, "no sensor layers are configured".to_owned());
    }
    let types = followed_types(&settings.layers);
    runtime.block_on(async {
        let (past_tx, past_written) = tokio::sync::watch::channel(true);
        if let Some((mut sensors, rate)) = settings.simulation.clone()
            && let Ok(client) = Client::new(settings.client.clone())
        {
            let stop = stop.clone();
            past_tx.send_replace(false);
            tokio::spawn(async move {
                // The last 24 hours, so that the history chart and the time panel have
                // something to show.
                let now = crate::timestamp::now_millis();
                for s in &sensors {
                    let past = simulate::history(s, now, 24.0, 10 * 60_000, 1);
                    if let Err(e) = client.temporal_create(&past).await {
                        tracing::info!("simulator: no past values written: {e}");
                        break;
                    }
                }
                past_tx.send_replace(true);
                simulate::run(&client, &mut sensors, rate, 1, stop, |_, e| {
                    if let Some(e) = e {
                        tracing::warn!("simulator: {e}");
                    }
                })
                .await;
            });
        }
        let feed = Feed {
            tx,
            client,
            decoder,
            store: SensorStore::new(),
            query: EntityQuery {
                types: types.clone(),
                ..EntityQuery::default()
            },
            gate: Arc::new(Gate::default()),
            stats: FeedStats::default(),
            last_stats: Instant::now(),
            past_written,
        };
        follow(feed, &settings, types, requests, &stop).await;
    });
}

/// Opens the notification channel the settings ask for; the endpoint URL and its mode, or
/// why there is none.
async fn open_channel(
    settings: &LiveSettings,
    gate: &Arc<Gate>,
    inbound: &UnboundedSender<Inbound>,
) -> Result<(LiveMode, String), String> {
    let n = &settings.notify;
    let mut why = Vec::new();
    if matches!(n.transport, Transport::Auto | Transport::Mqtt) {
        match &n.mqtt {
            Some(m) => match open_mqtt(m, n.max_bytes, gate.clone(), inbound.clone()).await {
                Ok(uri) => return Ok((LiveMode::Mqtt, uri)),
                Err(e) => why.push(e),
            },
            None if n.transport == Transport::Mqtt => {
                why.push("live.mqtt_url is not set".to_owned());
            }
            None => {}
        }
    }
    if matches!(n.transport, Transport::Auto | Transport::Http) {
        let reachable = n.transport == Transport::Http
            || n.http_url.is_some()
            || is_loopback_url(&settings.client.url);
        if reachable {
            match open_http(n, gate.clone(), inbound.clone()).await {
                Ok(uri) => return Ok((LiveMode::Http, uri)),
                Err(e) => why.push(e),
            }
        } else {
            why.push(
                "the broker is on another machine and cannot call this viewer: set live.mqtt_url, or live.http_url to an address the broker can reach"
                    .to_owned(),
            );
        }
    }
    if n.transport == Transport::Poll {
        why.push("live.mode is \"poll\"".to_owned());
    }
    Err(why.join("; "))
}

/// Answers a request of the scene in a task of its own.
fn answer(
    settings: &LiveSettings,
    tx: &Sender<LiveMessage>,
    mut past_written: tokio::sync::watch::Receiver<bool>,
    question: Question,
) {
    let config = settings.client.clone();
    let layers = settings.layers.clone();
    let tx = tx.clone();
    tokio::spawn(async move {
        // The simulator's past values first (a minute at most: they are only the demo's).
        let _ = tokio::time::timeout(
            Duration::from_secs(60),
            past_written.wait_for(|written| *written),
        )
        .await;
        let client = Client::new(config).map_err(|e| e.to_string());
        let message = match question {
            Question::History {
                id,
                attribute,
                hours,
            } => {
                let points = match client {
                    Err(e) => Err(e),
                    Ok(c) => read_history(&c, &id, &attribute, hours).await,
                };
                LiveMessage::History {
                    id,
                    attribute,
                    points,
                }
            }
            Question::Replay { from_ms, to_ms } => {
                let mut notes = Vec::new();
                let series = match client {
                    Err(e) => Err(e),
                    Ok(c) => read_replay(&c, &layers, from_ms, to_ms, &mut notes).await,
                };
                LiveMessage::Replay {
                    from_ms,
                    to_ms,
                    series,
                    notes,
                }
            }
        };
        let _ = tx.send(message);
    });
}

/// A sensor attribute's values over the last `hours` (at most 5,000), oldest first.
async fn read_history(
    client: &Client,
    id: &str,
    attribute: &str,
    hours: f64,
) -> Result<Vec<(i64, f64)>, String> {
    use crate::ngsi_ld::temporal::{TemporalQuery, TimeRel};
    let since = crate::timestamp::now_millis() - (hours * 3_600_000.0) as i64;
    let q = TemporalQuery {
        entities: EntityQuery {
            ids: vec![id.to_owned()],
            attrs: vec![attribute.to_owned()],
            ..EntityQuery::default()
        },
        timerel: Some(TimeRel::After(crate::timestamp::format_millis(since))),
        last_n: Some(5000),
        temporal_values: true,
        ..TemporalQuery::default()
    };
    let found = client
        .temporal(&q)
        .await
        .map_err(|e| format!("no history from the broker: {e}"))?;
    Ok(found
        .iter()
        .filter_map(|t| t.series.get(attribute))
        .flatten()
        .filter_map(|s| Some((crate::timestamp::parse_millis(&s.at)?, s.value.as_f64()?)))
        .collect())
}

/// Every sensor's values between two times, layer by layer: numbers as averages over
/// [`replay::PERIOD`] (each instance when the broker cannot aggregate; `notes` says so), text
/// values as each instance.
async fn read_replay(
    client: &Client,
    layers: &[SensorLayer],
    from_ms: i64,
    to_ms: i64,
    notes: &mut Vec<String>,
) -> Result<Vec<(String, Vec<Point>)>, String> {
    use crate::ngsi_ld::temporal::{TemporalQuery, TimeRel};
    use crate::timestamp::{format_millis, parse_millis};
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for layer in layers {
        if !seen.insert((layer.entity_type.as_str(), layer.attribute.as_str())) {
            continue;
        }
        let raw = TemporalQuery {
            entities: EntityQuery {
                types: vec![layer.entity_type.clone()],
                attrs: vec![layer.attribute.clone()],
                ..EntityQuery::default()
            },
            timerel: Some(TimeRel::Between(
                format_millis(from_ms),
                format_millis(to_ms),
            )),
            temporal_values: true,
            ..TemporalQuery::default()
        };
        let averaged = TemporalQuery {
            temporal_values: false,
            aggregate: Some((vec!["avg".to_owned()], replay::PERIOD.to_owned())),
            ..raw.clone()
        };
        let numeric = matches!(layer.colors, Colors::Stops { .. });
        let mut found = None;
        if numeric {
            match client.temporal(&averaged).await {
                Ok(f) => found = Some((f, true)),
                Err(e) => notes.push(format!(
                    "{}: each value, as the broker did not average them ({e})",
                    layer.name
                )),
            }
        }
        let (found, is_averaged) = match found {
            Some(f) => f,
            None => (
                client
                    .temporal(&raw)
                    .await
                    .map_err(|e| format!("no history from the broker for {}: {e}", layer.name))?,
                false,
            ),
        };
        for t in found {
            let samples = if is_averaged {
                t.aggregates
                    .get(&layer.attribute)
                    .and_then(|m| m.get("avg"))
            } else {
                t.series.get(&layer.attribute)
            };
            let points: Vec<Point> = samples
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    let from = parse_millis(&s.at)?;
                    let until = s.until.as_deref().and_then(parse_millis).unwrap_or(from);
                    let reading = super::model::reading_of_value(&s.value, layer.factor);
                    // Some brokers give empty periods as null.
                    if is_averaged && reading == super::Reading::Missing {
                        return None;
                    }
                    Some(Point {
                        from,
                        until,
                        reading,
                    })
                })
                .collect();
            if !points.is_empty() {
                out.push((t.id, points));
            }
        }
    }
    Ok(out)
}

/// The entity types of the visible layers, sorted, once each.
pub fn followed_types(layers: &[SensorLayer]) -> Vec<String> {
    let mut types: Vec<String> = layers
        .iter()
        .filter(|l| l.visible)
        .map(|l| l.entity_type.clone())
        .collect();
    types.sort();
    types.dedup();
    types
}

async fn follow(
    mut feed: Feed<'_>,
    settings: &LiveSettings,
    mut types: Vec<String>,
    mut requests: UnboundedReceiver<FeedRequest>,
    stop: &AtomicBool,
) {
    let every = settings.poll_interval;
    let (in_tx, mut inbound): (UnboundedSender<Inbound>, UnboundedReceiver<Inbound>) =
        unbounded_channel();
    let mut channel = open_channel(settings, &feed.gate, &in_tx).await;
    let mut subscription_id: Option<String> = None;
    let mut resync = true;
    let mut had_outage = false;
    // Set while notifications cannot arrive (MQTT down, delivery failing): poll meanwhile.
    let mut interrupted: Option<String> = None;
    let mut next_check = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while !stop.load(Ordering::Relaxed) {
        if resync && types.is_empty() {
            resync = false;
            let mode = match (&channel, &interrupted) {
                (Ok((mode, _)), None) => *mode,
                _ => LiveMode::Polling,
            };
            feed.status(mode, "no sensor layer is shown, so none is followed");
        }
        if resync {
            if let Err(e) = feed.query_all().await {
                had_outage = true;
                feed.offline(&e, every);
                sleep_unless_stopped(every, stop).await;
                continue;
            }
            resync = false;
            if let (Ok((_, uri)), None) = (&channel, &subscription_id) {
                let s = subscription(&types, uri.clone(), settings.notify.throttling);
                match feed.client.subscribe(&s).await {
                    Ok(id) => {
                        if let Ok(mut ours) = feed.gate.ours.lock() {
                            ours.insert(id.clone());
                        }
                        subscription_id = Some(id);
                        // Changes made between the query and the subscription.
                        if let Err(e) = feed.query_all().await {
                            tracing::debug!("query after subscribing: {e}");
                        }
                    }
                    Err(e) => {
                        channel = Err(format!("the broker refused the subscription: {e}"));
                    }
                }
            }
            let back = if had_outage {
                "; back after an outage, resynchronised"
            } else {
                ""
            };
            had_outage = false;
            match (&channel, &interrupted) {
                (Ok((mode, _)), None) => feed.status(
                    *mode,
                    format!(
                        "subscribed to {} sensor type{}{back}",
                        types.len(),
                        if types.len() == 1 { "" } else { "s" }
                    ),
                ),
                (Ok(_), Some(why)) => feed.status(
                    LiveMode::Polling,
                    format!(
                        "{why}; asking the broker every {} s meanwhile",
                        every.as_secs_f64()
                    ),
                ),
                (Err(why), _) => feed.status(
                    LiveMode::Polling,
                    format!(
                        "asking the broker every {} s ({why}){back}",
                        every.as_secs_f64()
                    ),
                ),
            }
            next_check = tokio::time::Instant::now() + every;
        }
        tokio::select! {
            msg = inbound.recv() => match msg {
                Some(Inbound::Notification(v, arrived)) => {
                    feed.notification(&v, arrived);
                    // Take what else is waiting, so a burst is applied together.
                    while let Ok(Inbound::Notification(v, arrived)) = inbound.try_recv() {
                        feed.notification(&v, arrived);
                    }
                }
                Some(Inbound::Disconnected(why)) => {
                    interrupted = Some(format!("lost the MQTT broker {why}"));
                    feed.status(LiveMode::Polling, format!(
                        "lost the MQTT broker {why}; asking the broker every {} s meanwhile",
                        every.as_secs_f64()
                    ));
                }
                Some(Inbound::Connected) => {
                    interrupted = None;
                    had_outage = true;
                    resync = true;
                }
                None => {}
            },
            _ = tokio::time::sleep_until(next_check) => {
                next_check = tokio::time::Instant::now() + every;
                match (&channel, &subscription_id) {
                    (Ok(_), Some(id)) => {
                        match feed.client.subscription(id).await {
                            Ok(Some(sub)) => {
                                let failing = sub.pointer("/notification/status").and_then(Value::as_str) == Some("failed");
                                if failing {
                                    let reason = sub.pointer("/notification/lastFailureReason").and_then(Value::as_str).unwrap_or("no reason given").to_owned();
                                    interrupted = Some(format!("the broker cannot deliver notifications ({reason})"));
                                    resync = true;
                                } else if interrupted.as_deref().is_some_and(|w| w.starts_with("the broker cannot")) {
                                    interrupted = None;
                                    resync = true;
                                } else if interrupted.is_some() {
                                    // MQTT down: poll.
                                    if let Err(e) = feed.query_all().await {
                                        tracing::debug!("poll: {e}");
                                    }
                                }
                            }
                            Ok(None) => {
                                // The broker forgot the subscription (a restart without its data).
                                if let Ok(mut ours) = feed.gate.ours.lock() {
                                    ours.remove(id);
                                }
                                subscription_id = None;
                                had_outage = true;
                                resync = true;
                            }
                            Err(e) => {
                                had_outage = true;
                                resync = true;
                                feed.offline(&e, every);
                            }
                        }
                    }
                    _ => {
                        // Polling.
                        if let Err(e) = feed.query_all().await {
                            had_outage = true;
                            resync = true;
                            feed.offline(&e, every);
                        }
                    }
                }
                feed.send_stats(true);
            },
            Some(r) = requests.recv() => match r {
                FeedRequest::Ask(q) => answer(settings, feed.tx, feed.past_written.clone(), q),
                FeedRequest::Follow(mut wanted) => {
                    wanted.sort();
                    wanted.dedup();
                    if wanted != types {
                        types = wanted;
                        feed.query.types = types.clone();
                        if let Some(id) = subscription_id.take() {
                            if let Err(e) = feed.client.unsubscribe(&id).await {
                                tracing::info!("could not delete the subscription {id}: {e}");
                            }
                            if let Ok(mut ours) = feed.gate.ours.lock() {
                                ours.remove(&id);
                            }
                        }
                        resync = true;
                    }
                }
            },
            _ = tick.tick() => {}
        }
    }
    if let Some(id) = subscription_id {
        match tokio::time::timeout(Duration::from_secs(2), feed.client.unsubscribe(&id)).await {
            Ok(Ok(())) => tracing::info!("deleted the subscription {id}"),
            Ok(Err(e)) => tracing::warn!("could not delete the subscription {id}: {e}"),
            Err(_) => tracing::warn!("could not delete the subscription {id}: no answer in 2 s"),
        }
    }
}

/// Sleeps in small steps so that stopping is quick.
async fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let mut slept = Duration::ZERO;
    while slept < d && !stop.load(Ordering::Relaxed) {
        let step = Duration::from_millis(100);
        tokio::time::sleep(step).await;
        slept += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls() {
        assert!(is_loopback_url("http://127.0.0.1:1026"));
        assert!(is_loopback_url("http://localhost:1026/x"));
        assert!(is_loopback_url("http://u:p@[::1]:1026"));
        assert!(!is_loopback_url("https://broker.example.org"));
        assert!(!is_loopback_url("http://10.0.0.2:1026"));
    }

    #[test]
    fn the_gate_refuses_foreign_and_malformed_notifications() {
        let gate = Gate::default();
        gate.ours.lock().unwrap().insert("urn:mine".to_owned());
        let mine = br#"{"subscriptionId": "urn:mine", "data": []}"#;
        assert!(gate.admit(mine).is_ok());
        let wrapped = br#"{"metadata": {}, "body": {"subscriptionId": "urn:mine", "data": []}}"#;
        assert!(gate.admit(wrapped).is_ok(), "the Orion-LD MQTT envelope");
        assert!(matches!(
            gate.admit(br#"{"subscriptionId": "urn:other", "data": []}"#),
            Err(Refusal::Foreign(_))
        ));
        assert!(matches!(gate.admit(b"{"), Err(Refusal::Malformed(_))));
        assert!(matches!(gate.admit(b"[1,2]"), Err(Refusal::Malformed(_))));
        assert_eq!(gate.refused.load(Ordering::Relaxed), 1);
        assert_eq!(gate.malformed.load(Ordering::Relaxed), 2);
    }
}
