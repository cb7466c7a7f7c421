//! The inspector: everything about the selected building or sensor, and a sensor's history
//! chart.

use super::widgets::{TIME_COLOR, attributes_table};
use super::{SIDE_PANEL_WIDTH, SensorView, UiOutbox};
use crate::city::Building;
use crate::clock::model::local_time_text;
use crate::scene::{
    ClockCommand, HISTORY_HOURS, HistoryStatus, SelectBuilding, SelectSensor, SensorHistory,
    SensorMarker,
};
use crate::text::thousands;
use bevy_egui::egui;

pub(super) fn sensor_inspector(
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
                ui.label(local_time_text(shown.at));
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
pub(super) fn history_chart(
    ui: &mut egui::Ui,
    h: &SensorHistory,
    unit: &str,
    replayed: Option<i64>,
    out: &mut UiOutbox,
) {
    ui.add_space(4.0);
    ui.label(
        egui::RichText::new(format!(
            "{} over the last {} hours",
            h.attribute, HISTORY_HOURS
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
                .include_x(-HISTORY_HOURS)
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

/// A building's summary; an added building of the active scenario (`placed`) says so, and
/// every building shows the floors and the gross floor area the KPIs count.
pub(super) fn inspector(
    ui: &mut egui::Ui,
    b: &Building,
    placed: Option<&crate::scenario::Placed>,
    storey_height: f64,
) {
    ui.label(egui::RichText::new(b.title()).heading());
    if placed.is_some() {
        ui.label(egui::RichText::new("Added by the active scenario").strong());
    }
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
            let (floors, gfa) = match placed {
                Some(p) => (
                    p.floors
                        .or((!p.is_model).then(|| crate::scenario::floors(b, storey_height))),
                    Some(crate::scenario::Kpis::gfa_of(p, storey_height)),
                ),
                None => {
                    let f = crate::scenario::floors(b, storey_height);
                    (Some(f), Some(f * b.footprint.area()))
                }
            };
            if let Some(f) = floors {
                ui.label("Floors");
                ui.label(format!("{f}"));
                ui.end_row();
            }
            if let Some(g) = gfa {
                ui.label("GFA (BTA)");
                ui.label(format!("{} m²", thousands(g.round() as usize)));
                ui.end_row();
            }
            ui.label("Id");
            wrapped(ui, egui::RichText::new(&b.id).monospace().small());
            ui.end_row();
        });
}

/// Under a building's summary (and its editing controls): all its attributes, and clearing
/// the selection.
pub(super) fn building_details(ui: &mut egui::Ui, b: &Building, out: &mut UiOutbox) {
    let value_width = SIDE_PANEL_WIDTH - 110.0;
    attributes_table(ui, "attributes", &b.attributes, value_width - 10.0);
    if ui.button("Clear selection").clicked() {
        out.select.write(SelectBuilding(None));
    }
}
