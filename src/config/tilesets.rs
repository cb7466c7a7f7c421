//! `[tilesets.NAME]`: 3D Tiles tilesets drawn beside the buildings.

use super::Invalid;
use serde::{Deserialize, Serialize};

/// `[tilesets.NAME]`: one tileset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TilesetConfig {
    /// A folder holding `tileset.json`, the file itself (relative to the configuration
    /// file), or its HTTP(S) URL.
    pub path: String,
    /// The credit the tileset requires, shown with the map.
    #[serde(default)]
    pub attribution: String,
    /// Stand the tileset on the scene's ground: its lowest point (in the first content read)
    /// at 0 m. Off, its heights are the ellipsoid's, less `height_offset_m`.
    #[serde(default = "yes")]
    pub on_ground: bool,
    /// Metres taken off the tileset's ellipsoidal heights when `on_ground` is off.
    #[serde(default)]
    pub height_offset_m: f64,
    /// How fine: a tile is refined while its geometric error covers more pixels than this.
    #[serde(default = "default_error_px")]
    pub max_error_px: f64,
    /// The most memory the tileset's meshes may take (MB); coarser tiles beyond it.
    #[serde(default = "default_memory_mb")]
    pub memory_mb: f64,
}

fn yes() -> bool {
    true
}
fn default_error_px() -> f64 {
    16.0
}
fn default_memory_mb() -> f64 {
    512.0
}

/// The keys a `[tilesets.NAME]` table may use.
pub(super) const TILESET_KEYS: &str = "path = \"\"\nattribution = \"\"\non_ground = true\nheight_offset_m = 0.0\nmax_error_px = 16.0\nmemory_mb = 512.0\n";

impl TilesetConfig {
    pub(super) fn validate(&self, name: &str) -> Result<(), Invalid> {
        let key = |k: &str| format!("tilesets.{name}.{k}");
        if self.path.trim().is_empty() {
            return Err((
                key("path"),
                "is empty: give a folder with tileset.json, the file, or its URL".into(),
            ));
        }
        super::range(&key("max_error_px"), self.max_error_px, 1.0, 256.0)?;
        super::range(&key("memory_mb"), self.memory_mb, 16.0, 65_536.0)?;
        super::range(
            &key("height_offset_m"),
            self.height_offset_m,
            -10_000.0,
            10_000.0,
        )?;
        Ok(())
    }
}
