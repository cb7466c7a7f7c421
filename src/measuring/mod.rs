//! The Measure tool: while it is on ([`Tool::Measure`]), a click or tap picks a point on a
//! building's surface (where the ray meets it) or on the ground, snapped to a building's
//! corner (at its foot or its roof) or edge within a few pixels; under the pointer the point
//! it would pick shows as the snap marker. Enter picks the middle of the view, Backspace
//! takes back the last point, Escape clears. The points go to [`MeasureState`]; the UI shows
//! the result ([`crate::measure`]).

use crate::measure::{Kind, Measurement};
use crate::scene::pointing::point_on_view;
use crate::scene::{
    self, CityState, EditTool, MainCamera, MeasureCommand, MeasureState, Scenarios, SceneSet,
    SetTool, Tool, ViewClicked, ViewMapping,
};
use bevy::prelude::*;
use bevy::window::RequestRedraw;

/// The Measure tool.
pub struct MeasuringPlugin;

impl Plugin for MeasuringPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.add_systems(
            Update,
            (
                commands.in_set(SceneSet::Input),
                pick_point.in_set(SceneSet::Pick),
            ),
        );
        if app.world().contains_resource::<ButtonInput<KeyCode>>() {
            app.add_systems(Update, (keys, hover).in_set(SceneSet::Pick));
        }
    }
}

fn commands(
    mut messages: MessageReader<MeasureCommand>,
    mut state: ResMut<MeasureState>,
    tool: Res<EditTool>,
    mut set_tool: MessageWriter<SetTool>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    for m in messages.read() {
        redraw.write(RequestRedraw);
        match *m {
            MeasureCommand::Start(kind) => {
                state.active = true;
                state.measurement = Measurement {
                    kind,
                    points: Vec::new(),
                };
                state.snapped = Default::default();
                set_tool.write(SetTool(Tool::Measure));
            }
            MeasureCommand::UndoPoint => {
                state.measurement.points.pop();
            }
            MeasureCommand::Clear => {
                state.measurement.points.clear();
                state.snapped = Default::default();
            }
            MeasureCommand::Stop => {
                state.active = false;
                state.measurement.points.clear();
                set_tool.write(SetTool(Tool::Select));
            }
        }
    }
    // Another tool chosen: measuring stops (the last measurement stays shown until then).
    if state.active && tool.tool != Tool::Measure && tool.is_changed() {
        state.active = false;
    }
}

fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    egui: Option<Res<bevy_egui::input::EguiWantsInput>>,
    tool: Res<EditTool>,
    mut state: ResMut<MeasureState>,
) {
    if tool.tool != Tool::Measure || egui.is_some_and(|e| e.wants_any_keyboard_input()) {
        return;
    }
    if keys.just_pressed(KeyCode::Escape) {
        state.measurement.points.clear();
    }
    if keys.just_pressed(KeyCode::Backspace) {
        state.measurement.points.pop();
    }
}

/// The snap marker: what a click would pick under the pointer, while measuring.
fn hover(
    window: Query<&Window, With<bevy::window::PrimaryWindow>>,
    camera: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    view: ViewMapping,
    tool: Res<EditTool>,
    city: Res<CityState>,
    scenarios: Res<Scenarios>,
    mut state: ResMut<MeasureState>,
    mut last: Local<Option<(Vec2, GlobalTransform)>>,
    terrain: Option<Res<crate::scene::TerrainState>>,
) {
    let cursor = window.single().ok().and_then(Window::cursor_position);
    let eye = camera.single().ok().map(|(_, t)| *t);
    let (Some(at), Some(eye), Some(model), true) =
        (cursor, eye, city.model.as_ref(), tool.tool == Tool::Measure)
    else {
        if state.hover.is_some() {
            state.hover = None;
        }
        return;
    };
    // Only when the pointer or the camera moved.
    if *last == Some((at, eye)) {
        return;
    }
    *last = Some((at, eye));
    let wanted = point_on_view(
        at,
        &camera,
        &view,
        model,
        &scenarios,
        terrain.as_ref().and_then(|t| t.grid.as_deref()),
    )
    .map(|(p, s)| ([p[0], -p[2], p[1]], s));
    if state.hover != wanted {
        state.hover = wanted;
    }
}

/// A click while measuring: the point on a building or the ground, snapped to a corner.
fn pick_point(
    mut clicks: MessageReader<ViewClicked>,
    camera: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    view: ViewMapping,
    tool: Res<EditTool>,
    city: Res<CityState>,
    scenarios: Res<Scenarios>,
    mut state: ResMut<MeasureState>,
    terrain: Option<Res<crate::scene::TerrainState>>,
) {
    let Some(at) = clicks.read().last().map(|c| c.0) else {
        return;
    };
    let Some(model) = city.model.as_ref().filter(|_| tool.tool == Tool::Measure) else {
        return;
    };
    let Some((scene_point, snapped)) = point_on_view(
        at,
        &camera,
        &view,
        model,
        &scenarios,
        terrain.as_ref().and_then(|t| t.grid.as_deref()),
    ) else {
        return;
    };
    state.snapped = snapped;
    // Scene [x, up, −north] → [east, north, up].
    let mut p = [scene_point[0], -scene_point[2], scene_point[1]];
    let m = &mut state.measurement;
    match m.kind {
        Kind::Distance => m.points.push(p),
        Kind::Height => m.points = vec![p],
        Kind::Area => {
            p[2] = 0.0;
            m.points.push(p);
        }
    }
}
