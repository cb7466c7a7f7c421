//! Selecting buildings: `--select ID` once the city is in, a click or tap on the view, and
//! the highlight drawn over the selected building.

use super::{BuildingMaterials, SelectionHighlight, to_mesh_if_any};
use crate::geometry::extrude::{MeshBuffers, Palette};
use crate::geometry::pick::Ray;
use crate::scene::{
    CityState, CompareCamera, EditTool, FocusBuilding, InitialSelection, MainCamera, Scenarios,
    SelectBuilding, Selection, Tool, ViewClicked, ViewMapping,
};
use bevy::prelude::*;

pub(super) fn select_initial(
    initial: Option<Res<InitialSelection>>,
    state: Res<CityState>,
    mut select: MessageWriter<SelectBuilding>,
    mut focus: MessageWriter<FocusBuilding>,
    mut commands: Commands,
) {
    let (Some(initial), Some(model)) = (initial, state.model.as_ref()) else {
        return;
    };
    match model.buildings.iter().position(|b| b.id == initial.0) {
        Some(i) => {
            select.write(SelectBuilding(Some(i)));
            focus.write(FocusBuilding(i));
        }
        // A sensor: the sensors plugin selects it once its marker is in.
        None if model.sensors.iter().any(|s| s.id == initial.0) => return,
        None => warn!(
            "--select: no building with the id {:?} was loaded",
            initial.0
        ),
    }
    commands.remove_resource::<InitialSelection>();
}

/// Picks on the side of the view clicked: the baseline, or the active scenario (its added
/// buildings, not those it removes); side by side, the right half through its own camera.
#[allow(clippy::type_complexity, reason = "a Bevy system")]
pub(super) fn pick(
    mut clicks: MessageReader<ViewClicked>,
    camera: Single<(&Camera, &GlobalTransform), With<MainCamera>>,
    compare: Query<(&Camera, &GlobalTransform), (With<CompareCamera>, Without<MainCamera>)>,
    state: Res<CityState>,
    scenarios: Res<Scenarios>,
    mut select: MessageWriter<SelectBuilding>,
    view: ViewMapping,
    tool: Res<EditTool>,
) {
    let at = clicks.read().last().map(|c| c.0);
    let (Some(at), Some(model)) = (at, state.model.as_ref()) else {
        return;
    };
    // Drawing or moving: the click is the tool's.
    if tool.tool != Tool::Select {
        return;
    }
    let ((cam, cam_transform), on_scenario) =
        view.camera_at(at, &scenarios, *camera, compare.single().ok());
    let Some(ray) = view.ray(cam, cam_transform, at) else {
        return;
    };
    let ray = Ray {
        origin: ray.origin.as_dvec3().to_array(),
        direction: ray.direction.as_dvec3().to_array(),
    };
    let hit = match scenarios.active_applied() {
        Some(applied) if on_scenario => applied.pick(model, &ray),
        _ => model.pick(&ray),
    };
    select.write(SelectBuilding(hit));
}

pub(super) fn apply_selection(
    mut messages: MessageReader<SelectBuilding>,
    mut selection: ResMut<Selection>,
    state: Res<CityState>,
    scenarios: Res<Scenarios>,
    highlight: Query<Entity, With<SelectionHighlight>>,
    materials: Res<BuildingMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut commands: Commands,
) {
    let asked = messages.read().last().copied();
    // An added building edited (moved, made taller) is drawn anew under the same index.
    let count = state.model.as_ref().map_or(0, |m| m.buildings.len());
    let edited = scenarios.is_changed() && selection.building.is_some_and(|b| b >= count);
    let wanted = match asked {
        Some(SelectBuilding(w)) if w != selection.building || edited => w,
        None if edited => selection.building,
        _ => return,
    };
    selection.building = wanted;
    for e in &highlight {
        commands.entity(e).despawn();
    }
    let (Some(i), Some(model)) = (wanted, state.model.as_ref()) else {
        return;
    };
    let Some((b, _)) = crate::scene::scenarios::building(model, &scenarios, i) else {
        return;
    };
    let center = b.footprint.center();
    let mut buffers = MeshBuffers::default();
    let white = [1.0, 1.0, 1.0, 1.0];
    b.mesh_into(
        &mut buffers,
        center,
        &Palette {
            wall: white,
            roof: white,
        },
    );
    let Some(mesh) = to_mesh_if_any(buffers) else {
        return;
    };
    commands.spawn((
        SelectionHighlight,
        Mesh3d(meshes.add(mesh)),
        MeshMaterial3d(materials.selected.clone()),
        Transform::from_xyz(center[0] as f32, 0.0, -center[1] as f32),
    ));
}
