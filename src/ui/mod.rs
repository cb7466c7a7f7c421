//! The egui interface: a side panel with the data summary, layers, views and the inspector,
//! the time panel under the view, labels and legends over it, and an About window with the
//! data's attribution.
//!
//! The UI only reads the scene's state ([`crate::scene`]: the city, the selection, layers,
//! views, sensors, the clock) and sends messages back through `UiOutbox`; it never reaches
//! into a plugin or a source. One file per part: `side_panel`, `inspector`,
//! `time_panel`, `overlay` (labels, legends, status line, About), `widgets`.

mod comments;
mod controls;
mod editing;
mod inspector;
mod kiosk;
pub mod look;
mod measure;
mod overlay;
mod scenarios;
mod side_panel;
mod street_names;
mod sun_row;
mod sun_study;
mod time_panel;
mod widgets;

use crate::scene::{ActivateScenario, MoveDivider, Scenarios, SetCompare, ToggleScenario};
use crate::scene::{
    BuildingStyle, CityState, ClockCommand, GoToView, LastPicture, Layers, LiveState, MainCamera,
    ReloadCity, SavePicture, SceneClock, SceneSource, SelectBuilding, SelectSensor, SelectedSensor,
    Selection, SensorHistory, SensorLayers, SensorMarker, SensorReplay, SetBuildingStyle,
    SetLayerVisible, SetShadows, Settings, ViewArea, ViewImage, Views, color,
};
use crate::scene::{CompareCamera, EditTool};
use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiPrimaryContextPass, PrimaryEguiContext, egui,
};
use std::sync::Arc;

/// Width of the side panel in logical pixels.
pub const SIDE_PANEL_WIDTH: f32 = 320.0;

/// What the interface shows.
#[derive(Resource, Debug, Clone)]
pub struct UiState {
    /// The side panel is open.
    pub side_panel: bool,
    /// The About window is open.
    pub about: bool,
    /// Shadows are on (mirrors the sun).
    pub shadows: bool,
    /// The KPI window is open.
    pub kpis: bool,
    /// Where the KPIs were last exported, or why they could not be.
    pub kpi_export: Option<Result<String, String>>,
    /// "Save as": the name being typed.
    pub save_as: Option<String>,
    /// A building's floors and height while their slider is dragged (id, floors, height).
    pub editing_building: Option<(String, f64, f64)>,
    /// The sun-hours study window is open.
    pub sun_study: bool,
    /// The study result last seen (its address), to open the window on a new one.
    pub study_seen: Option<usize>,
    /// The comment being typed.
    pub typing: comments::Typing,
    /// Running as a kiosk: no Reload, no Save picture.
    pub kiosk: bool,
    /// The PIN being entered on the kiosk's PIN pad (never stored elsewhere).
    pub pin_entry: String,
    /// How the interface looks now (size, contrast, touch layout).
    pub look: look::Look,
    /// The look last given to egui.
    look_applied: Option<look::Look>,
    /// The kiosk resets seen (a reset brings the configured look back).
    resets_seen: u64,
    /// The interface's language this frame (from the scene's [`crate::scene::UiLanguage`]).
    pub language: crate::language::Language,
}

/// The look the configuration asks for.
fn configured_look(settings: &Settings) -> look::Look {
    look::Look {
        scale: settings.ui.font_scale as f32,
        high_contrast: settings.ui.high_contrast,
        touch: settings.kiosk.enabled,
    }
}

/// The egui interface.
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, setup)
            .add_systems(
                PreUpdate,
                drop_unchanged_modifiers
                    .after(bevy_egui::EguiPreUpdateSet::ProcessInput)
                    .before(bevy_egui::EguiPreUpdateSet::BeginPass),
            )
            .add_systems(
                PostUpdate,
                redraw_after_new_glyphs
                    .after(bevy_egui::EguiPostUpdateSet::ProcessOutput)
                    .before(bevy_egui::EguiPostUpdateSet::PostProcessOutput),
            )
            .add_systems(EguiPrimaryContextPass, ui);
        // `--controls`: the AccessKit tree written to a file.
        let report = resource_exists::<crate::scene::ControlsReport>;
        app.add_systems(
            EguiPrimaryContextPass,
            controls::ask_for_the_tree.before(ui).run_if(report),
        )
        .add_systems(
            PostUpdate,
            controls::write
                .after(bevy_egui::EguiPostUpdateSet::ProcessOutput)
                .run_if(report),
        );
    }
}

/// When egui adds glyphs (or images) to its textures, the new texels reach the GPU a frame
/// later: draw once more, or text drawn on demand would show gaps until the next redraw.
fn redraw_after_new_glyphs(
    outputs: Query<&bevy_egui::EguiRenderOutput>,
    mut redraw: MessageWriter<bevy::window::RequestRedraw>,
) {
    if outputs.iter().any(|o| !o.textures_delta.set.is_empty()) {
        redraw.write(bevy::window::RequestRedraw);
    }
}

/// bevy_egui 0.42 tells egui the modifier keys' state as an event every frame; egui takes any
/// event as a reason to draw again, so the window would redraw continuously (two CPU cores on
/// a software renderer, for a viewer showing nothing new). Only changes are passed on.
fn drop_unchanged_modifiers(
    mut inputs: Query<&mut bevy_egui::EguiInput>,
    mut last: Local<Option<egui::Modifiers>>,
) {
    for mut input in &mut inputs {
        input.0.events.retain(|e| match e {
            egui::Event::ModifiersChanged(m) => {
                let changed = *last != Some(*m);
                *last = Some(*m);
                changed
            }
            _ => true,
        });
    }
}

fn setup(
    mut commands: Commands,
    settings: Res<Settings>,
    mut egui_settings: ResMut<EguiGlobalSettings>,
) {
    // The UI has its own camera over the whole window: it draws the panels and, beside them,
    // the picture the 3D camera rendered (see `camera::target`).
    egui_settings.auto_create_primary_context = false;
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            clear_color: ClearColorConfig::Custom(color(&settings.scene.sky_horizon_color)),
            ..default()
        },
    ));
    commands.insert_resource(UiState {
        side_panel: settings.ui.side_panel,
        about: false,
        shadows: settings.sun.shadows,
        kpis: false,
        kpi_export: None,
        save_as: None,
        editing_building: None,
        sun_study: false,
        study_seen: None,
        typing: Default::default(),
        kiosk: settings.kiosk.enabled,
        pin_entry: String::new(),
        look: configured_look(&settings),
        look_applied: None,
        resets_seen: 0,
        language: settings.ui.language(),
    });
}

/// Messages the UI may send in one frame.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct UiOutbox<'w> {
    select: MessageWriter<'w, SelectBuilding>,
    layer: MessageWriter<'w, SetLayerVisible>,
    view: MessageWriter<'w, GoToView>,
    shadows: MessageWriter<'w, SetShadows>,
    picture: MessageWriter<'w, SavePicture>,
    reload: MessageWriter<'w, ReloadCity>,
    sensor: MessageWriter<'w, SelectSensor>,
    clock: MessageWriter<'w, ClockCommand>,
    style: MessageWriter<'w, SetBuildingStyle>,
    scenario: MessageWriter<'w, ActivateScenario>,
    compare: MessageWriter<'w, SetCompare>,
    toggle: MessageWriter<'w, ToggleScenario>,
    divider: MessageWriter<'w, MoveDivider>,
    study: MessageWriter<'w, crate::scene::SunStudyCommand>,
    measure: MessageWriter<'w, crate::scene::MeasureCommand>,
    comments: MessageWriter<'w, crate::scene::CommentCommand>,
    still_here: MessageWriter<'w, crate::scene::StillHere>,
    leave: MessageWriter<'w, crate::scene::LeaveKiosk>,
    language: MessageWriter<'w, crate::scene::SetLanguage>,
    edit: editing::EditOutbox<'w>,
}

/// A camera drawing (part of) the 3D view, and the part of the window it draws.
pub(crate) struct ViewCamera<'a> {
    camera: &'a Camera,
    transform: &'a GlobalTransform,
    area: ViewArea,
    image: Option<ViewImage>,
    /// The part of the window it draws, in egui's points.
    clip: egui::Rect,
    /// Logical pixels per point.
    zoom: f32,
}

impl ViewCamera<'_> {
    /// Where a point of the scene appears in the window (in egui's points), if in this
    /// camera's part of it.
    fn to_window(&self, world: Vec3) -> Option<Vec2> {
        let p = crate::scene::world_to_window(
            &self.area,
            self.image.as_ref(),
            self.camera,
            self.transform,
            world,
        )? / self.zoom;
        self.clip.contains(egui::pos2(p.x, p.y)).then_some(p)
    }
}

/// The cameras that draw the 3D view: the main camera, and side by side the scenario
/// camera in the right half, each with the part of the window it draws.
fn view_cameras<'a>(
    sensors: &'a SensorView,
    side_by_side: bool,
    area: &ViewArea,
    image: Option<&ViewImage>,
    zoom: f32,
) -> Vec<ViewCamera<'a>> {
    let whole = egui::Rect::from_min_size(
        egui::pos2(area.min.x, area.min.y) / zoom,
        egui::vec2(area.size.x, area.size.y) / zoom,
    );
    let window = |p: Vec2| match image {
        Some(i) => area.min + p / i.size.as_vec2().max(Vec2::ONE) * area.size,
        None => p,
    };
    let mut out = Vec::new();
    let main = sensors.camera.single().ok();
    let second = sensors.compare.single().ok().filter(|_| side_by_side);
    for (camera, transform) in main.into_iter().chain(second) {
        let clip = camera.logical_viewport_rect().map_or(whole, |r| {
            let (a, b) = (window(r.min) / zoom, window(r.max) / zoom);
            egui::Rect::from_min_max(egui::pos2(a.x, a.y), egui::pos2(b.x, b.y))
        });
        out.push(ViewCamera {
            camera,
            transform,
            area: *area,
            image: image.cloned(),
            clip,
            zoom,
        });
    }
    out
}

/// What the UI shows of the sensors.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct SensorView<'w, 's> {
    layers: Option<Res<'w, SensorLayers>>,
    live: Option<Res<'w, LiveState>>,
    selected: Option<Res<'w, SelectedSensor>>,
    history: Option<Res<'w, SensorHistory>>,
    replay: Option<Res<'w, SensorReplay>>,
    clock: Option<Res<'w, SceneClock>>,
    markers: Query<
        'w,
        's,
        (
            &'static SensorMarker,
            &'static GlobalTransform,
            &'static InheritedVisibility,
        ),
    >,
    camera: Query<'w, 's, (&'static Camera, &'static GlobalTransform), With<MainCamera>>,
    compare: Query<'w, 's, CameraParts, (With<CompareCamera>, Without<MainCamera>)>,
}

/// A camera and where it is.
type CameraParts = (&'static Camera, &'static GlobalTransform);

/// The state the UI shows.
#[derive(bevy::ecs::system::SystemParam)]
struct Shown<'w> {
    city: Res<'w, CityState>,
    selection: Res<'w, Selection>,
    layers: Res<'w, Layers>,
    views: Res<'w, Views>,
    last_picture: Res<'w, LastPicture>,
    view_image: Option<Res<'w, ViewImage>>,
    source: Option<Res<'w, SceneSource>>,
    style: Option<Res<'w, BuildingStyle>>,
    scenarios: Res<'w, Scenarios>,
    tool: Res<'w, EditTool>,
    sun: Option<Res<'w, crate::scene::SceneSun>>,
    study: Option<Res<'w, crate::scene::SunStudy>>,
    measure: Option<Res<'w, crate::scene::MeasureState>>,
    comments: Option<Res<'w, crate::scene::CommentsState>>,
    comment_pins: Option<Res<'w, crate::scene::CommentPins>>,
    kiosk: Option<Res<'w, crate::scene::KioskState>>,
    language: Option<Res<'w, crate::scene::UiLanguage>>,
    ground: Option<Res<'w, crate::scene::GroundState>>,
    terrain: Option<Res<'w, crate::scene::TerrainState>>,
    map_tiles: Option<Res<'w, crate::scene::MapTileState>>,
    tilesets: Option<Res<'w, crate::scene::TilesetsState>>,
    tileset_feature: Option<Res<'w, crate::scene::SelectedTilesetFeature>>,
}

fn ui(
    mut contexts: EguiContexts,
    mut state: ResMut<UiState>,
    shown: Shown,
    mut area: ResMut<ViewArea>,
    mut out: UiOutbox,
    sensors: SensorView,
    settings: Res<Settings>,
) -> Result {
    let Shown {
        city,
        selection,
        layers,
        views,
        last_picture,
        view_image,
        source,
        style,
        scenarios,
        tool,
        sun,
        study,
        measure,
        comments,
        comment_pins,
        kiosk,
        language,
        ground,
        terrain,
        map_tiles,
        tilesets,
        tileset_feature,
    } = shown;
    let language = language.map(|l| l.current).unwrap_or_default();
    state.language = language;
    let texture = view_image
        .as_ref()
        .and_then(|v| contexts.image_id(&v.handle));
    let ctx = contexts.ctx_mut()?;
    if let Some(k) = &kiosk
        && k.resets != state.resets_seen
    {
        state.resets_seen = k.resets;
        state.look = configured_look(&settings);
    }
    if state.look_applied != Some(state.look) {
        look::apply(ctx, state.look);
        state.look_applied = Some(state.look);
    }
    // Points (egui) to logical pixels (the window, the 3D view).
    let zoom = ctx.zoom_factor();
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let mut left = 0.0;
    if state.side_panel {
        let response = egui::Panel::left("side")
            .resizable(false)
            .exact_size(if state.look.touch {
                SIDE_PANEL_WIDTH * 1.3
            } else {
                SIDE_PANEL_WIDTH
            })
            .show(&mut root, |ui| {
                side_panel::side_panel(
                    ui,
                    &mut state,
                    &city,
                    (
                        &selection,
                        tileset_feature.as_ref().and_then(|f| f.0.as_ref()),
                    ),
                    &layers,
                    &views,
                    &last_picture,
                    &sensors,
                    style.as_deref(),
                    &scenarios,
                    &tool,
                    source.as_ref().is_some_and(|s| s.live_broker().is_some()),
                    settings.buildings.storey_height,
                    (
                        measure.as_deref(),
                        comments.as_deref(),
                        sun.as_ref().map(|s| s.time_zone),
                        language,
                        &settings,
                    ),
                    &mut out,
                );
            });
        left = response.response.rect.width();
    } else {
        egui::Area::new("open-panel".into())
            .fixed_pos(egui::pos2(8.0, 8.0))
            .show(ctx, |ui| {
                if ui.button(state.language.t("panel-open")).clicked() {
                    state.side_panel = true;
                }
            });
    }
    // The time panel runs under the 3D view.
    let mut bottom = 0.0;
    if let Some(clock) = sensors.clock.as_deref() {
        let response = egui::Panel::bottom("time")
            .resizable(false)
            .show(&mut root, |ui| {
                time_panel::time_panel(
                    ui,
                    clock,
                    sensors.replay.as_deref(),
                    sun.as_deref(),
                    &mut state,
                    &mut out,
                );
            });
        bottom = response.response.rect.height();
    }
    // The 3D view fills the rest of the window.
    let screen = ctx.viewport_rect();
    let view = egui::Rect::from_min_max(
        egui::pos2(screen.min.x + left, screen.min.y),
        egui::pos2(screen.max.x, screen.max.y - bottom),
    );
    if let Some(texture) = texture {
        ctx.layer_painter(egui::LayerId::background()).image(
            texture,
            view,
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
    }
    let wanted = ViewArea {
        min: Vec2::new(view.min.x, view.min.y) * zoom,
        size: Vec2::new(view.width(), view.height()) * zoom,
    };
    if *area != wanted {
        *area = wanted;
    }
    let side_by_side =
        scenarios.active.is_some() && scenarios.compare == crate::scene::Compare::SideBySide;
    let cameras = view_cameras(&sensors, side_by_side, &area, view_image.as_deref(), zoom);
    if let Some(ground) = &ground {
        street_names::street_names(
            ctx,
            (ground, terrain.as_ref().and_then(|t| t.grid.as_deref())),
            &layers,
            &settings,
            &cameras,
            city.model.as_deref(),
        );
    }
    // The credits the ground's and the terrain's data require, and what could not be read.
    let mut credits = ground
        .as_ref()
        .map(|g| g.attributions.clone())
        .unwrap_or_default();
    let mut problems = ground
        .as_ref()
        .map(|g| g.problems.clone())
        .unwrap_or_default();
    if let Some(t) = &terrain {
        if t.grid.is_some() && !settings.terrain.attribution.is_empty() {
            credits.push(settings.terrain.attribution.clone());
        }
        problems.extend(t.problem.clone());
    }
    if let Some(m) = &map_tiles {
        // The credits of the sources drawn now (their layer shown).
        for (name, source) in &settings.map_tiles.sources {
            let id = format!("ground-map-{name}");
            if m.drawn > 0 && !source.attribution.is_empty() && layers.is_visible(&id) {
                credits.push(source.attribution.clone());
            }
        }
        if m.missing_now > 0 {
            problems.extend(m.problem.clone());
        }
    }
    if let Some(t) = &tilesets {
        for (name, ts) in &settings.tilesets {
            let id = format!("tileset-{name}");
            if t.tiles_drawn > 0 && !ts.attribution.is_empty() && layers.is_visible(&id) {
                credits.push(ts.attribution.clone());
            }
        }
        problems.extend(t.problems.iter().cloned());
    }
    overlay::map_credits(ctx, &credits, &problems, view, language);
    overlay::sensor_overlay(ctx, &sensors, &layers, &settings, view, &cameras, language);
    overlay::city_badge(ctx, &city, language, view);
    scenarios::compare_overlay(ctx, view, &scenarios, language, &mut out);
    editing::edit_overlay(ctx, &tool, &cameras, language);
    if let Some(m) = &measure {
        measure::measure_overlay(ctx, m, &cameras, language);
    }
    if tool.tool.picks_points() {
        measure::crosshair(ctx, view);
    }
    if let Some(c) = &comments {
        let zone = sun.as_ref().map(|s| s.time_zone);
        if let Some(pins) = &comment_pins {
            comments::comment_card(ctx, c, pins, &cameras, zone, &mut out);
        }
        comments::write_window(ctx, c, &scenarios, &mut state.typing, &mut out);
    }
    let result = study.as_ref().and_then(|s| s.result.clone());
    scenarios::kpi_window(ctx, &mut state, &scenarios, result.as_deref());
    if let Some(study) = &study {
        // A study under way or just finished (from the command line too) shows its window.
        let result = study.result.as_ref().map(|r| Arc::as_ptr(r) as usize);
        if matches!(study.status, crate::scene::StudyStatus::Running { .. })
            || (result.is_some() && result != state.study_seen)
        {
            state.sun_study = true;
        }
        state.study_seen = result;
        sun_study::study_window(ctx, &mut state, study, (&scenarios, &tool), &mut out);
        sun_study::corner_marker(ctx, study, &cameras);
    }
    // What a click or a key sent this pass is applied in the next frame: draw that one too,
    // or a viewer that draws on demand would show it only at the next input.
    if ctx.input(|i| i.pointer.any_released() || !i.events.is_empty()) {
        ctx.request_repaint();
    }
    // B: baseline ⇄ scenario, unless a text field has the keyboard.
    if scenarios.active.is_some()
        && !ctx.egui_wants_keyboard_input()
        && ctx.input(|i| i.key_pressed(egui::Key::B) && i.modifiers.is_none())
    {
        if scenarios.compare != crate::scene::Compare::Toggle {
            out.compare.write(SetCompare(crate::scene::Compare::Toggle));
        }
        out.toggle.write(ToggleScenario(None));
    }
    if let Some(k) = &kiosk {
        let l = language;
        kiosk::tour_caption(ctx, k, &settings.kiosk, l, view);
        kiosk::hints(ctx, k, l, view);
        if kiosk::still_there(ctx, k, l) {
            out.still_here.write(crate::scene::StillHere);
        }
        if let Some(pin) = kiosk::pin_pad(ctx, k, l, &mut state.pin_entry) {
            out.leave.write(crate::scene::LeaveKiosk(pin));
        }
    }
    let broker_url = source.as_ref().and_then(|s| s.local_broker_url());
    overlay::about_window(ctx, &mut state, &city, broker_url);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing in the interface needs a mouse: no context menus, no right, double or long
    /// clicks; hovering only changes how a handle looks (tooltips repeat what is on screen).
    #[test]
    fn no_control_needs_hover_right_click_or_double_click() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let code = std::fs::read_to_string(&path).unwrap();
            let code = code.split("#[cfg(test)]").next().unwrap();
            for (i, line) in code.lines().enumerate() {
                let at = format!("{}:{}", path.display(), i + 1);
                for needs_a_mouse in [
                    "context_menu",
                    "secondary_clicked",
                    "double_clicked",
                    "triple_clicked",
                    "long_touched",
                    "on_hover_ui",
                ] {
                    assert!(!line.contains(needs_a_mouse), "{at}: {line}");
                }
                if line.contains(".hovered()") {
                    assert!(line.contains(".dragged()"), "{at}: hover decides: {line}");
                }
            }
        }
    }

    #[test]
    fn only_changes_of_the_modifier_keys_reach_egui() {
        let mut app = App::new();
        app.add_systems(Update, drop_unchanged_modifiers);
        let context = app.world_mut().spawn(bevy_egui::EguiInput::default()).id();
        let mut frame = |m: egui::Modifiers| {
            let mut input = app
                .world_mut()
                .get_mut::<bevy_egui::EguiInput>(context)
                .unwrap();
            input.0.events = vec![
                egui::Event::ModifiersChanged(m),
                egui::Event::Text("a".into()),
            ];
            app.update();
            app.world()
                .get::<bevy_egui::EguiInput>(context)
                .unwrap()
                .0
                .events
                .len()
        };
        assert_eq!(frame(egui::Modifiers::NONE), 2, "the first state is news");
        assert_eq!(frame(egui::Modifiers::NONE), 1, "the same again is not");
        assert_eq!(frame(egui::Modifiers::SHIFT), 2, "Shift pressed is");
        assert_eq!(frame(egui::Modifiers::SHIFT), 1);
    }
}
