//! The kiosk's own parts of the interface: the guided tour's caption, the hints after a touch
//! stopped it, "Are you still there?" and the staff's PIN pad.

use crate::config::KioskConfig;
use crate::language::Language;
use crate::scene::KioskState;
use bevy_egui::egui;

/// The caption of the tour's stop, big at the foot of the view, with "Touch to explore".
pub(super) fn tour_caption(
    ctx: &egui::Context,
    kiosk: &KioskState,
    config: &KioskConfig,
    l: Language,
    view: egui::Rect,
) {
    if !kiosk.touring {
        return;
    }
    let caption = kiosk
        .stop
        .and_then(|i| config.tour.get(i))
        .map(|s| s.caption(l));
    egui::Area::new(egui::Id::new("kiosk-tour"))
        .pivot(egui::Align2::CENTER_BOTTOM)
        .fixed_pos(above_status_line(view))
        .interactable(false)
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                .inner_margin(egui::Margin::symmetric(28, 18))
                .show(ui, |ui| {
                    // Clear of the legends at the view's right.
                    ui.set_max_width((view.width() - 600.0).clamp(400.0, 1100.0));
                    ui.vertical_centered(|ui| {
                        if let Some(caption) = caption.filter(|c| !c.is_empty()) {
                            ui.add(
                                egui::Label::new(egui::RichText::new(caption).size(34.0).strong())
                                    .wrap(),
                            );
                            ui.add_space(10.0);
                        }
                        ui.label(
                            egui::RichText::new(l.pick(
                                "☝ Touch the screen to explore",
                                "☝ Tryck på skärmen för att utforska",
                            ))
                            .size(26.0)
                            .strong(),
                        );
                    });
                });
        });
}

/// The middle of the view's foot, above the status line.
fn above_status_line(view: egui::Rect) -> egui::Pos2 {
    view.center_bottom() - egui::vec2(0.0, 56.0)
}

/// After a touch stopped the tour: how to explore with one and two fingers.
pub(super) fn hints(ctx: &egui::Context, kiosk: &KioskState, l: Language, view: egui::Rect) {
    if !kiosk.hints {
        return;
    }
    let lines = [
        l.pick("One finger: turn and tilt", "Ett finger: vrid och luta"),
        l.pick("Two fingers: move", "Två fingrar: flytta"),
        l.pick("Pinch: zoom", "Nyp: zooma"),
        l.pick("Twist two fingers: turn", "Vrid två fingrar: vänd"),
        l.pick(
            "Tap a building or a sensor: read about it",
            "Tryck på en byggnad eller sensor: läs om den",
        ),
    ];
    egui::Area::new(egui::Id::new("kiosk-hints"))
        .pivot(egui::Align2::CENTER_BOTTOM)
        .fixed_pos(above_status_line(view))
        .interactable(false)
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                .inner_margin(egui::Margin::symmetric(28, 18))
                .show(ui, |ui| {
                    ui.label(
                        egui::RichText::new(l.pick("Explore the city", "Utforska staden"))
                            .size(32.0)
                            .strong(),
                    );
                    ui.add_space(8.0);
                    for line in lines {
                        ui.label(egui::RichText::new(line).size(24.0).strong());
                    }
                });
        });
    ctx.request_repaint_after(std::time::Duration::from_secs(1));
}

/// "Are you still there?": a kiosk left alone counts down to its reset; a touch anywhere, or
/// the big button, keeps the visitor's state.
pub(super) fn still_there(
    ctx: &egui::Context,
    kiosk: &KioskState,
    l: Language,
    out: &mut super::UiOutbox,
) {
    let crate::idle::Phase::Warning { left_s } = kiosk.phase else {
        return;
    };
    egui::Window::new(l.pick("Are you still there?", "Är du kvar?"))
        .id(egui::Id::new("kiosk-still-there"))
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.label(
                egui::RichText::new(match l {
                    Language::Swedish => {
                        format!("Allt går tillbaka till början om {left_s} s.")
                    }
                    Language::English => {
                        format!("Everything goes back to the start in {left_s} s.")
                    }
                })
                .size(20.0),
            );
            ui.add_space(8.0);
            let button = egui::Button::new(
                egui::RichText::new(l.pick("I'm still here", "Jag är kvar")).size(24.0),
            )
            .min_size(egui::vec2(260.0, 64.0));
            if ui.add(button).clicked() {
                out.still_here.write(crate::scene::StillHere);
            }
        });
    ctx.request_repaint_after(std::time::Duration::from_millis(500));
}

/// The PIN pad staff see after the exit chord: digits, Delete, OK, Cancel.
pub(super) fn pin_pad(
    ctx: &egui::Context,
    kiosk: &KioskState,
    l: Language,
    entry: &mut String,
    out: &mut super::UiOutbox,
) {
    let Some(wrong) = kiosk.asking_pin else {
        entry.clear();
        return;
    };
    egui::Window::new(l.pick("Leave the kiosk", "Lämna kiosken"))
        .id(egui::Id::new("kiosk-pin"))
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.label(egui::RichText::new("•".repeat(entry.chars().count()) + " ").size(28.0));
            if wrong {
                ui.colored_label(
                    egui::Color32::from_rgb(230, 120, 40),
                    l.pick("Wrong PIN.", "Fel PIN-kod."),
                );
            }
            let key = egui::vec2(64.0, 56.0);
            for row in [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]] {
                ui.horizontal(|ui| {
                    for d in row {
                        if ui.add_sized(key, egui::Button::new(d)).clicked() && entry.len() < 12 {
                            entry.push_str(d);
                        }
                    }
                });
            }
            ui.horizontal(|ui| {
                if ui
                    .add_sized(key, egui::Button::new(l.pick("Delete", "Radera")))
                    .clicked()
                {
                    entry.pop();
                }
                if ui.add_sized(key, egui::Button::new("0")).clicked() && entry.len() < 12 {
                    entry.push('0');
                }
                if ui.add_sized(key, egui::Button::new("OK")).clicked() {
                    out.leave
                        .write(crate::scene::LeaveKiosk(Some(std::mem::take(entry))));
                }
            });
            if ui
                .add_sized(
                    egui::vec2(key.x * 3.0 + 8.0, key.y * 0.8),
                    egui::Button::new(l.pick("Cancel", "Avbryt")),
                )
                .clicked()
            {
                entry.clear();
                out.leave.write(crate::scene::LeaveKiosk(None));
            }
        });
}
