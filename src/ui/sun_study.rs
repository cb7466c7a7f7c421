//! The sun-hours study window: run a study on the clock's date over the scenario's site or
//! the view, its progress (with Cancel), the heat map's view and legend, the area's figures
//! beside the BRE and Boverket criteria (named with their sources), the hours at a clicked
//! place, and the grids exported as CSV.

use super::ViewCamera;
use super::widgets::RED;
use super::{UiOutbox, UiState};
use crate::scene::{
    EditTool, Scenarios, SetTool, StudyArea, StudyResult, StudyStatus, StudyView, SunStudy,
    SunStudyCommand, Tool,
};
use crate::sunlight::legend::{DIFFERENCE_SCALE_H, difference_color, hours_color};
use crate::sunlight::{BOVERKET_HOURS, BRE_HOURS};
use bevy::math::Vec3;
use bevy_egui::egui;

/// Side of the square studied around the view (m).
const AROUND_VIEW_M: f64 = 600.0;

/// The BRE criterion, as the UI and the README name it.
pub const BRE: &str = "BRE BR 209 (2022): at least half of an amenity area should see ≥ 2 h \
                       of sun on 21 March, or keep ≥ 0.8 of its former share";
/// The Boverket criterion.
pub const BOVERKET: &str = "Boverket, Solklart (2012): play and sitting areas of dwellings \
                            should see ≥ 5 h of sun between 09 and 17 at the equinox";

/// The study window.
pub(super) fn study_window(
    ctx: &egui::Context,
    state: &mut UiState,
    study: &SunStudy,
    (scenarios, tool): (&Scenarios, &EditTool),
    out: &mut UiOutbox,
) {
    let mut open = state.sun_study;
    egui::Window::new("Sun-hours study")
        .id(egui::Id::new("sun-study"))
        // Above the sensors' labels, which are drawn over the view.
        .order(egui::Order::Foreground)
        .open(&mut open)
        .resizable(false)
        .default_width(380.0)
        .default_pos(egui::pos2(360.0, 80.0))
        .show(ctx, |ui| {
            ui.label(
                egui::RichText::new(
                    "Hours of sun on each 2 m of ground on the clock's date, every 10 minutes \
                     from sunrise to sunset, among the buildings as they stand.",
                )
                .small(),
            );
            let site = scenarios.active_applied().is_some_and(|a| a.site.is_some());
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(site, egui::Button::new("Study the scenario's site"))
                    .on_disabled_hover_text("Switch on a scenario that has a site")
                    .clicked()
                {
                    out.study
                        .write(SunStudyCommand::Run(StudyArea::ScenarioSite));
                }
                if ui
                    .button(format!("Study {AROUND_VIEW_M:.0} m around the view"))
                    .clicked()
                {
                    out.study
                        .write(SunStudyCommand::Run(StudyArea::AroundView(AROUND_VIEW_M)));
                }
            });
            let drawing = tool.tool == Tool::StudyArea;
            ui.horizontal(|ui| {
                if ui
                    .selectable_label(drawing, "Draw a rectangle")
                    .on_hover_text("Click or tap two opposite corners on the ground")
                    .clicked()
                {
                    out.edit.tool.write(SetTool(if drawing {
                        Tool::Select
                    } else {
                        Tool::StudyArea
                    }));
                }
                if drawing {
                    ui.label(if study.corner.is_some() {
                        "Now the opposite corner (Esc stops)."
                    } else {
                        "Click the first corner on the ground."
                    });
                }
            });
            match &study.status {
                StudyStatus::Running { fraction, what } => {
                    ui.horizontal(|ui| {
                        ui.add(
                            egui::ProgressBar::new(*fraction)
                                .desired_width(260.0)
                                .text(format!("Tracing {what}… {:.0} %", fraction * 100.0)),
                        );
                        if ui.button("Cancel").clicked() {
                            out.study.write(SunStudyCommand::Cancel);
                        }
                    });
                }
                StudyStatus::Failed(why) => {
                    ui.colored_label(RED, why);
                }
                StudyStatus::Idle => {}
            }
            if let Some(result) = &study.result {
                ui.separator();
                result_view(ui, study, result, out);
            }
        });
    state.sun_study = open;
}

fn result_view(ui: &mut egui::Ui, study: &SunStudy, r: &StudyResult, out: &mut UiOutbox) {
    ui.label(format!(
        "{}, {} ({}): sunrise {}, sunset {}, {:.1} h of daylight.",
        r.area_label,
        r.date.format("%-d %B %Y"),
        r.time_zone,
        r.sunrise.as_deref().unwrap_or("none"),
        r.sunset.as_deref().unwrap_or("none"),
        r.day_length_h
    ));
    let has_scenario = r.scenario.is_some();
    ui.horizontal(|ui| {
        for (view, name) in [
            (StudyView::Baseline, "Baseline"),
            (StudyView::Scenario, "Scenario"),
            (StudyView::Difference, "Difference"),
        ] {
            let enabled = has_scenario || view == StudyView::Baseline;
            if ui
                .add_enabled(enabled, egui::Button::selectable(study.view == view, name))
                .clicked()
            {
                out.study.write(SunStudyCommand::Show(view));
            }
        }
    });
    legend(ui, study.view, r);
    sun_table(ui, r);
    match study.reading {
        Some(p) => {
            let h = |v: Option<f32>| match v {
                Some(v) if v.is_nan() => "under a building".to_owned(),
                Some(v) => format!("{v:.1} h"),
                None => "outside".to_owned(),
            };
            let text = match &r.scenario {
                Some(_) => format!(
                    "Here: {} in the baseline, {} with the scenario.",
                    h(p.baseline),
                    h(p.scenario)
                ),
                None => format!("Here: {} of sun.", h(p.baseline)),
            };
            ui.label(egui::RichText::new(text).strong());
        }
        None => {
            ui.label(egui::RichText::new("Click the ground to read its hours of sun.").weak());
        }
    }
    ui.horizontal(|ui| {
        if ui
            .button("Export CSV")
            .on_hover_text("Write the grids (lon, lat, sun_hours) as CSV in the current folder")
            .clicked()
        {
            out.study.write(SunStudyCommand::Export);
        }
        if ui.button("Remove the heat map").clicked() {
            out.study.write(SunStudyCommand::Clear);
        }
    });
    match &study.export {
        Some(Ok(files)) => {
            ui.label(egui::RichText::new(format!("Saved {files}")).small());
        }
        Some(Err(e)) => {
            ui.colored_label(RED, e);
        }
        None => {}
    }
    ui.label(
        egui::RichText::new(format!(
            "{} rays in {:.1} s. Save picture keeps the view as PNG.",
            crate::text::thousands(r.rays as usize),
            r.seconds
        ))
        .small()
        .weak(),
    );
}

/// A colour bar with its scale: hours, or hours lost and gained.
fn legend(ui: &mut egui::Ui, view: StudyView, r: &StudyResult) {
    let difference = view == StudyView::Difference && r.scenario.is_some();
    let (rect, _) = ui.allocate_exact_size(egui::vec2(300.0, 14.0), egui::Sense::hover());
    let steps = 60;
    for i in 0..steps {
        let t = i as f32 / (steps - 1) as f32;
        let c = if difference {
            difference_color(t * 2.0 - 1.0)
        } else {
            hours_color(t)
        };
        let c = egui::Rgba::from_rgb(c[0], c[1], c[2]);
        let x0 = rect.left() + rect.width() * i as f32 / steps as f32;
        let x1 = rect.left() + rect.width() * (i + 1) as f32 / steps as f32;
        ui.painter().rect_filled(
            egui::Rect::from_min_max(egui::pos2(x0, rect.top()), egui::pos2(x1, rect.bottom())),
            0.0,
            c,
        );
    }
    ui.horizontal(|ui| {
        let top = r.day_length_h.ceil().max(1.0);
        let labels = if difference {
            format!(
                "−{DIFFERENCE_SCALE_H:.0} h lost        0        +{DIFFERENCE_SCALE_H:.0} h gained"
            )
        } else {
            format!("0 h        {:.0} h        {:.0} h of sun", top / 2.0, top)
        };
        ui.label(egui::RichText::new(labels).small());
    });
}

/// The area's figures, baseline and scenario side by side, with the criteria and sources.
pub(super) fn sun_table(ui: &mut egui::Ui, r: &StudyResult) {
    let pct = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{:.0} %", v * 100.0));
    let b = &r.baseline_summary;
    let s = r.scenario_summary.as_ref();
    egui::Grid::new("sun-table")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            ui.strong(format!("Sun on {}", r.date.format("%-d %b %Y")));
            ui.strong("Baseline");
            ui.strong(if s.is_some() { "Scenario" } else { "" });
            ui.end_row();
            ui.label("Mean hours of sun");
            ui.label(
                b.mean_sun_hours
                    .map_or("–".to_owned(), |v| format!("{v:.1} h")),
            );
            ui.label(
                s.and_then(|s| s.mean_sun_hours)
                    .map_or(String::new(), |v| format!("{v:.1} h")),
            );
            ui.end_row();
            ui.label(format!("Share with ≥ {BRE_HOURS:.0} h"))
                .on_hover_text(BRE);
            ui.label(pct(b.share_at_least_2h));
            ui.label(s.map_or(String::new(), |s| pct(s.share_at_least_2h)));
            ui.end_row();
            if let (Some(b2), Some(s2)) = (b.share_at_least_2h, s.and_then(|s| s.share_at_least_2h))
                && b2 > 0.0
            {
                let ratio = s2 / b2;
                ui.label("Kept share (BRE asks ≥ 0.8)").on_hover_text(BRE);
                ui.label("");
                let text = egui::RichText::new(format!("{ratio:.2}"));
                ui.label(if ratio < 0.8 { text.color(RED) } else { text });
                ui.end_row();
            }
            ui.label(format!("Share with ≥ {BOVERKET_HOURS:.0} h 09–17"))
                .on_hover_text(BOVERKET);
            ui.label(pct(b.share_at_least_5h_9_to_17));
            ui.label(s.map_or(String::new(), |s| pct(s.share_at_least_5h_9_to_17)));
            ui.end_row();
            ui.label("Cells of open ground");
            ui.label(crate::text::thousands(b.cells));
            ui.label(s.map_or(String::new(), |s| crate::text::thousands(s.cells)));
            ui.end_row();
        });
    ui.label(
        egui::RichText::new(format!("≥ 2 h: {BRE}.\n≥ 5 h: {BOVERKET}."))
            .small()
            .weak(),
    );
}

/// The first corner of a rectangle being drawn, as a marker on the ground.
pub(super) fn corner_marker(ctx: &egui::Context, study: &SunStudy, cameras: &[ViewCamera]) {
    let Some(c) = study.corner else {
        return;
    };
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Middle,
        egui::Id::new("study-corner"),
    ));
    for v in cameras {
        if let Some(p) = v.to_window(Vec3::new(c[0] as f32, 0.0, -c[1] as f32)) {
            let p = egui::pos2(p.x, p.y);
            painter.circle(
                p,
                7.0,
                egui::Color32::from_rgb(250, 170, 30),
                egui::Stroke::new(2.0, egui::Color32::WHITE),
            );
        }
    }
}
