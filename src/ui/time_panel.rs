//! The time panel under the view: live, or a replay of the last hours, like a video player's
//! controls, with a timeline in local hours.

use super::UiOutbox;
use super::widgets::{LIVE_COLOR, TIME_COLOR, local_time};
use crate::clock::model::{Clock, SPEEDS, local_date_time, local_hour};
use crate::language::{Arg, Language};
use crate::scene::{ClockCommand, HistoryStatus, SceneSun, SensorReplay};
use bevy_egui::egui;

/// The time panel: live, or a replay of the last hours, like a video player's controls.
pub(super) fn time_panel(
    ui: &mut egui::Ui,
    clock: &Clock,
    replay: Option<&SensorReplay>,
    sun: Option<&SceneSun>,
    state: &mut super::UiState,
    out: &mut UiOutbox,
) {
    let l = state.language;
    let now = crate::timestamp::now_millis();
    let free = clock.is_free();
    let live = clock.is_live();
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 8.0;
        // Room at the left for the dot (padding on both sides keeps the text centred).
        let live_button = ui
            .scope(|ui| {
                let padding = &mut ui.spacing_mut().button_padding.x;
                *padding = padding.max(24.0);
                ui.add(
                    egui::Button::new(egui::RichText::new(l.t("time-live")).strong())
                        .selected(live)
                        .min_size(egui::vec2(70.0, 30.0)),
                )
            })
            .inner
            .on_hover_text(l.t("time-live-tip"));
        // A dot of our own: the default fonts have no record symbol.
        ui.painter().circle_filled(
            live_button.rect.left_center() + egui::vec2(14.0, 0.0),
            5.0,
            if live {
                LIVE_COLOR
            } else {
                ui.visuals().weak_text_color()
            },
        );
        if live_button.clicked() {
            out.clock.write(ClockCommand::Live);
        }
        let playing = clock.is_playing();
        let (icon, tip) = match (playing, live) {
            (true, _) => ("⏸", l.t("time-pause")),
            (false, true) => ("▶", l.t("time-play-day")),
            (false, false) => ("▶", l.t("time-play-here")),
        };
        if ui
            .add(
                egui::Button::new(egui::RichText::new(icon).size(16.0))
                    .min_size(egui::vec2(40.0, 30.0).max(super::widgets::square(ui))),
            )
            .on_hover_text(tip)
            .clicked()
        {
            out.clock.write(if playing {
                ClockCommand::Pause
            } else {
                ClockCommand::Play
            });
        }
        let speed_name = |speed: f64| {
            if SPEEDS.iter().any(|(s, _)| *s == speed) {
                speed_text(speed, l)
            } else {
                format!("{speed}×")
            }
        };
        egui::ComboBox::from_id_salt("speed")
            .selected_text(speed_name(clock.speed()))
            .width(84.0)
            .show_ui(ui, |ui| {
                for (speed, _) in SPEEDS {
                    if ui
                        .selectable_label(clock.speed() == *speed, speed_name(*speed))
                        .clicked()
                    {
                        out.clock.write(ClockCommand::Speed(*speed));
                    }
                }
            })
            .response
            .on_hover_text(l.t("time-speed-tip"));
        let when = if live {
            l.t_with("time-now", &[("time", local_time(now, l).into())])
        } else if let Some(t) = sun.filter(|_| free).and_then(|s| s.local(clock.at())) {
            let t = t.naive_local();
            let time = format!(
                "{} {}",
                crate::language::text::date_year(t.date(), false, l),
                t.format("%H:%M")
            );
            l.t_with("time-study", &[("time", time.into())])
        } else {
            l.t_with(
                "time-replayed",
                &[
                    ("time", local_time(clock.at(), l).into()),
                    ("age", super::widgets::age(clock.at(), now, l).into()),
                ],
            )
        };
        let (r, _) = ui.allocate_exact_size(egui::vec2(200.0, 30.0), egui::Sense::hover());
        ui.painter().text(
            r.left_center(),
            egui::Align2::LEFT_CENTER,
            when,
            egui::FontId::monospace(13.0),
            if live {
                ui.visuals().text_color()
            } else {
                TIME_COLOR
            },
        );
        timeline(ui, clock, now, l, out);
    });
    if let Some(sun) = sun.filter(|s| s.lonlat.is_some()) {
        super::sun_row::sun_row(ui, clock, sun, state, out);
    }
    let status = match (live, replay.map(|r| (&r.status, r))) {
        _ if free => l.t("status-sun-study"),
        (_, Some((HistoryStatus::Loading, _))) => l.t("status-history-loading"),
        (false, Some((HistoryStatus::Ready, r))) => {
            let mut text = l.t_with(
                "status-replay",
                &[
                    ("sensors", r.data.len().into()),
                    ("values", r.data.points().into()),
                ],
            );
            for note in &r.notes {
                text.push_str(&format!(" {note}."));
            }
            text
        }
        (false, Some((HistoryStatus::Failed(why), _))) => {
            l.t_with("status-latest", &[("why", why.clone().into())])
        }
        _ if live => l.t("status-live"),
        _ => l.t("status-paused"),
    };
    ui.label(egui::RichText::new(status).small().weak());
    ui.add_space(2.0);
}

/// The timeline: the last hours with the local hours marked, the time shown as a handle;
/// click or drag to go to a time (the right end is live).
pub(super) fn timeline(
    ui: &mut egui::Ui,
    clock: &Clock,
    now: i64,
    l: Language,
    out: &mut UiOutbox,
) {
    // Room at the ends for the handle.
    let width = (ui.available_width() - 12.0).max(120.0);
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(width, 30.0), egui::Sense::click_and_drag());
    let start = clock.earliest(now);
    let span = (now - start).max(1) as f32;
    let x_of = |t: i64| rect.left() + (t - start) as f32 / span * rect.width();
    let t_of = |x: f32| start + ((x - rect.left()) / rect.width() * span) as i64;
    let painter = ui.painter_at(rect.expand(10.0));
    let y = rect.top() + 10.0;
    let track = egui::Rect::from_min_max(
        egui::pos2(rect.left(), y - 3.0),
        egui::pos2(rect.right(), y + 3.0),
    );
    painter.rect_filled(track, 3.0, ui.visuals().widgets.inactive.bg_fill);
    let x = x_of(clock.at().clamp(start, now));
    painter.rect_filled(
        egui::Rect::from_min_max(track.min, egui::pos2(x, track.max.y)),
        3.0,
        TIME_COLOR.gamma_multiply(0.6),
    );
    // Hours on this machine's clock: a tick each hour, a label every 3 (6 when narrow).
    let every = if rect.width() < 500.0 { 6 } else { 3 };
    let hour = local_hour(start);
    let mut t = start + ((hour.ceil() - hour) * 3_600_000.0) as i64;
    let weak = ui.visuals().weak_text_color();
    while t <= now {
        let h = local_hour(t).round() as i64 % 24;
        let tx = x_of(t);
        let long = h % every == 0;
        painter.line_segment(
            [
                egui::pos2(tx, y + 4.0),
                egui::pos2(tx, y + if long { 9.0 } else { 6.0 }),
            ],
            egui::Stroke::new(1.0, weak),
        );
        if long {
            let text = if h == 0 {
                local_date_time(t).map_or_else(String::new, |d| {
                    crate::language::text::weekday(d.date(), l).to_owned()
                })
            } else {
                format!("{h:02}:00")
            };
            painter.text(
                egui::pos2(tx, y + 10.0),
                egui::Align2::CENTER_TOP,
                text,
                egui::FontId::proportional(10.0),
                weak,
            );
        }
        t += 3_600_000;
    }
    // A sun study's date lies outside the timeline: no handle.
    if !clock.is_free() {
        painter.circle(
            egui::pos2(x, y),
            if response.hovered() || response.dragged() {
                8.0
            } else {
                7.0
            },
            if clock.is_live() {
                LIVE_COLOR
            } else {
                TIME_COLOR
            },
            egui::Stroke::new(1.5, egui::Color32::WHITE),
        );
    }
    if let Some(p) = response.interact_pointer_pos()
        && (response.clicked() || response.dragged())
    {
        out.clock.write(ClockCommand::Seek(t_of(p.x)));
    }
    if let Some(p) = response.hover_pos() {
        let t = t_of(p.x);
        response.on_hover_text_at_pointer(if t >= now - 60_000 {
            l.t("time-live")
        } else {
            l.t_with(
                "time-hover",
                &[
                    ("time", local_time(t, l).into()),
                    ("age", super::widgets::age(t, now, l).into()),
                ],
            )
        });
    }
}

/// A replay speed in words: "real time", "15 min/s", "1 h/s".
fn speed_text(speed: f64, l: Language) -> String {
    if speed <= 1.0 {
        return l.t("speed-real-time");
    }
    let (amount, unit) = if speed >= 3600.0 {
        (speed / 3600.0, "h")
    } else {
        (speed / 60.0, "min")
    };
    l.t_with(
        "speed-per-second",
        &[("amount", Arg::number(amount, 0)), ("unit", unit.into())],
    )
}
