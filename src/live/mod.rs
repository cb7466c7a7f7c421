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
//! broker forgot the subscription. When the feed stops it deletes its subscription.

mod endpoint;
mod feed;
mod history;

use crate::cancel::Cancel;
use crate::city::sensor::replay::{self, Point};
use crate::city::sensor::{Decoder, MergeStats, Sensor, SensorLayer, SensorStore};
use crate::config::NotifyTransport;
use crate::georef::{Georef, LonLat};
use crate::language::Phrase;
use crate::ngsi_ld::client::{Client, ClientConfig};
use crate::ngsi_ld::mqtt::MqttEndpoint;
use crate::ngsi_ld::request::EntityQuery;
use crate::worker::Worker;
use crossbeam_channel::{Receiver, Sender};
use endpoint::Gate;
use feed::{Feed, follow};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::watch;

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
    /// An entity of a type in [`LiveSettings::also_follow`], created or changed.
    Entity(Box<crate::ngsi_ld::Entity>),
    /// An entity of a type in [`LiveSettings::also_follow`] was deleted (or is gone after an
    /// outage).
    EntityGone(String),
    /// The mode, with why (shown in the status bar).
    Status(LiveMode, Phrase),
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

/// Where notifications come in (`[live]`).
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The way asked for.
    pub transport: NotifyTransport,
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
            transport: NotifyTransport::Auto,
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
            transport: c.mode,
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
    /// Entity types followed beyond the sensor layers' for other layers (published planning
    /// scenarios): their entities are passed on as [`LiveMessage::Entity`], whether or not a
    /// sensor layer is shown.
    pub also_follow: Vec<String>,
    /// Turns true once past values being written elsewhere are in (the demo's simulator,
    /// [`crate::demo::Demo::simulate`]): questions about the past wait for it (a minute at
    /// most). `None`: nothing to wait for.
    pub past_written: Option<watch::Receiver<bool>>,
}

/// A running live feed; dropping it stops the thread and deletes its subscription (waiting
/// up to 3 s for the broker).
#[derive(Debug)]
pub struct LiveFeed {
    /// Messages for the scene.
    pub messages: Receiver<LiveMessage>,
    requests: UnboundedSender<FeedRequest>,
    worker: Option<Worker>,
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

impl LiveFeed {
    /// Hands the feed's thread over to an owner that stops it in order with the others
    /// ([`crate::worker::Services`]); dropping the feed then no longer stops it.
    pub fn take_worker(&mut self) -> Option<Worker> {
        self.worker.take()
    }

    /// Stops the feed (it deletes its subscription, waiting up to [`STOP_GRACE`] for the
    /// broker) and waits for its thread. Later calls do nothing.
    pub fn stop(&mut self) {
        if let Some(mut w) = self.worker.take() {
            w.stop();
        }
    }
}

impl Drop for LiveFeed {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How long a stopping feed may take to delete its subscription before it is left.
pub const STOP_GRACE: Duration = Duration::from_secs(3);

/// Starts the live feed on a thread of its own.
pub fn start(settings: LiveSettings) -> LiveFeed {
    let (tx, rx) = crossbeam_channel::unbounded();
    let (req_tx, req_rx) = unbounded_channel();
    let worker = match Worker::spawn("live", move |cancel| run(settings, &tx, req_rx, cancel)) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::error!("cannot start the live feed: {e}");
            None
        }
    };
    LiveFeed {
        messages: rx,
        requests: req_tx,
        worker,
    }
}

fn run(
    settings: LiveSettings,
    tx: &Sender<LiveMessage>,
    requests: UnboundedReceiver<FeedRequest>,
    stop: Cancel,
) {
    let status = |mode: LiveMode, why: Phrase| {
        let _ = tx.send(LiveMessage::Status(mode, why));
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .thread_name("citytwin-live")
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return status(
                LiveMode::Off,
                Phrase::plain(format!("no network runtime: {e}")),
            );
        }
    };
    let georef = match Georef::new(settings.origin, Some(&settings.crs)) {
        Ok(g) => g,
        Err(e) => return status(LiveMode::Off, Phrase::plain(e.to_string())),
    };
    let decoder = Decoder::new(settings.layers.clone(), georef, settings.max_distance_m);
    let client = match Client::new(settings.client.clone()) {
        Ok(c) => c,
        Err(e) => return status(LiveMode::Off, Phrase::plain(e.to_string())),
    };
    if settings.layers.is_empty() && settings.also_follow.is_empty() {
        return status(LiveMode::Off, Phrase::new("live-no-layers"));
    }
    let types = followed_types(&settings.layers);
    let past_written = settings
        .past_written
        .clone()
        .unwrap_or_else(|| watch::channel(true).1);
    runtime.block_on(async {
        let feed = Feed {
            tx,
            client,
            decoder,
            store: SensorStore::new(),
            query: EntityQuery {
                types: feed::with_also(&types, &settings.also_follow),
                ..EntityQuery::default()
            },
            also: settings.also_follow.clone(),
            also_seen: std::collections::HashSet::new(),
            gate: Arc::new(Gate::default()),
            stats: FeedStats::default(),
            last_stats: Instant::now(),
            past_written,
        };
        let following = follow(feed, &settings, types, requests, stop.flag());
        tokio::pin!(following);
        tokio::select! {
            () = &mut following => {}
            () = async {
                stop.cancelled().await;
                tokio::time::sleep(STOP_GRACE).await;
            } => tracing::info!("the live feed did not stop within {STOP_GRACE:?}; left as it was"),
        }
    });
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
