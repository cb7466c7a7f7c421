//! What is drawn over the 3D view: the nearest sensors' labels, the visible layers' legends,
//! the live status line; and the About window.

use super::widgets::egui_color;
use super::{SensorView, UiState, ViewCamera};
use crate::city::sensor::SensorLayer;
use crate::live::LiveMode;
use crate::scene::{CityState, Layers, SensorMarker, Settings};
use crate::text::thousands;
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
                            egui_color(crate::city::sensor::STALE_COLOR),
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
pub(super) fn legend(ui: &mut egui::Ui, layer: &SensorLayer) {
    use crate::city::sensor::Colors;
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

pub(super) fn about_window(
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

/// Top middle of the view: the city shown is the saved one (from the city cache): "Offline
/// since …" in red when the source cannot be reached, else a quiet note while it is read.
pub(super) fn city_badge(
    ctx: &egui::Context,
    city: &crate::scene::CityState,
    l: crate::language::Language,
    view: egui::Rect,
) {
    let Some(written) = city.cached_at else {
        return;
    };
    let when = chrono::DateTime::from_timestamp_millis(written)
        .map(|t| crate::text::date_time(t.with_timezone(&chrono::Local).naive_local(), l))
        .unwrap_or_default();
    let (text, color) = match &city.offline {
        Some(_) => (
            match l {
                crate::language::Language::English => {
                    format!("Offline since {when}: showing the city as it was then")
                }
                crate::language::Language::Swedish => {
                    format!("Offline sedan {when}: staden visas som den var då")
                }
            },
            egui::Color32::from_rgb(200, 50, 40),
        ),
        None => (
            match l {
                crate::language::Language::English => {
                    format!("Showing the city saved {when}; reading the latest…")
                }
                crate::language::Language::Swedish => {
                    format!("Visar staden sparad {when}; hämtar det senaste…")
                }
            },
            egui::Color32::from_rgb(70, 90, 120),
        ),
    };
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
