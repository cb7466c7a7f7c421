//! The base map under the buildings: streets, paths and squares, water, parks and green
//! areas, land use and railways, read from OpenStreetMap ([`osm`], a PBF extract) or GeoJSON
//! ([`geojson`]), sorted into [`GroundClass`]es by their tags ([`classify`]), then placed in
//! scene metres and meshed flat, in tiles ([`mesh`]).
//!
//! Streets and other lines become surfaces as wide as their `width` tag says (else their
//! lanes, else a width usual for their class); areas are drawn as they are mapped. The sea
//! is the part of the extract's box on the water side of the coastline ([`coast`]).
//!
//! ```
//! use citytwin::basemap::GroundClass;
//! assert_eq!(GroundClass::from_key("water"), Some(GroundClass::Water));
//! assert_eq!(GroundClass::Street.key(), "streets");
//! ```

pub mod classify;
pub mod coast;
pub mod geojson;
pub mod mesh;
pub mod osm;
pub mod rings;
pub mod sources;

use geo::{LineString, MultiPolygon};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a piece of ground is, in a map reader's words. The order is the drawing order, from
/// the bottom up: where two overlap, the later one shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroundClass {
    /// Built-up land by use: residential, commercial, industrial, construction sites,
    /// schools' grounds.
    Landuse,
    /// Parks, gardens, playgrounds, grass, woods.
    Park,
    /// Rivers, lakes, the sea, basins and fountains.
    Water,
    /// Squares, plazas, pedestrian areas, piers and car parks: paved open space.
    Square,
    /// Railway lines and the land of railway yards.
    Railway,
    /// Footways, pavements, cycle ways, paths and steps.
    Path,
    /// Roads of every class a vehicle may drive on.
    Street,
}

impl GroundClass {
    /// Every class, in drawing order (the bottom first).
    pub const ALL: [GroundClass; 7] = [
        GroundClass::Landuse,
        GroundClass::Park,
        GroundClass::Water,
        GroundClass::Square,
        GroundClass::Railway,
        GroundClass::Path,
        GroundClass::Street,
    ];

    /// Its key in the configuration, in `check`'s report and in layer names: `streets`,
    /// `paths`, `squares`, `water`, `parks`, `landuse`, `railways`.
    pub fn key(self) -> &'static str {
        match self {
            GroundClass::Landuse => "landuse",
            GroundClass::Park => "parks",
            GroundClass::Water => "water",
            GroundClass::Square => "squares",
            GroundClass::Railway => "railways",
            GroundClass::Path => "paths",
            GroundClass::Street => "streets",
        }
    }

    /// The class of a key (see [`GroundClass::key`]).
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Its place in the drawing order (0 at the bottom).
    pub fn order(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// The geometry of a ground feature, in WGS84 degrees (x = longitude, y = latitude).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A surface as mapped (holes included).
    Area(MultiPolygon<f64>),
    /// A line drawn as a band `width_m` metres wide.
    Line {
        /// The centre line.
        line: LineString<f64>,
        /// The band's width in metres.
        width_m: f64,
    },
}

/// One piece of ground: a street, a park, a lake.
#[derive(Debug, Clone, PartialEq)]
pub struct GroundFeature {
    /// Where it comes from: `way/123`, `relation/45`, a GeoJSON feature's id or its place
    /// in the file (`feature 7`).
    pub id: String,
    /// What it is.
    pub class: GroundClass,
    /// Its name (a street's name), if it has one.
    pub name: Option<String>,
    /// Its geometry.
    pub shape: Shape,
}

/// What a ground source held: the features to draw, and what was left out and why.
#[derive(Debug, Clone, Default)]
pub struct GroundData {
    /// The features, in the order read.
    pub features: Vec<GroundFeature>,
    /// Features that could not be drawn (broken or incomplete geometry), with the reason.
    pub skipped: Vec<SkippedFeature>,
    /// Features left out on purpose, by reason (under ground, in a tunnel), counted.
    pub left_out: BTreeMap<String, usize>,
    /// The area the source covers `[west, south, east, north]` in degrees, when it says
    /// (an OSM extract's box), else that of its features.
    pub bbox: Option<[f64; 4]>,
}

/// A feature that could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFeature {
    /// The feature (see [`GroundFeature::id`]).
    pub id: String,
    /// Why, in words.
    pub reason: String,
}

impl GroundData {
    /// Features by class key (see [`GroundClass::key`]); classes without features are left
    /// out.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for f in &self.features {
            *counts.entry(f.class.key()).or_insert(0) += 1;
        }
        counts
    }

    /// Adds another source's features to these.
    pub fn extend(&mut self, other: GroundData) {
        self.features.extend(other.features);
        self.skipped.extend(other.skipped);
        for (reason, n) in other.left_out {
            *self.left_out.entry(reason).or_insert(0) += n;
        }
        self.bbox = match (self.bbox, other.bbox) {
            (Some(a), Some(b)) => Some([
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]),
            (a, b) => a.or(b),
        };
    }

    /// Counts one feature left out for `reason`.
    pub(crate) fn leave_out(&mut self, reason: &str) {
        *self.left_out.entry(reason.to_owned()).or_insert(0) += 1;
    }

    /// Records a feature that could not be drawn.
    pub(crate) fn skip(&mut self, id: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(SkippedFeature {
            id: id.into(),
            reason: reason.into(),
        });
    }
}

/// The formats a ground source may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroundFormat {
    /// An OpenStreetMap PBF extract (`.osm.pbf`).
    Osm,
    /// A GeoJSON FeatureCollection in WGS84.
    Geojson,
}

impl GroundFormat {
    /// The format a file's name says: `.pbf` is OSM, anything else GeoJSON.
    pub fn of_path(path: &Path) -> Self {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".pbf") {
            GroundFormat::Osm
        } else {
            GroundFormat::Geojson
        }
    }
}

/// Why a ground source could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum GroundError {
    /// The file could not be read.
    #[error("cannot read the ground file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not what its format says.
    #[error("the ground file {path} is not {format}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// The format expected, in words.
        format: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The demo's OpenStreetMap extract (Midtown Manhattan, © OpenStreetMap contributors, ODbL),
/// built into citytwin; see `assets/demo/SOURCES.md`.
pub static DEMO_PBF: &[u8] = include_bytes!("../../assets/demo/manhattan_midtown.osm.pbf");

/// The credit the demo's extract requires.
pub const DEMO_ATTRIBUTION: &str = "Streets, water and parks © OpenStreetMap contributors, ODbL";

/// The demo's ground: Midtown's streets, water and parks.
pub fn demo() -> Result<GroundData, String> {
    osm::read(DEMO_PBF)
}

/// Reads a ground source: an OSM extract or a GeoJSON file. `class`, for GeoJSON, puts
/// every feature in that class; without it each is classified by its properties read as
/// OSM tags.
pub fn read_file(
    path: &Path,
    format: Option<GroundFormat>,
    class: Option<GroundClass>,
) -> Result<GroundData, GroundError> {
    let bytes = std::fs::read(path).map_err(|source| GroundError::Read {
        path: path.to_owned(),
        source,
    })?;
    match format.unwrap_or_else(|| GroundFormat::of_path(path)) {
        GroundFormat::Osm => osm::read(&bytes).map_err(|message| GroundError::Format {
            path: path.to_owned(),
            format: "an OpenStreetMap PBF extract",
            message,
        }),
        GroundFormat::Geojson => {
            geojson::read(&bytes, class).map_err(|message| GroundError::Format {
                path: path.to_owned(),
                format: "a GeoJSON FeatureCollection",
                message,
            })
        }
    }
}
