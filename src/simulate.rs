//! `citytwin simulate`: sensors with simulated values, for demos and hackathons.
//!
//! It places sensors of the Smart Data Models types of the default sensor layers in an area
//! (off the building footprints, lanes along the streets), then changes their values with
//! plausible patterns: a daily temperature cycle, traffic peaks in the morning and evening
//! that drive NO₂, noise and speed, parking that fills by day, streetlights on at night, and
//! the odd outage (a sensor that stops reporting for an hour or two). Everything goes through
//! ordinary NGSI-LD requests (batch upsert, then batch update), so it works against any broker.
//!
//! Every entity it makes says it is simulated: its id contains `citytwin-sim`, and its
//! `dataProvider` is "citytwin simulator (simulated values, not measurements)".

use crate::georef::LonLat;
use crate::ngsi_ld::client::{Client, ClientError};
use crate::ngsi_ld::{Attribute, AttributeKind, Entity};
use crate::timestamp::format_millis;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The `dataProvider` of every simulated entity.
pub const PROVIDER: &str = "citytwin simulator (simulated values, not measurements)";

/// A small deterministic random generator (SplitMix64), so a seed gives the same city.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Roughly normal with mean 0 and deviation `sd` (sum of uniforms).
    pub fn noise(&mut self, sd: f64) -> f64 {
        (self.unit() + self.unit() + self.unit() + self.unit() - 2.0) * sd * 1.732
    }
}

/// The kinds of sensor simulated, one per default sensor layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorKind {
    /// AirQualityObserved (NO₂, PM10).
    AirQuality,
    /// WeatherObserved (temperature, humidity, wind).
    Weather,
    /// NoiseLevelObserved (LAeq, LAmax).
    Noise,
    /// TrafficFlowObserved on a lane (intensity, speed, occupancy).
    Traffic,
    /// ParkingSpot (free / occupied).
    Parking,
    /// Streetlight (on / off, status).
    Streetlight,
    /// Device (battery level).
    Device,
}

impl SensorKind {
    /// The NGSI-LD entity type.
    pub fn entity_type(self) -> &'static str {
        match self {
            SensorKind::AirQuality => "AirQualityObserved",
            SensorKind::Weather => "WeatherObserved",
            SensorKind::Noise => "NoiseLevelObserved",
            SensorKind::Traffic => "TrafficFlowObserved",
            SensorKind::Parking => "ParkingSpot",
            SensorKind::Streetlight => "Streetlight",
            SensorKind::Device => "Device",
        }
    }
    const ALL: [(SensorKind, usize); 7] = [
        (SensorKind::AirQuality, 8),
        (SensorKind::Weather, 3),
        (SensorKind::Noise, 12),
        (SensorKind::Traffic, 24),
        (SensorKind::Parking, 40),
        (SensorKind::Streetlight, 60),
        (SensorKind::Device, 10),
    ];
}

/// One simulated sensor.
#[derive(Debug, Clone)]
pub struct SimSensor {
    /// Entity id.
    pub id: String,
    /// What it is.
    pub kind: SensorKind,
    /// Its position (a lane: its points).
    pub points: Vec<LonLat>,
    /// How busy its street is (0.5–1.5), so sensors differ.
    pub busyness: f64,
    /// Until when (ms) it reports nothing.
    pub out_until: i64,
    /// Text state (parking status, lamp status).
    pub state: String,
    /// Battery level (devices).
    pub battery: f64,
}

/// Footprints to keep sensors off, as lon/lat polygons.
pub type Obstacles = Vec<geo::Polygon<f64>>;

/// Building footprints (lon/lat) of entities with a Polygon or MultiPolygon location.
pub fn obstacles_of(entities: &[Entity]) -> Obstacles {
    let mut out = Vec::new();
    for e in entities {
        let Some(loc) = e.attribute("location") else {
            continue;
        };
        match crate::ngsi_ld::geo_query::geometry_from_geojson(loc.plain_value()) {
            Ok(geo::Geometry::Polygon(p)) => out.push(p),
            Ok(geo::Geometry::MultiPolygon(mp)) => out.extend(mp.0),
            _ => {}
        }
    }
    out
}

/// A grid of obstacle indices for quick point tests.
struct Grid {
    cells: std::collections::HashMap<(i64, i64), Vec<usize>>,
    cell: f64,
    polygons: Obstacles,
}

impl Grid {
    fn new(polygons: Obstacles) -> Self {
        use geo::BoundingRect;
        let cell = 0.001;
        let mut cells: std::collections::HashMap<(i64, i64), Vec<usize>> = Default::default();
        for (i, p) in polygons.iter().enumerate() {
            let Some(r) = p.bounding_rect() else { continue };
            let (x0, y0) = (
                (r.min().x / cell).floor() as i64,
                (r.min().y / cell).floor() as i64,
            );
            let (x1, y1) = (
                (r.max().x / cell).floor() as i64,
                (r.max().y / cell).floor() as i64,
            );
            if (x1 - x0) * (y1 - y0) > 400 {
                continue;
            }
            for x in x0..=x1 {
                for y in y0..=y1 {
                    cells.entry((x, y)).or_default().push(i);
                }
            }
        }
        Self {
            cells,
            cell,
            polygons,
        }
    }

    fn blocked(&self, p: LonLat) -> bool {
        use geo::Contains;
        let key = (
            (p.lon / self.cell).floor() as i64,
            (p.lat / self.cell).floor() as i64,
        );
        self.cells.get(&key).is_some_and(|ids| {
            ids.iter()
                .any(|&i| self.polygons[i].contains(&geo::Point::new(p.lon, p.lat)))
        })
    }
}

/// Moves `p` by `east`, `north` metres.
fn offset(p: LonLat, east: f64, north: f64) -> LonLat {
    let m_per_deg = 111_320.0;
    LonLat::new(
        p.lon + east / (m_per_deg * p.lat.to_radians().cos()),
        p.lat + north / m_per_deg,
    )
}

/// Places the sensors in `bbox` (`[west, south, east, north]`), off the `obstacles`.
pub fn place(bbox: [f64; 4], obstacles: Obstacles, seed: u64) -> Vec<SimSensor> {
    let grid = Grid::new(obstacles);
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    // Shrink the box a little so sensors sit among the buildings, not at the edge.
    let (w, s, e, n) = (bbox[0], bbox[1], bbox[2], bbox[3]);
    let (dx, dy) = ((e - w) * 0.08, (n - s) * 0.08);
    let (w, s, e, n) = (w + dx, s + dy, e - dx, n - dy);
    for (kind, count) in SensorKind::ALL {
        for i in 0..count {
            let mut points = Vec::new();
            for _ in 0..400 {
                let p = LonLat::new(rng.range(w, e), rng.range(s, n));
                if grid.blocked(p) {
                    continue;
                }
                if kind != SensorKind::Traffic {
                    points = vec![p];
                    break;
                }
                // A lane: 160 m through p along one of several headings, clear of buildings.
                let start = rng.range(0.0, 180.0);
                let lane = (0..12).find_map(|k| {
                    let heading = (start + f64::from(k) * 15.0).to_radians();
                    let (de, dn) = (heading.sin(), heading.cos());
                    let samples: Vec<LonLat> = (-8..=8)
                        .map(|j| offset(p, de * f64::from(j) * 10.0, dn * f64::from(j) * 10.0))
                        .collect();
                    samples
                        .iter()
                        .all(|q| !grid.blocked(*q))
                        .then(|| vec![samples[0], samples[8], samples[16]])
                });
                if let Some(lane) = lane {
                    points = lane;
                    break;
                }
            }
            if points.is_empty() {
                continue;
            }
            let state = match kind {
                SensorKind::Parking => {
                    if rng.unit() < 0.5 { "free" } else { "occupied" }.to_owned()
                }
                SensorKind::Streetlight => "ok".to_owned(),
                _ => String::new(),
            };
            out.push(SimSensor {
                id: format!(
                    "urn:ngsi-ld:{}:citytwin-sim-{:03}",
                    kind.entity_type(),
                    i + 1
                ),
                kind,
                points,
                busyness: rng.range(0.5, 1.5),
                out_until: 0,
                state,
                battery: rng.range(0.35, 1.0),
            });
        }
    }
    out
}

/// Local solar hour (0–24) at a longitude.
fn solar_hour(now: i64, lon: f64) -> f64 {
    ((now as f64 / 3_600_000.0) + lon / 15.0).rem_euclid(24.0)
}

/// Traffic load 0–1: low at night, peaks at 08:00 and 17:30.
pub fn traffic_load(hour: f64) -> f64 {
    let peak = |centre: f64, width: f64| (-((hour - centre) / width).powi(2)).exp();
    let day = if (6.0..22.0).contains(&hour) {
        0.35
    } else {
        0.08
    };
    (day + 0.6 * peak(8.0, 1.3) + 0.55 * peak(17.5, 1.6)).min(1.0)
}

fn prop(value: Value, unit: Option<&str>, observed: &str) -> Attribute {
    let mut a = Attribute::property(value);
    a.unit_code = unit.map(str::to_owned);
    a.observed_at = Some(observed.to_owned());
    a
}

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

impl SimSensor {
    fn geometry(&self) -> Value {
        let c = |p: &LonLat| json!([round(p.lon, 7), round(p.lat, 7)]);
        if self.points.len() == 1 {
            json!({"type": "Point", "coordinates": c(&self.points[0])})
        } else {
            json!({"type": "LineString", "coordinates": self.points.iter().map(c).collect::<Vec<_>>()})
        }
    }

    /// The whole entity as first written (location, name, provider and values at `now`).
    pub fn entity(&self, now: i64, rng: &mut Rng) -> Entity {
        let mut e = self.values(now, rng);
        let n: usize = self
            .id
            .rsplit('-')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let name = match self.kind {
            SensorKind::AirQuality => format!("Air quality station {n} (simulated)"),
            SensorKind::Weather => format!("Weather station {n} (simulated)"),
            SensorKind::Noise => format!("Noise sensor {n} (simulated)"),
            SensorKind::Traffic => format!("Traffic lane {n} (simulated)"),
            SensorKind::Parking => format!("P-{n:02} (simulated)"),
            SensorKind::Streetlight => format!("Streetlight {n} (simulated)"),
            SensorKind::Device => format!("Device {n} (simulated)"),
        };
        let mut set = |k: &str, a: Attribute| {
            e.attributes.insert(k.to_owned(), vec![a]);
        };
        set(
            "location",
            Attribute::new(AttributeKind::GeoProperty, self.geometry()),
        );
        set("name", Attribute::property(json!(name)));
        set("dataProvider", Attribute::property(json!(PROVIDER)));
        set("source", Attribute::property(json!("citytwin simulate")));
        match self.kind {
            SensorKind::Traffic => set("laneId", Attribute::property(json!(1))),
            SensorKind::Parking => set("category", Attribute::property(json!(["onStreet"]))),
            SensorKind::Device => set("deviceCategory", Attribute::property(json!(["sensor"]))),
            _ => {}
        }
        e
    }

    /// The changing attributes at `now` (a partial entity for a batch update).
    pub fn values(&self, now: i64, rng: &mut Rng) -> Entity {
        let t = format_millis(now);
        let p = self.points[self.points.len() / 2];
        let hour = solar_hour(now, p.lon);
        let load = (traffic_load(hour) * self.busyness).min(1.0);
        let mut e = Entity::new(self.id.clone(), self.kind.entity_type());
        let mut set = |k: &str, a: Attribute| {
            e.attributes.insert(k.to_owned(), vec![a]);
        };
        let temperature = 9.0 + 5.0 * ((hour - 9.0) / 24.0 * std::f64::consts::TAU).sin();
        match self.kind {
            SensorKind::AirQuality => {
                let no2 = (18.0 + 95.0 * load + rng.noise(6.0)).max(2.0);
                set("no2", prop(json!(round(no2, 0)), Some("GQ"), &t));
                let pm10 = (12.0 + 30.0 * load + rng.noise(4.0)).max(1.0);
                set("pm10", prop(json!(round(pm10, 0)), Some("GQ"), &t));
            }
            SensorKind::Weather => {
                set(
                    "temperature",
                    prop(
                        json!(round(temperature + rng.noise(0.3), 1)),
                        Some("CEL"),
                        &t,
                    ),
                );
                let humidity = (0.75 - 0.2 * ((hour - 9.0) / 24.0 * std::f64::consts::TAU).sin()
                    + rng.noise(0.02))
                .clamp(0.1, 1.0);
                set(
                    "relativeHumidity",
                    prop(json!(round(humidity, 2)), None, &t),
                );
                set(
                    "windSpeed",
                    prop(
                        json!(round((3.0 + rng.noise(1.2)).max(0.0), 1)),
                        Some("MTS"),
                        &t,
                    ),
                );
            }
            SensorKind::Noise => {
                let laeq = 45.0 + 24.0 * load + rng.noise(1.5);
                set("LAeq", prop(json!(round(laeq, 1)), Some("2N"), &t));
                set(
                    "LAmax",
                    prop(
                        json!(round(laeq + 12.0 + rng.range(0.0, 8.0), 1)),
                        Some("2N"),
                        &t,
                    ),
                );
            }
            SensorKind::Traffic => {
                let speed = (52.0 * (1.0 - 0.8 * load) + rng.noise(3.0)).max(2.0);
                let intensity = (40.0 + 900.0 * load + rng.noise(30.0)).max(0.0);
                set(
                    "averageVehicleSpeed",
                    prop(json!(round(speed, 1)), Some("KMH"), &t),
                );
                set("intensity", prop(json!(round(intensity, 0)), None, &t));
                set("occupancy", prop(json!(round(load * 0.9, 2)), None, &t));
            }
            SensorKind::Parking => set("status", prop(json!(self.state), None, &t)),
            SensorKind::Streetlight => {
                let on = !(6.5..17.0).contains(&hour);
                let power = if self.state != "ok" {
                    "off"
                } else if on {
                    "on"
                } else {
                    "off"
                };
                set("powerState", prop(json!(power), None, &t));
                set("status", prop(json!(self.state), None, &t));
            }
            SensorKind::Device => {
                set(
                    "batteryLevel",
                    prop(json!(round(self.battery, 3)), None, &t),
                );
                set(
                    "deviceState",
                    prop(
                        json!(if self.battery > 0.1 {
                            "ok"
                        } else {
                            "lowBattery"
                        }),
                        None,
                        &t,
                    ),
                );
            }
        }
        set(
            "dateObserved",
            Attribute::property(json!({"@type": "DateTime", "@value": t})),
        );
        e
    }

    /// Advances text states (parking turnover, lamp faults, battery drain) and outages;
    /// `None` while the sensor is out.
    pub fn step(&mut self, now: i64, rng: &mut Rng) -> Option<Entity> {
        if now < self.out_until {
            return None;
        }
        if rng.unit() < 0.0015 {
            // The odd outage: silent for one to two and a half hours.
            self.out_until = now + rng.range(3_600_000.0, 9_000_000.0) as i64;
            return None;
        }
        let hour = solar_hour(now, self.points[0].lon);
        match self.kind {
            SensorKind::Parking => {
                let busy = if (8.0..19.0).contains(&hour) {
                    0.8
                } else {
                    0.35
                };
                let occupied = self.state == "occupied";
                if rng.unit() < 0.15 {
                    self.state = if rng.unit() < busy {
                        "occupied"
                    } else {
                        "free"
                    }
                    .to_owned();
                }
                if occupied == (self.state == "occupied") && rng.unit() < 0.5 {
                    return None;
                }
            }
            SensorKind::Streetlight => {
                if self.state == "ok" && rng.unit() < 0.002 {
                    self.state = "defectiveLamp".to_owned();
                } else if self.state != "ok" && rng.unit() < 0.05 {
                    self.state = "ok".to_owned();
                }
            }
            SensorKind::Device => {
                self.battery -= 0.0005;
                if self.battery < 0.05 {
                    self.battery = 1.0;
                }
            }
            _ => {}
        }
        Some(self.values(now, rng))
    }
}

/// The entities as first written at `now`: one sensor starts in an outage, its last value two
/// hours old, so the demo shows what a silent sensor looks like.
pub fn initial_entities(sensors: &mut [SimSensor], now: i64, seed: u64) -> Vec<Entity> {
    let mut rng = Rng::new(seed ^ 0x5EED);
    let silent = sensors
        .iter()
        .position(|s| s.kind == SensorKind::AirQuality)
        .unwrap_or(0);
    sensors
        .iter_mut()
        .enumerate()
        .map(|(i, s)| {
            if i == silent {
                s.out_until = now + 90 * 60_000;
                s.entity(now - 2 * 3_600_000, &mut rng)
            } else {
                s.entity(now, &mut rng)
            }
        })
        .collect()
}

/// What a simulation run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Updates sent.
    pub updates: u64,
    /// Batches refused by the broker.
    pub failures: u64,
}

/// Sends updates at `rate` per second (in ten batches a second) until `stop` is set.
pub async fn run(
    client: &Client,
    sensors: &mut [SimSensor],
    rate: f64,
    seed: u64,
    stop: Arc<AtomicBool>,
    mut report: impl FnMut(SimStats, Option<&ClientError>),
) -> SimStats {
    let mut rng = Rng::new(seed ^ 0xD1CE);
    let mut stats = SimStats::default();
    if sensors.is_empty() {
        return stats;
    }
    let tick = Duration::from_millis(100);
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut owed = 0.0;
    let mut next = 0usize;
    while !stop.load(Ordering::Relaxed) {
        interval.tick().await;
        owed += rate * tick.as_secs_f64();
        let n = owed.floor() as usize;
        owed -= n as f64;
        if n == 0 {
            continue;
        }
        let now = crate::timestamp::now_millis();
        let mut batch = Vec::with_capacity(n);
        for _ in 0..n {
            let i = next % sensors.len();
            next += 1;
            if let Some(e) = sensors[i].step(now, &mut rng) {
                batch.push(e);
            }
        }
        if batch.is_empty() {
            continue;
        }
        match client.batch_update(&batch, 1000).await {
            Ok(outcome) => {
                stats.updates += outcome.success.len() as u64;
                stats.failures += outcome.errors.len() as u64;
                report(stats, None);
            }
            Err(e) => {
                stats.failures += 1;
                report(stats, Some(&e));
            }
        }
    }
    stats
}

/// A sensor's past values as a temporal entity (attributes as arrays of instances with
/// `observedAt`), every `step_ms` over the `hours` before `now`, for `POST /temporal/entities`.
/// Outages are not simulated in the past.
pub fn history(sensor: &SimSensor, now: i64, hours: f64, step_ms: i64, seed: u64) -> Value {
    let mut rng = Rng::new(seed ^ 0x0415_7041);
    let mut out = serde_json::Map::new();
    out.insert("id".to_owned(), json!(sensor.id));
    out.insert("type".to_owned(), json!(sensor.kind.entity_type()));
    let start = now - (hours * 3_600_000.0) as i64;
    let mut t = start - start.rem_euclid(step_ms.max(1)) + step_ms;
    while t < now {
        let e = sensor.values(t, &mut rng);
        for (name, v) in
            crate::ngsi_ld::render::render(&e, crate::ngsi_ld::render::Format::Normalized)
                .as_object()
                .into_iter()
                .flatten()
        {
            if matches!(name.as_str(), "id" | "type") || v.get("observedAt").is_none() {
                continue;
            }
            if let Some(list) = out
                .entry(name.clone())
                .or_insert_with(|| json!([]))
                .as_array_mut()
            {
                list.push(v.clone());
            }
        }
        t += step_ms.max(1);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_peaks_at_rush_hours() {
        assert!(traffic_load(8.0) > 0.9);
        assert!(traffic_load(17.5) > 0.85);
        assert!(traffic_load(3.0) < 0.1);
        assert!(traffic_load(13.0) < 0.5);
    }

    #[test]
    fn sensors_stay_off_buildings_and_say_they_are_simulated() {
        // One big block in the middle of the box.
        let block = geo::Polygon::new(
            geo::LineString::from(vec![
                (-73.99, 40.75),
                (-73.98, 40.75),
                (-73.98, 40.76),
                (-73.99, 40.76),
                (-73.99, 40.75),
            ]),
            vec![],
        );
        let bbox = [-74.0, 40.74, -73.97, 40.77];
        let mut sensors = place(bbox, vec![block.clone()], 7);
        assert_eq!(sensors.len(), 157);
        use geo::Contains;
        for s in &sensors {
            for p in &s.points {
                assert!(!block.contains(&geo::Point::new(p.lon, p.lat)), "{}", s.id);
                assert!(p.lon > bbox[0] && p.lon < bbox[2] && p.lat > bbox[1] && p.lat < bbox[3]);
            }
        }
        // Same seed, same city.
        assert_eq!(place(bbox, vec![block], 7)[5].points, sensors[5].points);
        let now = crate::timestamp::parse_millis("2026-11-23T12:00:00Z").unwrap();
        let entities = initial_entities(&mut sensors, now, 7);
        let lanes = entities
            .iter()
            .filter(|e| e.has_type("TrafficFlowObserved"))
            .count();
        assert_eq!(lanes, 24);
        for e in &entities {
            assert!(e.id.contains("citytwin-sim"));
            assert_eq!(
                e.attribute("dataProvider").unwrap().as_str(),
                Some(PROVIDER)
            );
        }
        // One sensor starts silent with a two-hour-old value.
        let old = entities
            .iter()
            .filter(|e| {
                e.attribute("dateObserved")
                    .and_then(|a| a.as_str().map(str::to_owned))
                    .and_then(|s| crate::timestamp::parse_millis(&s))
                    .is_some_and(|t| t < now - 3_600_000)
            })
            .count();
        assert_eq!(old, 1);
    }

    #[test]
    fn values_follow_the_day() {
        let p = LonLat::new(0.0, 51.5);
        let s = SimSensor {
            id: "urn:ngsi-ld:AirQualityObserved:citytwin-sim-001".into(),
            kind: SensorKind::AirQuality,
            points: vec![p],
            busyness: 1.0,
            out_until: 0,
            state: String::new(),
            battery: 1.0,
        };
        let mut rng = Rng::new(1);
        let day = crate::timestamp::parse_millis("2026-11-23T00:00:00Z").unwrap();
        let no2 = |h: i64, rng: &mut Rng| {
            s.values(day + h * 3_600_000, rng)
                .attribute("no2")
                .and_then(Attribute::as_f64)
                .unwrap()
        };
        let rush: f64 = (0..20).map(|_| no2(8, &mut rng)).sum::<f64>() / 20.0;
        let night: f64 = (0..20).map(|_| no2(3, &mut rng)).sum::<f64>() / 20.0;
        assert!(rush > 90.0 && night < 40.0, "rush {rush}, night {night}");
        let a = s.values(day, &mut rng);
        assert_eq!(a.attribute("no2").unwrap().unit_code.as_deref(), Some("GQ"));
        assert_eq!(
            a.attribute("no2").unwrap().observed_at.as_deref(),
            Some("2026-11-23T00:00:00.000Z")
        );
    }

    #[test]
    fn history_covers_the_hours_asked_at_the_step_asked() {
        let sensors = place([-73.99, 40.75, -73.98, 40.76], obstacles_of(&[]), 7);
        let now = 1_795_000_000_000;
        let h = history(&sensors[0], now, 24.0, 10 * 60_000, 1);
        let attr = h
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, _)| !matches!(k.as_str(), "id" | "type"))
            .map(|(_, v)| v.as_array().unwrap().clone())
            .unwrap();
        assert_eq!(attr.len(), 144);
        let times: Vec<i64> = attr
            .iter()
            .map(|i| crate::timestamp::parse_millis(i["observedAt"].as_str().unwrap()).unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[1] - w[0] == 600_000));
        assert!(times[0] > now - 24 * 3_600_000 && *times.last().unwrap() < now);
    }
}
