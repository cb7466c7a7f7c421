//! The scenarios layer: reads the project's scenario files off the main thread, places each
//! against the city shown (again when the city changes) with its KPIs, and keeps the active
//! scenario and the comparison in [`Scenarios`] as the UI asks. The buildings plugin draws
//! the active scenario; the camera plugin shows its sides.
//!
//! `edits` applies edits, undo and redo, saves and publishes, one at a time off the main
//! thread; `shared` lists and follows the scenarios other viewers publish to the broker.

mod edits;
mod shared;

use crate::city::CityModel;
use crate::city::decode::DecodeSettings;
use crate::scenario::{self, Kpis, Scenario, ScenarioError};
use crate::scene::{
    self, ActivateScenario, CityState, InitialScenario, MoveDivider, ScenarioEntry, Scenarios,
    SceneSet, SceneSource, SelectBuilding, Selection, SetCompare, Settings, ToggleScenario,
    Workers,
};
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use crossbeam_channel::{Receiver, Sender};
use std::sync::Arc;

/// What the scenario threads send back.
enum Done {
    Read(Vec<Result<Scenario, ScenarioError>>),
    Placed(Arc<CityModel>, Vec<(Arc<Scenario>, Placing)>),
}

/// One scenario placed against a city.
type Placing = (Option<Arc<scenario::Applied>>, Option<Kpis>, Vec<String>);

#[derive(Resource)]
struct ScenarioWork {
    tx: Sender<Done>,
    rx: Receiver<Done>,
    /// The city the scenarios were last placed against.
    placed_for: Option<Arc<CityModel>>,
    /// The scenario files are read.
    read: bool,
}

/// How long `--show-scenario` waits, once the city is in, for a scenario published to the
/// broker (s).
const BROKER_WAIT_S: u64 = 15;

/// Reads, places and switches scenarios.
pub struct ScenariosPlugin;

impl Plugin for ScenariosPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        let (tx, rx) = crossbeam_channel::unbounded();
        app.insert_resource(ScenarioWork {
            tx,
            rx,
            placed_for: None,
            read: false,
        })
        .init_resource::<edits::EditWork>()
        .init_resource::<shared::BrokerStore>()
        .add_systems(Startup, (read_files, shared::register))
        .add_systems(
            Update,
            (
                receive,
                place,
                activate_initial,
                apply_messages,
                shared::collect,
                shared::take_in,
                edits::queue_requests,
                edits::dispatch,
                edits::finish,
            )
                .chain()
                .in_set(SceneSet::Load),
        );
    }
}

fn read_files(settings: Res<Settings>, work: Res<ScenarioWork>, mut workers: ResMut<Workers>) {
    let (config, tx) = (settings.0.clone(), work.tx.clone());
    workers.run("scenario-files", move || {
        let _ = tx.send(Done::Read(scenario::load_configured(&config)));
    });
}

fn receive(
    mut work: ResMut<ScenarioWork>,
    mut scenarios: ResMut<Scenarios>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let done: Vec<Done> = work.rx.try_iter().collect();
    for done in done {
        match done {
            Done::Read(read) => {
                for r in read {
                    match r {
                        Ok(s) => scenarios.list.push(ScenarioEntry::new(s)),
                        Err(e) => {
                            error!("scenario {e}");
                            scenarios.errors.push(e.to_string());
                        }
                    }
                }
                work.read = true;
                // Placed against the city shown, if it is in already.
                work.placed_for = None;
            }
            Done::Placed(model, placed) => {
                if !work
                    .placed_for
                    .as_ref()
                    .is_some_and(|m| Arc::ptr_eq(m, &model))
                {
                    continue;
                }
                for (entry, (placed_of, (applied, kpis, warnings))) in
                    scenarios.list.iter_mut().zip(placed)
                {
                    // An edit since then placed it already.
                    if !Arc::ptr_eq(&entry.scenario, &placed_of) {
                        continue;
                    }
                    for w in &warnings {
                        warn!("scenario {}: {w}", entry.scenario.name);
                    }
                    entry.applied = applied;
                    entry.kpis = kpis;
                    entry.warnings = warnings;
                }
            }
        }
        redraw.write(RequestRedraw);
    }
}

/// Places every scenario against the city once it is in (and again when it changes).
fn place(
    state: Res<CityState>,
    settings: Res<Settings>,
    mut work: ResMut<ScenarioWork>,
    scenarios: Res<Scenarios>,
    mut workers: ResMut<Workers>,
) {
    let (Some(model), true, true) = (state.model.as_ref(), state.is_ready(), work.read) else {
        return;
    };
    if work
        .placed_for
        .as_ref()
        .is_some_and(|m| Arc::ptr_eq(m, model))
    {
        return;
    }
    work.placed_for = Some(model.clone());
    let list: Vec<Arc<Scenario>> = scenarios.list.iter().map(|e| e.scenario.clone()).collect();
    let (model, tx) = (model.clone(), work.tx.clone());
    let decode = DecodeSettings::from_config(&settings);
    workers.run("scenario-placing", move || {
        let placed = list
            .iter()
            .map(|s| (s.clone(), place_one(s, &model, &decode)))
            .collect();
        let _ = tx.send(Done::Placed(model, placed));
    });
}

/// The start of the warning of a scenario that could not be placed at all.
const NOT_PLACED: &str = "cannot be placed in this city";

/// One scenario against a city: placed, its KPIs, and what did not fit.
fn place_one(s: &Scenario, model: &CityModel, decode: &DecodeSettings) -> Placing {
    match scenario::evaluate(s, model, decode) {
        Ok(e) => (Some(Arc::new(e.applied)), Some(e.kpis), e.warnings),
        Err(e) => (None, None, vec![format!("{NOT_PLACED}: {e}")]),
    }
}

/// `--show-scenario NAME`: activates it once the scenarios are placed.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn activate_initial(
    initial: Option<Res<InitialScenario>>,
    work: Res<ScenarioWork>,
    mut scenarios: ResMut<Scenarios>,
    state: Res<CityState>,
    source: Option<Res<SceneSource>>,
    mut activate: MessageWriter<ActivateScenario>,
    mut commands: Commands,
) {
    let Some(initial) = initial else { return };
    if !work.read {
        return;
    }
    let wanted = initial.name.to_lowercase();
    match scenarios
        .list
        .iter()
        .position(|e| e.scenario.name.to_lowercase().starts_with(&wanted))
    {
        Some(i) if scenarios.list[i].applied.is_some() => {
            scenarios.compare = initial.compare;
            if let Some(d) = initial.divider {
                scenarios.divider = d.clamp(0.0, 1.0);
            }
            scenarios.showing_scenario = true;
            activate.write(ActivateScenario(Some(i)));
            commands.remove_resource::<InitialScenario>();
        }
        // Placing it failed: the picture is taken without it rather than never.
        Some(i)
            if scenarios.list[i]
                .warnings
                .iter()
                .any(|w| w.starts_with(NOT_PLACED)) =>
        {
            warn!(
                "--show-scenario {:?}: {}",
                initial.name,
                scenarios.list[i].warnings.join("; ")
            );
            commands.remove_resource::<InitialScenario>();
        }
        Some(_) => {} // not placed yet
        None => {
            // One published to the broker comes with the live feed's first answer, once the
            // city is in.
            let from_broker = source.as_ref().is_some_and(|s| s.live_broker().is_some());
            let waiting = !state.is_ready()
                || (from_broker
                    && state.ready_after.is_none_or(|r| {
                        state.started.elapsed() < r + std::time::Duration::from_secs(BROKER_WAIT_S)
                    }));
            if waiting {
                return;
            }
            warn!("--show-scenario: no scenario named {:?}", initial.name);
            commands.remove_resource::<InitialScenario>();
        }
    }
}

fn apply_messages(
    mut activate: MessageReader<ActivateScenario>,
    mut compare: MessageReader<SetCompare>,
    mut toggle: MessageReader<ToggleScenario>,
    mut divider: MessageReader<MoveDivider>,
    mut scenarios: ResMut<Scenarios>,
    state: Res<CityState>,
    selection: Res<Selection>,
    mut select: MessageWriter<SelectBuilding>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let mut changed = false;
    if let Some(MoveDivider(x)) = divider.read().last().copied() {
        let x = x.clamp(0.0, 1.0);
        if scenarios.divider != x {
            scenarios.divider = x;
            changed = true;
        }
    }
    if let Some(ActivateScenario(i)) = activate.read().last().copied() {
        let i = i.filter(|i| *i < scenarios.list.len());
        if scenarios.active != i {
            scenarios.active = i;
            scenarios.showing_scenario = true;
            changed = true;
            // An added building of the scenario left is not there any more.
            let count = state.model.as_ref().map_or(0, |m| m.buildings.len());
            if selection.building.is_some_and(|b| b >= count) {
                select.write(SelectBuilding(None));
            }
        }
    }
    if let Some(SetCompare(c)) = compare.read().last().copied()
        && scenarios.compare != c
    {
        scenarios.compare = c;
        changed = true;
    }
    for ToggleScenario(to) in toggle.read() {
        let to = to.unwrap_or(!scenarios.showing_scenario);
        if scenarios.showing_scenario != to {
            scenarios.showing_scenario = to;
            changed = true;
        }
    }
    if changed {
        redraw.write(RequestRedraw);
    }
}
