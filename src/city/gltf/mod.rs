//! glTF 2.0 models (`.gltf` with its buffers, or `.glb`) read as triangles and placed in the
//! city by configuration: anchor, altitude, heading, scale and up axis. No Bevy here.
//!
//! Each node with a mesh becomes a [`ModelMesh`] (node transforms applied, scene 0 or the
//! default scene), so a city tile exported one mesh per building is picked per building.
//! Materials and textures are not read: models take the buildings' style.

use super::assemble::frame;
use super::{Building, CityModel, HeightSource, LoadError, Shell, cityjson};
use crate::config::Config;
use crate::geometry::Footprint;
use crate::georef::{Georef, LonLat};
use crate::ngsi_ld::SkippedItem;

mod meshopt;
mod read;

pub use read::{Model, ModelMesh, NO_FEATURE, from_bytes, model_from_bytes, read};

/// A model's up axis: `Y` is glTF's convention (+Y up, +Z towards the viewer (south), +X
/// east), `Z` that of GIS exports (+Z up, +Y north, +X east).
pub use crate::config::UpAxis;

/// Where and how a model stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Metres per model unit (0.001 for millimetres).
    pub scale: f64,
    /// The up axis.
    pub up: UpAxis,
    /// Compass heading of the model's north, degrees clockwise.
    pub heading_deg: f64,
}

impl Placement {
    /// A point of the model in metres `[east, north, up]` from its anchor.
    ///
    /// ```
    /// use citytwin::city::gltf::{Placement, UpAxis};
    /// let p = Placement { scale: 0.001, up: UpAxis::Z, heading_deg: 90.0 };
    /// // 10 m along the model's north, turned to face east.
    /// let q = p.place([0.0, 10_000.0, 0.0]);
    /// assert!((q[0] - 10.0).abs() < 1e-9 && q[1].abs() < 1e-9);
    /// ```
    pub fn place(&self, p: [f64; 3]) -> [f64; 3] {
        let [east, north, up] = match self.up {
            UpAxis::Y => [p[0], -p[2], p[1]],
            UpAxis::Z => [p[0], p[1], p[2]],
        }
        .map(|c| c * self.scale);
        let (sin, cos) = self.heading_deg.to_radians().sin_cos();
        [east * cos + north * sin, -east * sin + north * cos, up]
    }
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
        let placement = Placement {
            scale: m.metres_per_unit(),
            up: m.up,
            heading_deg: m.heading,
        };
        let anchor = georef.lonlat_to_scene(LonLat::new(m.longitude, m.latitude), 0.0)?;
        let (east0, north0) = (anchor[0], -anchor[2]);
        let meshes = match read(std::path::Path::new(&m.file)) {
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
            let shell = shell_of(&mesh.triangles, &placement, [east0, north0], m.altitude);
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

/// A model's triangles placed in the scene around its anchor `[east, north]`: what faces up
/// is roof, the rest wall (glTF has no semantics).
fn shell_of(
    triangles: &[[[f64; 3]; 3]],
    placement: &Placement,
    anchor: [f64; 2],
    altitude: f64,
) -> Shell {
    let mut shell = Shell::default();
    for t in triangles {
        let corner = |p: [f64; 3]| {
            let q = placement.place(p);
            [anchor[0] + q[0], altitude + q[2], anchor[1] + q[1]]
        };
        let t = t.map(corner);
        let n = crate::geometry::triangle_normal(&[
            [t[0][0], t[0][2], t[0][1]],
            [t[1][0], t[1][2], t[1][1]],
            [t[2][0], t[2][2], t[2][1]],
        ]);
        shell
            .triangles
            .push((t, cityjson::SurfaceKind::from_normal(n)));
    }
    shell
}

/// A whole model (every mesh) as one building named `id`, placed by `m` in `georef`'s scene:
/// how a scenario adds a glTF proposal.
pub fn model_building(
    id: &str,
    meshes: &[ModelMesh],
    m: &crate::config::ModelConfig,
    georef: &Georef,
) -> Result<Building, String> {
    let placement = Placement {
        scale: m.metres_per_unit(),
        up: m.up,
        heading_deg: m.heading,
    };
    let anchor = georef
        .lonlat_to_scene(LonLat::new(m.longitude, m.latitude), 0.0)
        .map_err(|e| e.to_string())?;
    let triangles: Vec<[[f64; 3]; 3]> = meshes
        .iter()
        .flat_map(|mesh| mesh.triangles.iter().copied())
        .collect();
    let shell = shell_of(&triangles, &placement, [anchor[0], -anchor[2]], m.altitude);
    let name = if m.name.is_empty() { &m.file } else { &m.name };
    model_mesh_building(id, name, shell)
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
        elevation: 0.0,
        own_ground: None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The Den Haag tile (and its buffer) unzipped into a folder of their own.
    pub(crate) fn den_haag() -> std::path::PathBuf {
        use std::io::Read;
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("citytwin-gltf-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["DenHaag_01.gltf", "DenHaag_01_bin.bin"] {
            let path = format!(
                "{}/tests/fixtures/city/{name}.gz",
                env!("CARGO_MANIFEST_DIR")
            );
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
                .read_to_end(&mut bytes)
                .unwrap();
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        dir.join("DenHaag_01.gltf")
    }

    #[test]
    fn the_den_haag_tile_reads_every_mesh() {
        // SOURCES.md: 1,991 nodes and meshes, 41,183 triangles, all sharing one POSITION
        // accessor; a `scenes` array but no `scene`.
        let meshes = read(&den_haag()).unwrap();
        assert_eq!(meshes.len(), 1991);
        assert_eq!(
            meshes.iter().map(|m| m.triangles.len()).sum::<usize>(),
            41_183
        );
        assert!(meshes[0].name.starts_with("GUID_"), "{}", meshes[0].name);
        // Millimetres, Z up: the tile is 787 m × 672 m and 35 m high.
        let mut hi = [f64::MIN; 3];
        let mut lo = [f64::MAX; 3];
        for p in meshes.iter().flat_map(|m| m.triangles.iter().flatten()) {
            for i in 0..3 {
                hi[i] = hi[i].max(p[i]);
                lo[i] = lo[i].min(p[i]);
            }
        }
        assert_eq!((lo, hi), ([0.0; 3], [787_364.0, 671_848.0, 35_018.0]));
    }

    #[test]
    fn placement_turns_and_scales_the_model() {
        let z = Placement {
            scale: 0.001,
            up: UpAxis::Z,
            heading_deg: 0.0,
        };
        let p = z.place([787_364.0, 671_848.0, 35_018.0]);
        for (got, want) in p.iter().zip([787.364, 671.848, 35.018]) {
            assert!((got - want).abs() < 1e-9, "{p:?}");
        }
        // glTF's own convention: Y up, −Z north.
        let y = Placement {
            scale: 1.0,
            up: UpAxis::Y,
            heading_deg: 0.0,
        };
        assert_eq!(y.place([1.0, 2.0, -3.0]), [1.0, 3.0, 2.0]);
        // Heading 90°: the model's north points east, its east points south.
        let turned = Placement {
            heading_deg: 90.0,
            ..z
        };
        let e = turned.place([1000.0, 0.0, 0.0]);
        assert!((e[0]).abs() < 1e-9 && (e[1] + 1.0).abs() < 1e-9, "{e:?}");
    }

    #[test]
    fn a_missing_buffer_or_a_file_that_is_not_gltf_is_refused_with_a_reason() {
        let dir = std::env::temp_dir().join(format!("citytwin-gltf-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let lonely = dir.join("lonely.gltf");
        std::fs::copy(den_haag(), &lonely).unwrap();
        let e = read(&lonely).unwrap_err();
        assert!(e.contains("cannot read its buffer"), "{e}");
        let text = dir.join("not.gltf");
        std::fs::write(&text, "{\"type\": \"FeatureCollection\"}").unwrap();
        assert!(read(&text).unwrap_err().contains("not a glTF 2.0 model"));
    }
}
