//! `citytwin bench live`: how fast changes in the broker reach the scene.
//!
//! A local broker (in this process, in memory) holds the demo district and `sensors`
//! simulated noise sensors on a grid over it. A headless viewer ([`crate::app::headless`])
//! loads the city, subscribes (HTTP notifications, or MQTT with `--mqtt`) and then a writer
//! thread sends `rate` updates per second for `seconds` seconds through ordinary NGSI-LD batch
//! updates, each to the next sensor in turn with a new value. Reported:
//!
//! * `p50_ms`, `p99_ms`: from a notification's arrival at the viewer to the change in the ECS;
//! * `write_to_scene_p50_ms`, `write_to_scene_p99_ms`: from the writer's request to the ECS;
//! * `written`, `applied` (changes applied in the ECS; fewer than written when the broker
//!   sent only the latest of several quick changes of one sensor), `lost` (sensors whose final
//!   value in the ECS is not the last one written);
//! * `frame_p50_ms`, `frame_max_ms`: the headless app's frame times while the stream runs
//!   (ECS work only: nothing is drawn).

use crate::app::headless;
use crate::broker::{Broker, BrokerHandle, ServerConfig};
use crate::city::sensor::Reading;
use crate::config::{Config, ConfigOverlay};
use crate::live::LiveMode;
use crate::ngsi_ld::client::{Client, ClientConfig};
use crate::ngsi_ld::{Entity, Representation, parse_entity};
use crate::scene::{LiveState, SensorMarker};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What `bench live` does.
#[derive(Debug, Clone)]
pub struct LiveBench {
    /// Updates per second.
    pub rate: f64,
    /// Seconds of updates.
    pub seconds: f64,
    /// Sensors updated in turn.
    pub sensors: usize,
    /// MQTT broker to notify through (HTTP notifications when `None`).
    pub mqtt: Option<String>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn sensor(i: usize, lon: f64, lat: f64, value: f64, observed: &str) -> Entity {
    let mut v = json!({
        "id": format!("urn:ngsi-ld:NoiseLevelObserved:bench-{i:05}"),
        "type": "NoiseLevelObserved",
        "LAeq": {"type": "Property", "value": value, "unitCode": "2N", "observedAt": observed},
    });
    if lon.is_finite() {
        v["location"] =
            json!({"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}});
        v["name"] = json!({"type": "Property", "value": format!("bench sensor {i} (simulated)")});
    }
    parse_entity(&v, Representation::Normalized)
        .map(|(e, _)| e)
        .unwrap_or_else(|_| Entity::new("urn:invalid", "NoiseLevelObserved"))
}

/// Runs the benchmark; the JSON report, or what went wrong. `progress` gets lines for a
/// person watching.
pub fn live(b: &LiveBench, progress: &mut dyn FnMut(&str)) -> Result<Value, String> {
    let started = Instant::now();
    let (mut handle, url) = seeded_broker(b.sensors)?;
    let mut toml = format!(
        "[data]\nsource = \"broker\"\n[broker]\nurl = \"{url}\"\n[live]\nmode = \"{}\"\n",
        if b.mqtt.is_some() { "mqtt" } else { "http" }
    );
    if let Some(m) = &b.mqtt {
        toml.push_str(&format!("mqtt_url = \"{m}\"\n"));
    }
    let config = Config::from_layers(vec![
        ConfigOverlay::parse("bench", &toml).map_err(|e| e.to_string())?,
    ])
    .map_err(|e| e.to_string())?;
    let mut app = headless(config);
    progress(&format!(
        "loading the demo district and {} sensors from {url}",
        b.sensors
    ));
    let deadline = Instant::now() + Duration::from_secs(120);
    let marker_count = |app: &mut bevy::app::App| {
        let world = app.world_mut();
        world.query::<&SensorMarker>().iter(world).count()
    };
    loop {
        app.update();
        let mode = app.world().resource::<LiveState>().mode;
        if matches!(mode, LiveMode::Http | LiveMode::Mqtt) && marker_count(&mut app) >= b.sensors {
            break;
        }
        if Instant::now() > deadline {
            let live = app.world().resource::<LiveState>();
            return Err(format!(
                "the headless viewer was not live within 120 s: {} ({})",
                live.mode.label(),
                live.detail.text(crate::language::Language::English)
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let ready_s = started.elapsed().as_secs_f64();
    app.world_mut().resource_mut::<LiveState>().latencies_ms = Some(Vec::new());
    progress(&format!(
        "live after {ready_s:.1} s; writing {} updates/s for {} s",
        b.rate, b.seconds
    ));

    // The writer.
    let written_at: Arc<Mutex<HashMap<(usize, u64), Instant>>> = Arc::default();
    let last_value: Arc<Mutex<HashMap<usize, f64>>> = Arc::default();
    let (rate, seconds, n) = (b.rate, b.seconds, b.sensors);
    let writer = spawn_writer(
        url.clone(),
        (rate, seconds, n),
        Some(written_at.clone()),
        last_value.clone(),
    );

    // The viewer runs frames meanwhile, and until the last values are in (or 15 s more).
    let mut frames: Vec<f64> = Vec::new();
    let mut e2e: Vec<f64> = Vec::new();
    // The value of each sensor in the ECS after the last frame, to see what changed.
    let mut in_scene: HashMap<usize, f64> = HashMap::new();
    let index_of = |id: &str| id.rsplit('-').next().and_then(|s| s.parse::<usize>().ok());
    let mut writer = Some(writer);
    let mut written = (0, 0);
    let mut drain_deadline: Option<Instant> = None;
    loop {
        let t = Instant::now();
        app.update();
        frames.push(t.elapsed().as_secs_f64() * 1000.0);
        let now = Instant::now();
        {
            let w = written_at.lock().map_err(|_| "writer state")?;
            let world = app.world_mut();
            for m in world.query::<&SensorMarker>().iter(world) {
                if let (Some(i), Reading::Number(v)) = (index_of(&m.sensor.id), &m.sensor.reading)
                    && in_scene.insert(i, *v) != Some(*v)
                    && let Some(sent) = w.get(&(i, *v as u64))
                {
                    e2e.push(now.duration_since(*sent).as_secs_f64() * 1000.0);
                }
            }
        }
        if writer.as_ref().is_some_and(|w| w.is_finished()) {
            written = writer
                .take()
                .and_then(|w| w.join().ok())
                .ok_or("the writer stopped")??;
            drain_deadline = Some(Instant::now() + Duration::from_secs(15));
            progress("writer done; waiting for the last changes");
        }
        if let Some(d) = drain_deadline {
            let last = last_value.lock().map_err(|_| "writer state")?.clone();
            let world = app.world_mut();
            let mut q = world.query::<&SensorMarker>();
            let behind = q
                .iter(world)
                .filter(|m| {
                    let i = index_of(&m.sensor.id);
                    let want = i.and_then(|i| last.get(&i));
                    match (want, &m.sensor.reading) {
                        (Some(w), Reading::Number(v)) => w != v,
                        (Some(_), _) => true,
                        (None, _) => false,
                    }
                })
                .count();
            if behind == 0 || Instant::now() > d {
                let latencies = app
                    .world_mut()
                    .resource_mut::<LiveState>()
                    .latencies_ms
                    .take()
                    .unwrap_or_default();
                let stats = app.world().resource::<LiveState>().stats;
                let applied = latencies.len();
                let mut lat = latencies;
                lat.sort_by(f64::total_cmp);
                e2e.sort_by(f64::total_cmp);
                let frame_count = frames.len();
                let (frame_p50, frame_max) = crate::diagnostics::summarize(&mut frames);
                // The viewer first (it deletes its subscription), then the broker.
                drop(app);
                handle.stop();
                return Ok(json!({
                    "transport": if b.mqtt.is_some() { "mqtt" } else { "http" },
                    "rate": b.rate,
                    "seconds": b.seconds,
                    "sensors": b.sensors,
                    "written": written.0,
                    "write_failures": written.1,
                    "applied": applied,
                    "lost": behind,
                    "notifications": stats.notifications,
                    "p50_ms": round2(percentile(&lat, 0.5)),
                    "p99_ms": round2(percentile(&lat, 0.99)),
                    "write_to_scene_p50_ms": round2(percentile(&e2e, 0.5)),
                    "write_to_scene_p99_ms": round2(percentile(&e2e, 0.99)),
                    "frames": frame_count,
                    "frame_p50_ms": round2(frame_p50),
                    "frame_max_ms": round2(frame_max),
                    "ready_s": round2(ready_s),
                }));
            }
        }
    }
}

/// A local broker (in this process, in memory) holding the demo district and `sensors`
/// simulated noise sensors on a grid over it, and its URL.
pub(super) fn seeded_broker(sensors: usize) -> Result<(BrokerHandle, String), String> {
    let broker = Broker::new(ServerConfig {
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        max_page_size: 1000,
        ..ServerConfig::default()
    })
    .map_err(|e| e.to_string())?;
    let mut parsed = crate::source::read(&crate::source::Source::Demo, &mut |_, _| {})
        .map_err(|e| e.to_string())?;
    let refs: Vec<&Entity> = parsed.entities.iter().collect();
    let centre =
        crate::city::decode::median_location(&refs).ok_or("the demo district has no locations")?;
    let side = (sensors as f64).sqrt().ceil() as usize;
    let step = 0.012 / side.max(1) as f64;
    let places: Vec<(f64, f64)> = (0..sensors)
        .map(|i| {
            let (x, y) = ((i % side) as f64, (i / side) as f64);
            (
                centre.lon + (x - side as f64 / 2.0) * step,
                centre.lat + (y - side as f64 / 2.0) * step * 0.75,
            )
        })
        .collect();
    let t0 = crate::timestamp::now_rfc3339();
    parsed.entities.extend(
        places
            .iter()
            .enumerate()
            .map(|(i, (lon, lat))| sensor(i, *lon, *lat, 50.0, &t0)),
    );
    broker.seed("", parsed).map_err(|e| e.to_string())?;
    let handle = broker.spawn().map_err(|e| e.to_string())?;
    let url = handle.url();
    Ok((handle, url))
}

/// When each (sensor, value) was sent.
pub(super) type WrittenAt = Arc<Mutex<HashMap<(usize, u64), Instant>>>;

/// Sensor `i`'s value written last, by sensor.
pub(super) type LastValues = Arc<Mutex<HashMap<usize, f64>>>;

/// A thread writing `rate` updates a second for `seconds` seconds through batch updates, each to
/// the next of `n` sensors in turn with the next whole number as its value; when each was
/// sent (`written_at`, if given) and each sensor's last value (`last_value`) are kept. It
/// ends with the updates written and failed.
pub(super) fn spawn_writer(
    url: String,
    (rate, seconds, n): (f64, f64, usize),
    written_at: Option<WrittenAt>,
    last_value: LastValues,
) -> std::thread::JoinHandle<Result<(u64, u64), String>> {
    std::thread::spawn(move || -> Result<(u64, u64), String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let client = Client::new(ClientConfig::new(url)).map_err(|e| e.to_string())?;
        rt.block_on(async {
            let tick = Duration::from_millis(10);
            let per_tick = rate * tick.as_secs_f64();
            let mut owed = 0.0;
            let mut seq: u64 = 0;
            let (mut written, mut failed) = (0u64, 0u64);
            let start = Instant::now();
            let mut interval = tokio::time::interval(tick);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            while start.elapsed().as_secs_f64() < seconds {
                interval.tick().await;
                owed += per_tick;
                let k = owed.floor() as usize;
                owed -= k as f64;
                if k == 0 {
                    continue;
                }
                let now = crate::timestamp::now_rfc3339();
                let mut batch = Vec::with_capacity(k);
                let mut keys = Vec::with_capacity(k);
                for _ in 0..k {
                    let i = (seq % n as u64) as usize;
                    seq += 1;
                    let value = seq as f64;
                    batch.push(sensor(i, f64::NAN, f64::NAN, value, &now));
                    keys.push((i, value));
                }
                let sent = Instant::now();
                match client.batch_update(&batch, 1000).await {
                    Ok(o) if o.errors.is_empty() => {
                        written += k as u64;
                        if let Ok(mut l) = last_value.lock() {
                            for &(i, v) in &keys {
                                l.insert(i, v);
                            }
                        }
                        if let Some(Ok(mut w)) = written_at.as_ref().map(|w| w.lock()) {
                            for (i, v) in keys {
                                w.insert((i, v as u64), sent);
                            }
                        }
                    }
                    _ => failed += k as u64,
                }
            }
            Ok((written, failed))
        })
    })
}
