//! Assembling a [`CityModel`]: from parsed NGSI-LD entities (buildings decoded and
//! georeferenced, on several threads when there are many; sensors placed), or from a CityJSON
//! document (surfaces reprojected into the scene).

use super::sensor::{Decoder, Sensor, SensorLayer};
use super::{
    Building, CityModel, HeightSource, LoadError, Progress, SLOW_BUILDING_S, Shell, SlowBuilding,
    Timings, cityjson, decode,
};
use crate::config::{Config, OriginSetting};
use crate::geometry::{Footprint, Limits};
use crate::georef::{Georef, LonLat};
use crate::ngsi_ld::{Entity, SkippedItem};
use std::collections::BTreeMap;

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
    // One building per id: a later entity with an id already seen is skipped.
    let mut seen = std::collections::HashSet::new();
    let mut duplicates = Vec::new();
    let candidates: Vec<&Entity> = entities
        .iter()
        .filter(|e| e.has_type(building_type))
        .filter(|e| {
            let first = seen.insert(e.id.as_str());
            if !first {
                duplicates.push(SkippedItem {
                    id: e.id.clone(),
                    reason: "another building with the same id comes before it; the first is drawn"
                        .to_owned(),
                });
            }
            first
        })
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
    let crs = config.scene.crs.named();
    let georef = Georef::new(origin, crs)?;
    let settings = decode::DecodeSettings::from_config(config);
    let total = candidates.len();
    progress(Progress {
        stage: "georeferencing buildings",
        done: 0,
        total,
    });
    let (decoded, slow) = decode_buildings(&candidates, &georef, &settings, &mut |done| {
        progress(Progress {
            stage: "georeferencing buildings",
            done,
            total,
        });
    })?;
    let mut buildings = Vec::with_capacity(total);
    let mut skipped = duplicates;
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
        terrain: None,
        sensors,
        slow,
    })
}

/// Decodes and georeferences buildings, in order, on as many threads as the machine has cores
/// (at most four; each with its own PROJ transformation, as PROJ's are not shared between
/// threads) when there are enough of them to be worth it. `done(n)` reports progress; the
/// buildings that took unusually long come second.
pub(super) fn decode_buildings(
    candidates: &[&Entity],
    georef: &Georef,
    settings: &decode::DecodeSettings,
    done: &mut dyn FnMut(usize),
) -> Result<(Decoded, Vec<SlowBuilding>), LoadError> {
    let slow = std::sync::Mutex::new(Vec::new());
    let decoded = decode_in_threads(candidates, georef, settings, &slow, done)?;
    Ok((decoded, slow.into_inner().unwrap_or_default()))
}

/// Each candidate's building, or the reason it was skipped.
type Decoded = Vec<Result<Building, String>>;

/// One building decoded, timed: one that takes [`SLOW_BUILDING_S`] or more is logged and kept.
fn decode_timed(
    e: &Entity,
    georef: &Georef,
    settings: &decode::DecodeSettings,
    slow: &std::sync::Mutex<Vec<SlowBuilding>>,
) -> Result<Building, String> {
    let started = std::time::Instant::now();
    let result = decode::building(e, georef, settings);
    let seconds = started.elapsed().as_secs_f64();
    if seconds >= SLOW_BUILDING_S {
        tracing::warn!("building {} took {seconds:.2} s to decode and check", e.id);
        if let Ok(mut slow) = slow.lock() {
            slow.push(SlowBuilding {
                id: e.id.clone(),
                seconds,
            });
        }
    }
    result
}

fn decode_in_threads(
    candidates: &[&Entity],
    georef: &Georef,
    settings: &decode::DecodeSettings,
    slow: &std::sync::Mutex<Vec<SlowBuilding>>,
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
            out.push(decode_timed(e, georef, settings, slow));
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
                            out.push(decode_timed(e, &georef, settings, slow));
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
pub(super) fn frame(
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
    let anchors: Vec<[f64; 2]> = doc.buildings.iter().map(anchor_of).collect();
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
    let scene_crs = config.scene.crs.named();
    let georef = Georef::new(origin, scene_crs)?;
    let to_scene = georef.transformer_from(&crs)?;
    let (oe, on) = georef.origin_projected();
    let limits = config.data.footprint_limits();
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
        match model_building(b, *anchor, &to_scene, [oe, on], &limits) {
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
        terrain: None,
        sensors: Vec::new(),
        slow: Vec::new(),
    })
}

/// The middle of a CityJSON building's vertices' bounding box (in the file's CRS).
fn anchor_of(b: &cityjson::CityBuilding) -> [f64; 2] {
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
}

/// A CityJSON document's buildings placed in a scene that exists already (a scenario's
/// additions): reprojected from `crs` (else the file's) into `georef`'s; those that cannot be
/// placed are skipped with the reason.
pub fn cityjson_in_scene(
    doc: &cityjson::Document,
    georef: &Georef,
    crs: Option<&str>,
) -> Result<(Vec<Building>, Vec<SkippedItem>), String> {
    let crs = crs
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| doc.crs.clone())
        .ok_or("the CityJSON file declares no CRS (metadata.referenceSystem)")?;
    let to_scene = georef.transformer_from(&crs).map_err(|e| e.to_string())?;
    let (oe, on) = georef.origin_projected();
    let mut buildings = Vec::with_capacity(doc.buildings.len());
    let mut skipped = doc.skipped.clone();
    for b in &doc.buildings {
        match model_building(b, anchor_of(b), &to_scene, [oe, on], &Limits::default()) {
            Ok(building) => buildings.push(building),
            Err(reason) => skipped.push(SkippedItem {
                id: b.id.clone(),
                reason,
            }),
        }
    }
    Ok((buildings, skipped))
}

/// One CityJSON building in the scene. Around its anchor the reprojection is affine to well
/// under a millimetre over a building's size, so PROJ is asked three points per building and
/// the vertices follow by the local Jacobian.
fn model_building(
    b: &cityjson::CityBuilding,
    anchor: [f64; 2],
    to_scene: &crate::georef::Transformer,
    origin: [f64; 2],
    limits: &Limits,
) -> Result<Building, String> {
    let corners: usize = b.surfaces.iter().flat_map(|s| &s.rings).map(Vec::len).sum();
    if corners > limits.max_vertices {
        return Err(format!(
            "has {corners} corners, more than data.max_vertices_per_building ({})",
            limits.max_vertices
        ));
    }
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
        Footprint::with_limits(vec![rings], limits).ok()
    });
    let footprint = match from_lod0 {
        Some(f) => f,
        None => {
            use geo::ConvexHull;
            let points: geo::MultiPoint<f64> = shell
                .triangles
                .iter()
                .flat_map(|(t, _)| t.iter().map(|p| geo::point!(x: p[0], y: p[2])))
                .filter(|p| p.x().is_finite() && p.y().is_finite())
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
        elevation: 0.0,
        own_ground: Some(ground),
    })
}
