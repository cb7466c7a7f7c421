//! A building as the scene holds it: its footprint, height and where that came from, its
//! attributes for the inspector, and its 3D shell when modelled (CityJSON, glTF).

use super::cityjson;
use crate::geometry::Footprint;

/// Where a building's height came from, so the inspector can say it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// The height (m) of the ground it stands on: 0 on flat ground; on a terrain the lowest
    /// ground under its footprint, or [`Building::own_ground`] where the data give one. Its
    /// mesh and its prism for picking are raised by it; `base` and `height` stay above it.
    #[serde(default)]
    pub elevation: f64,
    /// The height of its ground in its own data, where they give one (a CityJSON model's
    /// lowest point, in the file's vertical datum): on a terrain it stands there.
    #[serde(default)]
    pub own_ground: Option<f64>,
}

/// A building modelled in 3D: triangles in scene metres as `[east, height above its ground,
/// north]`, each with what surface it belongs to; counter-clockwise seen from outside.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
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
        let color = |k: &cityjson::SurfaceKind| {
            if *k == cityjson::SurfaceKind::Roof {
                palette.roof
            } else {
                palette.wall
            }
        };
        match &self.shell {
            Some(shell) if self.elevation != 0.0 => {
                let raised: Vec<([[f64; 3]; 3], [f32; 4])> = shell
                    .triangles
                    .iter()
                    .map(|(t, k)| (t.map(|p| [p[0], p[1] + self.elevation, p[2]]), color(k)))
                    .collect();
                crate::geometry::extrude::triangles_into(
                    out,
                    raised.iter().map(|(t, c)| (t, *c)),
                    offset,
                )
            }
            Some(shell) => crate::geometry::extrude::triangles_into(
                out,
                shell.triangles.iter().map(|(t, k)| (t, color(k))),
                offset,
            ),
            None => crate::geometry::extrude::extrude_into(
                out,
                &self.footprint,
                self.base + self.elevation,
                self.height + self.elevation,
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
            return crate::geometry::pick::hit(
                &self.footprint,
                self.base + self.elevation,
                self.height + self.elevation,
                ray,
            );
        };
        shell
            .triangles
            .iter()
            .filter_map(|(t, _)| {
                // [east, height, north] → scene [x, y, z = −north].
                let scene = t.map(|p| [p[0], p[1] + self.elevation, -p[2]]);
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
            self.base + self.elevation,
            self.height + self.elevation,
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
