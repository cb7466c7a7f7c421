//! The orbit camera: mouse, touch and keyboard control, named views, smooth motion.
//!
//! | input | action |
//! |---|---|
//! | left drag, one finger | orbit (turn and tilt) |
//! | right or middle drag, Shift + left drag, two fingers | pan |
//! | wheel, pinch, `+` / `−` | zoom (toward the cursor) |
//! | arrows / WASD | pan; `Q` / `E` turn; `R` / `F` tilt; `Home` the overview |
//!
//! All motion goes through `orbit::OrbitState::clamped`, so the camera never goes under the
//! ground, through its focus, or upside down.

mod compare;
pub mod target;

use crate::config::{MsaaSetting, OVERVIEW};
use crate::scene::orbit::{OrbitLimits, OrbitState};
use crate::scene::{
    self, CityState, EditTool, FocusBuilding, FocusPoint, GoToView, MainCamera, OrbitCamera,
    PointerCapture, SceneSet, ScreenshotMode, Settings, ViewArea, ViewClicked, ViewMapping, Views,
};
use bevy::input::mouse::{AccumulatedMouseScroll, MouseScrollUnit};
use bevy::input::touch::Touches;
use bevy::prelude::*;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::render::view::Msaa;
use bevy::window::{PrimaryWindow, RequestRedraw};
use bevy_egui::input::EguiWantsInput;
use std::f32::consts::{PI, TAU};
use target::RenderScale;

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

/// The camera and its controls.
pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.init_resource::<RenderScale>()
            .init_resource::<DragState>()
            .add_systems(Startup, (spawn_camera, target::setup_target).chain())
            .add_systems(PostStartup, (adapt_to_renderer, target::choose_scale))
            .add_systems(
                Update,
                (
                    prepare_views,
                    go_to_view,
                    (focus_building, focus_point),
                    (mouse_control, touch_control, keyboard_control),
                    follow_target,
                    target::update_target,
                    detect_clicks,
                )
                    .chain()
                    .in_set(SceneSet::Input),
            )
            .add_systems(
                Update,
                (compare::follow_target, compare::compare_cameras)
                    .chain()
                    .in_set(SceneSet::Show),
            );
    }
}

/// Writes [`ViewClicked`] for a left-button release that did not drag, or a one-finger tap,
/// that did not start over the UI.
fn detect_clicks(
    buttons: Res<ButtonInput<MouseButton>>,
    touches: Res<bevy::input::touch::Touches>,
    drag: Res<DragState>,
    egui: Res<bevy_egui::input::EguiWantsInput>,
    window: Single<&Window, With<bevy::window::PrimaryWindow>>,
    mut clicked: MessageWriter<ViewClicked>,
    mut press_was_click: Local<bool>,
    capture: Res<PointerCapture>,
) {
    // A tool that holds the pointer (dragging a building) makes its own clicks.
    if capture.0 {
        *press_was_click = false;
        return;
    }
    if buttons.just_pressed(MouseButton::Left) {
        *press_was_click = !egui.wants_any_pointer_input();
    }
    if buttons.pressed(MouseButton::Left) && !drag.is_click_candidate() {
        *press_was_click = false;
    }
    if buttons.just_released(MouseButton::Left) && *press_was_click {
        if let Some(at) = window.cursor_position() {
            clicked.write(ViewClicked(at));
        }
        *press_was_click = false;
    }
    for t in touches.iter_just_released() {
        if t.distance().length() <= CLICK_SLOP * 2.0
            && touches.iter().next().is_none()
            && !egui.wants_any_pointer_input()
        {
            clicked.write(ViewClicked(t.position()));
        }
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
        // Drawn before the UI camera, which shows its picture.
        Camera {
            order: -1,
            ..default()
        },
        match settings.render.msaa {
            MsaaSetting::Off => Msaa::Off,
            MsaaSetting::Samples(2) => Msaa::Sample2,
            MsaaSetting::Samples(8) => Msaa::Sample8,
            MsaaSetting::Auto | MsaaSetting::Samples(_) => Msaa::Sample4,
        },
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

/// On a software renderer (Mesa's lavapipe, SwiftShader, WARP) multisampling roughly doubles
/// the frame time, so with `render.msaa = "auto"` it is switched off there (except in
/// screenshot mode).
fn adapt_to_renderer(
    settings: Res<Settings>,
    adapter: Option<Res<RenderAdapterInfo>>,
    screenshot: Option<Res<ScreenshotMode>>,
    mut cameras: Query<&mut Msaa, With<MainCamera>>,
) {
    // A screenshot is one frame: quality comes before speed.
    let (Some(adapter), None) = (adapter, screenshot) else {
        return;
    };
    let software = format!("{:?}", adapter.device_type) == "Cpu";
    if software && settings.render.msaa == MsaaSetting::Auto {
        info!(
            "software renderer ({}): anti-aliasing off for speed (render.msaa = 4 turns it on)",
            adapter.name
        );
        for mut msaa in &mut cameras {
            *msaa = Msaa::Off;
        }
    }
}

/// Once the city is loaded: set the area the camera may roam, compute the views, go to the
/// start view.
fn prepare_views(
    city: Res<CityState>,
    settings: Res<Settings>,
    mut camera_settings: ResMut<CameraSettings>,
    mut views: ResMut<Views>,
    mut go: MessageWriter<GoToView>,
    area: Res<ViewArea>,
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
    let aspect = area.aspect();
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
    area: Res<ViewArea>,
    mut camera: Single<&mut OrbitCamera, With<MainCamera>>,
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
    let aspect = area.aspect();
    let heading = camera.target.heading;
    let mut state =
        OrbitState::framing_points(&points, heading, 30f32.to_radians(), settings.fov, aspect);
    // Leave room around the building so its neighbours show.
    state.distance *= 1.3;
    camera.target = state.clamped(&settings.limits);
}

/// Brings a point into view: looks at it (on the ground below it) from the distance asked,
/// keeping the heading, 35° above the horizon.
fn focus_point(
    mut messages: MessageReader<FocusPoint>,
    settings: Res<CameraSettings>,
    mut camera: Single<&mut OrbitCamera, With<MainCamera>>,
) {
    let Some(m) = messages.read().last().copied() else {
        return;
    };
    let state = OrbitState {
        focus: Vec3::new(m.point.x, 0.0, m.point.z),
        heading: camera.target.heading,
        tilt: 35f32.to_radians(),
        distance: m.distance + m.point.y,
    };
    camera.target = state.clamped(&settings.limits);
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

    /// Whether a drag is under way.
    pub fn is_dragging(&self) -> bool {
        self.press.is_some() && self.dragging
    }
}

/// Pixels a press may move and still count as a click.
pub const CLICK_SLOP: f32 = 4.0;

fn mouse_control(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    scroll: Res<AccumulatedMouseScroll>,
    egui: Res<EguiWantsInput>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Camera, &GlobalTransform, &mut OrbitCamera), With<MainCamera>>,
    settings: Res<CameraSettings>,
    mut drag: ResMut<DragState>,
    view: ViewMapping,
    capture: Res<PointerCapture>,
) {
    let (cam, cam_transform, mut orbit) = camera.into_inner();
    let cursor = window.cursor_position();
    if capture.0 {
        // A tool drags something: the camera stays where it is.
        drag.press = None;
        drag.dragging = false;
        drag.last = cursor;
        return;
    }
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
            (cam, cam_transform),
            &mut orbit,
            &settings,
            &view,
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
    let height = view.area.size.y;
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
    (cam, cam_transform): (&Camera, &GlobalTransform),
    orbit: &mut OrbitCamera,
    settings: &CameraSettings,
    view: &ViewMapping,
) {
    if scroll.delta.y == 0.0 || egui.wants_any_pointer_input() {
        return;
    }
    let notches = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 60.0,
    };
    let factor = (1.0 - settings.zoom_speed).powf(notches);
    let anchor = cursor.and_then(|c| view.ground_point(cam, cam_transform, c));
    let mut target = orbit.target;
    target.zoom(factor, anchor, &settings.limits);
    orbit.target = target.clamped(&settings.limits);
}

fn touch_control(
    touches: Res<Touches>,
    egui: Res<EguiWantsInput>,
    camera: Single<(&Camera, &GlobalTransform, &mut OrbitCamera), With<MainCamera>>,
    settings: Res<CameraSettings>,
    view: ViewMapping,
    capture: Res<PointerCapture>,
) {
    let active: Vec<_> = touches.iter().collect();
    if active.is_empty()
        || capture.0
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
            let mpp = target.metres_per_pixel(settings.fov, view.area.size.y);
            target.pan(moved.x, moved.y, mpp);
            let (before, after) = (was_a.distance(was_b), now_a.distance(now_b));
            if before > 1.0 && after > 1.0 {
                let anchor = view.ground_point(cam, cam_transform, centre);
                target.zoom(before / after, anchor, &settings.limits);
                // Twist: the fingers turning clockwise on the screen turn the city with them
                // (the view's heading the other way), round the point between them.
                let twist = (now_b - now_a).to_angle() - (was_b - was_a).to_angle();
                let twist = (twist + PI).rem_euclid(TAU) - PI;
                if twist.abs() > 1e-4 {
                    target.turn(-twist, anchor);
                }
            }
        }
        [] => {}
    }
    orbit.target = target.clamped(&settings.limits);
}

#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn keyboard_control(
    keys: Res<ButtonInput<KeyCode>>,
    egui: Res<EguiWantsInput>,
    time: Res<Time>,
    mut camera: Single<&mut OrbitCamera>,
    settings: Res<CameraSettings>,
    mut go: MessageWriter<GoToView>,
    (tool, area): (Res<EditTool>, Res<ViewArea>),
    mut clicked: MessageWriter<ViewClicked>,
) {
    if egui.wants_any_keyboard_input() {
        return;
    }
    // With a tool that picks points (measuring, a comment's spot), Enter picks the middle of
    // the view, where a crosshair shows: the keyboard's click.
    if tool.tool.picks_points() && keys.any_just_pressed([KeyCode::Enter, KeyCode::NumpadEnter]) {
        clicked.write(ViewClicked(area.min + area.size / 2.0));
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

/// The least height (m) of the eye above a terrain.
const ABOVE_TERRAIN_M: f32 = 3.0;

fn follow_target(
    time: Res<Time>,
    camera: Single<(&mut OrbitCamera, &mut Transform), With<MainCamera>>,
    mut redraw: MessageWriter<RequestRedraw>,
    terrain: Option<Res<crate::scene::TerrainState>>,
) {
    let (mut orbit, mut transform) = camera.into_inner();
    // Ease toward the target; snap once within a centimetre and a hundredth of a degree.
    let s = 1.0 - (-time.delta_secs().min(0.25) * 10.0).exp();
    let mut next = orbit.current.lerp(&orbit.target, s);
    if next.approx_eq(&orbit.target) {
        next = orbit.target;
    } else {
        // Keep frames coming until the motion has settled (the app draws on demand).
        redraw.write(RequestRedraw);
    }
    if orbit.current != next {
        orbit.current = next;
    }
    let (mut eye, mut focus) = (next.eye(), next.focus);
    if let Some(terrain) = terrain.filter(|t| t.grid.is_some()) {
        // On a terrain the orbit turns around the ground under its focus, and the eye stays
        // a little above the ground under it.
        let lift = terrain.height_at(focus.x, focus.z);
        eye.y += lift;
        focus.y += lift;
        eye.y = eye.y.max(terrain.height_at(eye.x, eye.z) + ABOVE_TERRAIN_M);
    }
    let wanted = Transform::from_translation(eye).looking_at(focus, Vec3::Y);
    if *transform != wanted {
        *transform = wanted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use bevy::input::ButtonState;
    use bevy::input::mouse::MouseButtonInput;
    use bevy::input::touch::{TouchInput, TouchPhase};
    use std::sync::Arc;

    /// A headless app with the camera plugin and real input processing (no window system,
    /// no GPU): input goes in as the messages winit would send.
    fn app() -> (App, Entity) {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::input::InputPlugin, CameraPlugin))
            .insert_resource(Settings(Arc::new(Config::default())))
            .init_resource::<EguiWantsInput>();
        let window = app
            .world_mut()
            .spawn((Window::default(), PrimaryWindow))
            .id();
        app.update();
        (app, window)
    }

    fn orbit(app: &mut App) -> OrbitState {
        let mut q = app.world_mut().query::<&OrbitCamera>();
        q.single(app.world()).unwrap().target
    }

    fn touch(app: &mut App, window: Entity, id: u64, phase: TouchPhase, x: f32, y: f32) {
        app.world_mut().write_message(TouchInput {
            phase,
            position: Vec2::new(x, y),
            window,
            force: None,
            id,
        });
    }

    fn set_cursor(app: &mut App, window: Entity, x: f32, y: f32) {
        app.world_mut()
            .get_mut::<Window>(window)
            .unwrap()
            .set_cursor_position(Some(Vec2::new(x, y)));
    }

    fn button(app: &mut App, window: Entity, button: MouseButton, state: ButtonState) {
        app.world_mut().write_message(MouseButtonInput {
            button,
            state,
            window,
        });
    }

    #[test]
    fn left_drag_orbits_and_right_drag_pans() {
        let (mut app, window) = app();
        let before = orbit(&mut app);
        set_cursor(&mut app, window, 400.0, 300.0);
        button(&mut app, window, MouseButton::Left, ButtonState::Pressed);
        app.update();
        for i in 1..=10 {
            set_cursor(&mut app, window, 400.0 + 10.0 * i as f32, 300.0);
            app.update();
        }
        button(&mut app, window, MouseButton::Left, ButtonState::Released);
        app.update();
        let after = orbit(&mut app);
        let turned = (after.heading - before.heading).rem_euclid(std::f32::consts::TAU);
        assert!(
            (turned.to_degrees() - (360.0 - 25.0)).abs() < 3.0,
            "100 px at 0.25°/px: {}",
            turned.to_degrees()
        );
        assert_eq!(after.focus, before.focus, "orbiting keeps the focus");

        set_cursor(&mut app, window, 400.0, 300.0);
        button(&mut app, window, MouseButton::Right, ButtonState::Pressed);
        app.update();
        for i in 1..=10 {
            set_cursor(&mut app, window, 400.0, 300.0 + 10.0 * i as f32);
            app.update();
        }
        button(&mut app, window, MouseButton::Right, ButtonState::Released);
        app.update();
        let panned = orbit(&mut app);
        assert!(
            panned.focus.distance(after.focus) > 10.0,
            "right-drag pans: {:?}",
            panned.focus
        );
        assert!(
            (panned.heading - after.heading).abs() < 1e-5
                && (panned.distance - after.distance).abs() < 1e-3
        );
    }

    #[test]
    fn the_wheel_zooms() {
        let (mut app, window) = app();
        let before = orbit(&mut app);
        set_cursor(&mut app, window, 640.0, 400.0);
        app.world_mut()
            .write_message(bevy::input::mouse::MouseWheel {
                unit: MouseScrollUnit::Line,
                x: 0.0,
                y: 2.0,
                window,
                phase: bevy::input::touch::TouchPhase::Moved,
            });
        app.update();
        let after = orbit(&mut app);
        let expected = before.distance * (1.0 - 0.12_f32).powi(2);
        assert!(
            (after.distance - expected).abs() < 1.0,
            "{} → {} (expected {expected})",
            before.distance,
            after.distance
        );
    }

    #[test]
    fn a_click_without_motion_does_not_move_the_camera() {
        let (mut app, window) = app();
        let before = orbit(&mut app);
        set_cursor(&mut app, window, 400.0, 300.0);
        button(&mut app, window, MouseButton::Left, ButtonState::Pressed);
        app.update();
        set_cursor(&mut app, window, 402.0, 301.0); // within the click slop
        app.update();
        button(&mut app, window, MouseButton::Left, ButtonState::Released);
        app.update();
        assert_eq!(orbit(&mut app), before);
    }

    #[test]
    fn one_finger_orbits_and_never_goes_under_the_ground() {
        let (mut app, window) = app();
        let before = orbit(&mut app);
        touch(&mut app, window, 1, TouchPhase::Started, 500.0, 400.0);
        app.update();
        // Drag far downwards and upwards: the tilt stays within its limits.
        for i in 1..=40 {
            touch(
                &mut app,
                window,
                1,
                TouchPhase::Moved,
                500.0 + 5.0 * i as f32,
                400.0 - 40.0 * i as f32,
            );
            app.update();
            let s = orbit(&mut app);
            assert!(
                s.eye().y > 0.0 && s.tilt >= 6f32.to_radians() - 1e-4,
                "{s:?}"
            );
        }
        touch(&mut app, window, 1, TouchPhase::Ended, 700.0, -1200.0);
        app.update();
        let after = orbit(&mut app);
        assert!(
            (after.heading - before.heading).abs() > 0.1,
            "one finger turns the view"
        );
        assert_eq!(after.focus, before.focus, "one finger does not pan");
    }

    #[test]
    fn two_fingers_pinch_to_zoom_and_move_to_pan() {
        let (mut app, window) = app();
        let before = orbit(&mut app);
        touch(&mut app, window, 1, TouchPhase::Started, 400.0, 400.0);
        touch(&mut app, window, 2, TouchPhase::Started, 600.0, 400.0);
        app.update();
        // Spread the fingers from 200 px to 400 px apart: zoom in by half.
        for i in 1..=10 {
            let d = 10.0 * i as f32;
            touch(&mut app, window, 1, TouchPhase::Moved, 400.0 - d, 400.0);
            touch(&mut app, window, 2, TouchPhase::Moved, 600.0 + d, 400.0);
            app.update();
        }
        let pinched = orbit(&mut app);
        assert!(
            (pinched.distance / before.distance - 0.5).abs() < 0.02,
            "{} → {}",
            before.distance,
            pinched.distance
        );
        assert!(
            (pinched.heading - before.heading).abs() < 1e-5,
            "pinching does not turn"
        );
        // Move both fingers together: pan.
        for i in 1..=10 {
            let d = 10.0 * i as f32;
            touch(&mut app, window, 1, TouchPhase::Moved, 300.0 + d, 400.0);
            touch(&mut app, window, 2, TouchPhase::Moved, 700.0 + d, 400.0);
            app.update();
        }
        let panned = orbit(&mut app);
        assert!(
            panned.focus.distance(pinched.focus) > 5.0,
            "two fingers pan"
        );
        assert!(
            (panned.distance - pinched.distance).abs() / pinched.distance < 0.01,
            "no zoom while panning"
        );
    }

    #[test]
    fn two_fingers_twisting_turn_the_view() {
        let (mut app, window) = app();
        let before = orbit(&mut app);
        let (cx, cy, r) = (500.0, 400.0, 100.0);
        touch(&mut app, window, 1, TouchPhase::Started, cx - r, cy);
        touch(&mut app, window, 2, TouchPhase::Started, cx + r, cy);
        app.update();
        // Turn the fingers 30° clockwise on the screen (y grows downwards), 3° a frame.
        for i in 1..=10 {
            let a = (3.0 * i as f32).to_radians();
            let (dx, dy) = (r * a.cos(), r * a.sin());
            touch(&mut app, window, 1, TouchPhase::Moved, cx - dx, cy - dy);
            touch(&mut app, window, 2, TouchPhase::Moved, cx + dx, cy + dy);
            app.update();
        }
        let after = orbit(&mut app);
        let turned = (after.heading - before.heading + PI).rem_euclid(TAU) - PI;
        assert!(
            (turned.to_degrees() + 30.0).abs() < 0.5,
            "the city turns with the fingers, the view the other way: {}°",
            turned.to_degrees()
        );
        assert!(
            (after.distance - before.distance).abs() / before.distance < 1e-3,
            "twisting does not zoom"
        );
    }

    #[test]
    fn the_configured_views_put_the_camera_in_the_open() {
        // Every named view of the default configuration starts outside all buildings of the
        // demo district (not inside a tower).
        let config = Config::default();
        let model = crate::city::load(&crate::source::Source::Demo, &config).unwrap();
        assert_eq!(
            model.view_points.len(),
            config.views.len(),
            "all views lie in the district"
        );
        for (name, [east, north]) in &model.view_points {
            let v = &config.views[name];
            let state = OrbitState {
                focus: Vec3::new(*east as f32, 0.0, -*north as f32),
                heading: (v.heading as f32).to_radians(),
                tilt: (v.tilt as f32).to_radians(),
                distance: v.distance as f32,
            };
            let eye = state.eye();
            let down = crate::geometry::pick::Ray {
                origin: [f64::from(eye.x), 2_000.0, f64::from(eye.z)],
                direction: [0.0, -1.0, 0.0],
            };
            if let Some(i) = model.pick(&down) {
                let b = &model.buildings[i];
                assert!(
                    b.height < f64::from(eye.y),
                    "view {name}: the camera is inside {} ({} m)",
                    b.title(),
                    b.height
                );
            }
        }
    }
}
