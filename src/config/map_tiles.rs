//! `[map_tiles]` and `[map_tiles.NAME]`: raster map tiles (XYZ or WMTS in Web Mercator, an
//! orthophoto or a city's base map) draped on the ground, with their disk cache.

use super::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[map_tiles]`: the cache, and the tile sources (`[map_tiles.NAME]`). Unknown keys are
/// refused by the configuration's key check (serde cannot deny them beside a flattened map).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapTilesConfig {
    /// The most the disk cache of tiles may hold (MB); the tiles used longest ago go first.
    pub cache_mb: f64,
    /// The cache's folder; "" for `map-tiles` in the user's cache folder.
    pub cache_dir: String,
    /// How sharp: the most one pixel of a tile may cover on the screen (pixels) before the
    /// next zoom level is asked for. Larger asks for fewer tiles.
    pub texel_px: f64,
    /// `[map_tiles.NAME]`: the sources, by name.
    #[serde(flatten)]
    pub sources: BTreeMap<String, MapTileSourceConfig>,
}

/// `[map_tiles.NAME]`: one tiled map.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MapTileSourceConfig {
    /// The tiles' URL template: `{z}`, `{x}`, `{y}` (XYZ), `{-y}` (TMS rows, from the south),
    /// `{s}` (one of `subdomains`), or WMTS's `{TileMatrix}`, `{TileRow}`, `{TileCol}` (a
    /// WebMercatorQuad / GoogleMapsCompatible tile matrix set).
    pub url: String,
    /// The letters `{s}` takes in turn, e.g. "abc".
    #[serde(default)]
    pub subdomains: String,
    /// The credit the tiles require, shown with the map.
    #[serde(default)]
    pub attribution: String,
    /// The deepest zoom level the server has.
    #[serde(default = "default_max_zoom")]
    pub max_zoom: u8,
}

fn default_max_zoom() -> u8 {
    19
}

/// The keys a `[map_tiles.NAME]` table may use (there is no default source to take them from).
pub(super) const MAP_TILE_SOURCE_KEYS: &str =
    "url = \"\"\nsubdomains = \"\"\nattribution = \"\"\nmax_zoom = 19\n";

/// The keys of `[map_tiles]` itself; any other table in it is a source.
pub(super) const MAP_TILES_OWN_KEYS: &[&str] = &["cache_mb", "cache_dir", "texel_px"];

impl MapTilesConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        super::range("map_tiles.cache_mb", self.cache_mb, 1.0, 1_000_000.0)?;
        super::range("map_tiles.texel_px", self.texel_px, 0.5, 16.0)?;
        for (name, s) in &self.sources {
            let key = |k: &str| format!("map_tiles.{name}.{k}");
            let url = s.url.trim();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err((
                    key("url"),
                    format!("must start with http:// or https://, not \"{url}\""),
                ));
            }
            let has = |any: &[&str]| any.iter().any(|p| url.contains(p));
            if !(has(&["{z}", "{TileMatrix}"])
                && has(&["{x}", "{TileCol}"])
                && has(&["{y}", "{-y}", "{TileRow}"]))
            {
                return Err((
                    key("url"),
                    "must hold the tile's place: {z}, {x} and {y} (or WMTS's {TileMatrix}, \
                     {TileCol} and {TileRow})"
                        .into(),
                ));
            }
            if url.contains("{s}") && s.subdomains.is_empty() {
                return Err((
                    key("subdomains"),
                    "is empty but the URL has {s}: give the letters, e.g. \"abc\"".into(),
                ));
            }
            if s.max_zoom > 24 {
                return Err((
                    key("max_zoom"),
                    format!("must be between 0 and 24, not {}", s.max_zoom),
                ));
            }
        }
        Ok(())
    }
}
