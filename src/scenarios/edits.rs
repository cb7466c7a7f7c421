//! Changing scenarios: edits, undo and redo, new scenarios, saving and publishing. Requests
//! queue up and run one at a time off the main thread (each edit is placed against the city,
//! with its KPIs, before the next starts), so the scenario, its placing and its undo history
//! always agree.

use crate::city::CityModel;
use crate::city::decode::DecodeSettings;
use crate::language::Phrase;
use crate::ngsi_ld::client::ClientConfig;
use crate::scenario::publish::{self, Outcome};
use crate::scenario::{self, Edit, Evaluation, Scenario};
use crate::scene::{
    CityState, EditScenario, NewScenario, Notice, PublishScenario, RedoEdit, SaveScenario,
    ScenarioEntry, Scenarios, SceneSource, SelectBuilding, Selection, Settings, UndoEdit, Workers,
};
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use crossbeam_channel::{Receiver, Sender};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A change asked for, in order.
#[derive(Debug, Clone)]
pub(super) enum Request {
    /// An edit of the active scenario.
    Edit(usize, Edit),
    /// Undo or redo (`true`: redo) on a scenario.
    Step(usize, bool),
    /// Place a scenario that is not placed yet (a new one).
    Place(usize),
    /// Take a new state from elsewhere (the broker), keeping the history.
    Replace(usize, Box<Scenario>),
    /// Save (`as_name`: as a new scenario).
    Save(usize, Option<String>),
    /// Publish to the broker.
    Publish(usize),
}

/// A scenario's new state, placed, with the building to select, or why there is none.
type NewState = Result<(Scenario, Evaluation, Option<String>), String>;

/// What a job sends back.
enum Done {
    /// A new state of a scenario, placed: after an edit (`label`, the state before it), an
    /// undo/redo or a replacement (`label` empty), or a save (`saved`).
    State {
        index: usize,
        before: Option<(Arc<Scenario>, &'static str)>,
        result: Box<NewState>,
        saved: Option<(PathBuf, bool)>,
    },
    /// A publication.
    Published {
        index: usize,
        id: String,
        result: Result<Outcome, String>,
    },
}

#[derive(Resource)]
pub(super) struct EditWork {
    tx: Sender<Done>,
    rx: Receiver<Done>,
    pub(super) queue: VecDeque<Request>,
    in_flight: bool,
    /// The building selected before the job, by id, to select again after it.
    reselect: Option<String>,
}

impl Default for EditWork {
    fn default() -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        Self {
            tx,
            rx,
            queue: VecDeque::new(),
            in_flight: false,
            reselect: None,
        }
    }
}

/// A name not yet taken by a scenario ("New scenario", "New scenario 2", …).
fn free_name(scenarios: &Scenarios, wanted: &str) -> String {
    let taken = |n: &str| scenarios.list.iter().any(|e| e.scenario.name == n);
    if !taken(wanted) {
        return wanted.to_owned();
    }
    (2..)
        .map(|k| format!("{wanted} {k}"))
        .find(|n| !taken(n))
        .unwrap_or_default()
}

/// Queues what the UI asked for. An edit with no scenario active starts a new one.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn queue_requests(
    mut edits: MessageReader<EditScenario>,
    mut undo: MessageReader<UndoEdit>,
    mut redo: MessageReader<RedoEdit>,
    mut new: MessageReader<NewScenario>,
    mut save: MessageReader<SaveScenario>,
    mut publish: MessageReader<PublishScenario>,
    mut scenarios: ResMut<Scenarios>,
    mut work: ResMut<EditWork>,
) {
    let start = |scenarios: &mut Scenarios, work: &mut EditWork, name: &str| -> usize {
        let name = free_name(scenarios, name);
        let mut entry = ScenarioEntry::new(Scenario::new(name));
        entry.unsaved = true;
        scenarios.list.push(entry);
        let i = scenarios.list.len() - 1;
        scenarios.active = Some(i);
        scenarios.showing_scenario = true;
        work.queue.push_back(Request::Place(i));
        i
    };
    for NewScenario(name) in new.read() {
        start(&mut scenarios, &mut work, name);
    }
    for EditScenario(edit) in edits.read() {
        let i = match scenarios.active {
            Some(i) => i,
            None => start(&mut scenarios, &mut work, "New scenario"),
        };
        work.queue.push_back(Request::Edit(i, edit.clone()));
    }
    let active = scenarios.active;
    for _ in undo.read() {
        if let Some(i) = active {
            work.queue.push_back(Request::Step(i, false));
        }
    }
    for _ in redo.read() {
        if let Some(i) = active {
            work.queue.push_back(Request::Step(i, true));
        }
    }
    for SaveScenario { as_name } in save.read() {
        if let Some(i) = active {
            work.queue.push_back(Request::Save(i, as_name.clone()));
        }
    }
    for _ in publish.read() {
        if let Some(i) = active {
            work.queue.push_back(Request::Publish(i));
        }
    }
}

/// Starts the next request once the one before is done.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn dispatch(
    mut work: ResMut<EditWork>,
    mut scenarios: ResMut<Scenarios>,
    state: Res<CityState>,
    settings: Res<Settings>,
    source: Option<Res<SceneSource>>,
    selection: Res<Selection>,
    mut workers: ResMut<Workers>,
) {
    let (Some(model), true) = (state.model.clone(), state.is_ready()) else {
        return;
    };
    if work.in_flight {
        return;
    }
    let Some(request) = work.queue.pop_front() else {
        return;
    };
    work.reselect = selection.building.and_then(|b| {
        crate::scene::scenarios::building(&model, &scenarios, b).map(|(b, _)| b.id.clone())
    });
    let index = match &request {
        Request::Edit(i, _)
        | Request::Step(i, _)
        | Request::Place(i)
        | Request::Replace(i, _)
        | Request::Save(i, _)
        | Request::Publish(i) => *i,
    };
    let Some(current) = scenarios.list.get(index).map(|e| e.scenario.clone()) else {
        return;
    };
    let decode = DecodeSettings::from_config(&settings);
    let tx = work.tx.clone();
    let storey = settings.buildings.storey_height;
    let evaluated = move |s: Scenario, model: &CityModel, select: Option<String>| {
        scenario::evaluate(&s, model, &decode).map(|e| (s, e, select))
    };
    let entry = &mut scenarios.list[index];
    let job: Box<dyn FnOnce() + Send> = match request {
        Request::Edit(_, edit) => {
            let label = edit.label();
            Box::new(move || {
                let result = crate::georef::Georef::new(model.origin, Some(&model.crs))
                    .map_err(|e| e.to_string())
                    .and_then(|georef| {
                        let mut s = (*current).clone();
                        let select = s.edit(&edit, &georef, storey)?;
                        evaluated(s, &model, select)
                    });
                let _ = tx.send(Done::State {
                    index,
                    before: Some((current, label)),
                    result: Box::new(result),
                    saved: None,
                });
            })
        }
        Request::Step(_, forward) => {
            let now = (*current).clone();
            let target = if forward {
                entry.history.redo(now)
            } else {
                entry.history.undo(now)
            };
            let Some(target) = target else {
                return;
            };
            state_job(index, target, model, tx, evaluated)
        }
        Request::Place(_) => state_job(index, (*current).clone(), model, tx, evaluated),
        Request::Replace(_, s) => state_job(index, *s, model, tx, evaluated),
        Request::Save(_, as_name) => {
            let mut s = (*current).clone();
            let as_new = as_name.is_some();
            if let Some(name) = as_name {
                s.name = name;
            }
            let path = match (&s.file, as_new) {
                (Some(f), false) => f.clone(),
                _ => unique_path(&settings.base_dir.join("scenarios"), &s.name),
            };
            Box::new(move || {
                let result =
                    scenario::save(&s, &path).and_then(|saved| evaluated(saved, &model, None));
                let _ = tx.send(Done::State {
                    index,
                    before: None,
                    result: Box::new(result),
                    saved: Some((path, as_new)),
                });
            })
        }
        Request::Publish(_) => {
            let Some(client) = source.as_ref().and_then(|s| s.live_broker().cloned()) else {
                scenarios.notice = Some(Notice {
                    text: Phrase::new("publish-no-broker"),
                    error: true,
                });
                return;
            };
            let Some(applied) = entry.applied.clone() else {
                work.queue.push_front(Request::Publish(index));
                return;
            };
            let id = entry
                .published
                .clone()
                .unwrap_or_else(|| publish::scenario_id(&current.name));
            // Its own notifications must not come back as another viewer's change.
            entry.published = Some(id.clone());
            let revision = crate::ngsi_ld::new_id("revision")
                .rsplit(':')
                .next()
                .unwrap_or_default()
                .to_owned();
            entry.own_revisions.push(revision.clone());
            if entry.own_revisions.len() > 16 {
                entry.own_revisions.remove(0);
            }
            publish_job(index, (id, revision), current, applied, model, client, tx)
        }
    };
    work.in_flight = true;
    scenarios.working = true;
    workers.run("scenario-edit", job);
}

fn state_job(
    index: usize,
    s: Scenario,
    model: Arc<CityModel>,
    tx: Sender<Done>,
    evaluated: impl Fn(Scenario, &CityModel, Option<String>) -> NewState + Send + 'static,
) -> Box<dyn FnOnce() + Send> {
    Box::new(move || {
        let result = evaluated(s, &model, None);
        let _ = tx.send(Done::State {
            index,
            before: None,
            result: Box::new(result),
            saved: None,
        });
    })
}

fn publish_job(
    index: usize,
    (id, revision): (String, String),
    s: Arc<Scenario>,
    applied: Arc<scenario::Applied>,
    model: Arc<CityModel>,
    client: ClientConfig,
    tx: Sender<Done>,
) -> Box<dyn FnOnce() + Send> {
    Box::new(move || {
        let result = (|| {
            let published = publish::to_entities(&s, &applied, &model, &id, &revision)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .thread_name("citytwin-publish")
                .build()
                .map_err(|e| e.to_string())?;
            let client = crate::ngsi_ld::client::Client::new(client).map_err(|e| e.to_string())?;
            runtime.block_on(publish::publish(&client, &published))
        })();
        let _ = tx.send(Done::Published { index, id, result });
    })
}

/// `dir/<name>.toml` (the name as a file name), numbered if taken.
fn unique_path(dir: &Path, name: &str) -> PathBuf {
    let stem = publish::slug(name);
    let first = dir.join(format!("{stem}.toml"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|k| dir.join(format!("{stem}-{k}.toml")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Takes in what a job did: the scenario's new state and placing, the selection kept on the
/// same building, and a notice for the user.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn finish(
    mut work: ResMut<EditWork>,
    mut scenarios: ResMut<Scenarios>,
    state: Res<CityState>,
    mut select: MessageWriter<SelectBuilding>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let Some(done) = work.rx.try_iter().next() else {
        return;
    };
    work.in_flight = false;
    scenarios.working = !work.queue.is_empty();
    redraw.write(RequestRedraw);
    let baseline = state.model.as_ref().map_or(0, |m| m.buildings.len());
    match done {
        Done::State {
            index,
            before,
            result,
            saved,
        } => {
            let (s, evaluation, select_id) = match *result {
                Ok(r) => r,
                Err(e) => {
                    scenarios.notice = Some(Notice {
                        text: Phrase::plain(e),
                        error: true,
                    });
                    return;
                }
            };
            let mut index = index;
            match saved {
                Some((path, true)) => {
                    scenarios.list.push(ScenarioEntry::new(s));
                    index = scenarios.list.len() - 1;
                    scenarios.active = Some(index);
                    scenarios.notice = Some(saved_notice(&path));
                }
                Some((path, false)) => {
                    scenarios.notice = Some(saved_notice(&path));
                    scenarios.list[index].scenario = Arc::new(s);
                    scenarios.list[index].unsaved = false;
                }
                None => {
                    let entry = &mut scenarios.list[index];
                    if let Some((before, label)) = before {
                        entry.history.record((*before).clone(), label);
                        entry.unsaved = true;
                        scenarios.notice = None;
                    } else if entry.applied.is_some() {
                        entry.unsaved = true;
                    }
                    scenarios.list[index].scenario = Arc::new(s);
                }
            }
            let entry = &mut scenarios.list[index];
            entry.applied = Some(Arc::new(evaluation.applied));
            entry.kpis = Some(evaluation.kpis);
            entry.warnings = evaluation.warnings;
            // Keep the building in hand selected (an edit may renumber the added ones).
            if scenarios.active == Some(index) {
                let wanted = select_id.or(work.reselect.take());
                let applied = scenarios.list[index].applied.as_ref();
                let found = wanted.and_then(|id| {
                    applied
                        .and_then(|a| a.added.iter().position(|p| p.building.id == id))
                        .map(|j| baseline + j)
                        .or_else(|| {
                            state
                                .model
                                .as_ref()
                                .and_then(|m| m.buildings.iter().position(|b| b.id == id))
                                .filter(|i| !applied.is_some_and(|a| a.is_removed(*i)))
                        })
                });
                select.write(SelectBuilding(found));
            }
        }
        Done::Published { index, id, result } => {
            let entry = &mut scenarios.list[index];
            match result {
                Ok(o) => {
                    entry.published = Some(id.clone());
                    scenarios.notice = Some(Notice {
                        text: Phrase::new("published")
                            .with("id", id.clone())
                            .with("buildings", o.buildings)
                            .with("deleted", o.deleted),
                        error: false,
                    });
                }
                Err(e) => {
                    if !entry.from_broker {
                        entry.published = None;
                    }
                    scenarios.notice = Some(Notice {
                        text: Phrase::new("publish-failed").with("error", e.to_string()),
                        error: true,
                    });
                }
            }
        }
    }
}

fn saved_notice(path: &Path) -> Notice {
    Notice {
        text: Phrase::new("scenario-saved").with("path", path.display().to_string()),
        error: false,
    }
}
