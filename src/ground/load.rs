//! The base map's worker: reads the configured sources, places and meshes them for the
//! city's origin, and sends a summary then the tiles one by one.

use crate::basemap::mesh::{GroundTile, StreetName, build};
use crate::basemap::sources::{self, GroundSource, ReadSources};
use crate::georef::{Georef, LonLat};
use crate::worker::Worker;
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::collections::BTreeMap;

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
    waker: Option<Box<dyn Fn() + Send>>,
) -> (Receiver<Message>, std::io::Result<Worker>) {
    let (tx, rx) = unbounded();
    let worker = Worker::spawn("ground", move |cancel| {
        let wake = || {
            if let Some(w) = &waker {
                w();
            }
        };
        work(&tx, sources, origin, &crs, tile_size, &cancel, &wake);
        drop(tx);
        wake();
    });
    (rx, worker)
}

fn work(
    tx: &Sender<Message>,
    sources: Vec<GroundSource>,
    origin: LonLat,
    crs: &str,
    tile_size: f64,
    cancel: &crate::cancel::Cancel,
    wake: &dyn Fn(),
) {
    let ReadSources {
        data,
        problems,
        attributions,
    } = sources::read(&sources);
    let georef = match Georef::new(origin, Some(crs)) {
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
    let meshes = build(&data, &georef, tile_size, cancel);
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
