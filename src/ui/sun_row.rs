//! The sun row of the time panel: any date (presets for the equinoxes and solstices, a day
//! back or on, or typed), the time of day from sunrise to sunset with play, and where the sun
//! stands, in the scene's time zone.

use super::UiOutbox;
use super::widgets::TIME_COLOR;
use crate::clock::model::Clock;
use crate::language::Arg;
use crate::scene::{ClockCommand, SceneSun};
use bevy_egui::egui;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Timelike};

/// The sun row.
pub(super) fn sun_row(
    ui: &mut egui::Ui,
    clock: &Clock,
    sun: &SceneSun,
    state: &mut super::UiState,
    out: &mut UiOutbox,
) {
    let Some(now) = sun.local(clock.at()) else {
        return;
    };
    let date = now.date_naive();
    let go = |out: &mut UiOutbox, date: NaiveDate, minutes: f64| {
        let t = NaiveTime::MIN + Duration::seconds((minutes * 60.0).round() as i64);
        if let Some(ms) = sun.at_local(date.and_time(t)) {
            out.clock.write(ClockCommand::GoToAny(ms));
        }
    };
    let minutes = f64::from(now.num_seconds_from_midnight()) / 60.0;
    let l = state.language;
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        ui.label(egui::RichText::new(l.t("sun")).strong())
            .on_hover_text(l.t("sun-tip"));
        if ui
            .selectable_label(state.sun_study, l.t("sun-study-open"))
            .on_hover_text(l.t("sun-study-open-tip"))
            .clicked()
        {
            state.sun_study = !state.sun_study;
        }
        // Presets: the year's equinoxes and solstices, by month (the same anywhere); the
        // season they start at the place in the hover text.
        let south = sun.lonlat.is_some_and(|l| l[1] < 0.0);
        let names = [
            "sun-march-equinox",
            "sun-june-solstice",
            "sun-september-equinox",
            "sun-december-solstice",
        ];
        let seasons = if south {
            ["autumn", "winter", "spring", "summer"]
        } else {
            ["spring", "summer", "autumn", "winter"]
        };
        for ((name, season), when) in names
            .iter()
            .zip(seasons)
            .zip(crate::sun::seasons(date.year()))
        {
            let day = when.with_timezone(&sun.time_zone).date_naive();
            if ui
                .selectable_label(day == date, l.t(name))
                .on_hover_text(l.t_with(
                    "sun-season-starts",
                    &[
                        (
                            "date",
                            crate::language::text::date_year(day, true, l).into(),
                        ),
                        ("season", season.into()),
                    ],
                ))
                .clicked()
            {
                go(out, day, minutes);
            }
        }
        // The date the BRE sunlight criterion names (its spring equinox: 21 September south
        // of the equator).
        let bre = NaiveDate::from_ymd_opt(date.year(), if south { 9 } else { 3 }, 21);
        if let Some(bre) = bre
            && ui
                .selectable_label(date == bre, crate::language::text::date(bre, false, l))
                .on_hover_text(l.t("sun-bre-date-tip"))
                .clicked()
        {
            go(out, bre, minutes);
        }
        if ui.button(l.t("sun-today")).clicked()
            && let Some(today) = sun.local(crate::timestamp::now_millis())
        {
            go(out, today.date_naive(), minutes);
        }
        if super::widgets::small_button(ui, "◀")
            .on_hover_text(l.t("sun-day-back"))
            .clicked()
        {
            go(out, date - Duration::days(1), minutes);
        }
        let id = ui.id().with("sun-date");
        let mut text: String = ui
            .data(|d| d.get_temp::<String>(id))
            .unwrap_or_else(|| date.to_string());
        let edit = ui.add(
            egui::TextEdit::singleline(&mut text)
                .desired_width(date_width(ui))
                .min_size(egui::vec2(0.0, ui.spacing().interact_size.y))
                .vertical_align(egui::Align::Center)
                .hint_text(l.t("sun-date-hint")),
        );
        if edit.changed() {
            ui.data_mut(|d| d.insert_temp(id, text.clone()));
        }
        if edit.lost_focus() {
            if let Ok(d) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
                go(out, d, minutes);
            }
            ui.data_mut(|d| d.remove::<String>(id));
        } else if !edit.has_focus() {
            ui.data_mut(|d| d.remove::<String>(id));
        }
        edit.on_hover_text(l.t("sun-date-tip"));
        if super::widgets::small_button(ui, "▶")
            .on_hover_text(l.t("sun-day-on"))
            .clicked()
        {
            go(out, date + Duration::days(1), minutes);
        }
    });
    // The time of day, from sunrise to sunset (the whole day without either), on a row of
    // its own: the slider takes what the texts leave, at any text size.
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        let day = sun.day.as_ref();
        let local_minutes = |t: Option<chrono::DateTime<chrono::FixedOffset>>| {
            t.map(|t| {
                let t = t.with_timezone(&sun.time_zone);
                f64::from(t.num_seconds_from_midnight()) / 60.0
            })
        };
        let rise = local_minutes(day.and_then(|d| d.sunrise)).unwrap_or(0.0);
        let set = local_minutes(day.and_then(|d| d.sunset))
            .filter(|s| *s > rise)
            .unwrap_or(24.0 * 60.0 - 1.0);
        let playing = clock.is_free() && clock.is_playing();
        if ui
            .add(
                egui::Button::new(if playing { "⏸" } else { "▶" })
                    .min_size(super::widgets::square(ui)),
            )
            .on_hover_text(if playing {
                l.t("sun-pause")
            } else {
                l.t("sun-play")
            })
            .clicked()
        {
            if playing {
                out.clock.write(ClockCommand::Pause);
            } else {
                let from = if minutes < rise || minutes >= set {
                    rise
                } else {
                    minutes
                };
                go(out, date, from);
                out.clock.write(ClockCommand::Play);
            }
        }
        let hm = |m: f64| format!("{:02}:{:02}", (m / 60.0) as u32, (m % 60.0) as u32);
        ui.label(egui::RichText::new(l.t_with("sun-rise", &[("time", hm(rise).into())])).small());
        let position = sun.position.map_or(String::new(), |p| {
            if p.elevation_deg > -0.27 {
                let points = ["n", "ne", "e", "se", "s", "sw", "w", "nw"];
                let point = points[((p.azimuth_deg.rem_euclid(360.0) + 22.5) / 45.0) as usize % 8];
                let up = l.t_with(
                    "sun-up",
                    &[
                        ("elevation", Arg::number(p.elevation_deg, 0)),
                        ("point", point.into()),
                    ],
                );
                format!("  {up}")
            } else {
                format!("  {}", l.t("sun-down"))
            }
        });
        let polar = if day.is_some_and(|d| d.polar_day) {
            format!("  {}", l.t("sun-midnight-sun"))
        } else if day.is_some_and(|d| d.polar_night) {
            format!("  {}", l.t("sun-polar-night"))
        } else {
            String::new()
        };
        let zone_tip = match sun.position {
            Some(p) => l.t_with(
                "sun-zone-tip",
                &[
                    ("azimuth", Arg::number(p.azimuth_deg, 1)),
                    ("elevation", Arg::number(p.elevation_deg, 1)),
                ],
            ),
            None => l.t("sun-zone-tip-no-sun"),
        };
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(
                egui::RichText::new(format!("{}{position}{polar}", sun.time_zone.name()))
                    .monospace()
                    .color(TIME_COLOR),
            )
            .on_hover_text(zone_tip);
            ui.label(egui::RichText::new(l.t_with("sun-set", &[("time", hm(set).into())])).small());
            ui.spacing_mut().slider_width = (ui.available_width() - 8.0).max(80.0);
            let mut m = minutes.clamp(rise, set);
            let slider = ui.add(egui::Slider::new(&mut m, rise..=set).show_value(false));
            // Only a real move: the slider's own rounding must not nudge the clock.
            if slider.changed() && (m - minutes).abs() >= 0.5 {
                go(out, date, m.round());
            }
            slider.on_hover_text(l.t_with("sun-time-tip", &[("time", hm(minutes).into())]));
        });
    });
}

/// Room for a typed date ("2026-12-06") in the field's font, at any text size.
fn date_width(ui: &egui::Ui) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let text = ui
        .painter()
        .layout_no_wrap("0000-00-00".to_owned(), font, egui::Color32::WHITE);
    text.size().x + 2.0 * ui.spacing().button_padding.x.max(4.0)
}
