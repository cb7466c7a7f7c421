//! Editing a scenario as a planner does in the view: drawing a footprint, setting its height
//! or floors, moving, turning and deleting what the scenario adds, removing a baseline
//! building (and taking that back), and adding a file dropped onto the window. Every edit
//! works on the [`Scenario`] itself (positions in longitude/latitude, as it is saved), so a
//! saved scenario holds exactly what was drawn; [`History`] keeps the states before each
//! edit for undo and redo.
//!
//! Positions and offsets in an edit are scene metres (`[east, north]` around the scene's
//! origin); the edit turns them into longitude/latitude through the scene's [`Georef`].

use super::{Addition, Scenario};
use crate::georef::{Georef, LonLat};
use crate::ngsi_ld::{Attribute, AttributeKind, Entity};
use serde_json::{Value, json};

/// An added building: its `[[add]]` (0-based index into [`Scenario::additions`]) and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The addition it belongs to.
    pub addition: usize,
    /// The building's id (an entity id; `model:<file>` for a glTF model).
    pub id: String,
}

/// One change to a scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// A footprint drawn in the view: its corners in scene metres (`[east, north]`, open or
    /// closed), its height, and its floors if set.
    AddFootprint {
        /// The corners, in order.
        corners: Vec<[f64; 2]>,
        /// Height of its roof above the ground (m).
        height: f64,
        /// Floors above ground, if chosen (else they follow from the height).
        floors: Option<f64>,
    },
    /// A new height for an added footprint (its floors then follow from it).
    SetHeight {
        /// The building.
        target: Target,
        /// Metres.
        height: f64,
    },
    /// New floors for an added building: a footprint's height becomes floors × the storey
    /// height; a model's GFA counts them.
    SetFloors {
        /// The building.
        target: Target,
        /// Floors above ground.
        floors: f64,
    },
    /// Moves an added building by an offset in metres (`[east, north]`).
    Move {
        /// The building.
        target: Target,
        /// The offset.
        by: [f64; 2],
    },
    /// Turns an added building about its centroid, degrees clockwise seen from above (as a
    /// compass heading turns).
    Rotate {
        /// The building.
        target: Target,
        /// Degrees clockwise.
        degrees: f64,
    },
    /// Deletes an added building (a glTF model's or a CityJSON file's whole `[[add]]`).
    Delete {
        /// The building.
        target: Target,
    },
    /// Removes a baseline building in this scenario (by id).
    RemoveBaseline {
        /// The baseline building's id.
        id: String,
    },
    /// Takes back the removal of a baseline building named in `remove.ids`.
    RestoreBaseline {
        /// The baseline building's id.
        id: String,
    },
    /// Adds a file's buildings (dropped onto the window): GeoJSON or NGSI-LD footprints are
    /// moved so that their centroid lies at `at`, a glTF model is placed there; CityJSON keeps
    /// its own coordinates.
    AddFile {
        /// What the file holds.
        addition: Addition,
        /// Where it goes (scene metres), if anywhere in particular.
        at: Option<[f64; 2]>,
    },
    /// A new name and description.
    Rename {
        /// The name.
        name: String,
        /// The description.
        description: String,
    },
}

impl Edit {
    /// A short description for the undo button ("Undo: move").
    pub fn label(&self) -> &'static str {
        match self {
            Edit::AddFootprint { .. } => "draw a building",
            Edit::SetHeight { .. } => "height",
            Edit::SetFloors { .. } => "floors",
            Edit::Move { .. } => "move",
            Edit::Rotate { .. } => "turn",
            Edit::Delete { .. } => "delete",
            Edit::RemoveBaseline { .. } => "remove a building",
            Edit::RestoreBaseline { .. } => "restore a building",
            Edit::AddFile { .. } => "add a file",
            Edit::Rename { .. } => "rename",
        }
    }
}

/// The `[[add]]` that holds footprints drawn in the view (saved with the others into
/// `<name>-added.geojson`).
const DRAWN: &str = "";

impl Scenario {
    /// Applies an edit. Returns the id of the building it made or changed, to select it; an
    /// error says, for the user, why nothing changed.
    ///
    /// ```
    /// use citytwin::georef::{Georef, LonLat};
    /// use citytwin::scenario::{Edit, Scenario};
    /// let georef = Georef::new(LonLat::new(18.07, 59.33), None).unwrap();
    /// let mut s = Scenario::new("Sketch");
    /// let corners = vec![[0.0, 0.0], [20.0, 0.0], [20.0, 10.0], [0.0, 10.0]];
    /// let id = s.edit(&Edit::AddFootprint { corners, height: 12.0, floors: Some(4.0) }, &georef, 3.0)
    ///     .unwrap()
    ///     .unwrap();
    /// assert!(id.starts_with("urn:ngsi-ld:Building:"));
    /// assert_eq!(s.additions.len(), 1);
    /// ```
    pub fn edit(
        &mut self,
        edit: &Edit,
        georef: &Georef,
        storey_height: f64,
    ) -> Result<Option<String>, String> {
        match edit {
            Edit::AddFootprint {
                corners,
                height,
                floors,
            } => self.add_footprint(corners, *height, *floors, georef),
            Edit::SetHeight { target, height } => {
                check_positive(*height, "The height")?;
                let e = self.entity_mut(target, "a height")?;
                set(e, "height", json!(round_to(*height, 0.01)));
                e.attributes.remove("floorsAboveGround");
                e.attributes.remove("floors");
                Ok(Some(target.id.clone()))
            }
            Edit::SetFloors { target, floors } => {
                check_positive(*floors, "The number of floors")?;
                let floors = floors.round().max(1.0);
                if let Some(Addition::Model(m)) = self.additions.get_mut(target.addition) {
                    m.floors = Some(floors);
                    m.gfa_m2 = None;
                    return Ok(Some(target.id.clone()));
                }
                let e = self.entity_mut(target, "floors")?;
                set(e, "floorsAboveGround", json!(floors));
                e.attributes.remove("floors");
                set(e, "height", json!(round_to(floors * storey_height, 0.01)));
                Ok(Some(target.id.clone()))
            }
            Edit::Move { target, by } => {
                self.transform(target, georef, &|p, _| [p[0] + by[0], p[1] + by[1]], by)
            }
            Edit::Rotate { target, degrees } => {
                let (sin, cos) = (-degrees.to_radians()).sin_cos();
                let turn = |p: [f64; 2], c: [f64; 2]| {
                    let (x, y) = (p[0] - c[0], p[1] - c[1]);
                    [c[0] + x * cos - y * sin, c[1] + x * sin + y * cos]
                };
                if let Some(Addition::Model(m)) = self.additions.get_mut(target.addition) {
                    m.placement.heading = normalise_degrees(m.placement.heading + degrees);
                    return Ok(Some(target.id.clone()));
                }
                self.transform(target, georef, &turn, &[0.0, 0.0])
            }
            Edit::Delete { target } => {
                let addition = self.addition(target)?;
                match addition {
                    Addition::Entities { entities, .. } => {
                        entities.retain(|e| e.id != target.id);
                        if entities.is_empty() {
                            self.additions.remove(target.addition);
                        }
                    }
                    Addition::CityJson { .. } | Addition::Model(_) => {
                        self.additions.remove(target.addition);
                    }
                }
                Ok(None)
            }
            Edit::RemoveBaseline { id } => {
                if !self.remove_ids.contains(id) {
                    self.remove_ids.push(id.clone());
                }
                Ok(None)
            }
            Edit::RestoreBaseline { id } => {
                let before = self.remove_ids.len();
                self.remove_ids.retain(|r| r != id);
                if self.remove_ids.len() == before {
                    return Err(format!(
                        "{id} is not removed by id; a building removed by the area \
                         `remove.inside` comes back only when the area changes"
                    ));
                }
                Ok(Some(id.clone()))
            }
            Edit::AddFile { addition, at } => self.add_file(addition.clone(), *at, georef),
            Edit::Rename { name, description } => {
                let name = name.trim();
                if name.is_empty() {
                    return Err("A scenario needs a name.".to_owned());
                }
                self.name = name.to_owned();
                self.description = description.trim().to_owned();
                Ok(None)
            }
        }
    }

    fn add_footprint(
        &mut self,
        corners: &[[f64; 2]],
        height: f64,
        floors: Option<f64>,
        georef: &Georef,
    ) -> Result<Option<String>, String> {
        check_positive(height, "The height")?;
        let mut ring: Vec<[f64; 2]> = corners.to_vec();
        if ring.len() >= 2 && ring.first() == ring.last() {
            ring.pop();
        }
        if ring.len() < 3 {
            return Err("A building needs at least three corners.".to_owned());
        }
        let mut closed = ring.clone();
        closed.push(ring[0]);
        crate::geometry::Footprint::new(vec![vec![closed.clone()]]).map_err(|e| {
            format!("This outline cannot be a building ({e}): its sides must not cross.")
        })?;
        let lonlat = closed
            .iter()
            .map(|p| to_lonlat(georef, *p))
            .collect::<Result<Vec<_>, _>>()?;
        let n = self
            .additions
            .iter()
            .map(|a| match a {
                Addition::Entities { entities, .. } => entities.len(),
                _ => 1,
            })
            .sum::<usize>()
            + 1;
        let mut e = Entity::new(crate::ngsi_ld::new_id("Building"), "Building");
        e.attributes.insert(
            "location".into(),
            vec![Attribute::new(
                AttributeKind::GeoProperty,
                json!({"type": "Polygon", "coordinates": [lonlat]}),
            )],
        );
        set(&mut e, "name", json!(format!("New building {n}")));
        set(&mut e, "height", json!(round_to(height, 0.01)));
        if let Some(f) = floors {
            set(&mut e, "floorsAboveGround", json!(f.round().max(1.0)));
        }
        let id = e.id.clone();
        match self
            .additions
            .iter_mut()
            .find(|a| matches!(a, Addition::Entities { file, .. } if file == DRAWN))
        {
            Some(Addition::Entities { entities, .. }) => entities.push(e),
            _ => self.additions.push(Addition::Entities {
                file: DRAWN.to_owned(),
                entities: vec![e],
            }),
        }
        Ok(Some(id))
    }

    fn add_file(
        &mut self,
        mut addition: Addition,
        at: Option<[f64; 2]>,
        georef: &Georef,
    ) -> Result<Option<String>, String> {
        let first = match &mut addition {
            Addition::Entities { entities, .. } => {
                if let Some(at) = at {
                    let c = centroid_of(entities.iter(), georef)?;
                    let by = [at[0] - c[0], at[1] - c[1]];
                    for e in entities.iter_mut() {
                        move_entity(e, georef, &|p, _| [p[0] + by[0], p[1] + by[1]])?;
                    }
                }
                entities.first().map(|e| e.id.clone())
            }
            Addition::Model(m) => {
                if let Some(at) = at {
                    let (ll, _) = georef
                        .scene_to_lonlat([at[0], 0.0, -at[1]])
                        .map_err(|e| e.to_string())?;
                    m.placement.longitude = round_to(ll.lon, 1e-9);
                    m.placement.latitude = round_to(ll.lat, 1e-9);
                }
                Some(format!("model:{}", m.file))
            }
            Addition::CityJson { .. } => None,
        };
        self.additions.push(addition);
        Ok(first)
    }

    fn addition(&mut self, target: &Target) -> Result<&mut Addition, String> {
        self.additions
            .get_mut(target.addition)
            .ok_or_else(|| format!("{} is no longer in the scenario", target.id))
    }

    /// The entity of an added footprint; `what` names the change for the error.
    fn entity_mut(&mut self, target: &Target, what: &str) -> Result<&mut Entity, String> {
        match self.addition(target)? {
            Addition::Entities { entities, .. } => entities
                .iter_mut()
                .find(|e| e.id == target.id)
                .ok_or_else(|| format!("{} is no longer in the scenario", target.id)),
            Addition::Model(_) => Err(format!(
                "A glTF model has the height of its model: {what} cannot be set for it."
            )),
            Addition::CityJson { .. } => Err(format!(
                "A CityJSON building keeps its modelled shape: {what} cannot be set for it."
            )),
        }
    }

    /// Moves every position of an added building through `f(position, centroid)` (scene
    /// metres); a model moves its anchor by `by`.
    fn transform(
        &mut self,
        target: &Target,
        georef: &Georef,
        f: &dyn Fn([f64; 2], [f64; 2]) -> [f64; 2],
        by: &[f64; 2],
    ) -> Result<Option<String>, String> {
        if let Addition::Model(m) = self.addition(target)? {
            let ll = LonLat::new(m.placement.longitude, m.placement.latitude);
            let p = georef.lonlat_to_scene(ll, 0.0).map_err(|e| e.to_string())?;
            let moved = [p[0] + by[0], -p[2] + by[1]];
            let ll = to_lonlat(georef, moved)?;
            m.placement.longitude = ll[0];
            m.placement.latitude = ll[1];
            return Ok(Some(target.id.clone()));
        }
        if matches!(self.addition(target)?, Addition::CityJson { .. }) {
            return Err(
                "A CityJSON building keeps the place its file gives it; move or turn it in \
                 the file."
                    .to_owned(),
            );
        }
        let e = self.entity_mut(target, "a place")?;
        move_entity(e, georef, f)?;
        Ok(Some(target.id.clone()))
    }
}

/// Scene metres `[east, north]` to `[lon, lat]`, rounded to 1e-9° (0.1 mm).
fn to_lonlat(georef: &Georef, p: [f64; 2]) -> Result<[f64; 2], String> {
    let (ll, _) = georef
        .scene_to_lonlat([p[0], 0.0, -p[1]])
        .map_err(|e| e.to_string())?;
    Ok([round_to(ll.lon, 1e-9), round_to(ll.lat, 1e-9)])
}

/// `v` rounded to a multiple of `step` (a power of ten below 1), without float noise in the
/// digits written (211.2, not 211.20000000000002).
fn round_to(v: f64, step: f64) -> f64 {
    let per_unit = (1.0 / step).round();
    (v * per_unit).round() / per_unit
}

fn normalise_degrees(d: f64) -> f64 {
    let d = d.rem_euclid(360.0);
    if d > 180.0 { d - 360.0 } else { d }
}

fn check_positive(v: f64, what: &str) -> Result<(), String> {
    if v.is_finite() && v > 0.0 && v < 10_000.0 {
        Ok(())
    } else {
        Err(format!("{what} must be a number above 0, not {v}."))
    }
}

/// Sets a Property's value (replacing any instances).
fn set(e: &mut Entity, name: &str, value: Value) {
    e.attributes
        .insert(name.to_owned(), vec![Attribute::property(value)]);
}

/// Calls `f` on every position (`[x, y, …]` array of numbers) of a GeoJSON coordinates tree.
fn positions_mut(
    v: &mut Value,
    f: &mut dyn FnMut(&mut Vec<Value>) -> Result<(), String>,
) -> Result<(), String> {
    let Value::Array(items) = v else {
        return Ok(());
    };
    if items.first().is_some_and(Value::is_number) {
        return f(items);
    }
    for item in items {
        positions_mut(item, f)?;
    }
    Ok(())
}

/// The area-weighted centroid of entities' footprints (scene metres); the mean of their
/// positions when they enclose no area.
fn centroid_of<'a>(
    entities: impl Iterator<Item = &'a Entity>,
    georef: &Georef,
) -> Result<[f64; 2], String> {
    let (mut a, mut cx, mut cy, mut n, mut sx, mut sy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for e in entities {
        let mut location = e
            .attribute("location")
            .map(|l| l.plain_value().clone())
            .unwrap_or(Value::Null);
        let Some(c) = location.get_mut("coordinates") else {
            continue;
        };
        // Each ring: the shoelace formula (holes, clockwise, subtract).
        let mut rings: Vec<Vec<[f64; 2]>> = Vec::new();
        collect_rings(c, &mut rings);
        for ring in rings {
            let pts = ring
                .iter()
                .map(|p| {
                    georef
                        .lonlat_to_scene(LonLat::new(p[0], p[1]), 0.0)
                        .map(|s| [s[0], -s[2]])
                        .map_err(|e| e.to_string())
                })
                .collect::<Result<Vec<_>, _>>()?;
            for w in pts.windows(2) {
                let cross = w[0][0] * w[1][1] - w[1][0] * w[0][1];
                a += cross;
                cx += (w[0][0] + w[1][0]) * cross;
                cy += (w[0][1] + w[1][1]) * cross;
            }
            for p in &pts {
                sx += p[0];
                sy += p[1];
                n += 1.0;
            }
        }
    }
    if a.abs() > 1e-9 {
        Ok([cx / (3.0 * a), cy / (3.0 * a)])
    } else if n > 0.0 {
        Ok([sx / n, sy / n])
    } else {
        Err("the file's buildings have no footprints".to_owned())
    }
}

/// The rings of a Polygon's or MultiPolygon's coordinates, as `[lon, lat]`.
fn collect_rings(v: &Value, out: &mut Vec<Vec<[f64; 2]>>) {
    let Value::Array(items) = v else { return };
    let is_ring = items
        .first()
        .and_then(Value::as_array)
        .is_some_and(|p| p.first().is_some_and(Value::is_number));
    if is_ring {
        out.push(
            items
                .iter()
                .filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
                .collect(),
        );
    } else {
        for item in items {
            collect_rings(item, out);
        }
    }
}

/// Moves every position of an entity's location through `f(position, centroid)`, in scene
/// metres.
fn move_entity(
    e: &mut Entity,
    georef: &Georef,
    f: &dyn Fn([f64; 2], [f64; 2]) -> [f64; 2],
) -> Result<(), String> {
    let c = centroid_of(std::iter::once(&*e), georef)?;
    let location = e
        .attributes
        .get_mut("location")
        .and_then(|v| v.first_mut())
        .ok_or("has no location")?;
    // The value may be a JSON-LD typed literal; edit the geometry inside.
    let geometry = match &mut location.value {
        Value::Object(map) if map.contains_key("@value") => map.get_mut("@value"),
        other => Some(other),
    };
    if let Some(coordinates) = geometry.and_then(|g| g.get_mut("coordinates")) {
        positions_mut(coordinates, &mut |p| {
            let (lon, lat) = (
                p.first().and_then(Value::as_f64).unwrap_or(f64::NAN),
                p.get(1).and_then(Value::as_f64).unwrap_or(f64::NAN),
            );
            let s = georef
                .lonlat_to_scene(LonLat::new(lon, lat), 0.0)
                .map_err(|e| e.to_string())?;
            let moved = f([s[0], -s[2]], c);
            let ll = to_lonlat(georef, moved)?;
            p[0] = json!(ll[0]);
            p[1] = json!(ll[1]);
            Ok(())
        })?;
    }
    Ok(())
}

/// The states of a scenario before each edit, for undo, and those undone, for redo.
#[derive(Debug, Clone, Default)]
pub struct History {
    undo: Vec<(Scenario, &'static str)>,
    redo: Vec<(Scenario, &'static str)>,
}

/// Edits kept for undo.
pub const UNDO_STEPS: usize = 200;

impl History {
    /// Keeps the state before an edit (`what`: [`Edit::label`]); a new edit ends what could be
    /// redone.
    pub fn record(&mut self, before: Scenario, what: &'static str) {
        self.undo.push((before, what));
        if self.undo.len() > UNDO_STEPS {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// The state before the last edit, keeping `current` for redo.
    pub fn undo(&mut self, current: Scenario) -> Option<Scenario> {
        let (before, what) = self.undo.pop()?;
        self.redo.push((current, what));
        Some(before)
    }

    /// The state the last undo left, keeping `current` for undo.
    pub fn redo(&mut self, current: Scenario) -> Option<Scenario> {
        let (after, what) = self.redo.pop()?;
        self.undo.push((current, what));
        Some(after)
    }

    /// What undo would take back.
    pub fn next_undo(&self) -> Option<&'static str> {
        self.undo.last().map(|u| u.1)
    }

    /// What redo would do again.
    pub fn next_redo(&self) -> Option<&'static str> {
        self.redo.last().map(|r| r.1)
    }
}
