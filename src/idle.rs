//! How long a kiosk has been left alone, and what it does about it: after `reset_after_s`
//! without a touch it asks "Are you still there?" with a countdown of `warning_s` (at least
//! 20 s, WCAG 2.2 success criterion 2.2.1), then resets itself to its home state. A touch at any
//! time before the reset starts over.
//!
//! ```
//! use citytwin::idle::{Idle, Phase};
//! let idle = Idle { reset_after_s: 180.0, warning_s: 30.0 };
//! assert_eq!(idle.phase(100.0), Phase::InUse);
//! assert_eq!(idle.phase(185.0), Phase::Warning { left_s: 25 });
//! assert_eq!(idle.phase(210.0), Phase::Reset);
//! ```

/// The shortest countdown allowed (WCAG 2.2, 2.2.1 Timing Adjustable: at least 20 seconds to
/// extend with a simple action).
pub const MIN_WARNING_S: f64 = 20.0;

/// The idle timing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Idle {
    /// Seconds without a touch before the warning.
    pub reset_after_s: f64,
    /// Seconds of the warning's countdown.
    pub warning_s: f64,
}

/// Where a kiosk left alone stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Someone is using it (or was, recently).
    InUse,
    /// "Are you still there?", with the whole seconds left before the reset.
    Warning {
        /// Seconds left, rounded up.
        left_s: u64,
    },
    /// Time to reset to the home state.
    Reset,
}

impl Idle {
    /// The phase after `idle_s` seconds without a touch.
    pub fn phase(&self, idle_s: f64) -> Phase {
        let warning = self.warning_s.max(MIN_WARNING_S);
        if idle_s < self.reset_after_s {
            Phase::InUse
        } else if idle_s < self.reset_after_s + warning {
            Phase::Warning {
                left_s: (self.reset_after_s + warning - idle_s).ceil() as u64,
            }
        } else {
            Phase::Reset
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_countdown_is_never_shorter_than_twenty_seconds() {
        let idle = Idle {
            reset_after_s: 60.0,
            warning_s: 5.0,
        };
        assert_eq!(idle.phase(59.9), Phase::InUse);
        assert_eq!(idle.phase(60.0), Phase::Warning { left_s: 20 });
        assert_eq!(idle.phase(79.5), Phase::Warning { left_s: 1 });
        assert_eq!(idle.phase(80.0), Phase::Reset);
    }
}
