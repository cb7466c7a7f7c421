//! `[scene]`, `[sun]`, `[camera]`, `[views.*]`, `[window]`, `[ui]` and `[render]`: where the
//! scene lies, how it is lit and seen, and how the window draws it.

use super::{Invalid, OVERVIEW, color, range};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[scene]`: georeference and surroundings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneConfig {
    /// Scene origin.
    pub origin: OriginSetting,
    /// Projected CRS, or the UTM zone of the origin.
    pub crs: CrsSetting,
    /// Farthest accepted distance from the origin (km).
    pub max_distance_km: f64,
    /// Ground colour.
    pub ground_color: String,
    /// Sky colour at the horizon.
    pub sky_horizon_color: String,
    /// Sky colour overhead.
    pub sky_zenith_color: String,
    /// The IANA time zone of the scene, or `auto` for the zone at the origin.
    pub time_zone: String,
}

/// `[sun]`: the light.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SunConfig {
    /// Whether the sun follows the scene clock over the scene's place; else it stands at
    /// `azimuth_deg` and `elevation_deg`.
    pub follow_clock: bool,
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

/// `[views.NAME]`: a named camera view.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ViewConfig {
    /// Its name on the view buttons, a text or one per language (`{ en = "…", sv = "…" }`);
    /// the table's name when not given.
    #[serde(default)]
    pub title: crate::language::Localized,
    /// Point looked at, [longitude, latitude].
    pub center: [f64; 2],
    /// Camera distance from it (m).
    pub distance: f64,
    /// Compass heading the camera looks towards (degrees).
    pub heading: f64,
    /// Tilt above the horizon (degrees).
    pub tilt: f64,
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
    /// The interface's language: "en", "sv" or "auto" (the system locale).
    pub language: String,
    /// Size of the whole interface, 1.0–2.0.
    pub font_scale: f64,
    /// High-contrast colours (text at 7:1 or more).
    pub high_contrast: bool,
}

impl UiConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        super::range("ui.font_scale", self.font_scale, 1.0, 2.0)?;
        match crate::language::Language::from_setting(&self.language) {
            Some(_) => Ok(()),
            None => Err((
                "ui.language".into(),
                format!(
                    "must be \"en\", \"sv\" or \"auto\", not \"{}\"",
                    self.language
                ),
            )),
        }
    }

    /// The language chosen.
    pub fn language(&self) -> crate::language::Language {
        crate::language::Language::from_setting(&self.language).unwrap_or_default()
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

/// The scene's projected CRS (`scene.crs`): `"auto"` for the UTM zone of the origin, else an
/// `AUTHORITY:CODE` or a PROJ string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CrsSetting {
    /// The UTM zone of the scene origin.
    Auto,
    /// This CRS.
    Named(String),
}

impl CrsSetting {
    /// The CRS named, or `None` for automatic.
    pub fn named(&self) -> Option<&str> {
        match self {
            Self::Auto => None,
            Self::Named(c) => Some(c),
        }
    }
}

impl TryFrom<String> for CrsSetting {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s == "auto" {
            Ok(Self::Auto)
        } else if s.contains(':') || s.trim_start().starts_with("+proj") {
            Ok(Self::Named(s))
        } else {
            Err(format!(
                "must be \"auto\", \"AUTHORITY:CODE\" (such as \"EPSG:32618\") or a PROJ string, not \"{s}\""
            ))
        }
    }
}

impl From<CrsSetting> for String {
    fn from(c: CrsSetting) -> String {
        match c {
            CrsSetting::Auto => "auto".into(),
            CrsSetting::Named(s) => s,
        }
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

impl SceneConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        let s = self;
        if let OriginSetting::At([lon, lat]) = s.origin {
            range("scene.origin", lon, -180.0, 180.0)?;
            range("scene.origin", lat, -90.0, 90.0)?;
        }
        range("scene.max_distance_km", s.max_distance_km, 1.0, 500.0)?;
        color("scene.ground_color", &s.ground_color)?;
        color("scene.sky_horizon_color", &s.sky_horizon_color)?;
        color("scene.sky_zenith_color", &s.sky_zenith_color)?;
        if s.time_zone != "auto"
            && let Err(why) = crate::sun::zone::named(&s.time_zone)
        {
            return Err(("scene.time_zone".to_owned(), format!("{why}, or \"auto\"")));
        }
        Ok(())
    }
}

impl SceneConfig {
    /// The scene's time zone: the configured one, else the zone at `origin` (`[lon, lat]`),
    /// else UTC (at sea far from any zone).
    pub fn zone_at(&self, origin: [f64; 2]) -> chrono_tz::Tz {
        crate::sun::zone::named(&self.time_zone)
            .ok()
            .or_else(|| crate::sun::zone::at(origin))
            .unwrap_or(chrono_tz::UTC)
    }
}

impl SunConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        let sun = self;
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
        Ok(())
    }
}

impl CameraConfig {
    /// The camera's limits; `views` are the named views `start_view` may name.
    pub(super) fn validate(&self, views: &BTreeMap<String, ViewConfig>) -> Result<(), Invalid> {
        let c = self;
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
        if c.start_view != OVERVIEW && !views.contains_key(&c.start_view) {
            let names: Vec<&str> = std::iter::once(OVERVIEW)
                .chain(views.keys().map(String::as_str))
                .collect();
            return Err((
                "camera.start_view".into(),
                format!(
                    "is \"{}\", which is not a view; known views: {}",
                    c.start_view,
                    names.join(", ")
                ),
            ));
        }
        Ok(())
    }
}

impl ViewConfig {
    /// `name` is the table's name (`[views.NAME]`).
    pub(super) fn validate(&self, name: &str) -> Result<(), Invalid> {
        let v = self;
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
        Ok(())
    }
}

impl WindowConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        let w = self;
        range("window.width", f64::from(w.width), 200.0, 16_384.0)?;
        range("window.height", f64::from(w.height), 200.0, 16_384.0)
    }
}
