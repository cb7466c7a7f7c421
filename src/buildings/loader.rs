//! The loader: a thread that resolves the data source (starting the demo when it is the
//! source), reads, georeferences and meshes the city, and reports through a channel; for a
//! broker holding more buildings than fit it goes on as the viewport streamer
//! ([`super::stream`]). It belongs to the scene's [`crate::scene::Workers`], which stops it
//! (mid-request if need be) on a reload or when the app exits.

use super::{Streaming, TileMeshes, stream};
use crate::cancel::Cancel;
use crate::city::stream::Streamer;
use crate::city::tiles::TileStats;
use crate::city::{self, CityModel, Progress, cache};
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
    /// A city to show; from the city cache (written then, ms since 1970: the loader goes on to
    /// read the source) or from the source (`None`: the loader is done).
    Done(Box<CityModel>, Vec<TileMeshes>, TileStats, Option<i64>),
    Streaming(Streaming),
    /// The source cannot be reached while the cached city is shown; the loader tries again.
    Offline(String),
    /// The cached city shown is the source's as it is (a file unchanged): nothing more.
    UpToDate,
    Failed(String),
}

/// How long the loader waits before asking a source that did not answer again, while the
/// cached city is shown.
const RETRY: Duration = Duration::from_secs(10);

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

/// The loader thread's work: the cached city first (when the cache is on and this is not a
/// reload), then the source; while the source cannot be reached the cached city stays and
/// the source is asked again every [`RETRY`].
fn load(config: &Config, palette: Palette, source: Option<Source>, tx: &LoaderTx, cancel: &Cancel) {
    let mut heartbeat = tx.heartbeat();
    let cache = (source.is_none() && config.data.cache_on(config.kiosk.enabled))
        .then(|| CacheFile::of(config));
    let mut cached = false;
    if let Some(file) = &cache {
        match file.read(config, &palette) {
            Ok((message, up_to_date)) => {
                cached = true;
                let _ = tx.send(message);
                if up_to_date {
                    let _ = tx.send(LoaderMessage::UpToDate);
                    return;
                }
            }
            Err(cache::CacheError::Missing(_)) => {}
            Err(e) => bevy::log::warn!(
                "city cache {} not used: {e}; reading the source",
                file.path.display()
            ),
        }
    }
    let source = match source {
        Some(s) => Ok(s),
        None => resolve(config, tx),
    };
    loop {
        // A file's stamp before it is read: a change while reading shows next time.
        let stamp = cache
            .as_ref()
            .and_then(|c| c.file.as_deref())
            .and_then(cache::FileStamp::of);
        let failed = match fresh(config, palette, &source, tx, &mut heartbeat, cancel) {
            Fresh::Done(model, tiles, stats) => {
                // Encoded before it is handed over; written after, off the viewer's path.
                let bytes = cache.as_ref().and_then(|f| f.encode(&model, stamp));
                let _ = tx.send(LoaderMessage::Done(model, tiles, stats, None));
                if let (Some(file), Some(bytes)) = (&cache, bytes) {
                    file.write(&bytes);
                }
                return;
            }
            Fresh::Other => return,
            Fresh::Failed(message) => message,
        };
        if !cached {
            let _ = tx.send(LoaderMessage::Failed(failed));
            return;
        }
        let _ = tx.send(LoaderMessage::Offline(failed));
        if cancel.sleep(RETRY) {
            return;
        }
    }
}

/// What reading the source came to.
enum Fresh {
    Done(Box<CityModel>, Vec<TileMeshes>, TileStats),
    /// Streamed by viewport (the streamer ran until stopped), or cancelled.
    Other,
    Failed(String),
}

/// Reads, decodes and meshes the source once (or hands over to the viewport streamer).
fn fresh(
    config: &Config,
    palette: Palette,
    source: &Result<Source, SourceError>,
    tx: &LoaderTx,
    heartbeat: &mut Option<Worker>,
    cancel: &Cancel,
) -> Fresh {
    // A broker holding more than fits is loaded by viewport.
    if let Ok(Source::Broker(b)) = source {
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
                stream::run(streamer, palette, tx, heartbeat.take(), cancel);
                return Fresh::Other;
            }
            Ok(None) => {}
            Err(city::LoadError::Source(SourceError::Cancelled)) => return Fresh::Other,
            Err(e) => return Fresh::Failed(e.to_string()),
        }
    }
    let progress_tx = tx.clone();
    let source = match source {
        Ok(s) => s,
        Err(SourceError::Cancelled) => return Fresh::Other,
        Err(e) => return Fresh::Failed(e.to_string()),
    };
    let result = city::load_unless_cancelled(source, config, cancel, &mut |p| {
        let _ = progress_tx.send(LoaderMessage::Progress(p));
    });
    match result {
        Ok(model) => {
            let _ = tx.send(LoaderMessage::Progress(Progress {
                stage: "meshing",
                done: 0,
                total: model.buildings.len(),
            }));
            let (tiles, stats) = mesh(&model, config, &palette);
            Fresh::Done(Box::new(model), tiles, stats)
        }
        Err(city::LoadError::Source(SourceError::Cancelled)) => Fresh::Other,
        Err(e) => Fresh::Failed(e.to_string()),
    }
}

/// A city's buildings meshed into tiles, ready for the scene.
fn mesh(model: &CityModel, config: &Config, palette: &Palette) -> (Vec<TileMeshes>, TileStats) {
    let (tiles, stats) =
        city::tiles::build_configured(&model.buildings, &config.buildings, palette);
    (tiles.into_iter().map(TileMeshes::of).collect(), stats)
}

/// The city cache of a configuration: where, under which key.
struct CacheFile {
    path: std::path::PathBuf,
    key: String,
    /// The file read, for a file source (to know it unchanged).
    file: Option<std::path::PathBuf>,
}

impl CacheFile {
    fn of(config: &Config) -> Self {
        let dir = cache::dir(config);
        let key = cache::key(config);
        Self {
            path: cache::path(&dir, &key),
            key,
            file: match &config.data.source {
                crate::config::SourceSetting::File(p) => Some(p.clone()),
                _ => None,
            },
        }
    }

    /// The cached city, meshed, and whether it is the source as it is now (a file unchanged).
    fn read(
        &self,
        config: &Config,
        palette: &Palette,
    ) -> Result<(LoaderMessage, bool), cache::CacheError> {
        let started = std::time::Instant::now();
        let cached = cache::read(&self.path, &self.key)?;
        let up_to_date = self
            .file
            .as_ref()
            .is_some_and(|f| cached.stamp.is_some() && cache::FileStamp::of(f) == cached.stamp);
        let mut model = cached.model;
        // The terrain may have changed since: the buildings are set on it again.
        city::standing::stand_on_configured(&mut model, config);
        let (tiles, stats) = mesh(&model, config, palette);
        bevy::log::info!(
            "city cache {}: {} buildings read and meshed in {:.2} s{}",
            self.path.display(),
            model.buildings.len(),
            started.elapsed().as_secs_f64(),
            if up_to_date {
                " (the file is unchanged)"
            } else {
                "; reading the source behind it"
            }
        );
        Ok((
            LoaderMessage::Done(Box::new(model), tiles, stats, Some(cached.written_ms)),
            up_to_date,
        ))
    }

    fn encode(&self, model: &CityModel, stamp: Option<cache::FileStamp>) -> Option<Vec<u8>> {
        cache::encode(&self.key, model, stamp)
            .inspect_err(|e| bevy::log::warn!("the city cache cannot be encoded: {e}"))
            .ok()
    }

    fn write(&self, bytes: &[u8]) {
        match cache::write(&self.path, bytes) {
            Ok(()) => bevy::log::info!(
                "city cache written: {} ({:.1} MB)",
                self.path.display(),
                bytes.len() as f64 / 1e6
            ),
            Err(e) => bevy::log::warn!("cannot write the city cache {}: {e}", self.path.display()),
        }
    }
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
