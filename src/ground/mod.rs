//! The ground under the buildings: a plane that receives shadows, and the base map on it
//! (streets, water, parks, … from [`crate::basemap`]), read and meshed off the main thread
//! once the city's place is known and brought into the scene a few tiles a frame. Each class
//! of ground is a layer of its own; the credits go to [`GroundState`].

mod load;
mod map_tiles;
mod terrain;

use crate::basemap::GroundClass;
use crate::basemap::sources;
use crate::language::Localized;
use crate::scene::mesh::to_mesh_if_any;
use crate::scene::{
    self, CityState, GroundState, GroundStatus, LayerMember, Layers, MainCamera, SceneSet,
    Settings, TerrainState, Workers, color,
};
use crate::worker::Stage;
use bevy::light::NotShadowCaster;
use bevy::prelude::*;
use crossbeam_channel::{Receiver, TryRecvError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// Radius of the ground plane (m); it travels with the camera so its edge, hidden in the
/// haze, stays level with the horizon.
const PLANE_RADIUS: f32 = 100_000.0;

/// Ground tiles brought into the scene in one frame, at most.
const TILES_PER_FRAME: usize = 64;

/// Marks the ground plane.
#[derive(Component, Debug)]
pub struct GroundPlane;

/// A tile of the base map: the class it draws.
#[derive(Component, Debug)]
pub struct GroundTileOf(pub GroundClass);

/// The ground plane and the base map.
pub struct GroundPlugin;

impl Plugin for GroundPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.add_systems(
            Startup,
            (setup, terrain::expect, map_tiles::expect.after(setup)),
        )
        .add_systems(
            Update,
            (
                (
                    start_when_placed,
                    take_tiles,
                    terrain::start_when_placed,
                    terrain::take,
                    map_tiles::start_when_placed,
                    map_tiles::take,
                )
                    .chain()
                    .in_set(SceneSet::Load),
                (follow_camera, terrain::show_tiles, map_tiles::look).in_set(SceneSet::Show),
            ),
        );
    }
}

/// One material per class, in the configured colour, each drawn a little in front of the
/// class below it.
#[derive(Resource)]
struct ClassMaterials(BTreeMap<GroundClass, Handle<StandardMaterial>>);

/// The loader's channel while it works.
#[derive(Resource)]
struct Loading {
    rx: Receiver<load::Message>,
    started: Instant,
}

/// The layer of a class: its id and its name's message.
fn layer_of(class: GroundClass) -> (&'static str, &'static str) {
    match class {
        GroundClass::Landuse => ("ground-landuse", "layer-landuse"),
        GroundClass::Park => ("ground-parks", "layer-parks"),
        GroundClass::Water => ("ground-water", "layer-water"),
        GroundClass::Square => ("ground-squares", "layer-squares"),
        GroundClass::Railway => ("ground-railways", "layer-railways"),
        GroundClass::Path => ("ground-paths", "layer-paths"),
        GroundClass::Street => ("ground-streets", "layer-streets"),
    }
}

fn setup(
    mut commands: Commands,
    settings: Res<Settings>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut layers: ResMut<Layers>,
    mut state: ResMut<GroundState>,
) {
    layers.register("ground", Localized::from_catalogue("layer-ground"));
    commands.spawn((
        GroundPlane,
        LayerMember::of("ground"),
        Mesh3d(meshes.add(Circle::new(PLANE_RADIUS).mesh().resolution(256))),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: color(&settings.scene.ground_color),
            perceptual_roughness: 1.0,
            reflectance: 0.1,
            ..default()
        })),
        // The circle mesh faces +z; lay it flat, facing up.
        Transform::from_rotation(Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2)),
        NotShadowCaster,
        Name::new("Ground"),
    ));
    let by_class = GroundClass::ALL
        .into_iter()
        .map(|class| {
            let material = StandardMaterial {
                base_color: color(settings.ground.color_of(class.key())),
                perceptual_roughness: if class == GroundClass::Water {
                    0.35
                } else {
                    1.0
                },
                reflectance: if class == GroundClass::Water {
                    0.4
                } else {
                    0.1
                },
                depth_bias: (class.order() + 1) as f32 * 4.0 + terrain_bias(&settings),
                ..default()
            };
            (class, materials.add(material))
        })
        .collect();
    commands.insert_resource(ClassMaterials(by_class));
    if !sources::configured(&settings).is_empty() {
        state.status = GroundStatus::Loading;
    }
}

/// The depth bias of what lies on the terrain (the base map, map tiles): the terrain's
/// coarser levels depart from its grid by up to 2 pixels, so the ground draped on the grid
/// would show the terrain through it in spots. A constant depth bias on a floating-point
/// depth buffer moves a surface towards the eye in proportion to its distance: 20,000 is
/// about 0.2–0.5 % of it, 1–2 pixels, which is all it may hide of a building's foot.
fn terrain_bias(settings: &Settings) -> f32 {
    if settings.terrain.file.is_empty() {
        0.0
    } else {
        20_000.0
    }
}

/// Once the city's origin is known (and whenever it moves), reads and meshes the base map
/// for it on a worker thread; the tiles of an earlier place go.
#[allow(clippy::too_many_arguments)]
fn start_when_placed(
    mut commands: Commands,
    city: Res<CityState>,
    settings: Res<Settings>,
    mut workers: ResMut<Workers>,
    mut state: ResMut<GroundState>,
    terrain: Res<TerrainState>,
    tiles: Query<Entity, With<GroundTileOf>>,
    mut placed_at: Local<Option<(f64, f64, String, usize)>>,
) {
    let Some(model) = &city.model else {
        return;
    };
    // On a terrain, the ground is laid on it: it waits for the terrain (or its failure).
    if terrain.status == GroundStatus::Loading {
        return;
    }
    let grid = terrain.grid.clone();
    let grid_key = grid.as_ref().map_or(0, |g| Arc::as_ptr(g) as usize);
    let here = (
        model.origin.lon,
        model.origin.lat,
        model.crs.clone(),
        grid_key,
    );
    if placed_at.as_ref() == Some(&here) {
        return;
    }
    *placed_at = Some(here);
    let sources = sources::configured(&settings);
    if sources.is_empty() {
        return;
    }
    for t in &tiles {
        commands.entity(t).despawn();
    }
    *state = GroundState {
        status: GroundStatus::Loading,
        ..GroundState::default()
    };
    let (rx, worker) = load::spawn(
        sources,
        model.origin,
        model.crs.clone(),
        settings.ground.tile_size,
        grid,
        workers.waker_fn(),
    );
    match worker {
        Ok(w) => workers.add("ground", Stage::Reader, w),
        Err(e) => {
            error!("cannot start reading the ground: {e}");
            state.status = GroundStatus::None;
            return;
        }
    }
    commands.insert_resource(Loading {
        rx,
        started: Instant::now(),
    });
}

/// Brings what the loader sent into the scene: the summary at once, tiles a few a frame.
fn take_tiles(
    mut commands: Commands,
    loading: Option<Res<Loading>>,
    materials: Res<ClassMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut layers: ResMut<Layers>,
    mut state: ResMut<GroundState>,
) {
    let Some(loading) = loading else {
        return;
    };
    let mut spawned = 0;
    while spawned < TILES_PER_FRAME {
        match loading.rx.try_recv() {
            Ok(load::Message::Summary(summary)) => {
                // Under "Ground", the top class first (each goes right after "Ground").
                for class in GroundClass::ALL {
                    if let Some(n) = summary.drawn.get(class.key()) {
                        let (id, message) = layer_of(class);
                        layers
                            .register_after("ground", id, Localized::from_catalogue(message))
                            .count = Some(*n);
                    }
                }
                state.drawn = summary
                    .drawn
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), *v))
                    .collect();
                state.skipped = summary.skipped;
                state.problems = summary.problems;
                state.attributions = summary.attributions;
                state.streets = Arc::new(summary.streets);
            }
            Ok(load::Message::Tile(tile)) => {
                spawned += 1;
                let triangles = tile.mesh.triangle_count();
                let Some(mesh) = to_mesh_if_any(tile.mesh) else {
                    continue;
                };
                let (layer, _) = layer_of(tile.class);
                commands.spawn((
                    GroundTileOf(tile.class),
                    LayerMember::of(layer),
                    Mesh3d(meshes.add(mesh)),
                    MeshMaterial3d(materials.0[&tile.class].clone()),
                    Transform::from_xyz(tile.center[0] as f32, 0.0, -tile.center[1] as f32),
                    NotShadowCaster,
                ));
                state.tiles += 1;
                state.triangles += triangles;
            }
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => {
                state.status = GroundStatus::Ready;
                state.ready_after = Some(loading.started.elapsed());
                info!(
                    "ground: {} tiles, {} triangles, {:?} by class, in {:.2} s",
                    state.tiles,
                    state.triangles,
                    state.drawn,
                    loading.started.elapsed().as_secs_f64()
                );
                commands.remove_resource::<Loading>();
                return;
            }
        }
    }
}

/// The ground plane stays centred under the camera (and under the terrain).
fn follow_camera(
    camera: Single<&Transform, (With<MainCamera>, Without<GroundPlane>)>,
    mut plane: Query<&mut Transform, With<GroundPlane>>,
    terrain: Res<crate::scene::TerrainState>,
) {
    let p = camera.translation;
    // Under a terrain, just below its lowest point.
    let y = terrain.grid.as_ref().map_or(0.0, |g| g.min_m - 0.5);
    let wanted = Vec3::new(p.x, y, p.z);
    for mut t in &mut plane {
        if t.translation != wanted {
            t.translation = wanted;
        }
    }
}
