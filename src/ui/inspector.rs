//! The inspector: everything about the selected building or sensor, and a sensor's history
//! chart.

use super::widgets::{TIME_COLOR, attributes_table};
use super::{SIDE_PANEL_WIDTH, SensorView, UiOutbox};
use crate::city::Building;
use crate::language::{Arg, Language};
use crate::scene::{
    ClockCommand, HISTORY_HOURS, HistoryStatus, SelectBuilding, SelectSensor, SensorHistory,
    SensorMarker, TilesetFeature,
};
use bevy_egui::egui;

/// Property names that name a feature, in the order they are tried for its title.
const TITLE_KEYS: [&str; 7] = [
    "name",
    "naam",
    "namn",
    "identificatie",
    "id",
    "gml_id",
    "blockid",
];

/// A feature of a 3D tileset: its name (a naming property, else its glTF mesh's name, else
/// its number), the tileset and every property it has.
pub(super) fn tileset_feature_inspector(ui: &mut egui::Ui, f: &TilesetFeature, l: Language) {
    let named = TITLE_KEYS.iter().find_map(|k| {
        f.properties
            .iter()
            .find(|(name, v)| name.eq_ignore_ascii_case(k) && !v.is_empty())
            .map(|(_, v)| v.clone())
    });
    let title = named
        .or_else(|| (!f.part.starts_with("mesh ")).then(|| f.part.clone()))
        .or_else(|| {
            f.feature
                .map(|n| l.t_with("tileset-feature-number", &[("number", n.into())]))
        })
        .unwrap_or_else(|| f.part.clone());
    ui.add(egui::Label::new(egui::RichText::new(title).heading()).wrap());
    ui.label(
        egui::RichText::new(l.t_with(
            "tileset-feature-of",
            &[("tileset", f.tileset.as_str().into())],
        ))
        .weak(),
    );
    if f.properties.is_empty() {
        ui.label(l.t("tileset-feature-no-properties"));
    } else {
        attributes_table(
            ui,
            "tileset-feature",
            &f.properties,
            SIDE_PANEL_WIDTH - 110.0,
            l,
        );
    }
}

pub(super) fn sensor_inspector(
    ui: &mut egui::Ui,
    marker: &SensorMarker,
    layer_name: &str,
    sensors: &SensorView,
    l: Language,
    out: &mut UiOutbox,
) {
    let history = sensors.history.as_deref();
    let s = &marker.sensor;
    let layer = sensors.layers.as_ref().and_then(|x| x.0.get(s.layer));
    let label = |reading| layer.map_or_else(|| s.label.clone(), |x| s.label_in(x, reading, l));
    ui.label(egui::RichText::new(s.name.as_deref().unwrap_or(&s.id)).heading());
    ui.label(egui::RichText::new(layer_name).weak());
    if s.simulated {
        ui.colored_label(
            egui::Color32::from_rgb(200, 120, 20),
            l.t("sensor-simulated"),
        );
    }
    let now = crate::timestamp::now_millis();
    let value_width = SIDE_PANEL_WIDTH - 110.0;
    ui.scope(|ui| {
        super::widgets::tight(ui);
        egui::Grid::new("sensor")
            .num_columns(2)
            .striped(true)
            .max_col_width(value_width)
            .show(ui, |ui| {
                if let Some(shown) = &marker.shown {
                    ui.label(super::widgets::local_time(shown.at, l));
                    ui.label(egui::RichText::new(label(&shown.reading)).strong());
                    ui.end_row();
                    ui.label(l.t("sensor-now"));
                    ui.label(label(&s.reading));
                    ui.end_row();
                } else {
                    ui.label(l.t("sensor-value"));
                    ui.label(egui::RichText::new(label(&s.reading)).strong());
                    ui.end_row();
                }
                if let Some(t) = s.observed_at {
                    ui.label(l.t("sensor-observed"));
                    ui.label(l.t_with(
                        "sensor-observed-value",
                        &[
                            ("time", super::widgets::local_time(t, l).into()),
                            ("age", super::widgets::age(t, now, l).into()),
                        ],
                    ));
                    ui.end_row();
                }
                ui.label(l.t("id"));
                ui.add(egui::Label::new(egui::RichText::new(&s.id).monospace().small()).wrap());
                ui.end_row();
            });
    });
    if let Some(h) = history.filter(|h| h.id.as_deref() == Some(s.id.as_str())) {
        let at = sensors
            .clock
            .as_deref()
            .filter(|c| !c.is_live())
            .map(|c| c.at());
        history_chart(ui, h, &s.unit, at, l, out);
    }
    attributes_table(
        ui,
        "sensor-attributes",
        &s.attributes,
        value_width - 10.0,
        l,
    );
    if ui.button(l.t("clear-selection")).clicked() {
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
    l: Language,
    out: &mut UiOutbox,
) {
    ui.add_space(4.0);
    ui.label(
        egui::RichText::new(l.t_with(
            "history-title",
            &[
                ("attribute", (&h.attribute).into()),
                ("hours", Arg::number(HISTORY_HOURS, 0)),
            ],
        ))
        .strong(),
    );
    match &h.status {
        HistoryStatus::Loading => {
            ui.label(egui::RichText::new(l.t("history-loading")).weak());
        }
        HistoryStatus::Failed(why) => {
            ui.label(egui::RichText::new(why.text(l)).weak().small());
        }
        HistoryStatus::None => {}
        HistoryStatus::Ready if h.points.is_empty() => {
            ui.label(egui::RichText::new(l.t("history-none")).weak());
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
                .x_axis_formatter(move |m, _| {
                    l.t_with("history-axis", &[("hours", Arg::number(m.value, 0))])
                })
                .label_formatter(move |pos| match pos {
                    egui_plot::HoverPosition::NearDataPoint { position: p, .. } => Some(l.t_with(
                        "history-point",
                        &[
                            ("value", Arg::number(p.y, 1)),
                            ("unit", unit.as_str().into()),
                            ("hours", Arg::number(-p.x, 1)),
                        ],
                    )),
                    _ => None,
                })
                .show(ui, |plot| {
                    plot.line(
                        egui_plot::Line::new(l.t("history-line"), points)
                            .color(egui::Color32::from_rgb(40, 120, 200)),
                    );
                    if let Some(t) = replayed {
                        plot.vline(
                            egui_plot::VLine::new(
                                l.t("history-time-shown"),
                                (t - now) as f64 / 3_600_000.0,
                            )
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
    l: Language,
) {
    ui.label(egui::RichText::new(b.title()).heading());
    if placed.is_some() {
        ui.label(egui::RichText::new(l.t("building-added")).strong());
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
    ui.scope(|ui| {
        super::widgets::tight(ui);
        egui::Grid::new("building")
            .num_columns(2)
            .striped(true)
            .max_col_width(value_width)
            .show(ui, |ui| {
                let m2 = |x: f64| l.t_with("square-metres", &[("m2", Arg::number(x, 0))]);
                ui.label(l.t("building-height"));
                ui.label(l.t_with("metres", &[("m", Arg::number(b.height, 1))]));
                ui.end_row();
                ui.label(l.t("building-height-from"));
                wrapped(ui, egui::RichText::new(height_source(&b.height_source, l)));
                ui.end_row();
                if b.base > 0.0 {
                    ui.label(l.t("building-base"));
                    ui.label(l.t_with("building-base-value", &[("m", Arg::number(b.base, 1))]));
                    ui.end_row();
                }
                ui.label(l.t("building-footprint"));
                ui.label(m2(b.footprint.area()));
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
                    ui.label(l.t("building-floors"));
                    ui.label(crate::language::text::number(
                        f,
                        if f.fract() == 0.0 { 0 } else { 1 },
                        l,
                    ));
                    ui.end_row();
                }
                if let Some(g) = gfa {
                    ui.label(l.t("building-gfa"));
                    ui.label(m2(g));
                    ui.end_row();
                }
                ui.label(l.t("id"));
                wrapped(ui, egui::RichText::new(&b.id).monospace().small());
                ui.end_row();
            });
    });
}

/// Under a building's summary (and its editing controls): all its attributes, and clearing
/// the selection.
pub(super) fn building_details(ui: &mut egui::Ui, b: &Building, l: Language, out: &mut UiOutbox) {
    let value_width = SIDE_PANEL_WIDTH - 110.0;
    attributes_table(ui, "attributes", &b.attributes, value_width - 10.0, l);
    if ui.button(l.t("clear-selection")).clicked() {
        out.select.write(SelectBuilding(None));
    }
}

/// Where a building's height came from, in a sentence.
fn height_source(source: &crate::city::HeightSource, l: Language) -> String {
    use crate::city::HeightSource;
    match source {
        HeightSource::Attribute { detail: None } => l.t("height-attribute"),
        HeightSource::Attribute { detail: Some(d) } => {
            let known = match d.as_str() {
                "height_tag" => l.t("height-osm-tag"),
                "levels" => l.t("height-osm-levels"),
                "building_parts_max" => l.t("height-osm-parts"),
                "default" => l.t("height-provider-default"),
                "3dbag_h_dak_70p" => l.t("height-3dbag"),
                other => other.to_owned(),
            };
            l.t_with("height-attribute-from", &[("source", known.into())])
        }
        HeightSource::Floors {
            floors,
            storey_height,
        } => l.t_with(
            "height-floors",
            &[
                ("floors", Arg::number(*floors, 0)),
                ("storey", Arg::number(*storey_height, 1)),
            ],
        ),
        HeightSource::Default => l.t("height-default"),
        HeightSource::Model { format, lod } if lod.is_empty() => {
            l.t_with("height-model", &[("format", format.into())])
        }
        HeightSource::Model { format, lod } => l.t_with(
            "height-model-lod",
            &[("format", format.into()), ("lod", lod.into())],
        ),
    }
}
