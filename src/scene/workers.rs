//! The background services the scene started (the loader and viewport streamer, the style
//! re-mesher, the live feed, the demo's simulator and broker), owned in one place and stopped
//! in order when the app exits: readers first, servers last, each joined, so that no thread
//! still frees PROJ, SQLite or a tokio runtime while the process exits.

use crate::worker::{Service, Services, Stage};
use bevy::prelude::*;
use bevy::winit::{EventLoopProxy, EventLoopProxyWrapper, WinitUserEvent};

/// The scene's services. Dropping it stops them too (a headless app that is dropped).
#[derive(Resource, Debug, Default)]
pub struct Workers {
    services: Services,
    /// Wakes the window's event loop when one-off work is done, so that its result is taken
    /// in at once even when the viewer draws only on demand (absent in a headless app).
    waker: Option<EventLoopProxy<WinitUserEvent>>,
}

impl Workers {
    /// Takes a service over under `key` (one under the same key is stopped first).
    pub fn add(&mut self, key: &str, stage: Stage, service: impl Service) {
        self.services.add(key, stage, service);
    }

    /// Runs one-off work (reading, meshing) on a thread of its own under `key`, stopped with
    /// the readers; a thread that cannot be started is logged. When it is done the window is
    /// woken, so what it sent back is taken in at the next frame.
    pub fn run(&mut self, key: &str, work: impl FnOnce() + Send + 'static) {
        let waker = self.waker.clone();
        let work = move || {
            work();
            if let Some(w) = waker {
                let _ = w.send_event(WinitUserEvent::WakeUp);
            }
        };
        match crate::worker::Worker::spawn(key, move |_| work()) {
            Ok(w) => self.add(key, Stage::Reader, w),
            Err(e) => error!("cannot start {key}: {e}"),
        }
    }

    /// A call that wakes the window's event loop, for a service that sends results on its own
    /// (None in a headless app).
    pub fn waker_fn(&self) -> Option<Box<dyn Fn() + Send>> {
        let proxy = self.waker.clone()?;
        Some(Box::new(move || {
            let _ = proxy.send_event(WinitUserEvent::WakeUp);
        }))
    }

    /// Stops the service under `key`, if any, and waits for it.
    pub fn stop(&mut self, key: &str) {
        self.services.stop(key);
    }

    /// Stops every service, in order, and waits for them.
    pub fn stop_all(&mut self) {
        self.services.stop_all();
    }
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<Workers>()
        .add_systems(Startup, take_waker)
        .add_systems(Last, stop_on_exit);
}

/// Keeps the window's event loop proxy, when there is a window.
fn take_waker(proxy: Option<Res<EventLoopProxyWrapper>>, mut workers: ResMut<Workers>) {
    workers.waker = proxy.map(|p| (**p).clone());
}

/// When the app is asked to exit, stops every service before the runner returns.
fn stop_on_exit(mut exit: MessageReader<AppExit>, mut workers: ResMut<Workers>) {
    if exit.read().next().is_some() {
        workers.stop_all();
    }
}
