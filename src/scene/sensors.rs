//! The sensors in the scene: the layers, each sensor's marker, the live feed's state, the
//! selected sensor's history and everyone's past values for the time panel.

use crate::city::sensor::replay::{Replay, Shown};
use crate::city::sensor::{Sensor, SensorLayer};
use crate::language::Language;
use crate::live::{FeedStats, LiveMode};
use bevy::prelude::*;
use std::time::Instant;

/// The sensor layers, in the order of the configuration.
#[derive(Resource, Debug, Clone)]
pub struct SensorLayers(pub Vec<SensorLayer>);

/// A sensor's marker in the scene.
#[derive(Component, Debug, Clone)]
pub struct SensorMarker {
    /// The sensor as last known.
    pub sensor: Sensor,
    /// Colour drawn now (stale readings are grey).
    pub drawn_color: [f32; 3],
    /// When the last change arrived.
    pub updated: Instant,
    /// What it shows while the time panel replays the past (`None` when live).
    pub shown: Option<Shown>,
}

impl SensorMarker {
    /// The colour to draw: the past value's while replaying, else the reading's at `now`
    /// (grey when older than `stale_ms`).
    pub fn color(&self, now: i64, stale_ms: i64) -> [f32; 3] {
        match &self.shown {
            Some(s) => s.color,
            None => self.sensor.color_at(now, stale_ms),
        }
    }

    /// The label to show in a language and, when the value is stale, when it was observed
    /// and the time it is shown at (the replayed time while replaying, else `now`), to say
    /// its age.
    pub fn label(
        &self,
        now: i64,
        stale_ms: i64,
        layer: &SensorLayer,
        language: Language,
    ) -> (String, Option<(i64, i64)>) {
        let (reading, observed, at) = match &self.shown {
            Some(s) => (&s.reading, s.observed, s.at),
            None => (&self.sensor.reading, self.sensor.observed_at, now),
        };
        let text = self.sensor.label_in(layer, reading, language);
        match observed {
            Some(t) if at - t > stale_ms => (text, Some((t, at))),
            _ => (text, None),
        }
    }
}

/// The sensors' past values for the time panel (see `replay`).
#[derive(Resource, Debug, Default)]
pub struct SensorReplay {
    /// The values read, extended by live changes.
    pub data: Replay,
    /// Loading, ready or failed.
    pub status: HistoryStatus,
    /// Remarks on how they were read (layers the broker could not average).
    pub notes: Vec<String>,
    /// When the past values were last asked for.
    pub asked: Option<Instant>,
}

/// Where the live feed stands, for the status bar.
#[derive(Resource, Debug)]
pub struct LiveState {
    /// The mode.
    pub mode: LiveMode,
    /// Why, in words.
    pub detail: crate::language::Phrase,
    /// Counts from the feed.
    pub stats: FeedStats,
    /// Changes applied to the scene.
    pub applied: u64,
    /// When the last change was applied.
    pub last_change: Option<Instant>,
    /// When set, the time from each change's arrival to its application (ms) is recorded
    /// here (`citytwin bench live`).
    pub latencies_ms: Option<Vec<f64>>,
    /// The entity types followed: those of the visible sensor layers.
    pub followed: Vec<String>,
}

impl Default for LiveState {
    fn default() -> Self {
        Self {
            mode: LiveMode::Connecting,
            detail: crate::language::Phrase::new("live-waiting"),
            stats: FeedStats::default(),
            applied: 0,
            last_change: None,
            latencies_ms: None,
            followed: Vec::new(),
        }
    }
}

/// Whether the selected sensor's history is in.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum HistoryStatus {
    /// Nothing asked.
    #[default]
    None,
    /// Asked of the broker.
    Loading,
    /// In `points`.
    Ready,
    /// The broker gave none; why.
    Failed(crate::language::Phrase),
}

/// The selected sensor's values over the last [`HISTORY_HOURS`] hours (the layer's factor
/// applied), for the inspector's chart; live changes are appended.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct SensorHistory {
    /// The sensor.
    pub id: Option<String>,
    /// The attribute charted.
    pub attribute: String,
    /// (ms since the epoch, value) in time order.
    pub points: Vec<(i64, f64)>,
    /// Loading, ready or failed.
    pub status: HistoryStatus,
}

/// Hours of history charted in the inspector.
pub const HISTORY_HOURS: f64 = 24.0;

pub(super) fn build(app: &mut App) {
    app.init_resource::<LiveState>()
        .init_resource::<SensorHistory>()
        .init_resource::<SensorReplay>();
}
