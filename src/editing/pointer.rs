//! The pointer while editing: where the next corner would go (hover), corners added by clicks
//! and taps, and the selected added building dragged (mouse or one finger) or sent where a
//! click lands.

use super::snapping::snap;
use crate::city::Building;
use crate::geometry::pick::Ray;
use crate::geometry::snap::Snap;
use crate::language::Phrase;
use crate::scenario::{Edit, Target};
use crate::scene::scenarios::{building, target};
use crate::scene::{
    CityState, Compare, CompareCamera, EditScenario, EditTool, MainCamera, PointerCapture,
    Scenarios, Selection, Settings, Tool, ViewClicked, ViewMapping,
};
use bevy::input::touch::Touches;
use bevy::prelude::*;
use bevy::window::{PrimaryWindow, RequestRedraw};
use bevy_egui::input::EguiWantsInput;

type Cameras<'w, 's> = (
    Single<'w, 's, (&'static Camera, &'static GlobalTransform), With<MainCamera>>,
    Query<
        'w,
        's,
        (&'static Camera, &'static GlobalTransform),
        (With<CompareCamera>, Without<MainCamera>),
    >,
);

/// The camera that shows a window position: side by side, the right half has its own.
fn camera_at<'a>(
    cameras: &'a Cameras,
    scenarios: &Scenarios,
    view: &ViewMapping,
    at: Vec2,
) -> (&'a Camera, &'a GlobalTransform) {
    let x = (at.x - view.area.min.x) / view.area.size.x.max(1.0);
    match (scenarios.compare, cameras.1.single()) {
        (Compare::SideBySide, Ok(c)) if scenarios.scenario_at(x) => c,
        _ => *cameras.0,
    }
}

fn ray_at(
    camera: &Camera,
    transform: &GlobalTransform,
    view: &ViewMapping,
    at: Vec2,
) -> Option<Ray> {
    let r = view.ray(camera, transform, at)?;
    Some(Ray {
        origin: r.origin.as_dvec3().to_array(),
        direction: r.direction.as_dvec3().to_array(),
    })
}

/// Where a corner drawn at window position `at` goes (snapped), if the view shows ground
/// there.
fn corner_at(
    at: Vec2,
    tool: &EditTool,
    cameras: &Cameras,
    scenarios: &Scenarios,
    view: &ViewMapping,
    state: &CityState,
) -> Option<([f64; 2], Snap)> {
    let model = state.model.as_ref()?;
    let (cam, transform) = camera_at(cameras, scenarios, view, at);
    let ground = view.ground_at(cam, transform, at)?;
    let applied = scenarios.active_applied().map(AsRef::as_ref);
    Some(snap(
        view,
        cam,
        transform,
        at,
        ground,
        &tool.corners,
        model,
        applied,
    ))
}

/// Where the next corner would go under the mouse, while drawing.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn hover(
    mut tool: ResMut<EditTool>,
    window: Option<Single<&Window, With<PrimaryWindow>>>,
    cameras: Cameras,
    view: ViewMapping,
    state: Res<CityState>,
    scenarios: Res<Scenarios>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let wanted = window
        .as_ref()
        .and_then(|w| w.cursor_position())
        .filter(|_| tool.tool == Tool::Draw)
        .and_then(|at| corner_at(at, &tool, &cameras, &scenarios, &view, &state));
    if tool.hover != wanted {
        tool.hover = wanted;
        redraw.write(RequestRedraw);
    }
}

/// Clicks and taps on the view: a corner while drawing (the first corner again closes the
/// outline); while moving, the selected added building goes where the click lands.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn clicks(
    mut clicks: MessageReader<ViewClicked>,
    mut tool: ResMut<EditTool>,
    cameras: Cameras,
    view: ViewMapping,
    state: Res<CityState>,
    scenarios: Res<Scenarios>,
    selection: Res<Selection>,
    settings: Res<Settings>,
    mut edit: MessageWriter<EditScenario>,
) {
    let Some(at) = clicks.read().last().map(|c| c.0) else {
        return;
    };
    let Some(model) = state.model.as_ref() else {
        return;
    };
    let (cam, transform) = camera_at(&cameras, &scenarios, &view, at);
    let Some(ground) = view.ground_at(cam, transform, at) else {
        return;
    };
    match tool.tool {
        // The sun-hours study reads its own clicks.
        Tool::Select | Tool::StudyArea | Tool::Measure | Tool::Comment => {}
        Tool::Draw => {
            let Some((p, _)) = corner_at(at, &tool, &cameras, &scenarios, &view, &state) else {
                return;
            };
            if tool.corners.len() >= 3 && tool.corners.first() == Some(&p) {
                super::finish(&mut tool, &settings, &mut edit);
            } else if tool.corners.last() != Some(&p) {
                tool.corners.push(p);
                tool.problem = None;
            }
        }
        Tool::Move => {
            let Some((b, t)) = selected(&selection, model, &scenarios) else {
                tool.problem = Some(Phrase::new("edit-select-to-move"));
                return;
            };
            // A tap on the building itself is not a move.
            if ray_at(cam, transform, &view, at).is_some_and(|r| b.hit(&r).is_some()) {
                return;
            }
            let c = b.footprint.centroid();
            edit.write(EditScenario(Edit::Move {
                target: t,
                by: [ground[0] - c[0], ground[1] - c[1]],
            }));
        }
    }
}

/// The selected building, if the active scenario adds it.
fn selected<'a>(
    selection: &Selection,
    model: &'a crate::city::CityModel,
    scenarios: &'a Scenarios,
) -> Option<(&'a Building, Target)> {
    let i = selection.building?;
    let t = target(model, scenarios, i)?;
    Some((building(model, scenarios, i)?.0, t))
}

/// A drag of the selected added building under way.
#[derive(Resource, Default)]
pub(super) struct Dragging {
    target: Option<Target>,
    /// The ground point where it was taken.
    start: [f64; 2],
    /// Its outline then (scene metres).
    outline: Vec<[f64; 2]>,
    /// The offset so far.
    moved: [f64; 2],
    /// The finger dragging it, if a finger does.
    touch: Option<u64>,
}

/// While moving: pressing on the selected added building (mouse or one finger) takes it,
/// holding the pointer so the camera stays; releasing moves it by the offset dragged.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn drag(
    mut dragging: ResMut<Dragging>,
    mut tool: ResMut<EditTool>,
    mut capture: ResMut<PointerCapture>,
    buttons: Res<ButtonInput<MouseButton>>,
    touches: Res<Touches>,
    window: Option<Single<&Window, With<PrimaryWindow>>>,
    egui: Option<Res<EguiWantsInput>>,
    cameras: Cameras,
    view: ViewMapping,
    state: Res<CityState>,
    scenarios: Res<Scenarios>,
    selection: Res<Selection>,
    mut edit: MessageWriter<EditScenario>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let cursor = window.as_ref().and_then(|w| w.cursor_position());
    if dragging.target.is_none() {
        if capture.0 {
            capture.0 = false;
        }
        if tool.tool != Tool::Move || egui.as_ref().is_some_and(|e| e.wants_any_pointer_input()) {
            return;
        }
        let Some(model) = state.model.as_ref() else {
            return;
        };
        let pressed = if buttons.just_pressed(MouseButton::Left) {
            cursor.map(|c| (c, None))
        } else {
            let mut started = touches.iter_just_pressed();
            match (started.next(), touches.iter().count()) {
                (Some(t), 1) => Some((t.position(), Some(t.id()))),
                _ => None,
            }
        };
        let Some((at, touch)) = pressed else { return };
        let Some((b, t)) = selected(&selection, model, &scenarios) else {
            return;
        };
        let (cam, transform) = camera_at(&cameras, &scenarios, &view, at);
        let on_it = ray_at(cam, transform, &view, at).is_some_and(|r| b.hit(&r).is_some());
        let Some(start) = view.ground_at(cam, transform, at).filter(|_| on_it) else {
            return;
        };
        *dragging = Dragging {
            target: Some(t),
            start,
            outline: b
                .footprint
                .polygons()
                .first()
                .map(|p| p.exterior().coords().map(|c| [c.x, c.y]).collect())
                .unwrap_or_default(),
            moved: [0.0, 0.0],
            touch,
        };
        capture.0 = true;
        return;
    }
    // Under way: where the pointer is now, and whether it let go.
    let (now, released) = match dragging.touch {
        Some(id) => match touches.get_pressed(id) {
            Some(t) => (Some(t.position()), false),
            None => (
                touches
                    .iter_just_released()
                    .find(|t| t.id() == id)
                    .map(|t| t.position()),
                true,
            ),
        },
        None => (cursor, !buttons.pressed(MouseButton::Left)),
    };
    if let Some(at) = now {
        let (cam, transform) = camera_at(&cameras, &scenarios, &view, at);
        if let Some(g) = view.ground_at(cam, transform, at) {
            let moved = [g[0] - dragging.start[0], g[1] - dragging.start[1]];
            if moved != dragging.moved {
                dragging.moved = moved;
                tool.dragged = Some(
                    dragging
                        .outline
                        .iter()
                        .map(|p| [p[0] + moved[0], p[1] + moved[1]])
                        .collect(),
                );
                redraw.write(RequestRedraw);
            }
        }
    }
    if released {
        let d = std::mem::take(&mut *dragging);
        if let Some(target) = d.target
            && d.moved[0].hypot(d.moved[1]) > 0.01
        {
            edit.write(EditScenario(Edit::Move {
                target,
                by: d.moved,
            }));
        }
        tool.dragged = None;
        // The release is not a click: the camera sees the pointer again next frame.
        redraw.write(RequestRedraw);
    }
}
