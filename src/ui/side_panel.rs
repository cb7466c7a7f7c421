//! The side panel: the data summary and loading progress, layers, colour by, views, saving a
//! picture, and the inspector.

use super::inspector::{building_details, inspector, sensor_inspector, tileset_feature_inspector};
use super::widgets::{egui_color, progress_bar};
use super::{SensorView, UiOutbox, UiState};
use crate::language::{Arg, Language};
use crate::scene::{
    BuildingStyle, CityState, EditTool, GoToView, LastPicture, Layers, LoadStatus, ReloadCity,
    SavePicture, Scenarios, Selection, SetBuildingStyle, SetLayerVisible, SetShadows, Views,
};
use bevy::prelude::*;
use bevy_egui::egui;

/// "Colour buildings by": the neutral style or an attribute, with the theme's legend.
pub(super) fn building_style(
    ui: &mut egui::Ui,
    style: &BuildingStyle,
    l: Language,
    out: &mut UiOutbox,
) {
    use crate::city::style::ThemeKind;
    let current = style.theme.as_ref().map(|t| t.attribute.clone());
    ui.horizontal(|ui| {
        ui.label(l.t("colour-by"));
        egui::ComboBox::from_id_salt("building-style")
            .selected_text(current.clone().unwrap_or_else(|| l.t("colour-by-nothing")))
            .width(170.0)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(current.is_none(), l.t("colour-by-nothing"))
                    .clicked()
                {
                    out.style.write(SetBuildingStyle(None));
                }
                for c in &style.choices {
                    let kind = match c.kind {
                        ThemeKind::Numeric => "number",
                        ThemeKind::Categories => "category",
                    };
                    let text = l.t_with(
                        "colour-by-choice",
                        &[
                            ("attribute", (&c.attribute).into()),
                            ("kind", kind.into()),
                            ("count", c.count.into()),
                        ],
                    );
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
        ui.scope(|ui| {
            super::widgets::tight(ui);
            for (color, text) in theme.legend() {
                ui.horizontal(|ui| {
                    let (r, _) =
                        ui.allocate_exact_size(egui::vec2(14.0, 10.0), egui::Sense::hover());
                    ui.painter().rect_filled(r, 2.0, egui_color(color));
                    ui.label(egui::RichText::new(text).small());
                });
            }
        });
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
    (selection, tileset_feature): (&Selection, Option<&crate::scene::TilesetFeature>),
    layers: &Layers,
    views: &Views,
    last_picture: &LastPicture,
    sensors: &SensorView,
    style: Option<&BuildingStyle>,
    scenarios: &Scenarios,
    tool: &EditTool,
    can_publish: bool,
    storey_height: f64,
    (measure, comments, zone, language, settings): (
        Option<&crate::scene::MeasureState>,
        Option<&crate::scene::CommentsState>,
        Option<chrono_tz::Tz>,
        Language,
        &crate::scene::Settings,
    ),
    out: &mut UiOutbox,
) {
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.heading("citytwin");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            // A kiosk's panel stays: a visitor would not find it again.
            if !state.kiosk
                && ui
                    .button(language.t("panel-hide"))
                    .on_hover_text(language.t("panel-hide-tip"))
                    .clicked()
            {
                state.side_panel = false;
            }
            if ui.button(language.t("about")).clicked() {
                state.about = !state.about;
            }
            // The other language, named in itself.
            let other = match language {
                Language::English => Language::Swedish,
                Language::Swedish => Language::English,
            };
            if ui
                .button(egui::RichText::new(language.t("language-switch")).strong())
                .on_hover_text(language.t("language-switch-tip"))
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
            data_section(ui, city, &mut out.reload, state.kiosk, language);
            ui.separator();
            ui.strong(language.t("layers"));
            for layer in layers.iter() {
                let mut visible = layer.visible;
                let name = layer.name.get(language);
                let label = match layer.count {
                    Some(n) => language
                        .t_with("layer-count", &[("name", name.into()), ("count", n.into())]),
                    None => name.to_owned(),
                };
                if ui.checkbox(&mut visible, label).changed() {
                    out.layer.write(SetLayerVisible {
                        layer: layer.id.to_owned(),
                        visible,
                    });
                }
            }
            if ui
                .checkbox(&mut state.shadows, language.t("shadows"))
                .changed()
            {
                out.shadows.write(SetShadows(state.shadows));
            }
            if let Some(style) = style.filter(|s| !s.choices.is_empty()) {
                building_style(ui, style, language, out);
            }
            if city.is_ready() {
                super::scenarios::scenarios_section(ui, state, scenarios, out);
                if settings.kiosk.editing() {
                    super::editing::edit_section(ui, state, scenarios, tool, can_publish, out);
                }
            }
            if !views.views.is_empty() {
                ui.separator();
                ui.strong(language.t("views"));
                ui.horizontal_wrapped(|ui| {
                    for (name, _) in &views.views {
                        if ui.button(view_title(name, settings, language)).clicked() {
                            out.view.write(GoToView {
                                name: name.clone(),
                                instant: false,
                            });
                        }
                    }
                });
            }
            if let (Some(m), true) = (measure, city.is_ready()) {
                super::measure::measure_section(ui, m, tool, language, out);
            }
            if let (Some(c), true) = (comments, city.is_ready()) {
                super::comments::comments_section(ui, c, scenarios, zone, out);
            }
            ui.add_space(4.0);
            if !state.kiosk
                && ui
                    .button(language.t("save-picture"))
                    .on_hover_text(language.t("save-picture-tip"))
                    .clicked()
            {
                out.picture.write(SavePicture);
            }
            match &last_picture.0 {
                Some(Ok(path)) => {
                    let path = path.display().to_string();
                    let text = language.t_with("saved-file", &[("path", path.into())]);
                    ui.label(egui::RichText::new(text).small());
                }
                Some(Err(e)) => {
                    ui.colored_label(egui::Color32::from_rgb(200, 40, 40), e.text(language));
                }
                None => {}
            }
            ui.separator();
            ui.strong(language.t("inspector"));
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
                        .map(|l| l.name.get(language).to_owned())
                        .unwrap_or_default();
                    sensor_inspector(ui, m, &layer, sensors, language, out);
                }
                (Some((b, placed)), None) => {
                    inspector(ui, b, placed, storey_height, language);
                    let target = selection.building.and_then(|i| {
                        city.model
                            .as_ref()
                            .and_then(|m| crate::scene::scenarios::target(m, scenarios, i))
                    });
                    if settings.kiosk.editing() {
                        super::editing::building_controls(
                            ui,
                            state,
                            b,
                            placed.zip(target),
                            scenarios.active.is_some(),
                            storey_height,
                            out,
                        );
                    }
                    building_details(ui, b, language, out);
                }
                (None, None) => match tileset_feature {
                    Some(f) => tileset_feature_inspector(ui, f, language),
                    None => {
                        ui.label(language.t("inspector-empty"));
                    }
                },
            }
            ui.separator();
            ui.label(
                egui::RichText::new(language.t("controls-help"))
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
    l: Language,
) {
    let red = egui::Color32::from_rgb(200, 40, 40);
    match &city.status {
        LoadStatus::Loading { stage, done, total } => {
            progress_bar(ui, stage, *done, *total, city.started, l);
        }
        LoadStatus::Failed(message) => {
            ui.colored_label(red, l.t("data-failed"));
            ui.label(message);
            if ui.button(l.t("try-again")).clicked() {
                reload.write(ReloadCity);
            }
        }
        LoadStatus::Ready => {
            let Some(model) = &city.model else { return };
            ui.scope(|ui| {
                super::widgets::tight(ui);
                egui::Grid::new("summary").num_columns(2).show(ui, |ui| {
                    let n = |x: usize| crate::language::text::number(x as f64, 0, l);
                    ui.label(l.t("summary-entities"));
                    ui.label(n(model.entities_read));
                    ui.end_row();
                    ui.label(l.t("summary-buildings"));
                    ui.label(n(model.buildings.len()));
                    ui.end_row();
                    ui.label(l.t("summary-triangles"));
                    ui.label(l.t_with(
                        "summary-triangles-value",
                        &[
                            ("triangles", city.triangles.into()),
                            ("tiles", city.tiles_total.into()),
                        ],
                    ));
                    ui.end_row();
                    if let Some(v) = &city.viewport {
                        ui.label(l.t("summary-viewport"));
                        ui.label(l.t_with(
                            "summary-viewport-value",
                            &[
                                ("cells", v.cells.into()),
                                ("radius", Arg::number(v.radius_m, 0)),
                            ],
                        ))
                        .on_hover_text(l.t("summary-viewport-tip"));
                        ui.end_row();
                    }
                    if let Some(t) = city.ready_after {
                        ui.label(l.t("loaded-in"));
                        let seconds = Arg::number(t.as_secs_f64(), 1);
                        ui.label(l.t_with("duration-s", &[("seconds", seconds)]));
                        ui.end_row();
                    }
                });
            });
            match &city.progress {
                Some(p) => progress_bar(ui, p.stage, p.done, p.total, city.started, l),
                None if kiosk => {}
                None => {
                    if ui
                        .button(l.t("reload"))
                        .on_hover_text(l.t("reload-tip"))
                        .clicked()
                    {
                        reload.write(ReloadCity);
                    }
                }
            }
            if let Some(error) = &city.last_error {
                ui.colored_label(red, l.t("reload-failed"));
                ui.label(error);
            }
            if let Some(error) = city.viewport.as_ref().and_then(|v| v.last_error.as_ref()) {
                ui.colored_label(red, l.t("viewport-failed"));
                ui.label(l.t_with("viewport-retry", &[("error", error.into())]));
            }
        }
    }
    if let Some(model) = &city.model
        && !model.skipped.is_empty()
    {
        egui::CollapsingHeader::new(l.t_with("skipped", &[("count", model.skipped.len().into())]))
            .id_salt("skipped")
            .show(ui, |ui| {
                for s in model.skipped.iter().take(500) {
                    ui.label(egui::RichText::new(&s.id).monospace().small());
                    ui.label(&s.reason);
                    ui.add_space(2.0);
                }
                if model.skipped.len() > 500 {
                    let more = model.skipped.len() - 500;
                    ui.label(l.t_with("skipped-more", &[("count", more.into())]));
                }
            });
    }
}

/// Text size and contrast: A−, A+ and the high-contrast switch.
fn look_row(ui: &mut egui::Ui, state: &mut UiState, l: Language) {
    ui.horizontal(|ui| {
        ui.label(l.t("text-size"));
        let look = state.look;
        if ui
            .add_enabled(look.scale > 1.0, egui::Button::new(l.t("text-smaller")))
            .on_hover_text(l.t("text-smaller-tip"))
            .clicked()
        {
            state.look = look.step(-0.25);
        }
        if ui
            .add_enabled(look.scale < 2.0, egui::Button::new(l.t("text-bigger")))
            .on_hover_text(l.t("text-bigger-tip"))
            .clicked()
        {
            state.look = look.step(0.25);
        }
        let mut high = look.high_contrast;
        if ui.toggle_value(&mut high, l.t("high-contrast")).changed() {
            state.look.high_contrast = high;
        }
    });
}

/// A view's name on its button: its configured title, "Overview" for the overview, else the
/// name it has in the configuration.
fn view_title(name: &str, settings: &crate::scene::Settings, l: Language) -> String {
    match settings.views.get(name).filter(|v| !v.title.is_empty()) {
        Some(v) => v.title.get(l).to_owned(),
        None if name == crate::config::OVERVIEW => l.t("view-overview"),
        None => name.to_owned(),
    }
}
