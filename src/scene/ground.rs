//! The base map under the buildings (streets, water, parks, …): how far it got, what it drew,
//! the credits it requires, and the named streets for labels.

use crate::basemap::mesh::StreetName;
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

pub(super) fn build(app: &mut App) {
    app.init_resource::<GroundState>();
}
