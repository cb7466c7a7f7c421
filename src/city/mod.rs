//! The city model: buildings decoded from NGSI-LD entities, georeferenced into the scene and
//! batched into tiles. No Bevy here; the `buildings` plugin turns a [`CityModel`] into
//! entities, and `citytwin check` prints its counts.
//!
//! The pipeline ([`load`]) is: read the source → parse NGSI-LD → pick the scene origin →
//! decode each Building (footprint, height, base, name, address) → validate → tiles
//! ([`tiles::build_tiles`]). Every entity that cannot become a building is listed in
//! [`CityModel::skipped`] with the reason.

pub mod cityjson;
pub mod decode;
pub mod tiles;

use crate::config::{Config, OriginSetting};
use crate::geometry::Footprint;
use crate::georef::{Georef, GeorefError, LonLat};
use crate::ngsi_ld::{Entity, SkippedItem};
use crate::sensors::{Decoder, Sensor, SensorLayer};
use crate::source::{Source, SourceError};
use std::collections::BTreeMap;
use std::time::Instant;

/// Where a building's height came from, so the inspector can say it.
#[derive(Debug, Clone, PartialEq)]
pub enum HeightSource {
    /// The data's `height` attribute; `detail` is what the data says about its origin.
    Attribute {
        /// The data's own note (e.g. the `heightSource` sub-attribute), if any.
        detail: Option<String>,
    },
    /// Estimated from the number of floors above ground.
    Floors {
        /// Floors above ground.
        floors: f64,
        /// Storey height used (m).
        storey_height: f64,
    },
    /// No height in the data; the configured default.
    Default,
}

impl HeightSource {
    /// A sentence for the inspector.
    pub fn describe(&self) -> String {
        match self {
            Self::Attribute { detail: None } => "the data's height attribute".to_owned(),
            Self::Attribute { detail: Some(d) } => {
                let known = match d.as_str() {
                    "height_tag" => "an OpenStreetMap height tag",
                    "levels" => "OpenStreetMap building:levels × 3.2 m",
                    "building_parts_max" => "the tallest OpenStreetMap building:part inside it",
                    "default" => "the data provider's default (the source has no height)",
                    "3dbag_h_dak_70p" => {
                        "3DBAG: 70th percentile roof height above ground (AHN lidar)"
                    }
                    other => other,
                };
                format!("the data's height attribute, from {known}")
            }
            Self::Floors {
                floors,
                storey_height,
            } => format!("estimated: {floors} floors × {storey_height} m"),
            Self::Default => "a default: the data has no height or number of floors".to_owned(),
        }
    }

    /// A short label ("data", "floors", "default").
    pub fn label(&self) -> &'static str {
        match self {
            Self::Attribute { .. } => "data",
            Self::Floors { .. } => "floors",
            Self::Default => "default",
        }
    }
}

/// One building, ready to draw and inspect.
#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    /// The entity id.
    pub id: String,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// A one-line postal address, if known.
    pub address: Option<String>,
    /// Height of the roof above the ground (m).
    pub height: f64,
    /// Height of the underside above the ground (m); 0 for most buildings.
    pub base: f64,
    /// Where the height came from.
    pub height_source: HeightSource,
    /// The footprint in scene metres.
    pub footprint: Footprint,
    /// All attributes as (name, value) text for the inspector, sorted by name.
    pub attributes: Vec<(String, String)>,
}

impl Building {
    /// A title for lists and the inspector: the name, else the address, else "Building".
    pub fn title(&self) -> &str {
        self.name
            .as_deref()
            .or(self.address.as_deref())
            .unwrap_or("Building without a name")
    }
}

/// Why a city could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The source could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The georeference could not be set up (a bad CRS in the configuration, say).
    #[error(transparent)]
    Georef(#[from] GeorefError),
}

/// Seconds spent in each stage of loading.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Timings {
    /// Reading and parsing the source.
    pub read_s: f64,
    /// Decoding, georeferencing and validating buildings.
    pub decode_s: f64,
}

/// Everything loaded from a source.
#[derive(Debug, Clone)]
pub struct CityModel {
    /// What was loaded, for the UI.
    pub source_label: String,
    /// The attribution the data requires.
    pub attribution: Option<String>,
    /// Entities read from the source.
    pub entities_read: usize,
    /// Entities read, by type.
    pub entities_by_type: BTreeMap<String, usize>,
    /// The buildings that will be drawn.
    pub buildings: Vec<Building>,
    /// Everything that was not drawn, with the reason.
    pub skipped: Vec<SkippedItem>,
    /// The scene origin.
    pub origin: LonLat,
    /// The projected CRS.
    pub crs: String,
    /// Bounds of all buildings `[min_east, min_north, max_east, max_north]` (scene metres).
    pub bounds: [f64; 4],
    /// How long each stage took.
    pub timings: Timings,
    /// Scene positions `[east, north]` of the configured views that lie near the data.
    pub view_points: BTreeMap<String, [f64; 2]>,
    /// Sensors among the entities (those of a configured sensor layer that could be placed).
    pub sensors: Vec<Sensor>,
}

/// A progress report while loading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// What is happening.
    pub stage: &'static str,
    /// Items done.
    pub done: usize,
    /// Items in all (0 when unknown).
    pub total: usize,
}

/// Loads a source with the given settings.
pub fn load(source: &Source, config: &Config) -> Result<CityModel, LoadError> {
    load_with_progress(source, config, &mut |_| {})
}

/// Loads a source, reporting progress now and then.
pub fn load_with_progress(
    source: &Source,
    config: &Config,
    progress: &mut dyn FnMut(Progress),
) -> Result<CityModel, LoadError> {
    let started = Instant::now();
    progress(Progress {
        stage: "reading",
        done: 0,
        total: 0,
    });
    let parsed = crate::source::read(source, &mut |done, total| {
        progress(Progress {
            stage: "receiving entities",
            done,
            total: total.unwrap_or(0),
        });
    })?;
    let read_s = started.elapsed().as_secs_f64();
    let decoding = Instant::now();
    let mut model = from_entities(parsed.entities, config, progress)?;
    let mut skipped = parsed.skipped;
    skipped.append(&mut model.skipped);
    model.skipped = skipped;
    model.source_label = source.label();
    model.attribution = source.attribution();
    model.timings = Timings {
        read_s,
        decode_s: decoding.elapsed().as_secs_f64(),
    };
    Ok(model)
}

/// Builds the city from entities already parsed (from any source).
pub fn from_entities(
    entities: Vec<Entity>,
    config: &Config,
    progress: &mut dyn FnMut(Progress),
) -> Result<CityModel, LoadError> {
    let building_type = config.data.building_type.as_str();
    let mut entities_by_type: BTreeMap<String, usize> = BTreeMap::new();
    for e in &entities {
        for t in &e.types {
            *entities_by_type.entry(t.clone()).or_default() += 1;
        }
    }
    let candidates: Vec<&Entity> = entities
        .iter()
        .filter(|e| e.has_type(building_type))
        .collect();
    let origin = match config.scene.origin {
        OriginSetting::At([lon, lat]) => LonLat::new(lon, lat),
        OriginSetting::Auto => decode::median_location(&candidates)
            .or_else(|| {
                // No buildings: the middle of the sensors.
                let types: Vec<&str> = config
                    .sensor_layers
                    .values()
                    .map(|l| l.entity_type.as_str())
                    .collect();
                let sensors: Vec<&Entity> = entities
                    .iter()
                    .filter(|e| types.iter().any(|t| e.has_type(t)))
                    .collect();
                decode::median_location(&sensors)
            })
            .unwrap_or(LonLat::new(0.0, 0.0)),
    };
    let crs = (config.scene.crs != "auto").then_some(config.scene.crs.as_str());
    let georef = Georef::new(origin, crs)?;
    let settings = decode::Settings::from_config(config);
    let mut buildings = Vec::with_capacity(candidates.len());
    let mut skipped = Vec::new();
    let total = candidates.len();
    for (i, entity) in candidates.into_iter().enumerate() {
        if i % 500 == 0 {
            progress(Progress {
                stage: "georeferencing buildings",
                done: i,
                total,
            });
        }
        match decode::building(entity, &georef, &settings) {
            Ok(b) => buildings.push(b),
            Err(reason) => skipped.push(SkippedItem {
                id: entity.id.clone(),
                reason,
            }),
        }
    }
    let decoder = Decoder::new(
        SensorLayer::all(config),
        georef,
        config.scene.max_distance_km * 1000.0,
    );
    let mut sensors = Vec::new();
    for e in &entities {
        if e.has_type(building_type) {
            continue;
        }
        match decoder.decode(e) {
            None => {}
            Some(Ok(s)) => sensors.push(s),
            Some(Err(reason)) => skipped.push(SkippedItem {
                id: e.id.clone(),
                reason,
            }),
        }
    }
    let georef = decoder.georef();
    let mut bounds = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for b in &buildings {
        let bb = b.footprint.bbox();
        bounds = [
            bounds[0].min(bb[0]),
            bounds[1].min(bb[1]),
            bounds[2].max(bb[2]),
            bounds[3].max(bb[3]),
        ];
    }
    for s in &sensors {
        let p = s.place.anchor();
        let (east, north) = (p[0], -p[2]);
        bounds = [
            bounds[0].min(east),
            bounds[1].min(north),
            bounds[2].max(east),
            bounds[3].max(north),
        ];
    }
    if buildings.is_empty() && sensors.is_empty() {
        bounds = [-500.0, -500.0, 500.0, 500.0];
    }
    // Views from the configuration are kept when they look at (or near) the data, so the
    // Manhattan views do not appear for a file of another city.
    let near = 5_000.0;
    let mut view_points = BTreeMap::new();
    for (name, v) in &config.views {
        let Ok(p) = georef.lonlat_to_scene(LonLat::new(v.center[0], v.center[1]), 0.0) else {
            continue;
        };
        let (east, north) = (p[0], -p[2]);
        if east > bounds[0] - near
            && east < bounds[2] + near
            && north > bounds[1] - near
            && north < bounds[3] + near
        {
            view_points.insert(name.clone(), [east, north]);
        }
    }
    Ok(CityModel {
        source_label: String::new(),
        attribution: None,
        entities_read: entities.len(),
        entities_by_type,
        buildings,
        skipped,
        origin,
        crs: georef.projected_crs().to_owned(),
        bounds,
        timings: Timings::default(),
        view_points,
        sensors,
    })
}
