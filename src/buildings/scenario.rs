//! The active scenario's buildings. Only the baseline tiles it changes (a building removed or
//! restyled) are meshed again, without its removed buildings and in its colours; they and the
//! tiles of its added buildings (in the proposal colour) are drawn on the scenario side
//! ([`SCENARIO_ONLY`]), the baseline tiles they replace on the baseline side
//! ([`BASELINE_ONLY`]). Everything else is shared. Meshing runs off the main thread.

use super::style::themed_palette;
use super::{BuildingMaterials, BuildingTile, FarTile, TileMeshes, palette};
use crate::city::CityModel;
use crate::city::style::Theme;
use crate::city::tiles::{FarSpec, build_configured, mesh_tile};
use crate::config::parse_hex_color;
use crate::geometry::extrude::Palette;
use crate::scenario::Applied;
use crate::scene::scenarios::BASELINE_ONLY;
use crate::scene::{BuildingStyle, CityState, LayerMember, Scenarios, SceneSet, Settings, Workers};
use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use crossbeam_channel::{Receiver, Sender};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

/// A tile (or a tile's simpler mesh) of the active scenario.
#[derive(Component, Debug)]
pub struct ScenarioTile;

/// The parent of the active scenario's tiles.
#[derive(Component, Debug)]
pub struct ScenarioRoot;

/// What is drawn: the scenario, as placed, and the theme it was coloured in.
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

struct Meshed {
    drawn: Drawn,
    /// Baseline cells the scenario changes.
    cells: HashSet<(i32, i32)>,
    tiles: Vec<TileMeshes>,
}

#[derive(Resource)]
struct ScenarioDrawing {
    tx: Sender<Meshed>,
    rx: Receiver<Meshed>,
    /// Drawn now (its tiles in the scene).
    drawn: Option<Drawn>,
    /// Asked for and being meshed.
    wanted: Option<Drawn>,
    /// Baseline cells moved to the baseline side.
    cells: HashSet<(i32, i32)>,
    asked_at: Instant,
}

pub(super) fn build(app: &mut App) {
    let (tx, rx) = crossbeam_channel::unbounded();
    app.insert_resource(ScenarioDrawing {
        tx,
        rx,
        drawn: None,
        wanted: None,
        cells: HashSet::new(),
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

/// Starts meshing when the scenario to draw changes.
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
    if style.busy {
        return;
    }
    let want = wanted(&scenarios, &style);
    if want == drawing.wanted {
        return;
    }
    drawing.wanted = want.clone();
    drawing.asked_at = Instant::now();
    let Some(want) = want else {
        scenarios.busy = false;
        return;
    };
    scenarios.busy = true;
    let theme = style.theme.clone();
    let neutral = palette(&settings);
    let proposal = parse_hex_color(&settings.buildings.proposal_color).unwrap_or([1.0, 0.4, 0.3]);
    let config = settings.buildings.clone();
    let applied = want.applied.clone();
    // The baseline tiles it changes, as laid out in the scene.
    let changed: HashSet<usize> = applied
        .removed
        .iter()
        .chain(applied.restyled.keys())
        .copied()
        .collect();
    type Layout = ((i32, i32), [f64; 2], Vec<usize>, Vec<FarSpec>);
    let layout: Vec<Layout> = tiles
        .iter()
        .filter(|t| t.buildings.iter().any(|i| changed.contains(i)))
        .map(|t| {
            let far = t.far_specs(config.simple_beyond);
            let members = t
                .buildings
                .iter()
                .copied()
                .filter(|i| !applied.is_removed(*i))
                .collect();
            (t.cell, t.center, members, far)
        })
        .collect();
    let tx = drawing.tx.clone();
    let work = move || {
        let mut out = Meshed {
            drawn: want,
            cells: layout.iter().map(|l| l.0).collect(),
            tiles: Vec::new(),
        };
        let palette_of = |i: usize| baseline_palette(&model, &applied, theme.as_ref(), neutral, i);
        for (cell, center, members, far) in layout {
            out.tiles.push(TileMeshes::of(mesh_tile(
                &model.buildings,
                cell,
                center,
                members,
                &far,
                &palette_of,
            )));
        }
        let added: Vec<_> = applied.added.iter().map(|p| p.building.clone()).collect();
        let (tiles, _) = build_configured(&added, &config, &themed_palette(proposal));
        out.tiles.extend(tiles.into_iter().map(TileMeshes::of));
        let _ = tx.send(out);
    };
    workers.run("scenario-meshes", work);
}

/// A baseline building's colours in a scenario: its restyle colour, else the theme's, else
/// the neutral ones.
fn baseline_palette(
    model: &CityModel,
    applied: &Applied,
    theme: Option<&Theme>,
    neutral: Palette,
    i: usize,
) -> Palette {
    match (applied.restyled.get(&i), theme) {
        (Some(c), _) => themed_palette(*c),
        (None, Some(t)) => themed_palette(t.color(&model.buildings[i])),
        (None, None) => neutral,
    }
}

/// Swaps the scenario drawn: the old one's tiles go, the changed baseline tiles move back to
/// both sides; the new one's tiles come in and the baseline tiles they replace move to the
/// baseline side. Leaving the scenario needs no meshing.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn show(
    mut commands: Commands,
    mut drawing: ResMut<ScenarioDrawing>,
    mut scenarios: ResMut<Scenarios>,
    mut meshes: ResMut<Assets<Mesh>>,
    materials: Res<BuildingMaterials>,
    root: Single<Entity, With<ScenarioRoot>>,
    old: Query<Entity, (With<ScenarioTile>, With<BuildingTile>)>,
    baseline: Query<(Entity, &BuildingTile), Without<ScenarioTile>>,
    far: Query<(Entity, &FarTile), Without<ScenarioTile>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let mut arrived = None;
    for m in drawing.rx.try_iter() {
        if Some(&m.drawn) == drawing.wanted.as_ref() {
            arrived = Some(m);
        }
    }
    let leaving = drawing.wanted.is_none() && drawing.drawn.is_some();
    if arrived.is_none() && !leaving {
        return;
    }
    // Back to the baseline everywhere.
    for e in &old {
        commands.entity(e).despawn();
    }
    let restore = std::mem::take(&mut drawing.cells);
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
    side(&restore, None);
    drawing.drawn = None;
    if let Some(m) = arrived {
        side(&m.cells, Some(RenderLayers::layer(BASELINE_ONLY)));
        for t in m.tiles {
            super::spawn_tile(&mut commands, &mut meshes, &materials, *root, t, true);
        }
        let took = drawing.asked_at.elapsed().as_secs_f64();
        info!(
            "scenario drawn: {} baseline tiles meshed again, in {:.0} ms",
            m.cells.len(),
            took * 1000.0
        );
        scenarios.last_switch_s = Some(took);
        drawing.cells = m.cells;
        drawing.drawn = Some(m.drawn);
    }
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
