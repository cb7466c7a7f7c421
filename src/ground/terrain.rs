//! The terrain in the scene (`[terrain] file`): the DEM read and resampled off the main
//! thread once the city's place is known ([`crate::terrain`]), then each frame the quadtree's
//! tiles chosen by their error on the screen, fine near the camera and coarse far away, the
//! missing ones built a few a frame; the tiles they replace go once all are in, so no hole
//! opens while the camera moves. The heights go to [`TerrainState`] for the other plugins.

use crate::language::Localized;
use crate::scene::{
    CameraLook, CityState, GroundStatus, LayerMember, Layers, MainCamera, ScenePlace, Settings,
    TerrainState, Workers, color,
};
use crate::terrain::mesh::Quadtree;
use crate::terrain::{self, HeightGrid};
use crate::worker::{Stage, Worker};
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use crossbeam_channel::{Receiver, TryRecvError, bounded};
use std::collections::HashMap;
use std::sync::Arc;

/// The most a tile's geometric error may cover on the screen (pixels) before its children
/// are drawn instead.
const MAX_ERROR_PX: f64 = 2.0;
/// Tiles built and brought into the scene in one frame, at most.
const BUILDS_PER_FRAME: usize = 8;

/// Marks a tile of the terrain in the scene.
#[derive(Component, Debug)]
pub struct TerrainPart;

/// The reader's answer.
type Read = Result<(Arc<HeightGrid>, Quadtree), String>;

/// The reader's channel while it works.
#[derive(Resource)]
pub(super) struct Reading(Receiver<Read>);

/// The terrain's quadtree and the tiles in the scene.
#[derive(Resource)]
pub(super) struct Tiles {
    grid: Arc<HeightGrid>,
    tree: Quadtree,
    shown: HashMap<usize, Entity>,
    material: Handle<StandardMaterial>,
}

/// With a terrain configured, the scene is not complete until it is in.
pub(super) fn expect(settings: Res<Settings>, mut state: ResMut<TerrainState>) {
    if !settings.terrain.file.is_empty() {
        state.status = GroundStatus::Loading;
    }
}

/// Once the city's origin is known, reads the configured DEM for it on a worker thread.
pub(super) fn start_when_placed(
    mut commands: Commands,
    city: Res<CityState>,
    settings: Res<Settings>,
    mut workers: ResMut<Workers>,
    mut state: ResMut<TerrainState>,
    mut placed_at: Local<Option<ScenePlace>>,
) {
    if settings.terrain.file.is_empty() {
        return;
    }
    let Some(model) = city.placed_anew(&mut placed_at) else {
        return;
    };
    let config = settings.0.clone();
    let (origin, scene_crs) = (model.origin, model.crs.clone());
    let waker = workers.waker_fn();
    let (tx, rx) = bounded(1);
    let worker = Worker::spawn("terrain", move |_cancel| {
        let _ = tx.send(read(&config, origin, &scene_crs));
        if let Some(w) = &waker {
            w();
        }
    });
    match worker {
        Ok(w) => workers.add("terrain", Stage::Reader, w),
        Err(e) => {
            error!("cannot start reading the terrain: {e}");
            return;
        }
    }
    *state = TerrainState {
        status: GroundStatus::Loading,
        ..TerrainState::default()
    };
    commands.insert_resource(Reading(rx));
}

/// Reads the DEM and places it around the city.
fn read(config: &crate::config::Config, origin: crate::georef::LonLat, scene_crs: &str) -> Read {
    let started = std::time::Instant::now();
    let grid = terrain::configured(config, origin, scene_crs).ok_or("no terrain configured")??;
    let tree = Quadtree::new(&grid);
    info!(
        "terrain: {} × {} nodes of {:.1} m, {} tiles, {:.1}–{:.1} m, in {:.2} s",
        grid.cols,
        grid.rows,
        grid.spacing,
        tree.tiles.len(),
        grid.min_m,
        grid.max_m,
        started.elapsed().as_secs_f64()
    );
    Ok((grid, tree))
}

/// Takes the reader's answer: the heights to the scene, the quadtree to the tiles.
pub(super) fn take(
    mut commands: Commands,
    reading: Option<Res<Reading>>,
    settings: Res<Settings>,
    mut state: ResMut<TerrainState>,
    mut layers: ResMut<Layers>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    old: Query<Entity, With<TerrainPart>>,
) {
    let Some(reading) = reading else {
        return;
    };
    let answer = match reading.0.try_recv() {
        Ok(a) => a,
        Err(TryRecvError::Empty) => return,
        Err(TryRecvError::Disconnected) => Err("terrain: the reader stopped".to_owned()),
    };
    commands.remove_resource::<Reading>();
    for e in &old {
        commands.entity(e).despawn();
    }
    match answer {
        Ok((grid, tree)) => {
            state.grid = Some(grid.clone());
            state.status = GroundStatus::Ready;
            layers.register_after(
                "ground",
                "ground-terrain",
                Localized::from_catalogue("layer-terrain"),
            );
            let material = materials.add(StandardMaterial {
                base_color: color(&settings.scene.ground_color),
                perceptual_roughness: 1.0,
                reflectance: 0.1,
                ..default()
            });
            commands.insert_resource(Tiles {
                grid,
                tree,
                shown: HashMap::new(),
                material,
            });
        }
        Err(problem) => {
            warn!("{problem}");
            state.problem = Some(problem);
            state.status = GroundStatus::None;
        }
    }
}

/// Draws the tiles the main camera needs: those whose error on the screen is small enough,
/// built a few a frame; the tiles they replace go once every one is in.
pub(super) fn show_tiles(
    mut commands: Commands,
    tiles: Option<ResMut<Tiles>>,
    camera: Single<(&GlobalTransform, &Projection, &Camera), With<MainCamera>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut state: ResMut<TerrainState>,
) {
    let Some(mut tiles) = tiles else {
        return;
    };
    let (transform, projection, cam) = *camera;
    let look = CameraLook::of(transform, projection, cam);
    let wanted = tiles
        .tree
        .select(look.eye, look.pixels_per_radian, MAX_ERROR_PX);
    let mut built = 0;
    let mut complete = true;
    for &i in &wanted {
        if tiles.shown.contains_key(&i) {
            continue;
        }
        if built == BUILDS_PER_FRAME {
            complete = false;
            break;
        }
        built += 1;
        let entity = match mesh_of(&tiles, i) {
            Some(mesh) => commands
                .spawn((
                    TerrainPart,
                    LayerMember::of("ground-terrain"),
                    Mesh3d(meshes.add(mesh)),
                    MeshMaterial3d(tiles.material.clone()),
                    Transform::IDENTITY,
                ))
                .id(),
            // Nothing to draw there (no heights): remembered as shown all the same.
            None => commands.spawn(TerrainPart).id(),
        };
        tiles.shown.insert(i, entity);
    }
    if complete && tiles.shown.len() > wanted.len() {
        let keep: std::collections::HashSet<usize> = wanted.iter().copied().collect();
        let gone: Vec<usize> = tiles
            .shown
            .keys()
            .copied()
            .filter(|i| !keep.contains(i))
            .collect();
        for i in gone {
            if let Some(e) = tiles.shown.remove(&i) {
                commands.entity(e).despawn();
            }
        }
    }
    let settled = complete && tiles.shown.len() == wanted.len();
    if state.tiles_drawn != tiles.shown.len() || state.settled != settled {
        state.tiles_drawn = tiles.shown.len();
        state.settled = settled;
    }
}

/// The Bevy mesh of tile `i`, or None when it holds no triangle.
fn mesh_of(tiles: &Tiles, i: usize) -> Option<Mesh> {
    let m = tiles.tree.mesh(&tiles.grid, i);
    if m.indices.is_empty() {
        return None;
    }
    // A gentle tint by height, as relief maps do: the ground's colour a little darker in the
    // lowest places and a little lighter on the heights.
    let (lo, hi) = (tiles.grid.min_m, tiles.grid.max_m);
    let span = (hi - lo).max(1.0);
    let shades: Vec<[f32; 4]> = m
        .positions
        .iter()
        .map(|p| {
            let f = 0.88 + 0.3 * ((p[1] - lo) / span).clamp(0.0, 1.0);
            [f, f, f, 1.0]
        })
        .collect();
    Some(
        Mesh::new(
            PrimitiveTopology::TriangleList,
            RenderAssetUsages::RENDER_WORLD,
        )
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, m.positions)
        .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, m.normals)
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, shades)
        .with_inserted_indices(Indices::U32(m.indices)),
    )
}
