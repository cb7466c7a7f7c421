//! The loaded city and how far loading got, and where the scene's data come from.

use crate::city::{CityModel, Progress};
use crate::demo::Demo;
use crate::ngsi_ld::client::ClientConfig;
use crate::source::Source;
use bevy::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// The city shown came from the city cache, written then (ms since 1970); `None` once
    /// the source has answered.
    pub cached_at: Option<i64>,
    /// The source cannot be reached (why): the cached city stays shown, and the loader tries
    /// again until it answers.
    pub offline: Option<String>,
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
            cached_at: None,
            offline: None,
        }
    }
}

impl CityState {
    /// Whether every tile is in the scene.
    pub fn is_ready(&self) -> bool {
        self.status == LoadStatus::Ready
    }

    /// The city, when it stands somewhere other than `last` says (its first placing, or its
    /// origin or CRS moved by a reload), noting where it stands now: what places its own
    /// things in the scene (ground, terrain, map tiles, tilesets) starts again then.
    pub fn placed_anew(&self, last: &mut Option<ScenePlace>) -> Option<&Arc<CityModel>> {
        let model = self.model.as_ref()?;
        let here = (model.origin.lon, model.origin.lat, model.crs.clone());
        if last.as_ref() == Some(&here) {
            return None;
        }
        *last = Some(here);
        Some(model)
    }
}

/// Where a city stands in the scene: its origin's longitude and latitude and its projected
/// CRS.
pub type ScenePlace = (f64, f64, String);

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

/// Asks to load the data again (from the broker or file); on failure the city shown stays.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReloadCity;

/// Where the scene's data come from, once resolved by the loader: the source read (for the
/// demo, its local broker) and the demo itself while it runs. The live feed follows the
/// source's broker; a file does not change.
#[derive(Resource, Debug, Clone)]
pub struct SceneSource {
    /// What the buildings and sensors are read from.
    pub source: Source,
    /// The demo (its local broker and simulator), when the source is the built-in demo.
    pub demo: Option<Arc<Demo>>,
}

impl SceneSource {
    /// The broker whose changes the live feed follows, if the data come from one.
    pub fn live_broker(&self) -> Option<&ClientConfig> {
        self.source.broker().map(|b| &b.client)
    }

    /// The URL of the local broker citytwin runs for the demo, if it does.
    pub fn local_broker_url(&self) -> Option<&str> {
        self.demo.as_deref().map(Demo::url)
    }
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<CityState>().add_message::<ReloadCity>();
}
