//! The clock plugin: applies [`ClockCommand`]s and moves the [`SceneClock`] on each frame,
//! before the systems that read it ([`SceneSet::Time`]). The clock's model (live, seek, play,
//! speed) is [`model::Clock`], without Bevy.

pub mod model;

use crate::scene::{self, ClockCommand, SceneClock, SceneSet};
use bevy::prelude::*;
use bevy::window::RequestRedraw;

/// The scene's clock and its commands.
pub struct ClockPlugin;

impl Plugin for ClockPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.add_systems(PreUpdate, tick.in_set(SceneSet::Time));
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
