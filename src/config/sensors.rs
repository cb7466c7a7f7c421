//! `[sensors]`, `[live]` and `[sensor_layers.*]`: which entities are sensors, how they are
//! drawn, and how their changes reach the viewer.

use super::{Invalid, color, range};
use crate::language::Localized;
use serde::{Deserialize, Serialize};

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
    /// Which way notifications should come.
    pub mode: NotifyTransport,
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

/// Which way notifications should come (`live.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum NotifyTransport {
    /// `"auto"`: MQTT if configured and reachable, else HTTP if the broker can call the
    /// viewer, else polling.
    Auto,
    /// `"mqtt"`: MQTT only (polling if it fails).
    Mqtt,
    /// `"http"`: HTTP only (polling if it fails).
    Http,
    /// `"poll"`: polling only.
    Poll,
}

impl TryFrom<String> for NotifyTransport {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Ok(match s.as_str() {
            "auto" => Self::Auto,
            "mqtt" => Self::Mqtt,
            "http" => Self::Http,
            "poll" => Self::Poll,
            _ => {
                return Err(format!(
                    "is \"{s}\"; use \"auto\", \"mqtt\", \"http\" or \"poll\""
                ));
            }
        })
    }
}

impl From<NotifyTransport> for String {
    fn from(t: NotifyTransport) -> String {
        match t {
            NotifyTransport::Auto => "auto",
            NotifyTransport::Mqtt => "mqtt",
            NotifyTransport::Http => "http",
            NotifyTransport::Poll => "poll",
        }
        .to_owned()
    }
}

/// The shape of a sensor layer's markers (`marker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum MarkerShape {
    /// A ball.
    Sphere,
    /// An upright cylinder.
    Column,
    /// A box.
    Cube,
    /// A cone pointing down at its place.
    Cone,
    /// The entity's LineString (or a short post for a point).
    Line,
}

impl MarkerShape {
    /// The names used in the configuration.
    pub const NAMES: &'static [&'static str] = &["sphere", "column", "cube", "cone", "line"];

    /// From its configuration name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "sphere" => Self::Sphere,
            "column" => Self::Column,
            "cube" => Self::Cube,
            "cone" => Self::Cone,
            "line" => Self::Line,
            _ => return None,
        })
    }

    /// Its configuration name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sphere => "sphere",
            Self::Column => "column",
            Self::Cube => "cube",
            Self::Cone => "cone",
            Self::Line => "line",
        }
    }
}

impl TryFrom<String> for MarkerShape {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("is \"{s}\"; allowed: {}", Self::NAMES.join(", ")))
    }
}

impl From<MarkerShape> for String {
    fn from(m: MarkerShape) -> String {
        m.name().to_owned()
    }
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
    /// Name shown in the legend ("" for the value alone); a text, or one per language
    /// (`{ en = "Good", sv = "Bra" }`).
    #[serde(default)]
    pub label: Localized,
}

/// One category of a categorical layer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CategoryConfig {
    /// The attribute value (text, or `true`/`false` written as text).
    pub value: String,
    /// Colour, "#rrggbb".
    pub color: String,
    /// Name shown in the legend ("" for the value itself); a text, or one per language.
    #[serde(default)]
    pub label: Localized,
}

/// `[sensor_layers.NAME]`: entities of one type drawn as markers coloured by one attribute.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SensorLayerConfig {
    /// Name in the layer list and legend.
    pub name: Localized,
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
    /// Marker shape.
    #[serde(default = "sphere")]
    pub marker: MarkerShape,
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
fn sphere() -> MarkerShape {
    MarkerShape::Sphere
}
fn value_unit() -> String {
    "{value} {unit}".to_owned()
}
fn yes() -> bool {
    true
}

impl SensorsConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        let s = self;
        range("sensors.stale_after_min", s.stale_after_min, 0.1, 525_600.0)?;
        range("sensors.marker_size_px", s.marker_size_px, 2.0, 200.0)?;
        range("sensors.max_labels", f64::from(s.max_labels), 0.0, 1000.0)?;
        range("sensors.poll_interval_s", s.poll_interval_s, 0.2, 3600.0)
    }
}

impl LiveConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        let l = self;
        if !l.mqtt_url.is_empty()
            && let Err(why) = crate::ngsi_ld::mqtt::MqttEndpoint::parse(&l.mqtt_url)
        {
            return Err(("live.mqtt_url".into(), why));
        }
        if l.mode == NotifyTransport::Mqtt && l.mqtt_url.is_empty() {
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
        range("live.throttling_s", l.throttling_s, 0.0, 3600.0)
    }
}

impl SensorLayerConfig {
    /// `name` is the table's name (`[sensor_layers.NAME]`).
    pub(super) fn validate(&self, name: &str) -> Result<(), Invalid> {
        let l = self;
        let key = |k: &str| format!("sensor_layers.{name}.{k}");
        if l.name.is_empty() {
            return Err((key("name"), "must not be empty".into()));
        }
        for (k, v) in [("type", &l.entity_type), ("attribute", &l.attribute)] {
            if v.trim().is_empty() {
                return Err((key(k), "must not be empty".into()));
            }
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
        Ok(())
    }
}
