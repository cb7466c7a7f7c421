//! The buildings layer: loads the city off the main thread, spawns its tiles a few per frame,
//! picks the building under a click or tap, and highlights the selected one.
//!
//! Loading runs on a thread of its own (`loader`: reading, parsing, georeferencing,
//! meshing) and reaches the ECS through a channel; [`CityState`] tells the UI how far it has
//! got. `stream` loads a big broker by viewport, `style` colours the buildings by an
//! attribute, `pick` selects them.

mod loader;
mod pick;
mod scenario;
mod stream;
mod style;

use crate::language::Localized;
pub use scenario::{ScenarioRoot, ScenarioTile};
use stream::Streaming;

use crate::city::tiles::Tile;
use crate::geometry::extrude::Palette;
pub use crate::scene::mesh::{VERTEX_COLOR_RGBA8, to_mesh, to_mesh_if_any};
use crate::scene::{
    self, CityState, LayerMember, Layers, LoadStatus, MainCamera, ReloadCity, SceneSet,
    SceneSource, SelectBuilding, Settings, ViewportStatus, Workers, color,
};
use crate::worker::Stage;
use bevy::camera::visibility::{RenderLayers, VisibilityRange};
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy::winit::EventLoopProxyWrapper;
use crossbeam_channel::{Receiver, TryRecvError};
use loader::LoaderMessage;
use std::sync::Arc;
use std::time::Instant;

/// Triangles handed to the renderer per frame at most (at least one tile per frame), so a
/// large city appears progressively instead of stalling one frame.
const TRIANGLES_PER_FRAME: usize = 1_500_000;

/// A tile of buildings in the scene.
#[derive(Component, Debug)]
pub struct BuildingTile {
    /// Grid cell.
    pub cell: (i32, i32),
    /// Indices of its buildings.
    pub buildings: Vec<usize>,
    /// Centre `[east, north]` (scene metres) its meshes are relative to.
    pub center: [f64; 2],
    /// Camera distances from which its simpler meshes ([`FarTile`]) are shown, nearest first.
    pub far_from: Vec<f64>,
}

impl BuildingTile {
    /// How its simpler meshes were made, to mesh the tile again the same way (`simple_beyond`:
    /// `buildings.simple_beyond`).
    pub(crate) fn far_specs(&self, simple_beyond: f64) -> Vec<crate::city::tiles::FarSpec> {
        self.far_from
            .iter()
            .zip(crate::city::tiles::FAR_LEVELS)
            .map(|(from, k)| crate::city::tiles::FarSpec {
                simple_beyond: simple_beyond * k,
                from_distance: *from,
            })
            .collect()
    }
}

/// A tile's simpler mesh for distant views (a child of its [`BuildingTile`]); the camera's
/// distance decides which of a tile's meshes is drawn.
#[derive(Component, Debug)]
pub struct FarTile {
    /// Grid cell of its tile.
    pub cell: (i32, i32),
    /// Which of the tile's simpler meshes (0 = the nearest).
    pub level: usize,
}

/// The parent of all building tiles (the layer's root).
#[derive(Component, Debug)]
pub struct BuildingsRoot;

/// The highlight drawn over the selected building.
#[derive(Component, Debug)]
pub struct SelectionHighlight;

/// A tile with its meshes ready for the GPU: the full one, and those for distant views with
/// the camera distance each takes over from.
pub(crate) struct TileMeshes {
    tile: Tile,
    /// None when the tile draws nothing (never handed to the GPU: Bevy's mesh allocator
    /// allocates nothing for a mesh without vertices, then logs "Use-after-free" when it
    /// copies its data).
    near: Option<Mesh>,
    /// A simpler mesh per level, None where every building of the tile is too small to show
    /// from that far.
    far: Vec<(Option<Mesh>, f32)>,
}

impl TileMeshes {
    /// Turns a tile's buffers into meshes (off the main thread).
    pub(crate) fn of(mut tile: Tile) -> Self {
        let near = to_mesh_if_any(std::mem::take(&mut tile.mesh));
        let far = std::mem::take(&mut tile.far)
            .into_iter()
            .map(|f| (to_mesh_if_any(f.mesh), f.from_distance as f32))
            .collect();
        Self { tile, near, far }
    }
}

#[derive(Resource)]
struct BuildingMaterials {
    tiles: Handle<StandardMaterial>,
    selected: Handle<StandardMaterial>,
}

/// Loads, shows and picks buildings.
pub struct BuildingsPlugin;

impl Plugin for BuildingsPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.init_resource::<PendingTiles>()
            .add_systems(Startup, start_loading)
            .add_systems(
                Update,
                (
                    (
                        reload,
                        receive,
                        spawn_tiles,
                        bring_near_meshes,
                        stream::follow_view,
                        stream::apply.run_if(|s: Res<CityState>| s.is_ready()),
                        pick::select_initial,
                    )
                        .chain()
                        .in_set(SceneSet::Load),
                    pick::pick.in_set(SceneSet::Pick),
                    pick::apply_selection.in_set(SceneSet::Select),
                ),
            );
        style::build(app);
        scenario::build(app);
    }
}

fn triangle_count(mesh: Option<&Mesh>) -> usize {
    mesh.and_then(Mesh::indices).map_or(0, |i| i.len() / 3)
}

/// The neutral wall and roof colours of the configuration, linear, for vertex colours.
pub(crate) fn palette(settings: &Settings) -> Palette {
    let lin = |hex: &str| {
        let c = color(hex).to_linear();
        [c.red, c.green, c.blue, 1.0]
    };
    Palette {
        wall: lin(&settings.buildings.wall_color),
        roof: lin(&settings.buildings.roof_color),
    }
}

fn start_loading(
    mut commands: Commands,
    settings: Res<Settings>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut layers: ResMut<Layers>,
    mut workers: ResMut<Workers>,
    waker: Option<Res<EventLoopProxyWrapper>>,
) {
    layers.register("buildings", Localized::from_catalogue("layer-buildings"));
    commands.spawn((
        BuildingsRoot,
        LayerMember::of("buildings"),
        Transform::default(),
        Visibility::default(),
        Name::new("Buildings"),
    ));
    commands.insert_resource(BuildingMaterials {
        // Vertex colours carry the wall/roof colours; the material is white.
        tiles: materials.add(StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: 0.85,
            reflectance: 0.3,
            ..default()
        }),
        selected: materials.add(StandardMaterial {
            base_color: color(&settings.buildings.selected_color),
            emissive: color(&settings.buildings.selected_color).to_linear() * 0.35,
            perceptual_roughness: 0.7,
            depth_bias: 50.0,
            ..default()
        }),
    });
    start_loader(
        &mut commands,
        &mut workers,
        &settings,
        None,
        waker.as_deref(),
    );
}

/// Tiles received and not yet in the scene (spawned a few per frame).
#[derive(Resource, Default)]
struct PendingTiles(Vec<TileMeshes>);

/// The loader's channel, while it loads (it goes on as the streamer after).
#[derive(Resource)]
struct Loader(Receiver<LoaderMessage>);

/// Starts the loader thread (see [`loader`]), owned by the scene's workers; with `source`
/// given (a reload) it reads that instead of resolving the configured one.
fn start_loader(
    commands: &mut Commands,
    workers: &mut Workers,
    settings: &Settings,
    source: Option<crate::source::Source>,
    waker: Option<&EventLoopProxyWrapper>,
) {
    let (rx, worker) = loader::spawn(
        settings.0.clone(),
        palette(settings),
        source,
        waker.map(|w| (**w).clone()),
    );
    if let Some(w) = worker {
        workers.add("loader", Stage::Reader, w);
    }
    commands.insert_resource(Loader(rx));
}

/// Spawns a tile: its full mesh, and its simpler mesh for distant views as a child; the
/// camera's distance to the tile's centre decides which of the two is drawn. A scenario's
/// tile (`scenario`) and its children are marked [`scenario::ScenarioTile`] and drawn on the
/// scenario side only.
fn spawn_tile(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    materials: &BuildingMaterials,
    root: Entity,
    TileMeshes { tile, near, far }: TileMeshes,
    scenario: bool,
) -> Entity {
    let side = || {
        (
            scenario::ScenarioTile,
            RenderLayers::layer(crate::scene::scenarios::SCENARIO_ONLY),
        )
    };
    let translation = Vec3::new(tile.center[0] as f32, 0.0, -tile.center[1] as f32);
    let mut spawned = commands.spawn((
        BuildingTile {
            cell: tile.cell,
            buildings: tile.buildings,
            center: tile.center,
            far_from: far.iter().map(|(_, from)| f64::from(*from)).collect(),
        },
        MeshMaterial3d(materials.tiles.clone()),
        Visibility::default(),
        Transform::from_translation(translation),
        ChildOf(root),
    ));
    if scenario {
        spawned.insert(side());
    }
    match near {
        None => {}
        Some(near) if far.is_empty() => {
            spawned.insert(Mesh3d(meshes.add(near)));
        }
        // Handed to the GPU when the camera first comes near ([`bring_near_meshes`]).
        Some(near) => {
            spawned.insert(NearMesh(Some(near)));
        }
    }
    // One mesh drawn at a time: the full one up to the first level's distance, each simpler
    // one up to the next's.
    let starts: Vec<f32> = far.iter().map(|(_, from)| *from).collect();
    if let Some(first) = starts.first() {
        spawned.insert(VisibilityRange::abrupt(0.0, *first));
    }
    for (level, (mesh, from)) in far.into_iter().enumerate() {
        let to = starts.get(level + 1).copied().unwrap_or(f32::MAX);
        let mesh = mesh.map(|m| meshes.add(m));
        let material = materials.tiles.clone();
        spawned.with_children(|parent| {
            let mut child = parent.spawn((
                FarTile {
                    cell: tile.cell,
                    level,
                },
                MeshMaterial3d(material),
                Transform::IDENTITY,
                VisibilityRange::abrupt(from, to),
            ));
            if let Some(mesh) = mesh {
                child.insert(Mesh3d(mesh));
            }
            if scenario {
                child.insert(side());
            }
        });
    }
    spawned.id()
}

/// A tile's full mesh, kept until the camera first comes near enough to draw it: a city seen
/// from afar then sends only its simpler meshes to the GPU (faster to the first frame, less
/// GPU memory).
#[derive(Component)]
pub struct NearMesh(pub Option<Mesh>);

/// How much nearer than its switch distance a tile's full mesh is made ready (m), so that it is
/// there before it is drawn.
const NEAR_AHEAD: f32 = 400.0;

/// Hands full meshes to the GPU for the tiles the camera comes near (all of them when there
/// is no camera, as in a headless app).
fn bring_near_meshes(
    mut commands: Commands,
    mut tiles: Query<(Entity, &BuildingTile, &GlobalTransform, &mut NearMesh)>,
    camera: Query<&GlobalTransform, With<MainCamera>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let eye = camera.single().ok().map(GlobalTransform::translation);
    for (e, tile, at, mut near) in &mut tiles {
        let switch = tile.far_from.first().copied().unwrap_or(0.0) as f32;
        let close = eye.is_none_or(|eye| eye.distance(at.translation()) < switch + NEAR_AHEAD);
        if close && let Some(mesh) = near.0.take() {
            commands
                .entity(e)
                .remove::<NearMesh>()
                .insert(Mesh3d(meshes.add(mesh)));
            redraw.write(RequestRedraw);
        }
    }
}

/// Starts a new load when asked and none is running.
fn reload(
    mut messages: MessageReader<ReloadCity>,
    loader: Option<Res<Loader>>,
    source: Option<Res<SceneSource>>,
    settings: Res<Settings>,
    mut state: ResMut<CityState>,
    mut commands: Commands,
    mut workers: ResMut<Workers>,
    waker: Option<Res<EventLoopProxyWrapper>>,
) {
    if messages.read().count() == 0 || loader.is_some() {
        return;
    }
    state.started = Instant::now();
    state.last_error = None;
    // The streamer of the city shown stops (the new loader replaces it among the workers).
    commands.remove_resource::<Streaming>();
    state.viewport = None;
    let source = source.map(|s| s.source.clone());
    start_loader(
        &mut commands,
        &mut workers,
        &settings,
        source,
        waker.as_deref(),
    );
}

#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn receive(
    loader: Option<Res<Loader>>,
    mut state: ResMut<CityState>,
    mut pending: ResMut<PendingTiles>,
    mut commands: Commands,
    mut workers: ResMut<Workers>,
    old_tiles: Query<Entity, With<BuildingTile>>,
    mut select: MessageWriter<SelectBuilding>,
) {
    let Some(loader) = loader else { return };
    // No redraws requested while the loader works: its messages wake the window
    // ([`LoaderTx`]), so the CPU goes to loading rather than to drawing the same progress.
    let reloading = state.model.is_some();
    loop {
        match loader.0.try_recv() {
            Ok(LoaderMessage::Progress(p)) => {
                if !reloading {
                    state.status = LoadStatus::Loading {
                        stage: p.stage.to_owned(),
                        done: p.done,
                        total: p.total,
                    };
                }
                state.progress = Some(p);
            }
            Ok(LoaderMessage::Source(source, demo)) => {
                let demo = demo.map(|d| Arc::new(*d));
                if let Some(d) = &demo {
                    info!("local NGSI-LD broker with the demo district at {}", d.url());
                    workers.add("demo", Stage::Server, d.clone());
                }
                commands.insert_resource(SceneSource { source, demo });
            }
            Ok(LoaderMessage::Streaming(streaming)) => {
                state.viewport = Some(ViewportStatus {
                    cells: streaming.triangles.len(),
                    radius_m: streaming.radius_m,
                    last_error: None,
                });
                commands.insert_resource(streaming);
            }
            Ok(LoaderMessage::Done(model, tiles, stats, cached_at)) => {
                info!(
                    "loaded {}{}: {} entities, {} buildings, {} skipped, {} tiles in {:.2} s",
                    model.source_label,
                    if cached_at.is_some() {
                        " (from the city cache)"
                    } else {
                        ""
                    },
                    model.entities_read,
                    model.buildings.len(),
                    model.skipped.len(),
                    tiles.len(),
                    state.started.elapsed().as_secs_f64()
                );
                for s in model.skipped.iter().take(20) {
                    warn!("skipped {}: {}", s.id, s.reason);
                }
                // A reload replaces the city shown.
                for e in &old_tiles {
                    commands.entity(e).despawn();
                }
                select.write(SelectBuilding(None));
                state.progress = None;
                state.tiles_spawned = 0;
                state.tiles_total = tiles.len();
                state.triangles = stats.triangles;
                state.model = Some(Arc::new(*model));
                state.load_id += 1;
                state.status = LoadStatus::Loading {
                    stage: "adding tiles to the scene".to_owned(),
                    done: 0,
                    total: tiles.len(),
                };
                pending.0 = tiles;
                pending.0.reverse(); // pop() from the end keeps the original order
                state.cached_at = cached_at;
                if cached_at.is_none() {
                    // The source answered: online, and the loader is done.
                    state.offline = None;
                    commands.remove_resource::<Loader>();
                }
                return;
            }
            Ok(LoaderMessage::Offline(why)) => {
                if state.offline.is_none() {
                    warn!("offline: {why}; showing the cached city and trying again");
                }
                state.progress = None;
                state.offline = Some(why);
            }
            Ok(LoaderMessage::UpToDate) => {
                commands.remove_resource::<Loader>();
                return;
            }
            Ok(LoaderMessage::Failed(message)) => {
                error!("{message}");
                state.progress = None;
                if reloading {
                    // Keep the city shown; say what went wrong.
                    state.last_error = Some(message);
                } else {
                    state.status = LoadStatus::Failed(message);
                }
                commands.remove_resource::<Loader>();
                return;
            }
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => {
                state.status =
                    LoadStatus::Failed("the loader stopped unexpectedly; see the log".to_owned());
                commands.remove_resource::<Loader>();
                return;
            }
        }
    }
}

fn spawn_tiles(
    mut commands: Commands,
    mut pending: ResMut<PendingTiles>,
    mut state: ResMut<CityState>,
    mut meshes: ResMut<Assets<Mesh>>,
    materials: Res<BuildingMaterials>,
    root: Single<Entity, With<BuildingsRoot>>,
    mut layers: ResMut<Layers>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    if state.model.is_none() || state.is_ready() || matches!(state.status, LoadStatus::Failed(_)) {
        return;
    }
    redraw.write(RequestRedraw);
    let mut budget = TRIANGLES_PER_FRAME;
    while budget > 0 {
        let Some(t) = pending.0.pop() else {
            break;
        };
        // What goes to the GPU now: the full mesh, or the simpler ones for a tile that has them.
        let now: usize = if t.far.is_empty() {
            triangle_count(t.near.as_ref())
        } else {
            t.far.iter().map(|(m, _)| triangle_count(m.as_ref())).sum()
        };
        budget = budget.saturating_sub(now.max(1));
        spawn_tile(&mut commands, &mut meshes, &materials, *root, t, false);
        state.tiles_spawned += 1;
    }
    if pending.0.is_empty() {
        state.status = LoadStatus::Ready;
        state.ready_after = Some(state.started.elapsed());
        if let (Some(layer), Some(model)) = (layers.get_mut("buildings"), state.model.as_ref()) {
            layer.count = Some(model.buildings.len());
        }
    } else {
        let (done, total) = (state.tiles_spawned, state.tiles_total);
        state.status = LoadStatus::Loading {
            stage: "adding tiles to the scene".to_owned(),
            done,
            total,
        };
    }
}
