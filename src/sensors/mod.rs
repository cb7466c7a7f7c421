//! Sensors: entities of the configured sensor layers drawn as markers at their places,
//! coloured and labelled by their main value, kept live as the broker changes.
//!
//! The Bevy-free part (layers, decoding, merging changes, past values) is
//! [`crate::city::sensor`]; the thread that follows the broker is [`crate::live`]. The plugin
//! spawns a marker per sensor when the city is loaded (`markers`), applies the live feed's
//! messages in bounded batches each frame (`feed`), shows the values at the scene's time
//! while replaying, and picks a marker on a click. The UI draws labels, legends and the
//! inspector from the scene's [`SensorMarker`]s.

mod feed;
mod markers;
mod offline;

use crate::city::sensor::{SensorLayer, replay};
use crate::config::MarkerShape;
use crate::language::{Language, Phrase};
use crate::live::{LiveFeed, LiveMode};
use crate::scene::{
    self, EditTool, HISTORY_HOURS, HistoryStatus, InitialSelection, LayerMember, Layers, LiveState,
    MainCamera, SceneClock, SceneSet, SelectBuilding, SelectSensor, SelectedSensor, SensorHistory,
    SensorLayers, SensorMarker, SensorReplay, Settings, Tool, ViewClicked, ViewMapping,
};
use bevy::prelude::*;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Live messages applied per frame at most, so a burst never stalls a frame.
pub const MESSAGES_PER_FRAME: usize = 5_000;

#[derive(Resource)]
struct SensorAssets {
    meshes: HashMap<MarkerShape, Handle<Mesh>>,
    segment: Handle<Mesh>,
    materials: HashMap<[u8; 3], Handle<StandardMaterial>>,
    roots: Vec<Entity>,
}

/// The live feed of the city shown (its thread belongs to the scene's workers).
#[derive(Resource, Default)]
struct Feed(Option<LiveFeed>);

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
        scene::ensure(app);
        app.init_resource::<SensorIndex>()
            .init_resource::<Feed>()
            .init_resource::<offline::OfflineStore>()
            .add_systems(Startup, setup)
            .add_systems(
                Update,
                (
                    (
                        feed::follow_city,
                        offline::restore,
                        follow_visible_layers,
                        request_replay,
                        feed::apply_live,
                        show_replay,
                        markers::size_and_colour_markers,
                        offline::save,
                    )
                        .chain()
                        .in_set(SceneSet::Load),
                    select_initial_sensor.in_set(SceneSet::Load),
                    pick_sensor.in_set(SceneSet::PickOverlay),
                    (apply_sensor_selection, request_history)
                        .chain()
                        .in_set(SceneSet::Select),
                ),
            );
    }
}

/// `--select ID` naming a sensor: select it once its marker is in.
fn select_initial_sensor(
    initial: Option<Res<InitialSelection>>,
    index: Res<SensorIndex>,
    mut select: MessageWriter<SelectSensor>,
    mut commands: Commands,
) {
    if let Some(initial) = initial
        && index.by_id.contains_key(&initial.0)
    {
        select.write(SelectSensor(Some(initial.0.clone())));
        commands.remove_resource::<InitialSelection>();
    }
}

/// Asks the broker for the history of a newly selected sensor.
fn request_history(
    selected: Res<SelectedSensor>,
    feed: Res<Feed>,
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
    match feed.0.as_ref() {
        Some(feed) => {
            feed.history(&id, &attribute, HISTORY_HOURS);
            history.status = HistoryStatus::Loading;
        }
        None => {
            history.status = HistoryStatus::Failed(Phrase::new("history-from-file"));
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
    feed: Res<Feed>,
) {
    let Some(feed) = feed.0.as_ref().filter(|_| layers.is_changed()) else {
        return;
    };
    let types = crate::live::followed_types(&as_shown(&sensor_layers, &layers));
    if types != live.followed {
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
    feed: Res<Feed>,
    mut replay: ResMut<SensorReplay>,
    mut was_live: Local<bool>,
    (kept, language): (
        Res<offline::OfflineStore>,
        Option<Res<crate::scene::UiLanguage>>,
    ),
) {
    let left_live = std::mem::replace(&mut *was_live, clock.is_live()) && !clock.is_live();
    // Before the city is in, there is no feed to ask yet.
    if clock.is_live() || (feed.0.is_none() && live.mode != LiveMode::Off) {
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
    match feed.0.as_ref() {
        Some(feed) if live.mode != LiveMode::Off => {
            let now = crate::timestamp::now_millis();
            feed.replay(clock.earliest(now), now);
            replay.status = HistoryStatus::Loading;
        }
        // No broker to ask (offline with the kept city): the hours kept with it.
        _ => match kept.kept_history() {
            Some((data, written_ms)) => {
                replay.data = data;
                replay.notes = vec![offline::kept_note(written_ms, language.as_deref())];
                replay.status = HistoryStatus::Ready;
            }
            None => {
                let why = Phrase::new("history-no-past").with("why", live.detail.clone());
                replay.status = HistoryStatus::Failed(why);
            }
        },
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
                    Name::new(format!("Sensors: {}", l.name.get(Language::English))),
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

fn stale_ms(settings: &Settings) -> i64 {
    (settings.sensors.stale_after_min * 60_000.0) as i64
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
    tool: Res<EditTool>,
) {
    let Some(at) = clicks.read().last().map(|c| c.0) else {
        return;
    };
    // Drawing or moving: the click is the tool's.
    if tool.tool != Tool::Select {
        return;
    }
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
