//! The Measure section of the side panel (distance, height, area; the result, Copy, Undo,
//! Clear, Done) and the measurement drawn over the view: lines, points and a label at each
//! segment.

use super::{UiOutbox, ViewCamera};
use crate::language::{Arg, Language};
use crate::measure::{Kind, Measurement};
use crate::scene::pointing::Snapped;
use crate::scene::{EditTool, MeasureCommand, MeasureState, Tool};
use bevy::math::Vec3;
use bevy_egui::egui;

/// Colour of the measurement over the view.
const LINE: egui::Color32 = egui::Color32::from_rgb(255, 200, 40);

/// The Measure section.
pub(super) fn measure_section(
    ui: &mut egui::Ui,
    state: &MeasureState,
    tool: &EditTool,
    l: Language,
    out: &mut UiOutbox,
) {
    ui.separator();
    ui.strong(l.t("measure"));
    let on = state.active && tool.tool == Tool::Measure;
    ui.horizontal(|ui| {
        for (kind, name, hint) in [
            (Kind::Distance, "measure-distance", "measure-distance-tip"),
            (Kind::Height, "measure-height", "measure-height-tip"),
            (Kind::Area, "measure-area", "measure-area-tip"),
        ] {
            let selected = on && state.measurement.kind == kind;
            if ui
                .selectable_label(selected, l.t(name))
                .on_hover_text(l.t(hint))
                .clicked()
            {
                out.measure.write(if selected {
                    MeasureCommand::Stop
                } else {
                    MeasureCommand::Start(kind)
                });
            }
        }
    });
    if !on {
        return;
    }
    let m = &state.measurement;
    if m.points.is_empty() {
        ui.label(
            egui::RichText::new(l.t(match m.kind {
                Kind::Distance => "measure-first-point",
                Kind::Height => "measure-building-point",
                Kind::Area => "measure-first-corner",
            }))
            .weak(),
        );
    } else if m.is_complete() {
        ui.label(egui::RichText::new(measurement_text(m, l)).monospace());
    } else {
        ui.label(egui::RichText::new(l.t("measure-next-point")).weak());
    }
    if !m.points.is_empty() {
        let key = match state.snapped {
            Snapped::Corner => Some("measure-snapped-corner"),
            Snapped::Edge => Some("measure-snapped-edge"),
            Snapped::Free => None,
        };
        if let Some(key) = key {
            ui.label(egui::RichText::new(l.t(key)).small());
        }
    }
    ui.label(egui::RichText::new(l.t("measure-keys")).small().weak());
    ui.horizontal(|ui| {
        if ui
            .add_enabled(m.is_complete(), egui::Button::new(l.t("copy")))
            .on_hover_text(l.t("measure-copy-tip"))
            .clicked()
        {
            ui.ctx().copy_text(measurement_text(m, l));
        }
        if ui
            .add_enabled(!m.points.is_empty(), egui::Button::new(l.t("measure-undo")))
            .clicked()
        {
            out.measure.write(MeasureCommand::UndoPoint);
        }
        if ui
            .add_enabled(!m.points.is_empty(), egui::Button::new(l.t("clear")))
            .on_hover_text(l.t("measure-clear-tip"))
            .clicked()
        {
            out.measure.write(MeasureCommand::Clear);
        }
        if ui.button(l.t("done")).clicked() {
            out.measure.write(MeasureCommand::Stop);
        }
    });
}

/// The measurement over the view: its lines, points and labels.
pub(super) fn measure_overlay(
    ctx: &egui::Context,
    state: &MeasureState,
    cameras: &[ViewCamera],
    l: Language,
) {
    let m = &state.measurement;
    if !state.active {
        return;
    }
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Middle,
        egui::Id::new("measure-overlay"),
    ));
    snap_marker(&painter, state, cameras);
    if m.points.is_empty() {
        return;
    }
    let stroke = egui::Stroke::new(2.5, LINE);
    for view in cameras {
        let screen = |p: [f64; 3]| {
            view.to_window(Vec3::new(p[0] as f32, p[2] as f32, -p[1] as f32))
                .map(|v| egui::pos2(v.x, v.y))
        };
        let label = |at: egui::Pos2, text: String| {
            let galley = painter.layout_no_wrap(
                text,
                egui::FontId::proportional(13.0),
                egui::Color32::BLACK,
            );
            let rect = egui::Rect::from_center_size(at, galley.size() + egui::vec2(8.0, 4.0));
            painter.rect_filled(rect, 3.0, LINE);
            painter.galley(
                rect.min + egui::vec2(4.0, 2.0),
                galley,
                egui::Color32::BLACK,
            );
        };
        match m.kind {
            Kind::Distance | Kind::Area => {
                let closed = m.kind == Kind::Area && m.points.len() >= 3;
                let n = m.points.len();
                let pairs = if closed { n } else { n.saturating_sub(1) };
                for i in 0..pairs {
                    let (a, b) = (m.points[i], m.points[(i + 1) % n]);
                    if let (Some(pa), Some(pb)) = (screen(a), screen(b)) {
                        painter.line_segment([pa, pb], stroke);
                        if m.kind == Kind::Distance {
                            let s = crate::measure::segment(a, b);
                            label(pa + (pb - pa) / 2.0, metres(s.three_d, l));
                        }
                    }
                }
                if closed {
                    let (area, _) = m.area();
                    let c = m
                        .points
                        .iter()
                        .fold([0.0; 3], |c, p| [c[0] + p[0], c[1] + p[1], 0.0]);
                    let centre = [c[0] / n as f64, c[1] / n as f64, 0.0];
                    if let Some(p) = screen(centre) {
                        label(p, square_metres(area, l));
                    }
                }
            }
            Kind::Height => {
                let p = m.points[0];
                if let (Some(top), Some(foot)) = (screen(p), screen([p[0], p[1], 0.0])) {
                    painter.line_segment([top, foot], stroke);
                    label(top + (foot - top) / 2.0, metres(p[2], l));
                }
            }
        }
        for p in &m.points {
            if let Some(s) = screen(*p) {
                painter.circle(s, 5.0, LINE, egui::Stroke::new(1.5, egui::Color32::BLACK));
            }
        }
    }
}

/// The snap marker under the pointer: a ring on a corner, a diamond on an edge, a small
/// cross elsewhere.
fn snap_marker(painter: &egui::Painter, state: &MeasureState, cameras: &[ViewCamera]) {
    let Some((p, snapped)) = state.hover else {
        return;
    };
    let Some(at) = cameras
        .iter()
        .find_map(|v| v.to_window(Vec3::new(p[0] as f32, p[2] as f32, -p[1] as f32)))
        .map(|v| egui::pos2(v.x, v.y))
    else {
        return;
    };
    let dark = egui::Stroke::new(3.5, egui::Color32::BLACK);
    let light = egui::Stroke::new(2.0, LINE);
    match snapped {
        Snapped::Corner => {
            painter.circle_stroke(at, 9.0, dark);
            painter.circle_stroke(at, 9.0, light);
        }
        Snapped::Edge => {
            let d = 8.0;
            let pts = vec![
                at + egui::vec2(0.0, -d),
                at + egui::vec2(d, 0.0),
                at + egui::vec2(0.0, d),
                at + egui::vec2(-d, 0.0),
            ];
            painter.add(egui::Shape::closed_line(pts.clone(), dark));
            painter.add(egui::Shape::closed_line(pts, light));
        }
        Snapped::Free => {
            for (a, b) in [
                (egui::vec2(-5.0, 0.0), egui::vec2(5.0, 0.0)),
                (egui::vec2(0.0, -5.0), egui::vec2(0.0, 5.0)),
            ] {
                painter.line_segment([at + a, at + b], dark);
                painter.line_segment([at + a, at + b], light);
            }
        }
    }
}

/// A crosshair at the middle of the view while a tool picks points: where Enter picks.
pub(super) fn crosshair(ctx: &egui::Context, view: egui::Rect) {
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Middle,
        egui::Id::new("crosshair"),
    ));
    let c = view.center();
    let stroke = egui::Stroke::new(1.5, egui::Color32::from_white_alpha(200));
    for (a, b) in [
        (egui::vec2(-12.0, 0.0), egui::vec2(-4.0, 0.0)),
        (egui::vec2(4.0, 0.0), egui::vec2(12.0, 0.0)),
        (egui::vec2(0.0, -12.0), egui::vec2(0.0, -4.0)),
        (egui::vec2(0.0, 4.0), egui::vec2(0.0, 12.0)),
    ] {
        painter.line_segment([c + a, c + b], stroke);
    }
}

/// A length as [`crate::measure::metres`] rounds it, in the language.
fn metres(m: f64, l: Language) -> String {
    let decimals = crate::measure::length_decimals(m);
    l.t_with("metres", &[("m", Arg::number(m, decimals))])
}

/// An area as [`crate::measure::square_metres`] rounds it, in the language.
fn square_metres(a: f64, l: Language) -> String {
    let decimals = crate::measure::area_decimals(a);
    l.t_with("square-metres", &[("m2", Arg::number(a, decimals))])
}

/// The measurement's result as text (shown and copied).
fn measurement_text(m: &Measurement, l: Language) -> String {
    match m.kind {
        Kind::Distance => {
            let t = m.total();
            let mut out = l.t_with(
                "measure-distance-result",
                &[
                    ("total", metres(t.three_d, l).into()),
                    ("horizontal", metres(t.horizontal, l).into()),
                    ("rise", metres(t.rise, l).into()),
                ],
            );
            for (i, s) in m.segments().iter().enumerate() {
                let segment = l.t_with(
                    "measure-segment",
                    &[
                        ("n", (i + 1).into()),
                        ("length", metres(s.three_d, l).into()),
                        ("horizontal", metres(s.horizontal, l).into()),
                    ],
                );
                out.push_str("\n  ");
                out.push_str(&segment);
            }
            out
        }
        Kind::Height => match m.height() {
            Some(h) => l.t_with("measure-height-result", &[("height", metres(h, l).into())]),
            None => l.t("measure-height-none"),
        },
        Kind::Area => {
            let (a, p) = m.area();
            l.t_with(
                "measure-area-result",
                &[
                    ("area", square_metres(a, l).into()),
                    ("perimeter", metres(p, l).into()),
                ],
            )
        }
    }
}
