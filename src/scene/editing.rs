//! The editing tools: what a click, tap or drag on the view does while a scenario is edited
//! (select, draw a footprint, move a building), the outline being drawn, and whether a tool
//! holds the pointer (the camera then leaves it alone).

use crate::geometry::snap::Snap;
use bevy::prelude::*;

/// What the pointer does on the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tool {
    /// Clicks select buildings and sensors; drags move the camera.
    #[default]
    Select,
    /// Clicks add corners of a new footprint.
    Draw,
    /// Dragging the selected added building moves it; a click elsewhere moves it there.
    Move,
    /// Two clicks on the ground set opposite corners of a sun-hours study's rectangle.
    StudyArea,
    /// Clicks pick the points of a measurement ([`super::MeasureState`]).
    Measure,
    /// A click or tap picks the spot of a comment ([`super::CommentsState`]).
    Comment,
}

impl Tool {
    /// Whether the tool picks points on the scene (Enter picks the middle of the view).
    pub fn picks_points(self) -> bool {
        matches!(self, Tool::Measure | Tool::Comment)
    }
}

/// The editing tool and what it is doing.
#[derive(Resource, Debug, Clone)]
pub struct EditTool {
    /// The tool.
    pub tool: Tool,
    /// The corners of the footprint being drawn (scene metres, `[east, north]`).
    pub corners: Vec<[f64; 2]>,
    /// Where the next corner would go under the pointer (snapped), and to what it snapped.
    pub hover: Option<([f64; 2], Snap)>,
    /// While a building is dragged: its outline moved so far (scene metres).
    pub dragged: Option<Vec<[f64; 2]>>,
    /// Floors a new building gets.
    pub floors: f64,
    /// Why the last finished outline was not accepted, for the user.
    pub problem: Option<crate::language::Phrase>,
}

impl Default for EditTool {
    fn default() -> Self {
        Self {
            tool: Tool::Select,
            corners: Vec::new(),
            hover: None,
            dragged: None,
            floors: 4.0,
            problem: None,
        }
    }
}

/// A tool holds the pointer this frame (a building is being dragged): the camera neither
/// orbits nor pans with it, and a release is not a click.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointerCapture(pub bool);

/// Chooses the tool (corners drawn are dropped when leaving [`Tool::Draw`]).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetTool(pub Tool);

/// What to do with the outline being drawn.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub enum DrawCommand {
    /// The floors the building drawn gets.
    Floors(f64),
    /// Close it: the building joins the active scenario.
    Finish,
    /// Take back the last corner.
    UndoCorner,
    /// Drop it.
    Cancel,
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<EditTool>()
        .init_resource::<PointerCapture>()
        .add_message::<SetTool>()
        .add_message::<DrawCommand>();
}
