//! A 3D Tiles tileset streamed with the camera (`[tilesets.NAME]`), on a thread of its own:
//! the tileset read (a file or an HTTP(S) URL), its tiles placed in the scene, and for each
//! new look of the camera the tiles chosen ([`crate::tiles3d::select`]); their contents are
//! read nearest first, decoded, turned into scene metres and sent to whoever draws them.
//! When the meshes chosen would pass the memory budget, coarser tiles are chosen.

use crate::city::gltf::NO_FEATURE;
use crate::georef::{Georef, LonLat};
use crate::ngsi_ld::client::{Client, ClientConfig};
use crate::tiles3d::content::{self, ContentMesh};
use crate::tiles3d::features::FeatureTable;
use crate::tiles3d::select::{self, PlacedTile};
use crate::tiles3d::{Tileset, ecef};
use crate::worker::Worker;
use crossbeam_channel::{Receiver, unbounded};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::watch;

/// Where a tileset is and how to draw it.
#[derive(Debug, Clone)]
pub struct TilesetSettings {
    /// Its `tileset.json`: a local file or an HTTP(S) URL.
    pub at: String,
    /// The scene's origin.
    pub origin: LonLat,
    /// The scene's projected CRS.
    pub crs: String,
    /// The ellipsoidal height at the scene's 0 m; None: the lowest point of the first
    /// content read.
    pub ground_m: Option<f64>,
    /// Refine while a tile's error covers more pixels than this.
    pub max_error_px: f64,
    /// The most bytes the meshes chosen may take.
    pub memory_bytes: u64,
    /// The broker, whose credentials a tileset on its own server is read with.
    pub broker: Option<ClientConfig>,
}

/// External tilesets read for one tileset, at most.
const MAX_EXTERNAL_TILESETS: usize = 10_000;

/// The camera as the choice needs it.
pub type TilesetLook = select::Eye;

/// A tile's mesh in the scene: triangles (three vertices each, flat normals) around
/// `centre`.
#[derive(Debug, Clone)]
pub struct SceneMesh {
    /// Its parts: each glTF mesh's name (3DBAG tiles name their buildings so) and its
    /// vertices.
    pub parts: Vec<(String, std::ops::Range<u32>)>,
    /// The mesh's place in the scene.
    pub centre: [f64; 3],
    /// Vertex positions relative to `centre`.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals.
    pub normals: Vec<[f32; 3]>,
    /// Each triangle's feature in the tile's [`FeatureTable`] ([`NO_FEATURE`] for none);
    /// empty when the tile has no feature ids.
    pub features: Vec<u32>,
}

/// What the feed sends.
#[derive(Debug)]
pub enum TilesetMessage {
    /// The tileset was read: its tiles.
    Opened {
        /// Tiles listed.
        tiles: usize,
        /// `asset.version`.
        version: String,
    },
    /// The tiles the latest look draws.
    Wanted(Vec<usize>),
    /// A tile's meshes.
    Tile {
        /// The tile's index in the tileset.
        index: usize,
        /// Its meshes.
        meshes: Vec<SceneMesh>,
        /// Its features' properties.
        features: std::sync::Arc<FeatureTable>,
    },
    /// A tile whose content cannot be drawn, and why.
    Missing(usize, String),
    /// The tileset cannot be read, and why.
    Failed(String),
}

/// The feed's handle.
pub struct TilesetFeed {
    look: watch::Sender<Option<TilesetLook>>,
    /// What it sends.
    pub rx: Receiver<TilesetMessage>,
}

impl TilesetFeed {
    /// Starts the feed; `wake` is called after each message.
    pub fn spawn(
        settings: TilesetSettings,
        wake: Option<Box<dyn Fn() + Send>>,
    ) -> std::io::Result<(Self, Worker)> {
        let (look, looks) = watch::channel(None);
        let (tx, rx) = unbounded();
        let name = format!("tileset {}", settings.at);
        let worker = Worker::spawn("tileset", move |cancel| {
            let send = |m| {
                let _ = tx.send(m);
                if let Some(w) = &wake {
                    w();
                }
            };
            if let Err(e) = run(&settings, looks, &send, &cancel) {
                tracing::warn!("{name}: {e}");
                send(TilesetMessage::Failed(e));
            }
        })?;
        Ok((Self { look, rx }, worker))
    }

    /// The camera's new look.
    pub fn look(&self, look: TilesetLook) {
        let _ = self.look.send(Some(look));
    }
}

fn run(
    settings: &TilesetSettings,
    mut looks: watch::Receiver<Option<TilesetLook>>,
    send: &dyn Fn(TilesetMessage),
    cancel: &crate::cancel::Cancel,
) -> Result<(), String> {
    let remote = settings.at.starts_with("http://") || settings.at.starts_with("https://");
    let http = if remote {
        Some(Http::new(settings.broker.clone())?)
    } else {
        None
    };
    let read = |uri: &str| -> Result<Vec<u8>, String> {
        if let Some(http) = &http {
            http.get(uri)
        } else {
            std::fs::read(uri).map_err(|e| format!("cannot read {uri}: {e}"))
        }
    };
    let mut tileset = Tileset::parse(&read(&settings.at)?)?;
    let georef = Georef::new(settings.origin, Some(&settings.crs)).map_err(|e| e.to_string())?;
    let base = settings
        .at
        .rsplit_once('/')
        .map_or("", |(b, _)| b)
        .to_owned();
    let full = |uri: &str| {
        if base.is_empty() || uri.contains("://") {
            uri.to_owned()
        } else {
            format!("{base}/{uri}")
        }
    };
    // External tilesets (a content that is a tileset.json) grafted in at once: they are small
    // beside the meshes, and the choice needs the whole tree.
    let mut externals = 0;
    loop {
        let pending = tileset.external_tilesets();
        if pending.is_empty() || cancel.is_cancelled() {
            break;
        }
        for (at, uri) in pending {
            externals += 1;
            let grafted = if externals > MAX_EXTERNAL_TILESETS {
                Err(format!(
                    "more than {MAX_EXTERNAL_TILESETS} external tilesets"
                ))
            } else {
                read(&full(&uri)).and_then(|b| tileset.graft(at, &uri, &b))
            };
            if let Err(e) = grafted {
                tracing::warn!("tileset {}: {uri}: {e}", settings.at);
                tileset.tiles[at].contents.retain(|c| *c != uri);
            }
        }
    }
    send(TilesetMessage::Opened {
        tiles: tileset.tiles.len(),
        version: tileset.version.clone(),
    });
    let mut ground = settings.ground_m;
    let mut placed = select::place(&tileset, &georef, ground.unwrap_or(0.0));
    // The meshes' sizes, once read; the tiles sent and still wanted.
    let mut bytes: HashMap<usize, u64> = HashMap::new();
    let mut sent: HashSet<usize> = HashSet::new();
    let mut look = None;
    while !cancel.is_cancelled() {
        match looks.has_changed() {
            // The viewer went away: nothing more to do.
            Err(_) => return Ok(()),
            Ok(true) => look = *looks.borrow_and_update(),
            Ok(false) => {}
        }
        let Some(eye) = look else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let wanted = choose(&placed, &bytes, &eye, settings);
        sent.retain(|i| wanted.contains(i));
        send(TilesetMessage::Wanted(wanted.clone()));
        // Read the nearest missing tile; then look again (the camera may have moved).
        let Some(&next) = wanted.iter().find(|i| !sent.contains(i)) else {
            // All in: wait for the camera to move.
            while !cancel.is_cancelled() && !looks.has_changed().unwrap_or(true) {
                std::thread::sleep(Duration::from_millis(30));
            }
            continue;
        };
        let tile = &tileset.tiles[next];
        let mut meshes = Vec::new();
        let mut features = FeatureTable::default();
        let mut problem = None;
        for uri in &tile.contents {
            let full = full(uri);
            let dir = PathBuf::from(&full);
            match read(&full).and_then(|b| {
                content::decode(&b, &tile.world, dir.parent().unwrap_or(Path::new(".")))
            }) {
                Ok(c) => {
                    // A second content's feature ids follow the first's.
                    let offset = features.append(c.features);
                    meshes.extend(c.meshes.into_iter().map(|mut m| {
                        for f in m.features.iter_mut().filter(|f| **f != NO_FEATURE) {
                            *f = f.saturating_add(offset);
                        }
                        m
                    }));
                }
                Err(e) => problem = Some(format!("{uri}: {e}")),
            }
        }
        if ground.is_none() && !meshes.is_empty() {
            // The lowest point of the first content stands at the scene's 0 m.
            let lowest = meshes
                .iter()
                .flat_map(|m| m.triangles.iter().flatten())
                .map(|p| ecef::to_geodetic(*p).2)
                .fold(f64::INFINITY, f64::min);
            ground = Some(lowest);
            placed = select::place(&tileset, &georef, lowest);
        }
        let scene = to_scene(&meshes, &georef, ground.unwrap_or(0.0));
        let size: u64 = scene
            .iter()
            .map(|m| (m.positions.len() * 24 + m.features.len() * 4 + m.parts.len() * 32) as u64)
            .sum::<u64>()
            + features.bytes() as u64;
        bytes.insert(next, size.max(1));
        sent.insert(next);
        match problem {
            Some(why) if scene.is_empty() => send(TilesetMessage::Missing(next, why)),
            _ => send(TilesetMessage::Tile {
                index: next,
                meshes: scene,
                features: std::sync::Arc::new(features),
            }),
        }
    }
    Ok(())
}

/// The tiles for a look, coarser while the known sizes of those chosen pass the budget.
fn choose(
    placed: &[Option<PlacedTile>],
    bytes: &HashMap<usize, u64>,
    eye: &select::Eye,
    settings: &TilesetSettings,
) -> Vec<usize> {
    let mut max_tiles = placed.len();
    let mut last: Vec<usize> = Vec::new();
    loop {
        let wanted = select::select(placed, eye, settings.max_error_px, max_tiles);
        if wanted.is_empty() && !last.is_empty() {
            // Nothing coarser has content: the coarsest choice that had some.
            return last;
        }
        let known: u64 = wanted.iter().filter_map(|i| bytes.get(i)).sum();
        if known <= settings.memory_bytes || wanted.len() <= 1 {
            return wanted;
        }
        max_tiles = wanted.len() - 1;
        last = wanted;
    }
}

/// A tile's meshes in ECEF to one mesh in the scene (one draw call a tile), every vertex
/// through PROJ, flat normals; each glTF mesh's name and vertex range kept as a part.
fn to_scene(meshes: &[ContentMesh], georef: &Georef, ground_m: f64) -> Vec<SceneMesh> {
    let Some(centre) = meshes
        .iter()
        .find_map(|m| m.triangles.first())
        .and_then(|t| select::to_scene(georef, t[0], ground_m))
    else {
        return Vec::new();
    };
    let (mut positions, mut normals, mut parts) = (Vec::new(), Vec::new(), Vec::new());
    let mut features = Vec::new();
    for m in meshes {
        let start = positions.len() as u32;
        for (i, t) in m.triangles.iter().enumerate() {
            let Some(p) = t
                .iter()
                .map(|v| select::to_scene(georef, *v, ground_m))
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let (u, v) = (sub(p[1], p[0]), sub(p[2], p[0]));
            let n = [
                u[1] * v[2] - u[2] * v[1],
                u[2] * v[0] - u[0] * v[2],
                u[0] * v[1] - u[1] * v[0],
            ];
            let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            if len == 0.0 || !len.is_finite() {
                continue;
            }
            for q in &p {
                positions.push([
                    (q[0] - centre[0]) as f32,
                    (q[1] - centre[1]) as f32,
                    (q[2] - centre[2]) as f32,
                ]);
                normals.push(n.map(|c| (c / len) as f32));
            }
            features.push(m.features.get(i).copied().unwrap_or(NO_FEATURE));
        }
        parts.push((m.name.clone(), start..positions.len() as u32));
    }
    if features.iter().all(|&f| f == NO_FEATURE) {
        features.clear();
    }
    vec![SceneMesh {
        parts,
        centre,
        positions,
        normals,
        features,
    }]
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// The configured broker (`[broker]`), when there is one whose credentials can be read.
pub fn broker_of(config: &crate::config::Config) -> Option<ClientConfig> {
    if config.broker.url.is_empty() {
        return None;
    }
    crate::source::broker_source(config, Vec::new())
        .inspect_err(|e| tracing::warn!("tilesets: the broker's settings: {e}"))
        .ok()
        .map(|b| b.client)
}

/// Files over HTTP(S) through one runtime and one client (kept connections, one TLS setup);
/// errors never name the URL (it may hold a key). Files on the broker's own server are read
/// with its credentials and certificate authorities (`[broker]` token, OAuth client,
/// `ca_file`); they are never sent to another server.
pub struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    broker: Option<Client>,
}

impl Http {
    /// A runtime and a client with a 30 s timeout; `broker` for files on its server.
    pub fn new(broker: Option<ClientConfig>) -> Result<Self, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Ok(Self {
            broker: broker
                .map(Client::new)
                .transpose()
                .map_err(|e| e.to_string())?,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(|e| e.to_string())?,
        })
    }

    /// The file at `url`.
    pub fn get(&self, url: &str) -> Result<Vec<u8>, String> {
        if let Some(b) = self.broker.as_ref().filter(|b| b.serves(url)) {
            return self
                .runtime
                .block_on(b.get_file(url))
                .map_err(|e| format!("cannot read the tileset: {e}"));
        }
        self.runtime.block_on(async {
            let response = self
                .client
                .get(url)
                .send()
                .await
                .map_err(|e| format!("cannot read the tileset: {}", e.without_url()))?;
            if !response.status().is_success() {
                return Err(format!(
                    "the tileset's server answered {}",
                    response.status()
                ));
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| format!("cannot read the tileset: {}", e.without_url()))?;
            Ok(bytes.to_vec())
        })
    }
}
