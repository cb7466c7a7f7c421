//! Scenarios in the interface: the list (the baseline and each scenario, one active), how to
//! compare (toggle, swipe, side by side), the swipe's divider over the view, and the KPI
//! window with its CSV export.

use super::{UiOutbox, UiState};
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
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong("Scenarios");
        if scenarios.busy {
            ui.spinner();
        }
    });
    if ui
        .radio(scenarios.active.is_none(), "Baseline (the city as it is)")
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
            name.push_str(" (shared)");
        } else if entry.published.is_some() {
            name.push_str(" (published)");
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
            egui::CollapsingHeader::new(format!("{} warnings", entry.warnings.len()))
                .id_salt(("scenario-warnings", i))
                .show(ui, |ui| {
                    for w in entry.warnings.iter().take(50) {
                        ui.label(egui::RichText::new(w).small());
                    }
                });
        }
    }
    for e in &scenarios.errors {
        ui.colored_label(RED, "A scenario file was not read:");
        ui.label(egui::RichText::new(e).small());
    }
    if scenarios.active.is_none() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Compare");
        for (mode, text, hint) in [
            (Compare::Toggle, "Toggle", "One at a time; B switches"),
            (
                Compare::Swipe,
                "Swipe",
                "Drag the divider: the baseline left of it, the scenario right",
            ),
            (
                Compare::SideBySide,
                "Side by side",
                "Two views moving together: the baseline left, the scenario right",
            ),
        ] {
            if ui
                .selectable_label(scenarios.compare == mode, text)
                .on_hover_text(hint)
                .clicked()
            {
                out.compare.write(SetCompare(mode));
            }
        }
    });
    ui.horizontal(|ui| {
        if scenarios.compare == Compare::Toggle {
            let (now, other) = if scenarios.showing_scenario {
                ("Showing the scenario", "Show the baseline")
            } else {
                ("Showing the baseline", "Show the scenario")
            };
            ui.label(now);
            if ui.button(other).on_hover_text("Key: B").clicked() {
                out.toggle.write(ToggleScenario(None));
            }
        }
        if ui
            .button("KPIs")
            .on_hover_text("Area figures of the scenario")
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
    egui::Window::new(format!("KPIs: {}", kpis.name))
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
                super::sun_study::sun_table(ui, r);
            }
        });
    state.kpis = open;
}

fn kpi_table(ui: &mut egui::Ui, state: &mut UiState, kpis: &Kpis) {
    egui::Grid::new("kpi-table")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            ui.strong("");
            ui.strong("Baseline");
            ui.strong("Scenario");
            ui.strong("Difference");
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
                        Some(v) if signed && v > 0.0 => format!("+{}{unit}", number(&r, v)),
                        Some(v) => format!("{}{unit}", number(&r, v)),
                    };
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        ui.label(text)
                    });
                };
                ui.label(r.label);
                cell(ui, r.baseline, false);
                cell(ui, r.scenario, false);
                cell(ui, r.difference, true);
                ui.end_row();
            }
        });
    if kpis.site_area_m2.is_none() {
        ui.label(
            egui::RichText::new(
                "The scenario names no site: coverage and floor area ratio need one.",
            )
            .small(),
        );
    }
    ui.label(
        egui::RichText::new(
            "Footprint (BYA) is the building's outline in the data, not BYA's exact rules for \
             projections (SS 21054:2020). GFA (BTA) = footprint × floors; floors from the data, \
             else height ÷ storey height. Floor area ratio (exploateringstal) = BTA ÷ site area.",
        )
        .small()
        .weak(),
    );
    ui.horizontal(|ui| {
        if ui
            .button("Export CSV")
            .on_hover_text("Save this table as a CSV file in the current folder")
            .clicked()
        {
            state.kpi_export = Some(export_csv(kpis));
        }
        match &state.kpi_export {
            Some(Ok(path)) => {
                ui.label(egui::RichText::new(format!("Saved {path}")).small());
            }
            Some(Err(e)) => {
                ui.colored_label(RED, e);
            }
            None => {}
        }
    });
}

/// A value with thousands separators and the row's decimals.
fn number(r: &crate::scenario::KpiRow, v: f64) -> String {
    let text = r.format(Some(v.abs()));
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), ""), |p| p);
    let whole = whole
        .parse::<usize>()
        .map_or(whole.to_owned(), crate::text::thousands);
    let sign = if v < 0.0 { "−" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

/// Writes the KPIs as `<scenario>-kpis.csv` in the working folder.
fn export_csv(kpis: &Kpis) -> Result<String, String> {
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
            format!("Could not save {name}: {e}. Start citytwin in a folder you can write to.")
        })
}

/// Over the view: the swipe's divider (dragged with mouse or finger) or the middle line of
/// side by side, and which side is which.
pub(super) fn compare_overlay(
    ctx: &egui::Context,
    view: egui::Rect,
    scenarios: &Scenarios,
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
            let tag = |at: egui::Pos2, align: egui::Align2, text: &str| {
                let rect = painter.text(
                    at,
                    align,
                    text,
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
                "Baseline",
            );
            tag(
                egui::pos2(x + 10.0, view.min.y + 12.0),
                egui::Align2::LEFT_TOP,
                "Scenario",
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
