//! What is drawn over the 3D view: the nearest sensors' labels, the visible layers' legends,
//! the live status line; and the About window.

use super::widgets::egui_color;
use super::{SensorView, UiState, ViewCamera};
use crate::city::sensor::SensorLayer;
use crate::language::{Arg, Language};
use crate::live::LiveMode;
use crate::scene::{CityState, Layers, SensorMarker, Settings};
use bevy::prelude::*;
use bevy_egui::egui;

/// Labels of the nearest markers, the legends of the visible sensor layers and the live
/// status line, drawn over the 3D view.
pub(super) fn sensor_overlay(
    ctx: &egui::Context,
    sensors: &SensorView,
    layers: &Layers,
    settings: &Settings,
    view: egui::Rect,
    cameras: &[ViewCamera],
    l: Language,
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
    if !cameras.is_empty() {
        // Each camera labels the markers in its part of the view (side by side: both halves).
        let mut shown: Vec<(f32, Vec2, &SensorMarker)> = Vec::new();
        for v in cameras {
            let cam_pos = v.transform.translation();
            shown.extend(
                sensors
                    .markers
                    .iter()
                    .filter(|(_, _, visible)| visible.get())
                    .filter_map(|(m, t, _)| {
                        let top = t.translation() + Vec3::Y * t.scale().y * 0.6;
                        let p = v.to_window(top)?;
                        Some((t.translation().distance(cam_pos), p, m))
                    }),
            );
        }
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
            let Some(layer) = sensor_layers.0.get(marker.sensor.layer) else {
                continue;
            };
            let text = match marker.label(now, stale_ms, layer, l) {
                (text, Some((observed, at))) => {
                    format!("{text} ({})", super::widgets::age(observed, at, l))
                }
                (text, None) => text,
            };
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
        .filter(|layer| {
            layers.is_visible(&layer.id)
                && layers.get(&layer.id).and_then(|x| x.count).unwrap_or(0) > 0
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
                    super::widgets::tight(ui);
                    ui.set_max_width(230.0);
                    for (i, layer) in visible.iter().enumerate() {
                        if i > 0 {
                            ui.add_space(4.0);
                        }
                        ui.label(egui::RichText::new(layer.name.get(l)).strong().small());
                        legend(ui, layer, l);
                    }
                    ui.horizontal(|ui| {
                        let (r, _) =
                            ui.allocate_exact_size(egui::vec2(12.0, 10.0), egui::Sense::hover());
                        ui.painter().rect_filled(
                            r,
                            2.0,
                            egui_color(crate::city::sensor::STALE_COLOR),
                        );
                        ui.label(
                            egui::RichText::new(l.t_with(
                                "sensor-no-reading",
                                &[("minutes", Arg::number(settings.sensors.stale_after_min, 0))],
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
        Some(t) => {
            let changes = l.t_with(
                "live-changes",
                &[
                    ("count", live.applied.into()),
                    ("seconds", t.elapsed().as_secs().into()),
                ],
            );
            format!(" {changes}")
        }
        None => String::new(),
    };
    egui::Area::new("live-status".into())
        .order(egui::Order::Foreground)
        // Its foot on the view's foot, whatever the text size.
        .pivot(egui::Align2::LEFT_BOTTOM)
        .fixed_pos(egui::pos2(view.min.x + 8.0, view.max.y - 4.0))
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
                            egui::RichText::new(l.t_with(
                                "live-status",
                                &[
                                    ("mode", l.t(mode_key(live.mode)).into()),
                                    ("detail", live.detail.clone().into()),
                                    ("changes", changes.into()),
                                ],
                            ))
                            .small(),
                        );
                    });
                });
        });
}

/// One layer's legend: a gradient bar for a blended scale, swatches otherwise.
pub(super) fn legend(ui: &mut egui::Ui, layer: &SensorLayer, l: Language) {
    use crate::city::sensor::Colors;
    let swatch = |ui: &mut egui::Ui, c: [f32; 3]| {
        let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter().rect_filled(r, 2.0, egui_color(c));
    };
    match &layer.colors {
        Colors::Stops { stops, blend: true } if stops.len() >= 2 => {
            let (first, last) = (&stops[0], &stops[stops.len() - 1]);
            ui.horizontal(|ui| {
                ui.label(
                    egui::RichText::new(crate::language::text::number(
                        first.0,
                        decimals(first.0),
                        l,
                    ))
                    .small(),
                );
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
                let last_text = crate::language::text::number(last.0, decimals(last.0), l);
                ui.label(egui::RichText::new(format!("{last_text} {}", layer.unit)).small());
            });
            let named: Vec<String> = stops
                .iter()
                .filter(|s| !s.2.is_empty())
                .map(|s| {
                    format!(
                        "{} {}",
                        crate::language::text::number(s.0, decimals(s.0), l),
                        s.2.get(l)
                    )
                })
                .collect();
            if !named.is_empty() {
                ui.label(egui::RichText::new(named.join(" · ")).small().weak());
            }
        }
        _ => {
            for entry in layer.legend(l) {
                ui.horizontal(|ui| {
                    swatch(ui, entry.color);
                    ui.label(egui::RichText::new(entry.text).small());
                });
            }
        }
    }
}

pub(super) fn about_window(
    ctx: &egui::Context,
    state: &mut UiState,
    city: &CityState,
    broker_url: Option<&str>,
) {
    let mut open = state.about;
    let l = state.language;
    egui::Window::new(l.t("about-title"))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .default_width(420.0)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            let version = env!("CARGO_PKG_VERSION");
            ui.label(l.t_with("about-version", &[("version", version.into())]));
            ui.label(l.t("about-intro"));
            ui.add_space(6.0);
            ui.strong(l.t("about-data"));
            match &city.model {
                Some(model) => {
                    ui.label(&model.source_label);
                    if let Some(url) = broker_url {
                        ui.label(l.t_with("about-local-broker", &[("url", url.into())]));
                    }
                    ui.label(l.t_with(
                        "about-origin",
                        &[
                            ("lon", Arg::number(model.origin.lon, 5)),
                            ("lat", Arg::number(model.origin.lat, 5)),
                            ("crs", (&model.crs).into()),
                        ],
                    ));
                    if let Some(a) = &model.attribution {
                        ui.label(a);
                        ui.hyperlink_to(l.t("about-osm-link"), OSM_COPYRIGHT);
                    }
                }
                None => {
                    ui.label(l.t("loading"));
                }
            }
            ui.add_space(6.0);
            ui.strong(l.t("about-software"));
            ui.label(l.t("about-built-with"));
        });
    state.about = open;
}

/// Top middle of the view: the city shown is the saved one (from the city cache): "Offline
/// since …" in red when the source cannot be reached, else a quiet note while it is read.
pub(super) fn city_badge(
    ctx: &egui::Context,
    city: &crate::scene::CityState,
    l: Language,
    view: egui::Rect,
) {
    let Some(written) = city.cached_at else {
        return;
    };
    let when = super::widgets::local_time(written, l);
    let (key, color) = match &city.offline {
        Some(_) => ("badge-offline", egui::Color32::from_rgb(200, 50, 40)),
        None => ("badge-cached", egui::Color32::from_rgb(70, 90, 120)),
    };
    let text = l.t_with(key, &[("when", when.into())]);
    let offline = city.offline.clone();
    egui::Area::new("city-badge".into())
        .order(egui::Order::Foreground)
        .pivot(egui::Align2::CENTER_TOP)
        .fixed_pos(view.center_top() + egui::vec2(0.0, 8.0))
        .interactable(true)
        .show(ctx, |ui| {
            let response = egui::Frame::new()
                .fill(color)
                .corner_radius(6)
                .inner_margin(egui::Margin::symmetric(12, 6))
                .show(ui, |ui| {
                    ui.label(
                        egui::RichText::new(text)
                            .color(egui::Color32::WHITE)
                            .strong(),
                    );
                })
                .response;
            if let Some(why) = offline {
                response.on_hover_text(why);
            }
        });
}

/// OpenStreetMap's copyright page, linked where its data is shown.
const OSM_COPYRIGHT: &str = "https://www.openstreetmap.org/copyright";

/// The catalogue key of a live mode's name.
fn mode_key(mode: LiveMode) -> &'static str {
    match mode {
        LiveMode::Off => "live-mode-off",
        LiveMode::Connecting => "live-mode-connecting",
        LiveMode::Mqtt => "live-mode-mqtt",
        LiveMode::Http => "live-mode-http",
        LiveMode::Polling => "live-mode-polling",
        LiveMode::Offline => "live-mode-offline",
    }
}

/// The decimals a legend's bound needs (none for whole numbers, else up to two).
fn decimals(x: f64) -> usize {
    if x.fract() == 0.0 {
        0
    } else if (x * 10.0).fract() == 0.0 {
        1
    } else {
        2
    }
}

/// The credits the base map requires, small in the bottom right corner of the 3D view as
/// maps carry them, and a line for each ground source that could not be read.
pub(super) fn map_credits(
    ctx: &egui::Context,
    attributions: &[String],
    problems: &[String],
    view: egui::Rect,
    l: Language,
) {
    if attributions.is_empty() && problems.is_empty() {
        return;
    }
    egui::Area::new("map-credits".into())
        .order(egui::Order::Foreground)
        .pivot(egui::Align2::RIGHT_BOTTOM)
        .fixed_pos(view.right_bottom() + egui::vec2(-6.0, -4.0))
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(egui::Color32::from_rgba_unmultiplied(255, 255, 255, 170))
                .corner_radius(3)
                .inner_margin(egui::Margin::symmetric(6, 2))
                .show(ui, |ui| {
                    for problem in problems {
                        ui.label(
                            egui::RichText::new(
                                l.t_with("ground-problem", &[("problem", problem.as_str().into())]),
                            )
                            .small()
                            .color(egui::Color32::from_rgb(150, 30, 20)),
                        );
                    }
                    if !attributions.is_empty() {
                        ui.label(
                            egui::RichText::new(attributions.join(" · "))
                                .small()
                                .color(egui::Color32::from_rgb(40, 40, 40)),
                        );
                    }
                });
        });
}
