//! The egui interface: a side panel with the data summary, layers, views and the inspector,
//! and an About window with the data's attribution.
//!
//! The UI only reads ECS state ([`CityState`], [`Selection`], [`Layers`], [`Views`]) and sends
//! messages ([`SelectBuilding`], [`SetLayerVisible`], [`GoToView`], [`SetShadows`]).

use crate::app::Settings;
use crate::buildings::{CityState, LoadStatus, LocalBroker, ReloadCity, SelectBuilding, Selection};
use crate::camera::target::{ViewArea, ViewImage};
use crate::camera::{GoToView, Views};
use crate::capture::{LastPicture, SavePicture};
use crate::check::thousands;
use crate::city::Building;
use crate::environment::SetShadows;
use crate::layers::{Layers, SetLayerVisible};
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
            .add_systems(EguiPrimaryContextPass, ui);
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
}

fn ui(
    mut contexts: EguiContexts,
    mut state: ResMut<UiState>,
    shown: Shown,
    mut area: ResMut<ViewArea>,
    mut out: UiOutbox,
) -> Result {
    let Shown {
        city,
        selection,
        layers,
        views,
        last_picture,
        view_image,
        local_broker,
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
    // The 3D view fills the rest of the window.
    let screen = ctx.viewport_rect();
    let view = egui::Rect::from_min_max(egui::pos2(screen.min.x + left, screen.min.y), screen.max);
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
    let broker_url = local_broker.map(|l| l.handle.url());
    about_window(ctx, &mut state, &city, broker_url.as_deref());
    Ok(())
}

fn side_panel(
    ui: &mut egui::Ui,
    state: &mut UiState,
    city: &CityState,
    selection: &Selection,
    layers: &Layers,
    views: &Views,
    last_picture: &LastPicture,
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
            match selected {
                Some(b) => inspector(ui, b, out),
                None => {
                    ui.label("Click or tap a building to see its attributes.");
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

fn progress_bar(ui: &mut egui::Ui, stage: &str, done: usize, total: usize) {
    ui.label(format!("Loading: {stage}…"));
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
    ui.add(
        egui::ProgressBar::new(fraction)
            .text(text)
            .animate(total == 0),
    );
}

fn data_section(ui: &mut egui::Ui, city: &CityState, reload: &mut MessageWriter<ReloadCity>) {
    let red = egui::Color32::from_rgb(200, 40, 40);
    match &city.status {
        LoadStatus::Loading { stage, done, total } => progress_bar(ui, stage, *done, *total),
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
                if let Some(t) = city.ready_after {
                    ui.label("Loaded in");
                    ui.label(format!("{:.1} s", t.as_secs_f64()));
                    ui.end_row();
                }
            });
            match &city.progress {
                Some(p) => progress_bar(ui, p.stage, p.done, p.total),
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
    egui::CollapsingHeader::new(format!("All attributes ({})", b.attributes.len()))
        .id_salt("attributes")
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("attributes")
                .num_columns(2)
                .striped(true)
                .max_col_width(value_width - 10.0)
                .show(ui, |ui| {
                    for (name, value) in &b.attributes {
                        wrapped(ui, egui::RichText::new(name).small().strong());
                        wrapped(ui, egui::RichText::new(value).small());
                        ui.end_row();
                    }
                });
        });
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
