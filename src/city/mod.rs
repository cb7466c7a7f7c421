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
pub mod gltf;
pub mod sensor;
pub mod stream;
pub mod style;
pub mod tiles;

use crate::cancel::Cancel;
use crate::config::{Config, OriginSetting};
use crate::geometry::Footprint;
use crate::georef::{Georef, GeorefError, LonLat};
use crate::ngsi_ld::{Entity, SkippedItem};
use crate::source::{Source, SourceError};
use sensor::{Decoder, Sensor, SensorLayer};
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
    /// A 3D model: the height of its highest vertex above its lowest.
    Model {
        /// The format (`CityJSON`).
        format: String,
        /// The level of detail drawn.
        lod: String,
    },
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
            Self::Model { format, lod } if lod.is_empty() => {
                format!("the {format} model: its highest point")
            }
            Self::Model { format, lod } => {
                format!("the {format} model (LoD {lod}): its highest point above its lowest")
            }
        }
    }

    /// A short label ("data", "floors", "default").
    pub fn label(&self) -> &'static str {
        match self {
            Self::Attribute { .. } => "data",
            Self::Floors { .. } => "floors",
            Self::Default => "default",
            Self::Model { .. } => "model",
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
    /// Its surfaces when the data model it in 3D (CityJSON); `None` for an extruded footprint.
    pub shell: Option<std::sync::Arc<Shell>>,
}

/// A building modelled in 3D: triangles in scene metres as `[east, height above its ground,
/// north]`, each with what surface it belongs to; counter-clockwise seen from outside.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shell {
    /// The triangles and their surface kinds.
    pub triangles: Vec<([[f64; 3]; 3], cityjson::SurfaceKind)>,
}

impl Shell {
    /// Area of the triangles of one kind (m²).
    pub fn area(&self, kind: cityjson::SurfaceKind) -> f64 {
        self.triangles
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(t, _)| crate::geometry::triangle_area(t))
            .sum()
    }
}

impl Building {
    /// Appends its mesh to `out` (positions relative to `offset`, `[east, north]`): its
    /// shell when it has one (roofs in the roof colour, the rest in the wall colour), else its
    /// footprint extruded from `base` to `height`. Returns the triangles written.
    pub fn mesh_into(
        &self,
        out: &mut crate::geometry::extrude::MeshBuffers,
        offset: [f64; 2],
        palette: &crate::geometry::extrude::Palette,
    ) -> usize {
        match &self.shell {
            Some(shell) => crate::geometry::extrude::triangles_into(
                out,
                shell.triangles.iter().map(|(t, k)| {
                    let roof = *k == cityjson::SurfaceKind::Roof;
                    (t, if roof { palette.roof } else { palette.wall })
                }),
                offset,
            ),
            None => crate::geometry::extrude::extrude_into(
                out,
                &self.footprint,
                self.base,
                self.height,
                offset,
                palette,
            )
            .triangles(),
        }
    }

    /// The ray parameter where `ray` (scene coordinates) first meets the building: its model's
    /// triangles when it has a shell (CityJSON, glTF), else its footprint prism.
    pub fn hit(&self, ray: &crate::geometry::pick::Ray) -> Option<f64> {
        let Some(shell) = &self.shell else {
            return crate::geometry::pick::hit(&self.footprint, self.base, self.height, ray);
        };
        shell
            .triangles
            .iter()
            .filter_map(|(t, _)| {
                // [east, height, north] → scene [x, y, z = −north].
                let scene = t.map(|p| [p[0], p[1], -p[2]]);
                crate::geometry::pick::hit_triangle(&scene, ray)
            })
            .min_by(f64::total_cmp)
    }

    /// Appends the building as seen from afar: its footprint simplified to within `tolerance`
    /// metres, extruded from its base to its top (a model's roof shapes become one flat roof).
    /// A building whose footprint spans less than three tolerances is left out (a few pixels
    /// at the distance it is meant for). Returns the triangles written.
    pub fn far_into(
        &self,
        out: &mut crate::geometry::extrude::MeshBuffers,
        offset: [f64; 2],
        palette: &crate::geometry::extrude::Palette,
        tolerance: f64,
    ) -> usize {
        let [w, s, e, n] = self.footprint.bbox();
        if (e - w).hypot(n - s) < 3.0 * tolerance {
            return 0;
        }
        let Some(simple) = self.footprint.simplified(tolerance) else {
            return 0;
        };
        crate::geometry::extrude::extrude_into(
            out,
            &simple,
            self.base,
            self.height,
            offset,
            palette,
        )
        .triangles()
    }

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
    /// The data cannot be used as a whole (a CityJSON file that is not CityJSON, or says no
    /// CRS); the message says what to do.
    #[error("{0}")]
    Data(String),
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

impl CityModel {
    /// Index of the building hit first by a ray (scene coordinates), if any: on a model's
    /// triangles (CityJSON, glTF), else on the footprint prism.
    pub fn pick(&self, ray: &crate::geometry::pick::Ray) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, b) in self.buildings.iter().enumerate() {
            if let Some(t) = b.hit(ray)
                && best.is_none_or(|(_, bt)| t < bt)
            {
                best = Some((i, t));
            }
        }
        best.map(|(i, _)| i)
    }
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
    load_unless_cancelled(source, config, &Cancel::new(), progress)
}

/// [`load_with_progress`], stopping with [`SourceError::Cancelled`] as soon as `cancel` is
/// set while a broker is read.
pub fn load_unless_cancelled(
    source: &Source,
    config: &Config,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<CityModel, LoadError> {
    let started = Instant::now();
    progress(Progress {
        stage: "reading",
        done: 0,
        total: 0,
    });
    let read = read(source, config, cancel, progress)?;
    let read_s = started.elapsed().as_secs_f64();
    let decoding = Instant::now();
    let mut model = match read {
        Read::CityJson(doc) => from_cityjson(doc, config, progress)?,
        Read::Entities(parsed) => {
            let mut model = from_entities(parsed.entities, config, progress)?;
            let mut skipped = parsed.skipped;
            skipped.append(&mut model.skipped);
            model.skipped = skipped;
            model.attribution = source.attribution();
            model
        }
    };
    add_models(&mut model, config)?;
    model.source_label = source.label();
    model.timings = Timings {
        read_s,
        decode_s: decoding.elapsed().as_secs_f64(),
    };
    Ok(model)
}

/// What a source holds: NGSI-LD entities, or a CityJSON document.
enum Read {
    Entities(crate::ngsi_ld::ParsedPayload),
    CityJson(cityjson::Document),
}

/// Reads a source once: a file is CityJSON by its name (`.city.json`, `.city.jsonl`) or its
/// first object, else NGSI-LD or GeoJSON.
fn read(
    source: &Source,
    config: &Config,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Read, LoadError> {
    let Source::File(path) = source else {
        let parsed = crate::source::read_unless_cancelled(source, cancel, &mut |done, total| {
            progress(Progress {
                stage: "receiving entities",
                done,
                total: total.unwrap_or(0),
            });
        })?;
        return Ok(Read::Entities(parsed));
    };
    let bytes = std::fs::read(path).map_err(|e| SourceError::Read {
        path: path.clone(),
        source: e,
    })?;
    let bytes = crate::source::gunzip(&bytes, path)?;
    let named = path.to_string_lossy().to_ascii_lowercase();
    if !(named.contains(".city.json") || crate::source::is_cityjson(&bytes)) {
        return Ok(Read::Entities(crate::source::parse_bytes(&bytes, path)?));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| LoadError::Data(format!("{} is not UTF-8 text: {e}", path.display())))?;
    let lod = (!config.data.lod.is_empty()).then_some(config.data.lod.as_str());
    let doc = cityjson::read(text, lod)
        .map_err(|e| LoadError::Data(format!("{}: {e}", path.display())))?;
    Ok(Read::CityJson(doc))
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
            // Nothing but models: the first model's anchor.
            .or_else(|| {
                config
                    .models
                    .values()
                    .next()
                    .map(|m| LonLat::new(m.longitude, m.latitude))
            })
            .unwrap_or(LonLat::new(0.0, 0.0)),
    };
    let crs = (config.scene.crs != "auto").then_some(config.scene.crs.as_str());
    let georef = Georef::new(origin, crs)?;
    let settings = decode::DecodeSettings::from_config(config);
    let total = candidates.len();
    progress(Progress {
        stage: "georeferencing buildings",
        done: 0,
        total,
    });
    let decoded = decode_buildings(&candidates, &georef, &settings, &mut |done| {
        progress(Progress {
            stage: "georeferencing buildings",
            done,
            total,
        });
    })?;
    let mut buildings = Vec::with_capacity(total);
    let mut skipped = Vec::new();
    for (entity, result) in candidates.iter().zip(decoded) {
        match result {
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
    let (bounds, view_points) = frame(&buildings, &sensors, georef, config);
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

/// Decodes and georeferences buildings, in order, on as many threads as the machine has cores
/// (at most four; each with its own PROJ transformation, as PROJ's are not shared between
/// threads) when there are enough of them to be worth it. `done(n)` reports progress.
fn decode_buildings(
    candidates: &[&Entity],
    georef: &Georef,
    settings: &decode::DecodeSettings,
    done: &mut dyn FnMut(usize),
) -> Result<Vec<Result<Building, String>>, LoadError> {
    const CHUNK: usize = 5_000;
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(4);
    if threads < 2 || candidates.len() < 2 * CHUNK {
        let mut out = Vec::with_capacity(candidates.len());
        for (i, e) in candidates.iter().enumerate() {
            if i % 500 == 0 {
                done(i);
            }
            out.push(decode::building(e, georef, settings));
        }
        return Ok(out);
    }
    let crs = georef.projected_crs().to_owned();
    let origin = georef.origin();
    let parts: Vec<&[&Entity]> = candidates
        .chunks(candidates.len().div_ceil(threads))
        .collect();
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                let (crs, finished) = (&crs, &finished);
                scope.spawn(
                    move || -> Result<Vec<Result<Building, String>>, LoadError> {
                        let georef = Georef::new(origin, Some(crs))?;
                        let mut out = Vec::with_capacity(part.len());
                        for e in *part {
                            out.push(decode::building(e, &georef, settings));
                            finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        Ok(out)
                    },
                )
            })
            .collect();
        // Report progress from here while the threads work.
        while !handles.iter().all(|h| h.is_finished()) {
            done(finished.load(std::sync::atomic::Ordering::Relaxed));
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| LoadError::Data("a decoding thread failed".to_owned()))?
            })
            .collect::<Result<Vec<_>, LoadError>>()
    })?;
    Ok(results.into_iter().flatten().collect())
}

/// The bounds of buildings and sensors `[min_east, min_north, max_east, max_north]`, and the
/// configured views that look at (or near) them.
fn frame(
    buildings: &[Building],
    sensors: &[Sensor],
    georef: &Georef,
    config: &Config,
) -> ([f64; 4], BTreeMap<String, [f64; 2]>) {
    let mut bounds = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for b in buildings {
        let bb = b.footprint.bbox();
        bounds = [
            bounds[0].min(bb[0]),
            bounds[1].min(bb[1]),
            bounds[2].max(bb[2]),
            bounds[3].max(bb[3]),
        ];
    }
    for s in sensors {
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
    (bounds, view_points)
}

/// Builds the city from a CityJSON document: each building's surfaces reprojected from the
/// file's CRS (or `data.crs`) into the scene, standing on its lowest point; its footprint from
/// LoD 0, else the outline of its vertices.
pub fn from_cityjson(
    doc: cityjson::Document,
    config: &Config,
    progress: &mut dyn FnMut(Progress),
) -> Result<CityModel, LoadError> {
    use crate::georef::Transformer;
    let crs = if config.data.crs.is_empty() {
        doc.crs.clone().ok_or_else(|| {
            LoadError::Data(
                "the CityJSON file declares no CRS (metadata.referenceSystem): set data.crs, e.g. \"EPSG:7415\""
                    .to_owned(),
            )
        })?
    } else {
        config.data.crs.clone()
    };
    let to_wgs84 = Transformer::new(&crs, "EPSG:4326")?;
    // Each building's anchor: the middle of its vertices' bounding box.
    let anchors: Vec<[f64; 2]> = doc
        .buildings
        .iter()
        .map(|b| {
            let mut bb = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            for p in b.surfaces.iter().flat_map(|s| s.rings.iter().flatten()) {
                bb = [
                    bb[0].min(p[0]),
                    bb[1].min(p[1]),
                    bb[2].max(p[0]),
                    bb[3].max(p[1]),
                ];
            }
            [(bb[0] + bb[2]) / 2.0, (bb[1] + bb[3]) / 2.0]
        })
        .collect();
    let origin = match config.scene.origin {
        OriginSetting::At([lon, lat]) => LonLat::new(lon, lat),
        OriginSetting::Auto => {
            let mut lons = Vec::new();
            let mut lats = Vec::new();
            for a in &anchors {
                if let Ok((lon, lat)) = to_wgs84.convert(a[0], a[1]) {
                    lons.push(lon);
                    lats.push(lat);
                }
            }
            lons.sort_by(f64::total_cmp);
            lats.sort_by(f64::total_cmp);
            match (lons.get(lons.len() / 2), lats.get(lats.len() / 2)) {
                (Some(lon), Some(lat)) => LonLat::new(*lon, *lat),
                _ => LonLat::new(0.0, 0.0),
            }
        }
    };
    let scene_crs = (config.scene.crs != "auto").then_some(config.scene.crs.as_str());
    let georef = Georef::new(origin, scene_crs)?;
    let to_scene = georef.transformer_from(&crs)?;
    let (oe, on) = georef.origin_projected();
    let mut buildings = Vec::with_capacity(doc.buildings.len());
    let mut skipped = doc.skipped.clone();
    let total = doc.buildings.len();
    for (i, (b, anchor)) in doc.buildings.iter().zip(&anchors).enumerate() {
        if i % 500 == 0 {
            progress(Progress {
                stage: "georeferencing buildings",
                done: i,
                total,
            });
        }
        match model_building(b, *anchor, &to_scene, [oe, on]) {
            Ok(building) => buildings.push(building),
            Err(reason) => skipped.push(SkippedItem {
                id: b.id.clone(),
                reason,
            }),
        }
    }
    let mut entities_by_type = doc.others.clone();
    entities_by_type.insert(
        "Building".to_owned(),
        doc.buildings.len() + doc.skipped.len(),
    );
    let (bounds, view_points) = frame(&buildings, &[], &georef, config);
    Ok(CityModel {
        source_label: String::new(),
        attribution: doc.attribution.clone(),
        entities_read: entities_by_type.values().sum(),
        entities_by_type,
        buildings,
        skipped,
        origin,
        crs: georef.projected_crs().to_owned(),
        bounds,
        timings: Timings::default(),
        view_points,
        sensors: Vec::new(),
    })
}

/// Adds the configured glTF models (`[models.NAME]`): each mesh a building, placed at its
/// anchor; a model that cannot be read is skipped with the reason. The bounds then include
/// them.
pub fn add_models(model: &mut CityModel, config: &Config) -> Result<(), LoadError> {
    if config.models.is_empty() {
        return Ok(());
    }
    let georef = Georef::new(model.origin, Some(&model.crs))?;
    for (key, m) in &config.models {
        let name = if m.name.is_empty() { key } else { &m.name };
        let placement = gltf::Placement {
            scale: m.metres_per_unit(),
            up: m.up,
            heading_deg: m.heading,
        };
        let anchor = georef.lonlat_to_scene(LonLat::new(m.longitude, m.latitude), 0.0)?;
        let (east0, north0) = (anchor[0], -anchor[2]);
        let meshes = match gltf::read(std::path::Path::new(&m.file)) {
            Ok(meshes) => meshes,
            Err(reason) => {
                model.skipped.push(SkippedItem {
                    id: format!("model {key}"),
                    reason,
                });
                continue;
            }
        };
        *model
            .entities_by_type
            .entry("glTF mesh".to_owned())
            .or_default() += meshes.len();
        model.entities_read += meshes.len();
        for mesh in meshes {
            let id = format!("{key}/{}", mesh.name);
            let mut shell = Shell::default();
            for t in &mesh.triangles {
                let corner = |p: [f64; 3]| {
                    let q = placement.place(p);
                    [east0 + q[0], m.altitude + q[2], north0 + q[1]]
                };
                let t = t.map(corner);
                // No semantics in glTF: what faces up is roof, the rest wall.
                let n = crate::geometry::triangle_normal(&[
                    [t[0][0], t[0][2], t[0][1]],
                    [t[1][0], t[1][2], t[1][1]],
                    [t[2][0], t[2][2], t[2][1]],
                ]);
                shell
                    .triangles
                    .push((t, cityjson::SurfaceKind::from_normal(n)));
            }
            match model_mesh_building(&id, name, shell) {
                Ok(b) => model.buildings.push(b),
                Err(reason) => model.skipped.push(SkippedItem { id, reason }),
            }
        }
    }
    let (bounds, view_points) = frame(&model.buildings, &model.sensors, &georef, config);
    model.bounds = bounds;
    model.view_points = view_points;
    Ok(())
}

/// A building from a model's mesh: its outline the hull of its triangles, its height from
/// its lowest to its highest point.
fn model_mesh_building(id: &str, model_name: &str, shell: Shell) -> Result<Building, String> {
    use geo::ConvexHull;
    let ups = shell
        .triangles
        .iter()
        .flat_map(|(t, _)| t.iter().map(|p| p[1]));
    let (lo, hi) = ups.fold((f64::MAX, f64::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    if shell.triangles.is_empty() || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return Err("the mesh has no triangles with a height".to_owned());
    }
    let points: geo::MultiPoint<f64> = shell
        .triangles
        .iter()
        .flat_map(|(t, _)| t.iter().map(|p| geo::point!(x: p[0], y: p[2])))
        .collect();
    let ring: Vec<[f64; 2]> = points
        .convex_hull()
        .exterior()
        .coords()
        .map(|c| [c.x, c.y])
        .collect();
    let footprint = Footprint::new(vec![vec![ring]])
        .map_err(|e| format!("its outline cannot be drawn: {e}"))?;
    Ok(Building {
        id: id.to_owned(),
        name: Some(model_name.to_owned()),
        address: None,
        height: hi,
        base: lo.max(0.0),
        height_source: HeightSource::Model {
            format: "glTF".to_owned(),
            lod: String::new(),
        },
        footprint,
        attributes: vec![("model".to_owned(), model_name.to_owned())],
        shell: Some(std::sync::Arc::new(shell)),
    })
}

/// One CityJSON building in the scene. Around its anchor the reprojection is affine to well
/// under a millimetre over a building's size, so PROJ is asked three points per building and
/// the vertices follow by the local Jacobian.
fn model_building(
    b: &cityjson::CityBuilding,
    anchor: [f64; 2],
    to_scene: &crate::georef::Transformer,
    origin: [f64; 2],
) -> Result<Building, String> {
    let convert = |x: f64, y: f64| to_scene.convert(x, y).map_err(|e| e.to_string());
    let p0 = convert(anchor[0], anchor[1])?;
    let px = convert(anchor[0] + 1.0, anchor[1])?;
    let py = convert(anchor[0], anchor[1] + 1.0)?;
    let (jx, jy) = ([px.0 - p0.0, px.1 - p0.1], [py.0 - p0.0, py.1 - p0.1]);
    let place = |x: f64, y: f64| -> [f64; 2] {
        let (dx, dy) = (x - anchor[0], y - anchor[1]);
        [
            p0.0 + dx * jx[0] + dy * jy[0] - origin[0],
            p0.1 + dx * jx[1] + dy * jy[1] - origin[1],
        ]
    };
    let (ground, top) = b.z_range().ok_or("it has no vertices")?;
    let height = top - ground;
    crate::geometry::check_height(height, 0.0).map_err(|e| e.to_string())?;
    let mut shell = Shell::default();
    for s in &b.surfaces {
        for t in s.triangulate() {
            let corner = |p: [f64; 3]| {
                let q = place(p[0], p[1]);
                [q[0], p[2] - ground, q[1]]
            };
            shell.triangles.push((t.map(corner), s.kind));
        }
    }
    if shell.triangles.is_empty() {
        return Err(format!("none of its LoD {} surfaces has an area", b.lod));
    }
    let close = |ring: Vec<[f64; 2]>| {
        let mut ring = ring;
        if ring.first() != ring.last()
            && let Some(first) = ring.first().copied()
        {
            ring.push(first);
        }
        ring
    };
    let from_lod0 = b.footprint.as_ref().and_then(|rings| {
        let rings: Vec<Vec<[f64; 2]>> = rings
            .iter()
            .map(|r| close(r.iter().map(|p| place(p[0], p[1])).collect()))
            .collect();
        Footprint::new(vec![rings]).ok()
    });
    let footprint = match from_lod0 {
        Some(f) => f,
        None => {
            use geo::ConvexHull;
            let points: geo::MultiPoint<f64> = shell
                .triangles
                .iter()
                .flat_map(|(t, _)| t.iter().map(|p| geo::point!(x: p[0], y: p[2])))
                .collect();
            let hull = points.convex_hull();
            let ring: Vec<[f64; 2]> = hull.exterior().coords().map(|c| [c.x, c.y]).collect();
            Footprint::new(vec![vec![ring]])
                .map_err(|e| format!("its outline cannot be drawn: {e}"))?
        }
    };
    let mut attributes: Vec<(String, String)> = b
        .attributes
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), crate::ngsi_ld::model::display_json(v)))
        .collect();
    attributes.push(("lod".to_owned(), b.lod.clone()));
    if b.parts > 0 {
        attributes.push(("parts".to_owned(), b.parts.to_string()));
    }
    attributes.sort();
    let text = |key: &str| {
        b.attributes
            .get(key)
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(Building {
        id: b.id.clone(),
        name: text("name"),
        address: None,
        height,
        base: 0.0,
        height_source: HeightSource::Model {
            format: "CityJSON".to_owned(),
            lod: b.lod.clone(),
        },
        footprint,
        attributes,
        shell: Some(std::sync::Arc::new(shell)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picking_the_demo_from_above_finds_the_building_below() {
        let config = Config::default();
        let model = load(&Source::Demo, &config).unwrap();
        // Straight down over the centre of each of a sample of buildings: the pick must be
        // the building itself or one that overlaps it (building outlines may overlap).
        for (i, b) in model.buildings.iter().enumerate().step_by(97) {
            let c = b.footprint.center();
            if !b.footprint.contains(c) {
                continue; // concave: the bbox centre is outside
            }
            let ray = crate::geometry::pick::Ray {
                origin: [c[0], 1_000.0, -c[1]],
                direction: [0.0, -1.0, 0.0],
            };
            let hit = model.pick(&ray).expect("something is below");
            let hb = &model.buildings[hit];
            assert!(
                hit == i || (hb.footprint.contains(c) && hb.height >= b.height),
                "{} vs {}",
                b.id,
                hb.id
            );
        }
        let nowhere = crate::geometry::pick::Ray {
            origin: [90_000.0, 100.0, 0.0],
            direction: [0.0, -1.0, 0.0],
        };
        assert_eq!(model.pick(&nowhere), None);
    }
    use cityjson::SurfaceKind;

    fn gunzipped(name: &str) -> String {
        use std::io::Read;
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    /// The default configuration with the scene origin in Delft.
    fn delft_config() -> Config {
        let mut config = Config::default();
        config.scene.origin = OriginSetting::At([4.369, 52.0017]);
        config
    }

    #[test]
    fn cityjson_buildings_land_where_the_same_buildings_footprints_do() {
        // The 3DBAG tile as CityJSONSeq (EPSG:7415, reprojected here through PROJ) and as
        // GeoJSON footprints (converted to WGS84 by pyproj, about 1 m accuracy): the same
        // buildings, so their outlines must coincide in the scene.
        let config = delft_config();
        let doc =
            cityjson::read(&gunzipped("city/3dbag_delft_v20240420.city.jsonl.gz"), None).unwrap();
        let model = from_cityjson(doc, &config, &mut |_| {}).unwrap();
        assert_eq!(model.buildings.len(), 1115);
        let geojson = crate::source::parse_bytes(
            gunzipped("delft_3dbag_buildings.geojson.gz").as_bytes(),
            std::path::Path::new("delft.geojson"),
        )
        .unwrap();
        let footprints = from_entities(geojson.entities, &config, &mut |_| {}).unwrap();
        let by_id: std::collections::HashMap<&str, &Building> = footprints
            .buildings
            .iter()
            .map(|b| (b.id.rsplit(':').next().unwrap_or(&b.id), b))
            .collect();
        let mut compared = 0;
        let mut worst: f64 = 0.0;
        for b in &model.buildings {
            let Some(f) = by_id.get(b.id.as_str()) else {
                continue;
            };
            let (c, d) = (b.footprint.center(), f.footprint.center());
            worst = worst.max((c[0] - d[0]).hypot(c[1] - d[1]));
            // LoD 0 footprints: the same area (the projections' scale differs by < 0.1%).
            assert!(
                (b.footprint.area() - f.footprint.area()).abs() < 0.01 * f.footprint.area() + 0.5,
                "{}: {} vs {}",
                b.id,
                b.footprint.area(),
                f.footprint.area()
            );
            compared += 1;
        }
        assert!(compared > 1000, "{compared}");
        assert!(worst < 2.0, "outlines {worst:.2} m apart");
    }

    #[test]
    fn buildings_decoded_on_several_threads_are_those_decoded_on_one_in_order() {
        let bytes = crate::source::demo_json().unwrap();
        let parsed = crate::source::parse_bytes(&bytes, std::path::Path::new("demo.json")).unwrap();
        // Twice the demo (15,962 buildings): enough for the threaded path.
        let mut entities = parsed.entities.clone();
        for e in &parsed.entities {
            let mut copy = e.clone();
            copy.id = format!("{}:copy", e.id);
            entities.push(copy);
        }
        let candidates: Vec<&Entity> = entities.iter().filter(|e| e.has_type("Building")).collect();
        assert!(candidates.len() > 15_000);
        let georef = Georef::new(LonLat::new(-73.985, 40.75), None).unwrap();
        let settings = decode::DecodeSettings::from_config(&Config::default());
        let mut reports = 0;
        let threaded =
            decode_buildings(&candidates, &georef, &settings, &mut |_| reports += 1).unwrap();
        assert!(reports > 0);
        let single: Vec<Result<Building, String>> = candidates
            .iter()
            .map(|e| decode::building(e, &georef, &settings))
            .collect();
        assert_eq!(threaded.len(), single.len());
        for (a, b) in threaded.iter().zip(&single) {
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.id, b.id);
                    assert_eq!(a.footprint, b.footprint);
                    assert_eq!(a.height, b.height);
                }
                (Err(a), Err(b)) => assert_eq!(a, b),
                _ => panic!("one decoded, the other not"),
            }
        }
    }

    #[test]
    fn a_model_building_is_picked_on_its_roof_not_on_its_footprint_prism() {
        let doc =
            cityjson::read(&gunzipped("city/3dbag_delft_v20240420.city.jsonl.gz"), None).unwrap();
        let model = from_cityjson(doc, &delft_config(), &mut |_| {}).unwrap();
        let (mut below_top, mut hits) = (0, 0);
        for b in &model.buildings {
            let c = b.footprint.center();
            if !b.footprint.contains(c) {
                continue;
            }
            let ray = crate::geometry::pick::Ray {
                origin: [c[0], 500.0, -c[1]],
                direction: [0.0, -1.0, 0.0],
            };
            let prism = crate::geometry::pick::hit(&b.footprint, b.base, b.height, &ray).unwrap();
            let Some(roof) = b.hit(&ray) else { continue };
            hits += 1;
            // Never above the prism's top; on a pitched roof or a lower wing, below it.
            assert!(roof >= prism - 1e-6, "{}: {roof} above {prism}", b.id);
            if roof > prism + 1.0 {
                below_top += 1;
            }
        }
        assert!(hits > 1000, "{hits} roofs hit from above");
        assert!(
            below_top > 100,
            "{below_top} roofs lower than their top at the centre"
        );
    }

    #[test]
    fn cityjson_roofs_and_walls_keep_their_areas_and_colours_in_the_scene() {
        let doc = cityjson::read(&gunzipped("city/zurich_subset_lod2.city.json.gz"), None).unwrap();
        let mut config = Config::default();
        config.scene.origin = OriginSetting::At([8.54, 47.37]);
        let roof_in_file: f64 = doc
            .buildings
            .iter()
            .flat_map(|b| &b.surfaces)
            .filter(|s| s.kind == SurfaceKind::Roof)
            .map(cityjson::Surface::area)
            .sum();
        let model = from_cityjson(doc, &config, &mut |_| {}).unwrap();
        let roof_in_scene: f64 = model
            .buildings
            .iter()
            .filter_map(|b| b.shell.as_ref())
            .map(|s| s.area(SurfaceKind::Roof))
            .sum();
        // LV95 to UTM 32N changes lengths by well under 0.1% in Zürich.
        assert!(
            (roof_in_scene / roof_in_file - 1.0).abs() < 0.002,
            "{roof_in_scene} vs {roof_in_file}"
        );
        // Every building stands on the ground and is drawn with roofs and walls apart.
        let palette = crate::geometry::extrude::Palette {
            wall: [0.5, 0.5, 0.5, 1.0],
            roof: [0.8, 0.3, 0.2, 1.0],
        };
        for b in &model.buildings {
            let shell = b.shell.as_ref().unwrap();
            let lowest = shell
                .triangles
                .iter()
                .flat_map(|(t, _)| t.iter().map(|p| p[1]))
                .fold(f64::MAX, f64::min);
            assert!(lowest.abs() < 1e-9, "{}: {lowest}", b.id);
            let mut mesh = crate::geometry::extrude::MeshBuffers::default();
            let written = b.mesh_into(&mut mesh, b.footprint.center(), &palette);
            assert_eq!(written, mesh.triangle_count());
            let roofs = mesh.colors.iter().filter(|c| **c == palette.roof).count();
            let walls = mesh.colors.iter().filter(|c| **c == palette.wall).count();
            assert!(
                roofs > 0 && walls > 0,
                "{}: {roofs} roof, {walls} wall",
                b.id
            );
            // Its roofs face up as a whole (steep, non-planar roof faces may lean past
            // vertical in places, so this sums the normals, weighted by area).
            let up: f64 = shell
                .triangles
                .iter()
                .filter(|(_, k)| *k == SurfaceKind::Roof)
                .map(|(t, _)| {
                    let scene = |p: [f64; 3]| [p[0], p[1], -p[2]];
                    let (a, b, c) = (scene(t[0]), scene(t[1]), scene(t[2]));
                    let (u, v) = (
                        [b[0] - a[0], b[1] - a[1], b[2] - a[2]],
                        [c[0] - a[0], c[1] - a[1], c[2] - a[2]],
                    );
                    // The y component of u × v: twice the area times the normal's y.
                    u[2] * v[0] - u[0] * v[2]
                })
                .sum();
            assert!(up > 0.0, "{}: roofs face down ({up})", b.id);
        }
    }

    #[test]
    fn a_cityjson_file_without_a_crs_asks_for_one() {
        let doc = cityjson::read(
            r#"{"type": "CityJSON", "version": "2.0", "CityObjects": {}, "vertices": []}"#,
            None,
        )
        .unwrap();
        let e = from_cityjson(doc, &Config::default(), &mut |_| {}).unwrap_err();
        assert!(e.to_string().contains("set data.crs"), "{e}");
    }

    #[test]
    fn a_gltf_model_stands_at_its_anchor_with_its_size_and_heading() {
        let file = gltf::tests::den_haag();
        let anchor = [4.369, 52.0017];
        let bbox = |heading: f64| -> ([f64; 3], [f64; 3], usize, [f64; 2]) {
            let mut config = delft_config();
            config.models.insert(
                "den-haag".into(),
                crate::config::ModelConfig {
                    file: file.display().to_string(),
                    longitude: anchor[0],
                    latitude: anchor[1],
                    altitude: 0.0,
                    heading,
                    units: crate::config::LengthUnit::Millimetre,
                    scale: 1.0,
                    up: crate::config::UpAxis::Z,
                    name: "Den Haag tile 01".into(),
                },
            );
            let mut model = from_entities(Vec::new(), &config, &mut |_| {}).unwrap();
            add_models(&mut model, &config).unwrap();
            let georef = Georef::new(model.origin, Some(&model.crs)).unwrap();
            let a = georef
                .lonlat_to_scene(LonLat::new(anchor[0], anchor[1]), 0.0)
                .unwrap();
            let mut lo = [f64::MAX; 3];
            let mut hi = [f64::MIN; 3];
            for b in &model.buildings {
                for (t, _) in &b.shell.as_ref().unwrap().triangles {
                    for p in t {
                        for i in 0..3 {
                            lo[i] = lo[i].min(p[i]);
                            hi[i] = hi[i].max(p[i]);
                        }
                    }
                }
            }
            (lo, hi, model.buildings.len(), [a[0], -a[2]])
        };
        // [east, height, north]: 787 m east, 672 m north, 35 m high, from the anchor.
        let (lo, hi, n, a) = bbox(0.0);
        assert_eq!(n, 1991, "one building per mesh");
        let near = |x: f64, y: f64| (x - y).abs() < 1e-6;
        assert!(
            near(lo[0], a[0]) && near(hi[0], a[0] + 787.364),
            "{lo:?} {hi:?} {a:?}"
        );
        assert!(
            near(lo[2], a[1]) && near(hi[2], a[1] + 671.848),
            "{lo:?} {hi:?} {a:?}"
        );
        assert!(near(lo[1], 0.0) && near(hi[1], 35.018), "{lo:?} {hi:?}");
        // Turned to heading 90°: its north runs east, its east runs south.
        let (lo, hi, _, a) = bbox(90.0);
        assert!(
            near(lo[0], a[0]) && near(hi[0], a[0] + 671.848),
            "{lo:?} {hi:?} {a:?}"
        );
        assert!(
            near(hi[2], a[1]) && near(lo[2], a[1] - 787.364),
            "{lo:?} {hi:?} {a:?}"
        );
    }

    #[test]
    fn a_model_that_cannot_be_read_is_skipped_with_the_reason() {
        let mut config = delft_config();
        config.models.insert(
            "missing".into(),
            crate::config::ModelConfig {
                file: "/nonexistent/model.glb".into(),
                longitude: 4.369,
                latitude: 52.0017,
                altitude: 0.0,
                heading: 0.0,
                units: crate::config::LengthUnit::Metre,
                scale: 1.0,
                up: crate::config::UpAxis::Y,
                name: String::new(),
            },
        );
        let mut model = from_entities(Vec::new(), &config, &mut |_| {}).unwrap();
        add_models(&mut model, &config).unwrap();
        assert_eq!(model.skipped.len(), 1);
        assert_eq!(model.skipped[0].id, "model missing");
        assert!(
            model.skipped[0]
                .reason
                .contains("cannot read /nonexistent/model.glb")
        );
    }
}
