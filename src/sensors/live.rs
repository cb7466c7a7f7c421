//! The live feed: a thread that keeps the sensors in step with the broker and sends what
//! changed through a channel. No Bevy here; the plugin applies the messages in bounded batches.
//!
//! This version polls: it queries the sensor layers' types every `poll_interval` and merges
//! the result ([`SensorStore`]), so only real changes are sent, a late value never rolls one
//! back, and entities deleted in the broker disappear. After an outage the next successful
//! query resynchronises everything. For the demo it also runs the simulator
//! ([`crate::simulate`]) against the local broker, so the demo is alive.

use super::Sensor;
use super::model::{Decoder, Merge, MergeStats, SensorLayer, SensorStore};
use crate::georef::{Georef, LonLat};
use crate::ngsi_ld::client::{Client, ClientConfig};
use crate::ngsi_ld::request::EntityQuery;
use crate::simulate::{self, SimSensor};
use crossbeam_channel::{Receiver, Sender};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How changes reach the viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveMode {
    /// Not live: the data came from a file.
    Off,
    /// Starting.
    Connecting,
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
            LiveMode::Polling => "live (polling)",
            LiveMode::Offline => "offline",
        }
    }
}

/// What the live feed sends.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveMessage {
    /// A sensor appeared or changed.
    Changed(Box<Sensor>),
    /// A sensor was deleted in the broker.
    Removed(String),
    /// The mode, with why (shown in the status bar).
    Status(LiveMode, String),
    /// Running counts.
    Stats(MergeStats),
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
    /// Time between two queries.
    pub poll_interval: Duration,
    /// Simulated sensors to keep changing (the demo), and at what rate per second.
    pub simulation: Option<(Vec<SimSensor>, f64)>,
}

/// A running live feed; dropping it stops the thread.
#[derive(Debug)]
pub struct LiveFeed {
    /// Messages for the scene.
    pub messages: Receiver<LiveMessage>,
    stop: Arc<AtomicBool>,
}

impl Drop for LiveFeed {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts the live feed on a thread of its own.
pub fn start(settings: LiveSettings) -> LiveFeed {
    let (tx, rx) = crossbeam_channel::unbounded();
    let stop = Arc::new(AtomicBool::new(false));
    let thread_stop = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("citytwin-live".to_owned())
        .spawn(move || run(settings, &tx, thread_stop));
    if let Err(e) = spawned {
        tracing::error!("cannot start the live feed: {e}");
    }
    LiveFeed { messages: rx, stop }
}

fn run(settings: LiveSettings, tx: &Sender<LiveMessage>, stop: Arc<AtomicBool>) {
    let status = |mode: LiveMode, why: String| {
        let _ = tx.send(LiveMessage::Status(mode, why));
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
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
    let mut types: Vec<String> = settings
        .layers
        .iter()
        .map(|l| l.entity_type.clone())
        .collect();
    types.sort();
    types.dedup();
    if types.is_empty() {
        return status(LiveMode::Off, "no sensor layers are configured".to_owned());
    }
    runtime.block_on(async {
        if let Some((mut sensors, rate)) = settings.simulation
            && let Ok(client) = Client::new(settings.client.clone())
        {
            let stop = stop.clone();
            tokio::spawn(async move {
                simulate::run(&client, &mut sensors, rate, 1, stop, |_, e| {
                    if let Some(e) = e {
                        tracing::warn!("simulator: {e}");
                    }
                })
                .await;
            });
        }
        let mut store = SensorStore::new();
        let query = EntityQuery {
            types,
            ..EntityQuery::default()
        };
        let every = settings.poll_interval.as_secs_f64();
        let mut was_offline = false;
        while !stop.load(Ordering::Relaxed) {
            match client.query_all(&query, &mut |_, _| {}).await {
                Ok(page) => {
                    let mut present = HashSet::with_capacity(page.entities.len());
                    for e in page.entities {
                        present.insert(e.id.clone());
                        match store.merge(e, &decoder) {
                            Merge::Changed(s) => {
                                let _ = tx.send(LiveMessage::Changed(s));
                            }
                            Merge::Skipped(item) => {
                                tracing::debug!("sensor {} skipped: {}", item.id, item.reason);
                            }
                            _ => {}
                        }
                    }
                    for id in store.retain_only(&present) {
                        let _ = tx.send(LiveMessage::Removed(id));
                    }
                    let _ = tx.send(LiveMessage::Stats(store.stats));
                    status(
                        LiveMode::Polling,
                        format!(
                            "asking the broker every {every} s{}",
                            if was_offline {
                                "; back after an outage, resynchronised"
                            } else {
                                ""
                            }
                        ),
                    );
                }
                Err(e) => {
                    was_offline = true;
                    status(
                        LiveMode::Offline,
                        format!("{e}; showing the last known values, retrying every {every} s"),
                    );
                }
            }
            // Sleep in small steps so that stopping is quick.
            let mut slept = Duration::ZERO;
            while slept < settings.poll_interval && !stop.load(Ordering::Relaxed) {
                let step = Duration::from_millis(100);
                tokio::time::sleep(step).await;
                slept += step;
            }
        }
    });
}
