//! Configuration: the built-in defaults (`config/default.toml`, every key commented there),
//! overlaid by a user's TOML file, overlaid by command-line flags.
//!
//! Every error names where the offending value came from (the file, or the command line), the
//! dotted key, and what is allowed:
//!
//! ```
//! use citytwin::config::{Config, Layer};
//! let user = Layer::parse("my.toml", "[camera]\nmin_distanse = 3").unwrap();
//! let err = Config::from_layers(vec![user]).unwrap_err().to_string();
//! assert!(err.contains("my.toml") && err.contains("camera.min_distanse"));
//! assert!(err.contains("did you mean `min_distance`"));
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// The built-in defaults, exactly as shipped in `config/default.toml`.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Name of the built-in view that frames all the data.
pub const OVERVIEW: &str = "overview";

/// A configuration error, phrased for the person who wrote the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {file}: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{file} is not valid TOML: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A key that citytwin does not know.
    #[error("{origin}: unknown key `{key}`{suggestion}. Allowed keys {scope}: {allowed}")]
    UnknownKey {
        /// File or "command line".
        origin: String,
        /// The dotted key.
        key: String,
        /// `in [section]` or `at the top level`.
        scope: String,
        /// The allowed keys, comma-separated.
        allowed: String,
        /// " (did you mean `x`?)" or empty.
        suggestion: String,
    },
    /// A value of the wrong kind or out of range.
    #[error("{origin}: `{key}` {message}")]
    BadValue {
        /// File or "command line".
        origin: String,
        /// The dotted key.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// One source of settings: the defaults, a file, or the command line.
#[derive(Debug, Clone)]
pub struct Layer {
    /// How errors name this layer (a path, or "command line").
    pub origin: String,
    /// Its settings.
    pub table: Table,
}

impl Layer {
    /// Parses TOML text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Self, ConfigError> {
        let table = text.parse::<Table>().map_err(|e| ConfigError::Syntax {
            file: origin.to_owned(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        Ok(Self {
            origin: origin.to_owned(),
            table,
        })
    }

    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            file: path.to_owned(),
            source,
        })?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// An empty layer for command-line overrides.
    pub fn command_line() -> Self {
        Self {
            origin: "command line".to_owned(),
            table: Table::new(),
        }
    }

    /// Sets `section.key` (for command-line flags).
    pub fn set(&mut self, section: &str, key: &str, value: impl Into<Value>) {
        let entry = self
            .table
            .entry(section.to_owned())
            .or_insert_with(|| Value::Table(Table::new()));
        if let Value::Table(t) = entry {
            t.insert(key.to_owned(), value.into());
        }
    }
}

/// The scene origin setting: automatic or a fixed longitude/latitude.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OriginSetting {
    /// The middle of the data.
    Auto,
    /// `[longitude, latitude]` in degrees.
    At([f64; 2]),
}

impl Serialize for OriginSetting {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Auto => s.serialize_str("auto"),
            Self::At(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for OriginSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OriginSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"auto\" or [longitude, latitude] in degrees")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s == "auto" {
                    Ok(OriginSetting::Auto)
                } else {
                    Err(E::custom(format!(
                        "must be \"auto\" or [longitude, latitude] in degrees, not \"{s}\""
                    )))
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                let lon: f64 = a
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                let lat: f64 = a
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(1, &self))?;
                if a.next_element::<f64>()?.is_some() {
                    return Err(serde::de::Error::invalid_length(3, &self));
                }
                Ok(OriginSetting::At([lon, lat]))
            }
        }
        d.deserialize_any(V)
    }
}

/// Multisample anti-aliasing: automatic, off, or a number of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsaaSetting {
    /// 4 samples on a GPU, off on a software renderer.
    Auto,
    /// No multisampling.
    Off,
    /// 2, 4 or 8 samples (1 means off).
    Samples(u32),
}

impl Serialize for MsaaSetting {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Auto => s.serialize_str("auto"),
            Self::Off => s.serialize_str("off"),
            Self::Samples(n) => s.serialize_u32(*n),
        }
    }
}

impl<'de> Deserialize<'de> for MsaaSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = MsaaSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"auto\", \"off\", 1, 2, 4 or 8")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                match s {
                    "auto" => Ok(MsaaSetting::Auto),
                    "off" => Ok(MsaaSetting::Off),
                    other => Err(E::custom(format!(
                        "must be \"auto\", \"off\", 1, 2, 4 or 8, not \"{other}\""
                    ))),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
                match n {
                    1 => Ok(MsaaSetting::Off),
                    2 | 4 | 8 => Ok(MsaaSetting::Samples(n as u32)),
                    other => Err(E::custom(format!(
                        "must be \"auto\", \"off\", 1, 2, 4 or 8, not {other}"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The render scale: automatic or a fixed fraction of the view's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScaleSetting {
    /// Full resolution on a graphics card; half while moving on a software renderer.
    Auto,
    /// This fraction (0.25 to 1), always.
    Fixed(f64),
}

impl Serialize for ScaleSetting {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Auto => s.serialize_str("auto"),
            Self::Fixed(v) => s.serialize_f64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for ScaleSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ScaleSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"auto\" or a number from 0.25 to 1")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s == "auto" {
                    Ok(ScaleSetting::Auto)
                } else {
                    Err(E::custom(format!(
                        "must be \"auto\" or a number from 0.25 to 1, not \"{s}\""
                    )))
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if (0.25..=1.0).contains(&v) {
                    Ok(ScaleSetting::Fixed(v))
                } else {
                    Err(E::custom(format!(
                        "must be \"auto\" or a number from 0.25 to 1, not {v}"
                    )))
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

/// `[render]`: drawing quality.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderConfig {
    /// Anti-aliasing.
    pub msaa: MsaaSetting,
    /// Resolution of the 3D view.
    pub scale: ScaleSetting,
}

/// `[data]`: where the buildings come from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// "demo" or a file path.
    pub source: String,
    /// Entity type drawn as buildings.
    pub building_type: String,
    /// CityJSON: the level of detail to draw ("2.2"); "" for each building's highest.
    pub lod: String,
    /// CRS of a file that declares none (`EPSG:7415`); "" to use the file's.
    pub crs: String,
    /// A broker holding more buildings than this is loaded by viewport (0: always).
    pub stream_above: usize,
    /// When loading by viewport: buildings within this distance (m) of the point looked at.
    pub stream_radius: f64,
}

/// `[broker]`: the NGSI-LD broker to read from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerConfig {
    /// Base URL.
    pub url: String,
    /// Tenant, "" for the default.
    pub tenant: String,
    /// @context URL for the Link header, "" for none.
    pub context: String,
    /// File with a bearer token, "" for none.
    pub token_file: String,
    /// OAuth2 token endpoint, "" for none.
    pub token_url: String,
    /// OAuth2 client id.
    pub client_id: String,
    /// File with the OAuth2 client secret.
    pub client_secret_file: String,
    /// Request timeout (s).
    pub timeout_s: f64,
    /// Retries.
    pub retries: u32,
    /// First page size.
    pub page_size: usize,
    /// IRI → short name.
    pub terms: BTreeMap<String, String>,
}

/// `[local_broker]`: `citytwin broker`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalBrokerConfig {
    /// Listen address.
    pub bind: String,
    /// SQLite file, "" for the data folder, ":memory:".
    pub database: String,
    /// Largest page.
    pub max_page_size: usize,
    /// Default page.
    pub default_page_size: usize,
    /// Largest body (MB).
    pub max_body_mb: f64,
    /// Hours of history kept for the temporal API.
    pub history_hours: f64,
}

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
}

/// `[scene]`: georeference and surroundings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneConfig {
    /// Scene origin.
    pub origin: OriginSetting,
    /// Projected CRS or "auto".
    pub crs: String,
    /// Farthest accepted distance from the origin (km).
    pub max_distance_km: f64,
    /// Ground colour.
    pub ground_color: String,
    /// Sky colour at the horizon.
    pub sky_horizon_color: String,
    /// Sky colour overhead.
    pub sky_zenith_color: String,
}

/// `[sun]`: the light.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SunConfig {
    /// Compass direction the light comes from (degrees).
    pub azimuth_deg: f64,
    /// Elevation above the horizon (degrees).
    pub elevation_deg: f64,
    /// Illuminance (lux).
    pub illuminance: f64,
    /// Shadows on or off.
    pub shadows: bool,
    /// Shadow map resolution.
    pub shadow_map_size: u32,
}

/// `[camera]`: limits and feel of the orbit camera.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraConfig {
    /// Starting view name.
    pub start_view: String,
    /// Heading of the overview (degrees).
    pub overview_heading_deg: f64,
    /// Tilt of the overview (degrees).
    pub overview_tilt_deg: f64,
    /// Closest orbit distance (m).
    pub min_distance: f64,
    /// Farthest orbit distance (m).
    pub max_distance: f64,
    /// Lowest tilt (degrees above the horizon).
    pub min_tilt_deg: f64,
    /// Highest tilt.
    pub max_tilt_deg: f64,
    /// Vertical field of view (degrees).
    pub fov_deg: f64,
    /// Degrees per pixel dragged.
    pub orbit_speed: f64,
    /// Fraction of the distance per wheel notch.
    pub zoom_speed: f64,
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
    pub units: String,
    /// A further factor on the model's size (1 draws it at its real size in `units`).
    #[serde(default = "one")]
    pub scale: f64,
    /// The model's up axis: "y" (glTF's convention) or "z" (models converted from GIS data).
    #[serde(default = "y_up")]
    pub up: String,
    /// Name shown in the inspector; "" for the table's name.
    #[serde(default)]
    pub name: String,
}

fn y_up() -> String {
    "y".to_owned()
}

fn metres() -> String {
    "m".to_owned()
}

impl ModelConfig {
    /// Metres per model unit: the unit's length times `scale`; `None` for an unknown unit.
    ///
    /// ```
    /// let mut m: citytwin::config::ModelConfig = toml::from_str(
    ///     "file = \"a.glb\"\nlongitude = 0.0\nlatitude = 0.0\nunits = \"mm\"\n").unwrap();
    /// assert_eq!(m.metres_per_unit(), Some(0.001));
    /// m.units = "ft".into();
    /// m.scale = 2.0;
    /// assert_eq!(m.metres_per_unit(), Some(0.6096));
    /// ```
    pub fn metres_per_unit(&self) -> Option<f64> {
        let unit = match self.units.as_str() {
            "m" => 1.0,
            "cm" => 0.01,
            "mm" => 0.001,
            "ft" => 0.3048,
            "in" => 0.0254,
            _ => return None,
        };
        Some(unit * self.scale)
    }
}

/// The keys a `[models.NAME]` table may use (there is no default model to take them from).
const MODEL_KEYS: &str = "file = \"\"\nlongitude = 0.0\nlatitude = 0.0\naltitude = 0.0\nheading = 0.0\nunits = \"m\"\nscale = 1.0\nup = \"y\"\nname = \"\"\n";

/// `[views.NAME]`: a named camera view.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ViewConfig {
    /// Point looked at, [longitude, latitude].
    pub center: [f64; 2],
    /// Camera distance from it (m).
    pub distance: f64,
    /// Compass heading the camera looks towards (degrees).
    pub heading: f64,
    /// Tilt above the horizon (degrees).
    pub tilt: f64,
}

/// `[sensors]`: how sensor layers are drawn and refreshed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorsConfig {
    /// Readings older than this many minutes are drawn as stale.
    pub stale_after_min: f64,
    /// Size of a marker on screen, in pixels.
    pub marker_size_px: f64,
    /// The most value labels drawn at once.
    pub max_labels: u32,
    /// Seconds between two queries for changes when polling.
    pub poll_interval_s: f64,
}

/// `[live]`: how sensor changes reach the viewer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveConfig {
    /// "auto", "mqtt", "http" or "poll".
    pub mode: String,
    /// MQTT broker URL for notifications ("" for none).
    pub mqtt_url: String,
    /// Address the HTTP notification endpoint listens on.
    pub http_bind: String,
    /// URL the broker calls ("" derives it from `http_bind`).
    pub http_url: String,
    /// Largest notification accepted (KB).
    pub max_notification_kb: f64,
    /// Throttling asked of the broker (s; 0 for none).
    pub throttling_s: f64,
}

/// One stop of a colour scale: values from `at` up get `color` (or blend towards the next
/// stop when the layer blends).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StopConfig {
    /// Lowest value of the stop.
    pub at: f64,
    /// Colour, "#rrggbb".
    pub color: String,
    /// Name shown in the legend ("" for the value alone).
    #[serde(default)]
    pub label: String,
}

/// One category of a categorical layer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CategoryConfig {
    /// The attribute value (text, or `true`/`false` written as text).
    pub value: String,
    /// Colour, "#rrggbb".
    pub color: String,
    /// Name shown in the legend ("" for the value itself).
    #[serde(default)]
    pub label: String,
}

/// `[sensor_layers.NAME]`: entities of one type drawn as markers coloured by one attribute.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SensorLayerConfig {
    /// Name in the layer list and legend.
    pub name: String,
    /// The NGSI-LD entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The attribute whose value colours and labels the marker.
    pub attribute: String,
    /// Unit shown when the data gives none.
    #[serde(default)]
    pub unit: String,
    /// The value is multiplied by this before it is shown and coloured.
    #[serde(default = "one")]
    pub factor: f64,
    /// Decimals shown in labels.
    #[serde(default)]
    pub decimals: u32,
    /// Marker shape: "sphere", "column", "cube", "cone" or "line".
    #[serde(default = "sphere")]
    pub marker: String,
    /// Colour scale for numbers.
    #[serde(default)]
    pub stops: Vec<StopConfig>,
    /// Blend between stops (a smooth ramp) instead of bands.
    #[serde(default)]
    pub blend: bool,
    /// Colours for text values.
    #[serde(default)]
    pub categories: Vec<CategoryConfig>,
    /// Label template: `{value}`, `{unit}`, `{name}` or any attribute name in braces.
    #[serde(default = "value_unit")]
    pub label: String,
    /// Shown when citytwin opens.
    #[serde(default = "yes")]
    pub visible: bool,
}

fn one() -> f64 {
    1.0
}
fn sphere() -> String {
    "sphere".to_owned()
}
fn value_unit() -> String {
    "{value} {unit}".to_owned()
}
fn yes() -> bool {
    true
}

/// `[window]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    /// Title.
    pub title: String,
    /// Width in logical pixels.
    pub width: u32,
    /// Height in logical pixels.
    pub height: u32,
    /// Borderless fullscreen.
    pub fullscreen: bool,
}

/// `[ui]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// Side panel shown at start.
    pub side_panel: bool,
}

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[data]`
    pub data: DataConfig,
    /// `[broker]`
    pub broker: BrokerConfig,
    /// `[local_broker]`
    pub local_broker: LocalBrokerConfig,
    /// `[buildings]`
    pub buildings: BuildingsConfig,
    /// `[scene]`
    pub scene: SceneConfig,
    /// `[sun]`
    pub sun: SunConfig,
    /// `[camera]`
    pub camera: CameraConfig,
    /// `[views.NAME]`
    pub views: BTreeMap<String, ViewConfig>,
    /// `[sensors]`
    pub sensors: SensorsConfig,
    /// `[sensor_layers.NAME]`
    pub sensor_layers: BTreeMap<String, SensorLayerConfig>,
    /// `[models.NAME]`
    #[serde(default)]
    pub models: BTreeMap<String, ModelConfig>,
    /// `[live]`
    pub live: LiveConfig,
    /// `[window]`
    pub window: WindowConfig,
    /// `[ui]`
    pub ui: UiConfig,
    /// `[render]`
    pub render: RenderConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self::from_layers(Vec::new()).expect("the built-in defaults are valid")
    }
}

/// Tables whose keys are names chosen by the user; their entries all follow one shape.
const NAMED_TABLES: &[&str] = &["views", "sensor_layers", "models"];
/// Tables whose keys are chosen by the user and whose values are strings.
const STRING_MAPS: &[&str] = &["broker.terms"];

impl Config {
    /// The defaults overlaid by `layers` in order (later layers win).
    pub fn from_layers(layers: Vec<Layer>) -> Result<Self, ConfigError> {
        let defaults = Layer::parse("built-in defaults (config/default.toml)", DEFAULT_TOML)?;
        for layer in &layers {
            check_keys(&defaults.table, &layer.table, "", &layer.origin)?;
        }
        let mut merged = defaults.table.clone();
        for layer in &layers {
            merge(&mut merged, &layer.table);
        }
        let mut all = vec![defaults];
        all.extend(layers);
        let config: Config =
            serde_path_to_error::deserialize(Value::Table(merged)).map_err(|e| {
                let key = e.path().to_string();
                ConfigError::BadValue {
                    origin: origin_of(&all, &key),
                    message: describe_serde_error(&e.inner().to_string()),
                    key,
                }
            })?;
        config
            .validate()
            .map_err(|(key, message)| ConfigError::BadValue {
                origin: origin_of(&all, &key),
                key,
                message,
            })?;
        Ok(config)
    }

    /// Defaults, then the user's file if any, then command-line overrides.
    pub fn load(file: Option<&Path>, command_line: Layer) -> Result<Self, ConfigError> {
        let mut layers = Vec::new();
        if let Some(path) = file {
            layers.push(Layer::from_file(path)?);
        }
        layers.push(command_line);
        Self::from_layers(layers)
    }

    /// Range and format checks; returns the dotted key and what is allowed.
    fn validate(&self) -> Result<(), (String, String)> {
        let range = |key: &str, v: f64, lo: f64, hi: f64| -> Result<(), (String, String)> {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err((
                    key.to_owned(),
                    format!("must be between {lo} and {hi}, not {v}"),
                ))
            }
        };
        let color = |key: &str, v: &str| -> Result<(), (String, String)> {
            parse_hex_color(v).map(|_| ()).ok_or_else(|| {
                (
                    key.to_owned(),
                    format!("must be a colour written \"#rrggbb\", not \"{v}\""),
                )
            })
        };
        if self.data.source.trim().is_empty() {
            return Err((
                "data.source".into(),
                "must be \"demo\", \"broker\" or the path of a file".into(),
            ));
        }
        let b = &self.broker;
        if self.data.source == "broker"
            && !(b.url.starts_with("http://") || b.url.starts_with("https://"))
        {
            return Err((
                "broker.url".into(),
                format!("must start with http:// or https://, not \"{}\"", b.url),
            ));
        }
        if !b.token_url.is_empty() && (b.client_id.is_empty() || b.client_secret_file.is_empty()) {
            return Err((
                "broker.token_url".into(),
                "needs broker.client_id and broker.client_secret_file too".into(),
            ));
        }
        range("broker.timeout_s", b.timeout_s, 1.0, 600.0)?;
        range("broker.retries", f64::from(b.retries), 0.0, 10.0)?;
        range("broker.page_size", b.page_size as f64, 1.0, 10_000.0)?;
        let l = &self.local_broker;
        if l.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err((
                "local_broker.bind".into(),
                format!(
                    "must be an address and port such as \"127.0.0.1:1026\", not \"{}\"",
                    l.bind
                ),
            ));
        }
        range(
            "local_broker.max_page_size",
            l.max_page_size as f64,
            1.0,
            100_000.0,
        )?;
        range(
            "local_broker.default_page_size",
            l.default_page_size as f64,
            1.0,
            l.max_page_size as f64,
        )?;
        range("local_broker.max_body_mb", l.max_body_mb, 0.001, 1024.0)?;
        range(
            "local_broker.history_hours",
            l.history_hours,
            0.0,
            24.0 * 366.0,
        )?;
        if self.data.building_type.trim().is_empty() {
            return Err((
                "data.building_type".into(),
                "must be an entity type such as \"Building\"".into(),
            ));
        }
        range(
            "data.stream_radius",
            self.data.stream_radius,
            200.0,
            50_000.0,
        )?;
        let b = &self.buildings;
        range("buildings.default_height", b.default_height, 0.5, 1000.0)?;
        range("buildings.storey_height", b.storey_height, 1.0, 10.0)?;
        range("buildings.tile_size", b.tile_size, 50.0, 5000.0)?;
        range("buildings.max_tiles", b.max_tiles as f64, 1.0, 100_000.0)?;
        range("buildings.simple_beyond", b.simple_beyond, 0.0, 100_000.0)?;
        color("buildings.wall_color", &b.wall_color)?;
        color("buildings.roof_color", &b.roof_color)?;
        color("buildings.selected_color", &b.selected_color)?;
        let s = &self.scene;
        if let OriginSetting::At([lon, lat]) = s.origin {
            range("scene.origin", lon, -180.0, 180.0)?;
            range("scene.origin", lat, -90.0, 90.0)?;
        }
        if s.crs != "auto" && !s.crs.contains(':') && !s.crs.trim_start().starts_with("+proj") {
            return Err((
                "scene.crs".into(),
                format!(
                    "must be \"auto\", \"AUTHORITY:CODE\" (such as \"EPSG:32618\") or a PROJ string, not \"{}\"",
                    s.crs
                ),
            ));
        }
        range("scene.max_distance_km", s.max_distance_km, 1.0, 500.0)?;
        color("scene.ground_color", &s.ground_color)?;
        color("scene.sky_horizon_color", &s.sky_horizon_color)?;
        color("scene.sky_zenith_color", &s.sky_zenith_color)?;
        let sun = &self.sun;
        range("sun.azimuth_deg", sun.azimuth_deg, 0.0, 360.0)?;
        range("sun.elevation_deg", sun.elevation_deg, 5.0, 90.0)?;
        range("sun.illuminance", sun.illuminance, 1.0, 200_000.0)?;
        if ![1024, 2048, 4096, 8192].contains(&sun.shadow_map_size) {
            return Err((
                "sun.shadow_map_size".into(),
                format!(
                    "must be 1024, 2048, 4096 or 8192, not {}",
                    sun.shadow_map_size
                ),
            ));
        }
        let c = &self.camera;
        range(
            "camera.overview_heading_deg",
            c.overview_heading_deg,
            -360.0,
            360.0,
        )?;
        range("camera.overview_tilt_deg", c.overview_tilt_deg, 1.0, 89.0)?;
        range("camera.min_distance", c.min_distance, 1.0, 10_000.0)?;
        range(
            "camera.max_distance",
            c.max_distance,
            c.min_distance,
            200_000.0,
        )?;
        range("camera.min_tilt_deg", c.min_tilt_deg, 1.0, 89.0)?;
        range("camera.max_tilt_deg", c.max_tilt_deg, c.min_tilt_deg, 89.0)?;
        range("camera.fov_deg", c.fov_deg, 10.0, 120.0)?;
        range("camera.orbit_speed", c.orbit_speed, 0.01, 5.0)?;
        range("camera.zoom_speed", c.zoom_speed, 0.01, 0.9)?;
        for (name, v) in &self.views {
            let key = |k: &str| format!("views.{name}.{k}");
            if name == OVERVIEW {
                return Err((
                    format!("views.{name}"),
                    "is the name of the built-in view; choose another name".into(),
                ));
            }
            range(&key("center"), v.center[0], -180.0, 180.0)?;
            range(&key("center"), v.center[1], -90.0, 90.0)?;
            range(&key("distance"), v.distance, 1.0, 200_000.0)?;
            range(&key("heading"), v.heading, -360.0, 360.0)?;
            range(&key("tilt"), v.tilt, 1.0, 89.0)?;
        }
        for (name, m) in &self.models {
            let key = |k: &str| format!("models.{name}.{k}");
            if m.file.is_empty() {
                return Err((key("file"), "is empty: give the .gltf or .glb file".into()));
            }
            range(&key("longitude"), m.longitude, -180.0, 180.0)?;
            range(&key("latitude"), m.latitude, -90.0, 90.0)?;
            range(&key("altitude"), m.altitude, -1_000.0, 10_000.0)?;
            range(&key("heading"), m.heading, -360.0, 360.0)?;
            range(&key("scale"), m.scale, 1e-6, 1e6)?;
            if m.metres_per_unit().is_none() {
                return Err((
                    key("units"),
                    format!(
                        "is \"{}\"; use \"m\", \"cm\", \"mm\", \"ft\" or \"in\"",
                        m.units
                    ),
                ));
            }
            if !matches!(m.up.as_str(), "y" | "z") {
                return Err((key("up"), format!("is \"{}\"; use \"y\" or \"z\"", m.up)));
            }
        }
        if c.start_view != OVERVIEW && !self.views.contains_key(&c.start_view) {
            return Err((
                "camera.start_view".into(),
                format!(
                    "is \"{}\", which is not a view; known views: {}",
                    c.start_view,
                    self.view_names().join(", ")
                ),
            ));
        }
        let s = &self.sensors;
        range("sensors.stale_after_min", s.stale_after_min, 0.1, 525_600.0)?;
        range("sensors.marker_size_px", s.marker_size_px, 2.0, 200.0)?;
        range("sensors.max_labels", f64::from(s.max_labels), 0.0, 1000.0)?;
        range("sensors.poll_interval_s", s.poll_interval_s, 0.2, 3600.0)?;
        let l = &self.live;
        if !matches!(l.mode.as_str(), "auto" | "mqtt" | "http" | "poll") {
            return Err((
                "live.mode".into(),
                format!(
                    "is \"{}\"; use \"auto\", \"mqtt\", \"http\" or \"poll\"",
                    l.mode
                ),
            ));
        }
        if !l.mqtt_url.is_empty()
            && let Err(why) = crate::ngsi_ld::mqtt::MqttEndpoint::parse(&l.mqtt_url)
        {
            return Err(("live.mqtt_url".into(), why));
        }
        if l.mode == "mqtt" && l.mqtt_url.is_empty() {
            return Err((
                "live.mqtt_url".into(),
                "is empty, but live.mode is \"mqtt\": give the MQTT broker, e.g. \"mqtt://localhost:1883\"".into(),
            ));
        }
        if l.http_bind.parse::<std::net::SocketAddr>().is_err() {
            return Err((
                "live.http_bind".into(),
                format!(
                    "is \"{}\"; give an address and port such as \"0.0.0.0:8765\" (port 0 picks a free one)",
                    l.http_bind
                ),
            ));
        }
        if !l.http_url.is_empty() && !l.http_url.starts_with("http") {
            return Err((
                "live.http_url".into(),
                "must be an http:// or https:// URL the broker can reach".into(),
            ));
        }
        range(
            "live.max_notification_kb",
            l.max_notification_kb,
            1.0,
            1_048_576.0,
        )?;
        range("live.throttling_s", l.throttling_s, 0.0, 3600.0)?;
        for (name, l) in &self.sensor_layers {
            let key = |k: &str| format!("sensor_layers.{name}.{k}");
            for (k, v) in [
                ("name", &l.name),
                ("type", &l.entity_type),
                ("attribute", &l.attribute),
            ] {
                if v.trim().is_empty() {
                    return Err((key(k), "must not be empty".into()));
                }
            }
            if !crate::sensors::MarkerShape::NAMES.contains(&l.marker.as_str()) {
                return Err((
                    key("marker"),
                    format!(
                        "is \"{}\"; allowed: {}",
                        l.marker,
                        crate::sensors::MarkerShape::NAMES.join(", ")
                    ),
                ));
            }
            range(&key("factor"), l.factor, -1e9, 1e9)?;
            range(&key("decimals"), f64::from(l.decimals), 0.0, 6.0)?;
            if l.stops.is_empty() && l.categories.is_empty() {
                return Err((
                    key("stops"),
                    "is empty and so is `categories`; give colour stops for numbers or categories for text".into(),
                ));
            }
            for (i, stop) in l.stops.iter().enumerate() {
                color(&key(&format!("stops[{i}].color")), &stop.color)?;
                range(&key(&format!("stops[{i}].at")), stop.at, -1e12, 1e12)?;
                if i > 0 && stop.at <= l.stops[i - 1].at {
                    return Err((
                        key(&format!("stops[{i}].at")),
                        "must be larger than the stop before it".into(),
                    ));
                }
            }
            for (i, c) in l.categories.iter().enumerate() {
                color(&key(&format!("categories[{i}].color")), &c.color)?;
            }
        }
        let w = &self.window;
        range("window.width", f64::from(w.width), 200.0, 16_384.0)?;
        range("window.height", f64::from(w.height), 200.0, 16_384.0)?;
        Ok(())
    }

    /// The entity types the viewer reads: the building type, then each sensor layer's type.
    pub fn entity_types(&self) -> Vec<String> {
        let mut all = vec![self.data.building_type.clone()];
        for l in self.sensor_layers.values() {
            if !all.contains(&l.entity_type) {
                all.push(l.entity_type.clone());
            }
        }
        all
    }

    /// The names of all views: "overview" and those configured.
    pub fn view_names(&self) -> Vec<String> {
        std::iter::once(OVERVIEW.to_owned())
            .chain(self.views.keys().cloned())
            .collect()
    }
}

/// Parses "#rrggbb" into linear-ready sRGB components in 0..1.
///
/// ```
/// assert_eq!(citytwin::config::parse_hex_color("#ff8000"), Some([1.0, 128.0 / 255.0, 0.0]));
/// assert_eq!(citytwin::config::parse_hex_color("orange"), None);
/// ```
pub fn parse_hex_color(s: &str) -> Option<[f32; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| {
        u8::from_str_radix(&hex[i..i + 2], 16)
            .ok()
            .map(|b| f32::from(b) / 255.0)
    };
    Some([byte(0)?, byte(2)?, byte(4)?])
}

fn merge(base: &mut Table, overlay: &Table) {
    for (k, v) in overlay {
        match (base.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Rejects keys of `user` that `defaults` does not have, with the allowed list and a guess.
fn check_keys(
    defaults: &Table,
    user: &Table,
    prefix: &str,
    origin: &str,
) -> Result<(), ConfigError> {
    for (key, value) in user {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if STRING_MAPS.contains(&prefix) {
            if !value.is_str() {
                return Err(ConfigError::BadValue {
                    origin: origin.to_owned(),
                    key: dotted,
                    message: "must be a string (the short name)".to_owned(),
                });
            }
            continue;
        }
        let Some(expected) = defaults.get(key) else {
            let mut allowed: Vec<&str> = defaults.keys().map(String::as_str).collect();
            allowed.sort_unstable();
            let suggestion = allowed
                .iter()
                .map(|a| (edit_distance(a, key), *a))
                .filter(|(d, _)| *d <= 2)
                .min()
                .map(|(_, a)| format!(" (did you mean `{a}`?)"))
                .unwrap_or_default();
            return Err(ConfigError::UnknownKey {
                origin: origin.to_owned(),
                key: dotted,
                scope: if prefix.is_empty() {
                    "at the top level".to_owned()
                } else {
                    format!("in [{prefix}]")
                },
                allowed: allowed.join(", "),
                suggestion,
            });
        };
        match (expected, value) {
            (Value::Table(d), Value::Table(u)) if NAMED_TABLES.contains(&dotted.as_str()) => {
                // Any name is allowed; each entry may use the keys the default entries use.
                let mut shape = Table::new();
                for entry in d.values() {
                    if let Value::Table(t) = entry {
                        shape.extend(t.clone());
                    }
                }
                if dotted == "models"
                    && let Ok(t) = MODEL_KEYS.parse::<Table>()
                {
                    shape.extend(t);
                }
                for (name, entry) in u {
                    let Value::Table(entry) = entry else {
                        return Err(ConfigError::BadValue {
                            origin: origin.to_owned(),
                            key: format!("{dotted}.{name}"),
                            message: format!("must be a table, written [{dotted}.NAME]"),
                        });
                    };
                    check_keys(&shape, entry, &format!("{dotted}.{name}"), origin)?;
                }
            }
            (Value::Table(d), Value::Table(u)) => check_keys(d, u, &dotted, origin)?,
            (Value::Table(_), _) => {
                return Err(ConfigError::BadValue {
                    origin: origin.to_owned(),
                    key: dotted.clone(),
                    message: format!("must be a table, written [{dotted}]"),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// The origin of the last layer that sets `key` (dotted), for error messages.
fn origin_of(layers: &[Layer], key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    for layer in layers.iter().rev() {
        let mut table = &layer.table;
        for (i, part) in parts.iter().enumerate() {
            match table.get(*part) {
                Some(Value::Table(t)) if i + 1 < parts.len() => table = t,
                Some(_) if i + 1 == parts.len() => return layer.origin.clone(),
                // A key inside an array (e.g. `scene.origin[0]`): the array's layer.
                Some(_) => return layer.origin.clone(),
                None => break,
            }
        }
    }
    layers.last().map(|l| l.origin.clone()).unwrap_or_default()
}

fn describe_serde_error(message: &str) -> String {
    let m = message
        .replace("invalid type: ", "has the wrong type: ")
        .replace("f64", "a number")
        .replace("u32", "a whole number")
        .replace("a boolean", "true or false");
    if m.starts_with("must") || m.starts_with("has") {
        m
    } else {
        format!("is invalid: {m}")
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Result<Config, ConfigError> {
        Config::from_layers(vec![Layer::parse("user.toml", text)?])
    }

    #[test]
    fn models_take_their_keys_and_defaults() {
        let c = user("[models.hall]\nfile = \"hall.glb\"\nlongitude = 4.35\nlatitude = 52.0\n")
            .unwrap();
        let m = &c.models["hall"];
        assert_eq!((m.scale, m.up.as_str(), m.heading), (1.0, "y", 0.0));
        let e = user(
            "[models.hall]\nfile = \"h.glb\"\nlongitude = 4.35\nlatitude = 52.0\nupp = \"z\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("models.hall.upp") && e.contains("did you mean `up`"),
            "{e}"
        );
        let e = user(
            "[models.hall]\nfile = \"h.glb\"\nlongitude = 4.35\nlatitude = 52.0\nup = \"x\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("models.hall.up"), "{e}");
        let e = user(
            "[models.hall]\nfile = \"h.glb\"\nlongitude = 4.35\nlatitude = 52.0\nunits = \"yd\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("models.hall.units") && e.contains("\"mm\""),
            "{e}"
        );
    }

    #[test]
    fn defaults_are_valid_and_every_key_is_commented() {
        let c = Config::default();
        assert_eq!(c.data.source, "demo");
        assert_eq!(c.scene.origin, OriginSetting::Auto);
        assert!(c.views.contains_key("empire-state"));
        // Every key line in the defaults file is preceded by a comment line (or by a key of
        // the same commented group).
        let lines: Vec<&str> = DEFAULT_TOML.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') || l.starts_with('[') {
                continue;
            }
            let mut j = i;
            while j > 0 && !lines[j - 1].trim().starts_with('#') {
                let prev = lines[j - 1].trim();
                assert!(
                    !prev.is_empty(),
                    "key on line {} has no comment above it: {l}",
                    i + 1
                );
                j -= 1;
            }
            assert!(j > 0, "key on line {} has no comment: {l}", i + 1);
        }
    }

    #[test]
    fn a_partial_file_overrides_only_its_keys() {
        let c = user("[camera]\nmin_distance = 40.0\n[views.home]\ncenter = [4.36, 52.01]\ndistance = 500\nheading = 0\ntilt = 45").unwrap();
        assert_eq!(c.camera.min_distance, 40.0);
        assert_eq!(c.camera.max_distance, 25_000.0);
        assert!(c.views.contains_key("home") && c.views.contains_key("empire-state"));
    }

    #[test]
    fn unknown_keys_name_the_file_key_and_allowed_keys() {
        let e = user("[scene]\norgin = [1, 2]").unwrap_err().to_string();
        assert!(e.starts_with("user.toml: unknown key `scene.orgin`"), "{e}");
        assert!(e.contains("did you mean `origin`"), "{e}");
        assert!(
            e.contains("in [scene]") && e.contains("crs") && e.contains("max_distance_km"),
            "{e}"
        );
        let e = user("[sceen]\nx = 1").unwrap_err().to_string();
        assert!(
            e.contains("`sceen`")
                && e.contains("at the top level")
                && e.contains("did you mean `scene`"),
            "{e}"
        );
        let e = user("[views.home]\ncentre = [1, 2]")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("views.home.centre") && e.contains("center"),
            "{e}"
        );
    }

    #[test]
    fn wrong_types_and_ranges_say_what_is_allowed() {
        let e = user("[camera]\nmin_distance = \"far\"")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("user.toml") && e.contains("camera.min_distance") && e.contains("a number"),
            "{e}"
        );
        let e = user("[sun]\nelevation_deg = 120").unwrap_err().to_string();
        assert!(
            e.contains("sun.elevation_deg") && e.contains("between 5 and 90"),
            "{e}"
        );
        let e = user("[scene]\norigin = \"middle\"")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("scene.origin") && e.contains("\"auto\" or [longitude, latitude]"),
            "{e}"
        );
        let e = user("[buildings]\nwall_color = \"grey\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("#rrggbb"), "{e}");
        let e = user("[camera]\nstart_view = \"moon\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("known views: overview, empire-state"), "{e}");
        let e = user("scene = 3").unwrap_err().to_string();
        assert!(e.contains("must be a table"), "{e}");
    }

    #[test]
    fn command_line_wins_and_is_named_in_errors() {
        let mut cli = Layer::command_line();
        cli.set("scene", "max_distance_km", 0.5);
        let e = Config::from_layers(vec![
            Layer::parse("user.toml", "[scene]\nmax_distance_km = 10.0").unwrap(),
            cli,
        ])
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("command line: `scene.max_distance_km`"),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_name_the_file() {
        let e = Layer::parse("user.toml", "[scene\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("user.toml is not valid TOML"), "{e}");
    }
}
