//! The scene's clock without Bevy: live (following the wall clock) or replaying a past moment,
//! paused or playing at a chosen speed, like a video player's timeline; and times as people
//! read them on this machine's clock.

use chrono::{Local, TimeZone};

/// Playback speeds offered, in scene seconds per real second, with their names.
pub const SPEEDS: &[(f64, &str)] = &[
    (1.0, "real time"),
    (60.0, "1 min/s"),
    (300.0, "5 min/s"),
    (900.0, "15 min/s"),
    (3600.0, "1 h/s"),
];

/// The speed a replay starts with: 24 hours in 96 seconds.
pub const DEFAULT_SPEED: f64 = 900.0;

/// Within this distance of the present (ms), a replay counts as having caught up with live.
const LIVE_TOLERANCE_MS: i64 = 1_000;

/// The scene's time.
///
/// ```
/// use citytwin::clock::model::Clock;
/// let now = 1_800_000_000_000;
/// let mut clock = Clock::new(now, 24 * 3_600_000);
/// assert!(clock.is_live());
/// clock.seek(now - 3_600_000, now); // an hour ago, paused
/// clock.play();
/// clock.set_speed(900.0);
/// clock.advance(now, 2.0); // two seconds at 15 min/s: half an hour later
/// assert_eq!(clock.at(), now - 1_800_000);
/// clock.advance(now, 2.0); // reaches the present: back to live
/// assert!(clock.is_live());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    live: bool,
    at_ms: i64,
    playing: bool,
    speed: f64,
    span_ms: i64,
    /// Scene time not yet added (below a millisecond), so that slow speeds still advance.
    carry: f64,
    /// At any date (a sun study), not bound to the replay's span.
    free: bool,
}

impl Clock {
    /// A live clock at `now` (ms since 1970, UTC) that can go back `span_ms`.
    pub fn new(now: i64, span_ms: i64) -> Self {
        Self {
            live: true,
            at_ms: now,
            playing: false,
            speed: DEFAULT_SPEED,
            span_ms: span_ms.max(0),
            carry: 0.0,
            free: false,
        }
    }

    /// Whether the clock stands at a date of a sun study, outside the replay's span.
    pub fn is_free(&self) -> bool {
        !self.live && self.free
    }

    /// Goes to any time `t` (a sun study's date and time), leaving live mode and the replay's
    /// span; playing goes on if it was on, and never turns live by itself.
    ///
    /// ```
    /// use citytwin::clock::model::Clock;
    /// let now = 1_800_000_000_000;
    /// let mut clock = Clock::new(now, 24 * 3_600_000);
    /// let equinox = 1_773_993_600_000; // 2026-03-20T08:00:00Z
    /// clock.go_to_any(equinox);
    /// clock.play();
    /// clock.advance(now, 4.0); // 4 s at 15 min/s
    /// assert_eq!(clock.at(), equinox + 3_600_000);
    /// assert!(clock.is_free() && !clock.is_live());
    /// ```
    pub fn go_to_any(&mut self, t: i64) {
        self.live = false;
        self.free = true;
        self.carry = 0.0;
        self.at_ms = t;
    }

    /// Whether the scene shows the present.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The scene's time (ms since 1970, UTC).
    pub fn at(&self) -> i64 {
        self.at_ms
    }

    /// Whether a replay is playing.
    pub fn is_playing(&self) -> bool {
        !self.live && self.playing
    }

    /// Scene seconds per real second while playing.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// How far back the timeline reaches (ms).
    pub fn span_ms(&self) -> i64 {
        self.span_ms
    }

    /// The earliest time one can go back to.
    pub fn earliest(&self, now: i64) -> i64 {
        now - self.span_ms
    }

    /// Moves the clock on by `real_seconds` of wall-clock time: live follows `now`; a playing
    /// replay advances by `speed` and turns live when it reaches the present; a replay that
    /// has fallen out of the span is kept at its start. Returns whether the time changed.
    pub fn advance(&mut self, now: i64, real_seconds: f64) -> bool {
        let before = self.at_ms;
        if self.live {
            self.at_ms = now;
        } else if self.free {
            if self.playing {
                self.carry += real_seconds.max(0.0) * self.speed * 1000.0;
                let whole = self.carry.floor();
                self.carry -= whole;
                self.at_ms = self.at_ms.saturating_add(whole as i64);
            }
        } else {
            if self.playing {
                self.carry += real_seconds.max(0.0) * self.speed * 1000.0;
                let whole = self.carry.floor();
                self.carry -= whole;
                self.at_ms = self.at_ms.saturating_add(whole as i64);
            }
            if self.at_ms >= now - LIVE_TOLERANCE_MS && self.playing {
                self.go_live(now);
            } else {
                self.at_ms = self.at_ms.clamp(self.earliest(now), now);
            }
        }
        self.at_ms != before
    }

    /// Goes to `t` (kept within the span), leaving live mode; playing goes on if it was on.
    /// Going to the present itself goes live.
    pub fn seek(&mut self, t: i64, now: i64) {
        if t >= now - LIVE_TOLERANCE_MS {
            self.go_live(now);
            return;
        }
        self.live = false;
        self.free = false;
        self.carry = 0.0;
        self.at_ms = t.clamp(self.earliest(now), now);
    }

    /// Plays from the time shown (from the start of the span when live).
    pub fn play_from_start_if_live(&mut self, now: i64) {
        if self.live {
            self.seek(self.earliest(now), now);
        }
        self.play();
    }

    /// Plays the replay (no effect while live: the present plays by itself).
    pub fn play(&mut self) {
        self.playing = true;
    }

    /// Stops the replay where it is; while live, freezes the scene at the present.
    pub fn pause(&mut self) {
        self.live = false;
        self.playing = false;
    }

    /// Back to the present.
    pub fn go_live(&mut self, now: i64) {
        self.live = true;
        self.free = false;
        self.playing = false;
        self.carry = 0.0;
        self.at_ms = now;
    }

    /// Sets the playback speed (scene seconds per real second; at least real time).
    pub fn set_speed(&mut self, speed: f64) {
        if speed.is_finite() {
            self.speed = speed.max(1.0);
        }
    }
}

/// A time as people read it on this machine's clock: `Mon 23 Nov 14:05`.
pub fn local_time_text(ms: i64) -> String {
    local_format(ms, "%a %-d %b %H:%M")
}

/// A time on this machine's clock as a date and time of day (for [`crate::language::text::date_time`]).
pub fn local_date_time(ms: i64) -> Option<chrono::NaiveDateTime> {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.naive_local())
}

/// A time on this machine's clock in a `strftime` format (`%H:%M`).
pub fn local_format(ms: i64, format: &str) -> String {
    match Local.timestamp_millis_opt(ms).single() {
        Some(t) => t.format(format).to_string(),
        None => crate::timestamp::format_millis(ms),
    }
}

/// The hour of the day on this machine's clock (0–24, fractional), for the timeline's ticks.
pub fn local_hour(ms: i64) -> f64 {
    use chrono::Timelike;
    Local.timestamp_millis_opt(ms).single().map_or(0.0, |t| {
        f64::from(t.hour()) + f64::from(t.minute()) / 60.0 + f64::from(t.second()) / 3600.0
    })
}

/// Reads a time for `--at`: an RFC 3339 timestamp, or an ISO 8601 duration meaning that long
/// ago (`PT2H`).
///
/// ```
/// use citytwin::clock::model::parse_at;
/// let now = 1_800_000_000_000;
/// assert_eq!(parse_at("PT2H", now), Some(now - 7_200_000));
/// assert_eq!(parse_at("2027-01-15T08:00:00Z", now), Some(1_800_000_000_000));
/// assert_eq!(parse_at("yesterday", now), None);
/// ```
pub fn parse_at(text: &str, now: i64) -> Option<i64> {
    crate::timestamp::parse_duration_millis(text)
        .map(|d| now - d)
        .or_else(|| crate::timestamp::parse_millis(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000_000;
    const DAY: i64 = 86_400_000;

    #[test]
    fn live_follows_the_wall_clock() {
        let mut c = Clock::new(NOW, DAY);
        assert!(c.advance(NOW + 5_000, 5.0));
        assert_eq!(c.at(), NOW + 5_000);
        assert!(c.is_live() && !c.is_playing());
        // Play while live does not leave live mode.
        c.play();
        c.advance(NOW + 6_000, 1.0);
        assert!(c.is_live());
        assert_eq!(c.at(), NOW + 6_000);
    }

    #[test]
    fn seeking_stays_within_the_span_and_pauses_nothing() {
        let mut c = Clock::new(NOW, DAY);
        c.seek(NOW - 3 * DAY, NOW);
        assert!(!c.is_live());
        assert_eq!(c.at(), NOW - DAY);
        // Paused at the start of the span: kept within it as the wall clock moves.
        assert!(c.advance(NOW + 60_000, 60.0));
        assert_eq!(c.at(), NOW - DAY + 60_000);
        // Paused in the middle: time stands still.
        c.seek(NOW - 3_600_000, NOW);
        assert!(!c.advance(NOW + 120_000, 60.0));
        assert_eq!(c.at(), NOW - 3_600_000);
        c.seek(NOW - 500, NOW);
        assert!(c.is_live(), "seeking to the present goes live");
    }

    #[test]
    fn playing_advances_by_speed_and_catches_up_with_live() {
        let mut c = Clock::new(NOW, DAY);
        c.play_from_start_if_live(NOW);
        assert_eq!(c.at(), NOW - DAY);
        assert!(c.is_playing());
        c.set_speed(3600.0);
        for _ in 0..60 {
            c.advance(NOW, 1.0 / 60.0);
        }
        assert!((c.at() - (NOW - DAY + 3_600_000)).abs() <= 1, "{}", c.at());
        // Real time at 60 frames a second still moves (no lost fractions).
        c.set_speed(1.0);
        let before = c.at();
        for _ in 0..600 {
            c.advance(NOW, 1.0 / 60.0);
        }
        assert_eq!(c.at() - before, 10_000);
        c.set_speed(3600.0);
        c.advance(NOW, 24.0);
        assert!(c.is_live(), "reaching the present goes live");
        assert_eq!(c.at(), NOW);
    }

    #[test]
    fn pausing_live_freezes_the_present() {
        let mut c = Clock::new(NOW, DAY);
        c.pause();
        assert!(!c.is_live() && !c.is_playing());
        c.advance(NOW + 10_000, 10.0);
        assert_eq!(c.at(), NOW);
        c.play();
        c.advance(NOW + 10_000, 0.5);
        assert_eq!(c.at(), NOW + 10_000, "played into the present");
        assert!(c.is_live());
        c.set_speed(f64::NAN);
        c.set_speed(0.0);
        assert_eq!(c.speed(), 1.0);
    }
}
