//! The measurement in the scene: the Measure tool's kind and the points picked so far, and
//! the messages that start, undo, clear and end it. The measuring plugin adds the points
//! (clicks on the ground or on buildings, snapped to building corners); the UI shows the
//! result and draws it over the view. The maths is [`crate::measure`].

use crate::measure::{Kind, Measurement};
use bevy::prelude::*;

/// The measurement under way (or the last one).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct MeasureState {
    /// Whether the Measure tool is on.
    pub active: bool,
    /// What is measured and the points so far.
    pub measurement: Measurement,
    /// What the last point snapped to.
    pub snapped: super::pointing::Snapped,
    /// Where the next point would go under the pointer (`[east, north, up]`), and what it
    /// snaps to there: drawn as the snap marker.
    pub hover: Option<([f64; 3], super::pointing::Snapped)>,
}

/// What the UI asks of the Measure tool.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureCommand {
    /// Start measuring this (the points so far are dropped).
    Start(Kind),
    /// Take back the last point.
    UndoPoint,
    /// Drop every point, keep measuring.
    Clear,
    /// Stop measuring (the tool goes back to Select).
    Stop,
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<MeasureState>()
        .add_message::<MeasureCommand>();
}
