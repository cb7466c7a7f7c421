//! What is selected: the building or the sensor shown in the inspector, and the messages
//! that change it.

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

pub(super) fn build(app: &mut App) {
    app.init_resource::<Selection>()
        .init_resource::<SelectedSensor>()
        .add_message::<SelectBuilding>()
        .add_message::<FocusBuilding>()
        .add_message::<FocusPoint>()
        .add_message::<SelectSensor>();
}
