//! Configuration: the built-in defaults (`config/default.toml`, every key commented there),
//! overlaid by a user's TOML file, overlaid by command-line flags.
//!
//! Every error names where the offending value came from (the file, or the command line), the
//! dotted key, and what is allowed:
//!
//! ```
//! use citytwin::config::{Config, ConfigOverlay};
//! let user = ConfigOverlay::parse("my.toml", "[camera]\nmin_distanse = 3").unwrap();
//! let err = Config::from_layers(vec![user]).unwrap_err().to_string();
//! assert!(err.contains("my.toml") && err.contains("camera.min_distanse"));
//! assert!(err.contains("did you mean `min_distance`"));
//! ```
//!
//! One file per group of sections, each with its validation beside its types:
//! [`data`] (`[data]`, `[broker]`, `[local_broker]`), [`buildings`] (`[buildings]`,
//! `[models.*]`), [`ground`] (`[ground]`, `[ground.*]`), [`terrain`] (`[terrain]`), [`map_tiles`] (`[map_tiles]`, `[map_tiles.*]`), [`scene`] (`[scene]`, `[sun]`, `[camera]`, `[views.*]`, `[window]`, `[ui]`,
//! `[render]`), [`comments`] (`[comments]`), [`kiosk`] (`[kiosk]`) and [`sensors`] (`[sensors]`, `[live]`, `[sensor_layers.*]`); [`overlay`] merges
//! the sources. Settings written as words (`data.source`, `live.mode`, a marker's shape) are
//! read into enums once, at load.

pub mod buildings;
pub mod comments;
pub mod data;
pub mod ground;
pub mod kiosk;
pub mod map_tiles;
pub mod overlay;
pub mod scene;
pub mod sensors;
pub mod terrain;
pub mod tilesets;

pub use buildings::{BuildingsConfig, LengthUnit, ModelConfig, UpAxis};
pub use comments::{CommentCategory, CommentsConfig};
pub use data::{DataConfig, LocalBrokerConfig, SourceSetting, ViewerBrokerConfig};
pub use ground::{GROUND_CLASSES, GroundConfig, GroundSourceConfig};
pub use kiosk::KioskConfig;
pub use map_tiles::{MapTileSourceConfig, MapTilesConfig};
pub use overlay::ConfigOverlay;
pub use scene::{
    CameraConfig, CrsSetting, MsaaSetting, OriginSetting, RenderConfig, ScaleSetting, SceneConfig,
    SunConfig, UiConfig, ViewConfig, WindowConfig,
};
pub use sensors::{
    CategoryConfig, LiveConfig, MarkerShape, NotifyTransport, SensorLayerConfig, SensorsConfig,
    StopConfig,
};
pub use terrain::TerrainConfig;
pub use tilesets::TilesetConfig;

use overlay::{check_keys, describe_serde_error, merge, origin_of};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Value;

/// The built-in defaults, exactly as shipped in `config/default.toml`.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

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

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `scenarios`: the project's scenario files (patterns such as `scenarios/*.toml`,
    /// relative to the configuration file), then those given with `--scenario`.
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// The folder `scenarios` are relative to: the configuration file's (else the working
    /// folder).
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// `[data]`
    pub data: DataConfig,
    /// `[broker]`
    pub broker: ViewerBrokerConfig,
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
    /// `[ground]` and `[ground.NAME]`
    pub ground: GroundConfig,
    /// `[terrain]`
    pub terrain: TerrainConfig,
    /// `[map_tiles]` and `[map_tiles.NAME]`
    pub map_tiles: MapTilesConfig,
    /// `[tilesets.NAME]`
    #[serde(default)]
    pub tilesets: BTreeMap<String, TilesetConfig>,
    /// `[live]`
    pub live: LiveConfig,
    /// `[window]`
    pub window: WindowConfig,
    /// `[ui]`
    pub ui: UiConfig,
    /// `[render]`
    pub render: RenderConfig,
    /// `[comments]`
    pub comments: CommentsConfig,
    /// `[kiosk]`
    pub kiosk: KioskConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self::from_layers(Vec::new()).expect("the built-in defaults are valid")
    }
}

/// What is wrong with a value: its dotted key, and what is allowed.
type Invalid = (String, String);

/// `v` must lie in `lo..=hi`.
fn range(key: &str, v: f64, lo: f64, hi: f64) -> Result<(), Invalid> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err((
            key.to_owned(),
            format!("must be between {lo} and {hi}, not {v}"),
        ))
    }
}

/// `v` must be a colour written "#rrggbb".
fn color(key: &str, v: &str) -> Result<(), Invalid> {
    parse_hex_color(v).map(|_| ()).ok_or_else(|| {
        (
            key.to_owned(),
            format!("must be a colour written \"#rrggbb\", not \"{v}\""),
        )
    })
}

impl Config {
    /// The defaults overlaid by `layers` in order (later layers win).
    pub fn from_layers(layers: Vec<ConfigOverlay>) -> Result<Self, ConfigError> {
        let defaults =
            ConfigOverlay::parse("built-in defaults (config/default.toml)", DEFAULT_TOML)?;
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
    pub fn load(file: Option<&Path>, command_line: ConfigOverlay) -> Result<Self, ConfigError> {
        let mut layers = Vec::new();
        if let Some(path) = file {
            layers.push(ConfigOverlay::from_file(path)?);
        }
        layers.push(command_line);
        let mut config = Self::from_layers(layers)?;
        if let Some(dir) = file.and_then(Path::parent) {
            config.base_dir = dir.to_owned();
        }
        Ok(config)
    }

    /// Range and format checks, section by section; returns the dotted key and what is
    /// allowed.
    fn validate(&self) -> Result<(), Invalid> {
        self.broker.validate(&self.data.source)?;
        self.local_broker.validate()?;
        self.data.validate()?;
        self.buildings.validate()?;
        self.scene.validate()?;
        self.sun.validate()?;
        for (name, v) in &self.views {
            v.validate(name)?;
        }
        for (name, m) in &self.models {
            m.validate(name)?;
        }
        self.ground.validate()?;
        self.terrain.validate()?;
        self.map_tiles.validate()?;
        for (name, t) in &self.tilesets {
            t.validate(name)?;
        }
        self.camera.validate(&self.views)?;
        self.sensors.validate()?;
        self.live.validate()?;
        for (name, l) in &self.sensor_layers {
            l.validate(name)?;
        }
        self.comments.validate()?;
        self.kiosk.validate()?;
        if !self.view_names().contains(&self.kiosk.home_view) {
            return Err((
                "kiosk.home_view".into(),
                format!(
                    "names no view; the views are {}",
                    self.view_names().join(", ")
                ),
            ));
        }
        for (i, stop) in self.kiosk.tour.iter().enumerate() {
            if !self.view_names().contains(&stop.view) {
                return Err((
                    format!("kiosk.tour[{}].view", i + 1),
                    format!(
                        "is \"{}\", which names no view; the views are {}",
                        stop.view,
                        self.view_names().join(", ")
                    ),
                ));
            }
        }
        self.ui.validate()?;
        self.window.validate()
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

/// The user's cache folder for citytwin (`$XDG_CACHE_HOME/citytwin`, else
/// `~/.cache/citytwin`, else the temporary folder's): where a setting left empty
/// (`data.cache_dir`, `comments.queue_dir`) keeps its files.
pub fn user_cache_dir() -> std::path::PathBuf {
    use std::path::PathBuf;
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("citytwin")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Result<Config, ConfigError> {
        Config::from_layers(vec![ConfigOverlay::parse("user.toml", text)?])
    }

    #[test]
    fn models_take_their_keys_and_defaults() {
        let c = user("[models.hall]\nfile = \"hall.glb\"\nlongitude = 4.35\nlatitude = 52.0\n")
            .unwrap();
        let m = &c.models["hall"];
        assert_eq!((m.scale, m.up, m.heading), (1.0, UpAxis::Y, 0.0));
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
    fn ground_sources_take_their_keys_beside_the_grounds_own() {
        let c = user(
            "[ground]\nstreet_names = false\ncolors = { water = \"#0000ff\" }\n\
             [ground.bikes]\nfile = \"bikes.geojson\"\nclass = \"paths\"\n",
        )
        .unwrap();
        assert!(!c.ground.street_names);
        assert_eq!(c.ground.color_of("water"), "#0000ff");
        assert_eq!(
            c.ground.color_of("streets"),
            "#55595e",
            "the other colours stay"
        );
        assert_eq!(c.ground.sources["bikes"].class, "paths");
        let e = user("[ground.bikes]\nfile = \"b.geojson\"\nclas = \"paths\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ground.bikes.clas") && e.contains("`class`"),
            "{e}"
        );
        let e = user("[ground.bikes]\nfile = \"b.geojson\"\nclass = \"roads\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ground.bikes.class") && e.contains("streets"),
            "{e}"
        );
        let e = user("[ground]\ncolors = { lakes = \"#0000ff\" }\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ground.colors.lakes"), "{e}");
    }

    #[test]
    fn map_tile_sources_are_checked_for_their_keys_and_their_url() {
        let c = user(
            "[map_tiles]\ncache_mb = 50\n[map_tiles.ortho]\n\
             url = \"https://{s}.t.example.org/{z}/{x}/{y}.jpg\"\nsubdomains = \"ab\"\n",
        )
        .unwrap();
        assert_eq!(c.map_tiles.cache_mb, 50.0);
        assert_eq!(c.map_tiles.sources["ortho"].max_zoom, 19);
        let wrong = |text: &str, key: &str, says: &str| {
            let e = user(text).unwrap_err().to_string();
            assert!(e.contains(key) && e.contains(says), "{e}");
        };
        wrong(
            "[map_tiles.ortho]\nurl = \"https://e.org/{z}/{x}/{y}.png\"\nmaxzoom = 3\n",
            "map_tiles.ortho.maxzoom",
            "`max_zoom`",
        );
        wrong(
            "[map_tiles.ortho]\nurl = \"https://e.org/tiles.png\"\n",
            "map_tiles.ortho.url",
            "{z}",
        );
        wrong(
            "[map_tiles.ortho]\nurl = \"e.org/{z}/{x}/{y}.png\"\n",
            "map_tiles.ortho.url",
            "http",
        );
        wrong(
            "[map_tiles.ortho]\nurl = \"https://{s}.e.org/{z}/{x}/{y}.png\"\n",
            "map_tiles.ortho.subdomains",
            "{s}",
        );
        wrong(
            "[map_tiles]\ntexel_px = 0\n",
            "map_tiles.texel_px",
            "between",
        );
    }

    #[test]
    fn defaults_are_valid_and_every_key_is_commented() {
        let c = Config::default();
        assert_eq!(c.data.source, SourceSetting::Demo);
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
        let mut cli = ConfigOverlay::command_line();
        cli.set("scene", "max_distance_km", 0.5);
        let e = Config::from_layers(vec![
            ConfigOverlay::parse("user.toml", "[scene]\nmax_distance_km = 10.0").unwrap(),
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
        let e = ConfigOverlay::parse("user.toml", "[scene\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("user.toml is not valid TOML"), "{e}");
    }
}
