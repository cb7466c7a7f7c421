//! What is selected: the building, the sensor or the tileset feature shown in the inspector,
//! and the messages that change it.

use bevy::prelude::*;

/// The building shown in the inspector, by index into [`crate::city::CityModel::buildings`].
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    /// The selected building.
    pub building: Option<usize>,
}

/// Selects a building (or clears the selection with `None`).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectBuilding(pub Option<usize>);

/// Asks the camera to bring a building into view.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FocusBuilding(pub usize);

/// Asks the camera to bring a point of the scene into view (`[x, up, −north]`), from this
/// distance (m), keeping its heading.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct FocusPoint {
    /// The point.
    pub point: Vec3,
    /// The camera's distance from it.
    pub distance: f32,
}

/// A building to select as soon as the city is loaded (`--select ID`).
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub struct InitialSelection(pub String);

/// The sensor shown in the inspector.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct SelectedSensor(pub Option<String>);

/// Selects a sensor by entity id (or clears the selection).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct SelectSensor(pub Option<String>);

/// A feature of a 3D Tiles tileset (a building of a city's tileset, say), as the inspector
/// shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TilesetFeature {
    /// The tileset's configured name.
    pub tileset: String,
    /// The tile it was picked in (its index in the tileset).
    pub tile: usize,
    /// Its id among the tile's features (batch id, feature id); None when the tile has no
    /// feature ids and the glTF mesh stands for the feature.
    pub feature: Option<u32>,
    /// The glTF mesh it is part of (3DBAG tiles name their buildings so).
    pub part: String,
    /// Its properties (batch table, structural metadata), by name.
    pub properties: Vec<(String, String)>,
}

/// The tileset feature shown in the inspector.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct SelectedTilesetFeature(pub Option<TilesetFeature>);

/// Selects a tileset feature (or clears that selection). Selecting a building or a sensor
/// clears it too.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct SelectTilesetFeature(pub Option<TilesetFeature>);

pub(super) fn build(app: &mut App) {
    app.init_resource::<Selection>()
        .init_resource::<SelectedSensor>()
        .init_resource::<SelectedTilesetFeature>()
        .add_message::<SelectBuilding>()
        .add_message::<FocusBuilding>()
        .add_message::<FocusPoint>()
        .add_message::<SelectSensor>()
        .add_message::<SelectTilesetFeature>()
        .add_systems(
            Update,
            apply_tileset_selection.in_set(super::SceneSet::Select),
        );
}

/// One thing in the inspector at a time: a building or a sensor selected clears the tileset
/// feature.
fn apply_tileset_selection(
    mut features: MessageReader<SelectTilesetFeature>,
    mut buildings: MessageReader<SelectBuilding>,
    mut sensors: MessageReader<SelectSensor>,
    mut selected: ResMut<SelectedTilesetFeature>,
) {
    let other = buildings.read().any(|b| b.0.is_some()) | sensors.read().any(|s| s.0.is_some());
    let wanted = match features.read().last() {
        _ if other => None,
        Some(SelectTilesetFeature(f)) => f.clone(),
        None => return,
    };
    if selected.0 != wanted {
        selected.0 = wanted;
    }
}
