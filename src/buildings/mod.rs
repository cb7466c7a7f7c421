//! The buildings layer: loads the city off the main thread, spawns its tiles a few per frame,
//! picks the building under a click or tap, and highlights the selected one.
//!
//! Loading runs on its own thread (reading, parsing, georeferencing, meshing) and reaches the
//! ECS through a channel; [`CityState`] tells the UI how far it has got. [`style`] colours
//! the buildings by an attribute.

mod stream;
pub mod style;

use crate::city::stream::Streamer;
pub use stream::Streaming;

use crate::app::Settings;
use crate::broker::BrokerHandle;
use crate::camera::{MainCamera, ViewClicked, ViewMapping};
use crate::city::tiles::{Tile, TileStats};
use crate::city::{self, CityModel, Progress};
use crate::config::Config;
use crate::environment::color;
use crate::geometry::extrude::{MeshBuffers, Palette};
use crate::geometry::pick::Ray;
use crate::layers::{LayerMember, Layers};
use crate::simulate::SimSensor;
use crate::source::{BrokerSource, Source, start_demo_broker};
use bevy::asset::RenderAssetUsages;
use bevy::camera::visibility::VisibilityRange;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy::winit::{EventLoopProxy, EventLoopProxyWrapper, WinitUserEvent};
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Triangles handed to the renderer per frame at most (at least one tile per frame), so a
/// large city appears progressively instead of stalling one frame.
const TRIANGLES_PER_FRAME: usize = 1_500_000;

/// Where loading stands.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadStatus {
    /// Still working.
    Loading {
        /// What is happening.
        stage: String,
        /// Items done.
        done: usize,
        /// Items in all (0 when unknown).
        total: usize,
    },
    /// Every tile is in the scene.
    Ready,
    /// Loading failed; the message says what to do.
    Failed(String),
}

/// The loaded city, for the UI, the camera and picking.
#[derive(Resource, Debug)]
pub struct CityState {
    /// Progress or outcome.
    pub status: LoadStatus,
    /// The city once decoded (before its tiles are all spawned).
    pub model: Option<Arc<CityModel>>,
    /// Tiles in the city.
    pub tiles_total: usize,
    /// Tiles spawned so far.
    pub tiles_spawned: usize,
    /// Triangles in all tiles.
    pub triangles: usize,
    /// When loading started.
    pub started: Instant,
    /// How long until every tile was spawned.
    pub ready_after: Option<Duration>,
    /// Progress of a load under way (also during a reload, while the old city is shown).
    pub progress: Option<Progress>,
    /// Why the last reload failed (the city shown is the one loaded before).
    pub last_error: Option<String>,
    /// Loading by viewport, when it is on.
    pub viewport: Option<ViewportStatus>,
    /// Counts the loads: a new number for each city loaded (or reloaded), the same while
    /// buildings come and go by viewport (then `model` changes, the load does not).
    pub load_id: u64,
}

impl Default for CityState {
    fn default() -> Self {
        Self {
            status: LoadStatus::Loading {
                stage: "starting".to_owned(),
                done: 0,
                total: 0,
            },
            model: None,
            tiles_total: 0,
            tiles_spawned: 0,
            triangles: 0,
            started: Instant::now(),
            ready_after: None,
            progress: None,
            last_error: None,
            load_id: 0,
            viewport: None,
        }
    }
}

impl CityState {
    /// Whether every tile is in the scene.
    pub fn is_ready(&self) -> bool {
        self.status == LoadStatus::Ready
    }
}

/// What loading by viewport holds now (for the UI).
#[derive(Debug, Clone, PartialEq)]
pub struct ViewportStatus {
    /// Cells loaded.
    pub cells: usize,
    /// The load radius (m).
    pub radius_m: f64,
    /// Why the last cell could not be loaded (it is asked for again later).
    pub last_error: Option<String>,
}

/// The building shown in the inspector, by index into [`CityModel::buildings`].
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    /// The selected building.
    pub building: Option<usize>,
}

/// Selects a building (or clears the selection with `None`).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectBuilding(pub Option<usize>);

/// Asks the camera to bring a building into view.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FocusBuilding(pub usize);

/// A building to select as soon as the city is loaded (`--select ID`).
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub struct InitialSelection(pub String);

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

pub(crate) enum LoaderMessage {
    Progress(Progress),
    LocalBroker(BrokerHandle, Box<BrokerSource>, Vec<SimSensor>),
    Done(Box<CityModel>, Vec<TileMeshes>, TileStats),
    Streaming(Streaming),
    Failed(String),
}

/// The system that picks a building on a click; other pickable layers run after it and
/// before [`ApplySelectionSet`], so that what they pick can clear the building selection.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PickSet;

/// The system that applies [`SelectBuilding`] messages.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApplySelectionSet;

/// The NGSI-LD broker citytwin runs inside itself for the demo district, while it runs.
#[derive(Resource, Debug)]
pub struct LocalBroker {
    /// The running broker.
    pub handle: BrokerHandle,
    /// How to read from it.
    pub source: BrokerSource,
    /// The demo's simulated sensors, until the sensors layer starts the simulator.
    pub simulation: Vec<SimSensor>,
}

/// Asks to load the data again (from the broker or file); on failure the city shown stays.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReloadCity;

#[derive(Resource)]
struct Loader(Receiver<LoaderMessage>);

#[derive(Resource, Default)]
struct PendingTiles(Vec<TileMeshes>);

/// A tile with its meshes ready for the GPU: the full one, and those for distant views with
/// the camera distance each takes over from.
pub(crate) struct TileMeshes {
    tile: Tile,
    near: Mesh,
    far: Vec<(Mesh, f32)>,
}

impl TileMeshes {
    /// Turns a tile's buffers into meshes (off the main thread).
    pub(crate) fn of(mut tile: Tile) -> Self {
        let near = to_mesh(std::mem::take(&mut tile.mesh));
        let far = std::mem::take(&mut tile.far)
            .into_iter()
            .map(|f| (to_mesh(f.mesh), f.from_distance as f32))
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
        app.init_resource::<CityState>()
            .init_resource::<Selection>()
            .init_resource::<PendingTiles>()
            .add_message::<SelectBuilding>()
            .add_message::<FocusBuilding>()
            .add_message::<ReloadCity>()
            .add_systems(Startup, start_loading)
            .add_systems(
                Update,
                (
                    reload,
                    receive,
                    spawn_tiles,
                    bring_near_meshes,
                    stream::follow_view,
                    stream::apply.run_if(|s: Res<CityState>| s.is_ready()),
                    select_initial,
                    pick.in_set(PickSet),
                    apply_selection.in_set(ApplySelectionSet),
                )
                    .chain()
                    .after(crate::camera::CameraInputSet),
            );
        style::build(app);
    }
}

/// Turns mesh buffers into a Bevy mesh that lives only on the GPU (picking uses the
/// footprints, not the vertices).
pub fn to_mesh(buffers: MeshBuffers) -> Mesh {
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, buffers.positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, buffers.normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, buffers.colors)
    .with_inserted_indices(Indices::U32(buffers.indices))
}

fn triangle_count(mesh: &Mesh) -> usize {
    mesh.indices().map_or(0, |i| i.len() / 3)
}

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
    waker: Option<Res<EventLoopProxyWrapper>>,
) {
    layers.register("buildings", "Buildings");
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
    commands.insert_resource(Loader(spawn_loader(
        settings.0.clone(),
        palette(&settings),
        None,
        waker.map(|w| (**w).clone()),
    )));
}

/// The loader's end of its channel: news (the city, a failure) wakes the window's event loop
/// at once, and a heartbeat wakes it twice a second while the loader works, so that the
/// progress shown moves on; in between the viewer does not draw, and the loader keeps the CPU.
/// A headless app has no loop to wake.
#[derive(Clone)]
pub(crate) struct LoaderTx {
    tx: Sender<LoaderMessage>,
    waker: Option<EventLoopProxy<WinitUserEvent>>,
}

impl LoaderTx {
    fn new(tx: Sender<LoaderMessage>, waker: Option<EventLoopProxy<WinitUserEvent>>) -> Self {
        Self { tx, waker }
    }

    /// Sends a message (progress waits for the next heartbeat); false when the viewer no
    /// longer listens.
    pub(crate) fn send(&self, message: LoaderMessage) -> bool {
        let progress = matches!(message, LoaderMessage::Progress(_));
        let sent = self.tx.send(message).is_ok();
        if !progress {
            self.wake();
        }
        sent
    }

    /// Wakes the event loop twice a second until the guard is dropped, so the progress shown
    /// moves on during long steps that report nothing (parsing a large file).
    pub(crate) fn heartbeat(&self) -> Option<Sender<()>> {
        let waker = self.waker.clone()?;
        let (stop, stopped) = crossbeam_channel::bounded::<()>(0);
        std::thread::Builder::new()
            .name("citytwin-heartbeat".to_owned())
            .spawn(move || {
                while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(Duration::from_millis(500))
                {
                    let _ = waker.send_event(WinitUserEvent::WakeUp);
                }
            })
            .ok()?;
        Some(stop)
    }

    /// Wakes the event loop (after news sent through another channel).
    pub(crate) fn wake(&self) {
        if let Some(w) = &self.waker {
            let _ = w.send_event(WinitUserEvent::WakeUp);
        }
    }
}

/// Loads on a thread of its own: starts the local demo broker when needed (unless
/// `local` is given), reads, georeferences, meshes, and reports through the channel.
fn spawn_loader(
    config: Arc<Config>,
    palette: Palette,
    local: Option<BrokerSource>,
    waker: Option<EventLoopProxy<WinitUserEvent>>,
) -> Receiver<LoaderMessage> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let tx = LoaderTx::new(tx, waker);
    let spawned = std::thread::Builder::new()
        .name("citytwin-loader".to_owned())
        .spawn(move || {
            let heartbeat = tx.heartbeat();
            let source = match (local, config.data.source.as_str()) {
                (Some(b), _) => Ok(Source::Broker(Box::new(b))),
                (None, "demo") => {
                    let _ = tx.send(LoaderMessage::Progress(Progress {
                        stage: "starting the local broker",
                        done: 0,
                        total: 0,
                    }));
                    start_demo_broker(&config).map(|(handle, b, sensors)| {
                        let _ = tx.send(LoaderMessage::LocalBroker(
                            handle,
                            Box::new(b.clone()),
                            sensors,
                        ));
                        Source::Broker(Box::new(b))
                    })
                }
                (None, _) => Source::from_config(&config),
            };
            // A broker holding more than fits is loaded by viewport.
            if let Ok(Source::Broker(b)) = &source {
                let progress_tx = tx.clone();
                let opened = Streamer::open(b, &config, &mut |done, total| {
                    let _ = progress_tx.send(LoaderMessage::Progress(Progress {
                        stage: "receiving sensors",
                        done,
                        total: total.unwrap_or(0),
                    }));
                });
                match opened {
                    Ok(Some(streamer)) => return stream::run(streamer, palette, &tx, heartbeat),
                    Ok(None) => {}
                    Err(e) => {
                        let _ = tx.send(LoaderMessage::Failed(e.to_string()));
                        return;
                    }
                }
            }
            let progress_tx = tx.clone();
            let result = source.map_err(city::LoadError::from).and_then(|source| {
                city::load_with_progress(&source, &config, &mut |p| {
                    let _ = progress_tx.send(LoaderMessage::Progress(p));
                })
            });
            let message = match result {
                Ok(model) => {
                    let _ = tx.send(LoaderMessage::Progress(Progress {
                        stage: "meshing",
                        done: 0,
                        total: model.buildings.len(),
                    }));
                    let (tiles, stats) = crate::city::tiles::build_configured(
                        &model.buildings,
                        &config.buildings,
                        &palette,
                    );
                    let tiles = tiles.into_iter().map(TileMeshes::of).collect();
                    LoaderMessage::Done(Box::new(model), tiles, stats)
                }
                Err(e) => LoaderMessage::Failed(e.to_string()),
            };
            let _ = tx.send(message);
        });
    if let Err(e) = spawned {
        error!("cannot start the loader thread: {e}");
    }
    rx
}

/// Spawns a tile: its full mesh, and its simpler mesh for distant views as a child; the
/// camera's distance to the tile's centre decides which of the two is drawn.
fn spawn_tile(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    materials: &BuildingMaterials,
    root: Entity,
    TileMeshes { tile, near, far }: TileMeshes,
) {
    let translation = Vec3::new(tile.center[0] as f32, 0.0, -tile.center[1] as f32);
    let mut spawned = commands.spawn((
        BuildingTile {
            cell: tile.cell,
            buildings: tile.buildings,
            center: tile.center,
            far_from: far.iter().map(|(_, from)| f64::from(*from)).collect(),
        },
        MeshMaterial3d(materials.tiles.clone()),
        Transform::from_translation(translation),
        ChildOf(root),
    ));
    if far.is_empty() {
        spawned.insert(Mesh3d(meshes.add(near)));
    } else {
        // Handed to the GPU when the camera first comes near ([`bring_near_meshes`]).
        spawned.insert(NearMesh(Some(near)));
    }
    // One mesh drawn at a time: the full one up to the first level's distance, each simpler
    // one up to the next's.
    let starts: Vec<f32> = far.iter().map(|(_, from)| *from).collect();
    if let Some(first) = starts.first() {
        spawned.insert(VisibilityRange::abrupt(0.0, *first));
    }
    for (level, (mesh, from)) in far.into_iter().enumerate() {
        let to = starts.get(level + 1).copied().unwrap_or(f32::MAX);
        spawned.with_child((
            FarTile {
                cell: tile.cell,
                level,
            },
            Mesh3d(meshes.add(mesh)),
            MeshMaterial3d(materials.tiles.clone()),
            Transform::IDENTITY,
            VisibilityRange::abrupt(from, to),
        ));
    }
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
    local: Option<Res<LocalBroker>>,
    settings: Res<Settings>,
    mut state: ResMut<CityState>,
    mut commands: Commands,
    waker: Option<Res<EventLoopProxyWrapper>>,
) {
    if messages.read().count() == 0 || loader.is_some() {
        return;
    }
    state.started = Instant::now();
    state.last_error = None;
    // The streamer of the city shown stops when its channel closes.
    commands.remove_resource::<Streaming>();
    state.viewport = None;
    let local = local.map(|l| l.source.clone());
    commands.insert_resource(Loader(spawn_loader(
        settings.0.clone(),
        palette(&settings),
        local,
        waker.map(|w| (**w).clone()),
    )));
}

#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn receive(
    loader: Option<Res<Loader>>,
    mut state: ResMut<CityState>,
    mut pending: ResMut<PendingTiles>,
    mut commands: Commands,
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
            Ok(LoaderMessage::LocalBroker(handle, source, simulation)) => {
                info!(
                    "local NGSI-LD broker with the demo district at {}",
                    handle.url()
                );
                commands.insert_resource(LocalBroker {
                    handle,
                    source: *source,
                    simulation,
                });
            }
            Ok(LoaderMessage::Streaming(streaming)) => {
                state.viewport = Some(ViewportStatus {
                    cells: streaming.triangles.len(),
                    radius_m: streaming.radius_m,
                    last_error: None,
                });
                commands.insert_resource(streaming);
            }
            Ok(LoaderMessage::Done(model, tiles, stats)) => {
                info!(
                    "loaded {}: {} entities, {} buildings, {} skipped, {} tiles in {:.2} s",
                    model.source_label,
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
            triangle_count(&t.near)
        } else {
            t.far.iter().map(|(m, _)| triangle_count(m)).sum()
        };
        budget = budget.saturating_sub(now.max(1));
        spawn_tile(&mut commands, &mut meshes, &materials, *root, t);
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

fn select_initial(
    initial: Option<Res<InitialSelection>>,
    state: Res<CityState>,
    mut select: MessageWriter<SelectBuilding>,
    mut focus: MessageWriter<FocusBuilding>,
    mut commands: Commands,
) {
    let (Some(initial), Some(model)) = (initial, state.model.as_ref()) else {
        return;
    };
    match model.buildings.iter().position(|b| b.id == initial.0) {
        Some(i) => {
            select.write(SelectBuilding(Some(i)));
            focus.write(FocusBuilding(i));
        }
        // A sensor: the sensors plugin selects it once its marker is in.
        None if model.sensors.iter().any(|s| s.id == initial.0) => return,
        None => warn!(
            "--select: no building with the id {:?} was loaded",
            initial.0
        ),
    }
    commands.remove_resource::<InitialSelection>();
}

/// Index of the building hit first by a ray (scene coordinates), if any: on a model's
/// triangles (CityJSON, glTF), else on the footprint prism.
pub fn pick_building(model: &CityModel, ray: &Ray) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, b) in model.buildings.iter().enumerate() {
        if let Some(t) = b.hit(ray)
            && best.is_none_or(|(_, bt)| t < bt)
        {
            best = Some((i, t));
        }
    }
    best.map(|(i, _)| i)
}

fn pick(
    mut clicks: MessageReader<ViewClicked>,
    camera: Single<(&Camera, &GlobalTransform), With<MainCamera>>,
    state: Res<CityState>,
    mut select: MessageWriter<SelectBuilding>,
    view: ViewMapping,
) {
    let at = clicks.read().last().map(|c| c.0);
    let (Some(at), Some(model)) = (at, state.model.as_ref()) else {
        return;
    };
    let (cam, cam_transform) = *camera;
    let Some(ray) = view.ray(cam, cam_transform, at) else {
        return;
    };
    let ray = Ray {
        origin: ray.origin.as_dvec3().to_array(),
        direction: ray.direction.as_dvec3().to_array(),
    };
    select.write(SelectBuilding(pick_building(model, &ray)));
}

fn apply_selection(
    mut messages: MessageReader<SelectBuilding>,
    mut selection: ResMut<Selection>,
    state: Res<CityState>,
    highlight: Query<Entity, With<SelectionHighlight>>,
    materials: Res<BuildingMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut commands: Commands,
) {
    let Some(SelectBuilding(wanted)) = messages.read().last().copied() else {
        return;
    };
    if selection.building == wanted {
        return;
    }
    selection.building = wanted;
    for e in &highlight {
        commands.entity(e).despawn();
    }
    let (Some(i), Some(model)) = (wanted, state.model.as_ref()) else {
        return;
    };
    let Some(b) = model.buildings.get(i) else {
        return;
    };
    let center = b.footprint.center();
    let mut buffers = MeshBuffers::default();
    let white = [1.0, 1.0, 1.0, 1.0];
    b.mesh_into(
        &mut buffers,
        center,
        &Palette {
            wall: white,
            roof: white,
        },
    );
    commands.spawn((
        SelectionHighlight,
        Mesh3d(meshes.add(to_mesh(buffers))),
        MeshMaterial3d(materials.selected.clone()),
        Transform::from_xyz(center[0] as f32, 0.0, -center[1] as f32),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picking_the_demo_from_above_finds_the_building_below() {
        let config = crate::config::Config::default();
        let model = city::load(&Source::Demo, &config).unwrap();
        // Straight down over the centre of each of a sample of buildings: the pick must be
        // the building itself or one that overlaps it (building outlines may overlap).
        for (i, b) in model.buildings.iter().enumerate().step_by(97) {
            let c = b.footprint.center();
            if !b.footprint.contains(c) {
                continue; // concave: the bbox centre is outside
            }
            let ray = Ray {
                origin: [c[0], 1_000.0, -c[1]],
                direction: [0.0, -1.0, 0.0],
            };
            let hit = pick_building(&model, &ray).expect("something is below");
            let hb = &model.buildings[hit];
            assert!(
                hit == i || (hb.footprint.contains(c) && hb.height >= b.height),
                "{} vs {}",
                b.id,
                hb.id
            );
        }
        let nowhere = Ray {
            origin: [90_000.0, 100.0, 0.0],
            direction: [0.0, -1.0, 0.0],
        };
        assert_eq!(pick_building(&model, &nowhere), None);
    }
}
