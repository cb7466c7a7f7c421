//! Small pieces the panels share: colours, a progress bar, an attribute table.

use crate::text::thousands;
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
pub(super) fn attributes_table(ui: &mut egui::Ui, id: &str, rows: &[(String, String)], width: f32) {
    egui::CollapsingHeader::new(format!("All attributes ({})", rows.len()))
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
) {
    if total > 0 {
        ui.label(format!("Loading: {stage}…"));
    } else {
        ui.label(format!(
            "Loading: {stage}… {:.0} s",
            since.elapsed().as_secs_f64().floor()
        ));
    }
    let fraction = if total > 0 {
        done as f32 / total as f32
    } else {
        0.0
    };
    let text = if total > 0 {
        format!("{} / {}", thousands(done), thousands(total))
    } else {
        String::new()
    };
    ui.add(egui::ProgressBar::new(fraction).text(text));
}
