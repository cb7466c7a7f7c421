//! `[buildings]` and `[models.*]`: how buildings are drawn, and glTF models placed in the city.

use super::{Invalid, color, range};
use serde::{Deserialize, Serialize};

/// `[buildings]`: heights and looks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildingsConfig {
    /// Height when the data has none (m).
    pub default_height: f64,
    /// Height of a storey (m).
    pub storey_height: f64,
    /// Tile edge (m).
    pub tile_size: f64,
    /// Batch buildings into tiles (false: one mesh and entity per building, for comparison).
    pub batch: bool,
    /// Most tiles (draw calls) for the buildings: tiles grow beyond `tile_size` to fit.
    pub max_tiles: usize,
    /// Beyond this distance (m) from the camera, tiles are drawn simpler (0: always in full).
    pub simple_beyond: f64,
    /// Attribute to colour buildings by at start ("" for the neutral style).
    pub color_by: String,
    /// Wall colour "#rrggbb".
    pub wall_color: String,
    /// Roof colour "#rrggbb".
    pub roof_color: String,
    /// Colour of the selected building "#rrggbb".
    pub selected_color: String,
    /// Colour of the buildings a scenario adds "#rrggbb".
    pub proposal_color: String,
}

impl BuildingsConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        let b = self;
        range("buildings.default_height", b.default_height, 0.5, 1000.0)?;
        range("buildings.storey_height", b.storey_height, 1.0, 10.0)?;
        range("buildings.tile_size", b.tile_size, 50.0, 5000.0)?;
        range("buildings.max_tiles", b.max_tiles as f64, 1.0, 100_000.0)?;
        range("buildings.simple_beyond", b.simple_beyond, 0.0, 100_000.0)?;
        color("buildings.wall_color", &b.wall_color)?;
        color("buildings.roof_color", &b.roof_color)?;
        color("buildings.selected_color", &b.selected_color)?;
        color("buildings.proposal_color", &b.proposal_color)?;
        Ok(())
    }
}

/// The unit a model's coordinates are in (`units`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum LengthUnit {
    /// `"m"`, glTF's convention.
    Metre,
    /// `"cm"`.
    Centimetre,
    /// `"mm"`.
    Millimetre,
    /// `"ft"`.
    Foot,
    /// `"in"`.
    Inch,
}

impl LengthUnit {
    /// The names used in the configuration, in the order of [`LengthUnit::metres`].
    const NAMES: [(&'static str, LengthUnit, f64); 5] = [
        ("m", Self::Metre, 1.0),
        ("cm", Self::Centimetre, 0.01),
        ("mm", Self::Millimetre, 0.001),
        ("ft", Self::Foot, 0.3048),
        ("in", Self::Inch, 0.0254),
    ];

    /// Metres in one unit.
    pub fn metres(self) -> f64 {
        Self::NAMES
            .iter()
            .find(|(_, u, _)| *u == self)
            .map_or(1.0, |(_, _, m)| *m)
    }
}

impl TryFrom<String> for LengthUnit {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::NAMES
            .iter()
            .find(|(name, _, _)| *name == s)
            .map(|(_, u, _)| *u)
            .ok_or_else(|| format!("is \"{s}\"; use \"m\", \"cm\", \"mm\", \"ft\" or \"in\""))
    }
}

impl From<LengthUnit> for String {
    fn from(u: LengthUnit) -> String {
        LengthUnit::NAMES
            .iter()
            .find(|(_, x, _)| *x == u)
            .map_or("m", |(name, _, _)| name)
            .to_owned()
    }
}

/// A model's up axis (`up`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum UpAxis {
    /// `"y"`, glTF's convention.
    Y,
    /// `"z"`, models converted from GIS data.
    Z,
}

impl TryFrom<String> for UpAxis {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "y" => Ok(Self::Y),
            "z" => Ok(Self::Z),
            _ => Err(format!("is \"{s}\"; use \"y\" or \"z\"")),
        }
    }
}

impl From<UpAxis> for String {
    fn from(u: UpAxis) -> String {
        match u {
            UpAxis::Y => "y".into(),
            UpAxis::Z => "z".into(),
        }
    }
}

/// `[models.NAME]`: a glTF/GLB model placed in the city (a proposal, a landmark).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The `.gltf` (with its buffers beside it) or `.glb` file.
    pub file: String,
    /// Longitude of the model's origin (degrees).
    pub longitude: f64,
    /// Latitude of the model's origin (degrees).
    pub latitude: f64,
    /// Height of the model's origin above the ground (m).
    #[serde(default)]
    pub altitude: f64,
    /// Compass heading of the model's north (or −Z for Y-up models), degrees clockwise.
    #[serde(default)]
    pub heading: f64,
    /// The unit the model's coordinates are in: "m" (glTF's convention), "cm", "mm", "ft" or
    /// "in".
    #[serde(default = "metres")]
    pub units: LengthUnit,
    /// A further factor on the model's size (1 draws it at its real size in `units`).
    #[serde(default = "one")]
    pub scale: f64,
    /// The model's up axis: "y" (glTF's convention) or "z" (models converted from GIS data).
    #[serde(default = "y_up")]
    pub up: UpAxis,
    /// Name shown in the inspector; "" for the table's name.
    #[serde(default)]
    pub name: String,
}

fn one() -> f64 {
    1.0
}

fn y_up() -> UpAxis {
    UpAxis::Y
}

fn metres() -> LengthUnit {
    LengthUnit::Metre
}

impl ModelConfig {
    /// Metres per model unit: the unit's length times `scale`.
    ///
    /// ```
    /// use citytwin::config::{LengthUnit, ModelConfig};
    /// let mut m: ModelConfig = toml::from_str(
    ///     "file = \"a.glb\"\nlongitude = 0.0\nlatitude = 0.0\nunits = \"mm\"\n").unwrap();
    /// assert_eq!(m.metres_per_unit(), 0.001);
    /// m.units = LengthUnit::Foot;
    /// m.scale = 2.0;
    /// assert_eq!(m.metres_per_unit(), 0.6096);
    /// ```
    pub fn metres_per_unit(&self) -> f64 {
        self.units.metres() * self.scale
    }

    /// `name` is the table's name (`[models.NAME]`).
    pub(super) fn validate(&self, name: &str) -> Result<(), Invalid> {
        let m = self;
        let key = |k: &str| format!("models.{name}.{k}");
        if m.file.is_empty() {
            return Err((key("file"), "is empty: give the .gltf or .glb file".into()));
        }
        range(&key("longitude"), m.longitude, -180.0, 180.0)?;
        range(&key("latitude"), m.latitude, -90.0, 90.0)?;
        range(&key("altitude"), m.altitude, -1_000.0, 10_000.0)?;
        range(&key("heading"), m.heading, -360.0, 360.0)?;
        range(&key("scale"), m.scale, 1e-6, 1e6)?;
        Ok(())
    }
}

/// The keys a `[models.NAME]` table may use (there is no default model to take them from).
pub(super) const MODEL_KEYS: &str = "file = \"\"\nlongitude = 0.0\nlatitude = 0.0\naltitude = 0.0\nheading = 0.0\nunits = \"m\"\nscale = 1.0\nup = \"y\"\nname = \"\"\n";
