//! Pictures of the view.
//!
//! * Screenshot mode (`citytwin --screenshot FILE.png`, [`CapturePlugin`]): wait until the data
//!   is loaded and every tile is in the scene, let a few frames settle, write one frame to a PNG
//!   and exit.
//! * In the viewer ([`SavePicturePlugin`]): F12 or the panel's "Save picture" button writes the
//!   window to `citytwin-<date>-<time>.png` in the current folder.

use crate::scene::{self, LastPicture, SavePicture, SceneReadiness, ScreenshotMode};
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

/// F12 and the "Save picture" button.
pub struct SavePicturePlugin;

impl Plugin for SavePicturePlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.add_systems(Update, save_picture);
    }
}

/// Writes a captured frame as an RGB PNG (the alpha channel of a window capture carries no
/// transparency).
fn save_png(image: &Image, path: &std::path::Path) -> Result<(), String> {
    image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())
        .and_then(|img| img.to_rgb8().save(path).map_err(|e| e.to_string()))
}

/// A file name from the current UTC time: `citytwin-20261123-181502.png`.
pub fn picture_name(unix_seconds: u64) -> String {
    let (year, month, day) = crate::timestamp::civil_date((unix_seconds / 86_400) as i64);
    let secs = unix_seconds % 86_400;
    format!(
        "citytwin-{year:04}{month:02}{day:02}-{:02}{:02}{:02}.png",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

fn save_picture(
    keys: Res<ButtonInput<KeyCode>>,
    mut requests: MessageReader<SavePicture>,
    mut commands: Commands,
) {
    let asked = requests.read().count() > 0 || keys.just_pressed(KeyCode::F12);
    if !asked {
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let path = std::env::current_dir()
        .unwrap_or_default()
        .join(picture_name(now));
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut last: ResMut<LastPicture>| {
            let saved = save_png(&captured.image, &path);
            last.0 = Some(match saved {
                Ok(()) => {
                    info!("saved {}", path.display());
                    Ok(path.clone())
                }
                Err(e) => {
                    warn!("cannot save {}: {e}", path.display());
                    Err(crate::language::Phrase::new("picture-failed")
                        .with("file", path.display().to_string())
                        .with("error", e.to_string()))
                }
            });
        },
    );
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

/// Takes the screenshot and exits (with a [`CaptureRequest`] resource); the scene runs in
/// [`ScreenshotMode`].
pub struct CapturePlugin;

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.insert_resource(ScreenshotMode)
            .init_resource::<NewGlyphs>()
            .add_systems(
                PostUpdate,
                note_new_glyphs
                    .after(bevy_egui::EguiPostUpdateSet::ProcessOutput)
                    .before(bevy_egui::EguiPostUpdateSet::PostProcessOutput),
            )
            .add_systems(Last, drive);
    }
}

/// Whether egui added glyphs (or images) to its textures this frame.
#[derive(Resource, Default)]
struct NewGlyphs(bool);

/// Notes new glyphs before bevy_egui hands them on (and empties the list).
fn note_new_glyphs(outputs: Query<&bevy_egui::EguiRenderOutput>, mut new: ResMut<NewGlyphs>) {
    new.0 = outputs.iter().any(|o| !o.textures_delta.set.is_empty());
}

fn drive(
    mut commands: Commands,
    mut request: ResMut<CaptureRequest>,
    readiness: Res<SceneReadiness>,
    new_glyphs: Res<NewGlyphs>,
    mut exit: MessageWriter<AppExit>,
) {
    // Glyphs egui adds in a frame reach the GPU a frame later: a frame that adds some (a
    // sensor label that just changed) is not the one to capture.
    let new_glyphs = new_glyphs.0;
    if let Some(message) = &readiness.failed {
        error!("no screenshot: {message}");
        eprintln!("error: no screenshot written: {message}");
        exit.write(AppExit::from_code(1));
        request.stage = Stage::Done;
        return;
    }
    if request.started.elapsed() > TIMEOUT && request.stage != Stage::Done {
        eprintln!(
            "error: the scene was not complete after {} s ({}); no screenshot written",
            TIMEOUT.as_secs(),
            readiness.busy.join(", ")
        );
        exit.write(AppExit::from_code(1));
        request.stage = Stage::Done;
        return;
    }
    match request.stage {
        Stage::WaitingForData if readiness.is_ready() => request.stage = Stage::Settling(0),
        Stage::Settling(n) if n >= SETTLE_FRAMES && !new_glyphs => {
            let path = request.path.clone();
            commands.spawn(Screenshot::primary_window()).observe(
                move |captured: On<ScreenshotCaptured>,
                      mut exit: MessageWriter<AppExit>,
                      mut request: ResMut<CaptureRequest>| {
                    request.stage = Stage::Done;
                    match save_png(&captured.image, &path) {
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

#[cfg(test)]
mod tests {
    #[test]
    fn picture_names_carry_the_utc_date_and_time() {
        assert_eq!(super::picture_name(0), "citytwin-19700101-000000.png");
        // 2026-11-23 18:15:02 UTC
        assert_eq!(
            super::picture_name(1_795_457_702),
            "citytwin-20261123-181502.png"
        );
        // 2024-02-29 23:59:59 UTC (a leap day)
        assert_eq!(
            super::picture_name(1_709_251_199),
            "citytwin-20240229-235959.png"
        );
    }
}
