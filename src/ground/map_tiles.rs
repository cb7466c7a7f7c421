//! The raster map tiles in the scene (`[map_tiles.NAME]`): the camera's look goes to the
//! [`MapFeed`] whenever it changes; the tiles it sends are drawn a few a frame, over the base
//! map and draped on the terrain, each source a layer; the tiles the view no longer needs go
//! once every tile it needs is in, so no hole opens while the camera moves.

use crate::language::Localized;
use crate::map_feed::{FeedMessage, FeedSettings, Look, MapFeed, MapTile, TileKey};
use crate::maptiles::fetch::Origin;
use crate::maptiles::select::TileView;
use crate::scene::{
    CameraLook, CityState, GroundStatus, LayerMember, Layers, MainCamera, MapTileState, ScenePlace,
    Settings, TerrainState, Workers,
};
use crate::worker::Stage;
use bevy::asset::RenderAssetUsages;
use bevy::image::{ImageFilterMode, ImageSampler, ImageSamplerDescriptor};
use bevy::light::NotShadowCaster;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use crossbeam_channel::TryRecvError;
use std::collections::{HashMap, HashSet};

/// Tiles brought into the scene in one frame, at most (each is a texture upload).
const TILES_PER_FRAME: usize = 8;
/// The most tiles one source draws at once.
const MAX_TILES: usize = 200;

/// Marks a map tile in the scene.
#[derive(Component, Debug)]
pub struct MapTilePart;

/// The feed and the tiles in the scene.
#[derive(Resource)]
pub(super) struct Feed {
    feed: MapFeed,
    /// The tiles the latest look needs (None before the first answer).
    wanted: Option<HashSet<TileKey>>,
    shown: HashMap<TileKey, Entity>,
    missing: HashSet<TileKey>,
    last_look: Option<TileView>,
    terrain_in_look: bool,
}

/// The layer of a source.
fn layer_id(name: &str) -> String {
    format!("ground-map-{name}")
}

/// With map tiles configured, a layer per source, and the scene waits for them.
pub(super) fn expect(
    settings: Res<Settings>,
    mut state: ResMut<MapTileState>,
    mut layers: ResMut<Layers>,
) {
    for name in settings.map_tiles.sources.keys().rev() {
        layers.register_after("ground", layer_id(name), Localized::from(name.clone()));
    }
    if !settings.map_tiles.sources.is_empty() {
        state.status = GroundStatus::Loading;
    }
}

/// Once the city's origin is known, starts the feed for it.
pub(super) fn start_when_placed(
    mut commands: Commands,
    city: Res<CityState>,
    settings: Res<Settings>,
    mut workers: ResMut<Workers>,
    mut state: ResMut<MapTileState>,
    old: Query<Entity, With<MapTilePart>>,
    mut placed_at: Local<Option<ScenePlace>>,
) {
    if settings.map_tiles.sources.is_empty() {
        return;
    }
    let Some(model) = city.placed_anew(&mut placed_at) else {
        return;
    };
    for e in &old {
        commands.entity(e).despawn();
    }
    let config = &settings.map_tiles;
    let dir = if config.cache_dir.is_empty() {
        crate::config::user_cache_dir().join("map-tiles")
    } else {
        settings.base_dir.join(&config.cache_dir)
    };
    let feed_settings = FeedSettings {
        sources: crate::maptiles::configured(&settings),
        origin: model.origin,
        crs: model.crs.clone(),
        cache: Some((dir, (config.cache_mb * 1e6) as u64)),
    };
    let wake = workers.waker_fn();
    *state = MapTileState {
        status: GroundStatus::Loading,
        ..MapTileState::default()
    };
    match MapFeed::spawn(feed_settings, wake) {
        Ok((feed, worker)) => {
            workers.add("map-tiles", Stage::Reader, worker);
            commands.insert_resource(Feed {
                feed,
                wanted: None,
                shown: HashMap::new(),
                missing: HashSet::new(),
                last_look: None,
                terrain_in_look: false,
            });
        }
        Err(e) => {
            error!("cannot start the map tiles: {e}");
            state.status = GroundStatus::None;
            state.problem = Some(format!("map tiles: {e}"));
        }
    }
}

/// Tells the feed how the camera looks, when that changed enough to matter.
pub(super) fn look(
    feed: Option<ResMut<Feed>>,
    camera: Single<(&GlobalTransform, &Projection, &Camera), With<MainCamera>>,
    settings: Res<Settings>,
    terrain: Res<TerrainState>,
) {
    let Some(mut feed) = feed else {
        return;
    };
    let (transform, projection, cam) = *camera;
    let look = CameraLook::of(transform, projection, cam);
    let view = TileView {
        eye: look.eye,
        forward: look.forward,
        half_angle: look.half_angle,
        pixels_per_radian: look.pixels_per_radian,
        texel_px: settings.map_tiles.texel_px,
        max_tiles: MAX_TILES,
    };
    let terrain_now = terrain.grid.is_some();
    let moved = feed.last_look.is_none_or(|last| {
        let d = (0..3)
            .map(|i| (view.eye[i] - last.eye[i]).powi(2))
            .sum::<f64>()
            .sqrt();
        let turn: f64 = (0..3).map(|i| view.forward[i] * last.forward[i]).sum();
        d > (0.02 * view.eye[1].abs()).max(0.5)
            || turn < 0.9998
            || (view.pixels_per_radian - last.pixels_per_radian).abs() > 1.0
    });
    if moved || terrain_now != feed.terrain_in_look {
        feed.last_look = Some(view);
        feed.terrain_in_look = terrain_now;
        feed.feed.look(Look {
            view,
            terrain: terrain.grid.clone(),
        });
    }
}

/// Brings what the feed sent into the scene, a few tiles a frame; the tiles no longer
/// needed go once every tile needed is in.
#[allow(clippy::too_many_arguments)]
pub(super) fn take(
    mut commands: Commands,
    feed: Option<ResMut<Feed>>,
    settings: Res<Settings>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut state: ResMut<MapTileState>,
) {
    let Some(mut feed) = feed else {
        return;
    };
    let names: Vec<&String> = settings.map_tiles.sources.keys().collect();
    let mut drawn = 0;
    while drawn < TILES_PER_FRAME {
        match feed.feed.rx.try_recv() {
            Ok(FeedMessage::Wanted(keys)) => {
                let wanted: HashSet<TileKey> = keys.into_iter().collect();
                feed.missing.retain(|k| wanted.contains(k));
                feed.wanted = Some(wanted);
            }
            Ok(FeedMessage::Tile(tile)) => {
                drawn += 1;
                let key = tile.key;
                match tile.origin {
                    Origin::Network => state.from_server += 1,
                    Origin::Cache | Origin::Revalidated => state.from_cache += 1,
                    Origin::Stale => state.stale += 1,
                }
                let layer = layer_id(names.get(key.source).map_or("", |n| n.as_str()));
                let entity = spawn_tile(
                    &mut commands,
                    *tile,
                    (&layer, super::terrain_bias(&settings)),
                    (&mut meshes, &mut images, &mut materials),
                );
                if let Some(old) = feed.shown.insert(key, entity) {
                    commands.entity(old).despawn();
                }
            }
            Ok(FeedMessage::Missing(key, why)) => {
                state.missing += 1;
                state.problem = Some(format!("map tiles: {why}"));
                feed.missing.insert(key);
            }
            Ok(FeedMessage::Failed(why)) => {
                warn!("map tiles: {why}");
                state.problem = Some(format!("map tiles: {why}"));
                state.status = GroundStatus::None;
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        }
    }
    let Feed {
        wanted,
        shown,
        missing,
        ..
    } = &mut *feed;
    let Some(wanted) = wanted else {
        return;
    };
    let complete = wanted
        .iter()
        .all(|k| shown.contains_key(k) || missing.contains(k));
    if complete {
        shown.retain(|k, e| {
            if !wanted.contains(k) {
                commands.entity(*e).despawn();
            }
            wanted.contains(k)
        });
    }
    if state.status != GroundStatus::None {
        state.status = GroundStatus::Ready;
    }
    if state.drawn != shown.len() || state.settled != complete || state.missing_now != missing.len()
    {
        state.drawn = shown.len();
        state.settled = complete;
        state.missing_now = missing.len();
    }
}

/// A tile's entity: its mesh, with its image as the texture.
fn spawn_tile(
    commands: &mut Commands,
    tile: MapTile,
    (layer, bias): (&str, f32),
    (meshes, images, materials): (
        &mut Assets<Mesh>,
        &mut Assets<Image>,
        &mut Assets<StandardMaterial>,
    ),
) -> Entity {
    let (w, h) = tile.size;
    // The pixels hold the mip levels too, which `Image::new` would refuse.
    let mut image = Image::new_uninit(
        Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    );
    image.data = Some(tile.rgba);
    image.texture_descriptor.mip_level_count = tile.levels;
    image.sampler = ImageSampler::Descriptor(ImageSamplerDescriptor {
        mipmap_filter: ImageFilterMode::Linear,
        anisotropy_clamp: 8,
        ..ImageSamplerDescriptor::linear()
    });
    let material = StandardMaterial {
        base_color_texture: Some(images.add(image)),
        perceptual_roughness: 1.0,
        reflectance: 0.05,
        // Over the ground plane and every class of the base map.
        depth_bias: 40.0 + tile.key.source as f32 * 4.0 + bias,
        ..default()
    };
    let m = tile.mesh;
    let c = m.centre;
    let mesh = Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, m.positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, m.normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, m.uvs)
    .with_inserted_indices(Indices::U32(m.indices));
    commands
        .spawn((
            MapTilePart,
            LayerMember::of(layer),
            Mesh3d(meshes.add(mesh)),
            MeshMaterial3d(materials.add(material)),
            Transform::from_xyz(c[0] as f32, c[1] as f32, c[2] as f32),
            NotShadowCaster,
        ))
        .id()
}
