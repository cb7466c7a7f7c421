//! The kiosk: whether citytwin runs as one, how long it has been left alone, whether its
//! guided tour runs, and the messages that keep a visitor's state or send everything back
//! home. The kiosk plugin keeps this; the UI shows the tour's captions, the hints after it and
//! the "Are you still there?" notice.

use crate::idle::Phase;
use bevy::prelude::*;

/// The kiosk's state.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct KioskState {
    /// Running as a kiosk.
    pub enabled: bool,
    /// Where the idle countdown stands.
    pub phase: Phase,
    /// Resets since start.
    pub resets: u64,
    /// The exit chord was pressed: the PIN pad is shown (`Some(true)` after a wrong PIN).
    pub asking_pin: Option<bool>,
    /// The guided tour is running (attract mode).
    pub touring: bool,
    /// The tour's stop shown or flown to (`kiosk.tour`'s index), whose caption is shown.
    pub stop: Option<usize>,
    /// The tour was just stopped by a touch: "Touch to explore" and how, for a few seconds.
    pub hints: bool,
}

impl Default for KioskState {
    fn default() -> Self {
        Self {
            enabled: false,
            phase: Phase::InUse,
            resets: 0,
            asking_pin: None,
            touring: false,
            stop: None,
            hints: false,
        }
    }
}

/// The visitor answered "Are you still there?" (any touch does too).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct StillHere;

/// Sends everything back to the home state now: the home view, the layers as configured, no
/// scenario, no selection, no measurement, no half-written comment.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetKiosk;

/// A PIN entered on the PIN pad (`None`: the pad was closed).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct LeaveKiosk(pub Option<String>);

pub(super) fn build(app: &mut App) {
    app.init_resource::<KioskState>()
        .add_message::<StillHere>()
        .add_message::<ResetKiosk>()
        .add_message::<LeaveKiosk>();
}
