//! Whether the scene is complete: every tile of the city and of the ground in, the theme asked
//! for drawn, the sensors' past values in while replaying. Screenshots wait for it and frame statistics
//! report it (and the scenario asked for), without reaching into the plugins that do the work.

use super::sensors::HistoryStatus;
use super::{
    BuildingStyle, CityState, InitialScenario, LoadStatus, Scenarios, SceneClock, SensorReplay,
    Settings,
};
use bevy::prelude::*;

/// What the scene is still busy with, or why it cannot be completed.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct SceneReadiness {
    /// What is still under way, in words ("buildings", "style", "past values").
    pub busy: Vec<&'static str>,
    /// Loading failed: the scene will not be complete (the message says what to do).
    pub failed: Option<String>,
}

impl SceneReadiness {
    /// Whether everything asked for is in the scene.
    pub fn is_ready(&self) -> bool {
        self.busy.is_empty() && self.failed.is_none()
    }
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<SceneReadiness>()
        .add_systems(PostUpdate, update_readiness);
}

/// Reads the scene's state into [`SceneReadiness`] (written only when it changes).
fn update_readiness(
    city: Res<CityState>,
    style: Res<BuildingStyle>,
    replay: Res<SensorReplay>,
    clock: Res<SceneClock>,
    settings: Res<Settings>,
    scenarios: Res<Scenarios>,
    initial_scenario: Option<Res<InitialScenario>>,
    study: (Res<super::SunStudy>, Option<Res<super::InitialStudy>>),
    (ground, terrain, map_tiles, tilesets): (
        Res<super::GroundState>,
        Res<super::TerrainState>,
        Res<super::MapTileState>,
        Res<super::TilesetsState>,
    ),
    mut readiness: ResMut<SceneReadiness>,
) {
    let mut busy = Vec::new();
    if ground.status == super::GroundStatus::Loading {
        busy.push("ground");
    }
    if terrain.status == super::GroundStatus::Loading
        || (terrain.status == super::GroundStatus::Ready && !terrain.settled)
    {
        busy.push("terrain");
    }
    if map_tiles.status == super::GroundStatus::Loading
        || (map_tiles.status == super::GroundStatus::Ready && !map_tiles.settled)
    {
        busy.push("map tiles");
    }
    if tilesets.loading {
        busy.push("3D tiles");
    }
    let failed = match &city.status {
        LoadStatus::Failed(message) => Some(message.clone()),
        LoadStatus::Loading { .. } => {
            busy.push("buildings");
            None
        }
        LoadStatus::Ready => None,
    };
    // A style asked for by `buildings.color_by` belongs to the picture too.
    let wanted = &settings.buildings.color_by;
    if style.busy
        || (!wanted.is_empty()
            && style.theme.is_none()
            && (style.choices.is_empty() || style.choices.iter().any(|c| &c.attribute == wanted)))
    {
        busy.push("style");
    }
    // When replaying, the sensors' past values belong to the picture.
    if !clock.is_live() && matches!(replay.status, HistoryStatus::None | HistoryStatus::Loading) {
        busy.push("past values");
    }
    // A scenario asked for on the command line, and the active one's tiles.
    if scenarios.busy || initial_scenario.is_some() {
        busy.push("scenario");
    }
    // A sun-hours study asked for, until it is drawn.
    if study.1.is_some() || matches!(study.0.status, super::StudyStatus::Running { .. }) {
        busy.push("sun-hours");
    }
    let now = SceneReadiness { busy, failed };
    if *readiness != now {
        *readiness = now;
    }
}
