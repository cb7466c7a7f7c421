//! The active scenario's buildings. Only the baseline tiles it changes (a building removed or
//! restyled) are meshed again, without its removed buildings and in its colours; they and the
//! tiles of its added buildings (in the proposal colour) are drawn on the scenario side
//! ([`SCENARIO_ONLY`]), the baseline tiles they replace on the baseline side
//! ([`BASELINE_ONLY`]). Everything else is shared.
//!
//! Each scenario tile has a fingerprint of what it holds; when the scenario changes (another
//! one is activated, or an edit moves a building) only the tiles whose fingerprint changed
//! are meshed again, off the main thread, and swapped in; the others stay as they are.

use super::style::themed_palette;
use super::{BuildingMaterials, BuildingTile, FarTile, TileMeshes, palette};
use crate::city::style::Theme;
use crate::city::tiles::{FarSpec, cell_of, far_levels, mesh_tile};
use crate::city::{Building, CityModel};
use crate::config::{BuildingsConfig, parse_hex_color};
use crate::geometry::extrude::Palette;
use crate::scenario::Applied;
use crate::scene::scenarios::BASELINE_ONLY;
use crate::scene::{BuildingStyle, CityState, LayerMember, Scenarios, SceneSet, Settings, Workers};
use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use crossbeam_channel::{Receiver, Sender};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Instant;

/// A tile (or a tile's simpler mesh) of the active scenario.
#[derive(Component, Debug)]
pub struct ScenarioTile;

/// The parent of the active scenario's tiles.
#[derive(Component, Debug)]
pub struct ScenarioRoot;

/// A tile of the scenario side: a baseline tile meshed again, or a tile of added buildings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum TileKey {
    Baseline((i32, i32)),
    Added((i32, i32)),
}

/// What is asked for: the scenario, as placed, and the theme it is coloured in.
#[derive(Clone)]
struct Drawn {
    index: usize,
    applied: Arc<Applied>,
    theme: Option<String>,
}

impl PartialEq for Drawn {
    fn eq(&self, o: &Self) -> bool {
        self.index == o.index && Arc::ptr_eq(&self.applied, &o.applied) && self.theme == o.theme
    }
}

/// A tile wanted on the scenario side: its fingerprint and members.
#[derive(Debug, Clone, PartialEq)]
struct Planned {
    fingerprint: u64,
    members: Vec<usize>,
}

struct Meshed {
    /// Every tile wanted (those not in `tiles` are drawn already as they should be).
    plan: BTreeMap<TileKey, Planned>,
    tiles: Vec<(TileKey, TileMeshes)>,
}

#[derive(Resource)]
struct ScenarioDrawing {
    tx: Sender<Meshed>,
    rx: Receiver<Meshed>,
    /// The scenario last asked for.
    asked: Option<Drawn>,
    /// Meshing is under way.
    in_flight: bool,
    /// The scenario tiles in the scene: fingerprint and entity.
    drawn: HashMap<TileKey, (u64, Entity)>,
    /// Baseline cells moved to the baseline side.
    cells: HashSet<(i32, i32)>,
    /// The city load the tiles belong to.
    load: u64,
    asked_at: Instant,
}

pub(super) fn build(app: &mut App) {
    let (tx, rx) = crossbeam_channel::unbounded();
    app.insert_resource(ScenarioDrawing {
        tx,
        rx,
        asked: None,
        in_flight: false,
        drawn: HashMap::new(),
        cells: HashSet::new(),
        load: 0,
        asked_at: Instant::now(),
    })
    .add_systems(Startup, spawn_root)
    .add_systems(
        Update,
        (ask, show)
            .chain()
            .after(super::bring_near_meshes)
            .in_set(SceneSet::Load),
    );
}

fn spawn_root(mut commands: Commands) {
    commands.spawn((
        ScenarioRoot,
        LayerMember::of("buildings"),
        Transform::default(),
        Visibility::default(),
        Name::new("Scenario buildings"),
    ));
}

/// The scenario to draw: the active one once placed, in the theme shown.
fn wanted(scenarios: &Scenarios, style: &BuildingStyle) -> Option<Drawn> {
    let index = scenarios.active?;
    Some(Drawn {
        index,
        applied: scenarios.active_applied()?.clone(),
        theme: style.theme.as_ref().map(|t| t.attribute.clone()),
    })
}

/// A fingerprint of an added building's shape and height.
fn hash_building(h: &mut impl Hasher, b: &Building) {
    b.id.hash(h);
    b.height.to_bits().hash(h);
    b.base.to_bits().hash(h);
    for p in b.footprint.polygons() {
        for c in p
            .exterior()
            .coords()
            .chain(p.interiors().iter().flat_map(|r| r.coords()))
        {
            c.x.to_bits().hash(h);
            c.y.to_bits().hash(h);
        }
    }
    b.shell.as_ref().map(Arc::as_ptr).hash(h);
}

/// The scenario side's tiles: the baseline tiles holding a building it removes or restyles
/// (by cell, as laid out in the scene) and its added buildings in cells of `tile_size`.
fn plan(
    applied: &Applied,
    baseline: &[&BuildingTile],
    theme: Option<&str>,
    tile_size: f64,
) -> BTreeMap<TileKey, Planned> {
    let mut out = BTreeMap::new();
    let changed: HashSet<usize> = applied
        .removed
        .iter()
        .chain(applied.restyled.keys())
        .copied()
        .collect();
    for t in baseline {
        if !t.buildings.iter().any(|i| changed.contains(i)) {
            continue;
        }
        let members: Vec<usize> = t
            .buildings
            .iter()
            .copied()
            .filter(|i| !applied.is_removed(*i))
            .collect();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        theme.hash(&mut h);
        for i in &members {
            i.hash(&mut h);
            applied
                .restyled
                .get(i)
                .map(|c| c.map(f32::to_bits))
                .hash(&mut h);
        }
        out.insert(
            TileKey::Baseline(t.cell),
            Planned {
                fingerprint: h.finish(),
                members,
            },
        );
    }
    let mut added: BTreeMap<(i32, i32), Vec<usize>> = BTreeMap::new();
    for (j, p) in applied.added.iter().enumerate() {
        added
            .entry(cell_of(&p.building, tile_size))
            .or_default()
            .push(j);
    }
    for (cell, members) in added {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for j in &members {
            hash_building(&mut h, &applied.added[*j].building);
        }
        out.insert(
            TileKey::Added(cell),
            Planned {
                fingerprint: h.finish(),
                members,
            },
        );
    }
    out
}

/// Starts meshing the tiles that changed when the scenario to draw changes.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn ask(
    state: Res<CityState>,
    style: Res<BuildingStyle>,
    settings: Res<Settings>,
    mut scenarios: ResMut<Scenarios>,
    mut drawing: ResMut<ScenarioDrawing>,
    tiles: Query<&BuildingTile, Without<ScenarioTile>>,
    mut workers: ResMut<Workers>,
) {
    let (Some(model), true) = (state.model.clone(), state.is_ready()) else {
        return;
    };
    if drawing.load != state.load_id {
        // A new city: its tiles replaced everything drawn before.
        drawing.load = state.load_id;
        drawing.drawn.clear();
        drawing.cells.clear();
        drawing.asked = None;
    }
    if style.busy || drawing.in_flight {
        return;
    }
    let want = wanted(&scenarios, &style);
    if want == drawing.asked {
        return;
    }
    drawing.asked = want.clone();
    drawing.asked_at = Instant::now();
    drawing.in_flight = true;
    scenarios.busy = true;
    let tile_size = settings.buildings.tile_size;
    let Some(want) = want else {
        // Back to the baseline: nothing to mesh.
        let _ = drawing.tx.send(Meshed {
            plan: BTreeMap::new(),
            tiles: Vec::new(),
        });
        return;
    };
    let baseline: Vec<&BuildingTile> = tiles.iter().collect();
    let plan = plan(&want.applied, &baseline, want.theme.as_deref(), tile_size);
    let to_mesh: Vec<TileKey> = plan
        .iter()
        .filter(|(k, p)| {
            drawing
                .drawn
                .get(*k)
                .is_none_or(|(f, _)| *f != p.fingerprint)
        })
        .map(|(k, _)| *k)
        .collect();
    // How the baseline tiles were meshed, to mesh them again the same way.
    let far: HashMap<(i32, i32), ([f64; 2], Vec<FarSpec>)> = tiles
        .iter()
        .filter(|t| to_mesh.contains(&TileKey::Baseline(t.cell)))
        .map(|t| {
            (
                t.cell,
                (t.center, t.far_specs(settings.buildings.simple_beyond)),
            )
        })
        .collect();
    let job = MeshJob {
        model,
        applied: want.applied.clone(),
        theme: style.theme.clone(),
        neutral: palette(&settings),
        proposal: parse_hex_color(&settings.buildings.proposal_color).unwrap_or([1.0, 0.4, 0.3]),
        config: settings.buildings.clone(),
        far,
        added: want
            .applied
            .added
            .iter()
            .map(|p| p.building.clone())
            .collect(),
    };
    let tx = drawing.tx.clone();
    workers.run("scenario-meshes", move || {
        let tiles = to_mesh
            .iter()
            .filter_map(|k| Some((*k, job.mesh(*k, plan.get(k)?.members.clone()))))
            .collect();
        let _ = tx.send(Meshed { plan, tiles });
    });
}

/// What meshing a scenario's tiles needs.
struct MeshJob {
    model: Arc<CityModel>,
    applied: Arc<Applied>,
    theme: Option<Theme>,
    neutral: Palette,
    proposal: [f32; 3],
    config: BuildingsConfig,
    far: HashMap<(i32, i32), ([f64; 2], Vec<FarSpec>)>,
    added: Vec<Building>,
}

impl MeshJob {
    fn mesh(&self, key: TileKey, members: Vec<usize>) -> TileMeshes {
        match key {
            TileKey::Baseline(cell) => {
                let (center, far) = self.far.get(&cell).cloned().unwrap_or_default();
                let palette_of = |i: usize| self.baseline_palette(i);
                TileMeshes::of(mesh_tile(
                    &self.model.buildings,
                    cell,
                    center,
                    members,
                    &far,
                    &palette_of,
                ))
            }
            TileKey::Added(cell) => {
                let size = self.config.tile_size;
                let center = [
                    (f64::from(cell.0) + 0.5) * size,
                    (f64::from(cell.1) + 0.5) * size,
                ];
                let far = far_levels(self.config.simple_beyond, size);
                let proposal = themed_palette(self.proposal);
                TileMeshes::of(mesh_tile(&self.added, cell, center, members, &far, &|_| {
                    proposal
                }))
            }
        }
    }

    /// A baseline building's colours in a scenario: its restyle colour, else the theme's,
    /// else the neutral ones.
    fn baseline_palette(&self, i: usize) -> Palette {
        match (self.applied.restyled.get(&i), &self.theme) {
            (Some(c), _) => themed_palette(*c),
            (None, Some(t)) => themed_palette(t.color(&self.model.buildings[i])),
            (None, None) => self.neutral,
        }
    }
}

/// Swaps the meshed tiles in: tiles no longer wanted or meshed again go, the new ones come in;
/// the baseline tiles the scenario replaces move to the baseline side, those it no longer
/// replaces back to both sides.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn show(
    mut commands: Commands,
    mut drawing: ResMut<ScenarioDrawing>,
    mut scenarios: ResMut<Scenarios>,
    mut meshes: ResMut<Assets<Mesh>>,
    materials: Res<BuildingMaterials>,
    root: Single<Entity, With<ScenarioRoot>>,
    mut scenario_tiles: Query<&mut BuildingTile, With<ScenarioTile>>,
    baseline: Query<(Entity, &BuildingTile), Without<ScenarioTile>>,
    far: Query<(Entity, &FarTile), Without<ScenarioTile>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let Some(m) = drawing.rx.try_iter().last() else {
        return;
    };
    drawing.in_flight = false;
    let meshed: HashSet<TileKey> = m.tiles.iter().map(|(k, _)| *k).collect();
    // Tiles no longer wanted, or meshed again.
    let gone: Vec<TileKey> = drawing
        .drawn
        .keys()
        .filter(|k| !m.plan.contains_key(k) || meshed.contains(k))
        .copied()
        .collect();
    for k in &gone {
        if let Some((_, e)) = drawing.drawn.remove(k) {
            commands.entity(e).despawn();
        }
    }
    for (key, t) in m.tiles {
        let fingerprint = m.plan[&key].fingerprint;
        let e = super::spawn_tile(&mut commands, &mut meshes, &materials, *root, t, true);
        drawing.drawn.insert(key, (fingerprint, e));
    }
    // Tiles kept: their members may be numbered anew (an added building deleted before them).
    for (key, planned) in &m.plan {
        if meshed.contains(key) {
            continue;
        }
        if let Some((_, e)) = drawing.drawn.get(key)
            && let Ok(mut tile) = scenario_tiles.get_mut(*e)
            && tile.buildings != planned.members
        {
            tile.buildings.clone_from(&planned.members);
        }
    }
    // Which baseline cells show on the baseline side only.
    let cells: HashSet<(i32, i32)> = m
        .plan
        .keys()
        .filter_map(|k| match k {
            TileKey::Baseline(c) => Some(*c),
            TileKey::Added(_) => None,
        })
        .collect();
    let mut side = |cells: &HashSet<(i32, i32)>, layers: Option<RenderLayers>| {
        for (e, t) in &baseline {
            if cells.contains(&t.cell) {
                set_layers(&mut commands, e, layers.clone());
            }
        }
        for (e, t) in &far {
            if cells.contains(&t.cell) {
                set_layers(&mut commands, e, layers.clone());
            }
        }
    };
    let back: HashSet<(i32, i32)> = drawing.cells.difference(&cells).copied().collect();
    let moved: HashSet<(i32, i32)> = cells.difference(&drawing.cells).copied().collect();
    side(&back, None);
    side(&moved, Some(RenderLayers::layer(BASELINE_ONLY)));
    let took = drawing.asked_at.elapsed().as_secs_f64();
    if drawing.asked.is_some() {
        info!(
            "scenario drawn: {} tiles meshed again ({} of the baseline), {} kept, in {:.0} ms",
            meshed.len(),
            meshed
                .iter()
                .filter(|k| matches!(k, TileKey::Baseline(_)))
                .count(),
            m.plan.len() - meshed.len(),
            took * 1000.0
        );
        scenarios.last_switch_s = Some(took);
    }
    drawing.cells = cells;
    scenarios.busy = false;
    redraw.write(RequestRedraw);
}

fn set_layers(commands: &mut Commands, e: Entity, layers: Option<RenderLayers>) {
    match layers {
        Some(l) => {
            commands.entity(e).insert(l);
        }
        None => {
            commands.entity(e).remove::<RenderLayers>();
        }
    }
}
