//! The sun-hours study window: run a study on the clock's date over the scenario's site or
//! the view, its progress (with Cancel), the heat map's view and legend, the area's figures
//! beside the BRE and Boverket criteria (named with their sources), the hours at a clicked
//! place, and the grids exported as CSV.

use super::ViewCamera;
use super::widgets::RED;
use super::{UiOutbox, UiState};
use crate::language::{Arg, Language};
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

/// The study window.
pub(super) fn study_window(
    ctx: &egui::Context,
    state: &mut UiState,
    study: &SunStudy,
    (scenarios, tool): (&Scenarios, &EditTool),
    out: &mut UiOutbox,
) {
    let mut open = state.sun_study;
    let l = state.language;
    egui::Window::new(l.t("study-title"))
        .id(egui::Id::new("sun-study"))
        // Above the sensors' labels, which are drawn over the view.
        .order(egui::Order::Foreground)
        .open(&mut open)
        .resizable(false)
        .default_width(380.0)
        .default_pos(egui::pos2(360.0, 80.0))
        .show(ctx, |ui| {
            ui.label(egui::RichText::new(l.t("study-intro")).small());
            let site = scenarios.active_applied().is_some_and(|a| a.site.is_some());
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(site, egui::Button::new(l.t("study-site")))
                    .on_disabled_hover_text(l.t("study-site-disabled-tip"))
                    .clicked()
                {
                    out.study
                        .write(SunStudyCommand::Run(StudyArea::ScenarioSite));
                }
                if ui
                    .button(l.t_with(
                        "study-around-view",
                        &[("metres", Arg::number(AROUND_VIEW_M, 0))],
                    ))
                    .clicked()
                {
                    out.study
                        .write(SunStudyCommand::Run(StudyArea::AroundView(AROUND_VIEW_M)));
                }
            });
            let drawing = tool.tool == Tool::StudyArea;
            ui.horizontal(|ui| {
                if ui
                    .selectable_label(drawing, l.t("study-draw"))
                    .on_hover_text(l.t("study-draw-tip"))
                    .clicked()
                {
                    out.edit.tool.write(SetTool(if drawing {
                        Tool::Select
                    } else {
                        Tool::StudyArea
                    }));
                }
                if drawing {
                    ui.label(l.t(if study.corner.is_some() {
                        "study-second-corner"
                    } else {
                        "study-first-corner"
                    }));
                }
            });
            match &study.status {
                StudyStatus::Running { fraction, what } => {
                    let percent = Arg::number(f64::from(*fraction) * 100.0, 0);
                    let text = match what {
                        None => l.t_with("study-tracing-baseline", &[("percent", percent)]),
                        Some(name) => l.t_with(
                            "study-tracing-scenario",
                            &[("name", name.into()), ("percent", percent)],
                        ),
                    };
                    ui.horizontal(|ui| {
                        ui.add(
                            egui::ProgressBar::new(*fraction)
                                .desired_width(260.0)
                                .text(text),
                        );
                        if ui.button(l.t("cancel")).clicked() {
                            out.study.write(SunStudyCommand::Cancel);
                        }
                    });
                }
                StudyStatus::Failed(why) => {
                    ui.colored_label(RED, why.text(l));
                }
                StudyStatus::Idle => {}
            }
            if let Some(result) = &study.result {
                ui.separator();
                result_view(ui, study, result, (l, state.kiosk), out);
            }
        });
    state.sun_study = open;
}

fn result_view(
    ui: &mut egui::Ui,
    study: &SunStudy,
    r: &StudyResult,
    (l, kiosk): (Language, bool),
    out: &mut UiOutbox,
) {
    let none = || l.t("study-none");
    ui.label(l.t_with(
        "study-day",
        &[
            ("area", area_text(r, l).into()),
            (
                "date",
                crate::language::text::date_year(r.date, true, l).into(),
            ),
            ("zone", (&r.time_zone).into()),
            ("sunrise", r.sunrise.clone().unwrap_or_else(none).into()),
            ("sunset", r.sunset.clone().unwrap_or_else(none).into()),
            ("hours", Arg::number(r.day_length_h, 1)),
        ],
    ));
    let has_scenario = r.scenario.is_some();
    ui.horizontal(|ui| {
        for (view, name) in [
            (StudyView::Baseline, "baseline"),
            (StudyView::Scenario, "scenario"),
            (StudyView::Difference, "difference"),
        ] {
            let enabled = has_scenario || view == StudyView::Baseline;
            if ui
                .add_enabled(
                    enabled,
                    egui::Button::selectable(study.view == view, l.t(name)),
                )
                .clicked()
            {
                out.study.write(SunStudyCommand::Show(view));
            }
        }
    });
    legend(ui, study.view, r, l);
    sun_table(ui, r, l);
    match study.reading {
        Some(p) => {
            let h = |v: Option<f32>| match v {
                Some(v) if v.is_nan() => l.t("study-under-building"),
                Some(v) => hours(f64::from(v), l),
                None => l.t("study-outside"),
            };
            let text = match &r.scenario {
                Some(_) => l.t_with(
                    "study-here-both",
                    &[
                        ("baseline", h(p.baseline).into()),
                        ("scenario", h(p.scenario).into()),
                    ],
                ),
                None => l.t_with("study-here", &[("hours", h(p.baseline).into())]),
            };
            ui.label(egui::RichText::new(text).strong());
        }
        None => {
            ui.label(egui::RichText::new(l.t("study-click")).weak());
        }
    }
    ui.horizontal(|ui| {
        // No files written from a kiosk.
        if !kiosk
            && ui
                .button(l.t("export-csv"))
                .on_hover_text(l.t("study-export-tip"))
                .clicked()
        {
            out.study.write(SunStudyCommand::Export);
        }
        if ui.button(l.t("study-remove")).clicked() {
            out.study.write(SunStudyCommand::Clear);
        }
    });
    match &study.export {
        Some(Ok(files)) => {
            let text = l.t_with("saved-file", &[("path", files.into())]);
            ui.label(egui::RichText::new(text).small());
        }
        Some(Err(e)) => {
            ui.colored_label(RED, e.text(l));
        }
        None => {}
    }
    ui.label(
        egui::RichText::new(l.t_with(
            "study-rays",
            &[
                ("rays", r.rays.into()),
                ("seconds", Arg::number(r.seconds, 1)),
            ],
        ))
        .small()
        .weak(),
    );
}

/// A colour bar with its scale: hours, or hours lost and gained.
fn legend(ui: &mut egui::Ui, view: StudyView, r: &StudyResult, l: Language) {
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
            l.t_with(
                "study-legend-difference",
                &[("hours", Arg::number(f64::from(DIFFERENCE_SCALE_H), 0))],
            )
        } else {
            l.t_with(
                "study-legend-hours",
                &[
                    ("half", Arg::number(top / 2.0, 0)),
                    ("top", Arg::number(top, 0)),
                ],
            )
        };
        ui.label(egui::RichText::new(labels).small());
    });
}

/// The area's figures, baseline and scenario side by side, with the criteria and sources.
pub(super) fn sun_table(ui: &mut egui::Ui, r: &StudyResult, l: Language) {
    let pct = |v: Option<f64>| {
        v.map_or("–".to_owned(), |v| {
            l.t_with("percent", &[("percent", Arg::number(v * 100.0, 0))])
        })
    };
    let (bre, boverket) = (l.t("criterion-bre"), l.t("criterion-boverket"));
    let b = &r.baseline_summary;
    let s = r.scenario_summary.as_ref();
    egui::Grid::new("sun-table")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            let date = crate::language::text::date_year(r.date, false, l);
            ui.strong(l.t_with("study-sun-on", &[("date", date.into())]));
            ui.strong(l.t("baseline"));
            ui.strong(if s.is_some() {
                l.t("scenario")
            } else {
                String::new()
            });
            ui.end_row();
            ui.label(l.t("study-mean"));
            ui.label(b.mean_sun_hours.map_or("–".to_owned(), |v| hours(v, l)));
            ui.label(
                s.and_then(|s| s.mean_sun_hours)
                    .map_or(String::new(), |v| hours(v, l)),
            );
            ui.end_row();
            let share = |h: f64| l.t_with("study-share", &[("hours", Arg::number(h, 0))]);
            ui.label(share(BRE_HOURS)).on_hover_text(&bre);
            ui.label(pct(b.share_at_least_2h));
            ui.label(s.map_or(String::new(), |s| pct(s.share_at_least_2h)));
            ui.end_row();
            if let (Some(b2), Some(s2)) = (b.share_at_least_2h, s.and_then(|s| s.share_at_least_2h))
                && b2 > 0.0
            {
                let ratio = s2 / b2;
                ui.label(l.t("study-kept")).on_hover_text(&bre);
                ui.label("");
                let text = egui::RichText::new(crate::language::text::number(ratio, 2, l));
                ui.label(if ratio < 0.8 { text.color(RED) } else { text });
                ui.end_row();
            }
            ui.label(l.t_with(
                "study-share-day",
                &[("hours", Arg::number(BOVERKET_HOURS, 0))],
            ))
            .on_hover_text(&boverket);
            ui.label(pct(b.share_at_least_5h_9_to_17));
            ui.label(s.map_or(String::new(), |s| pct(s.share_at_least_5h_9_to_17)));
            ui.end_row();
            let cells = |n: usize| crate::language::text::number(n as f64, 0, l);
            ui.label(l.t("study-cells"));
            ui.label(cells(b.cells));
            ui.label(s.map_or(String::new(), |s| cells(s.cells)));
            ui.end_row();
        });
    ui.label(
        egui::RichText::new(l.t_with(
            "criteria",
            &[("bre", bre.into()), ("boverket", boverket.into())],
        ))
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

/// Hours with one decimal: "3.5 h", "3,5 h".
fn hours(h: f64, l: Language) -> String {
    l.t_with("hours", &[("hours", Arg::number(h, 1))])
}

/// What a study looked at, in words.
fn area_text(r: &StudyResult, l: Language) -> String {
    let m = |x: f64| Arg::number(x, 0);
    match r.area {
        StudyArea::ScenarioSite => {
            let name = r.scenario.as_ref().map_or("", |(n, _)| n.as_str());
            l.t_with(
                "study-area-site",
                &[
                    ("name", name.into()),
                    ("margin", m(crate::scene::SITE_MARGIN_M)),
                ],
            )
        }
        StudyArea::AroundView(side) => l.t_with("study-area-view", &[("side", m(side))]),
        StudyArea::Rectangle([w, s, e, n]) => l.t_with(
            "study-area-rectangle",
            &[("width", m(e - w)), ("height", m(n - s))],
        ),
    }
}
