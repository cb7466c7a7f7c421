//! Comments in the interface: the side panel's list (legend by category, filters, fly to,
//! a moderator's Hide/Show) and the window for writing one, with an on-screen keyboard that
//! has å, ä and ö. Texts in the interface's language.

use super::UiOutbox;
use crate::comment::Comment;
use crate::language::{Arg, Language};
use crate::scene::{CommentCommand, CommentNotice, CommentsState, Scenarios, Writing};
use bevy_egui::egui;

/// Colour of a configured "#rrggbb" (grey for an unknown category).
fn colour(state: &CommentsState, category: &str) -> egui::Color32 {
    let hex = state
        .config
        .as_ref()
        .and_then(|c| c.category(category))
        .map_or("#b070e0", |c| c.color.as_str());
    let [r, g, b] = crate::config::parse_hex_color(hex).unwrap_or([0.6, 0.6, 0.6]);
    egui::Color32::from_rgb((r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8)
}

/// A dot in a category's colour.
fn dot(ui: &mut egui::Ui, colour: egui::Color32) {
    let (r, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    ui.painter().circle_filled(r.center(), 5.0, colour);
}

/// `2026-12-05T21:51:00Z` at the scene's place: `2026-12-05 16:51` (the zone's time), or as
/// written when it is not a time.
fn when(created: &str, zone: Option<chrono_tz::Tz>) -> String {
    match (chrono::DateTime::parse_from_rfc3339(created), zone) {
        (Ok(t), Some(z)) => t.with_timezone(&z).format("%Y-%m-%d %H:%M").to_string(),
        (Ok(t), None) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        _ => created.to_owned(),
    }
}

/// The Comments section of the side panel.
pub(super) fn comments_section(
    ui: &mut egui::Ui,
    state: &CommentsState,
    scenarios: &Scenarios,
    zone: Option<chrono_tz::Tz>,
    out: &mut UiOutbox,
) {
    let l = state.language;
    ui.separator();
    let shown = state.listed();
    ui.strong(l.t_with("comments-count", &[("count", shown.len().into())]));
    if state.config.as_ref().is_some_and(|c| c.enabled) && state.writing == Writing::Closed {
        let write = ui
            .button(l.t("comment-write"))
            .on_hover_text(l.t("comment-write-tip"));
        if write.clicked() {
            out.comments.write(CommentCommand::Write);
        }
    }
    if state.queued > 0 {
        ui.label(
            egui::RichText::new(l.t_with("comments-waiting", &[("count", state.queued.into())]))
                .small(),
        );
    }
    // The legend: a category per line with its count; a click filters.
    if let Some(config) = &state.config {
        ui.horizontal_wrapped(|ui| {
            let all = state.category_filter.is_none();
            if ui.selectable_label(all, l.t("comments-all")).clicked() {
                out.comments.write(CommentCommand::FilterCategory(None));
            }
            for c in &config.categories {
                let n = state
                    .comments
                    .values()
                    .filter(|x| x.category == c.id && (!x.hidden || state.moderator))
                    .count();
                let on = state.category_filter.as_deref() == Some(c.id.as_str());
                dot(ui, colour(state, &c.id));
                let text = egui::RichText::new(l.t_with(
                    "comment-category-count",
                    &[("name", c.name(l).into()), ("count", n.into())],
                ));
                if ui.selectable_label(on, text).clicked() {
                    out.comments
                        .write(CommentCommand::FilterCategory((!on).then(|| c.id.clone())));
                }
            }
        });
    }
    scenario_filter(ui, state, scenarios, out);
    egui::ScrollArea::vertical()
        .id_salt("comment-list")
        .max_height(260.0)
        .show(ui, |ui| {
            if shown.is_empty() {
                ui.label(egui::RichText::new(l.t("comments-none")).weak());
            }
            for c in shown {
                comment_item(ui, state, c, zone, out);
            }
        });
}

fn scenario_filter(
    ui: &mut egui::Ui,
    state: &CommentsState,
    scenarios: &Scenarios,
    out: &mut UiOutbox,
) {
    let l = state.language;
    let mut names: Vec<String> = scenarios
        .list
        .iter()
        .map(|e| e.scenario.name.clone())
        .chain(state.comments.values().filter_map(|c| c.scenario.clone()))
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return;
    }
    let label = match &state.scenario_filter {
        None => l.t("comments-all-scenarios"),
        Some(None) => l.t("comments-no-scenario"),
        Some(Some(n)) => n.clone(),
    };
    egui::ComboBox::from_id_salt("comment-scenario")
        .selected_text(label)
        .show_ui(ui, |ui| {
            if ui
                .selectable_label(
                    state.scenario_filter.is_none(),
                    l.t("comments-all-scenarios"),
                )
                .clicked()
            {
                out.comments.write(CommentCommand::FilterScenario(None));
            }
            if ui
                .selectable_label(
                    state.scenario_filter == Some(None),
                    l.t("comments-no-scenario"),
                )
                .clicked()
            {
                out.comments
                    .write(CommentCommand::FilterScenario(Some(None)));
            }
            for n in names {
                let on = state.scenario_filter == Some(Some(n.clone()));
                if ui.selectable_label(on, &n).clicked() {
                    out.comments
                        .write(CommentCommand::FilterScenario(Some(Some(n))));
                }
            }
        });
}

fn comment_item(
    ui: &mut egui::Ui,
    state: &CommentsState,
    c: &Comment,
    zone: Option<chrono_tz::Tz>,
    out: &mut UiOutbox,
) {
    let l = state.language;
    let picked = state.selected.as_deref() == Some(c.id.as_str());
    let short: String = if picked {
        c.text.clone()
    } else {
        let mut s: String = c.text.chars().take(90).collect();
        if c.text.chars().count() > 90 {
            s.push('…');
        }
        s
    };
    ui.horizontal(|ui| {
        dot(ui, colour(state, &c.category));
        let mut head = l.t_with(
            "comment-head",
            &[
                ("category", state.category_name(&c.category).into()),
                ("when", when(&c.created, zone).into()),
            ],
        );
        if c.hidden {
            head.push(' ');
            head.push_str(&l.t("comment-hidden-mark"));
        }
        ui.label(egui::RichText::new(head).small().strong());
    });
    let text = egui::RichText::new(short);
    let text = if c.hidden { text.weak() } else { text };
    if ui
        .add(egui::Button::selectable(picked, text).wrap())
        .on_hover_text(l.t("comment-show-in-view"))
        .clicked()
    {
        out.comments.write(CommentCommand::FlyTo(c.id.clone()));
    }
    ui.horizontal(|ui| {
        if let Some(s) = &c.scenario {
            ui.label(egui::RichText::new(format!("↳ {s}")).small().weak());
        }
        if state.moderator {
            let (label, hide) = if c.hidden {
                (l.t("comment-show-again"), false)
            } else {
                (l.t("comment-hide"), true)
            };
            if super::widgets::small_button(ui, label).clicked() {
                out.comments
                    .write(CommentCommand::SetHidden(c.id.clone(), hide));
            }
        }
    });
    ui.add_space(2.0);
}

/// The picked comment's card beside its pin: category, time, the whole text.
pub(super) fn comment_card(
    ctx: &egui::Context,
    state: &CommentsState,
    pins: &crate::scene::CommentPins,
    cameras: &[super::ViewCamera],
    zone: Option<chrono_tz::Tz>,
    out: &mut UiOutbox,
) {
    let Some(c) = state
        .selected
        .as_ref()
        .and_then(|id| state.comments.get(id))
    else {
        return;
    };
    let Some(at) = pins
        .0
        .get(&c.id)
        .and_then(|p| cameras.iter().find_map(|v| v.to_window(*p)))
    else {
        return;
    };
    let l = state.language;
    egui::Area::new(egui::Id::new("comment-card"))
        .fixed_pos(egui::pos2(at.x + 14.0, at.y - 20.0))
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(300.0);
                ui.horizontal(|ui| {
                    dot(ui, colour(state, &c.category));
                    ui.strong(state.category_name(&c.category));
                    ui.label(egui::RichText::new(when(&c.created, zone)).small().weak());
                    if super::widgets::small_button(ui, "×").clicked() {
                        out.comments.write(CommentCommand::Unpick);
                    }
                });
                ui.add(egui::Label::new(&c.text).wrap());
                if let Some(s) = &c.scenario {
                    ui.label(egui::RichText::new(format!("↳ {s}")).small().weak());
                }
                if c.hidden {
                    ui.label(egui::RichText::new(l.t("comment-hidden")).small().weak());
                }
            });
        });
}

/// The window for writing a comment, while the form is open.
pub(super) fn write_window(
    ctx: &egui::Context,
    state: &CommentsState,
    scenarios: &Scenarios,
    typing: &mut Typing,
    out: &mut UiOutbox,
) {
    // The text is edited here and sent on; a change made in the scene (cleared once sent,
    // given back after a refusal) replaces it.
    if state.draft.text != typing.sent {
        typing.sent.clone_from(&state.draft.text);
        typing.text.clone_from(&state.draft.text);
    }
    // Choices show at once (the scene takes them in at its next frame).
    if typing.category.as_ref() == Some(&state.draft.category) || state.writing == Writing::Closed {
        typing.category = None;
    }
    let category = typing
        .category
        .clone()
        .unwrap_or_else(|| state.draft.category.clone());
    let keyboard_open = typing.keyboard.unwrap_or(state.keyboard);
    let l = state.language;
    if state.writing == Writing::Closed {
        if let Some(CommentNotice::Thanks(at)) = state.notice {
            let left = std::time::Duration::from_secs(6).saturating_sub(at.elapsed());
            if !left.is_zero() {
                thanks(ctx, l);
                ctx.request_repaint_after(left);
            }
        }
        return;
    }
    let sending = matches!(state.writing, Writing::Sending(_));
    egui::Window::new(l.t("comment-window"))
        .id(egui::Id::new("comment-window"))
        .collapsible(false)
        .resizable(false)
        .default_width(440.0)
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-12.0, 12.0))
        .show(ctx, |ui| {
            ui.spacing_mut().button_padding = egui::vec2(10.0, 8.0);
            ui.label(match state.spot {
                None => egui::RichText::new(l.t("comment-step-spot")).strong(),
                Some(s) => egui::RichText::new(l.t_with(
                    "comment-step-spot-chosen",
                    &[
                        ("lat", Arg::number(s.lonlat[1], 5)),
                        ("lon", Arg::number(s.lonlat[0], 5)),
                        ("height", height_text(s.height, l).into()),
                    ],
                )),
            });
            ui.add_space(4.0);
            ui.label(l.t("comment-step-category"));
            if let Some(config) = &state.config {
                ui.horizontal_wrapped(|ui| {
                    for c in &config.categories {
                        let on = category == c.id;
                        dot(ui, colour(state, &c.id));
                        let text = egui::RichText::new(c.name(l)).size(16.0);
                        if ui
                            .add_enabled(!sending, egui::Button::selectable(on, text))
                            .clicked()
                        {
                            out.comments
                                .write(CommentCommand::SetCategory(c.id.clone()));
                        }
                    }
                });
            }
            ui.add_space(4.0);
            ui.label(l.t("comment-step-text"));
            let max = state.config.as_ref().map_or(500, |c| c.max_chars);
            let edit = egui::TextEdit::multiline(&mut typing.text)
                .desired_rows(4)
                .desired_width(f32::INFINITY)
                .hint_text(l.t("comment-hint"));
            ui.add_enabled(!sending, edit);
            let n = typing.text.trim().chars().count();
            let counter = egui::RichText::new(l.t_with(
                "comment-counter",
                &[("count", n.into()), ("max", max.into())],
            ))
            .small();
            ui.label(if n > max {
                counter.color(egui::Color32::from_rgb(220, 60, 50))
            } else {
                counter.weak()
            });
            if let Some(active) = scenarios.active_entry() {
                let mut about = state.about_scenario;
                let label = l.t_with(
                    "comment-about-scenario",
                    &[("name", (&active.scenario.name).into())],
                );
                if ui.checkbox(&mut about, label).changed() {
                    out.comments.write(CommentCommand::AboutScenario(about));
                }
            }
            if keyboard_open && !sending {
                keyboard(ui, typing, l);
            }
            if typing.text != typing.sent {
                typing.sent.clone_from(&typing.text);
                out.comments
                    .write(CommentCommand::SetText(typing.text.clone()));
            }
            if let Some(CommentNotice::Problem(p)) = &state.notice {
                ui.colored_label(egui::Color32::from_rgb(230, 120, 40), p.message(l));
            }
            ui.horizontal(|ui| {
                let send = egui::Button::new(
                    egui::RichText::new(if sending {
                        l.t("comment-sending")
                    } else {
                        l.t("comment-send")
                    })
                    .size(17.0),
                );
                if ui.add_enabled(!sending, send).clicked() {
                    out.comments.write(CommentCommand::Submit);
                }
                let close = if sending { l.t("close") } else { l.t("cancel") };
                if ui.button(close).clicked() {
                    out.comments.write(CommentCommand::Cancel);
                }
                let kb = ui
                    .selectable_label(keyboard_open, l.t("keyboard"))
                    .on_hover_text(l.t("keyboard-tip"));
                if kb.clicked() {
                    typing.keyboard = Some(!keyboard_open);
                }
            });
            ui.label(egui::RichText::new(l.t("comment-anonymous")).small().weak());
        });
}

fn height_text(h: f64, l: Language) -> String {
    if h < 0.5 {
        String::new()
    } else {
        l.t_with("comment-height", &[("metres", Arg::number(h, 0))])
    }
}

fn thanks(ctx: &egui::Context, l: Language) {
    egui::Area::new("comment-thanks".into())
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 16.0))
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.label(egui::RichText::new(l.t("comment-thanks")).size(16.0));
            });
        });
}

/// Keys of the on-screen keyboard (Swedish layout, which has å, ä and ö).
const ROWS: [&str; 4] = ["1234567890", "qwertyuiopå", "asdfghjklöä", "zxcvbnm,.?!"];

/// The comment being typed, and what of it the scene has.
#[derive(Debug, Default, Clone)]
pub struct Typing {
    /// The text in the field.
    text: String,
    /// The text last sent to (or seen in) the scene.
    sent: String,
    /// The on-screen keyboard's shift key is down.
    shift: bool,
    /// The on-screen keyboard shown or not, once the person chose (else as configured).
    keyboard: Option<bool>,
    /// The category just chosen, until the scene has it.
    category: Option<String>,
}

/// An on-screen keyboard: each key adds to the end of the text.
fn keyboard(ui: &mut egui::Ui, typing: &mut Typing, l: Language) {
    let key = egui::vec2(34.0, 38.0);
    let shift = &mut typing.shift;
    let text = typing.text.clone();
    let mut typed: Option<String> = None;
    for row in ROWS {
        ui.horizontal(|ui| {
            for c in row.chars() {
                let c = if *shift {
                    c.to_uppercase().next().unwrap_or(c)
                } else {
                    c
                };
                if ui
                    .add_sized(key, egui::Button::new(c.to_string()))
                    .clicked()
                {
                    typed = Some(format!("{text}{c}"));
                    *shift = false;
                }
            }
        });
    }
    ui.horizontal(|ui| {
        if ui
            .add_sized(
                egui::vec2(60.0, 38.0),
                egui::Button::selectable(*shift, l.t("key-shift")),
            )
            .clicked()
        {
            *shift = !*shift;
        }
        if ui
            .add_sized(egui::vec2(170.0, 38.0), egui::Button::new(l.t("key-space")))
            .clicked()
        {
            typed = Some(format!("{text} "));
        }
        if ui
            .add_sized(egui::vec2(70.0, 38.0), egui::Button::new(l.t("delete")))
            .clicked()
        {
            let mut t = text.to_owned();
            t.pop();
            typed = Some(t);
        }
        if ui
            .add_sized(
                egui::vec2(70.0, 38.0),
                egui::Button::new(l.t("key-new-line")),
            )
            .clicked()
        {
            typed = Some(format!("{text}\n"));
        }
    });
    if let Some(t) = typed {
        typing.text = t;
    }
}
