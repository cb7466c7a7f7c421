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
}

impl KioskConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        range("kiosk.reset_after_s", self.reset_after_s, 10.0, 86_400.0)?;
        range(
            "kiosk.warning_s",
            self.warning_s,
            crate::idle::MIN_WARNING_S,
            600.0,
        )
    }

    /// The idle timing.
    pub fn idle(&self) -> crate::idle::Idle {
        crate::idle::Idle {
            reset_after_s: self.reset_after_s,
            warning_s: self.warning_s,
        }
    }
}
