//! Small pieces the panels share: colours, a progress bar, an attribute table.

use crate::language::{Arg, Language};
use bevy_egui::egui;

pub(super) fn egui_color(c: [f32; 3]) -> egui::Color32 {
    egui::Color32::from_rgb(
        (c[0] * 255.0) as u8,
        (c[1] * 255.0) as u8,
        (c[2] * 255.0) as u8,
    )
}

/// The colour of the scene's time on the timeline and charts.
/// Errors and warnings.
pub(super) const RED: egui::Color32 = egui::Color32::from_rgb(200, 40, 40);

pub(super) const TIME_COLOR: egui::Color32 = egui::Color32::from_rgb(230, 120, 30);

/// The colour of live mode.
pub(super) const LIVE_COLOR: egui::Color32 = egui::Color32::from_rgb(220, 50, 40);

/// "All attributes (n)": a collapsible two-column table of name and value.
pub(super) fn attributes_table(
    ui: &mut egui::Ui,
    id: &str,
    rows: &[(String, String)],
    width: f32,
    l: Language,
) {
    egui::CollapsingHeader::new(l.t_with("all-attributes", &[("count", rows.len().into())]))
        .id_salt(id)
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new(id)
                .num_columns(2)
                .striped(true)
                .max_col_width(width)
                .show(ui, |ui| {
                    for (name, value) in rows {
                        ui.add(egui::Label::new(egui::RichText::new(name).small().strong()).wrap());
                        ui.add(egui::Label::new(egui::RichText::new(value).small()).wrap());
                        ui.end_row();
                    }
                });
        });
}

/// A progress bar; without a total, the seconds since `since` instead (no animation: the
/// viewer redraws on news, not continuously, while it loads).
pub(super) fn progress_bar(
    ui: &mut egui::Ui,
    stage: &str,
    done: usize,
    total: usize,
    since: std::time::Instant,
    l: Language,
) {
    let stage = stage_text(stage, l);
    if total > 0 {
        ui.label(l.t_with("loading-stage", &[("stage", stage.into())]));
    } else {
        let seconds = Arg::number(since.elapsed().as_secs_f64().floor(), 0);
        ui.label(l.t_with(
            "loading-stage-time",
            &[("stage", stage.into()), ("seconds", seconds)],
        ));
    }
    let fraction = if total > 0 {
        done as f32 / total as f32
    } else {
        0.0
    };
    let text = if total > 0 {
        let n = |x: usize| crate::language::text::number(x as f64, 0, l);
        format!("{} / {}", n(done), n(total))
    } else {
        String::new()
    };
    ui.add(egui::ProgressBar::new(fraction).text(text));
}

/// A loading stage ("meshing", "receiving entities") in the language: its message
/// `stage-…` (the words joined by dashes), the stage itself when there is none.
pub(super) fn stage_text(stage: &str, l: Language) -> String {
    let key = format!("stage-{}", stage.replace(' ', "-"));
    if l.has(&key) {
        l.t(&key)
    } else {
        stage.to_owned()
    }
}

/// How long ago a time was ("5 min ago", "för 5 min sedan").
pub(super) fn age(millis: i64, now: i64, l: Language) -> String {
    let s = (now - millis) / 1000;
    match s {
        i64::MIN..=-60 => l.t("age-future"),
        -59..=59 => l.t("age-now"),
        60..=3599 => l.t_with("age-minutes", &[("n", (s / 60).into())]),
        3600..=172_799 => l.t_with("age-hours", &[("n", (s / 3600).into())]),
        _ => l.t_with("age-days", &[("n", (s / 86_400).into())]),
    }
}

/// A time on this machine's clock, short, in the language ("Sun 6 Dec 14:02").
pub(super) fn local_time(millis: i64, l: Language) -> String {
    match crate::clock::model::local_date_time(millis) {
        Some(t) => crate::language::text::date_time(t, l),
        None => crate::timestamp::format_millis(millis),
    }
}

/// Rows that only show (legends, tables of figures) are as tight as their text, even in the
/// touch layout, whose 48 px rows are for controls.
pub(super) fn tight(ui: &mut egui::Ui) {
    let s = ui.spacing_mut();
    s.interact_size.y = 0.0;
    s.item_spacing.y = s.item_spacing.y.min(4.0);
}

/// The smallest size of a control: a square as high as the layout's controls (48 px in the
/// touch layout).
pub(super) fn square(ui: &egui::Ui) -> egui::Vec2 {
    let h = ui.spacing().interact_size.y;
    egui::vec2(h, h)
}

/// A small button on a desktop, a finger's size in the touch layout.
pub(super) fn small_button(ui: &mut egui::Ui, text: impl Into<egui::WidgetText>) -> egui::Response {
    let min = square(ui);
    ui.add(egui::Button::new(text).small().min_size(min))
}
