//! The egui interface: a side panel with the data summary, layers, views and the inspector,
//! and an About window with the data's attribution.
//!
//! The UI only reads ECS state ([`CityState`], [`Selection`], [`Layers`], [`Views`]) and sends
//! messages ([`SelectBuilding`], [`SetLayerVisible`], [`GoToView`], [`SetShadows`]).

use crate::app::Settings;
use crate::buildings::{CityState, LoadStatus, LocalBroker, ReloadCity, SelectBuilding, Selection};
use crate::camera::target::{ViewArea, ViewImage};
use crate::camera::{GoToView, MainCamera, Views};
use crate::capture::{LastPicture, SavePicture};
use crate::check::thousands;
use crate::city::Building;
use crate::clock::{ClockCommand, SceneClock};
use crate::environment::SetShadows;
use crate::layers::{Layers, SetLayerVisible};
use crate::sensors::live::LiveMode;
use crate::sensors::{
    LiveState, SelectSensor, SelectedSensor, SensorLayers, SensorMarker, SensorReplay,
};
use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiPrimaryContextPass, PrimaryEguiContext, egui,
};

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
            clear_color: ClearColorConfig::Custom(crate::environment::color(
                &settings.scene.sky_horizon_color,
            )),
            ..default()
        },
    ));
    commands.insert_resource(UiState {
        side_panel: settings.ui.side_panel,
        about: false,
        shadows: settings.sun.shadows,
    });
}

/// Messages the UI may send in one frame.
#[derive(bevy::ecs::system::SystemParam)]
struct UiOutbox<'w> {
    select: MessageWriter<'w, SelectBuilding>,
    layer: MessageWriter<'w, SetLayerVisible>,
    view: MessageWriter<'w, GoToView>,
    shadows: MessageWriter<'w, SetShadows>,
    picture: MessageWriter<'w, SavePicture>,
    reload: MessageWriter<'w, ReloadCity>,
    sensor: MessageWriter<'w, SelectSensor>,
    clock: MessageWriter<'w, ClockCommand>,
    style: MessageWriter<'w, crate::buildings::style::SetBuildingStyle>,
}

/// What the UI shows of the sensors.
#[derive(bevy::ecs::system::SystemParam)]
struct SensorView<'w, 's> {
    layers: Option<Res<'w, SensorLayers>>,
    live: Option<Res<'w, LiveState>>,
    selected: Option<Res<'w, SelectedSensor>>,
    history: Option<Res<'w, crate::sensors::SensorHistory>>,
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
}

/// The state the UI shows.
#[derive(bevy::ecs::system::SystemParam)]
struct Shown<'w> {
    city: Res<'w, CityState>,
    selection: Res<'w, Selection>,
    layers: Res<'w, Layers>,
    views: Res<'w, Views>,
    last_picture: Res<'w, LastPicture>,
    view_image: Option<Res<'w, ViewImage>>,
    local_broker: Option<Res<'w, LocalBroker>>,
    style: Option<Res<'w, crate::buildings::style::BuildingStyle>>,
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
        local_broker,
        style,
    } = shown;
    let texture = view_image
        .as_ref()
        .and_then(|v| contexts.image_id(&v.handle));
    let ctx = contexts.ctx_mut()?;
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
            .exact_size(SIDE_PANEL_WIDTH)
            .show(&mut root, |ui| {
                side_panel(
                    ui,
                    &mut state,
                    &city,
                    &selection,
                    &layers,
                    &views,
                    &last_picture,
                    &sensors,
                    style.as_deref(),
                    &mut out,
                );
            });
        left = response.response.rect.width();
    } else {
        egui::Area::new("open-panel".into())
            .fixed_pos(egui::pos2(8.0, 8.0))
            .show(ctx, |ui| {
                if ui.button("☰ Panel").clicked() {
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
                time_panel(ui, clock, sensors.replay.as_deref(), &mut out);
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
        min: Vec2::new(view.min.x, view.min.y),
        size: Vec2::new(view.width(), view.height()),
    };
    if *area != wanted {
        *area = wanted;
    }
    sensor_overlay(
        ctx,
        &sensors,
        &layers,
        &settings,
        view,
        &area,
        view_image.as_deref(),
    );
    let broker_url = local_broker.map(|l| l.handle.url());
    about_window(ctx, &mut state, &city, broker_url.as_deref());
    Ok(())
}

fn egui_color(c: [f32; 3]) -> egui::Color32 {
    egui::Color32::from_rgb(
        (c[0] * 255.0) as u8,
        (c[1] * 255.0) as u8,
        (c[2] * 255.0) as u8,
    )
}

/// Labels of the nearest markers, the legends of the visible sensor layers and the live
/// status line, drawn over the 3D view.
fn sensor_overlay(
    ctx: &egui::Context,
    sensors: &SensorView,
    layers: &Layers,
    settings: &Settings,
    view: egui::Rect,
    area: &ViewArea,
    image: Option<&ViewImage>,
) {
    let (Some(sensor_layers), Some(live)) = (&sensors.layers, &sensors.live) else {
        return;
    };
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Middle,
        egui::Id::new("sensor-labels"),
    ));
    let now = crate::timestamp::now_millis();
    let stale_ms = (settings.sensors.stale_after_min * 60_000.0) as i64;
    if let Ok((cam, cam_transform)) = sensors.camera.single() {
        let cam_pos = cam_transform.translation();
        let mut shown: Vec<(f32, Vec2, &SensorMarker)> = sensors
            .markers
            .iter()
            .filter(|(_, _, v)| v.get())
            .filter_map(|(m, t, _)| {
                let top = t.translation() + Vec3::Y * t.scale().y * 0.6;
                let p = crate::camera::world_to_window(area, image, cam, cam_transform, top)?;
                Some((t.translation().distance(cam_pos), p, m))
            })
            .collect();
        shown.sort_by(|a, b| a.0.total_cmp(&b.0));
        let selected = sensors.selected.as_ref().and_then(|s| s.0.as_deref());
        let font = egui::FontId::proportional(12.0);
        let mut placed: Vec<egui::Rect> = Vec::new();
        let max = settings.sensors.max_labels as usize;
        for (_, p, marker) in shown {
            let is_selected = selected == Some(marker.sensor.id.as_str());
            if placed.len() >= max && !is_selected {
                continue;
            }
            let text = marker.label(now, stale_ms);
            let galley = painter.layout_no_wrap(text, font.clone(), egui::Color32::WHITE);
            let size = galley.size() + egui::vec2(8.0, 4.0);
            let rect =
                egui::Rect::from_min_size(egui::pos2(p.x - size.x / 2.0, p.y - size.y - 4.0), size);
            // Skip labels that would overlap one already drawn (nearest first).
            if !is_selected && placed.iter().any(|r| r.intersects(rect)) {
                continue;
            }
            placed.push(rect);
            let fill = if is_selected {
                egui::Color32::from_rgba_unmultiplied(240, 163, 60, 235)
            } else {
                egui::Color32::from_rgba_unmultiplied(30, 34, 40, 200)
            };
            painter.rect_filled(rect, 3.0, fill);
            painter.rect_filled(
                egui::Rect::from_min_size(rect.left_top(), egui::vec2(3.0, size.y)),
                1.0,
                egui_color(marker.drawn_color),
            );
            painter.galley(
                rect.min + egui::vec2(5.0, 2.0),
                galley,
                egui::Color32::WHITE,
            );
        }
    }
    // Legends of the visible layers that have sensors, bottom right.
    let visible: Vec<_> = sensor_layers
        .0
        .iter()
        .filter(|l| {
            layers.is_visible(&l.id) && layers.get(&l.id).and_then(|x| x.count).unwrap_or(0) > 0
        })
        .collect();
    if !visible.is_empty() {
        egui::Area::new("sensor-legend".into())
            .order(egui::Order::Foreground)
            .anchor(egui::Align2::RIGHT_BOTTOM, [-10.0, -34.0])
            .constrain_to(view)
            .interactable(false)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.set_max_width(230.0);
                    for (i, l) in visible.iter().enumerate() {
                        if i > 0 {
                            ui.add_space(4.0);
                        }
                        ui.label(egui::RichText::new(&l.name).strong().small());
                        legend(ui, l);
                    }
                    ui.horizontal(|ui| {
                        let (r, _) =
                            ui.allocate_exact_size(egui::vec2(12.0, 10.0), egui::Sense::hover());
                        ui.painter().rect_filled(
                            r,
                            2.0,
                            egui_color(crate::sensors::model::STALE_COLOR),
                        );
                        ui.label(
                            egui::RichText::new(format!(
                                "no reading for {} min",
                                settings.sensors.stale_after_min
                            ))
                            .small(),
                        );
                    });
                });
            });
    }
    // The live status line, bottom left of the view.
    let dot = match live.mode {
        LiveMode::Polling | LiveMode::Mqtt | LiveMode::Http => egui::Color32::from_rgb(60, 170, 90),
        LiveMode::Offline => egui::Color32::from_rgb(210, 60, 50),
        LiveMode::Connecting => egui::Color32::from_rgb(230, 170, 40),
        LiveMode::Off => egui::Color32::GRAY,
    };
    let changes = match live.last_change {
        Some(t) => format!(
            " · {} changes, last {} s ago",
            thousands(live.applied as usize),
            t.elapsed().as_secs()
        ),
        None => String::new(),
    };
    egui::Area::new("live-status".into())
        .order(egui::Order::Foreground)
        .fixed_pos(egui::pos2(view.min.x + 8.0, view.max.y - 26.0))
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                .inner_margin(egui::Margin::symmetric(6, 2))
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        let (r, _) =
                            ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                        ui.painter().circle_filled(r.center(), 4.5, dot);
                        ui.label(
                            egui::RichText::new(format!(
                                "Sensors {}: {}{changes}",
                                live.mode.label(),
                                live.detail
                            ))
                            .small(),
                        );
                    });
                });
        });
}

/// One layer's legend: a gradient bar for a blended scale, swatches otherwise.
fn legend(ui: &mut egui::Ui, layer: &crate::sensors::SensorLayer) {
    use crate::sensors::Colors;
    let swatch = |ui: &mut egui::Ui, c: [f32; 3]| {
        let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter().rect_filled(r, 2.0, egui_color(c));
    };
    match &layer.colors {
        Colors::Stops { stops, blend: true } if stops.len() >= 2 => {
            let (first, last) = (&stops[0], &stops[stops.len() - 1]);
            ui.horizontal(|ui| {
                ui.label(egui::RichText::new(format!("{}", first.0)).small());
                let (r, _) = ui.allocate_exact_size(egui::vec2(120.0, 10.0), egui::Sense::hover());
                let span = (last.0 - first.0).max(1e-9);
                for (a, b) in stops.iter().zip(stops.iter().skip(1)) {
                    let x0 = r.left() + r.width() * ((a.0 - first.0) / span) as f32;
                    let x1 = r.left() + r.width() * ((b.0 - first.0) / span) as f32;
                    let mut mesh = egui::Mesh::default();
                    let (ca, cb) = (egui_color(a.1), egui_color(b.1));
                    mesh.colored_vertex(egui::pos2(x0, r.top()), ca);
                    mesh.colored_vertex(egui::pos2(x1, r.top()), cb);
                    mesh.colored_vertex(egui::pos2(x1, r.bottom()), cb);
                    mesh.colored_vertex(egui::pos2(x0, r.bottom()), ca);
                    mesh.add_triangle(0, 1, 2);
                    mesh.add_triangle(0, 2, 3);
                    ui.painter().add(egui::Shape::mesh(mesh));
                }
                ui.label(egui::RichText::new(format!("{} {}", last.0, layer.unit)).small());
            });
            let named: Vec<String> = stops
                .iter()
                .filter(|s| !s.2.is_empty())
                .map(|s| format!("{} {}", s.0, s.2))
                .collect();
            if !named.is_empty() {
                ui.label(egui::RichText::new(named.join(" · ")).small().weak());
            }
        }
        _ => {
            for entry in layer.legend() {
                ui.horizontal(|ui| {
                    swatch(ui, entry.color);
                    ui.label(egui::RichText::new(entry.text).small());
                });
            }
        }
    }
}

/// "All attributes (n)": a collapsible two-column table of name and value.
fn attributes_table(ui: &mut egui::Ui, id: &str, rows: &[(String, String)], width: f32) {
    egui::CollapsingHeader::new(format!("All attributes ({})", rows.len()))
        .id_salt(id)
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new(id)
                .num_columns(2)
                .striped(true)
                .max_col_width(width)
                .show(ui, |ui| {
                    for (name, value) in rows {
                        ui.add(egui::Label::new(egui::RichText::new(name).small().strong()).wrap());
                        ui.add(egui::Label::new(egui::RichText::new(value).small()).wrap());
                        ui.end_row();
                    }
                });
        });
}

fn sensor_inspector(
    ui: &mut egui::Ui,
    marker: &SensorMarker,
    layer_name: &str,
    sensors: &SensorView,
    out: &mut UiOutbox,
) {
    let history = sensors.history.as_deref();
    let s = &marker.sensor;
    ui.label(egui::RichText::new(s.name.as_deref().unwrap_or(&s.id)).heading());
    ui.label(egui::RichText::new(layer_name).weak());
    if s.simulated {
        ui.colored_label(
            egui::Color32::from_rgb(200, 120, 20),
            "Simulated values, not measurements",
        );
    }
    let now = crate::timestamp::now_millis();
    let value_width = SIDE_PANEL_WIDTH - 110.0;
    egui::Grid::new("sensor")
        .num_columns(2)
        .striped(true)
        .max_col_width(value_width)
        .show(ui, |ui| {
            if let Some(shown) = &marker.shown {
                ui.label(crate::clock::local_time_text(shown.at));
                ui.label(egui::RichText::new(&shown.label).strong());
                ui.end_row();
                ui.label("Now");
                ui.label(&s.label);
                ui.end_row();
            } else {
                ui.label("Value");
                ui.label(egui::RichText::new(&s.label).strong());
                ui.end_row();
            }
            if let Some(t) = s.observed_at {
                ui.label("Observed");
                ui.label(format!(
                    "{} ({})",
                    crate::timestamp::format_millis(t),
                    crate::timestamp::age_text(t, now)
                ));
                ui.end_row();
            }
            ui.label("Id");
            ui.add(egui::Label::new(egui::RichText::new(&s.id).monospace().small()).wrap());
            ui.end_row();
        });
    if let Some(h) = history.filter(|h| h.id.as_deref() == Some(s.id.as_str())) {
        let at = sensors
            .clock
            .as_deref()
            .filter(|c| !c.is_live())
            .map(|c| c.at());
        history_chart(ui, h, &s.unit, at, out);
    }
    attributes_table(ui, "sensor-attributes", &s.attributes, value_width - 10.0);
    if ui.button("Clear selection").clicked() {
        out.sensor.write(SelectSensor(None));
    }
}

/// The last hours of a sensor's main value: x in hours before now; the time panel's time as a
/// line while replaying; a click goes to that time.
fn history_chart(
    ui: &mut egui::Ui,
    h: &crate::sensors::SensorHistory,
    unit: &str,
    replayed: Option<i64>,
    out: &mut UiOutbox,
) {
    use crate::sensors::HistoryStatus;
    ui.add_space(4.0);
    ui.label(
        egui::RichText::new(format!(
            "{} over the last {} hours",
            h.attribute,
            crate::sensors::HISTORY_HOURS
        ))
        .strong(),
    );
    match &h.status {
        HistoryStatus::Loading => {
            ui.label(egui::RichText::new("Loading history from the broker…").weak());
        }
        HistoryStatus::Failed(why) => {
            ui.label(egui::RichText::new(why).weak().small());
        }
        HistoryStatus::None => {}
        HistoryStatus::Ready if h.points.is_empty() => {
            ui.label(egui::RichText::new("The broker has no past values of it.").weak());
        }
        HistoryStatus::Ready => {
            let now = crate::timestamp::now_millis();
            let points: egui_plot::PlotPoints = h
                .points
                .iter()
                .map(|(t, v)| [(*t - now) as f64 / 3_600_000.0, *v])
                .collect();
            let unit = unit.to_owned();
            egui_plot::Plot::new("sensor-history")
                .height(130.0)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .allow_boxed_zoom(false)
                .include_x(-crate::sensors::HISTORY_HOURS)
                .include_x(0.0)
                .x_axis_formatter(|m, _| format!("{:.0} h", m.value))
                .label_formatter(move |pos| match pos {
                    egui_plot::HoverPosition::NearDataPoint { position: p, .. } => {
                        Some(format!("{:.1} {unit}\n{:.1} h ago", p.y, -p.x))
                    }
                    _ => None,
                })
                .show(ui, |plot| {
                    plot.line(
                        egui_plot::Line::new("value", points)
                            .color(egui::Color32::from_rgb(40, 120, 200)),
                    );
                    if let Some(t) = replayed {
                        plot.vline(
                            egui_plot::VLine::new("time shown", (t - now) as f64 / 3_600_000.0)
                                .color(TIME_COLOR)
                                .width(1.5),
                        );
                    }
                    if plot.response().clicked()
                        && let Some(p) = plot.pointer_coordinate()
                    {
                        out.clock
                            .write(ClockCommand::Seek(now + (p.x * 3_600_000.0) as i64));
                    }
                });
        }
    }
}

/// "Colour buildings by": the neutral style or an attribute, with the theme's legend.
fn building_style(
    ui: &mut egui::Ui,
    style: &crate::buildings::style::BuildingStyle,
    out: &mut UiOutbox,
) {
    use crate::city::style::Kind;
    let current = style.theme.as_ref().map(|t| t.attribute.clone());
    ui.horizontal(|ui| {
        ui.label("Colour by");
        egui::ComboBox::from_id_salt("building-style")
            .selected_text(current.as_deref().unwrap_or("nothing (neutral)"))
            .width(170.0)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(current.is_none(), "nothing (neutral)")
                    .clicked()
                {
                    out.style
                        .write(crate::buildings::style::SetBuildingStyle(None));
                }
                for c in &style.choices {
                    let kind = match c.kind {
                        Kind::Numeric => "number",
                        Kind::Categories => "category",
                    };
                    let text = format!("{} · {kind}, {}", c.attribute, thousands(c.count));
                    if ui
                        .selectable_label(current.as_deref() == Some(c.attribute.as_str()), text)
                        .clicked()
                    {
                        out.style
                            .write(crate::buildings::style::SetBuildingStyle(Some(
                                c.attribute.clone(),
                            )));
                    }
                }
            });
        if style.busy {
            ui.spinner();
        }
    });
    if let Some(theme) = &style.theme {
        for (color, text) in theme.legend() {
            ui.horizontal(|ui| {
                let (r, _) = ui.allocate_exact_size(egui::vec2(14.0, 10.0), egui::Sense::hover());
                ui.painter().rect_filled(r, 2.0, egui_color(color));
                ui.label(egui::RichText::new(text).small());
            });
        }
    }
}

/// The colour of the scene's time on the timeline and charts.
const TIME_COLOR: egui::Color32 = egui::Color32::from_rgb(230, 120, 30);

/// The colour of live mode.
const LIVE_COLOR: egui::Color32 = egui::Color32::from_rgb(220, 50, 40);

/// The time panel: live, or a replay of the last hours, like a video player's controls.
fn time_panel(
    ui: &mut egui::Ui,
    clock: &crate::clock::Clock,
    replay: Option<&SensorReplay>,
    out: &mut UiOutbox,
) {
    use crate::clock::{SPEEDS, local_time_text};
    use crate::sensors::HistoryStatus;
    let now = crate::timestamp::now_millis();
    let live = clock.is_live();
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 8.0;
        let live_button = ui
            .add(
                egui::Button::new(egui::RichText::new("     Live").strong())
                    .selected(live)
                    .min_size(egui::vec2(70.0, 30.0)),
            )
            .on_hover_text("Show the present");
        // A dot of our own: the default fonts have no record symbol.
        ui.painter().circle_filled(
            live_button.rect.left_center() + egui::vec2(14.0, 0.0),
            5.0,
            if live {
                LIVE_COLOR
            } else {
                ui.visuals().weak_text_color()
            },
        );
        if live_button.clicked() {
            out.clock.write(ClockCommand::Live);
        }
        let playing = clock.is_playing();
        let (icon, tip) = match (playing, live) {
            (true, _) => ("⏸", "Pause"),
            (false, true) => ("▶", "Play the last 24 hours"),
            (false, false) => ("▶", "Play from here"),
        };
        if ui
            .add(
                egui::Button::new(egui::RichText::new(icon).size(16.0))
                    .min_size(egui::vec2(40.0, 30.0)),
            )
            .on_hover_text(tip)
            .clicked()
        {
            out.clock.write(if playing {
                ClockCommand::Pause
            } else {
                ClockCommand::Play
            });
        }
        let speed_name = SPEEDS
            .iter()
            .find(|(s, _)| *s == clock.speed())
            .map_or_else(|| format!("{}×", clock.speed()), |(_, n)| (*n).to_owned());
        egui::ComboBox::from_id_salt("speed")
            .selected_text(speed_name)
            .width(84.0)
            .show_ui(ui, |ui| {
                for (speed, name) in SPEEDS {
                    if ui
                        .selectable_label(clock.speed() == *speed, *name)
                        .clicked()
                    {
                        out.clock.write(ClockCommand::Speed(*speed));
                    }
                }
            })
            .response
            .on_hover_text("Playback speed: scene time per second");
        let when = if live {
            format!("{}  now", local_time_text(now))
        } else {
            format!(
                "{}  {}",
                local_time_text(clock.at()),
                crate::timestamp::age_text(clock.at(), now)
            )
        };
        let (r, _) = ui.allocate_exact_size(egui::vec2(200.0, 30.0), egui::Sense::hover());
        ui.painter().text(
            r.left_center(),
            egui::Align2::LEFT_CENTER,
            when,
            egui::FontId::monospace(13.0),
            if live {
                ui.visuals().text_color()
            } else {
                TIME_COLOR
            },
        );
        timeline(ui, clock, now, out);
    });
    let status = match (live, replay.map(|r| (&r.status, r))) {
        (_, Some((HistoryStatus::Loading, _))) => {
            "Loading the sensors' last 24 hours from the broker…".to_owned()
        }
        (false, Some((HistoryStatus::Ready, r))) => {
            let mut text = format!(
                "Sensors show their values at this time: 5-minute averages from the broker's \
                 history ({} sensors, {} values).",
                thousands(r.data.len()),
                thousands(r.data.points())
            );
            for note in &r.notes {
                text.push_str(&format!(" {note}."));
            }
            text
        }
        (false, Some((HistoryStatus::Failed(why), _))) => {
            format!("Sensors show their latest values ({why}).")
        }
        _ if live => {
            "Live: sensors show their latest values. Drag the timeline or press ▶ to replay the \
             last 24 hours."
                .to_owned()
        }
        _ => "Paused.".to_owned(),
    };
    ui.label(egui::RichText::new(status).small().weak());
    ui.add_space(2.0);
}

/// The timeline: the last hours with the local hours marked, the time shown as a handle;
/// click or drag to go to a time (the right end is live).
fn timeline(ui: &mut egui::Ui, clock: &crate::clock::Clock, now: i64, out: &mut UiOutbox) {
    // Room at the ends for the handle.
    let width = (ui.available_width() - 12.0).max(120.0);
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(width, 30.0), egui::Sense::click_and_drag());
    let start = clock.earliest(now);
    let span = (now - start).max(1) as f32;
    let x_of = |t: i64| rect.left() + (t - start) as f32 / span * rect.width();
    let t_of = |x: f32| start + ((x - rect.left()) / rect.width() * span) as i64;
    let painter = ui.painter_at(rect.expand(10.0));
    let y = rect.top() + 10.0;
    let track = egui::Rect::from_min_max(
        egui::pos2(rect.left(), y - 3.0),
        egui::pos2(rect.right(), y + 3.0),
    );
    painter.rect_filled(track, 3.0, ui.visuals().widgets.inactive.bg_fill);
    let x = x_of(clock.at());
    painter.rect_filled(
        egui::Rect::from_min_max(track.min, egui::pos2(x, track.max.y)),
        3.0,
        TIME_COLOR.gamma_multiply(0.6),
    );
    // Hours on this machine's clock: a tick each hour, a label every 3 (6 when narrow).
    let every = if rect.width() < 500.0 { 6 } else { 3 };
    let hour = crate::clock::local_hour(start);
    let mut t = start + ((hour.ceil() - hour) * 3_600_000.0) as i64;
    let weak = ui.visuals().weak_text_color();
    while t <= now {
        let h = crate::clock::local_hour(t).round() as i64 % 24;
        let tx = x_of(t);
        let long = h % every == 0;
        painter.line_segment(
            [
                egui::pos2(tx, y + 4.0),
                egui::pos2(tx, y + if long { 9.0 } else { 6.0 }),
            ],
            egui::Stroke::new(1.0, weak),
        );
        if long {
            let text = if h == 0 {
                crate::clock::local_format(t, "%a")
            } else {
                format!("{h:02}:00")
            };
            painter.text(
                egui::pos2(tx, y + 10.0),
                egui::Align2::CENTER_TOP,
                text,
                egui::FontId::proportional(10.0),
                weak,
            );
        }
        t += 3_600_000;
    }
    painter.circle(
        egui::pos2(x, y),
        if response.hovered() || response.dragged() {
            8.0
        } else {
            7.0
        },
        if clock.is_live() {
            LIVE_COLOR
        } else {
            TIME_COLOR
        },
        egui::Stroke::new(1.5, egui::Color32::WHITE),
    );
    if let Some(p) = response.interact_pointer_pos()
        && (response.clicked() || response.dragged())
    {
        out.clock.write(ClockCommand::Seek(t_of(p.x)));
    }
    if let Some(p) = response.hover_pos() {
        let t = t_of(p.x);
        response.on_hover_text_at_pointer(if t >= now - 60_000 {
            "Live".to_owned()
        } else {
            format!(
                "{} ({})",
                crate::clock::local_time_text(t),
                crate::timestamp::age_text(t, now)
            )
        });
    }
}

fn side_panel(
    ui: &mut egui::Ui,
    state: &mut UiState,
    city: &CityState,
    selection: &Selection,
    layers: &Layers,
    views: &Views,
    last_picture: &LastPicture,
    sensors: &SensorView,
    style: Option<&crate::buildings::style::BuildingStyle>,
    out: &mut UiOutbox,
) {
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.heading("citytwin");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Hide").on_hover_text("Hide this panel").clicked() {
                state.side_panel = false;
            }
            if ui.button("About").clicked() {
                state.about = !state.about;
            }
        });
    });
    if let Some(model) = &city.model {
        ui.label(egui::RichText::new(&model.source_label).weak());
    }
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            data_section(ui, city, &mut out.reload);
            ui.separator();
            ui.strong("Layers");
            for layer in layers.iter() {
                let mut visible = layer.visible;
                let label = match layer.count {
                    Some(n) => format!("{} ({})", layer.name, thousands(n)),
                    None => layer.name.clone(),
                };
                if ui.checkbox(&mut visible, label).changed() {
                    out.layer.write(SetLayerVisible {
                        layer: layer.id.to_owned(),
                        visible,
                    });
                }
            }
            if ui.checkbox(&mut state.shadows, "Shadows").changed() {
                out.shadows.write(SetShadows(state.shadows));
            }
            if let Some(style) = style.filter(|s| !s.choices.is_empty()) {
                building_style(ui, style, out);
            }
            if !views.views.is_empty() {
                ui.separator();
                ui.strong("Views");
                ui.horizontal_wrapped(|ui| {
                    for (name, _) in &views.views {
                        if ui.button(name).clicked() {
                            out.view.write(GoToView {
                                name: name.clone(),
                                instant: false,
                            });
                        }
                    }
                });
            }
            ui.add_space(4.0);
            if ui
                .button("Save picture")
                .on_hover_text("Save the window as a PNG in the current folder (F12)")
                .clicked()
            {
                out.picture.write(SavePicture);
            }
            match &last_picture.0 {
                Some(Ok(path)) => {
                    ui.label(egui::RichText::new(format!("Saved {}", path.display())).small());
                }
                Some(Err(e)) => {
                    ui.colored_label(egui::Color32::from_rgb(200, 40, 40), e);
                }
                None => {}
            }
            ui.separator();
            ui.strong("Inspector");
            let selected = selection
                .building
                .and_then(|i| city.model.as_ref().and_then(|m| m.buildings.get(i)));
            let sensor = sensors
                .selected
                .as_ref()
                .and_then(|s| s.0.as_deref())
                .and_then(|id| {
                    sensors
                        .markers
                        .iter()
                        .find(|(m, _, _)| m.sensor.id == id)
                        .map(|(m, _, _)| m)
                });
            match (selected, sensor) {
                (_, Some(m)) => {
                    let layer = sensors
                        .layers
                        .as_ref()
                        .and_then(|l| l.0.get(m.sensor.layer))
                        .map(|l| l.name.clone())
                        .unwrap_or_default();
                    sensor_inspector(ui, m, &layer, sensors, out);
                }
                (Some(b), None) => inspector(ui, b, out),
                (None, None) => {
                    ui.label("Click or tap a building or a sensor to see its attributes.");
                }
            }
            ui.separator();
            ui.label(
                egui::RichText::new(
                    "Drag: orbit · Right-drag or Shift-drag: pan · Wheel: zoom · Home: overview\n\
                 Touch: one finger orbits, two fingers pan and pinch to zoom",
                )
                .small()
                .weak(),
            );
            if let Some(attribution) = city.model.as_ref().and_then(|m| m.attribution.as_ref()) {
                ui.add_space(4.0);
                ui.label(egui::RichText::new(attribution).small());
            }
        });
}

/// A progress bar; without a total, the seconds since `since` instead (no animation: the
/// viewer redraws on news, not continuously, while it loads).
fn progress_bar(
    ui: &mut egui::Ui,
    stage: &str,
    done: usize,
    total: usize,
    since: std::time::Instant,
) {
    if total > 0 {
        ui.label(format!("Loading: {stage}…"));
    } else {
        ui.label(format!(
            "Loading: {stage}… {:.0} s",
            since.elapsed().as_secs_f64().floor()
        ));
    }
    let fraction = if total > 0 {
        done as f32 / total as f32
    } else {
        0.0
    };
    let text = if total > 0 {
        format!("{} / {}", thousands(done), thousands(total))
    } else {
        String::new()
    };
    ui.add(egui::ProgressBar::new(fraction).text(text));
}

fn data_section(ui: &mut egui::Ui, city: &CityState, reload: &mut MessageWriter<ReloadCity>) {
    let red = egui::Color32::from_rgb(200, 40, 40);
    match &city.status {
        LoadStatus::Loading { stage, done, total } => {
            progress_bar(ui, stage, *done, *total, city.started);
        }
        LoadStatus::Failed(message) => {
            ui.colored_label(red, "Could not load the data:");
            ui.label(message);
            if ui.button("Try again").clicked() {
                reload.write(ReloadCity);
            }
        }
        LoadStatus::Ready => {
            let Some(model) = &city.model else { return };
            egui::Grid::new("summary").num_columns(2).show(ui, |ui| {
                ui.label("Entities");
                ui.label(thousands(model.entities_read));
                ui.end_row();
                ui.label("Buildings");
                ui.label(thousands(model.buildings.len()));
                ui.end_row();
                ui.label("Triangles");
                ui.label(format!(
                    "{} in {} tiles",
                    thousands(city.triangles),
                    city.tiles_total
                ));
                ui.end_row();
                if let Some(v) = &city.viewport {
                    ui.label("By viewport");
                    ui.label(format!(
                        "{} cells within {} m of the view",
                        v.cells,
                        thousands(v.radius_m.round() as usize)
                    ))
                    .on_hover_text(
                        "The broker holds more buildings than data.stream_above: those near \
                         the point looked at are loaded as the camera moves, far ones unloaded",
                    );
                    ui.end_row();
                }
                if let Some(t) = city.ready_after {
                    ui.label("Loaded in");
                    ui.label(format!("{:.1} s", t.as_secs_f64()));
                    ui.end_row();
                }
            });
            match &city.progress {
                Some(p) => progress_bar(ui, p.stage, p.done, p.total, city.started),
                None => {
                    if ui
                        .button("Reload")
                        .on_hover_text("Read the data again; if that fails, what is shown stays")
                        .clicked()
                    {
                        reload.write(ReloadCity);
                    }
                }
            }
            if let Some(error) = &city.last_error {
                ui.colored_label(red, "Could not reload; showing the data loaded before:");
                ui.label(error);
            }
            if let Some(error) = city.viewport.as_ref().and_then(|v| v.last_error.as_ref()) {
                ui.colored_label(red, "Some buildings near the view could not be loaded:");
                ui.label(format!("{error} (asked again in 30 s)"));
            }
        }
    }
    if let Some(model) = &city.model
        && !model.skipped.is_empty()
    {
        egui::CollapsingHeader::new(format!("Skipped: {}", thousands(model.skipped.len())))
            .id_salt("skipped")
            .show(ui, |ui| {
                for s in model.skipped.iter().take(500) {
                    ui.label(egui::RichText::new(&s.id).monospace().small());
                    ui.label(&s.reason);
                    ui.add_space(2.0);
                }
                if model.skipped.len() > 500 {
                    ui.label(format!(
                        "… and {} more (see `citytwin check`)",
                        model.skipped.len() - 500
                    ));
                }
            });
    }
}

fn inspector(ui: &mut egui::Ui, b: &Building, out: &mut UiOutbox) {
    ui.label(egui::RichText::new(b.title()).heading());
    if let Some(address) = b
        .address
        .as_ref()
        .filter(|a| b.name.is_some() && a.as_str() != b.title())
    {
        ui.label(address);
    }
    let value_width = SIDE_PANEL_WIDTH - 110.0;
    let wrapped = |ui: &mut egui::Ui, text: egui::RichText| {
        ui.add(egui::Label::new(text).wrap());
    };
    egui::Grid::new("building")
        .num_columns(2)
        .striped(true)
        .max_col_width(value_width)
        .show(ui, |ui| {
            ui.label("Height");
            ui.label(format!("{:.1} m", b.height));
            ui.end_row();
            ui.label("Height from");
            wrapped(ui, egui::RichText::new(b.height_source.describe()));
            ui.end_row();
            if b.base > 0.0 {
                ui.label("Base");
                ui.label(format!("{:.1} m above ground", b.base));
                ui.end_row();
            }
            ui.label("Footprint");
            ui.label(format!(
                "{} m²",
                thousands(b.footprint.area().round() as usize)
            ));
            ui.end_row();
            ui.label("Id");
            wrapped(ui, egui::RichText::new(&b.id).monospace().small());
            ui.end_row();
        });
    attributes_table(ui, "attributes", &b.attributes, value_width - 10.0);
    if ui.button("Clear selection").clicked() {
        out.select.write(SelectBuilding(None));
    }
}

fn about_window(
    ctx: &egui::Context,
    state: &mut UiState,
    city: &CityState,
    broker_url: Option<&str>,
) {
    let mut open = state.about;
    egui::Window::new("About citytwin")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .default_width(420.0)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(format!("citytwin {}", env!("CARGO_PKG_VERSION")));
            ui.label(
                "An open-source 3D city digital twin viewer for NGSI-LD context brokers, for \
                 planning workshops, public kiosks and hackathons.",
            );
            ui.add_space(6.0);
            ui.strong("Data");
            match &city.model {
                Some(model) => {
                    ui.label(&model.source_label);
                    if let Some(url) = broker_url {
                        ui.label(format!(
                            "Served by citytwin's local NGSI-LD broker at {url}/ngsi-ld/v1 \
                             (other programs on this computer can query it while citytwin runs)."
                        ));
                    }
                    ui.label(format!(
                        "Scene origin {:.5}, {:.5}; projected with {}",
                        model.origin.lon, model.origin.lat, model.crs
                    ));
                    if let Some(a) = &model.attribution {
                        ui.label(a);
                        ui.hyperlink_to(
                            "openstreetmap.org/copyright",
                            "https://www.openstreetmap.org/copyright",
                        );
                    }
                }
                None => {
                    ui.label("Loading…");
                }
            }
            ui.add_space(6.0);
            ui.strong("Software");
            ui.label(
                "Built with Bevy, egui, PROJ (its EPSG database is embedded) and georust/geo. \
                 Licensed under the Apache License 2.0.",
            );
        });
    state.about = open;
}

#[cfg(test)]
mod tests {
    use super::*;

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
