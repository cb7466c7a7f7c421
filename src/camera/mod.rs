//! The orbit camera: mouse, touch and keyboard control, named views, smooth motion.
//!
//! | input | action |
//! |---|---|
//! | left drag, one finger | orbit (turn and tilt) |
//! | right or middle drag, Shift + left drag, two fingers | pan |
//! | wheel, pinch, `+` / `−` | zoom (toward the cursor) |
//! | arrows / WASD | pan; `Q` / `E` turn; `R` / `F` tilt; `Home` the overview |
//!
//! All motion goes through [`orbit::OrbitState::clamped`], so the camera never goes under the
//! ground, through its focus, or upside down.

pub mod orbit;

use crate::app::Settings;
use crate::buildings::{CityState, FocusBuilding};
use crate::config::OVERVIEW;
use bevy::camera::Viewport;
use bevy::input::mouse::{AccumulatedMouseScroll, MouseScrollUnit};
use bevy::input::touch::Touches;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::input::EguiWantsInput;
use orbit::{OrbitLimits, OrbitState, ground_hit};

/// Marks the 3D camera that shows the city.
#[derive(Component, Debug)]
pub struct MainCamera;

/// The orbit camera's state: where it is and where it is heading.
#[derive(Component, Debug, Clone)]
pub struct OrbitCamera {
    /// The state drawn this frame.
    pub current: OrbitState,
    /// The state it moves toward (input changes this).
    pub target: OrbitState,
}

/// Limits and speeds from the configuration.
#[derive(Resource, Debug, Clone)]
pub struct CameraSettings {
    /// Limits.
    pub limits: OrbitLimits,
    /// Vertical field of view (radians).
    pub fov: f32,
    /// Degrees per pixel dragged.
    pub orbit_speed: f32,
    /// Fraction of the distance per wheel notch.
    pub zoom_speed: f32,
}

/// Asks the camera to go to a named view ("overview" or a configured view).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct GoToView {
    /// The view's name.
    pub name: String,
    /// Jump there at once instead of moving smoothly.
    pub instant: bool,
}

/// Which views exist and where they are in the scene (filled once the city is loaded).
#[derive(Resource, Debug, Default, Clone)]
pub struct Views {
    /// Name and state, "overview" first.
    pub views: Vec<(String, OrbitState)>,
}

/// The part of the window the 3D view occupies, in logical pixels (set by the UI).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct ViewportInsets {
    /// Width covered on the left (side panel).
    pub left: f32,
}

/// The camera's input systems; systems that read [`DragState`] run after it.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct CameraInputSet;

/// The camera and its controls.
pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<GoToView>()
            .init_resource::<Views>()
            .init_resource::<ViewportInsets>()
            .init_resource::<DragState>()
            .add_systems(Startup, spawn_camera)
            .add_systems(
                Update,
                (
                    prepare_views,
                    go_to_view,
                    focus_building,
                    (mouse_control, touch_control, keyboard_control),
                    follow_target,
                    apply_viewport,
                )
                    .chain()
                    .in_set(CameraInputSet),
            );
    }
}

fn spawn_camera(mut commands: Commands, settings: Res<Settings>) {
    let c = &settings.camera;
    let limits = OrbitLimits {
        min_distance: c.min_distance as f32,
        max_distance: c.max_distance as f32,
        min_tilt: (c.min_tilt_deg as f32).to_radians(),
        max_tilt: (c.max_tilt_deg as f32).to_radians(),
        ..OrbitLimits::default()
    };
    let fov = (c.fov_deg as f32).to_radians();
    let start = OrbitState {
        focus: Vec3::ZERO,
        heading: 20f32.to_radians(),
        tilt: 40f32.to_radians(),
        distance: 3000.0,
    }
    .clamped(&limits);
    commands.insert_resource(CameraSettings {
        limits,
        fov,
        orbit_speed: c.orbit_speed as f32,
        zoom_speed: c.zoom_speed as f32,
    });
    commands.spawn((
        MainCamera,
        Camera3d::default(),
        Projection::Perspective(PerspectiveProjection {
            fov,
            near: 1.0,
            far: 200_000.0,
            ..default()
        }),
        Transform::from_translation(start.eye()).looking_at(start.focus, Vec3::Y),
        OrbitCamera {
            current: start,
            target: start,
        },
    ));
}

/// Once the city is loaded: set the area the camera may roam, compute the views, go to the
/// start view.
fn prepare_views(
    city: Res<CityState>,
    settings: Res<Settings>,
    mut camera_settings: ResMut<CameraSettings>,
    mut views: ResMut<Views>,
    mut go: MessageWriter<GoToView>,
    camera: Single<&Camera, With<MainCamera>>,
    mut done: Local<bool>,
) {
    if *done {
        return;
    }
    let Some(model) = city.model.as_ref() else {
        return;
    };
    *done = true;
    // East/north bounds → x/z area (z = −north), with a margin to look around the edges.
    let b = model.bounds;
    let margin = 2_000.0;
    camera_settings.limits.area = [
        (b[0] - margin) as f32,
        (-b[3] - margin) as f32,
        (b[2] + margin) as f32,
        (-b[1] + margin) as f32,
    ];
    let aspect = camera
        .logical_viewport_size()
        .map_or(1.6, |s| s.x / s.y.max(1.0));
    // Frame the feet and tops of the buildings (a sample is enough).
    let step = (model.buildings.len() / 4000).max(1);
    let mut points = Vec::new();
    for building in model.buildings.iter().step_by(step) {
        let [e0, n0, e1, n1] = building.footprint.bbox();
        for (e, n) in [(e0, n0), (e1, n1), (e0, n1), (e1, n0)] {
            points.push(Vec3::new(e as f32, 0.0, -n as f32));
        }
        let c = building.footprint.center();
        points.push(Vec3::new(c[0] as f32, building.height as f32, -c[1] as f32));
    }
    let overview = OrbitState::framing_points(
        &points,
        (settings.camera.overview_heading_deg as f32).to_radians(),
        (settings.camera.overview_tilt_deg as f32).to_radians(),
        camera_settings.fov,
        aspect,
    )
    .clamped(&camera_settings.limits);
    views.views = vec![(OVERVIEW.to_owned(), overview)];
    for (name, [east, north]) in &model.view_points {
        let Some(v) = settings.views.get(name) else {
            continue;
        };
        let state = OrbitState {
            focus: Vec3::new(*east as f32, 0.0, -*north as f32),
            heading: (v.heading as f32).to_radians(),
            tilt: (v.tilt as f32).to_radians(),
            distance: v.distance as f32,
        };
        views
            .views
            .push((name.clone(), state.clamped(&camera_settings.limits)));
    }
    go.write(GoToView {
        name: settings.camera.start_view.clone(),
        instant: true,
    });
}

fn go_to_view(
    mut messages: MessageReader<GoToView>,
    views: Res<Views>,
    mut camera: Single<&mut OrbitCamera>,
) {
    for m in messages.read() {
        let Some((_, state)) = views.views.iter().find(|(n, _)| *n == m.name) else {
            warn!(
                "no view named {:?}; known views: {:?}",
                m.name,
                views.views.iter().map(|v| &v.0).collect::<Vec<_>>()
            );
            continue;
        };
        camera.target = *state;
        if m.instant {
            camera.current = *state;
        }
    }
}

/// Frames a building: keeps the heading, looks from 30° above the horizon, and backs away
/// until the whole building fits.
fn focus_building(
    mut messages: MessageReader<FocusBuilding>,
    city: Res<CityState>,
    settings: Res<CameraSettings>,
    mut camera: Single<(&Camera, &mut OrbitCamera), With<MainCamera>>,
) {
    let Some(FocusBuilding(i)) = messages.read().last().copied() else {
        return;
    };
    let Some(b) = city.model.as_ref().and_then(|m| m.buildings.get(i)) else {
        return;
    };
    let [e0, n0, e1, n1] = b.footprint.bbox();
    let mut points = Vec::new();
    for (e, n) in [(e0, n0), (e1, n1), (e0, n1), (e1, n0)] {
        for y in [0.0, b.height] {
            points.push(Vec3::new(e as f32, y as f32, -n as f32));
        }
    }
    let aspect = camera
        .0
        .logical_viewport_size()
        .map_or(1.6, |s| s.x / s.y.max(1.0));
    let heading = camera.1.target.heading;
    let mut state =
        OrbitState::framing_points(&points, heading, 30f32.to_radians(), settings.fov, aspect);
    // Leave room around the building so its neighbours show.
    state.distance *= 1.3;
    camera.1.target = state.clamped(&settings.limits);
}

/// What the mouse is doing across frames.
#[derive(Resource, Debug, Default)]
pub struct DragState {
    /// Where the left/right/middle button went down, if it went down over the 3D view.
    press: Option<(MouseButton, Vec2)>,
    /// Cursor position last frame.
    last: Option<Vec2>,
    /// Whether the press has turned into a drag (moved more than a few pixels).
    dragging: bool,
}

impl DragState {
    /// Whether a press is under way that has not (yet) become a drag: a click candidate.
    pub fn is_click_candidate(&self) -> bool {
        self.press.is_some() && !self.dragging
    }
}

/// Pixels a press may move and still count as a click.
pub const CLICK_SLOP: f32 = 4.0;

#[allow(
    clippy::too_many_arguments,
    reason = "a Bevy system reading several inputs"
)]
fn mouse_control(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    scroll: Res<AccumulatedMouseScroll>,
    egui: Res<EguiWantsInput>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Camera, &GlobalTransform, &mut OrbitCamera), With<MainCamera>>,
    settings: Res<CameraSettings>,
    mut drag: ResMut<DragState>,
) {
    let (cam, cam_transform, mut orbit) = camera.into_inner();
    let cursor = window.cursor_position();
    for button in [MouseButton::Left, MouseButton::Right, MouseButton::Middle] {
        if buttons.just_pressed(button) && !egui.wants_any_pointer_input() {
            drag.press = cursor.map(|c| (button, c));
            drag.dragging = false;
        }
    }
    let Some((button, pressed_at)) = drag.press else {
        drag.last = cursor;
        handle_wheel(
            &scroll,
            &egui,
            cursor,
            cam,
            cam_transform,
            &mut orbit,
            &settings,
        );
        return;
    };
    if !buttons.pressed(button) {
        drag.press = None;
        drag.dragging = false;
        drag.last = cursor;
        return;
    }
    let (Some(now), Some(last)) = (cursor, drag.last) else {
        drag.last = cursor;
        return;
    };
    drag.last = Some(now);
    if !drag.dragging && now.distance(pressed_at) > CLICK_SLOP {
        drag.dragging = true;
    }
    if !drag.dragging {
        return;
    }
    let delta = now - last;
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    let height = cam.logical_viewport_size().map_or(800.0, |s| s.y);
    let mut target = orbit.target;
    if button == MouseButton::Left && !shift {
        target.orbit(delta.x, delta.y, settings.orbit_speed);
    } else {
        let mpp = target.metres_per_pixel(settings.fov, height);
        target.pan(delta.x, delta.y, mpp);
    }
    orbit.target = target.clamped(&settings.limits);
}

fn handle_wheel(
    scroll: &AccumulatedMouseScroll,
    egui: &EguiWantsInput,
    cursor: Option<Vec2>,
    cam: &Camera,
    cam_transform: &GlobalTransform,
    orbit: &mut OrbitCamera,
    settings: &CameraSettings,
) {
    if scroll.delta.y == 0.0 || egui.wants_any_pointer_input() {
        return;
    }
    let notches = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 60.0,
    };
    let factor = (1.0 - settings.zoom_speed).powf(notches);
    let anchor = cursor
        .and_then(|c| cam.viewport_to_world(cam_transform, c).ok())
        .and_then(|ray| ground_hit(ray.origin, *ray.direction));
    let mut target = orbit.target;
    target.zoom(factor, anchor, &settings.limits);
    orbit.target = target.clamped(&settings.limits);
}

fn touch_control(
    touches: Res<Touches>,
    egui: Res<EguiWantsInput>,
    camera: Single<(&Camera, &GlobalTransform, &mut OrbitCamera), With<MainCamera>>,
    settings: Res<CameraSettings>,
) {
    let active: Vec<_> = touches.iter().collect();
    if active.is_empty()
        || (egui.wants_any_pointer_input() && touches.iter_just_pressed().next().is_some())
    {
        return;
    }
    let (cam, cam_transform, mut orbit) = camera.into_inner();
    let mut target = orbit.target;
    match active.as_slice() {
        [one] => {
            // Ignore tiny moves so a tap stays a tap (the buildings plugin picks on taps).
            if one.distance().length() > CLICK_SLOP * 2.0 {
                let d = one.delta();
                target.orbit(d.x, d.y, settings.orbit_speed);
            }
        }
        [a, b, ..] => {
            let (now_a, now_b) = (a.position(), b.position());
            let (was_a, was_b) = (a.previous_position(), b.previous_position());
            let centre = (now_a + now_b) / 2.0;
            let moved = centre - (was_a + was_b) / 2.0;
            let height = cam.logical_viewport_size().map_or(800.0, |s| s.y);
            let mpp = target.metres_per_pixel(settings.fov, height);
            target.pan(moved.x, moved.y, mpp);
            let (before, after) = (was_a.distance(was_b), now_a.distance(now_b));
            if before > 1.0 && after > 1.0 {
                let anchor = cam
                    .viewport_to_world(cam_transform, centre)
                    .ok()
                    .and_then(|ray| ground_hit(ray.origin, *ray.direction));
                target.zoom(before / after, anchor, &settings.limits);
            }
        }
        [] => {}
    }
    orbit.target = target.clamped(&settings.limits);
}

fn keyboard_control(
    keys: Res<ButtonInput<KeyCode>>,
    egui: Res<EguiWantsInput>,
    time: Res<Time>,
    mut camera: Single<&mut OrbitCamera>,
    settings: Res<CameraSettings>,
    mut go: MessageWriter<GoToView>,
) {
    if egui.wants_any_keyboard_input() {
        return;
    }
    if keys.just_pressed(KeyCode::Home) {
        go.write(GoToView {
            name: OVERVIEW.to_owned(),
            instant: false,
        });
        return;
    }
    let dt = time.delta_secs().min(0.1);
    let axis = |neg: &[KeyCode], pos: &[KeyCode]| -> f32 {
        f32::from(u8::from(keys.any_pressed(pos.iter().copied())))
            - f32::from(u8::from(keys.any_pressed(neg.iter().copied())))
    };
    let right = axis(
        &[KeyCode::ArrowLeft, KeyCode::KeyA],
        &[KeyCode::ArrowRight, KeyCode::KeyD],
    );
    let forward = axis(
        &[KeyCode::ArrowDown, KeyCode::KeyS],
        &[KeyCode::ArrowUp, KeyCode::KeyW],
    );
    let turn = axis(&[KeyCode::KeyE], &[KeyCode::KeyQ]);
    let tilt = axis(&[KeyCode::KeyF], &[KeyCode::KeyR]);
    let zoom = axis(
        &[KeyCode::Equal, KeyCode::NumpadAdd],
        &[KeyCode::Minus, KeyCode::NumpadSubtract],
    );
    if right == 0.0 && forward == 0.0 && turn == 0.0 && tilt == 0.0 && zoom == 0.0 {
        return;
    }
    let mut t = camera.target;
    // Pan at half the view distance per second, turn at 60°/s, tilt at 30°/s.
    let speed = t.distance * 0.5 * dt;
    t.focus += (t.right_flat() * right + t.forward_flat() * forward) * speed;
    t.heading += turn * 60f32.to_radians() * dt;
    t.tilt += tilt * 30f32.to_radians() * dt;
    t.zoom((1.0 + zoom * dt * 1.5).max(0.1), None, &settings.limits);
    camera.target = t.clamped(&settings.limits);
}

fn follow_target(
    time: Res<Time>,
    mut camera: Single<(&mut OrbitCamera, &mut Transform), With<MainCamera>>,
) {
    let (ref mut orbit, ref mut transform) = *camera;
    let s = 1.0 - (-time.delta_secs() * 10.0).exp();
    let next = if orbit.current == orbit.target {
        orbit.target
    } else {
        orbit.current.lerp(&orbit.target, s)
    };
    orbit.current = next;
    let eye = next.eye();
    let wanted = Transform::from_translation(eye).looking_at(next.focus, Vec3::Y);
    if **transform != wanted {
        **transform = wanted;
    }
}

/// Keeps the 3D view to the right of the side panel, so the city is centred in what is seen.
fn apply_viewport(
    insets: Res<ViewportInsets>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Single<&mut Camera, With<MainCamera>>,
) {
    let scale = window.scale_factor();
    let left = (insets.left * scale).round() as u32;
    let size = UVec2::new(window.physical_width(), window.physical_height());
    if left == 0 || left + 16 >= size.x || size.y == 0 {
        if camera.viewport.is_some() {
            camera.viewport = None;
        }
        return;
    }
    let wanted = Viewport {
        physical_position: UVec2::new(left, 0),
        physical_size: UVec2::new(size.x - left, size.y),
        ..default()
    };
    let same = camera.viewport.as_ref().is_some_and(|v| {
        v.physical_position == wanted.physical_position && v.physical_size == wanted.physical_size
    });
    if !same {
        camera.viewport = Some(wanted);
    }
}
