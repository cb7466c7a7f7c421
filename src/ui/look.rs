//! How the interface looks: its size (`ui.font_scale`, 1–2: the whole interface grows, text,
//! controls and panels alike, through egui's zoom), a high-contrast theme (`ui.high_contrast`:
//! text at 7:1 or more against every background it is drawn on, WCAG 2.2 1.4.6), a visible
//! keyboard focus, and in a kiosk the touch layout: every control at least 48 logical pixels
//! high (WCAG 2.2 2.5.5 asks 44; 48 px is 12.7 mm at 96 dpi, above the 9 mm asked, on any
//! screen the operating system reports at its real density).

use bevy_egui::egui;
use egui::Color32;

/// The smallest touch target in a kiosk (logical pixels).
pub const TOUCH_TARGET: f32 = 48.0;

/// What the interface looks like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// Size of the whole interface, 1.0–2.0.
    pub scale: f32,
    /// High-contrast colours.
    pub high_contrast: bool,
    /// Touch layout (a kiosk).
    pub touch: bool,
}

impl Look {
    /// One step bigger or smaller, within 1.0–2.0.
    pub fn step(self, by: f32) -> Self {
        Self {
            scale: ((self.scale + by) * 4.0).round() / 4.0,
            ..self
        }
        .clamped()
    }

    fn clamped(self) -> Self {
        Self {
            scale: self.scale.clamp(1.0, 2.0),
            ..self
        }
    }
}

/// Applies a look to egui: the zoom and the style.
pub(super) fn apply(ctx: &egui::Context, look: Look) {
    let look = look.clamped();
    ctx.set_zoom_factor(look.scale);
    ctx.options_mut(|o| o.zoom_with_keyboard = false);
    for theme in [egui::Theme::Dark, egui::Theme::Light] {
        ctx.style_mut_of(theme, |s| *s = style(look));
    }
}

/// The egui style of a look.
pub(super) fn style(look: Look) -> egui::Style {
    let mut s = egui::Style {
        visuals: if look.high_contrast {
            high_contrast()
        } else {
            egui::Visuals::dark()
        },
        ..egui::Style::default()
    };
    // The keyboard focus: a bright ring wherever it is.
    s.visuals.selection.stroke = egui::Stroke::new(2.0, Color32::from_rgb(255, 200, 0));
    if look.touch {
        let sp = &mut s.spacing;
        sp.interact_size = egui::vec2(TOUCH_TARGET, TOUCH_TARGET);
        sp.button_padding = egui::vec2(14.0, 12.0);
        sp.item_spacing = egui::vec2(10.0, 10.0);
        sp.icon_width = 28.0;
        sp.icon_width_inner = 16.0;
        sp.slider_width = 240.0;
        sp.combo_height = 400.0;
        sp.scroll.bar_width = 16.0;
        for (style, size) in [
            (egui::TextStyle::Body, 18.0),
            (egui::TextStyle::Button, 18.0),
            (egui::TextStyle::Heading, 26.0),
            (egui::TextStyle::Small, 14.0),
            (egui::TextStyle::Monospace, 16.0),
        ] {
            if let Some(f) = s.text_styles.get_mut(&style) {
                f.size = size;
            }
        }
        // Nothing that waits for a hover: tooltips never hold what a control needs.
        s.interaction.tooltip_delay = 0.0;
    }
    s
}

/// Black and white with one accent: text ≥ 7:1 on every fill it sits on.
fn high_contrast() -> egui::Visuals {
    let mut v = egui::Visuals::dark();
    let (black, white, grey) = (
        Color32::from_rgb(0, 0, 0),
        Color32::WHITE,
        Color32::from_rgb(40, 40, 40),
    );
    v.override_text_color = Some(white);
    v.panel_fill = black;
    v.window_fill = black;
    v.extreme_bg_color = black;
    v.faint_bg_color = Color32::from_rgb(20, 20, 20);
    v.code_bg_color = grey;
    v.window_stroke = egui::Stroke::new(2.0, white);
    v.hyperlink_color = Color32::from_rgb(140, 200, 255);
    v.warn_fg_color = Color32::from_rgb(255, 210, 80);
    v.error_fg_color = Color32::from_rgb(255, 150, 150);
    v.selection.bg_fill = Color32::from_rgb(0, 70, 160);
    for (w, fill) in [
        (&mut v.widgets.noninteractive, black),
        (&mut v.widgets.inactive, grey),
        (&mut v.widgets.hovered, Color32::from_rgb(60, 60, 60)),
        (&mut v.widgets.active, Color32::from_rgb(70, 70, 70)),
        (&mut v.widgets.open, grey),
    ] {
        w.bg_fill = fill;
        w.weak_bg_fill = fill;
        w.fg_stroke = egui::Stroke::new(1.5, white);
        w.bg_stroke = egui::Stroke::new(1.5, white);
    }
    v
}

/// WCAG 2.2's contrast ratio of two colours (1 to 21).
///
/// ```
/// use bevy_egui::egui::Color32;
/// use citytwin::ui::look::contrast_ratio;
/// assert!((contrast_ratio(Color32::WHITE, Color32::BLACK) - 21.0).abs() < 0.01);
/// assert!((contrast_ratio(Color32::GRAY, Color32::GRAY) - 1.0).abs() < 1e-6);
/// ```
pub fn contrast_ratio(a: Color32, b: Color32) -> f32 {
    let luminance = |c: Color32| {
        let lin = |u: u8| {
            let x = f32::from(u) / 255.0;
            if x <= 0.04045 {
                x / 12.92
            } else {
                ((x + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_contrast_text_is_seven_to_one_on_every_fill() {
        let v = style(Look {
            scale: 1.0,
            high_contrast: true,
            touch: false,
        })
        .visuals;
        let text = v.override_text_color.unwrap();
        let w = &v.widgets;
        for fill in [
            v.panel_fill,
            v.window_fill,
            v.extreme_bg_color,
            v.faint_bg_color,
            w.noninteractive.bg_fill,
            w.inactive.bg_fill,
            w.hovered.bg_fill,
            w.active.bg_fill,
            v.selection.bg_fill,
        ] {
            assert!(contrast_ratio(text, fill) >= 7.0, "{fill:?}");
        }
        for fg in [v.warn_fg_color, v.error_fg_color, v.hyperlink_color] {
            assert!(contrast_ratio(fg, v.panel_fill) >= 7.0, "{fg:?}");
        }
        // The default theme's weak text does not reach it: that is what the setting is for.
        let d = egui::Visuals::dark();
        assert!(contrast_ratio(d.weak_text_color(), d.panel_fill) < 7.0);
    }

    #[test]
    fn the_touch_layout_makes_every_control_a_finger_wide() {
        let s = style(Look {
            scale: 1.0,
            high_contrast: false,
            touch: true,
        });
        assert!(s.spacing.interact_size.y >= TOUCH_TARGET);
        let look = Look {
            scale: 1.9,
            high_contrast: false,
            touch: false,
        };
        assert_eq!(look.step(0.25).scale, 2.0);
        assert_eq!(look.step(-1.0).scale, 1.0);
    }
}
