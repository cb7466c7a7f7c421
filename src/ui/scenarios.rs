//! Scenarios in the interface: the list (the baseline and each scenario, one active), how to
//! compare (toggle, swipe, side by side), the swipe's divider over the view, and the KPI
//! window with its CSV export.

use super::{UiOutbox, UiState};
use crate::language::Language;
use crate::scenario::Kpis;
use crate::scene::{ActivateScenario, Compare, MoveDivider, Scenarios, SetCompare, ToggleScenario};
use bevy_egui::egui;

use super::widgets::RED;

/// The Scenarios section of the side panel.
pub(super) fn scenarios_section(
    ui: &mut egui::Ui,
    state: &mut UiState,
    scenarios: &Scenarios,
    out: &mut UiOutbox,
) {
    let l = state.language;
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong(l.t("scenarios"));
        if scenarios.busy {
            ui.spinner();
        }
    });
    if ui
        .radio(scenarios.active.is_none(), l.t("scenario-baseline-choice"))
        .clicked()
    {
        out.scenario.write(ActivateScenario(None));
    }
    for (i, entry) in scenarios.list.iter().enumerate() {
        let s = &entry.scenario;
        let placed = entry.applied.is_some();
        let mut name = s.name.clone();
        if entry.unsaved {
            name.push_str(" *");
        }
        if entry.from_broker {
            name = l.t_with("scenario-shared", &[("name", name.into())]);
        } else if entry.published.is_some() {
            name = l.t_with("scenario-published", &[("name", name.into())]);
        }
        let response = ui.add_enabled(
            placed,
            egui::RadioButton::new(scenarios.active == Some(i), name),
        );
        let response = if s.description.is_empty() {
            response
        } else {
            response.on_hover_text(&s.description)
        };
        if response.clicked() {
            out.scenario.write(ActivateScenario(Some(i)));
        }
        if scenarios.active == Some(i) && !s.description.is_empty() {
            ui.label(egui::RichText::new(&s.description).small().weak());
        }
        if !entry.warnings.is_empty() {
            egui::CollapsingHeader::new(l.t_with(
                "scenario-warnings",
                &[("count", entry.warnings.len().into())],
            ))
            .id_salt(("scenario-warnings", i))
            .show(ui, |ui| {
                for w in entry.warnings.iter().take(50) {
                    ui.label(egui::RichText::new(w).small());
                }
            });
        }
    }
    for e in &scenarios.errors {
        ui.colored_label(RED, l.t("scenario-file-failed"));
        ui.label(egui::RichText::new(e).small());
    }
    if scenarios.active.is_none() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(l.t("compare"));
        for (mode, text, hint) in [
            (Compare::Toggle, "compare-toggle", "compare-toggle-tip"),
            (Compare::Swipe, "compare-swipe", "compare-swipe-tip"),
            (
                Compare::SideBySide,
                "compare-side-by-side",
                "compare-side-by-side-tip",
            ),
        ] {
            if ui
                .selectable_label(scenarios.compare == mode, l.t(text))
                .on_hover_text(l.t(hint))
                .clicked()
            {
                out.compare.write(SetCompare(mode));
            }
        }
    });
    ui.horizontal(|ui| {
        if scenarios.compare == Compare::Toggle {
            let (now, other) = if scenarios.showing_scenario {
                ("showing-scenario", "show-baseline")
            } else {
                ("showing-baseline", "show-scenario")
            };
            ui.label(l.t(now));
            if ui
                .button(l.t(other))
                .on_hover_text(l.t("key-b-tip"))
                .clicked()
            {
                out.toggle.write(ToggleScenario(None));
            }
        }
        if ui
            .button(l.t("kpis"))
            .on_hover_text(l.t("kpis-tip"))
            .clicked()
        {
            state.kpis = !state.kpis;
        }
    });
}

/// The KPI window: baseline, scenario and difference with units, and "Export CSV".
pub(super) fn kpi_window(
    ctx: &egui::Context,
    state: &mut UiState,
    scenarios: &Scenarios,
    study: Option<&crate::scene::StudyResult>,
) {
    let Some(kpis) = scenarios.active_entry().and_then(|e| e.kpis.as_ref()) else {
        return;
    };
    let mut open = state.kpis;
    let l = state.language;
    egui::Window::new(l.t_with("kpis-title", &[("name", (&kpis.name).into())]))
        .id(egui::Id::new("kpis"))
        // Above the sensors' labels, which are drawn over the view.
        .order(egui::Order::Foreground)
        .open(&mut open)
        .resizable(false)
        .default_pos(egui::pos2(360.0, 60.0))
        .show(ctx, |ui| {
            kpi_table(ui, state, kpis);
            // The sun-hours study of this scenario, when one was run.
            if let Some(r) =
                study.filter(|r| r.scenario.as_ref().is_some_and(|(n, _)| *n == kpis.name))
            {
                ui.separator();
                super::sun_study::sun_table(ui, r, l);
            }
        });
    state.kpis = open;
}

fn kpi_table(ui: &mut egui::Ui, state: &mut UiState, kpis: &Kpis) {
    let l = state.language;
    egui::Grid::new("kpi-table")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            ui.strong("");
            ui.strong(l.t("baseline"));
            ui.strong(l.t("scenario"));
            ui.strong(l.t("difference"));
            ui.end_row();
            for r in kpis.rows() {
                if r.baseline.is_none() && r.scenario.is_none() && r.difference.is_none() {
                    continue;
                }
                let unit = if r.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", r.unit)
                };
                let cell = |ui: &mut egui::Ui, v: Option<f64>, signed: bool| {
                    let text = match v {
                        None => String::new(),
                        Some(v) if signed && v > 0.0 => format!("+{}{unit}", number(&r, v, l)),
                        Some(v) => format!("{}{unit}", number(&r, v, l)),
                    };
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        ui.label(text)
                    });
                };
                ui.label(kpi_name(r.key, l));
                cell(ui, r.baseline, false);
                cell(ui, r.scenario, false);
                cell(ui, r.difference, true);
                ui.end_row();
            }
        });
    if kpis.site_area_m2.is_none() {
        ui.label(egui::RichText::new(l.t("kpis-no-site")).small());
    }
    ui.label(egui::RichText::new(l.t("kpis-note")).small().weak());
    // No files written from a kiosk.
    ui.horizontal(|ui| {
        if !state.kiosk
            && ui
                .button(l.t("export-csv"))
                .on_hover_text(l.t("kpis-export-tip"))
                .clicked()
        {
            state.kpi_export = Some(export_csv(kpis, l));
        }
        match &state.kpi_export {
            Some(Ok(path)) => {
                let text = l.t_with("saved-file", &[("path", path.into())]);
                ui.label(egui::RichText::new(text).small());
            }
            Some(Err(e)) => {
                ui.colored_label(RED, e);
            }
            None => {}
        }
    });
}

/// A value with the language's separators and the row's decimals.
fn number(r: &crate::scenario::KpiRow, v: f64, l: Language) -> String {
    let text = crate::language::text::number(v.abs(), r.decimals(), l);
    let zero = !text.chars().any(|c| c.is_ascii_digit() && c != '0');
    if v < 0.0 && !zero {
        format!("−{text}")
    } else {
        text
    }
}

/// A KPI's name: the message `kpi-…` of its key.
pub(super) fn kpi_name(key: &str, l: Language) -> String {
    l.t(&format!("kpi-{}", key.replace('_', "-")))
}

/// Writes the KPIs as `<scenario>-kpis.csv` in the working folder.
fn export_csv(kpis: &Kpis, l: Language) -> Result<String, String> {
    let stem: String = kpis
        .name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches('-').to_owned();
    let name = format!(
        "{}-kpis.csv",
        if stem.is_empty() { "scenario" } else { &stem }
    );
    std::fs::write(&name, kpis.to_csv())
        .map(|()| name.clone())
        .map_err(|e| {
            let error = e.to_string();
            l.t_with(
                "save-failed",
                &[("name", name.into()), ("error", error.into())],
            )
        })
}

/// Over the view: the swipe's divider (dragged with mouse or finger) or the middle line of
/// side by side, and which side is which.
pub(super) fn compare_overlay(
    ctx: &egui::Context,
    view: egui::Rect,
    scenarios: &Scenarios,
    l: Language,
    out: &mut UiOutbox,
) {
    if scenarios.active.is_none() || scenarios.compare == Compare::Toggle {
        return;
    }
    let x = match scenarios.compare {
        Compare::Swipe => view.min.x + scenarios.divider * view.width(),
        _ => view.center().x,
    };
    egui::Area::new("compare".into())
        .fixed_pos(view.min)
        .order(egui::Order::Middle)
        .show(ctx, |ui| {
            let painter = ui.painter();
            let line = egui::Stroke::new(3.0, egui::Color32::WHITE);
            painter.line_segment([egui::pos2(x, view.min.y), egui::pos2(x, view.max.y)], line);
            let tag = |at: egui::Pos2, align: egui::Align2, text: String| {
                let rect = painter.text(
                    at,
                    align,
                    &text,
                    egui::FontId::proportional(15.0),
                    egui::Color32::WHITE,
                );
                painter.rect_filled(rect.expand(4.0), 4.0, egui::Color32::from_black_alpha(150));
                painter.text(
                    at,
                    align,
                    text,
                    egui::FontId::proportional(15.0),
                    egui::Color32::WHITE,
                );
            };
            tag(
                egui::pos2(x - 10.0, view.min.y + 12.0),
                egui::Align2::RIGHT_TOP,
                l.t("baseline"),
            );
            tag(
                egui::pos2(x + 10.0, view.min.y + 12.0),
                egui::Align2::LEFT_TOP,
                l.t("scenario"),
            );
            if scenarios.compare == Compare::Swipe {
                // A handle big enough for a finger.
                let handle = egui::Rect::from_center_size(
                    egui::pos2(x, view.center().y),
                    egui::vec2(44.0, 64.0),
                );
                let strip = egui::Rect::from_min_max(
                    egui::pos2(x - 12.0, view.min.y),
                    egui::pos2(x + 12.0, view.max.y),
                )
                .union(handle);
                let response = ui.interact(strip, egui::Id::new("divider"), egui::Sense::drag());
                painter.rect_filled(handle, 8.0, egui::Color32::WHITE);
                painter.text(
                    handle.center(),
                    egui::Align2::CENTER_CENTER,
                    "◀▶",
                    egui::FontId::proportional(16.0),
                    egui::Color32::from_gray(60),
                );
                if response.hovered() || response.dragged() {
                    ctx.set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
                }
                if response.dragged()
                    && let Some(p) = response.interact_pointer_pos()
                {
                    let f = ((p.x - view.min.x) / view.width().max(1.0)).clamp(0.02, 0.98);
                    out.divider.write(MoveDivider(f));
                }
            }
        });
}
