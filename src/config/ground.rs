//! `[ground]` and `[ground.*]`: the base map under the buildings (streets, water, parks, …)
//! and how it looks; `[ground.NAME]` adds a source of ground features.

use super::{Invalid, color};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The classes of ground features, as the configuration names them (their colours' keys).
pub const GROUND_CLASSES: [&str; 7] = [
    "landuse", "parks", "water", "squares", "railways", "paths", "streets",
];

/// `[ground]`: the base map's looks, and its sources (`[ground.NAME]`). Unknown keys are
/// refused by the configuration's key check (serde cannot deny them beside a flattened map).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroundConfig {
    /// With the demo, draw Midtown's streets, water and parks from the OpenStreetMap extract
    /// built into citytwin.
    pub demo: bool,
    /// Street names along the streets, at street level.
    pub street_names: bool,
    /// Tile edge (m) for the ground's meshes.
    pub tile_size: f64,
    /// Colour "#rrggbb" of each class (see [`GROUND_CLASSES`]).
    pub colors: BTreeMap<String, String>,
    /// `[ground.NAME]`: the sources, by name.
    #[serde(flatten)]
    pub sources: BTreeMap<String, GroundSourceConfig>,
}

/// `[ground.NAME]`: a file of ground features.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroundSourceConfig {
    /// An OpenStreetMap extract (`.osm.pbf`) or a GeoJSON file, relative to the
    /// configuration file.
    pub file: String,
    /// `"osm"` or `"geojson"`; "" from the file's name (`.pbf` is OSM).
    #[serde(default)]
    pub format: String,
    /// For GeoJSON: the class of every feature (`streets`, `water`, …); "" reads each
    /// feature's class from its properties as OpenStreetMap tags.
    #[serde(default)]
    pub class: String,
    /// The credit the data requires, shown with the map.
    #[serde(default)]
    pub attribution: String,
}

/// The keys a `[ground.NAME]` table may use (there is no default source to take them from).
pub(super) const GROUND_SOURCE_KEYS: &str =
    "file = \"\"\nformat = \"\"\nclass = \"\"\nattribution = \"\"\n";

/// The keys of `[ground]` itself; any other table in it is a source.
pub(super) const GROUND_OWN_KEYS: &[&str] = &["demo", "street_names", "tile_size", "colors"];

impl GroundConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        super::range("ground.tile_size", self.tile_size, 50.0, 5000.0)?;
        for (class, c) in &self.colors {
            if !GROUND_CLASSES.contains(&class.as_str()) {
                return Err((
                    format!("ground.colors.{class}"),
                    format!(
                        "names no class of ground; they are {}",
                        GROUND_CLASSES.join(", ")
                    ),
                ));
            }
            color(&format!("ground.colors.{class}"), c)?;
        }
        for (name, s) in &self.sources {
            let key = |k: &str| format!("ground.{name}.{k}");
            if s.file.is_empty() {
                return Err((
                    key("file"),
                    "is empty: give an OpenStreetMap extract (.osm.pbf) or a GeoJSON file".into(),
                ));
            }
            if !matches!(s.format.as_str(), "" | "osm" | "geojson") {
                return Err((
                    key("format"),
                    format!("must be \"osm\" or \"geojson\", not \"{}\"", s.format),
                ));
            }
            if !s.class.is_empty() && !GROUND_CLASSES.contains(&s.class.as_str()) {
                return Err((
                    key("class"),
                    format!(
                        "must be one of {} (or \"\"), not \"{}\"",
                        GROUND_CLASSES.join(", "),
                        s.class
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The colour of a class, "#rrggbb" (a neutral grey if the configuration has none).
    pub fn color_of(&self, class: &str) -> &str {
        self.colors.get(class).map_or("#9a9a9a", String::as_str)
    }
}
