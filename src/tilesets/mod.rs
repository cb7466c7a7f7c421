//! 3D Tiles tilesets in the scene (`[tilesets.NAME]`), beside the buildings: each streamed
//! by a [`TilesetFeed`] with the camera, the tiles it sends drawn a few a frame, the tiles the
//! view no longer needs removed once every tile it needs is in. Each tileset is a layer; a
//! click on one of its features shows the feature's properties (`pick`).

mod pick;

pub use pick::FeatureHighlight;

use crate::language::Localized;
use crate::scene::{
    self, CameraLook, CityState, LayerMember, Layers, MainCamera, ScenePlace, SceneSet, Settings,
    TilesetsState, Workers,
};
use crate::tiles3d::features::FeatureTable;
use crate::tiles3d::select::Eye;
use crate::tileset_feed::{SceneMesh, TilesetFeed, TilesetMessage, TilesetSettings};
use crate::worker::Stage;
use bevy::asset::RenderAssetUsages;
use bevy::mesh::PrimitiveTopology;
use bevy::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Tiles brought into the scene in one frame, at most.
const TILES_PER_FRAME: usize = 4;

/// A mesh of a tileset's tile in the scene.
#[derive(Component, Debug)]
pub struct TilesetPart {
    /// The tileset's name.
    pub tileset: String,
    /// The tile's index in it.
    pub tile: usize,
    /// Its parts: each glTF mesh's name (3DBAG tiles name their buildings so) and its
    /// vertices in the mesh.
    pub parts: Vec<(String, std::ops::Range<u32>)>,
    /// Vertex positions relative to the entity, three a triangle (what a click is tested
    /// against).
    pub positions: Vec<[f32; 3]>,
    /// Each triangle's feature in `table` (empty when the tile has no feature ids).
    pub features: Vec<u32>,
    /// The tile's feature properties.
    pub table: Arc<FeatureTable>,
    /// The radius around the entity's origin that holds every vertex.
    pub radius: f32,
}

/// One tileset's feed and the tiles in the scene.
struct Streamed {
    name: String,
    feed: TilesetFeed,
    wanted: Option<HashSet<usize>>,
    shown: HashMap<usize, (Vec<Entity>, usize)>,
    missing: HashSet<usize>,
    failed: Option<String>,
    /// The eye and the direction last told to the feed.
    last_look: Option<(Vec3, Vec3)>,
}

/// The tilesets streamed.
#[derive(Resource, Default)]
struct Streams {
    list: Vec<Streamed>,
    material: Option<Handle<StandardMaterial>>,
}

/// 3D Tiles tilesets, streamed with the camera.
pub struct TilesetsPlugin;

impl Plugin for TilesetsPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.init_resource::<Streams>()
            .add_systems(Startup, expect)
            .add_systems(
                Update,
                (
                    (start_when_placed, take).chain().in_set(SceneSet::Load),
                    pick::pick.in_set(SceneSet::PickOverlay),
                    (look, pick::highlight).in_set(SceneSet::Show),
                ),
            );
    }
}

fn layer_id(name: &str) -> String {
    format!("tileset-{name}")
}

fn expect(settings: Res<Settings>, mut layers: ResMut<Layers>, mut state: ResMut<TilesetsState>) {
    for name in settings.tilesets.keys() {
        layers.register(layer_id(name), Localized::from(name.clone()));
    }
    state.loading = !settings.tilesets.is_empty();
}

/// Where a configured tileset's `tileset.json` is: a URL as given, a path relative to the
/// configuration file (a folder means its `tileset.json`).
fn location(settings: &Settings, path: &str) -> String {
    let path = path.trim();
    if path.starts_with("http://") || path.starts_with("https://") {
        return path.to_owned();
    }
    let p = settings.base_dir.join(path);
    let p = if p.is_dir() {
        p.join("tileset.json")
    } else {
        p
    };
    p.display().to_string()
}

/// Once the city's origin is known (and whenever it moves: a reload elsewhere), starts a
/// feed for each tileset; the tiles placed for an earlier origin go.
#[allow(clippy::too_many_arguments)]
fn start_when_placed(
    mut commands: Commands,
    mut streams: ResMut<Streams>,
    city: Res<CityState>,
    settings: Res<Settings>,
    mut workers: ResMut<Workers>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut placed_at: Local<Option<ScenePlace>>,
) {
    if settings.tilesets.is_empty() {
        return;
    }
    let Some(model) = city.placed_anew(&mut placed_at) else {
        return;
    };
    for s in streams.list.drain(..) {
        workers.stop(&format!("tileset-{}", s.name));
        for e in s.shown.into_values().flat_map(|(entities, _)| entities) {
            commands.entity(e).despawn();
        }
    }
    if streams.material.is_none() {
        streams.material = Some(materials.add(StandardMaterial {
            base_color: Color::srgb(0.86, 0.84, 0.80),
            perceptual_roughness: 0.9,
            ..default()
        }));
    }
    // The broker's credentials (files) are read once, and only for a tileset over HTTP(S).
    let mut broker = None;
    for (name, t) in &settings.tilesets {
        let at = location(&settings, &t.path);
        let remote = at.starts_with("http://") || at.starts_with("https://");
        if remote && broker.is_none() {
            broker = Some(crate::tileset_feed::broker_of(&settings));
        }
        let feed_settings = TilesetSettings {
            at,
            origin: model.origin,
            crs: model.crs.clone(),
            ground_m: (!t.on_ground).then_some(t.height_offset_m),
            max_error_px: t.max_error_px,
            memory_bytes: (t.memory_mb * 1e6) as u64,
            broker: if remote {
                broker.clone().flatten()
            } else {
                None
            },
        };
        match TilesetFeed::spawn(feed_settings, workers.waker_fn()) {
            Ok((feed, worker)) => {
                workers.add(&format!("tileset-{name}"), Stage::Reader, worker);
                streams.list.push(Streamed {
                    name: name.clone(),
                    feed,
                    wanted: None,
                    shown: HashMap::new(),
                    missing: HashSet::new(),
                    failed: None,
                    last_look: None,
                });
            }
            Err(e) => error!("cannot start the tileset {name}: {e}"),
        }
    }
}

/// Tells each feed where the camera is, when it moved enough to matter.
fn look(
    mut streams: ResMut<Streams>,
    camera: Single<(&GlobalTransform, &Projection, &Camera), With<MainCamera>>,
) {
    let (transform, projection, cam) = *camera;
    let camera_look = CameraLook::of(transform, projection, cam);
    let look = Eye {
        at: camera_look.eye,
        forward: camera_look.forward,
        half_angle: camera_look.half_angle,
        pixels_per_radian: camera_look.pixels_per_radian,
    };
    let (eye, forward) = (transform.translation(), transform.forward());
    for s in &mut streams.list {
        let moved = s.last_look.is_none_or(|(last, turned)| {
            last.distance(eye) > (0.02 * eye.y.abs()).max(1.0) || turned.dot(*forward) < 0.9998
        });
        if moved {
            s.last_look = Some((eye, *forward));
            s.feed.look(look);
        }
    }
}

/// Brings what the feeds sent into the scene.
fn take(
    mut commands: Commands,
    mut streams: ResMut<Streams>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut state: ResMut<TilesetsState>,
) {
    let Some(material) = streams.material.clone() else {
        return;
    };
    let mut budget = TILES_PER_FRAME;
    let mut loading = false;
    let mut problems = Vec::new();
    let (mut drawn, mut triangles) = (0, 0);
    for s in &mut streams.list {
        while budget > 0 {
            let Ok(message) = s.feed.rx.try_recv() else {
                break;
            };
            match message {
                TilesetMessage::Opened { tiles, version } => {
                    info!("tileset {}: 3D Tiles {version}, {tiles} tiles", s.name);
                }
                TilesetMessage::Wanted(w) => {
                    let w: HashSet<usize> = w.into_iter().collect();
                    s.missing.retain(|i| w.contains(i));
                    s.wanted = Some(w);
                }
                TilesetMessage::Tile {
                    index,
                    meshes: m,
                    features,
                } => {
                    budget -= 1;
                    let n = m.iter().map(|x| x.positions.len() / 3).sum();
                    let entities = m
                        .into_iter()
                        .filter_map(|mesh| {
                            let tile = (s.name.as_str(), index, &features);
                            spawn(&mut commands, &mut meshes, &material, tile, mesh)
                        })
                        .collect();
                    if let Some((old, _)) = s.shown.insert(index, (entities, n)) {
                        for e in old {
                            commands.entity(e).despawn();
                        }
                    }
                }
                TilesetMessage::Missing(index, why) => {
                    warn!("tileset {}: {why}", s.name);
                    s.missing.insert(index);
                }
                TilesetMessage::Failed(why) => s.failed = Some(why),
            }
        }
        if let Some(why) = &s.failed {
            problems.push(format!("3D Tiles {}: {why}", s.name));
        }
        let complete = s.failed.is_some()
            || s.wanted.as_ref().is_some_and(|w| {
                w.iter()
                    .all(|i| s.shown.contains_key(i) || s.missing.contains(i))
            });
        if complete && let Some(w) = &s.wanted {
            s.shown.retain(|i, (entities, _)| {
                let keep = w.contains(i);
                if !keep {
                    for e in entities.iter() {
                        commands.entity(*e).despawn();
                    }
                }
                keep
            });
        }
        loading |= !complete;
        drawn += s.shown.len();
        triangles += s.shown.values().map(|(_, n)| n).sum::<usize>();
    }
    if state.loading != loading
        || state.tiles_drawn != drawn
        || state.triangles != triangles
        || state.problems != problems
    {
        *state = TilesetsState {
            loading,
            tiles_drawn: drawn,
            triangles,
            problems,
        };
    }
}

fn spawn(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    material: &Handle<StandardMaterial>,
    (tileset, tile, table): (&str, usize, &Arc<FeatureTable>),
    m: SceneMesh,
) -> Option<Entity> {
    if m.positions.is_empty() {
        return None;
    }
    let c = m.centre;
    let radius = m
        .positions
        .iter()
        .map(|p| Vec3::from_array(*p).length())
        .fold(0.0, f32::max);
    let mesh = Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, m.positions.clone())
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, m.normals);
    Some(
        commands
            .spawn((
                TilesetPart {
                    tileset: tileset.to_owned(),
                    tile,
                    parts: m.parts,
                    positions: m.positions,
                    features: m.features,
                    table: table.clone(),
                    radius,
                },
                LayerMember::of(layer_id(tileset)),
                Mesh3d(meshes.add(mesh)),
                MeshMaterial3d(material.clone()),
                Transform::from_xyz(c[0] as f32, c[1] as f32, c[2] as f32),
            ))
            .id(),
    )
}
