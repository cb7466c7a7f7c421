//! The scene: the state every viewer plugin reads and the messages they send each other, in
//! the spirit of Rerun's `re_viewer_context`. Plugins never import one another; they read
//! these resources and write these messages.
//!
//! | module | what it holds |
//! |---|---|
//! | [`city`] | the loaded city and how far loading got ([`CityState`]), where the data come from ([`SceneSource`]) |
//! | [`selection`] | the building or sensor in the inspector, and the messages that change it |
//! | [`view`] | the 3D camera's state, the view's place in the window, clicks, named views |
//! | [`orbit`] | the orbit camera's model (focus, heading, tilt, distance) and its limits |
//! | [`layers`] | the layer list and which layers are shown |
//! | [`ground`] | the base map under the buildings: what it drew, its credits, named streets; the terrain; the map tiles |
//! | [`clock`] | the scene's one clock (live, replaying the last 24 hours, or at any date for a sun study) |
//! | [`study`] | the sun-hours study: its commands, progress, result, the heat map's view, a point's hours |
//! | [`sun`] | the sun at the clock's time over the scene's place, the day's sunrise and sunset, the time zone |
//! | [`sensors`] | the sensor layers, markers, the live feed's state, past values |
//! | [`scenarios`] | the planning scenarios, the active one, how it is compared with the baseline, edits, saving, publishing |
//! | [`measure`] | the Measure tool: its kind and points, and the messages that change them |
//! | [`editing`] | the editing tools (select, draw, move), the outline being drawn, pointer capture |
//! | [`style`] | what buildings are coloured by |
//! | [`picture`] | pictures of the window, shadows on or off |
//! | [`mesh`] | mesh buffers from worker threads turned into Bevy meshes |
//! | [`readiness`] | whether the scene is complete (for screenshots and statistics) |
//! | [`workers`] | the background services the scene started, stopped in order on exit |
//!
//! [`SceneSet`] is the frame's order, configured once here; every plugin puts its systems in
//! one of its sets.
//!
//! ```no_run
//! use bevy::prelude::*;
//! use citytwin::scene::{CityState, SceneSet};
//! fn count_buildings(city: Res<CityState>) {
//!     if let Some(model) = &city.model {
//!         info!("{} buildings", model.buildings.len());
//!     }
//! }
//! App::new().add_systems(Update, count_buildings.in_set(SceneSet::Show));
//! ```

pub mod city;
pub mod clock;
pub mod comments;
pub mod editing;
pub mod ground;
pub mod kiosk;
pub mod language;
pub mod layers;
pub mod measure;
pub mod mesh;
pub mod orbit;
pub mod picture;
pub mod pointing;
pub mod readiness;
pub mod scenarios;
pub mod selection;
pub mod sensors;
pub mod study;
pub mod style;
pub mod sun;
pub mod view;
pub mod workers;

pub use city::{CityState, LoadStatus, ReloadCity, ScenePlace, SceneSource, ViewportStatus};
pub use clock::{ClockCommand, REPLAY_HOURS, SceneClock};
pub use comments::{CommentCommand, CommentNotice, CommentPins, CommentsState, Spot, Writing};
pub use editing::{DrawCommand, EditTool, PointerCapture, SetTool, Tool};
pub use ground::{GroundState, GroundStatus, MapTileState, TerrainState, TilesetsState};
pub use kiosk::{KioskState, LeaveKiosk, ResetKiosk, StillHere};
pub use language::{SetLanguage, UiLanguage};
pub use layers::{Layer, LayerMember, Layers, SetLayerVisible};
pub use measure::{MeasureCommand, MeasureState};
pub use picture::{ControlsReport, LastPicture, SavePicture, ScreenshotMode, SetShadows};
pub use readiness::SceneReadiness;
pub use scenarios::{
    ActivateScenario, BrokerEntity, BrokerEntityGone, BrokerFollows, Compare, EditScenario,
    InitialScenario, MoveDivider, NewScenario, Notice, PublishScenario, RedoEdit, SaveScenario,
    ScenarioEntry, Scenarios, SetCompare, ToggleScenario, UndoEdit,
};
pub use selection::{
    FocusBuilding, FocusPoint, InitialSelection, SelectBuilding, SelectSensor,
    SelectTilesetFeature, SelectedSensor, SelectedTilesetFeature, Selection, TilesetFeature,
};
pub use sensors::{
    HISTORY_HOURS, HistoryStatus, LiveState, SensorHistory, SensorLayers, SensorMarker,
    SensorReplay,
};
pub use study::{
    InitialStudy, Reading, SITE_MARGIN_M, StudyArea, StudyResult, StudyStatus, StudyView, SunStudy,
    SunStudyCommand,
};
pub use style::{BuildingStyle, SetBuildingStyle};
pub use sun::{InitialLocalTime, SceneSun};
pub use view::{
    CameraLook, CompareCamera, GoToView, MainCamera, OrbitCamera, ViewArea, ViewClicked, ViewImage,
    ViewMapping, Views, world_to_window,
};
pub use workers::Workers;

use crate::config::{Config, parse_hex_color};
use bevy::prelude::*;
use std::sync::Arc;

/// The configuration, shared by all plugins.
#[derive(Resource, Clone, Debug)]
pub struct Settings(pub Arc<Config>);

impl std::ops::Deref for Settings {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.0
    }
}

/// The frame's order. In `PreUpdate`, [`SceneSet::Time`] moves the clock on; in `Update` the
/// others run in this order.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SceneSet {
    /// The scene clock moves on (`PreUpdate`); everything that shows the scene's time runs
    /// after it.
    Time,
    /// An editing tool takes the pointer if it needs it ([`PointerCapture`]), before the
    /// camera sees it.
    Tool,
    /// Input becomes camera motion and clicks on the view ([`ViewClicked`]).
    Input,
    /// What the services sent comes in: buildings, sensor changes, restyled meshes.
    Load,
    /// What a click hit among the buildings.
    Pick,
    /// What a click hit among things drawn over the buildings (sensor markers); it may clear
    /// the building selection.
    PickOverlay,
    /// Selection messages applied.
    Select,
    /// The scene brought in step with the state: visibility, marker sizes, highlights.
    Show,
}

/// Registers the scene's resources and messages and the frame's order. Every citytwin plugin
/// adds it if it is not there yet, so any subset of them runs (a headless app, a team's own
/// app); without a [`Settings`] resource the built-in defaults are used.
pub struct ScenePlugin;

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        if !app.world().contains_resource::<Settings>() {
            app.insert_resource(Settings(Arc::new(Config::default())));
        }
        app.configure_sets(
            Update,
            (
                SceneSet::Tool,
                SceneSet::Input,
                SceneSet::Load,
                SceneSet::Pick,
                SceneSet::PickOverlay,
                SceneSet::Select,
                SceneSet::Show,
            )
                .chain(),
        )
        .configure_sets(PreUpdate, SceneSet::Time)
        .add_message::<bevy::window::RequestRedraw>();
        city::build(app);
        selection::build(app);
        view::build(app);
        layers::build(app);
        clock::build(app);
        sun::build(app);
        study::build(app);
        sensors::build(app);
        style::build(app);
        picture::build(app);
        readiness::build(app);
        scenarios::build(app);
        editing::build(app);
        ground::build(app);
        measure::build(app);
        comments::build(app);
        kiosk::build(app);
        language::build(app);
        workers::build(app);
    }
}

/// Adds the [`ScenePlugin`] to `app` unless it is there.
pub fn ensure(app: &mut App) {
    if !app.is_plugin_added::<ScenePlugin>() {
        app.add_plugins(ScenePlugin);
    }
}

/// Converts a configured "#rrggbb" to a colour (the configuration was validated; magenta
/// shows a mistake).
pub fn color(hex: &str) -> Color {
    let [r, g, b] = parse_hex_color(hex).unwrap_or([1.0, 0.0, 1.0]);
    Color::srgb(r, g, b)
}
