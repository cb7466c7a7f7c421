//! The live feed in the scene: started when a city is in (for the broker it came from, with
//! the demo's simulator when the demo is the source), its messages applied in bounded batches
//! each frame.

use super::markers::spawn_marker;
use super::{Feed, MESSAGES_PER_FRAME, SensorAssets, SensorIndex, as_shown, stale_ms};
use crate::city::sensor::Reading;
use crate::city::sensor::replay::Replay;
use crate::language::Phrase;
use crate::live::{self, LiveMessage, LiveMode, LiveSettings, NotifySettings};
use crate::scene::{
    BrokerEntity, BrokerEntityGone, BrokerFollows, CityState, HISTORY_HOURS, HistoryStatus, Layers,
    LiveState, SceneSource, SensorHistory, SensorLayers, SensorMarker, SensorReplay, Settings,
    Workers,
};
use crate::worker::Stage;
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use std::time::{Duration, Instant};

/// When a city (re)loads: markers for its sensors, and a live feed from its broker.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn follow_city(
    city: Res<CityState>,
    settings: Res<Settings>,
    sensor_layers: Res<SensorLayers>,
    mut index: ResMut<SensorIndex>,
    mut live: ResMut<LiveState>,
    source: Option<Res<SceneSource>>,
    mut feed: ResMut<Feed>,
    mut workers: ResMut<Workers>,
    mut assets: ResMut<SensorAssets>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut layers: ResMut<Layers>,
    mut replay: ResMut<SensorReplay>,
    follows: Res<BrokerFollows>,
    mut commands: Commands,
) {
    let Some(model) = city.model.as_ref() else {
        return;
    };
    // Wait until the buildings are in the scene: the live feed and the simulator would
    // otherwise compete with them for the CPU and delay the first complete frame.
    if !city.is_ready() {
        return;
    }
    // A new load (not buildings coming and going by viewport) starts the sensors afresh.
    if index.load == Some(city.load_id) {
        return;
    }
    index.load = Some(city.load_id);
    *replay = SensorReplay::default();
    for (_, e) in index.by_id.drain() {
        commands.entity(e).despawn();
    }
    let now = crate::timestamp::now_millis();
    let stale = stale_ms(&settings);
    let mut counts = vec![0usize; sensor_layers.0.len()];
    for s in &model.sensors {
        counts[s.layer] += 1;
        let id = s.id.clone();
        let e = spawn_marker(
            &mut commands,
            &mut assets,
            &mut materials,
            &sensor_layers.0,
            s.clone(),
            now,
            stale,
        );
        index.by_id.insert(id, e);
    }
    for (l, n) in sensor_layers.0.iter().zip(counts) {
        if let Some(layer) = layers.get_mut(&l.id) {
            layer.count = Some(n);
        }
    }
    // The live feed follows the broker the city came from.
    feed.0 = None;
    workers.stop("live feed");
    let client = source.as_ref().and_then(|s| s.live_broker().cloned());
    let Some(client) = client else {
        live.mode = LiveMode::Off;
        live.detail = Phrase::new("live-from-file");
        return;
    };
    // The demo's simulator starts with the feed (once), so that neither competes with the
    // buildings for the CPU while they load.
    let past_written = source
        .as_ref()
        .and_then(|s| s.demo.as_ref())
        .map(|demo| demo.simulate(crate::demo::SIMULATION_RATE));
    live.mode = LiveMode::Connecting;
    live.detail = Phrase::new("live-connecting");
    // The feed follows the visible layers (see `follow_visible_layers`).
    let feed_layers = as_shown(&sensor_layers, &layers);
    live.followed = live::followed_types(&feed_layers);
    let mut started = live::start(LiveSettings {
        client,
        layers: feed_layers,
        origin: model.origin,
        crs: model.crs.clone(),
        max_distance_m: settings.scene.max_distance_km * 1000.0,
        poll_interval: Duration::from_secs_f64(settings.sensors.poll_interval_s),
        notify: NotifySettings::from_config(&settings.live),
        also_follow: follows.0.clone(),
        past_written,
    });
    if let Some(worker) = started.take_worker() {
        workers.add("live feed", Stage::Reader, worker);
    }
    feed.0 = Some(started);
}

/// Applies the live feed's messages, at most [`MESSAGES_PER_FRAME`] a frame.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn apply_live(
    mut live: ResMut<LiveState>,
    feed: Res<Feed>,
    settings: Res<Settings>,
    sensor_layers: Res<SensorLayers>,
    mut index: ResMut<SensorIndex>,
    mut assets: ResMut<SensorAssets>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut markers: Query<(&mut SensorMarker, &mut Transform)>,
    mut commands: Commands,
    mut redraw: MessageWriter<RequestRedraw>,
    mut history: ResMut<SensorHistory>,
    mut replay: ResMut<SensorReplay>,
    mut passed_on: (MessageWriter<BrokerEntity>, MessageWriter<BrokerEntityGone>),
    (mut kept, language): (
        ResMut<super::offline::OfflineStore>,
        Option<Res<crate::scene::UiLanguage>>,
    ),
) {
    let Some(feed) = feed.0.as_ref() else {
        return;
    };
    let messages: Vec<LiveMessage> = feed.messages.try_iter().take(MESSAGES_PER_FRAME).collect();
    if messages.is_empty() {
        return;
    }
    redraw.write(RequestRedraw);
    let now = crate::timestamp::now_millis();
    let stale = stale_ms(&settings);
    for m in messages {
        match m {
            LiveMessage::Changed(sensor, arrived) => {
                if let Some(l) = live.latencies_ms.as_mut() {
                    l.push(arrived.elapsed().as_secs_f64() * 1000.0);
                }
                let sensor = *sensor;
                if history.id.as_deref() == Some(sensor.id.as_str())
                    && let (Reading::Number(v), Some(t)) = (&sensor.reading, sensor.observed_at)
                    && history.points.last().is_none_or(|p| p.0 < t)
                {
                    history.points.push((t, *v));
                    // The chart shows the last day: older values go, so a kiosk's memory
                    // stays bounded.
                    let since = t - (HISTORY_HOURS * 3_600_000.0) as i64;
                    let old = history.points.partition_point(|p| p.0 < since);
                    if old > 0 {
                        history.points.drain(..old);
                    }
                }
                if replay.status == HistoryStatus::Ready
                    && let Some(t) = sensor.observed_at
                {
                    replay.data.push(&sensor.id, t, sensor.reading.clone());
                }
                let existing = index.by_id.get(&sensor.id).copied();
                match existing.and_then(|e| markers.get_mut(e).ok()) {
                    // The first query after loading repeats what the city brought.
                    Some((marker, _)) if marker.sensor == sensor => continue,
                    Some((mut marker, _)) if marker.sensor.place == sensor.place => {
                        marker.sensor = sensor;
                        marker.updated = Instant::now();
                        // The colour is brought up to date by `size_and_colour_markers`.
                        marker.drawn_color = [-1.0; 3];
                    }
                    // New, moved, or spawned earlier in this batch and not in the world
                    // yet: (re)spawn with the latest value.
                    _ => {
                        if let Some(e) = existing {
                            commands.entity(e).despawn();
                        }
                        let id = sensor.id.clone();
                        let e = spawn_marker(
                            &mut commands,
                            &mut assets,
                            &mut materials,
                            &sensor_layers.0,
                            sensor,
                            now,
                            stale,
                        );
                        index.by_id.insert(id, e);
                    }
                }
                live.applied += 1;
                live.last_change = Some(Instant::now());
            }
            LiveMessage::Removed(id, arrived) => {
                if let Some(l) = live.latencies_ms.as_mut() {
                    l.push(arrived.elapsed().as_secs_f64() * 1000.0);
                }
                if let Some(e) = index.by_id.remove(&id) {
                    commands.entity(e).despawn();
                    live.applied += 1;
                }
            }
            // Entities followed for other layers (published scenarios) go on as they are.
            LiveMessage::Entity(e) => {
                kept.received(&e);
                passed_on.0.write(BrokerEntity(e));
            }
            LiveMessage::EntityGone(id) => {
                kept.gone(&id);
                passed_on.1.write(BrokerEntityGone(id));
            }
            LiveMessage::Status(mode, detail) => {
                // Live again after a full query: what was kept and is no longer there goes.
                if matches!(mode, LiveMode::Mqtt | LiveMode::Http | LiveMode::Polling) {
                    for id in kept.synced() {
                        passed_on.1.write(BrokerEntityGone(id));
                    }
                }
                live.mode = mode;
                live.detail = detail;
            }
            LiveMessage::Stats(stats) => live.stats = stats,
            LiveMessage::Replay {
                from_ms,
                to_ms,
                series,
                notes,
            } => {
                replay.notes = notes;
                match series {
                    Ok(series) => {
                        kept.keep_history(from_ms, to_ms, &series);
                        let mut data = Replay::new(from_ms, to_ms);
                        for (id, points) in series {
                            data.insert(id, points);
                        }
                        replay.data = data;
                        replay.status = HistoryStatus::Ready;
                    }
                    // The broker cannot give them: the hours kept from the last time it could.
                    Err(why) => match kept.kept_history() {
                        Some((data, written_ms)) => {
                            replay.data = data;
                            let note = super::offline::kept_note(written_ms, language.as_deref());
                            replay.notes.push(note);
                            replay.status = HistoryStatus::Ready;
                        }
                        None => replay.status = HistoryStatus::Failed(Phrase::plain(why)),
                    },
                }
            }
            LiveMessage::History {
                id,
                attribute,
                points,
            } => {
                if history.id.as_deref() == Some(id.as_str()) && history.attribute == attribute {
                    let factor = index
                        .by_id
                        .get(&id)
                        .and_then(|e| markers.get(*e).ok())
                        .map_or(1.0, |(m, _)| sensor_layers.0[m.sensor.layer].factor);
                    match points {
                        Ok(p) => {
                            // Live values that arrived meanwhile stay after the history.
                            let newer: Vec<(i64, f64)> = std::mem::take(&mut history.points);
                            history.points = p.into_iter().map(|(t, v)| (t, v * factor)).collect();
                            let last = history.points.last().map_or(i64::MIN, |p| p.0);
                            history
                                .points
                                .extend(newer.into_iter().filter(|p| p.0 > last));
                            history.status = HistoryStatus::Ready;
                        }
                        Err(why) => history.status = HistoryStatus::Failed(Phrase::plain(why)),
                    }
                }
            }
        }
    }
}
