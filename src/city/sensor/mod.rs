//! Sensor layers without Bevy: which entities are sensors, where they stand, what they read,
//! what colour and label that gives, and how a stream of changes is merged so that a late or
//! repeated notification never rolls a value back.
//!
//! [`layer`] reads a layer from the configuration; [`replay`] holds the sensors' past values
//! for the time panel.

pub mod layer;
pub mod replay;

pub use layer::{Colors, LegendEntry, NO_DATA_COLOR, STALE_COLOR, SensorLayer};

use crate::georef::{Georef, LonLat};
use crate::language::Language;
use crate::ngsi_ld::{Attribute, Entity, SkippedItem};
use crate::timestamp::parse_millis;
use serde_json::Value;
use std::collections::HashMap;

/// A sensor's main value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Reading {
    /// A number (after the layer's factor).
    Number(f64),
    /// A text or boolean value.
    Text(String),
    /// The attribute is absent or null.
    Missing,
}

/// Where a sensor is, in scene metres (`[east, up, -north]`, as the scene uses).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Place {
    /// A point (height from the third coordinate, else the ground).
    Point([f64; 3]),
    /// A line, such as a traffic lane.
    Line(Vec<[f64; 3]>),
}

impl Place {
    /// The point a marker or label hangs from: the point, or the middle vertex of a line.
    pub fn anchor(&self) -> [f64; 3] {
        match self {
            Place::Point(p) => *p,
            Place::Line(points) => points[points.len() / 2],
        }
    }
}

/// A sensor as the scene draws it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sensor {
    /// Entity id.
    pub id: String,
    /// Index of its layer in the list of layers.
    pub layer: usize,
    /// Its `name`, if it has one.
    pub name: Option<String>,
    /// Where it is.
    pub place: Place,
    /// Its main value.
    pub reading: Reading,
    /// Unit of the main value.
    pub unit: String,
    /// When the value was observed (ms since 1970), if the data says.
    pub observed_at: Option<i64>,
    /// The label text.
    pub label: String,
    /// The label with [`VALUE_SLOT`] where the value goes, for other values of the same
    /// sensor (the time panel's replay).
    pub label_template: String,
    /// Colour from the layer's scale; `None` for no data.
    pub color: Option<[f32; 3]>,
    /// Every attribute as text, for the inspector.
    pub attributes: Vec<(String, String)>,
    /// Whether the entity says it comes from a simulator.
    pub simulated: bool,
}

impl Sensor {
    /// The label this sensor would have with another reading of its main value.
    pub fn label_for(&self, layer: &SensorLayer, reading: &Reading) -> String {
        self.label_template
            .replace(VALUE_SLOT, &value_text(layer, reading))
    }

    /// The label with `reading`, its value written the language's way ("7,5 °C"), a
    /// category by its configured name in the language.
    pub fn label_in(&self, layer: &SensorLayer, reading: &Reading, language: Language) -> String {
        let value = match (reading, &layer.colors) {
            (Reading::Number(v), _) => crate::language::text::number(*v, layer.decimals, language),
            (Reading::Text(t), Colors::Categories(cats)) => cats
                .iter()
                .find(|(v, _, label)| v.eq_ignore_ascii_case(t) && !label.is_empty())
                .map_or_else(|| t.clone(), |(_, _, label)| label.get(language).to_owned()),
            (Reading::Text(t), _) => t.clone(),
            (Reading::Missing, _) => language.t("sensor-no-data"),
        };
        self.label_template.replace(VALUE_SLOT, &value)
    }

    /// Whether the reading is older than `stale_ms` at `now` (a reading without a time is
    /// never stale: nothing says it is old).
    pub fn is_stale(&self, now: i64, stale_ms: i64) -> bool {
        self.observed_at.is_some_and(|t| now - t > stale_ms)
    }

    /// The colour to draw at `now`: grey when stale, pale when there is no data.
    pub fn color_at(&self, now: i64, stale_ms: i64) -> [f32; 3] {
        if self.is_stale(now, stale_ms) {
            STALE_COLOR
        } else {
            self.color.unwrap_or(NO_DATA_COLOR)
        }
    }
}

/// Attributes that tell when an entity's values were observed, for data without `observedAt`
/// (keyValues payloads): the first found is used.
const TIME_ATTRIBUTES: &[&str] = &[
    "dateObserved",
    "observationDateTime",
    "dateObservedTo",
    "dateLastValueReported",
    "dateModified",
];

/// When an entity's main value was observed: the attribute's `observedAt`, else a date
/// attribute of the entity.
pub fn observed_at(e: &Entity, attribute: &str) -> Option<i64> {
    e.attribute(attribute)
        .and_then(|a| a.observed_at.as_deref())
        .and_then(parse_millis)
        .or_else(|| entity_time(e))
}

fn entity_time(e: &Entity) -> Option<i64> {
    TIME_ATTRIBUTES.iter().find_map(|n| {
        e.attribute(n)
            .and_then(|a| a.as_str().map(str::to_owned))
            .and_then(|s| parse_millis(&s))
    })
}

/// Decodes sensors: the layers, the scene's georeference, and the farthest distance accepted.
pub struct Decoder {
    /// The layers, in order.
    pub layers: Vec<SensorLayer>,
    georef: Georef,
    max_distance_m: f64,
}

impl Decoder {
    /// A decoder placing sensors with `georef`.
    pub fn new(layers: Vec<SensorLayer>, georef: Georef, max_distance_m: f64) -> Self {
        Self {
            layers,
            georef,
            max_distance_m,
        }
    }

    /// The georeference in use.
    pub fn georef(&self) -> &Georef {
        &self.georef
    }

    /// The layer an entity belongs to, if any.
    pub fn layer_of(&self, e: &Entity) -> Option<usize> {
        self.layers
            .iter()
            .position(|l| e.types.contains(&l.entity_type))
    }

    /// `None` when the entity is on no sensor layer; else the sensor, or the reason it cannot
    /// be placed.
    pub fn decode(&self, e: &Entity) -> Option<Result<Sensor, String>> {
        let layer_index = self.layer_of(e)?;
        Some(self.decode_on(e, layer_index))
    }

    fn decode_on(&self, e: &Entity, layer_index: usize) -> Result<Sensor, String> {
        let layer = &self.layers[layer_index];
        let place = self.place(e)?;
        let attribute = e.attribute(&layer.attribute);
        let reading = match attribute {
            None => Reading::Missing,
            Some(a) => reading_of(a, layer.factor),
        };
        let unit = attribute
            .and_then(|a| a.unit_code.as_deref())
            .map(|u| crate::ngsi_ld::model::unit_symbol(u).to_owned())
            .unwrap_or_else(|| layer.unit.clone());
        let name = e
            .attribute("name")
            .and_then(|a| a.as_str())
            .map(str::to_owned);
        let label_template = fill_label(layer, e, VALUE_SLOT, &unit, name.as_deref());
        let label = label_template.replace(VALUE_SLOT, &value_text(layer, &reading));
        let simulated = ["dataProvider", "source"].iter().any(|n| {
            e.attribute(n)
                .and_then(Attribute::as_str)
                .is_some_and(|s| s.to_ascii_lowercase().contains("simulat"))
        });
        Ok(Sensor {
            id: e.id.clone(),
            layer: layer_index,
            name,
            color: layer.color(&reading),
            place,
            reading,
            unit,
            observed_at: observed_at(e, &layer.attribute),
            label,
            label_template,
            attributes: crate::city::decode::inspector_attributes(e),
            simulated,
        })
    }

    fn place(&self, e: &Entity) -> Result<Place, String> {
        let Some(location) = e.attribute("location") else {
            return Err("has no location, so it cannot be placed".to_owned());
        };
        let g = location.plain_value();
        let kind = g.get("type").and_then(Value::as_str).unwrap_or_default();
        let coords = g.get("coordinates");
        let point = |v: &Value| -> Result<[f64; 3], String> {
            let c = v
                .as_array()
                .filter(|c| c.len() >= 2 && c.iter().all(Value::is_number))
                .ok_or_else(|| format!("its location has a bad position: {v}"))?;
            let lon = c[0].as_f64().unwrap_or(f64::NAN);
            let lat = c[1].as_f64().unwrap_or(f64::NAN);
            let height = c.get(2).and_then(Value::as_f64).unwrap_or(0.0);
            let p = LonLat::new(lon, lat);
            if !p.is_valid() {
                return Err(format!(
                    "its location [{lon}, {lat}] is not a longitude and latitude"
                ));
            }
            let s = self
                .georef
                .lonlat_to_scene(p, height)
                .map_err(|e| e.to_string())?;
            let d = s[0].hypot(s[2]);
            if d > self.max_distance_m {
                return Err(format!(
                    "lies {:.0} km from the scene origin, farther than scene.max_distance_km \
                     ({:.0} km)",
                    d / 1000.0,
                    self.max_distance_m / 1000.0
                ));
            }
            Ok(s)
        };
        match (kind, coords) {
            ("Point", Some(c)) => Ok(Place::Point(point(c)?)),
            ("LineString", Some(Value::Array(points))) if points.len() >= 2 => Ok(Place::Line(
                points.iter().map(point).collect::<Result<_, _>>()?,
            )),
            ("Polygon", Some(Value::Array(rings))) => {
                // An area sensor: its marker stands at the middle of the outer ring.
                let ring = rings
                    .first()
                    .and_then(Value::as_array)
                    .filter(|r| !r.is_empty())
                    .ok_or("its location is an empty Polygon")?;
                let points: Vec<[f64; 3]> = ring.iter().map(point).collect::<Result<_, _>>()?;
                let n = points.len() as f64;
                let mid = points.iter().fold([0.0; 3], |a, p| {
                    [a[0] + p[0] / n, a[1] + p[1] / n, a[2] + p[2] / n]
                });
                Ok(Place::Point(mid))
            }
            ("", _) => Err("its location is not a GeoJSON geometry".to_owned()),
            (other, _) => Err(format!(
                "its location is a {other} without usable coordinates; a sensor needs a Point, \
                 a LineString or a Polygon"
            )),
        }
    }
}

fn reading_of(a: &Attribute, factor: f64) -> Reading {
    reading_of_value(a.plain_value(), factor)
}

/// A main value as the scene reads it: numbers (also in text) times `factor`, other values as
/// text, null as missing.
pub fn reading_of_value(v: &Value, factor: f64) -> Reading {
    match v {
        Value::Null => Reading::Missing,
        Value::Bool(b) => Reading::Text(b.to_string()),
        Value::Number(n) => n
            .as_f64()
            .map_or(Reading::Missing, |v| Reading::Number(v * factor)),
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(v) => Reading::Number(v * factor),
            Err(_) => Reading::Text(s.clone()),
        },
        other => Reading::Text(crate::ngsi_ld::model::display_json(other)),
    }
}

/// Stands for the value in [`Sensor::label_template`].
pub const VALUE_SLOT: &str = "\u{1}";

/// A reading as labels show it.
fn value_text(layer: &SensorLayer, reading: &Reading) -> String {
    match reading {
        Reading::Number(v) => format!("{v:.*}", layer.decimals),
        Reading::Text(t) => t.clone(),
        Reading::Missing => "no data".to_owned(),
    }
}

/// Fills a label template: `{value}`, `{unit}`, `{name}`, or `{attribute}`.
fn fill_label(
    layer: &SensorLayer,
    e: &Entity,
    value: &str,
    unit: &str,
    name: Option<&str>,
) -> String {
    let mut out = String::new();
    let mut rest = layer.label.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let key = &rest[open + 1..open + close];
        match key {
            "value" => out.push_str(value),
            "unit" => out.push_str(unit),
            "name" => out.push_str(name.unwrap_or(&e.id)),
            other => match e.attribute(other) {
                Some(a) => out.push_str(&crate::ngsi_ld::model::display_json(a.plain_value())),
                None => out.push('—'),
            },
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What merging one change did.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// The sensor changed (or appeared): draw this.
    Changed(Box<Sensor>),
    /// The sensor is gone.
    Removed(String),
    /// Nothing new (a repeated notification).
    Duplicate,
    /// Every value was older than the one held (an out-of-order notification).
    Older,
    /// The entity is not on a sensor layer.
    NotASensor,
    /// It cannot be drawn: the reason.
    Skipped(SkippedItem),
}

/// Counts of what a stream of changes did; shown in the status bar and by `bench live`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MergeStats {
    /// Changes applied.
    pub applied: u64,
    /// Sensors removed.
    pub removed: u64,
    /// Repeated notifications.
    pub duplicates: u64,
    /// Out-of-order notifications ignored.
    pub older: u64,
    /// Changes that could not be drawn.
    pub skipped: u64,
}

/// The sensors' entities as last known, merging partial and out-of-order changes.
#[derive(Default)]
pub struct SensorStore {
    entities: HashMap<String, Entity>,
    /// What the merges did.
    pub stats: MergeStats,
}

impl SensorStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many entities it holds.
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// The ids it holds.
    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.entities.keys()
    }

    /// Merges an entity (whole, or only the attributes that changed) and decodes the result.
    ///
    /// An attribute whose `observedAt` is older than the one held is ignored, as is a whole
    /// change whose entity date (`dateObserved`, …) is older: late notifications never roll a
    /// value back.
    pub fn merge(&mut self, incoming: Entity, decoder: &Decoder) -> Merge {
        if decoder.layer_of(&incoming).is_none() {
            // A partial notification may carry no type we know but belong to a known sensor.
            if !self.entities.contains_key(&incoming.id) {
                return Merge::NotASensor;
            }
        }
        let merged = match self.entities.get_mut(&incoming.id) {
            None => {
                self.entities.insert(incoming.id.clone(), incoming.clone());
                self.entities.get(&incoming.id).cloned()
            }
            Some(held) => {
                if let (Some(new), Some(old)) = (entity_time(&incoming), entity_time(held))
                    && new < old
                {
                    self.stats.older += 1;
                    return Merge::Older;
                }
                let mut changed = false;
                let mut older = false;
                for (name, instances) in incoming.attributes {
                    let slot = held.attributes.entry(name.clone()).or_default();
                    for a in instances {
                        if a.is_null() {
                            // NGSI-LD Null: the broker says the attribute was deleted.
                            let before = slot.len();
                            slot.retain(|b| b.dataset_id != a.dataset_id);
                            changed |= slot.len() != before;
                            continue;
                        }
                        match slot.iter_mut().find(|b| b.dataset_id == a.dataset_id) {
                            None => {
                                slot.push(a);
                                changed = true;
                            }
                            Some(b) if *b == a => {}
                            Some(b) => {
                                let t_new = a.observed_at.as_deref().and_then(parse_millis);
                                let t_old = b.observed_at.as_deref().and_then(parse_millis);
                                if let (Some(n), Some(o)) = (t_new, t_old)
                                    && n < o
                                {
                                    older = true;
                                    continue;
                                }
                                *b = a;
                                changed = true;
                            }
                        }
                    }
                }
                held.attributes.retain(|_, instances| !instances.is_empty());
                for t in incoming.types {
                    if !held.types.contains(&t) {
                        held.types.push(t);
                        changed = true;
                    }
                }
                if !changed {
                    if older {
                        self.stats.older += 1;
                        return Merge::Older;
                    }
                    self.stats.duplicates += 1;
                    return Merge::Duplicate;
                }
                if older {
                    self.stats.older += 1;
                }
                Some(held.clone())
            }
        };
        let Some(entity) = merged else {
            return Merge::NotASensor;
        };
        match decoder.decode(&entity) {
            None => Merge::NotASensor,
            Some(Ok(sensor)) => {
                self.stats.applied += 1;
                Merge::Changed(Box::new(sensor))
            }
            Some(Err(reason)) => {
                self.stats.skipped += 1;
                Merge::Skipped(SkippedItem {
                    id: entity.id.clone(),
                    reason,
                })
            }
        }
    }

    /// Forgets an entity (it was deleted in the broker).
    pub fn remove(&mut self, id: &str) -> Merge {
        if self.entities.remove(id).is_some() {
            self.stats.removed += 1;
            Merge::Removed(id.to_owned())
        } else {
            Merge::Duplicate
        }
    }

    /// Keeps only the ids in `present` among the entities of `types` (after a fresh query of
    /// those types): the others were deleted while the viewer was not listening. Entities of
    /// other types stay. Returns the ids removed.
    pub fn retain_only(
        &mut self,
        present: &std::collections::HashSet<String>,
        types: &[String],
    ) -> Vec<String> {
        let gone: Vec<String> = self
            .entities
            .iter()
            .filter(|(id, e)| !present.contains(*id) && e.types.iter().any(|t| types.contains(t)))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &gone {
            self.remove(id);
        }
        gone
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ngsi_ld::{Representation, parse_payload};
    use serde_json::json;

    pub(crate) fn fixture(name: &str) -> Entity {
        let path = format!(
            "{}/tests/fixtures/ngsi-ld/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        parse_payload(&v, Representation::Auto).entities.remove(0)
    }

    pub(crate) fn decoder_at(lon: f64, lat: f64) -> Decoder {
        let config = Config::default();
        let georef = Georef::new(LonLat::new(lon, lat), None).unwrap();
        Decoder::new(SensorLayer::all(&config), georef, 50_000.0)
    }

    fn hex(c: [f32; 3]) -> String {
        format!(
            "#{:02x}{:02x}{:02x}",
            (c[0] * 255.0).round() as u8,
            (c[1] * 255.0).round() as u8,
            (c[2] * 255.0).round() as u8
        )
    }

    #[test]
    fn smart_data_models_sensors_are_placed_coloured_and_labelled() {
        // Madrid, Plaza de España: NO₂ 69 µg/m³ is "Fair" on the EEA index (40–100).
        let e = fixture("sdm-AirQualityObserved-keyvalues.jsonld");
        let d = decoder_at(-3.7122, 40.4238);
        let s = d.decode(&e).unwrap().unwrap();
        assert_eq!(d.layers[s.layer].id, "air-quality");
        assert_eq!(s.reading, Reading::Number(69.0));
        assert_eq!(s.label, "NO₂ 69 µg/m³");
        assert_eq!(hex(s.color.unwrap()), "#50ccaa");
        assert_eq!(s.observed_at, parse_millis("2016-03-15T11:00:00Z"));
        let p = s.place.anchor();
        assert!(p[0].hypot(p[2]) < 10.0, "{p:?}");
        assert!(!s.simulated);

        let e = fixture("sdm-Streetlight-keyvalues.jsonld");
        let s = decoder_at(-3.1645, 40.6279).decode(&e).unwrap().unwrap();
        assert_eq!(s.label, "off · ok");
        assert_eq!(hex(s.color.unwrap()), "#3d4450");
        // "+05:30" is honoured.
        assert_eq!(s.observed_at, parse_millis("2021-01-11T10:21:02Z"));

        let e = fixture("sdm-ParkingSpot-keyvalues.jsonld");
        let s = decoder_at(-3.8036, 43.4630).decode(&e).unwrap().unwrap();
        assert_eq!(s.reading, Reading::Text("free".into()));
        assert_eq!(hex(s.color.unwrap()), "#2e9e4f");
        assert_eq!(s.name.as_deref(), Some("A-13"));

        // A lane: three points along Avenida de Salamanca, 52.6 km/h is free flow.
        let e = fixture("sdm-TrafficFlowObserved-normalized.jsonld");
        let d = decoder_at(-4.7374, 41.6538);
        let s = d.decode(&e).unwrap().unwrap();
        let Place::Line(points) = &s.place else {
            panic!("{:?}", s.place)
        };
        assert_eq!(points.len(), 3);
        // Roughly 700 m north from the first point to the second.
        let north = -(points[1][2] - points[0][2]);
        assert!((600.0..800.0).contains(&north), "{north}");
        assert_eq!(s.label, "53 km/h");
        assert_eq!(hex(s.color.unwrap()), "#1a9641");

        let e = fixture("sdm-NoiseLevelObserved-normalized.jsonld");
        let s = decoder_at(-2.698, 42.8491).decode(&e).unwrap().unwrap();
        assert_eq!(s.reading, Reading::Number(67.8));
        assert_eq!(s.observed_at, parse_millis("2016-12-28T12:00:00Z"));

        // 3.3 °C on the blended ramp lies between the 0 °C and 10 °C colours.
        let e = fixture("sdm-WeatherObserved-normalized.jsonld");
        let s = decoder_at(-4.7544, 41.6408).decode(&e).unwrap().unwrap();
        assert_eq!(s.label, "3.3 °C");
        let c = s.color.unwrap();
        assert!(c[2] > 0.9 && c[0] > 0.478 && c[0] < 0.79, "{c:?}");

        // The Device fixture has no location: it is reported, not drawn.
        let e = fixture("sdm-Device-keyvalues.jsonld");
        let err = decoder_at(0.0, 0.0).decode(&e).unwrap().unwrap_err();
        assert!(err.contains("no location"), "{err}");

        // A Building is on no sensor layer.
        let e = fixture("sdm-Building-normalized.jsonld");
        assert!(decoder_at(0.0, 0.0).decode(&e).is_none());
    }

    #[test]
    fn bands_blends_categories_and_legends() {
        let layers = SensorLayer::all(&Config::default());
        let air = layers.iter().find(|l| l.id == "air-quality").unwrap();
        let at = |v: f64| hex(air.color(&Reading::Number(v)).unwrap());
        assert_eq!(at(-5.0), "#50f0e6");
        assert_eq!(at(39.9), "#50f0e6");
        assert_eq!(at(40.0), "#50ccaa");
        assert_eq!(at(450.0), "#960032");
        assert_eq!(air.color(&Reading::Missing), None);
        assert_eq!(air.color(&Reading::Number(f64::NAN)), None);
        let legend = air.legend(crate::language::Language::English);
        assert_eq!(legend.len(), 5);
        assert_eq!(legend[1].text, "40–100 µg/m³  Fair");
        assert_eq!(legend[4].text, "400+ µg/m³  Very poor");
        let parking = layers.iter().find(|l| l.id == "parking").unwrap();
        assert_eq!(
            hex(parking.color(&Reading::Text("OCCUPIED".into())).unwrap()),
            "#d64545"
        );
        assert_eq!(parking.color(&Reading::Text("flooded".into())), None);
        assert_eq!(
            parking.legend(crate::language::Language::English)[0].text,
            "Free"
        );
    }

    fn noise(id: &str, value: f64, observed: &str) -> Entity {
        let v = json!({"id": id, "type": "NoiseLevelObserved",
            "LAeq": {"type": "Property", "value": value, "observedAt": observed},
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [-2.698, 42.8491]}}});
        parse_payload(&v, Representation::Auto).entities.remove(0)
    }

    #[test]
    fn late_and_repeated_changes_never_roll_a_value_back() {
        let d = decoder_at(-2.698, 42.8491);
        let mut store = SensorStore::new();
        let Merge::Changed(s) = store.merge(noise("urn:n1", 60.0, "2026-11-23T10:00:00Z"), &d)
        else {
            panic!()
        };
        assert_eq!(s.reading, Reading::Number(60.0));
        // Newer value.
        let Merge::Changed(s) = store.merge(noise("urn:n1", 70.0, "2026-11-23T10:05:00Z"), &d)
        else {
            panic!()
        };
        assert_eq!(s.reading, Reading::Number(70.0));
        // The same notification again, and an older one arriving late.
        assert_eq!(
            store.merge(noise("urn:n1", 70.0, "2026-11-23T10:05:00Z"), &d),
            Merge::Duplicate
        );
        assert_eq!(
            store.merge(noise("urn:n1", 65.0, "2026-11-23T10:02:00Z"), &d),
            Merge::Older
        );
        // A partial change (only the value, no location) is merged into what is held.
        let partial = parse_payload(
            &json!({"id": "urn:n1", "type": "NoiseLevelObserved",
                "LAeq": {"type": "Property", "value": 48.5, "observedAt": "2026-11-23T10:10:00Z"}}),
            Representation::Auto,
        )
        .entities
        .remove(0);
        let Merge::Changed(s) = store.merge(partial, &d) else {
            panic!()
        };
        assert_eq!(s.reading, Reading::Number(48.5));
        assert!(matches!(s.place, Place::Point(_)));
        // A notification of a deleted attribute (NGSI-LD Null): the value goes, not shown
        // as the text "urn:ngsi-ld:null".
        let deleted = parse_payload(
            &json!({"id": "urn:n1", "type": "NoiseLevelObserved",
                "LAeq": {"type": "Property", "value": "urn:ngsi-ld:null"}}),
            Representation::Auto,
        )
        .entities
        .remove(0);
        let Merge::Changed(s) = store.merge(deleted, &d) else {
            panic!()
        };
        assert_ne!(s.reading, Reading::Text("urn:ngsi-ld:null".into()));
        assert_ne!(s.reading, Reading::Number(48.5));
        assert_eq!(
            store.stats,
            MergeStats {
                applied: 4,
                duplicates: 1,
                older: 1,
                ..Default::default()
            }
        );
        assert_eq!(store.remove("urn:n1"), Merge::Removed("urn:n1".into()));
        assert_eq!(store.remove("urn:n1"), Merge::Duplicate);
        // Not a sensor type and not held: ignored.
        let other = Entity::new("urn:b", "Building");
        assert_eq!(store.merge(other, &d), Merge::NotASensor);
    }

    #[test]
    fn stale_readings_turn_grey() {
        let d = decoder_at(-2.698, 42.8491);
        let s = d
            .decode(&noise("urn:n2", 60.0, "2026-11-23T10:00:00Z"))
            .unwrap()
            .unwrap();
        let t = parse_millis("2026-11-23T10:30:00Z").unwrap();
        let hour = 3_600_000;
        assert!(!s.is_stale(t, hour));
        assert_ne!(s.color_at(t, hour), STALE_COLOR);
        assert!(s.is_stale(t + hour, hour));
        assert_eq!(s.color_at(t + hour, hour), STALE_COLOR);
    }
}
