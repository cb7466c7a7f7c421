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
    foot_panel(ctx, "kiosk-tour", view, |ui| {
        // Clear of the legends at the view's right.
        ui.set_max_width((view.width() - 600.0).clamp(400.0, 1100.0));
        ui.vertical_centered(|ui| {
            if let Some(caption) = caption.filter(|c| !c.is_empty()) {
                ui.add(egui::Label::new(egui::RichText::new(caption).size(34.0).strong()).wrap());
                ui.add_space(10.0);
            }
            ui.label(
                egui::RichText::new(l.t("kiosk-touch-to-explore"))
                    .size(26.0)
                    .strong(),
            );
        });
    });
}

/// A panel over the middle of the view's foot, above the status line, over the labels, not
/// taking touches (a touch goes to the view and counts as one).
fn foot_panel(ctx: &egui::Context, id: &str, view: egui::Rect, add: impl FnOnce(&mut egui::Ui)) {
    egui::Area::new(egui::Id::new(id))
        .pivot(egui::Align2::CENTER_BOTTOM)
        .fixed_pos(view.center_bottom() - egui::vec2(0.0, 56.0))
        .interactable(false)
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                .inner_margin(egui::Margin::symmetric(28, 18))
                .show(ui, add);
        });
}

/// After a touch stopped the tour: how to explore with one and two fingers.
pub(super) fn hints(ctx: &egui::Context, kiosk: &KioskState, l: Language, view: egui::Rect) {
    if !kiosk.hints {
        return;
    }
    let lines = [
        "kiosk-hint-one-finger",
        "kiosk-hint-two-fingers",
        "kiosk-hint-pinch",
        "kiosk-hint-twist",
        "kiosk-hint-tap",
    ];
    foot_panel(ctx, "kiosk-hints", view, |ui| {
        ui.label(
            egui::RichText::new(l.t("kiosk-explore"))
                .size(32.0)
                .strong(),
        );
        ui.add_space(8.0);
        for line in lines {
            ui.label(egui::RichText::new(l.t(line)).size(24.0).strong());
        }
    });
    ctx.request_repaint_after(std::time::Duration::from_secs(1));
}

/// "Are you still there?": a kiosk left alone counts down to its reset; a touch anywhere, or
/// the big button, keeps the visitor's state. True when the button was pressed.
pub(super) fn still_there(ctx: &egui::Context, kiosk: &KioskState, l: Language) -> bool {
    let crate::idle::Phase::Warning { left_s } = kiosk.phase else {
        return false;
    };
    let mut answered = false;
    egui::Window::new(l.t("kiosk-still-there"))
        .id(egui::Id::new("kiosk-still-there"))
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.label(
                egui::RichText::new(l.t_with("kiosk-countdown", &[("seconds", left_s.into())]))
                    .size(20.0),
            );
            ui.add_space(8.0);
            let button = egui::Button::new(egui::RichText::new(l.t("kiosk-still-here")).size(24.0))
                .min_size(egui::vec2(260.0, 64.0));
            answered = ui.add(button).clicked();
        });
    ctx.request_repaint_after(std::time::Duration::from_millis(500));
    answered
}

/// The PIN pad staff see after the exit chord: digits, Delete, OK, Cancel. Returns what to
/// tell the kiosk: `Some(Some(pin))` for OK, `Some(None)` for Cancel.
pub(super) fn pin_pad(
    ctx: &egui::Context,
    kiosk: &KioskState,
    l: Language,
    entry: &mut String,
) -> Option<Option<String>> {
    let Some(wrong) = kiosk.asking_pin else {
        entry.clear();
        return None;
    };
    let mut leave = None;
    egui::Window::new(l.t("kiosk-leave"))
        .id(egui::Id::new("kiosk-pin"))
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.label(egui::RichText::new("•".repeat(entry.chars().count()) + " ").size(28.0));
            if wrong {
                ui.colored_label(
                    egui::Color32::from_rgb(230, 120, 40),
                    l.t("kiosk-wrong-pin"),
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
                    .add_sized(key, egui::Button::new(l.t("delete")))
                    .clicked()
                {
                    entry.pop();
                }
                if ui.add_sized(key, egui::Button::new("0")).clicked() && entry.len() < 12 {
                    entry.push('0');
                }
                if ui.add_sized(key, egui::Button::new(l.t("ok"))).clicked() {
                    leave = Some(Some(std::mem::take(entry)));
                }
            });
            if ui
                .add_sized(
                    egui::vec2(key.x * 3.0 + 8.0, key.y),
                    egui::Button::new(l.t("cancel")),
                )
                .clicked()
            {
                entry.clear();
                leave = Some(None);
            }
        });
    leave
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idle::Phase;
    use egui::accesskit::Role;

    /// The kiosk's panels drawn in one pass with the touch look, as a screen reader gets them
    /// (AccessKit's tree): (role, name, width, height) of every node.
    fn tree(l: Language) -> Vec<(Role, String, f64, f64)> {
        let ctx = egui::Context::default();
        ctx.enable_accesskit();
        crate::ui::look::apply(
            &ctx,
            crate::ui::look::Look {
                scale: 1.0,
                high_contrast: false,
                touch: true,
            },
        );
        let kiosk = KioskState {
            enabled: true,
            phase: Phase::Warning { left_s: 25 },
            asking_pin: Some(true),
            touring: true,
            stop: Some(0),
            hints: true,
            ..KioskState::default()
        };
        let config = crate::config::Config::default().kiosk;
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1920.0, 1080.0),
            )),
            ..Default::default()
        };
        let view = egui::Rect::from_min_max(egui::pos2(416.0, 0.0), egui::pos2(1920.0, 980.0));
        let mut out = None;
        // Two passes: egui sizes windows in the first.
        for _ in 0..2 {
            let mut output = ctx.run_ui(input.clone(), |ui| {
                let ctx = ui.ctx().clone();
                tour_caption(&ctx, &kiosk, &config, l, view);
                hints(&ctx, &kiosk, l, view);
                still_there(&ctx, &kiosk, l);
                pin_pad(&ctx, &kiosk, l, &mut String::new());
            });
            // No renderer here: the fonts' texture updates are dropped on purpose.
            output.textures_delta.clear();
            out = output.platform_output.accesskit_update;
        }
        out.expect("an AccessKit tree")
            .nodes
            .iter()
            .map(|(_, n)| {
                let b = n.bounds().unwrap_or_default();
                let name = n.label().or(n.value()).unwrap_or_default().to_owned();
                (n.role(), name, b.width(), b.height())
            })
            .collect()
    }

    #[test]
    fn every_kiosk_control_is_named_and_a_finger_wide_in_both_languages() {
        for (l, words) in [
            (Language::English, ["I'm still here", "Cancel", "Delete"]),
            (Language::Swedish, ["Jag är kvar", "Avbryt", "Radera"]),
        ] {
            let nodes = tree(l);
            let buttons: Vec<_> = nodes.iter().filter(|n| n.0 == Role::Button).collect();
            assert!(buttons.len() >= 13, "{l:?}: {} buttons", buttons.len());
            for (_, name, w, h) in &buttons {
                assert!(!name.is_empty(), "{l:?}: a button without a name");
                assert!(
                    *w >= 48.0 && *h >= 48.0,
                    "{l:?}: \"{name}\" is {w}×{h}, under 48 px"
                );
            }
            for word in words {
                assert!(
                    buttons.iter().any(|b| b.1 == word),
                    "{l:?}: no button \"{word}\""
                );
            }
            let caption = crate::config::Config::default().kiosk.tour[0]
                .caption(l)
                .to_owned();
            assert!(
                nodes.iter().any(|n| n.1 == caption),
                "{l:?}: the tour's caption is read out"
            );
        }
    }
}
