//! Files dropped onto the window join the active scenario (a new one when the baseline is
//! shown) at the ground point under the pointer: a glTF model stands there, GeoJSON or
//! NGSI-LD footprints are moved so that their centroid lies there (keeping their shape and
//! orientation), CityJSON keeps the coordinates its file gives. The file is read off the main
//! thread.

use crate::language::Phrase;
use crate::scenario::{Addition, Edit};
use crate::scene::{
    EditScenario, MainCamera, Notice, OrbitCamera, Scenarios, ViewMapping, Workers,
};
use bevy::prelude::*;
use bevy::window::{FileDragAndDrop, PrimaryWindow, RequestRedraw};
use crossbeam_channel::{Receiver, Sender};
use std::path::PathBuf;

/// Files being read, and where they go.
#[derive(Resource)]
pub(super) struct Dropped {
    tx: Sender<(PathBuf, [f64; 2], Result<Addition, String>)>,
    rx: Receiver<(PathBuf, [f64; 2], Result<Addition, String>)>,
}

impl Default for Dropped {
    fn default() -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        Self { tx, rx }
    }
}

/// The main camera and where it looks.
type ViewCamera<'w, 's> = Option<
    Single<
        'w,
        's,
        (
            &'static Camera,
            &'static GlobalTransform,
            &'static OrbitCamera,
        ),
        With<MainCamera>,
    >,
>;

/// Starts reading each dropped file; it goes where the pointer is (else where the camera
/// looks).
pub(super) fn receive_files(
    mut drops: MessageReader<FileDragAndDrop>,
    window: Option<Single<&Window, With<PrimaryWindow>>>,
    camera: ViewCamera,
    view: ViewMapping,
    dropped: Res<Dropped>,
    mut workers: ResMut<Workers>,
    settings: Res<crate::scene::Settings>,
) {
    // A kiosk takes no files (unless its visitors may edit).
    if !settings.kiosk.editing() {
        drops.clear();
        return;
    }
    for d in drops.read() {
        let FileDragAndDrop::DroppedFile { path_buf, .. } = d else {
            continue;
        };
        let cursor = window.as_ref().and_then(|w| w.cursor_position());
        let at = camera.as_ref().and_then(|c| {
            let (cam, transform, orbit) = **c;
            cursor
                .and_then(|p| view.ground_at(cam, transform, p))
                .or(Some([
                    f64::from(orbit.target.focus.x),
                    -f64::from(orbit.target.focus.z),
                ]))
        });
        let at = at.unwrap_or([0.0, 0.0]);
        info!("file dropped: {}", path_buf.display());
        let (path, tx) = (path_buf.clone(), dropped.tx.clone());
        workers.run("dropped-file", move || {
            let read = Addition::read_dropped(&path);
            let _ = tx.send((path, at, read));
        });
    }
}

/// Adds what was read to the active scenario, or says why it could not be.
pub(super) fn place_files(
    dropped: Res<Dropped>,
    mut scenarios: ResMut<Scenarios>,
    mut edit: MessageWriter<EditScenario>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    for (path, at, read) in dropped.rx.try_iter() {
        redraw.write(RequestRedraw);
        match read {
            Ok(addition) => {
                edit.write(EditScenario(Edit::AddFile {
                    addition,
                    at: Some(at),
                }));
            }
            Err(why) => {
                scenarios.notice = Some(Notice {
                    text: Phrase::new("drop-refused")
                        .with("file", path.display().to_string())
                        .with("why", why),
                    error: true,
                });
            }
        }
    }
}
