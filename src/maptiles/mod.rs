//! Raster map tiles (`[map_tiles.NAME]`): XYZ and WMTS tiles in Web Mercator (EPSG:3857, the
//! WebMercatorQuad tile matrix set), which tiles a view needs ([`select`]), their on-disk cache
//! ([`cache`]), fetching with HTTP caching honoured ([`fetch`]), and their meshes draped on the
//! ground or the terrain in scene metres ([`mesh`]).
//!
//! Tiles are numbered as OpenStreetMap's slippy maps are: at zoom `z` the world is `2^z × 2^z`
//! tiles, `x` from the antimeridian eastwards, `y` from the north southwards.
//!
//! ```
//! use citytwin::maptiles::TileId;
//! // Zoom 12: Bilbao's Guggenheim museum (lon -2.934, lat 43.2687) lies in tile 2014/1500.
//! assert_eq!(TileId::containing(-2.934, 43.2687, 12), TileId { z: 12, x: 2014, y: 1500 });
//! ```

pub mod cache;
pub mod decode;
pub mod fetch;
pub mod mesh;
pub mod select;

use crate::config::MapTileSourceConfig;
use std::f64::consts::PI;

/// The equator's length on the WGS84 ellipsoid (m): a zoom-0 tile's width at the equator.
pub const EQUATOR_M: f64 = 40_075_016.686;

/// Web Mercator's latitude limit (degrees): the map is square up to it.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_6;

/// Pixels along a tile's side, for choosing the zoom level (servers' usual size).
pub const TILE_PX: f64 = 256.0;

/// One tile: zoom level, column (from the west), row (from the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom level.
    pub z: u8,
    /// Column, from the antimeridian eastwards.
    pub x: u32,
    /// Row, from the north southwards.
    pub y: u32,
}

impl TileId {
    /// The tile at zoom `z` holding longitude/latitude (degrees; latitudes past Web
    /// Mercator's limit are clamped to it).
    pub fn containing(lon: f64, lat: f64, z: u8) -> Self {
        let (fx, fy) = mercator_fraction(lon, lat);
        let n = f64::from(1u32 << z);
        let last = (1u32 << z) - 1;
        Self {
            z,
            x: ((fx * n).floor().max(0.0) as u32).min(last),
            y: ((fy * n).floor().max(0.0) as u32).min(last),
        }
    }

    /// Longitude/latitude (degrees) of the point at fractions `(u, v)` across the tile, `u`
    /// from its west edge, `v` from its north edge: the image's pixels are evenly spaced in
    /// Web Mercator, so these are where a texture coordinate lands.
    ///
    /// ```
    /// use citytwin::maptiles::TileId;
    /// let (lon, lat) = TileId { z: 1, x: 1, y: 0 }.lonlat_at(0.0, 1.0);
    /// assert!((lon - 0.0).abs() < 1e-12 && (lat - 0.0).abs() < 1e-12);
    /// ```
    pub fn lonlat_at(&self, u: f64, v: f64) -> (f64, f64) {
        let n = f64::from(1u32 << self.z);
        let fx = (f64::from(self.x) + u) / n;
        let fy = (f64::from(self.y) + v) / n;
        let lon = fx * 360.0 - 180.0;
        let lat = (PI * (1.0 - 2.0 * fy)).sinh().atan().to_degrees();
        (lon, lat)
    }

    /// The four tiles one zoom level deeper, north-west first.
    pub fn children(&self) -> [TileId; 4] {
        let (z, x, y) = (self.z + 1, self.x * 2, self.y * 2);
        [
            TileId { z, x, y },
            TileId { z, x: x + 1, y },
            TileId { z, x, y: y + 1 },
            TileId {
                z,
                x: x + 1,
                y: y + 1,
            },
        ]
    }

    /// The tile's width on the ground (m) at its centre's latitude.
    pub fn width_m(&self) -> f64 {
        let (_, lat) = self.lonlat_at(0.5, 0.5);
        EQUATOR_M * lat.to_radians().cos() / f64::from(1u32 << self.z)
    }
}

/// Longitude/latitude as fractions of the Web Mercator square: `(0, 0)` the north-west corner,
/// `(1, 1)` the south-east.
pub fn mercator_fraction(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let fx = (lon + 180.0) / 360.0;
    let fy = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0;
    (fx, fy)
}

/// A configured tile server: where each tile is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct TileSource {
    /// The source's name (`[map_tiles.NAME]`), which names its layer.
    pub name: String,
    /// The URL template.
    pub url: String,
    /// The letters `{s}` takes in turn.
    pub subdomains: Vec<char>,
    /// The deepest zoom level the server has.
    pub max_zoom: u8,
    /// The credit the tiles require.
    pub attribution: String,
}

impl TileSource {
    /// A source from its configuration.
    pub fn new(name: &str, config: &MapTileSourceConfig) -> Self {
        Self {
            name: name.to_owned(),
            url: config.url.trim().to_owned(),
            subdomains: config.subdomains.chars().collect(),
            max_zoom: config.max_zoom,
            attribution: config.attribution.clone(),
        }
    }

    /// The URL of `tile`.
    ///
    /// ```
    /// use citytwin::maptiles::{TileId, TileSource};
    /// let mut s = TileSource {
    ///     name: "osm".into(),
    ///     url: "https://{s}.tile.example.org/{z}/{x}/{y}.png".into(),
    ///     subdomains: vec!['a', 'b', 'c'],
    ///     max_zoom: 19,
    ///     attribution: String::new(),
    /// };
    /// let t = TileId { z: 12, x: 2014, y: 1500 };
    /// assert_eq!(s.url_of(t), "https://b.tile.example.org/12/2014/1500.png");
    /// s.url = "https://e.org/wmts/ortho/GoogleMapsCompatible/{TileMatrix}/{TileRow}/{TileCol}".into();
    /// assert_eq!(s.url_of(t), "https://e.org/wmts/ortho/GoogleMapsCompatible/12/1500/2014");
    /// s.url = "https://e.org/tms/{z}/{x}/{-y}.png".into();
    /// assert_eq!(s.url_of(t), "https://e.org/tms/12/2014/2595.png");
    /// ```
    pub fn url_of(&self, tile: TileId) -> String {
        let flipped = (1u32 << tile.z) - 1 - tile.y;
        let mut url = self
            .url
            .replace("{z}", &tile.z.to_string())
            .replace("{TileMatrix}", &tile.z.to_string())
            .replace("{x}", &tile.x.to_string())
            .replace("{TileCol}", &tile.x.to_string())
            .replace("{-y}", &flipped.to_string())
            .replace("{y}", &tile.y.to_string())
            .replace("{TileRow}", &tile.y.to_string());
        if !self.subdomains.is_empty() {
            let s = self.subdomains[(tile.x as usize + tile.y as usize) % self.subdomains.len()];
            url = url.replace("{s}", &s.to_string());
        }
        url
    }

    /// A short key for the cache's folder: a hash of the URL template (the template itself
    /// may hold an access key, so it is not written down).
    pub fn cache_key(&self) -> String {
        format!("{:016x}", crate::city::cache::fnv1a(self.url.as_bytes()))
    }
}

/// The sources configured, by name.
pub fn configured(config: &crate::config::Config) -> Vec<TileSource> {
    config
        .map_tiles
        .sources
        .iter()
        .map(|(name, s)| TileSource::new(name, s))
        .collect()
}

#[cfg(test)]
mod tests;
