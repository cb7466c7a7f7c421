//! Scenarios shared through the broker: the live feed passes on the `PlanningScenario` and
//! `ProposedBuilding` entities it sees ([`BrokerEntity`]); a scenario published by another
//! viewer joins the list, and follows that viewer's changes (as one this viewer published
//! follows the changes others publish to it). A scenario is taken in once every
//! building it lists has arrived (or two seconds after its last change, with those there), so a
//! publication is never shown half written.

use super::edits::{EditWork, Request};
use crate::ngsi_ld::Entity;
use crate::scenario::publish::{self, PROPOSED_TYPE, SCENARIO_TYPE};
use crate::scene::{BrokerEntity, BrokerEntityGone, BrokerFollows, ScenarioEntry, Scenarios};
use bevy::prelude::*;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long a scenario waits for the buildings it lists.
const WAIT_FOR_BUILDINGS: Duration = Duration::from_secs(2);

/// The published entities seen so far.
#[derive(Resource, Default)]
pub(super) struct BrokerStore {
    scenarios: BTreeMap<String, Entity>,
    buildings: BTreeMap<String, Entity>,
    /// Scenarios changed and not yet taken in, since when.
    changed: BTreeMap<String, Instant>,
}

/// Whether an entity has a type, by short name or full IRI.
fn is(e: &Entity, t: &str) -> bool {
    e.types
        .iter()
        .any(|x| x == t || crate::ngsi_ld::short_name(x) == t)
}

/// Asks the live feed to follow the published scenarios' types.
pub(super) fn register(mut follows: ResMut<BrokerFollows>) {
    for t in publish::TYPES {
        if !follows.0.iter().any(|f| f == t) {
            follows.0.push(t.to_owned());
        }
    }
}

/// Keeps the entities the feed passes on.
pub(super) fn collect(
    mut changed: MessageReader<BrokerEntity>,
    mut gone: MessageReader<BrokerEntityGone>,
    mut store: ResMut<BrokerStore>,
) {
    let now = Instant::now();
    for BrokerEntity(e) in changed.read() {
        if is(e, SCENARIO_TYPE) {
            store.changed.insert(e.id.clone(), now);
            store.scenarios.insert(e.id.clone(), (**e).clone());
        } else if is(e, PROPOSED_TYPE) {
            let owner = e
                .attribute("refScenario")
                .and_then(|a| a.as_str())
                .map(str::to_owned);
            if let Some(owner) = owner.filter(|o| store.scenarios.contains_key(o)) {
                store.changed.insert(owner, now);
            }
            store.buildings.insert(e.id.clone(), (**e).clone());
        }
    }
    for BrokerEntityGone(id) in gone.read() {
        store.scenarios.remove(id);
        store.buildings.remove(id);
    }
}

/// Takes in published scenarios whose buildings are all there (or have had time to come).
pub(super) fn take_in(
    mut store: ResMut<BrokerStore>,
    mut scenarios: ResMut<Scenarios>,
    mut work: ResMut<EditWork>,
) {
    if store.changed.is_empty() {
        return;
    }
    let ready: Vec<String> = store
        .changed
        .iter()
        .filter(|(id, since)| {
            let Some(e) = store.scenarios.get(*id) else {
                return true;
            };
            let listed = e
                .attribute("addedBuildings")
                .and_then(|a| a.plain_value().as_array().cloned())
                .unwrap_or_default();
            let all_there = listed
                .iter()
                .filter_map(|v| v.as_str())
                .all(|b| store.buildings.contains_key(b));
            all_there || since.elapsed() >= WAIT_FOR_BUILDINGS
        })
        .map(|(id, _)| id.clone())
        .collect();
    for id in ready {
        store.changed.remove(&id);
        let Some(e) = store.scenarios.get(&id) else {
            continue;
        };
        let buildings: Vec<&Entity> = store.buildings.values().collect();
        let s = match publish::from_entities(e, &buildings) {
            Ok(s) => s,
            Err(why) => {
                warn!("published scenario {id} not read: {why}");
                continue;
            }
        };
        let revision = publish::revision(e).map(str::to_owned);
        match scenarios
            .list
            .iter()
            .position(|x| x.published.as_deref() == Some(id.as_str()))
        {
            // This viewer's own publication, coming back.
            Some(i)
                if revision
                    .as_ref()
                    .is_some_and(|r| scenarios.list[i].own_revisions.contains(r)) => {}
            // Another viewer's change, to a scenario this viewer published or follows.
            Some(i) => {
                let mut s = s;
                // A scenario read from a file keeps its file (Save writes there).
                s.file.clone_from(&scenarios.list[i].scenario.file);
                if *scenarios.list[i].scenario != s {
                    info!("published scenario {id} changed in the broker");
                    work.queue.push_back(Request::Replace(i, Box::new(s)));
                }
            }
            None => {
                info!("published scenario {id} found in the broker: {}", s.name);
                let mut entry = ScenarioEntry::new(s);
                entry.published = Some(id.clone());
                entry.from_broker = true;
                scenarios.list.push(entry);
                let i = scenarios.list.len() - 1;
                work.queue.push_back(Request::Place(i));
            }
        }
    }
}
