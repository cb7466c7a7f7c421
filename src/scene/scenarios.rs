//! Planning scenarios in the scene: the scenarios loaded, which one is active, how it is
//! compared with the baseline, and the messages that change them.
//!
//! The scenarios plugin reads the files and places each against the city ([`Applied`],
//! [`Kpis`]); the buildings plugin draws the active one (its added buildings in tiles of
//! their own, the baseline tiles it changes meshed again) on [`SCENARIO_ONLY`], and moves the
//! baseline tiles it changes to [`BASELINE_ONLY`]; the camera plugin shows one side or both
//! ([`Compare`]). Everything else (sensors, ground, sky) is on render layer 0 and shows on
//! both sides.
//!
//! A building index at or beyond the baseline's count names an added building of the active
//! scenario ([`building`]).

use crate::city::{Building, CityModel};
use crate::scenario::{Applied, Edit, History, Kpis, Placed, Scenario, Target};
use bevy::prelude::*;
use std::sync::Arc;

/// The render layer of baseline tiles a scenario changes (drawn on the baseline side only).
pub const BASELINE_ONLY: usize = 1;
/// The render layer of a scenario's own tiles (drawn on the scenario side only).
pub const SCENARIO_ONLY: usize = 2;

/// One scenario in the scene.
#[derive(Debug, Clone)]
pub struct ScenarioEntry {
    /// The scenario as read (or edited).
    pub scenario: Arc<Scenario>,
    /// It placed against the city shown (`None` until placed).
    pub applied: Option<Arc<Applied>>,
    /// Its KPIs against the city shown.
    pub kpis: Option<Kpis>,
    /// Where it does not match the city shown (an id that is not in it), and what it adds
    /// that could not be placed, for the user.
    pub warnings: Vec<String>,
    /// The states before each edit, for undo and redo.
    pub history: History,
    /// Changed since it was read or saved.
    pub unsaved: bool,
    /// The entity id it is published under in the broker (by this viewer or another).
    pub published: Option<String>,
    /// It came from the broker (published by another viewer), not from a file.
    pub from_broker: bool,
    /// The revisions this viewer published it as (the last few), to tell its own
    /// publications coming back from another viewer's changes.
    pub own_revisions: Vec<String>,
}

impl ScenarioEntry {
    /// A scenario not yet placed.
    pub fn new(scenario: Scenario) -> Self {
        Self {
            scenario: Arc::new(scenario),
            applied: None,
            kpis: None,
            warnings: Vec::new(),
            history: History::default(),
            unsaved: false,
            published: None,
            from_broker: false,
            own_revisions: Vec::new(),
        }
    }
}

/// What the last save, publication or edit said, for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// What it says.
    pub text: crate::language::Phrase,
    /// Whether it reports a failure.
    pub error: bool,
}

/// How the active scenario is compared with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Compare {
    /// One side at a time; the toggle switches.
    #[default]
    Toggle,
    /// A vertical divider across the view: the baseline left of it, the scenario right.
    Swipe,
    /// Two views side by side, their cameras locked together: the baseline left.
    SideBySide,
}

/// The scenarios, the active one and the comparison.
#[derive(Resource, Debug, Default)]
pub struct Scenarios {
    /// Every scenario read, in order.
    pub list: Vec<ScenarioEntry>,
    /// Files refused, with the file, the line and what is wrong.
    pub errors: Vec<String>,
    /// The active scenario (`None`: the baseline only).
    pub active: Option<usize>,
    /// How it is compared.
    pub compare: Compare,
    /// In [`Compare::Toggle`]: whether the scenario (else the baseline) is shown.
    pub showing_scenario: bool,
    /// In [`Compare::Swipe`]: the divider's place, as a fraction of the view's width.
    pub divider: f32,
    /// The active scenario's tiles are being meshed.
    pub busy: bool,
    /// What the last activation cost: seconds from the request until its tiles were in.
    pub last_switch_s: Option<f64>,
    /// An edit, a save or a publication is under way.
    pub working: bool,
    /// What the last save, publication or failed edit said.
    pub notice: Option<Notice>,
}

impl Scenarios {
    /// The active scenario, placed.
    pub fn active_applied(&self) -> Option<&Arc<Applied>> {
        self.list.get(self.active?)?.applied.as_ref()
    }

    /// The active entry.
    pub fn active_entry(&self) -> Option<&ScenarioEntry> {
        self.list.get(self.active?)
    }

    /// Whether a point of the view, at `x` (a fraction of its width from the left), shows the
    /// scenario (else the baseline).
    pub fn scenario_at(&self, x: f32) -> bool {
        self.active.is_some()
            && match self.compare {
                Compare::Toggle => self.showing_scenario,
                Compare::Swipe => x >= self.divider,
                Compare::SideBySide => x >= 0.5,
            }
    }
}

/// Which building an index names: a baseline building, or (at or beyond the baseline's
/// count) an added building of the active scenario, with its placing.
pub fn building<'a>(
    model: &'a CityModel,
    scenarios: &'a Scenarios,
    index: usize,
) -> Option<(&'a Building, Option<&'a Placed>)> {
    match model.buildings.get(index) {
        Some(b) => Some((b, None)),
        None => {
            let placed = scenarios.active_applied()?.placed(model, index)?;
            Some((&placed.building, Some(placed)))
        }
    }
}

/// The added building of the active scenario an index names, as an edit's target.
pub fn target(model: &CityModel, scenarios: &Scenarios, index: usize) -> Option<Target> {
    let placed = building(model, scenarios, index)?.1?;
    Some(Target {
        addition: placed.addition,
        id: placed.building.id.clone(),
    })
}

/// Makes a scenario active (`None`: back to the baseline only).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivateScenario(pub Option<usize>);

/// Changes how the active scenario is compared.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct SetCompare(pub Compare);

/// In [`Compare::Toggle`]: shows the baseline ⇄ the scenario (`None` switches).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToggleScenario(pub Option<bool>);

/// In [`Compare::Swipe`]: moves the divider (a fraction of the view's width).
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct MoveDivider(pub f32);

/// Changes the active scenario (with none active, a new one is made for it first). Edits
/// are applied in order, each placed against the city before the next.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct EditScenario(pub Edit);

/// Takes back the active scenario's last edit.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct UndoEdit;

/// Does again the active scenario's last edit undone.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedoEdit;

/// Makes a new empty scenario with this name and activates it.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct NewScenario(pub String);

/// Saves the active scenario (TOML and GeoJSON): to its file, or, with a name, as a new
/// scenario of that name (its file in the project's `scenarios` folder).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct SaveScenario {
    /// `Some`: "Save as" a new scenario with this name.
    pub as_name: Option<String>,
}

/// Publishes the active scenario to the broker the city came from.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishScenario;

/// An entity of a type registered in [`BrokerFollows`], as the live feed received it (created
/// or changed).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct BrokerEntity(pub Box<crate::ngsi_ld::Entity>);

/// An entity of a type registered in [`BrokerFollows`] was deleted in the broker, or is no
/// longer there (its id).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct BrokerEntityGone(pub String);

/// Entity types beyond the sensor layers' that the live feed follows for other layers (the
/// published scenarios'); their entities arrive as [`BrokerEntity`] messages.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct BrokerFollows(pub Vec<String>);

/// A scenario to make active once the scenarios are read (`--show-scenario NAME`), and how
/// to compare it.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct InitialScenario {
    /// The scenario's name (or the start of it).
    pub name: String,
    /// The comparison.
    pub compare: Compare,
    /// The swipe's divider (a fraction of the view's width), if not the middle.
    pub divider: Option<f32>,
}

pub(super) fn build(app: &mut App) {
    app.insert_resource(Scenarios {
        divider: 0.5,
        showing_scenario: true,
        ..default()
    })
    .add_message::<ActivateScenario>()
    .add_message::<SetCompare>()
    .add_message::<ToggleScenario>()
    .add_message::<MoveDivider>()
    .add_message::<EditScenario>()
    .add_message::<UndoEdit>()
    .add_message::<RedoEdit>()
    .add_message::<NewScenario>()
    .add_message::<SaveScenario>()
    .add_message::<PublishScenario>()
    .add_message::<BrokerEntity>()
    .add_message::<BrokerEntityGone>()
    .init_resource::<BrokerFollows>();
}
