//! The base map under the buildings (streets, water, parks, …): how far it got, what it drew,
//! the credits it requires, and the named streets for labels.

use crate::basemap::mesh::StreetName;
use crate::terrain::HeightGrid;
use bevy::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Where the base map stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum GroundStatus {
    /// No ground source is configured: the plain ground only.
    #[default]
    None,
    /// Reading and meshing.
    Loading,
    /// Every tile is in the scene.
    Ready,
}

/// The base map, for the UI, labels and readiness.
#[derive(Resource, Debug, Default)]
pub struct GroundState {
    /// Progress or outcome.
    pub status: GroundStatus,
    /// Features drawn, by class key (`streets`, `water`, …).
    pub drawn: BTreeMap<String, usize>,
    /// Features that could not be drawn (broken geometry, nodes missing from an extract).
    pub skipped: usize,
    /// Sources that could not be read, each with what to do (in English: these are file
    /// errors for whoever configured the viewer).
    pub problems: Vec<String>,
    /// Tiles (meshes) in the scene.
    pub tiles: usize,
    /// Triangles in them.
    pub triangles: usize,
    /// The credits the sources require, shown with the map.
    pub attributions: Vec<String>,
    /// The named streets, for labels.
    pub streets: Arc<Vec<StreetName>>,
    /// How long from the city's origin being known to the last ground tile in the scene.
    pub ready_after: Option<Duration>,
}

/// The terrain under the city (`[terrain]`), for every plugin that places things on the
/// ground: buildings, sensors, comments, the camera.
#[derive(Resource, Debug, Default)]
pub struct TerrainState {
    /// Progress or outcome.
    pub status: GroundStatus,
    /// The heights in scene metres, once read.
    pub grid: Option<Arc<HeightGrid>>,
    /// Why the DEM could not be used, with what to do.
    pub problem: Option<String>,
    /// Tiles drawn now.
    pub tiles_drawn: usize,
    /// Whether every tile the view needs is drawn.
    pub settled: bool,
}

impl TerrainState {
    /// The ground's height at scene `(x, z)`: the terrain's where there is one, else 0.
    pub fn height_at(&self, x: f32, z: f32) -> f32 {
        self.grid
            .as_ref()
            .and_then(|g| g.height_at(f64::from(x), f64::from(z)))
            .unwrap_or(0.0)
    }
}

/// The raster map tiles (`[map_tiles.NAME]`): how many are drawn and where they came from.
#[derive(Resource, Debug, Default)]
pub struct MapTileState {
    /// Progress or outcome.
    pub status: GroundStatus,
    /// Tiles drawn now.
    pub drawn: usize,
    /// Whether every tile the view needs is drawn (or known to be missing).
    pub settled: bool,
    /// Tiles the server sent.
    pub from_server: usize,
    /// Tiles from the disk cache (fresh, or confirmed unchanged by the server).
    pub from_cache: usize,
    /// Tiles from the disk cache past their expiry, because the server could not be asked.
    pub stale: usize,
    /// Tiles that could not be had.
    pub missing: usize,
    /// Tiles the view needs now that could not be had.
    pub missing_now: usize,
    /// Why the last missing tile, or the tiles as a whole, could not be had.
    pub problem: Option<String>,
}

/// The 3D Tiles tilesets (`[tilesets.NAME]`), for the UI and readiness.
#[derive(Resource, Debug, Default)]
pub struct TilesetsState {
    /// Whether a tileset is still reading the tiles its view needs.
    pub loading: bool,
    /// Tiles drawn now, over all tilesets.
    pub tiles_drawn: usize,
    /// Triangles drawn now.
    pub triangles: usize,
    /// Tilesets or tiles that could not be read, and why.
    pub problems: Vec<String>,
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<GroundState>()
        .init_resource::<TerrainState>()
        .init_resource::<MapTileState>()
        .init_resource::<TilesetsState>();
}
