//! `[kiosk]`: a touch screen in a public place that looks after itself.

use super::{Invalid, range};
use serde::{Deserialize, Serialize};

/// `[kiosk]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    /// Run as a kiosk (also `--kiosk`): fullscreen, no Reload or Save picture, resets itself.
    pub enabled: bool,
    /// Seconds without a touch before "Are you still there?".
    pub reset_after_s: f64,
    /// Seconds of that notice's countdown before the reset (at least 20).
    pub warning_s: f64,
    /// The view the reset goes back to ("overview" or one of `[views]`).
    pub home_view: String,
    /// The keys that ask to leave the kiosk, e.g. "Ctrl+Alt+Shift+Q".
    pub exit_chord: String,
    /// The PIN asked after the chord, as `citytwin kiosk-pin` hashes it ("": no PIN).
    pub exit_pin: String,
    /// Seconds without a touch before the guided tour starts (0: no tour).
    pub attract_after_s: f64,
    /// Seconds of each flight between two stops of the tour.
    pub fly_s: f64,
    /// The tour's stops, in order (`[[kiosk.tour]]`); none: the home view turning slowly.
    pub tour: Vec<TourStop>,
    /// Visitors may edit scenarios (draw, move, delete, save, publish); off by default, a
    /// kiosk's scenarios are only looked at and compared.
    #[serde(default)]
    pub allow_editing: bool,
}

/// `[[kiosk.tour]]`: one stop of the guided tour.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TourStop {
    /// The view shown ("overview" or one of `[views]`).
    pub view: String,
    /// The caption in English.
    pub en: String,
    /// The caption in Swedish.
    pub sv: String,
    /// Seconds at this stop (the camera turns slowly meanwhile).
    #[serde(default = "default_stay_s")]
    pub stay_s: f64,
    /// The layers shown here, by id (the others hidden); absent: as they are.
    #[serde(default)]
    pub layers: Option<Vec<String>>,
    /// The scenario shown here, by name; absent: the baseline.
    #[serde(default)]
    pub scenario: Option<String>,
}

fn default_stay_s() -> f64 {
    12.0
}

impl TourStop {
    /// The caption in a language.
    pub fn caption(&self, language: crate::language::Language) -> &str {
        language.pick(&self.en, &self.sv)
    }
}

/// A key chord: modifiers and one key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chord {
    /// Control held.
    pub ctrl: bool,
    /// Alt held.
    pub alt: bool,
    /// Shift held.
    pub shift: bool,
    /// The key: a letter `A`–`Z`, a digit, `F1`–`F12`, `Escape`, `Home`, `End`, `Delete`.
    pub key: String,
}

impl Chord {
    /// Reads "Ctrl+Alt+Shift+Q" (modifiers in any order, case ignored).
    ///
    /// ```
    /// use citytwin::config::kiosk::Chord;
    /// let c = Chord::parse("ctrl+alt+q").unwrap();
    /// assert!(c.ctrl && c.alt && !c.shift && c.key == "Q");
    /// assert!(Chord::parse("Ctrl+Alt").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut c = Chord::default();
        for part in s.split('+').map(str::trim) {
            match part.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => c.ctrl = true,
                "alt" => c.alt = true,
                "shift" => c.shift = true,
                _ if !c.key.is_empty() => return Err(format!("\"{s}\" names two keys")),
                k => {
                    let upper = k.to_ascii_uppercase();
                    let ok = (upper.len() == 1
                        && upper.chars().all(|ch| ch.is_ascii_alphanumeric()))
                        || (upper.starts_with('F')
                            && upper[1..]
                                .parse::<u8>()
                                .is_ok_and(|n| (1..=12).contains(&n)))
                        || ["ESCAPE", "HOME", "END", "DELETE"].contains(&upper.as_str());
                    if !ok {
                        return Err(format!(
                            "\"{part}\" is not a key citytwin knows (a letter, a digit, F1–F12, Escape, Home, End, Delete)"
                        ));
                    }
                    c.key = upper;
                }
            }
        }
        if c.key.is_empty() {
            return Err(format!("\"{s}\" names no key besides the modifiers"));
        }
        Ok(c)
    }
}

impl KioskConfig {
    /// Whether scenarios may be edited: always outside a kiosk, in one only when allowed.
    pub fn editing(&self) -> bool {
        !self.enabled || self.allow_editing
    }

    pub(super) fn validate(&self) -> Result<(), Invalid> {
        range("kiosk.reset_after_s", self.reset_after_s, 10.0, 86_400.0)?;
        Chord::parse(&self.exit_chord).map_err(|e| ("kiosk.exit_chord".to_owned(), e))?;
        if !self.exit_pin.is_empty() && !crate::pin::is_hash(&self.exit_pin) {
            return Err((
                "kiosk.exit_pin".into(),
                "must be a hash made by `citytwin kiosk-pin` (never the PIN itself)".into(),
            ));
        }
        range(
            "kiosk.warning_s",
            self.warning_s,
            crate::idle::MIN_WARNING_S,
            600.0,
        )?;
        if self.attract_after_s != 0.0 {
            range(
                "kiosk.attract_after_s",
                self.attract_after_s,
                10.0,
                86_400.0,
            )?;
        }
        range("kiosk.fly_s", self.fly_s, 1.0, 120.0)?;
        for (i, stop) in self.tour.iter().enumerate() {
            range(
                &format!("kiosk.tour[{}].stay_s", i + 1),
                stop.stay_s,
                1.0,
                3_600.0,
            )?;
        }
        Ok(())
    }

    /// The idle timing.
    pub fn idle(&self) -> crate::idle::Idle {
        crate::idle::Idle {
            reset_after_s: self.reset_after_s,
            warning_s: self.warning_s,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConfigOverlay};

    fn with(kiosk: &str) -> Result<Config, String> {
        Config::from_layers(vec![
            ConfigOverlay::parse("k.toml", &format!("[kiosk]\n{kiosk}")).unwrap(),
        ])
        .map_err(|e| e.to_string())
    }

    #[test]
    fn the_pin_is_only_ever_a_hash_and_the_chord_names_a_key() {
        let e = with("exit_pin = \"1234\"").unwrap_err();
        assert!(
            e.contains("kiosk.exit_pin") && e.contains("kiosk-pin"),
            "{e}"
        );
        assert!(!e.contains("1234"), "the PIN is not repeated: {e}");
        let ok = format!("exit_pin = \"{}\"", crate::pin::hash("1234"));
        assert!(with(&ok).is_ok());
        let e = with("exit_chord = \"Ctrl+Alt\"").unwrap_err();
        assert!(e.contains("kiosk.exit_chord"), "{e}");
        let e = with("warning_s = 5").unwrap_err();
        assert!(e.contains("kiosk.warning_s") && e.contains("20"), "{e}");
    }

    #[test]
    fn the_tour_names_views_that_exist() {
        let config = with("").unwrap();
        assert!(!config.kiosk.tour.is_empty(), "the demo has a tour");
        let stop = "[[kiosk.tour]]\nview = \"nowhere\"\nen = \"A\"\nsv = \"B\"";
        let e = with(stop).unwrap_err();
        assert!(
            e.contains("kiosk.tour[1].view") && e.contains("overview"),
            "{e}"
        );
        let stop = "[[kiosk.tour]]\nview = \"overview\"\nen = \"A\"\nsv = \"B\"";
        let config = with(stop).unwrap();
        assert_eq!(
            config.kiosk.tour.len(),
            1,
            "a configured tour replaces the demo's"
        );
        assert_eq!(config.kiosk.tour[0].stay_s, 12.0);
        assert_eq!(
            config.kiosk.tour[0].caption(crate::language::Language::Swedish),
            "B"
        );
        let e = with("attract_after_s = 3").unwrap_err();
        assert!(e.contains("kiosk.attract_after_s"), "{e}");
        assert!(with("attract_after_s = 0").is_ok(), "0: no tour");
    }
}
