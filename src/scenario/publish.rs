//! A scenario shared through an NGSI-LD broker, so that every viewer on the same broker (and
//! any other tool) can list it and follow it.
//!
//! The shapes, and why:
//! - **One `PlanningScenario` entity** per scenario (`urn:ngsi-ld:PlanningScenario:<name>`):
//!   `name`, `description`, `location` (the site, a GeoProperty, so a geo-query finds the
//!   scenarios of an area), `removalArea` (the `remove.inside` polygon), `removedBuildings`
//!   (the ids of the baseline buildings it removes, the area's resolved against the city it
//!   was published from), `restyledBuildings` (`[{ids, color}]`), `addedBuildings` (the
//!   ids of its buildings) and `revision` (a random token per publication, so that a viewer
//!   tells its own publication coming back from another viewer's). No Smart Data Model describes a planning proposal; the entity only
//!   *names* baseline buildings, it never changes them.
//! - **Its added buildings as `ProposedBuilding` entities**
//!   (`urn:ngsi-ld:ProposedBuilding:<scenario>:<building>`), with the attributes of the Smart
//!   Data Model `Building` (`location`, `height`, `floorsAboveGround`, `name`, …) and a
//!   Relationship `refScenario` to their scenario. A type of their own, rather than `Building`
//!   with a marker attribute, keeps them out of every `type=Building` query of every client —
//!   the city's own tools, which know nothing of citytwin's marker, would otherwise count a
//!   proposal as a real building. A glTF model or a CityJSON building is published as its
//!   footprint and height (an LoD1 block; `grossFloorArea` where the scenario gives it), since
//!   NGSI-LD carries no meshes.
//!
//! Publishing writes the buildings first and the scenario entity last (a follower that sees
//! the scenario sees its buildings), then deletes buildings an earlier publication had and
//! this one has not. Baseline `Building` entities are never written.

use super::{Addition, Applied, Area, Restyle, Scenario};
use crate::city::CityModel;
use crate::georef::Georef;
use crate::ngsi_ld::client::Client;
use crate::ngsi_ld::{Attribute, AttributeKind, Entity};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The entity type of a published scenario.
pub const SCENARIO_TYPE: &str = "PlanningScenario";
/// The entity type of a published scenario's added buildings.
pub const PROPOSED_TYPE: &str = "ProposedBuilding";
/// The entity types a viewer follows to list published scenarios.
pub const TYPES: [&str; 2] = [SCENARIO_TYPE, PROPOSED_TYPE];

/// The entities that publish one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// The `PlanningScenario` entity.
    pub scenario: Entity,
    /// Its `ProposedBuilding` entities.
    pub buildings: Vec<Entity>,
}

/// The id a scenario is published under, from its name:
/// `urn:ngsi-ld:PlanningScenario:<name in lower case, letters, digits and dashes>`.
///
/// ```
/// assert_eq!(citytwin::scenario::publish::scenario_id("Harbour towers, v2"),
///            "urn:ngsi-ld:PlanningScenario:harbour-towers-v2");
/// ```
pub fn scenario_id(name: &str) -> String {
    format!("urn:ngsi-ld:{SCENARIO_TYPE}:{}", slug(name))
}

/// A name as lower-case letters, digits and single dashes ("scenario" when nothing is left).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "scenario".to_owned()
    } else {
        out
    }
}

/// The entities of `scenario`, placed against `baseline` as `applied`, published as `id`;
/// `revision` (any token unique to this publication) tells a viewer its own publication from
/// another's when the broker notifies it.
pub fn to_entities(
    scenario: &Scenario,
    applied: &Applied,
    baseline: &CityModel,
    id: &str,
    revision: &str,
) -> Result<Published, String> {
    let georef = Georef::new(baseline.origin, Some(&baseline.crs)).map_err(|e| e.to_string())?;
    let key = id.rsplit(':').next().unwrap_or("scenario").to_owned();
    let mut taken = BTreeSet::new();
    let mut buildings = Vec::new();
    let mut add = |mut e: Entity| {
        let tail = e.id.rsplit(':').next().unwrap_or_default();
        let mut tail = slug(tail);
        let mut n = 1;
        while !taken.insert(tail.clone()) {
            n += 1;
            tail = format!("{}-{n}", slug(e.id.rsplit(':').next().unwrap_or_default()));
        }
        e.id = format!("urn:ngsi-ld:{PROPOSED_TYPE}:{key}:{tail}");
        e.types = vec![PROPOSED_TYPE.to_owned()];
        e.attributes.insert(
            "refScenario".into(),
            vec![Attribute::new(AttributeKind::Relationship, json!(id))],
        );
        buildings.push(e);
    };
    for (k, addition) in scenario.additions.iter().enumerate() {
        match addition {
            Addition::Entities { entities, .. } => entities.iter().cloned().for_each(&mut add),
            Addition::CityJson { .. } | Addition::Model(_) => {
                for p in applied.added.iter().filter(|p| p.addition == k) {
                    add(block(p, &georef)?);
                }
            }
        }
    }
    let mut e = Entity::new(id, SCENARIO_TYPE);
    let mut prop = |name: &str, value: Value| {
        e.attributes
            .insert(name.to_owned(), vec![Attribute::property(value)]);
    };
    prop("name", json!(scenario.name));
    prop("revision", json!(revision));
    if !scenario.description.is_empty() {
        prop("description", json!(scenario.description));
    }
    let removed: BTreeSet<&str> = scenario
        .remove_ids
        .iter()
        .map(String::as_str)
        .chain(
            applied
                .removed
                .iter()
                .map(|i| baseline.buildings[*i].id.as_str()),
        )
        .collect();
    if !removed.is_empty() {
        prop("removedBuildings", json!(removed));
    }
    if !scenario.restyle.is_empty() {
        let r: Vec<Value> = scenario
            .restyle
            .iter()
            .map(|r| json!({"ids": r.ids, "color": r.color}))
            .collect();
        prop("restyledBuildings", json!(r));
    }
    if !buildings.is_empty() {
        let ids: Vec<&str> = buildings.iter().map(|b| b.id.as_str()).collect();
        prop("addedBuildings", json!(ids));
    }
    let mut geo = |name: &str, area: &Area| {
        e.attributes.insert(
            name.to_owned(),
            vec![Attribute::new(
                AttributeKind::GeoProperty,
                area.to_geojson(),
            )],
        );
    };
    if let Some(site) = &scenario.site {
        geo("location", site);
    }
    if let Some(inside) = &scenario.remove_inside {
        geo("removalArea", inside);
    }
    Ok(Published {
        scenario: e,
        buildings,
    })
}

/// A modelled building (glTF, CityJSON) as an extruded footprint.
fn block(p: &super::Placed, georef: &Georef) -> Result<Entity, String> {
    let b = &p.building;
    let mut polygons = Vec::new();
    for poly in b.footprint.polygons() {
        let mut rings = Vec::new();
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            let mut out = Vec::new();
            for c in ring.coords() {
                let (ll, _) = georef
                    .scene_to_lonlat([c.x, 0.0, -c.y])
                    .map_err(|e| e.to_string())?;
                out.push([ll.lon, ll.lat]);
            }
            rings.push(out);
        }
        polygons.push(rings);
    }
    let geometry = if polygons.len() == 1 {
        json!({"type": "Polygon", "coordinates": polygons[0]})
    } else {
        json!({"type": "MultiPolygon", "coordinates": polygons})
    };
    let mut e = Entity::new(b.id.replace("model:", "model-"), "Building");
    e.attributes.insert(
        "location".into(),
        vec![Attribute::new(AttributeKind::GeoProperty, geometry)],
    );
    let mut prop = |name: &str, value: Value| {
        e.attributes
            .insert(name.to_owned(), vec![Attribute::property(value)]);
    };
    prop("height", json!((b.height * 100.0).round() / 100.0));
    if let Some(name) = &b.name {
        prop("name", json!(name));
    }
    if let Some(f) = p.floors {
        prop("floorsAboveGround", json!(f));
    }
    match (p.gfa_m2, p.floors, p.is_model) {
        (Some(g), _, _) => prop("grossFloorArea", json!(g)),
        // A model without floors or GFA adds none: keep it so.
        (None, None, true) => prop("grossFloorArea", json!(0.0)),
        _ => {}
    }
    Ok(e)
}

/// The revision a published scenario entity carries ([`to_entities`]).
pub fn revision(scenario: &Entity) -> Option<&str> {
    scenario.attribute("revision").and_then(Attribute::as_str)
}

/// A scenario from its published entities: `scenario` and the `ProposedBuilding`s among
/// `buildings` that it lists.
pub fn from_entities(scenario: &Entity, buildings: &[&Entity]) -> Result<Scenario, String> {
    let text = |name: &str| {
        scenario
            .attribute(name)
            .and_then(Attribute::as_str)
            .map(str::to_owned)
    };
    let list = |name: &str| -> Vec<String> {
        scenario
            .attribute(name)
            .map(|a| match a.plain_value() {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            })
            .unwrap_or_default()
    };
    let area = |name: &str| -> Result<Option<Area>, String> {
        scenario
            .attribute(name)
            .map(|a| Area::from_geojson(a.plain_value(), "").map_err(|e| format!("{name} {e}")))
            .transpose()
    };
    let name = text("name").unwrap_or_else(|| scenario.id.clone());
    let added = list("addedBuildings");
    let mut entities: Vec<Entity> = added
        .iter()
        .filter_map(|id| buildings.iter().find(|b| b.id == *id))
        .map(|b| {
            let mut e = (*b).clone();
            e.types = vec!["Building".to_owned()];
            e.attributes.remove("refScenario");
            e
        })
        .collect();
    entities.sort_by_key(|e| added.iter().position(|a| *a == e.id));
    let restyle = scenario
        .attribute("restyledBuildings")
        .and_then(|a| a.plain_value().as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            Some(Restyle {
                ids: r
                    .get("ids")?
                    .as_array()?
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                color: r.get("color")?.as_str()?.to_owned(),
            })
        })
        .filter(|r| crate::config::parse_hex_color(&r.color).is_some())
        .collect();
    Ok(Scenario {
        name,
        description: text("description").unwrap_or_default(),
        file: None,
        site: area("location")?,
        remove_ids: list("removedBuildings"),
        remove_inside: area("removalArea")?,
        additions: if entities.is_empty() {
            Vec::new()
        } else {
            vec![Addition::Entities {
                file: String::new(),
                entities,
            }]
        },
        restyle,
    })
}

/// What a publication did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Buildings written.
    pub buildings: usize,
    /// Buildings of an earlier publication deleted.
    pub deleted: usize,
}

/// Writes a scenario's entities to the broker: its buildings, then the scenario, then deletes
/// the buildings an earlier publication listed and this one does not.
pub async fn publish(client: &Client, published: &Published) -> Result<Outcome, String> {
    let earlier: Vec<String> = match client.get_entity(&published.scenario.id).await {
        Ok(Some(e)) => e
            .attribute("addedBuildings")
            .and_then(|a| a.plain_value().as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Ok(None) => Vec::new(),
        Err(e) => return Err(e.to_string()),
    };
    let refused = |o: crate::ngsi_ld::client::BatchOutcome| -> Result<(), String> {
        match o.errors.first() {
            None => Ok(()),
            Some((id, why)) => Err(format!(
                "the broker refused {} of the entities ({id}: {why})",
                o.errors.len()
            )),
        }
    };
    if !published.buildings.is_empty() {
        refused(
            client
                .batch_upsert(&published.buildings, 100)
                .await
                .map_err(|e| e.to_string())?,
        )?;
    }
    refused(
        client
            .batch_upsert(std::slice::from_ref(&published.scenario), 1)
            .await
            .map_err(|e| e.to_string())?,
    )?;
    let now: BTreeSet<&str> = published.buildings.iter().map(|b| b.id.as_str()).collect();
    let mut deleted = 0;
    for id in earlier
        .iter()
        .filter(|id| !now.contains(id.as_str()) && id.contains(PROPOSED_TYPE))
    {
        match client.delete(id).await {
            Ok(()) => deleted += 1,
            Err(e) => tracing::info!("could not delete {id}, no longer in the scenario: {e}"),
        }
    }
    Ok(Outcome {
        buildings: published.buildings.len(),
        deleted,
    })
}
