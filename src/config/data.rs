//! `[data]`, `[broker]` and `[local_broker]`: where the buildings and sensors come from.

use super::{Invalid, range};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where the data come from (`data.source`), read once at load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SourceSetting {
    /// `"demo"`: the district built into citytwin, served by a local broker started inside.
    Demo,
    /// `"broker"`: the NGSI-LD broker of `[broker]`.
    Broker,
    /// Any other text: the path of a file.
    File(PathBuf),
}

impl TryFrom<String> for SourceSetting {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Ok(match s.as_str() {
            "demo" => Self::Demo,
            "broker" => Self::Broker,
            _ if s.trim().is_empty() => {
                return Err("must be \"demo\", \"broker\" or the path of a file".into());
            }
            _ => Self::File(PathBuf::from(s)),
        })
    }
}

impl From<SourceSetting> for String {
    fn from(s: SourceSetting) -> String {
        match s {
            SourceSetting::Demo => "demo".into(),
            SourceSetting::Broker => "broker".into(),
            SourceSetting::File(p) => p.display().to_string(),
        }
    }
}

/// `[data]`: where the buildings come from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// The demo, the broker of `[broker]`, or a file.
    pub source: SourceSetting,
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
    /// Keep the last city read on disk and start with it ("auto": in a kiosk only).
    pub cache: CacheSetting,
    /// Where the city cache is kept ("": the user's cache folder).
    pub cache_dir: String,
    /// A building with more corners than this (all rings together) is skipped.
    pub max_vertices_per_building: usize,
    /// A building with more holes than this in one polygon is skipped.
    pub max_holes_per_building: usize,
    /// A building with more polygons (MultiPolygon parts) than this is skipped.
    pub max_parts_per_building: usize,
}

/// `data.cache`: whether the last city read is kept on disk and shown at once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheSetting {
    /// In a kiosk (`--kiosk`), not otherwise.
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

impl DataConfig {
    /// Whether the city cache is used, for a viewer that is (or is not) a kiosk.
    pub fn cache_on(&self, kiosk: bool) -> bool {
        match self.cache {
            CacheSetting::Auto => kiosk,
            CacheSetting::On => true,
            CacheSetting::Off => false,
        }
    }
}

/// `[broker]`: the NGSI-LD broker citytwin reads from (the viewer, `check`, `simulate`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewerBrokerConfig {
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
    /// PEM file of certificate authorities trusted besides the system's, "" for none.
    pub ca_file: String,
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

impl DataConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        if self.building_type.trim().is_empty() {
            return Err((
                "data.building_type".into(),
                "must be an entity type such as \"Building\"".into(),
            ));
        }
        range("data.stream_radius", self.stream_radius, 200.0, 50_000.0)?;
        range(
            "data.max_vertices_per_building",
            self.max_vertices_per_building as f64,
            4.0,
            10_000_000.0,
        )?;
        range(
            "data.max_holes_per_building",
            self.max_holes_per_building as f64,
            0.0,
            1_000_000.0,
        )?;
        range(
            "data.max_parts_per_building",
            self.max_parts_per_building as f64,
            1.0,
            1_000_000.0,
        )
    }

    /// The caps on one building's footprint.
    pub fn footprint_limits(&self) -> crate::geometry::Limits {
        crate::geometry::Limits {
            max_vertices: self.max_vertices_per_building,
            max_holes: self.max_holes_per_building,
            max_parts: self.max_parts_per_building,
        }
    }
}

impl ViewerBrokerConfig {
    /// `source` is the data source: the URL must be usable when it is the broker.
    pub(super) fn validate(&self, source: &SourceSetting) -> Result<(), Invalid> {
        let b = self;
        if *source == SourceSetting::Broker
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
        range("broker.page_size", b.page_size as f64, 1.0, 10_000.0)
    }
}

impl LocalBrokerConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        let l = self;
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
        )
    }
}
