//! The base map's worker: reads the configured sources, places and meshes them for the
//! city's origin, and sends a summary then the tiles one by one.

use crate::basemap::mesh::{GroundTile, StreetName, build};
use crate::basemap::sources::{self, GroundSource, ReadSources};
use crate::georef::{Georef, LonLat};
use crate::terrain::HeightGrid;
use crate::worker::Worker;
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the worker sends.
pub(super) enum Message {
    /// What was read, before the tiles.
    Summary(Summary),
    /// One tile of one class.
    Tile(GroundTile),
}

/// What was read and drawn.
pub(super) struct Summary {
    pub drawn: BTreeMap<&'static str, usize>,
    pub skipped: usize,
    pub problems: Vec<String>,
    pub attributions: Vec<String>,
    pub streets: Vec<StreetName>,
}

/// Starts the worker for a city at `origin` in `crs`; the channel closes when it is done.
pub(super) fn spawn(
    sources: Vec<GroundSource>,
    origin: LonLat,
    crs: String,
    tile_size: f64,
    terrain: Option<Arc<HeightGrid>>,
    waker: Option<Box<dyn Fn() + Send>>,
) -> (Receiver<Message>, std::io::Result<Worker>) {
    let (tx, rx) = unbounded();
    let worker = Worker::spawn("ground", move |cancel| {
        let wake = || {
            if let Some(w) = &waker {
                w();
            }
        };
        let place = Place {
            origin,
            crs: &crs,
            tile_size,
            terrain: terrain.as_deref(),
        };
        work(&tx, sources, &place, &cancel, &wake);
        drop(tx);
        wake();
    });
    (rx, worker)
}

/// Where the ground goes: the scene's origin and CRS, its tiles' size, the terrain it lies on.
struct Place<'a> {
    origin: LonLat,
    crs: &'a str,
    tile_size: f64,
    terrain: Option<&'a HeightGrid>,
}

/// Over the terrain the ground lies this much higher than over flat ground (m): the terrain's
/// coarser levels of detail depart from the grid by a little.
const TERRAIN_LIFT_M: f32 = 0.2;

fn work(
    tx: &Sender<Message>,
    sources: Vec<GroundSource>,
    place: &Place,
    cancel: &crate::cancel::Cancel,
    wake: &dyn Fn(),
) {
    let ReadSources {
        data,
        problems,
        attributions,
    } = sources::read(&sources);
    let georef = match Georef::new(place.origin, Some(place.crs)) {
        Ok(g) => g,
        Err(e) => {
            let _ = tx.send(Message::Summary(Summary {
                drawn: BTreeMap::new(),
                skipped: 0,
                problems: vec![format!("the ground cannot be placed: {e}")],
                attributions,
                streets: Vec::new(),
            }));
            return;
        }
    };
    let mut meshes = build(&data, &georef, place.tile_size, cancel);
    if let Some(grid) = place.terrain {
        for tile in &mut meshes.tiles {
            crate::terrain::drape(&mut tile.mesh, tile.center, grid, TERRAIN_LIFT_M);
        }
    }
    for p in &problems {
        bevy::log::warn!("ground: {p}");
    }
    let skipped = data.skipped.len() + meshes.skipped.len();
    if skipped > 0 {
        let first = data.skipped.iter().chain(&meshes.skipped).next();
        if let Some(f) = first {
            bevy::log::info!(
                "ground: {skipped} features not drawn, e.g. {}: {}",
                f.id,
                f.reason
            );
        }
    }
    let summary = Summary {
        drawn: meshes.drawn,
        skipped,
        problems,
        attributions,
        streets: meshes.streets,
    };
    if tx.send(Message::Summary(summary)).is_err() {
        return;
    }
    wake();
    for (i, tile) in meshes.tiles.into_iter().enumerate() {
        if cancel.is_cancelled() || tx.send(Message::Tile(tile)).is_err() {
            return;
        }
        if i % 32 == 31 {
            wake();
        }
    }
}
