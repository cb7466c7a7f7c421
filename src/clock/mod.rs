//! The scene's one clock: live, or replaying the last [`REPLAY_HOURS`] hours.
//!
//! [`SceneClock`] is the time everything in the scene shows: sensor markers take their values
//! at it (see `sensors::replay`), and the sun is to follow it. The time panel sends
//! [`ClockCommand`]s; the plugin applies them and moves the clock on each frame, before the
//! systems that read it ([`ClockSet`]).
//!
//! ```no_run
//! use bevy::prelude::*;
//! use citytwin::clock::SceneClock;
//! fn my_layer(clock: Res<SceneClock>) {
//!     if !clock.is_live() {
//!         info!("showing {}", citytwin::timestamp::format_millis(clock.at()));
//!     }
//! }
//! ```

pub mod model;

pub use model::{Clock, DEFAULT_SPEED, SPEEDS};

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use chrono::{Local, TimeZone};

/// How far back the time panel reaches.
pub const REPLAY_HOURS: f64 = 24.0;

/// The scene's clock.
#[derive(Resource, Debug, Clone, PartialEq, Deref, DerefMut)]
pub struct SceneClock(pub Clock);

impl Default for SceneClock {
    fn default() -> Self {
        Self(Clock::new(
            crate::timestamp::now_millis(),
            (REPLAY_HOURS * 3_600_000.0) as i64,
        ))
    }
}

/// What the time panel (or a kiosk's reset, or a plugin) asks of the clock.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub enum ClockCommand {
    /// Back to the present.
    Live,
    /// Go to a time (ms since 1970, UTC), kept within the span.
    Seek(i64),
    /// Play (from the start of the span when live).
    Play,
    /// Pause (freezes the present when live).
    Pause,
    /// Scene seconds per real second.
    Speed(f64),
}

/// Where the clock moves on; systems that show the scene's time run after it.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClockSet;

/// The scene's clock and its commands.
pub struct ClockPlugin;

impl Plugin for ClockPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<SceneClock>()
            .add_message::<ClockCommand>()
            .add_systems(PreUpdate, tick.in_set(ClockSet));
    }
}

/// Applies the commands of the last frame, then moves the clock on.
fn tick(
    mut clock: ResMut<SceneClock>,
    mut commands: MessageReader<ClockCommand>,
    time: Res<Time<Real>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let now = crate::timestamp::now_millis();
    let mut changed = false;
    for c in commands.read() {
        let before = clock.0.clone();
        match *c {
            ClockCommand::Live => clock.go_live(now),
            ClockCommand::Seek(t) => clock.seek(t, now),
            ClockCommand::Play => clock.play_from_start_if_live(now),
            ClockCommand::Pause => clock.pause(),
            ClockCommand::Speed(s) => clock.set_speed(s),
        }
        changed |= clock.0 != before;
    }
    // Only write when the time moves, so that `is_changed` means something to readers.
    let mut next = clock.0.clone();
    if next.advance(now, time.delta_secs_f64()) || changed {
        clock.0 = next;
    }
    if clock.is_playing() {
        redraw.write(RequestRedraw);
    }
}

/// A time as people read it on this machine's clock: `Mon 23 Nov 14:05`.
pub fn local_time_text(ms: i64) -> String {
    local_format(ms, "%a %-d %b %H:%M")
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
/// use citytwin::clock::parse_at;
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
