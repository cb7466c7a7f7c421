//! Screenshot mode (`citytwin --screenshot FILE.png`): wait until the data is loaded and every
//! tile is in the scene, let a few frames settle, write one frame to a PNG and exit.

use crate::buildings::{CityState, LoadStatus};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Frames drawn after the scene is complete before the capture (egui layout, shadow maps).
const SETTLE_FRAMES: u32 = 6;
/// Give up after this long without a complete scene.
const TIMEOUT: Duration = Duration::from_secs(600);

/// Where screenshot mode stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    WaitingForData,
    Settling(u32),
    Capturing,
    Done,
}

/// The screenshot to take.
#[derive(Resource, Debug)]
pub struct CaptureRequest {
    path: PathBuf,
    stage: Stage,
    started: Instant,
}

impl CaptureRequest {
    /// A request to write the PNG at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            stage: Stage::WaitingForData,
            started: Instant::now(),
        }
    }
}

/// Takes the screenshot and exits.
pub struct CapturePlugin;

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Last, drive);
    }
}

fn drive(
    mut commands: Commands,
    mut request: ResMut<CaptureRequest>,
    city: Res<CityState>,
    mut exit: MessageWriter<AppExit>,
) {
    if let LoadStatus::Failed(message) = &city.status {
        error!("no screenshot: {message}");
        eprintln!("error: no screenshot written: {message}");
        exit.write(AppExit::from_code(1));
        request.stage = Stage::Done;
        return;
    }
    if request.started.elapsed() > TIMEOUT && request.stage != Stage::Done {
        eprintln!(
            "error: the scene was not complete after {} s; no screenshot written",
            TIMEOUT.as_secs()
        );
        exit.write(AppExit::from_code(1));
        request.stage = Stage::Done;
        return;
    }
    match request.stage {
        Stage::WaitingForData if city.is_ready() => request.stage = Stage::Settling(0),
        Stage::Settling(n) if n >= SETTLE_FRAMES => {
            let path = request.path.clone();
            commands.spawn(Screenshot::primary_window()).observe(
                move |captured: On<ScreenshotCaptured>,
                      mut exit: MessageWriter<AppExit>,
                      mut request: ResMut<CaptureRequest>| {
                    request.stage = Stage::Done;
                    let saved = captured
                        .image
                        .clone()
                        .try_into_dynamic()
                        .map_err(|e| e.to_string())
                        .and_then(|img| img.to_rgb8().save(&path).map_err(|e| e.to_string()));
                    match saved {
                        Ok(()) => {
                            info!("wrote {}", path.display());
                            exit.write(AppExit::Success);
                        }
                        Err(e) => {
                            eprintln!("error: cannot write {}: {e}", path.display());
                            exit.write(AppExit::from_code(2));
                        }
                    }
                },
            );
            request.stage = Stage::Capturing;
        }
        Stage::Settling(n) => request.stage = Stage::Settling(n + 1),
        _ => {}
    }
}
