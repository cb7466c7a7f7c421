//! Editing a scenario in 3D, with mouse, touch and keyboard: drawing a footprint by tapping
//! its corners on the ground (snapping to building corners and edges within a few pixels,
//! squaring right angles), moving the selected added building (drag it, or tap where it should
//! go), and files dropped onto the window joining the active scenario where they are dropped.
//! The tools live in the scene ([`EditTool`]); every change is an [`EditScenario`] message that
//! the scenarios plugin applies, so undo and redo cover everything.
//!
//! | key | action |
//! |---|---|
//! | Enter | finish the outline being drawn |
//! | Backspace | take back its last corner |
//! | Escape | drop the outline, or back to selecting |
//! | Delete | delete the selected added building |
//! | Ctrl+Z, Ctrl+Y (Ctrl+Shift+Z) | undo, redo |

mod drop;
mod pointer;
mod snapping;

use crate::language::Phrase;
use crate::scenario::Edit;
use crate::scene::scenarios::target;
use crate::scene::{
    self, CityState, DrawCommand, EditScenario, EditTool, RedoEdit, Scenarios, SceneSet, Selection,
    SetTool, Settings, Tool, UndoEdit,
};
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy_egui::input::EguiWantsInput;

/// Pixels within which a corner or an edge catches the pointer.
pub const SNAP_PIXELS: f64 = 10.0;
/// Degrees within which a corner is squared to a right angle.
pub const RIGHT_ANGLE_DEGREES: f64 = 7.0;

/// The editing tools.
pub struct EditingPlugin;

impl Plugin for EditingPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        // Registered by Bevy's window plugin; here too, so the tools run in a headless app.
        app.add_message::<bevy::window::FileDragAndDrop>()
            .init_resource::<drop::Dropped>()
            .init_resource::<pointer::Dragging>()
            .add_systems(
                Update,
                (
                    (apply_commands, keyboard, pointer::hover, pointer::drag)
                        .chain()
                        .in_set(SceneSet::Tool),
                    pointer::clicks.in_set(SceneSet::Pick),
                    (drop::receive_files, drop::place_files)
                        .chain()
                        .in_set(SceneSet::Load),
                ),
            );
    }
}

/// Applies [`SetTool`] and [`DrawCommand`]: a finished outline becomes an
/// [`Edit::AddFootprint`] with the chosen floors.
fn apply_commands(
    mut tools: MessageReader<SetTool>,
    mut commands: MessageReader<DrawCommand>,
    mut tool: ResMut<EditTool>,
    settings: Res<Settings>,
    mut edit: MessageWriter<EditScenario>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    for SetTool(t) in tools.read() {
        if tool.tool != *t {
            tool.tool = *t;
            tool.corners.clear();
            tool.hover = None;
            tool.dragged = None;
            tool.problem = None;
            redraw.write(RequestRedraw);
        }
    }
    for c in commands.read() {
        redraw.write(RequestRedraw);
        match c {
            DrawCommand::Floors(f) => tool.floors = f.clamp(1.0, 200.0),
            DrawCommand::UndoCorner => {
                tool.corners.pop();
            }
            DrawCommand::Cancel => {
                tool.corners.clear();
                tool.problem = None;
            }
            DrawCommand::Finish => finish(&mut tool, &settings, &mut edit),
        }
    }
}

/// Closes the outline: at least three corners make a building.
pub(crate) fn finish(
    tool: &mut EditTool,
    settings: &Settings,
    edit: &mut MessageWriter<EditScenario>,
) {
    if tool.corners.len() < 3 {
        tool.problem = Some(Phrase::new("edit-needs-three-corners"));
        return;
    }
    let floors = tool.floors.round().max(1.0);
    edit.write(EditScenario(Edit::AddFootprint {
        corners: std::mem::take(&mut tool.corners),
        height: floors * settings.buildings.storey_height,
        floors: Some(floors),
    }));
    tool.problem = None;
    tool.hover = None;
    // The new building is selected: its floors and place are set next.
    tool.tool = Tool::Select;
}

/// The editing keys (not while a text field has the keyboard).
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    egui: Option<Res<EguiWantsInput>>,
    mut tool: ResMut<EditTool>,
    settings: Res<Settings>,
    selection: Res<Selection>,
    state: Res<CityState>,
    scenarios: Res<Scenarios>,
    mut out: (
        MessageWriter<EditScenario>,
        MessageWriter<UndoEdit>,
        MessageWriter<RedoEdit>,
        MessageWriter<RequestRedraw>,
    ),
) {
    if egui.is_some_and(|e| e.wants_any_keyboard_input())
        || keys.get_just_pressed().len() == 0
        || !settings.kiosk.editing()
    {
        return;
    }
    // Held now, or let go within this frame (a quick chord on a slow frame).
    let held = |k: [KeyCode; 2]| keys.any_pressed(k) || keys.any_just_released(k);
    let ctrl = held([KeyCode::ControlLeft, KeyCode::ControlRight])
        || held([KeyCode::SuperLeft, KeyCode::SuperRight]);
    let shift = held([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    out.3.write(RequestRedraw);
    if ctrl && keys.just_pressed(KeyCode::KeyZ) {
        if shift {
            out.2.write(RedoEdit);
        } else {
            out.1.write(UndoEdit);
        }
        return;
    }
    if ctrl && keys.just_pressed(KeyCode::KeyY) {
        out.2.write(RedoEdit);
        return;
    }
    if tool.tool == Tool::Draw {
        if keys.just_pressed(KeyCode::Enter) || keys.just_pressed(KeyCode::NumpadEnter) {
            finish(&mut tool, &settings, &mut out.0);
        } else if keys.just_pressed(KeyCode::Backspace) {
            tool.corners.pop();
        }
    }
    if keys.just_pressed(KeyCode::Escape) {
        if tool.corners.is_empty() {
            tool.tool = Tool::Select;
        }
        tool.corners.clear();
        tool.dragged = None;
        tool.problem = None;
    }
    if keys.just_pressed(KeyCode::Delete)
        && let (Some(i), Some(model)) = (selection.building, state.model.as_ref())
        && let Some(target) = target(model, &scenarios, i)
    {
        out.0.write(EditScenario(Edit::Delete { target }));
    }
}
