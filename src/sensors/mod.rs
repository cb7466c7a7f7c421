//! Sensors: entities of the configured sensor layers drawn as markers at their places,
//! coloured and labelled by their main value, kept live as the broker changes.
//!
//! [`model`] holds the Bevy-free part (layers, decoding, merging changes) and [`live`] the
//! thread that follows the broker. The plugin spawns a marker per sensor when the city is
//! loaded, applies the live feed's messages in bounded batches each frame, keeps markers
//! about `sensors.marker_size_px` tall on screen, greys out stale readings, and picks a
//! marker on a click. The UI draws labels, legends and the inspector from [`SensorMarker`]s.

pub mod live;
pub mod model;
pub mod replay;

pub use model::{
    Colors, Decoder, LegendEntry, MarkerShape, Merge, MergeStats, Place, Reading, Sensor,
    SensorLayer, SensorStore,
};

use crate::app::Settings;
use crate::buildings::{ApplySelectionSet, CityState, LocalBroker, PickSet, SelectBuilding};
use crate::camera::target::ViewArea;
use crate::camera::{MainCamera, ViewClicked, ViewMapping};
use crate::clock::{ClockPlugin, SceneClock};
use crate::layers::{LayerMember, Layers};
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use live::{FeedStats, LiveFeed, LiveMessage, LiveMode, LiveSettings, NotifySettings};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Live messages applied per frame at most, so a burst never stalls a frame.
pub const MESSAGES_PER_FRAME: usize = 5_000;

/// Updates per second the demo's simulator sends to the local broker.
pub const DEMO_SIMULATION_RATE: f64 = 10.0;

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
    pub shown: Option<replay::Shown>,
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

    /// The label to show, with the value's age when it is stale: at the replayed time while
    /// replaying, else at `now`.
    pub fn label(&self, now: i64, stale_ms: i64) -> String {
        let (text, observed, at) = match &self.shown {
            Some(s) => (&s.label, s.observed, s.at),
            None => (&self.sensor.label, self.sensor.observed_at, now),
        };
        match observed {
            Some(t) if at - t > stale_ms => {
                format!("{text} ({})", crate::timestamp::age_text(t, at))
            }
            _ => text.clone(),
        }
    }
}

/// The sensors' past values for the time panel (see [`replay`]).
#[derive(Resource, Debug, Default)]
pub struct SensorReplay {
    /// The values read, extended by live changes.
    pub data: replay::Replay,
    /// Loading, ready or failed.
    pub status: HistoryStatus,
    /// Remarks on how they were read (layers the broker could not average).
    pub notes: Vec<String>,
    asked: Option<Instant>,
}

/// One piece of a line marker (a lane segment), sized with the markers.
#[derive(Component, Debug, Clone, Copy)]
struct LineSegment {
    length: f32,
}

/// Where the live feed stands, for the status bar.
#[derive(Resource, Debug)]
pub struct LiveState {
    /// The mode.
    pub mode: LiveMode,
    /// Why, in words.
    pub detail: String,
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
    feed: Option<LiveFeed>,
}

impl LiveState {
    /// Stops the live feed (deleting its subscription).
    pub fn stop(&mut self) {
        self.feed = None;
    }
}

impl Default for LiveState {
    fn default() -> Self {
        Self {
            mode: LiveMode::Connecting,
            detail: "waiting for the city".to_owned(),
            stats: FeedStats::default(),
            applied: 0,
            last_change: None,
            latencies_ms: None,
            followed: Vec::new(),
            feed: None,
        }
    }
}

/// Whether the selected sensor's history is in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HistoryStatus {
    /// Nothing asked.
    #[default]
    None,
    /// Asked of the broker.
    Loading,
    /// In `points`.
    Ready,
    /// The broker gave none; why.
    Failed(String),
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

/// The sensor shown in the inspector.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct SelectedSensor(pub Option<String>);

/// Selects a sensor by entity id (or clears the selection).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct SelectSensor(pub Option<String>);

#[derive(Resource)]
struct SensorAssets {
    meshes: HashMap<MarkerShape, Handle<Mesh>>,
    segment: Handle<Mesh>,
    materials: HashMap<[u8; 3], Handle<StandardMaterial>>,
    roots: Vec<Entity>,
}

#[derive(Resource, Default)]
struct SensorIndex {
    by_id: HashMap<String, Entity>,
    /// The load (`CityState::load_id`) the markers were made for.
    load: Option<u64>,
}

/// The sensor layers.
pub struct SensorsPlugin;

impl Plugin for SensorsPlugin {
    fn build(&self, app: &mut App) {
        // Markers show the values at the scene's time.
        if !app.is_plugin_added::<ClockPlugin>() {
            app.add_plugins(ClockPlugin);
        }
        app.init_resource::<LiveState>()
            .init_resource::<SelectedSensor>()
            .init_resource::<SensorHistory>()
            .init_resource::<SensorReplay>()
            .init_resource::<SensorIndex>()
            .add_message::<SelectSensor>()
            .add_systems(Startup, setup)
            .add_systems(
                Update,
                (
                    (
                        follow_city,
                        request_replay,
                        apply_live,
                        show_replay,
                        size_and_colour_markers,
                    )
                        .chain(),
                    pick_sensor.after(PickSet).before(ApplySelectionSet),
                    apply_sensor_selection.after(pick_sensor),
                    request_history.after(apply_sensor_selection),
                    select_initial_sensor.before(apply_sensor_selection),
                    follow_visible_layers.after(follow_city),
                )
                    .after(crate::camera::CameraInputSet),
            )
            .add_systems(Last, stop_on_exit);
    }
}

/// `--select ID` naming a sensor: select it once its marker is in.
fn select_initial_sensor(
    initial: Option<Res<crate::buildings::InitialSelection>>,
    index: Res<SensorIndex>,
    mut select: MessageWriter<SelectSensor>,
    mut commands: Commands,
) {
    if let Some(initial) = initial
        && index.by_id.contains_key(&initial.0)
    {
        select.write(SelectSensor(Some(initial.0.clone())));
        commands.remove_resource::<crate::buildings::InitialSelection>();
    }
}

/// Asks the broker for the history of a newly selected sensor.
fn request_history(
    selected: Res<SelectedSensor>,
    live: Res<LiveState>,
    index: Res<SensorIndex>,
    markers: Query<&SensorMarker>,
    sensor_layers: Res<SensorLayers>,
    mut history: ResMut<SensorHistory>,
) {
    if !selected.is_changed() || selected.0 == history.id {
        return;
    }
    *history = SensorHistory::default();
    let Some(id) = selected.0.clone() else {
        return;
    };
    let Some(marker) = index.by_id.get(&id).and_then(|e| markers.get(*e).ok()) else {
        return;
    };
    let attribute = sensor_layers.0[marker.sensor.layer].attribute.clone();
    history.id = Some(id.clone());
    history.attribute = attribute.clone();
    match live.feed.as_ref() {
        Some(feed) => {
            feed.history(&id, &attribute, HISTORY_HOURS);
            history.status = HistoryStatus::Loading;
        }
        None => {
            history.status =
                HistoryStatus::Failed("the data come from a file, which has no history".into());
        }
    }
}

/// The sensor layers with `visible` as the layer list has them now.
fn as_shown(sensor_layers: &SensorLayers, layers: &Layers) -> Vec<SensorLayer> {
    let mut out = sensor_layers.0.clone();
    for l in &mut out {
        l.visible = layers.is_visible(&l.id);
    }
    out
}

/// When a sensor layer is shown or hidden, has the live feed follow the visible layers' types
/// (one subscription for those; a layer shown again is queried afresh).
fn follow_visible_layers(
    layers: Res<Layers>,
    sensor_layers: Res<SensorLayers>,
    mut live: ResMut<LiveState>,
) {
    if !layers.is_changed() || live.feed.is_none() {
        return;
    }
    let types = live::followed_types(&as_shown(&sensor_layers, &layers));
    if types != live.followed
        && let Some(feed) = live.feed.as_ref()
    {
        feed.follow_types(&types);
        live.followed = types;
    }
}

/// Time before a failed read of the past is tried again.
const REPLAY_RETRY: Duration = Duration::from_secs(30);

/// Past values older than this are read again when the clock next leaves the present (live
/// changes extend them meanwhile, but not across an outage).
const REPLAY_REFRESH: Duration = Duration::from_secs(600);

/// Asks the broker for the sensors' past values when the clock leaves the present: the first
/// time, after a failure (every [`REPLAY_RETRY`]), and when they are older than
/// [`REPLAY_REFRESH`]. The values read before stay shown until the new ones are in.
fn request_replay(
    clock: Res<SceneClock>,
    live: Res<LiveState>,
    mut replay: ResMut<SensorReplay>,
    mut was_live: Local<bool>,
) {
    let left_live = std::mem::replace(&mut *was_live, clock.is_live()) && !clock.is_live();
    // Before the city is in, there is no feed to ask yet.
    if clock.is_live() || (live.feed.is_none() && live.mode != LiveMode::Off) {
        return;
    }
    let asked_ago = replay.asked.map(|t| t.elapsed());
    let wanted = match &replay.status {
        HistoryStatus::None => true,
        HistoryStatus::Loading => false,
        HistoryStatus::Failed(_) => asked_ago.is_some_and(|a| a > REPLAY_RETRY),
        HistoryStatus::Ready => left_live && asked_ago.is_some_and(|a| a > REPLAY_REFRESH),
    };
    if !wanted {
        return;
    }
    replay.asked = Some(Instant::now());
    match live.feed.as_ref() {
        Some(feed) if live.mode != LiveMode::Off => {
            let now = crate::timestamp::now_millis();
            feed.replay(clock.earliest(now), now);
            replay.status = HistoryStatus::Loading;
        }
        _ => replay.status = HistoryStatus::Failed(format!("no past values: {}", live.detail)),
    }
}

/// While replaying, gives each marker its value at the scene's time; back live, the current
/// ones.
fn show_replay(
    clock: Res<SceneClock>,
    replay: Res<SensorReplay>,
    live: Res<LiveState>,
    settings: Res<Settings>,
    sensor_layers: Res<SensorLayers>,
    mut markers: Query<&mut SensorMarker>,
    mut last_applied: Local<u64>,
) {
    let changes = live.applied != *last_applied;
    *last_applied = live.applied;
    if clock.is_live() {
        if clock.is_changed() || changes {
            for mut m in &mut markers {
                if m.shown.is_some() {
                    m.shown = None;
                    m.drawn_color = [-1.0; 3];
                }
            }
        }
        return;
    }
    if !(clock.is_changed() || replay.is_changed() || changes) {
        return;
    }
    let stale = stale_ms(&settings);
    let t = clock.at();
    for mut m in &mut markers {
        let layer = &sensor_layers.0[m.sensor.layer];
        let shown = replay::shown_at(&m.sensor, layer, &replay.data, t, stale);
        if m.shown.as_ref() != Some(&shown) {
            if m.shown.as_ref().is_none_or(|s| s.color != shown.color) {
                m.drawn_color = [-1.0; 3];
            }
            m.shown = Some(shown);
        }
    }
}

/// Deletes the live feed's subscription when the app exits.
fn stop_on_exit(mut exit: MessageReader<AppExit>, mut live: ResMut<LiveState>) {
    if exit.read().next().is_some() {
        live.stop();
    }
}

fn setup(
    mut commands: Commands,
    settings: Res<Settings>,
    mut layers: ResMut<Layers>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    let sensor_layers = SensorLayer::all(&settings);
    let mut roots = Vec::new();
    for l in &sensor_layers {
        let layer = layers.register(l.id.clone(), l.name.clone());
        layer.visible = l.visible;
        roots.push(
            commands
                .spawn((
                    Transform::default(),
                    Visibility::default(),
                    LayerMember::of(l.id.clone()),
                    Name::new(format!("Sensors: {}", l.name)),
                ))
                .id(),
        );
    }
    let mut shapes = HashMap::new();
    shapes.insert(
        MarkerShape::Sphere,
        meshes.add(Sphere::new(0.5).mesh().uv(24, 14)),
    );
    shapes.insert(MarkerShape::Column, meshes.add(Cylinder::new(0.35, 1.0)));
    shapes.insert(MarkerShape::Cube, meshes.add(Cuboid::new(0.8, 0.8, 0.8)));
    shapes.insert(MarkerShape::Cone, meshes.add(Cone::new(0.5, 1.0)));
    shapes.insert(MarkerShape::Line, meshes.add(Cylinder::new(0.2, 1.0)));
    commands.insert_resource(SensorAssets {
        meshes: shapes,
        segment: meshes.add(Cuboid::new(1.0, 1.0, 1.0)),
        materials: HashMap::new(),
        roots,
    });
    commands.insert_resource(SensorLayers(sensor_layers));
}

fn material_for(
    assets: &mut SensorAssets,
    materials: &mut Assets<StandardMaterial>,
    c: [f32; 3],
) -> Handle<StandardMaterial> {
    let key = c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8);
    assets
        .materials
        .entry(key)
        .or_insert_with(|| {
            let color = Color::srgb_u8(key[0], key[1], key[2]);
            materials.add(StandardMaterial {
                base_color: color,
                // Lit for shape, but bright enough that the colour matches the legend.
                emissive: color.to_linear() * 0.55,
                perceptual_roughness: 0.6,
                ..default()
            })
        })
        .clone()
}

/// Where a marker of `shape` hangs at `scale` metres: above its place, lifted so that it
/// stands clear of the street.
fn marker_transform(sensor: &Sensor, shape: MarkerShape, scale: f32) -> Transform {
    let a = sensor.place.anchor();
    let ground = Vec3::new(a[0] as f32, a[1] as f32, a[2] as f32);
    match shape {
        MarkerShape::Column => Transform::from_translation(ground + Vec3::Y * scale * 0.75)
            .with_scale(Vec3::new(scale, scale * 1.5, scale)),
        MarkerShape::Cone => Transform::from_translation(ground + Vec3::Y * scale * 1.0)
            .with_rotation(Quat::from_rotation_x(std::f32::consts::PI))
            .with_scale(Vec3::splat(scale)),
        MarkerShape::Line => Transform::from_translation(ground + Vec3::Y * scale * 0.5)
            .with_scale(Vec3::new(scale, scale, scale)),
        _ => Transform::from_translation(ground + Vec3::Y * scale * 0.9)
            .with_scale(Vec3::splat(scale)),
    }
}

#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn spawn_marker(
    commands: &mut Commands,
    assets: &mut SensorAssets,
    materials: &mut Assets<StandardMaterial>,
    layers: &[SensorLayer],
    sensor: Sensor,
    now_ms: i64,
    stale_ms: i64,
) -> Entity {
    let layer = &layers[sensor.layer];
    let color = sensor.color_at(now_ms, stale_ms);
    let material = material_for(assets, materials, color);
    let root = assets.roots[sensor.layer];
    let shape = layer.marker;
    let mut entity = commands.spawn((
        marker_transform(&sensor, shape, 4.0),
        Visibility::default(),
        ChildOf(root),
    ));
    if let (MarkerShape::Line, Place::Line(points)) = (shape, &sensor.place) {
        // Segments are children placed in scene coordinates relative to the anchor.
        let a = sensor.place.anchor();
        let anchor = Vec3::new(a[0] as f32, a[1] as f32, a[2] as f32);
        entity.insert(Transform::from_translation(anchor));
        for w in points.windows(2) {
            let p = Vec3::new(w[0][0] as f32, w[0][1] as f32, w[0][2] as f32) - anchor;
            let q = Vec3::new(w[1][0] as f32, w[1][1] as f32, w[1][2] as f32) - anchor;
            let length = p.distance(q);
            if length < 0.01 {
                continue;
            }
            let dir = (q - p) / length;
            entity.with_child((
                LineSegment { length },
                Mesh3d(assets.segment.clone()),
                MeshMaterial3d(material.clone()),
                Transform::from_translation((p + q) / 2.0 + Vec3::Y * 1.0)
                    .with_rotation(Quat::from_rotation_arc(Vec3::Z, dir))
                    .with_scale(Vec3::new(4.0, 1.0, length)),
            ));
        }
    } else {
        entity.insert((
            Mesh3d(assets.meshes[&shape].clone()),
            MeshMaterial3d(material),
        ));
    }
    entity.insert((
        Name::new(sensor.id.clone()),
        SensorMarker {
            sensor,
            drawn_color: color,
            updated: Instant::now(),
            shown: None,
        },
    ));
    entity.id()
}

/// When a city (re)loads: markers for its sensors, and a live feed from its broker.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn follow_city(
    city: Res<CityState>,
    settings: Res<Settings>,
    sensor_layers: Res<SensorLayers>,
    mut index: ResMut<SensorIndex>,
    mut live: ResMut<LiveState>,
    mut local: Option<ResMut<LocalBroker>>,
    mut assets: ResMut<SensorAssets>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut layers: ResMut<Layers>,
    mut replay: ResMut<SensorReplay>,
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
    let client = match (&mut local, settings.data.source.as_str()) {
        (Some(local), _) => Some(local.source.client.clone()),
        (None, "broker") => crate::source::broker_source(&settings, Vec::new())
            .ok()
            .map(|b| b.client),
        _ => None,
    };
    live.feed = None;
    let Some(client) = client else {
        live.mode = LiveMode::Off;
        live.detail = "the data come from a file, which does not change".to_owned();
        return;
    };
    let simulation = local.as_mut().and_then(|l| {
        let sensors = std::mem::take(&mut l.simulation);
        (!sensors.is_empty()).then_some((sensors, DEMO_SIMULATION_RATE))
    });
    live.mode = LiveMode::Connecting;
    live.detail = "connecting to the broker".to_owned();
    // The feed follows the visible layers (see `follow_visible_layers`).
    let feed_layers = as_shown(&sensor_layers, &layers);
    live.followed = live::followed_types(&feed_layers);
    live.feed = Some(live::start(LiveSettings {
        client,
        layers: feed_layers,
        origin: model.origin,
        crs: model.crs.clone(),
        max_distance_m: settings.scene.max_distance_km * 1000.0,
        poll_interval: Duration::from_secs_f64(settings.sensors.poll_interval_s),
        notify: NotifySettings::from_config(&settings.live),
        simulation,
    }));
}

fn stale_ms(settings: &Settings) -> i64 {
    (settings.sensors.stale_after_min * 60_000.0) as i64
}

/// Applies the live feed's messages, at most [`MESSAGES_PER_FRAME`] a frame.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn apply_live(
    mut live: ResMut<LiveState>,
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
) {
    let Some(feed) = live.feed.as_ref() else {
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
            LiveMessage::Status(mode, detail) => {
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
                        let mut data = replay::Replay::new(from_ms, to_ms);
                        for (id, points) in series {
                            data.insert(id, points);
                        }
                        replay.data = data;
                        replay.status = HistoryStatus::Ready;
                    }
                    Err(why) => replay.status = HistoryStatus::Failed(why),
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
                        Err(why) => history.status = HistoryStatus::Failed(why),
                    }
                }
            }
        }
    }
}

/// What sizing and colouring a marker touches.
type MarkerParts = (
    &'static mut SensorMarker,
    &'static mut Transform,
    Option<&'static mut MeshMaterial3d<StandardMaterial>>,
    Option<&'static Children>,
);

/// Keeps markers about `marker_size_px` tall on screen and their colours current (a reading
/// turns grey when it gets older than `stale_after_min`).
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn size_and_colour_markers(
    settings: Res<Settings>,
    sensor_layers: Res<SensorLayers>,
    camera: Query<(&GlobalTransform, &Projection), With<MainCamera>>,
    area: Res<ViewArea>,
    mut assets: ResMut<SensorAssets>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut markers: Query<MarkerParts>,
    mut segments: Query<
        (
            &LineSegment,
            &mut Transform,
            &mut MeshMaterial3d<StandardMaterial>,
        ),
        Without<SensorMarker>,
    >,
    mut last_colour_check: Local<Option<Instant>>,
) {
    let Ok((cam, projection)) = camera.single() else {
        return;
    };
    let fov = match projection {
        Projection::Perspective(p) => p.fov,
        _ => 0.8,
    };
    let per_metre = 2.0 * (fov / 2.0).tan() / area.size.y.max(1.0);
    let px = settings.sensors.marker_size_px as f32;
    let cam_pos = cam.translation();
    let check_colours = last_colour_check.is_none_or(|t| t.elapsed() > Duration::from_secs(1));
    if check_colours {
        *last_colour_check = Some(Instant::now());
    }
    let now = crate::timestamp::now_millis();
    let stale = stale_ms(&settings);
    for (mut marker, mut transform, material, children) in &mut markers {
        let a = marker.sensor.place.anchor();
        let ground = Vec3::new(a[0] as f32, a[1] as f32, a[2] as f32);
        let scale = (ground.distance(cam_pos) * per_metre * px).clamp(1.0, 400.0);
        let shape = sensor_layers.0[marker.sensor.layer].marker;
        let colour = if check_colours || marker.drawn_color[0] < 0.0 {
            let c = marker.color(now, stale);
            (c != marker.drawn_color).then_some(c)
        } else {
            None
        };
        if let Some(c) = colour {
            marker.drawn_color = c;
        }
        let handle = colour.map(|c| material_for(&mut assets, &mut materials, c));
        match (shape, children, &marker.sensor.place) {
            (MarkerShape::Line, Some(children), Place::Line(_)) => {
                for child in children {
                    if let Ok((segment, mut t, mut m)) = segments.get_mut(*child) {
                        let width = (scale * 0.8).max(3.0);
                        let wanted = Vec3::new(width, (width * 0.3).max(0.5), segment.length);
                        if t.scale != wanted {
                            t.scale = wanted;
                        }
                        if let Some(h) = &handle {
                            m.0 = h.clone();
                        }
                    }
                }
            }
            _ => {
                let wanted = marker_transform(&marker.sensor, shape, scale);
                if transform.translation.distance_squared(wanted.translation) > 1e-4
                    || transform.scale != wanted.scale
                {
                    *transform = wanted;
                }
                if let (Some(mut m), Some(h)) = (material, handle) {
                    m.0 = h;
                }
            }
        }
    }
}

/// The marker hit by a click, if any: markers are small, so a click within a few pixels of one
/// picks it, and it takes precedence over the building behind it.
fn pick_sensor(
    mut clicks: MessageReader<ViewClicked>,
    camera: Single<(&Camera, &GlobalTransform), With<MainCamera>>,
    markers: Query<(&SensorMarker, &GlobalTransform, &InheritedVisibility)>,
    view: ViewMapping,
    mut select: MessageWriter<SelectSensor>,
    mut buildings: MessageWriter<SelectBuilding>,
) {
    let Some(at) = clicks.read().last().map(|c| c.0) else {
        return;
    };
    let (cam, cam_transform) = *camera;
    let mut best: Option<(f32, &str)> = None;
    for (marker, transform, visible) in &markers {
        if !visible.get() {
            continue;
        }
        let Some(p) = view.world_to_window(cam, cam_transform, transform.translation()) else {
            continue;
        };
        let d = p.distance(at);
        if d < 14.0 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, &marker.sensor.id));
        }
    }
    match best {
        Some((_, id)) => {
            select.write(SelectSensor(Some(id.to_owned())));
            buildings.write(SelectBuilding(None));
        }
        None => {
            select.write(SelectSensor(None));
        }
    }
}

fn apply_sensor_selection(
    mut messages: MessageReader<SelectSensor>,
    mut buildings: MessageReader<SelectBuilding>,
    mut selected: ResMut<SelectedSensor>,
) {
    // Selecting a building clears the sensor selection.
    if buildings.read().any(|b| b.0.is_some()) {
        selected.0 = None;
    }
    if let Some(SelectSensor(id)) = messages.read().last().cloned()
        && selected.0 != id
    {
        selected.0 = id;
    }
}
