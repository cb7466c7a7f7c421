//! The side panel: the data summary and loading progress, layers, colour by, views, saving a
//! picture, and the inspector.

use super::inspector::{building_details, inspector, sensor_inspector};
use super::widgets::{egui_color, progress_bar};
use super::{SensorView, UiOutbox, UiState};
use crate::scene::{
    BuildingStyle, CityState, EditTool, GoToView, LastPicture, Layers, LoadStatus, ReloadCity,
    SavePicture, Scenarios, Selection, SetBuildingStyle, SetLayerVisible, SetShadows, Views,
};
use crate::text::thousands;
use bevy::prelude::*;
use bevy_egui::egui;

/// "Colour buildings by": the neutral style or an attribute, with the theme's legend.
pub(super) fn building_style(ui: &mut egui::Ui, style: &BuildingStyle, out: &mut UiOutbox) {
    use crate::city::style::ThemeKind;
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
                    out.style.write(SetBuildingStyle(None));
                }
                for c in &style.choices {
                    let kind = match c.kind {
                        ThemeKind::Numeric => "number",
                        ThemeKind::Categories => "category",
                    };
                    let text = format!("{} · {kind}, {}", c.attribute, thousands(c.count));
                    if ui
                        .selectable_label(current.as_deref() == Some(c.attribute.as_str()), text)
                        .clicked()
                    {
                        out.style.write(SetBuildingStyle(Some(c.attribute.clone())));
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

#[allow(
    clippy::too_many_arguments,
    reason = "the panel shows most of the scene"
)]
pub(super) fn side_panel(
    ui: &mut egui::Ui,
    state: &mut UiState,
    city: &CityState,
    selection: &Selection,
    layers: &Layers,
    views: &Views,
    last_picture: &LastPicture,
    sensors: &SensorView,
    style: Option<&BuildingStyle>,
    scenarios: &Scenarios,
    tool: &EditTool,
    can_publish: bool,
    storey_height: f64,
    (measure, comments, zone, language): (
        Option<&crate::scene::MeasureState>,
        Option<&crate::scene::CommentsState>,
        Option<chrono_tz::Tz>,
        crate::language::Language,
    ),
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
            // The other language, named in itself.
            let (other, name) = match language {
                crate::language::Language::English => {
                    (crate::language::Language::Swedish, "Svenska")
                }
                crate::language::Language::Swedish => {
                    (crate::language::Language::English, "English")
                }
            };
            if ui
                .button(egui::RichText::new(name).strong())
                .on_hover_text("Språk / Language")
                .clicked()
            {
                out.language.write(crate::scene::SetLanguage(other));
            }
        });
    });
    if let Some(model) = &city.model {
        ui.label(egui::RichText::new(&model.source_label).weak());
    }
    look_row(ui, state, language);
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            data_section(ui, city, &mut out.reload, state.kiosk);
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
            if city.is_ready() {
                super::scenarios::scenarios_section(ui, state, scenarios, out);
                super::editing::edit_section(ui, state, scenarios, tool, can_publish, out);
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
            if let (Some(m), true) = (measure, city.is_ready()) {
                super::measure::measure_section(ui, m, tool, out);
            }
            if let (Some(c), true) = (comments, city.is_ready()) {
                super::comments::comments_section(ui, c, scenarios, zone, out);
            }
            ui.add_space(4.0);
            if !state.kiosk
                && ui
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
            let selected = selection.building.and_then(|i| {
                city.model
                    .as_ref()
                    .and_then(|m| crate::scene::scenarios::building(m, scenarios, i))
            });
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
                (Some((b, placed)), None) => {
                    inspector(ui, b, placed, storey_height);
                    let target = selection.building.and_then(|i| {
                        city.model
                            .as_ref()
                            .and_then(|m| crate::scene::scenarios::target(m, scenarios, i))
                    });
                    super::editing::building_controls(
                        ui,
                        state,
                        b,
                        placed.zip(target),
                        scenarios.active.is_some(),
                        storey_height,
                        out,
                    );
                    building_details(ui, b, out);
                }
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

pub(super) fn data_section(
    ui: &mut egui::Ui,
    city: &CityState,
    reload: &mut MessageWriter<ReloadCity>,
    kiosk: bool,
) {
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
                None if kiosk => {}
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

/// Text size and contrast: A−, A+ and the high-contrast switch.
fn look_row(ui: &mut egui::Ui, state: &mut UiState, l: crate::language::Language) {
    ui.horizontal(|ui| {
        ui.label(l.pick("Text size", "Textstorlek"));
        let look = state.look;
        if ui
            .add_enabled(look.scale > 1.0, egui::Button::new("A−"))
            .on_hover_text(l.pick("Smaller", "Mindre"))
            .clicked()
        {
            state.look = look.step(-0.25);
        }
        if ui
            .add_enabled(look.scale < 2.0, egui::Button::new("A+"))
            .on_hover_text(l.pick("Bigger", "Större"))
            .clicked()
        {
            state.look = look.step(0.25);
        }
        let mut high = look.high_contrast;
        if ui
            .toggle_value(&mut high, l.pick("High contrast", "Hög kontrast"))
            .changed()
        {
            state.look.high_contrast = high;
        }
    });
}
