//! The city model: buildings decoded from NGSI-LD entities, georeferenced into the scene and
//! batched into tiles. No Bevy here; the `buildings` plugin turns a [`CityModel`] into
//! entities, and `citytwin check` prints its counts.
//!
//! The pipeline ([`load`]) is: read the source → parse NGSI-LD → pick the scene origin →
//! decode each Building (footprint, height, base, name, address) → validate → tiles
//! ([`tiles::build_tiles`]). Every entity that cannot become a building is listed in
//! [`CityModel::skipped`] with the reason.

mod assemble;
mod building;
pub mod cache;
pub mod cityjson;
pub mod decode;
pub mod gltf;
pub mod sensor;
pub mod standing;
pub mod stream;
pub mod style;
pub mod tiles;

pub use assemble::{cityjson_in_scene, from_cityjson, from_entities};
pub use building::{Building, HeightSource, Shell};
pub use gltf::add_models;

use crate::cancel::Cancel;
use crate::config::Config;
use crate::georef::{GeorefError, LonLat};
use crate::ngsi_ld::SkippedItem;
use crate::source::{Source, SourceError};
use sensor::Sensor;
use std::collections::BTreeMap;
use std::time::Instant;

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
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Timings {
    /// Reading and parsing the source.
    pub read_s: f64,
    /// Decoding, georeferencing and validating buildings.
    pub decode_s: f64,
}

/// A building that took unusually long to decode and validate ([`SLOW_BUILDING_S`] or more):
/// reported by id so that whoever keeps the data can look at it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SlowBuilding {
    /// The entity's id.
    pub id: String,
    /// Seconds it took.
    pub seconds: f64,
}

/// A building that takes this long (s) is reported ([`SlowBuilding`]); a typical one takes
/// some 20 µs.
pub const SLOW_BUILDING_S: f64 = 0.1;

/// Everything loaded from a source.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    /// The terrain the buildings stand on ([`standing`]), for what is added later (a
    /// scenario's buildings, streamed cells); not cached.
    #[serde(skip)]
    pub terrain: Option<std::sync::Arc<crate::terrain::HeightGrid>>,
    /// Sensors among the entities (those of a configured sensor layer that could be placed).
    pub sensors: Vec<Sensor>,
    /// Buildings that took unusually long to decode.
    #[serde(default)]
    pub slow: Vec<SlowBuilding>,
}

impl CityModel {
    /// Index of the building hit first by a ray (scene coordinates), if any: on a model's
    /// triangles (CityJSON, glTF), else on the footprint prism.
    pub fn pick(&self, ray: &crate::geometry::pick::Ray) -> Option<usize> {
        self.hit(ray).map(|(i, _)| i)
    }

    /// The building hit first by a ray and the ray parameter where it is hit.
    pub fn hit(&self, ray: &crate::geometry::pick::Ray) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (i, b) in self.buildings.iter().enumerate() {
            if let Some(t) = b.hit(ray)
                && best.is_none_or(|(_, bt)| t < bt)
            {
                best = Some((i, t));
            }
        }
        best
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
    standing::stand_on_configured(&mut model, config);
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

#[cfg(test)]
mod tests {
    use super::assemble::decode_buildings;
    use super::*;
    use crate::config::OriginSetting;
    use crate::georef::Georef;
    use crate::ngsi_ld::Entity;

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
    fn a_second_building_with_the_same_id_is_skipped_and_the_first_drawn() {
        let bytes = crate::source::demo_json().unwrap();
        let parsed = crate::source::parse_bytes(&bytes, std::path::Path::new("demo.json")).unwrap();
        let mut entities: Vec<Entity> = parsed.entities[..20].to_vec();
        let mut twin = entities[3].clone();
        twin.attributes.remove("height");
        entities.push(twin);
        let model = from_entities(entities.clone(), &Config::default(), &mut |_| {}).unwrap();
        assert_eq!(model.buildings.len(), 20);
        assert_eq!(model.skipped.len(), 1);
        assert_eq!(model.skipped[0].id, entities[3].id);
        let drawn = model
            .buildings
            .iter()
            .find(|b| b.id == entities[3].id)
            .unwrap();
        assert!(matches!(
            drawn.height_source,
            HeightSource::Attribute { .. }
        ));
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
        let (threaded, slow) =
            decode_buildings(&candidates, &georef, &settings, &mut |_| reports += 1).unwrap();
        assert!(slow.is_empty(), "{slow:?}");
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
            let (roof, wall) = (
                crate::geometry::extrude::rgba8(palette.roof),
                crate::geometry::extrude::rgba8(palette.wall),
            );
            let roofs = mesh.colors.iter().filter(|c| **c == roof).count();
            let walls = mesh.colors.iter().filter(|c| **c == wall).count();
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
