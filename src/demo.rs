//! The demo: Midtown Manhattan served by a local NGSI-LD broker that citytwin starts inside
//! itself (on a free loopback port, in memory), with simulated sensors among the buildings
//! that the simulator keeps changing. The viewer and `citytwin check` read the demo through
//! it, so the demo takes the same path as a city's broker.
//!
//! [`Demo`] owns the broker's thread and the simulator's; [`Demo::stop`] (or dropping the
//! last handle) stops the simulator, then the broker, and waits for both.

use crate::broker::{Broker, BrokerHandle, ServerConfig};
use crate::config::Config;
use crate::ngsi_ld::Entity;
use crate::ngsi_ld::client::{Client, ClientConfig};
use crate::simulate::{self, SimSensor};
use crate::source::{self, BrokerSource, DEMO_ATTRIBUTION, DEMO_NAME, Source, SourceError};
use crate::worker::{Service, Worker};
use std::path::PathBuf;
use std::sync::Mutex;
use tokio::sync::watch;

/// The seed of the demo's simulated sensors (the same places on every start).
pub const SEED: u64 = 2026;

/// Updates per second the demo's simulator sends to the local broker.
pub const SIMULATION_RATE: f64 = 10.0;

/// Hours of simulated past values written when the simulator starts (for the history chart
/// and the time panel).
const PAST_HOURS: f64 = 24.0;

/// The demo running: its broker, how to read it, and its simulated sensors.
#[derive(Debug)]
pub struct Demo {
    source: BrokerSource,
    sensors: Vec<SimSensor>,
    broker: Mutex<Option<BrokerHandle>>,
    simulator: Mutex<Option<Worker>>,
}

/// Turns true once the simulator has written its past values, so that questions about the
/// past can wait for them.
pub type PastWritten = watch::Receiver<bool>;

impl Demo {
    /// Starts the local broker seeded with the demo district and simulated sensors among its
    /// buildings (see [`crate::simulate`]). The simulator does not run yet
    /// ([`Demo::simulate`]).
    pub fn start(config: &Config) -> Result<Self, SourceError> {
        let broker = Broker::new(ServerConfig {
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            database: PathBuf::from(":memory:"),
            max_page_size: config.local_broker.max_page_size,
            history_hours: config.local_broker.history_hours,
            ..ServerConfig::default()
        })
        .map_err(|e| SourceError::Broker(e.to_string()))?;
        let mut parsed = source::read(&Source::Demo, &mut |_, _| {})?;
        let mut sensors = sensors_among(&parsed.entities, SEED);
        parsed.entities.extend(simulate::initial_entities(
            &mut sensors,
            crate::timestamp::now_millis(),
            SEED,
        ));
        let report = broker
            .seed("", parsed)
            .map_err(|e| SourceError::Broker(e.to_string()))?;
        tracing::debug!("demo broker seeded with {} entities", report.entities);
        let handle = broker
            .spawn()
            .map_err(|e| SourceError::Broker(format!("cannot start the local broker: {e}")))?;
        let source = BrokerSource {
            client: ClientConfig {
                page_size: config.local_broker.max_page_size,
                ..ClientConfig::new(handle.url())
            },
            types: config.entity_types(),
            label: DEMO_NAME.to_owned(),
            attribution: Some(DEMO_ATTRIBUTION.to_owned()),
        };
        Ok(Self {
            source,
            sensors,
            broker: Mutex::new(Some(handle)),
            simulator: Mutex::new(None),
        })
    }

    /// How to read the demo (the local broker, asking for the configured types).
    pub fn source(&self) -> &BrokerSource {
        &self.source
    }

    /// The local broker's base URL.
    pub fn url(&self) -> &str {
        &self.source.client.url
    }

    /// The simulated sensors, as placed at start.
    pub fn sensors(&self) -> &[SimSensor] {
        &self.sensors
    }

    /// Starts the simulator (once; later calls return at once): it writes the last
    /// `PAST_HOURS` of values, then sends `rate` updates per second to the broker until the
    /// demo stops. The answer turns true once the past is written.
    pub fn simulate(&self, rate: f64) -> PastWritten {
        let (past_tx, past_rx) = watch::channel(false);
        let Ok(mut simulator) = self.simulator.lock() else {
            past_tx.send_replace(true);
            return past_rx;
        };
        if simulator.is_some() {
            past_tx.send_replace(true);
            return past_rx;
        }
        let mut sensors = self.sensors.clone();
        let config = self.source.client.clone();
        let started = Worker::spawn("simulator", move |cancel| {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!("simulator: no network runtime: {e}");
                    past_tx.send_replace(true);
                    return;
                }
            };
            let client = match Client::new(config) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!("simulator: {e}");
                    past_tx.send_replace(true);
                    return;
                }
            };
            runtime.block_on(async {
                let now = crate::timestamp::now_millis();
                for s in &sensors {
                    if cancel.is_cancelled() {
                        break;
                    }
                    let past = simulate::history(s, now, PAST_HOURS, 10 * 60_000, 1);
                    if let Err(e) = client.temporal_create(&past).await {
                        tracing::info!("simulator: no past values written: {e}");
                        break;
                    }
                }
                past_tx.send_replace(true);
                simulate::run(
                    &client,
                    &mut sensors,
                    rate,
                    1,
                    cancel.flag().clone(),
                    |_, e| {
                        if let Some(e) = e {
                            tracing::warn!("simulator: {e}");
                        }
                    },
                )
                .await;
            });
        });
        match started {
            Ok(w) => *simulator = Some(w),
            Err(e) => tracing::warn!("cannot start the simulator: {e}"),
        }
        past_rx
    }

    /// Stops the simulator, then the broker, and waits for both. Later calls do nothing.
    pub fn stop(&self) {
        if let Some(mut s) = self.simulator.lock().ok().and_then(|mut s| s.take()) {
            s.stop();
        }
        if let Some(mut b) = self.broker.lock().ok().and_then(|mut b| b.take()) {
            b.stop();
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Service for std::sync::Arc<Demo> {
    fn name(&self) -> &str {
        "the demo (local broker and simulator)"
    }

    fn stop(&mut self) {
        Demo::stop(self);
    }
}

/// Simulated sensors placed among `buildings` (off their footprints, within their extent),
/// the same for the same `seed`.
pub fn sensors_among(buildings: &[Entity], seed: u64) -> Vec<SimSensor> {
    let obstacles = simulate::obstacles_of(buildings);
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in &obstacles {
        use geo::BoundingRect;
        if let Some(r) = p.bounding_rect() {
            bbox = [
                bbox[0].min(r.min().x),
                bbox[1].min(r.min().y),
                bbox[2].max(r.max().x),
                bbox[3].max(r.max().y),
            ];
        }
    }
    if obstacles.is_empty() {
        return Vec::new();
    }
    simulate::place(bbox, obstacles, seed)
}

/// The source the configuration names, ready to read: for the demo, a [`Demo`] started for
/// it (returned beside, so that its owner keeps it running and stops it).
pub fn open(config: &Config) -> Result<(Source, Option<Demo>), SourceError> {
    match config.data.source {
        crate::config::SourceSetting::Demo => {
            let demo = Demo::start(config)?;
            Ok((Source::Broker(Box::new(demo.source().clone())), Some(demo)))
        }
        _ => Ok((Source::from_config(config)?, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_through_the_local_broker_is_the_same_data() {
        let config = Config::default();
        let demo = Demo::start(&config).unwrap();
        assert_eq!(demo.sensors().len(), 157, "the demo's simulated sensors");
        let mut source = demo.source().clone();
        let all = source::read(&Source::Broker(Box::new(source.clone())), &mut |_, _| {}).unwrap();
        assert_eq!(all.entities.len(), 7_981 + 157, "buildings and sensors");
        source.types = vec!["Building".into()];
        let mut pages = 0;
        let parsed = source::read(&Source::Broker(Box::new(source)), &mut |_, total| {
            pages += 1;
            assert_eq!(total, Some(7_981));
        })
        .unwrap();
        demo.stop();
        assert_eq!(pages, 8, "7,981 entities in pages of 1,000");
        let direct = source::read(&Source::Demo, &mut |_, _| {}).unwrap();
        let mut a: Vec<_> = parsed.entities.iter().map(|e| e.id.clone()).collect();
        let mut b: Vec<_> = direct.entities.iter().map(|e| e.id.clone()).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        let nyt = parsed
            .entities
            .iter()
            .find(|e| e.id == "urn:ngsi-ld:Building:relation-1860567")
            .unwrap();
        assert_eq!(
            nyt,
            direct.entities.iter().find(|e| e.id == nyt.id).unwrap()
        );
    }
}
