//! Loading by viewport in the scene ([`crate::city::stream`]): the loader thread goes on as
//! the streamer, fed with the point the camera looks at; each [`StreamedCity`] it sends is
//! applied in one frame: tiles of dropped cells despawned, new ones spawned, every tile's
//! building indices and the selection moved to the new model.

use super::loader::{LoaderMessage, LoaderTx};
use super::{BuildingMaterials, BuildingTile, BuildingsRoot, TileMeshes, spawn_tile};
use crate::cancel::Cancel;
use crate::city::stream::{Cell, Streamer};
use crate::city::{CityModel, Progress, tiles::TileStats};
use crate::geometry::extrude::Palette;
use crate::scene::{CityState, Layers, OrbitCamera, SelectBuilding, Selection};
use crate::worker::Worker;
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A change of the buildings loaded by viewport, ready for the scene.
pub(crate) struct StreamedCity {
    model: CityModel,
    added: Vec<TileMeshes>,
    removed: Vec<Cell>,
    members: Vec<(Cell, Vec<usize>)>,
    error: Option<String>,
}

/// Loading by viewport is on: where to send the camera's target, where changes come from.
#[derive(Resource)]
pub struct Streaming {
    view: Sender<[f64; 2]>,
    updates: Receiver<StreamedCity>,
    last_sent: Option<[f64; 2]>,
    /// Triangles of each cell loaded.
    pub(crate) triangles: HashMap<Cell, usize>,
    /// The load radius (m).
    pub(crate) radius_m: f64,
}

/// How long a cell that failed waits before it is asked for again.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// How long the streamer loads cells before it shows what it has.
const UPDATE_EVERY: Duration = Duration::from_millis(400);

/// The camera moves at least this far (m) before the streamer hears of it.
const MOVE_STEP: f64 = 50.0;

fn triangles_of(t: &TileMeshes) -> usize {
    super::triangle_count(t.near.as_ref())
}

fn to_scene(streamer: &mut Streamer, palette: &Palette, error: Option<String>) -> StreamedCity {
    let update = streamer.update(palette);
    StreamedCity {
        model: update.model,
        added: update.added.into_iter().map(TileMeshes::of).collect(),
        removed: update.removed,
        members: update.members,
        error,
    }
}

/// How long the streamer waits for the camera between two looks at its cancel flag.
const IDLE_WAIT: Duration = Duration::from_millis(200);

/// Runs on the loader thread: loads the cells around the origin (the first view), reports
/// them like a whole city, then follows the views sent until the viewer lets go or `cancel`
/// is set. `heartbeat` (the loader's) stops once the first buildings are in: from then on
/// the streamer wakes the window only with news.
pub(crate) fn run(
    mut streamer: Streamer,
    palette: Palette,
    tx: &LoaderTx,
    heartbeat: Option<Worker>,
    cancel: &Cancel,
) {
    let mut target = [0.0, 0.0];
    let first = streamer.grid().wanted(target);
    let total = first.len();
    let mut error = None;
    // One query per cell: a query per area would page through the broker's answer with
    // offsets, which costs brokers more than small answers.
    for (done, cell) in first.into_iter().enumerate() {
        let _ = tx.send(LoaderMessage::Progress(Progress {
            stage: "loading the buildings around the view",
            done,
            total,
        }));
        if cancel.is_cancelled() {
            return;
        }
        if let Err(e) = streamer.load(cell) {
            if cancel.is_cancelled() {
                return;
            }
            let _ = tx.send(LoaderMessage::Failed(format!(
                "cannot load the buildings around the view: {e}"
            )));
            return;
        }
    }
    let (view_tx, view_rx) = crossbeam_channel::unbounded();
    let (update_tx, update_rx) = crossbeam_channel::unbounded();
    let first = to_scene(&mut streamer, &palette, None);
    let triangles: HashMap<Cell, usize> = first
        .added
        .iter()
        .map(|t| (t.tile.cell, triangles_of(t)))
        .collect();
    let stats = TileStats {
        tiles: first.added.len(),
        triangles: triangles.values().sum(),
        ..TileStats::default()
    };
    let _ = tx.send(LoaderMessage::Streaming(Streaming {
        view: view_tx,
        updates: update_rx,
        last_sent: None,
        triangles,
        radius_m: streamer.grid().radius,
    }));
    let _ = tx.send(LoaderMessage::Done(
        Box::new(first.model),
        first.added,
        stats,
        None,
    ));
    drop(heartbeat);
    let mut failed: HashMap<Cell, Instant> = HashMap::new();
    while !cancel.is_cancelled() {
        // The cells around the target not loaded (and not failed lately), nearest first.
        let missing = |s: &Streamer, failed: &HashMap<Cell, Instant>, t: [f64; 2]| {
            let loaded: HashSet<&Cell> = s.loaded().collect();
            s.grid()
                .wanted(t)
                .into_iter()
                .filter(|c| {
                    !loaded.contains(c) && failed.get(c).is_none_or(|at| at.elapsed() > RETRY_AFTER)
                })
                .collect::<Vec<Cell>>()
        };
        let wait = if missing(&streamer, &failed, target).is_empty() {
            IDLE_WAIT
        } else {
            Duration::ZERO
        };
        match view_rx.recv_timeout(wait) {
            Ok(t) => target = view_rx.try_iter().last().unwrap_or(t),
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        let mut changed = streamer.drop_far(target) > 0;
        let started = Instant::now();
        for cell in missing(&streamer, &failed, target) {
            if cancel.is_cancelled() {
                return;
            }
            changed = true;
            match streamer.load(cell) {
                Ok(_) => {
                    failed.remove(&cell);
                }
                Err(e) => {
                    warn!("cannot load the buildings of cell {cell:?}: {e}");
                    failed.insert(cell, Instant::now());
                    error = Some(e.to_string());
                }
            }
            // Show what came, and follow the camera if it moved on.
            if started.elapsed() > UPDATE_EVERY || !view_rx.is_empty() {
                break;
            }
        }
        if changed {
            if update_tx
                .send(to_scene(&mut streamer, &palette, error.take()))
                .is_err()
            {
                return;
            }
            tx.wake();
        }
    }
}

/// Tells the streamer where the camera looks, when it has moved far enough.
pub(super) fn follow_view(mut streaming: Option<ResMut<Streaming>>, camera: Query<&OrbitCamera>) {
    let (Some(streaming), Ok(orbit)) = (streaming.as_mut(), camera.single()) else {
        return;
    };
    let f = orbit.target.focus;
    let at = [f64::from(f.x), -f64::from(f.z)];
    let moved = streaming
        .last_sent
        .is_none_or(|p| (p[0] - at[0]).hypot(p[1] - at[1]) >= MOVE_STEP);
    if moved && streaming.view.send(at).is_ok() {
        streaming.last_sent = Some(at);
    }
}

/// Applies what the streamer sent.
#[allow(clippy::too_many_arguments)]
pub(super) fn apply(
    mut commands: Commands,
    streaming: Option<ResMut<Streaming>>,
    mut state: ResMut<CityState>,
    mut tiles: Query<(Entity, &mut BuildingTile)>,
    mut selection: ResMut<Selection>,
    mut select: MessageWriter<SelectBuilding>,
    mut meshes: ResMut<Assets<Mesh>>,
    materials: Res<BuildingMaterials>,
    root: Single<Entity, With<BuildingsRoot>>,
    mut redraw: MessageWriter<RequestRedraw>,
    mut layers: ResMut<Layers>,
) {
    let Some(mut streaming) = streaming else {
        return;
    };
    let updates: Vec<StreamedCity> = streaming.updates.try_iter().collect();
    if updates.is_empty() {
        return;
    }
    let selected_id = selection
        .building
        .and_then(|i| state.model.as_ref()?.buildings.get(i))
        .map(|b| b.id.clone());
    let mut members: HashMap<Cell, Vec<usize>> = HashMap::new();
    let mut removed: HashSet<Cell> = HashSet::new();
    let mut added = Vec::new();
    let mut model = None;
    for u in updates {
        for c in &u.removed {
            removed.insert(*c);
            added.retain(|t: &TileMeshes| t.tile.cell != *c);
        }
        let loaded_any = !u.added.is_empty();
        for t in u.added {
            removed.remove(&t.tile.cell);
            added.retain(|a: &TileMeshes| a.tile.cell != t.tile.cell);
            added.push(t);
        }
        members = u.members.into_iter().collect();
        if let Some(v) = state.viewport.as_mut() {
            // Kept until a later update loads cells without failing.
            if u.error.is_some() || loaded_any {
                v.last_error = u.error;
            }
        }
        model = Some(u.model);
    }
    let Some(model) = model else { return };
    let fresh: HashSet<Cell> = added.iter().map(|t| t.tile.cell).collect();
    for (e, mut tile) in &mut tiles {
        if removed.contains(&tile.cell) || fresh.contains(&tile.cell) {
            commands.entity(e).despawn();
        } else if let Some(m) = members.get(&tile.cell) {
            tile.buildings = m.clone();
        }
    }
    for c in &removed {
        streaming.triangles.remove(c);
    }
    for mut t in added {
        streaming.triangles.insert(t.tile.cell, triangles_of(&t));
        if let Some(m) = members.get(&t.tile.cell) {
            t.tile.buildings = m.clone();
        }
        spawn_tile(&mut commands, &mut meshes, &materials, *root, t, false);
    }
    if let Some(v) = state.viewport.as_mut() {
        v.cells = members.len();
    }
    state.triangles = streaming.triangles.values().sum();
    // The selection follows its building to its new index, or ends when it was unloaded.
    let now = selected_id.and_then(|id| model.buildings.iter().position(|b| b.id == id));
    match (selection.building, now) {
        (Some(_), Some(i)) => selection.building = Some(i),
        (Some(_), None) => {
            select.write(SelectBuilding(None));
        }
        _ => {}
    }
    if let Some(layer) = layers.get_mut("buildings") {
        layer.count = Some(model.buildings.len());
    }
    state.tiles_total = members.len();
    state.tiles_spawned = members.len();
    state.model = Some(Arc::new(model));
    redraw.write(RequestRedraw);
}
