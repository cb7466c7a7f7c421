//! The map tiles the camera needs (`[map_tiles.NAME]`), on a thread of their own: each new
//! look of the camera chooses the tiles ([`crate::maptiles::select`]), which are fetched
//! through the disk cache nearest first, a few at a time, decoded and meshed (draped on the
//! terrain when there is one), and sent to whoever draws them. Tiles no longer needed are
//! not waited for: their requests are dropped.

use crate::cancel::Cancel;
use crate::georef::{Georef, LonLat};
use crate::maptiles::cache::TileCache;
use crate::maptiles::fetch::{Fetched, Fetcher, Origin};
use crate::maptiles::mesh::{self, TileMesh};
use crate::maptiles::select::{self, TileBox, TileView};
use crate::maptiles::{TileId, TileSource};
use crate::terrain::HeightGrid;
use crate::worker::Worker;
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinSet};

/// Requests to tile servers at once.
pub const CONCURRENT_REQUESTS: usize = 6;

/// A tile of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileKey {
    /// The source's index in the feed's sources.
    pub source: usize,
    /// The tile.
    pub tile: TileId,
}

/// How the camera looks, with the ground the tiles drape on.
#[derive(Debug, Clone)]
pub struct Look {
    /// The camera.
    pub view: TileView,
    /// The terrain, if any.
    pub terrain: Option<Arc<HeightGrid>>,
}

/// A tile ready to draw.
#[derive(Debug)]
pub struct MapTile {
    /// Which.
    pub key: TileKey,
    /// Its mesh in the scene.
    pub mesh: TileMesh,
    /// Its image, RGBA, row by row from the top, followed by its mip levels.
    pub rgba: Vec<u8>,
    /// The image's width and height.
    pub size: (u32, u32),
    /// The mip levels in `rgba`, the image itself included.
    pub levels: u32,
    /// Where it came from.
    pub origin: Origin,
}

/// What the feed sends.
#[derive(Debug)]
pub enum FeedMessage {
    /// Every tile the latest look needs, nearest first.
    Wanted(Vec<TileKey>),
    /// A tile to draw.
    Tile(Box<MapTile>),
    /// A tile that cannot be had now, and why.
    Missing(TileKey, String),
    /// The feed cannot work at all (its place or its cache), and why.
    Failed(String),
}

/// What the feed needs to start.
#[derive(Debug, Clone)]
pub struct FeedSettings {
    /// The tile servers.
    pub sources: Vec<TileSource>,
    /// The scene's origin.
    pub origin: LonLat,
    /// The scene's projected CRS.
    pub crs: String,
    /// The disk cache's folder and bound in bytes (None: no cache).
    pub cache: Option<(PathBuf, u64)>,
}

/// The feed's handle: give it looks, take its messages.
pub struct MapFeed {
    look: watch::Sender<Option<Look>>,
    /// What it sends.
    pub rx: Receiver<FeedMessage>,
}

impl MapFeed {
    /// Starts the feed on a thread; `wake` is called after each batch of messages (a
    /// window's event loop waits for it).
    pub fn spawn(
        settings: FeedSettings,
        wake: Option<Box<dyn Fn() + Send>>,
    ) -> std::io::Result<(Self, Worker)> {
        let (look, looks) = watch::channel(None);
        let (tx, rx) = unbounded();
        let worker = Worker::spawn("map-tiles", move |cancel| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => rt.block_on(run(settings, looks, &tx, &wake, cancel)),
                Err(e) => {
                    let _ = tx.send(FeedMessage::Failed(format!("cannot start: {e}")));
                }
            }
            if let Some(w) = &wake {
                w();
            }
        })?;
        Ok((Self { look, rx }, worker))
    }

    /// The camera's new look: the tiles are chosen again.
    pub fn look(&self, look: Look) {
        let _ = self.look.send(Some(look));
    }
}

type Answer = (TileKey, Result<Fetched, String>);

async fn run(
    settings: FeedSettings,
    mut looks: watch::Receiver<Option<Look>>,
    tx: &Sender<FeedMessage>,
    wake: &Option<Box<dyn Fn() + Send>>,
    cancel: Cancel,
) {
    let send = |m: FeedMessage| {
        let _ = tx.send(m);
        if let Some(w) = wake {
            w();
        }
    };
    let georef = match Georef::new(settings.origin, Some(&settings.crs)) {
        Ok(g) => g,
        Err(e) => return send(FeedMessage::Failed(format!("cannot place map tiles: {e}"))),
    };
    let cache = match &settings.cache {
        Some((dir, bytes)) => match TileCache::open(dir, *bytes) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!("map tiles: no disk cache in {}: {e}", dir.display());
                None
            }
        },
        None => None,
    };
    let fetcher = match Fetcher::new(cache) {
        Ok(f) => f,
        Err(e) => return send(FeedMessage::Failed(e)),
    };
    let max_zoom = settings
        .sources
        .iter()
        .map(|s| s.max_zoom)
        .max()
        .unwrap_or(0);
    let roots = select::roots(settings.origin.lon, settings.origin.lat, max_zoom);
    let mut bounds: HashMap<TileId, Option<TileBox>> = HashMap::new();
    let mut terrain: Option<Arc<HeightGrid>> = None;
    let mut wanted: Vec<TileKey> = Vec::new();
    let mut sent: HashSet<TileKey> = HashSet::new();
    let mut flying: HashMap<TileKey, AbortHandle> = HashMap::new();
    let mut fetches: JoinSet<Answer> = JoinSet::new();
    while !cancel.is_cancelled() {
        if looks.has_changed().unwrap_or(false) {
            let Some(look) = looks.borrow_and_update().clone() else {
                continue;
            };
            if !same_grid(&terrain, &look.terrain) {
                // Heights came (or changed): every tile is draped again.
                terrain = look.terrain.clone();
                bounds.clear();
                sent.clear();
            }
            wanted = Vec::new();
            for (i, source) in settings.sources.iter().enumerate() {
                let chosen = select::select(&look.view, &roots, source.max_zoom, |t| {
                    *bounds
                        .entry(t)
                        .or_insert_with(|| mesh::bounds(t, &georef, terrain.as_deref()))
                });
                wanted.extend(
                    chosen
                        .into_iter()
                        .map(|(tile, _)| TileKey { source: i, tile }),
                );
            }
            let keep: HashSet<TileKey> = wanted.iter().copied().collect();
            sent.retain(|k| keep.contains(k));
            flying.retain(|k, handle| {
                if !keep.contains(k) {
                    handle.abort();
                }
                keep.contains(k)
            });
            send(FeedMessage::Wanted(wanted.clone()));
        }
        for &key in &wanted {
            if flying.len() >= CONCURRENT_REQUESTS {
                break;
            }
            if sent.contains(&key) || flying.contains_key(&key) {
                continue;
            }
            let (f, source) = (fetcher.clone(), settings.sources[key.source].clone());
            let handle = fetches.spawn(async move { (key, f.fetch(&source, key.tile).await) });
            flying.insert(key, handle);
        }
        tokio::select! {
            Some(done) = fetches.join_next(), if !fetches.is_empty() => {
                let Ok((key, answer)) = done else { continue };
                if flying.remove(&key).is_none() {
                    continue;
                }
                sent.insert(key);
                send(match answer.and_then(|f| draw(key, f, &georef, terrain.as_deref())) {
                    Ok(tile) => FeedMessage::Tile(Box::new(tile)),
                    Err(why) => FeedMessage::Missing(key, why),
                });
            }
            changed = looks.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

fn same_grid(a: &Option<Arc<HeightGrid>>, b: &Option<Arc<HeightGrid>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// The tile decoded and meshed.
fn draw(
    key: TileKey,
    fetched: Fetched,
    georef: &Georef,
    terrain: Option<&HeightGrid>,
) -> Result<MapTile, String> {
    let (size, rgba) = crate::maptiles::decode::rgba(&fetched.body)?;
    let (levels, rgba) = crate::maptiles::decode::with_mips(size, rgba);
    let mesh = mesh::mesh(key.tile, georef, terrain)
        .ok_or_else(|| "the tile cannot be placed in the scene".to_owned())?;
    Ok(MapTile {
        key,
        mesh,
        size,
        levels,
        rgba,
        origin: fetched.origin,
    })
}
