//! The loader: a thread that resolves the data source (starting the demo when it is the
//! source), reads, georeferences and meshes the city, and reports through a channel; for a
//! broker holding more buildings than fit it goes on as the viewport streamer
//! ([`super::stream`]). It belongs to the scene's [`crate::scene::Workers`], which stops it
//! (mid-request if need be) on a reload or when the app exits.

use super::{Streaming, TileMeshes, stream};
use crate::cancel::Cancel;
use crate::city::stream::Streamer;
use crate::city::tiles::TileStats;
use crate::city::{self, CityModel, Progress};
use crate::config::Config;
use crate::demo::{self, Demo};
use crate::geometry::extrude::Palette;
use crate::source::{Source, SourceError};
use crate::worker::Worker;
use bevy::winit::{EventLoopProxy, WinitUserEvent};
use crossbeam_channel::{Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

/// What the loader tells the scene.
pub(crate) enum LoaderMessage {
    Progress(Progress),
    /// The source resolved: what is read, and the demo when it was started for it.
    Source(Source, Option<Box<Demo>>),
    Done(Box<CityModel>, Vec<TileMeshes>, TileStats),
    Streaming(Streaming),
    Failed(String),
}

/// How often the heartbeat wakes the window while the loader works.
const HEARTBEAT: Duration = Duration::from_millis(500);

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

    /// Wakes the event loop twice a second until the returned worker is dropped, so the
    /// progress shown moves on during long steps that report nothing (parsing a large file).
    pub(crate) fn heartbeat(&self) -> Option<Worker> {
        let waker = self.waker.clone()?;
        Worker::spawn("heartbeat", move |cancel| {
            let step = Duration::from_millis(20);
            let mut slept = Duration::ZERO;
            while !cancel.is_cancelled() {
                std::thread::sleep(step);
                slept += step;
                if slept >= HEARTBEAT {
                    slept = Duration::ZERO;
                    let _ = waker.send_event(WinitUserEvent::WakeUp);
                }
            }
        })
        .ok()
    }

    /// Wakes the event loop (after news sent through another channel).
    pub(crate) fn wake(&self) {
        if let Some(w) = &self.waker {
            let _ = w.send_event(WinitUserEvent::WakeUp);
        }
    }
}

/// Starts the loader: with `source` given (a reload), it reads that; else it resolves the
/// configured source, starting the demo for it. Returns the channel and the thread's worker.
pub(crate) fn spawn(
    config: Arc<Config>,
    palette: Palette,
    source: Option<Source>,
    waker: Option<EventLoopProxy<WinitUserEvent>>,
) -> (Receiver<LoaderMessage>, Option<Worker>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let tx = LoaderTx { tx, waker };
    let worker = Worker::spawn("loader", move |cancel| {
        load(&config, palette, source, &tx, &cancel);
    });
    match worker {
        Ok(w) => (rx, Some(w)),
        Err(e) => {
            bevy::log::error!("cannot start the loader thread: {e}");
            (rx, None)
        }
    }
}

/// The loader thread's work.
fn load(config: &Config, palette: Palette, source: Option<Source>, tx: &LoaderTx, cancel: &Cancel) {
    let heartbeat = tx.heartbeat();
    let source = match source {
        Some(s) => Ok(s),
        None => resolve(config, tx),
    };
    // A broker holding more than fits is loaded by viewport.
    if let Ok(Source::Broker(b)) = &source {
        let progress_tx = tx.clone();
        let opened = Streamer::open(b, config, cancel, &mut |done, total| {
            let _ = progress_tx.send(LoaderMessage::Progress(Progress {
                stage: "receiving sensors",
                done,
                total: total.unwrap_or(0),
            }));
        });
        match opened {
            Ok(Some(streamer)) => {
                return stream::run(streamer, palette, tx, heartbeat, cancel);
            }
            Ok(None) => {}
            Err(city::LoadError::Source(SourceError::Cancelled)) => return,
            Err(e) => {
                let _ = tx.send(LoaderMessage::Failed(e.to_string()));
                return;
            }
        }
    }
    let progress_tx = tx.clone();
    let result = source.map_err(city::LoadError::from).and_then(|source| {
        city::load_unless_cancelled(&source, config, cancel, &mut |p| {
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
            let (tiles, stats) =
                city::tiles::build_configured(&model.buildings, &config.buildings, &palette);
            let tiles = tiles.into_iter().map(TileMeshes::of).collect();
            LoaderMessage::Done(Box::new(model), tiles, stats)
        }
        Err(city::LoadError::Source(SourceError::Cancelled)) => return,
        Err(e) => LoaderMessage::Failed(e.to_string()),
    };
    let _ = tx.send(message);
}

/// The configured source, ready to read; the demo is started for it and handed to the scene.
fn resolve(config: &Config, tx: &LoaderTx) -> Result<Source, SourceError> {
    if config.data.source == crate::config::SourceSetting::Demo {
        let _ = tx.send(LoaderMessage::Progress(Progress {
            stage: "starting the local broker",
            done: 0,
            total: 0,
        }));
    }
    let (source, demo) = demo::open(config)?;
    let _ = tx.send(LoaderMessage::Source(source.clone(), demo.map(Box::new)));
    Ok(source)
}
