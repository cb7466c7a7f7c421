//! The background services the scene started (the loader and viewport streamer, the style
//! re-mesher, the live feed, the demo's simulator and broker), owned in one place and stopped
//! in order when the app exits: readers first, servers last, each joined, so that no thread
//! still frees PROJ, SQLite or a tokio runtime while the process exits.

use crate::worker::{Service, Services, Stage};
use bevy::prelude::*;

/// The scene's services. Dropping it stops them too (a headless app that is dropped).
#[derive(Resource, Debug, Default)]
pub struct Workers(Services);

impl Workers {
    /// Takes a service over under `key` (one under the same key is stopped first).
    pub fn add(&mut self, key: &str, stage: Stage, service: impl Service) {
        self.0.add(key, stage, service);
    }

    /// Runs one-off work (reading, meshing) on a thread of its own under `key`, stopped with
    /// the readers; a thread that cannot be started is logged.
    pub fn run(&mut self, key: &str, work: impl FnOnce() + Send + 'static) {
        match crate::worker::Worker::spawn(key, move |_| work()) {
            Ok(w) => self.add(key, Stage::Reader, w),
            Err(e) => error!("cannot start {key}: {e}"),
        }
    }

    /// Stops the service under `key`, if any, and waits for it.
    pub fn stop(&mut self, key: &str) {
        self.0.stop(key);
    }

    /// Stops every service, in order, and waits for them.
    pub fn stop_all(&mut self) {
        self.0.stop_all();
    }
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<Workers>()
        .add_systems(Last, stop_on_exit);
}

/// When the app is asked to exit, stops every service before the runner returns.
fn stop_on_exit(mut exit: MessageReader<AppExit>, mut workers: ResMut<Workers>) {
    if exit.read().next().is_some() {
        workers.stop_all();
    }
}
