//! The scene's one clock: the time everything in the scene shows. Sensor markers take their
//! values at it, and the sun follows it ([`super::SceneSun`]). The time panel sends [`ClockCommand`]s; the
//! scene applies them and moves the clock on each frame, in [`super::SceneSet::Time`], before
//! the systems that read it. The clock's model (live, seek, play, speed) is
//! [`crate::clock::model::Clock`], without Bevy.
//!
//! ```no_run
//! use bevy::prelude::*;
//! use citytwin::scene::SceneClock;
//! fn my_layer(clock: Res<SceneClock>) {
//!     if !clock.is_live() {
//!         info!("showing {}", citytwin::timestamp::format_millis(clock.at()));
//!     }
//! }
//! ```

use super::SceneSet;
use crate::clock::model::Clock;
use bevy::prelude::*;
use bevy::window::RequestRedraw;

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
    /// Go to any time (ms since 1970, UTC), for a sun study: any date, not bound to the
    /// replay's span.
    GoToAny(i64),
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<SceneClock>()
        .add_message::<ClockCommand>()
        .add_systems(PreUpdate, tick.in_set(SceneSet::Time));
}

/// Applies the commands of the last frame, then moves the clock on.
pub(super) fn tick(
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
            ClockCommand::GoToAny(t) => clock.go_to_any(t),
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
