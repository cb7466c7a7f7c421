//! Pictures of the window and the look of the light: the messages the UI sends for them, the
//! last picture saved, and whether the app runs to take one screenshot.

use bevy::prelude::*;
use std::path::PathBuf;

/// Asks for a picture of the window to be saved.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SavePicture;

/// The last picture saved, or the error, for the UI to show.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct LastPicture(pub Option<Result<PathBuf, crate::language::Phrase>>);

/// Present when the app runs to write one screenshot and exit (`--screenshot`): plugins
/// favour quality over speed then (full resolution, anti-aliasing).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScreenshotMode;

/// Where to write the interface's controls as a screen reader gets them (`--controls`).
#[derive(Resource, Debug, Clone)]
pub struct ControlsReport(pub PathBuf);

/// Switches the sun's shadows on or off.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetShadows(pub bool);

pub(super) fn build(app: &mut App) {
    app.init_resource::<LastPicture>()
        .add_message::<SavePicture>()
        .add_message::<SetShadows>();
}
