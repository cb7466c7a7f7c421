//! Citizens' comments in the viewer: the comments layer (pins by category), the comments the
//! live feed brings (`IssueReporting` entities, [`BrokerEntity`]), writing one (a tap picks
//! the spot, [`Tool::Comment`]) and sending it through the [`outbox`](crate::outbox), and a
//! moderator's hide/show. The UI reads [`CommentsState`] and sends [`CommentCommand`]s.

mod pins;

use crate::comment::{self, Comment, ENTITY_TYPE, Limits, Problem};
use crate::georef::{Georef, LonLat};
use crate::language::Localized;
use crate::ngsi_ld::Entity;
use crate::outbox::{self, Outbox, OutboxEvent, OutboxRequest};
use crate::scene::comments::COMMENTS_LAYER;
use crate::scene::pointing::point_on_view;
use crate::scene::{
    self, BrokerEntity, BrokerEntityGone, BrokerFollows, CityState, CommentCommand, CommentNotice,
    CommentsState, EditTool, FocusPoint, LayerMember, Layers, MainCamera, Scenarios, SceneSet,
    SceneSource, SetTool, Settings, Spot, Tool, ViewClicked, ViewMapping, Workers, Writing,
};
use crate::worker::Stage;
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Comments: the layer, writing, sending, moderation.
pub struct CommentsPlugin;

impl Plugin for CommentsPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.init_resource::<Received>()
            .init_resource::<Sender>()
            .add_systems(Startup, (setup, pins::setup))
            .add_systems(
                Update,
                (
                    (start_outbox, commands, follow_language)
                        .chain()
                        .in_set(SceneSet::Input),
                    (collect, outbox_events).in_set(SceneSet::Load),
                    pick_spot.in_set(SceneSet::Pick),
                    pins::pick.in_set(SceneSet::PickOverlay),
                    (pins::sync, pins::size).chain().in_set(SceneSet::Show),
                ),
            );
    }
}

/// The `IssueReporting` entities seen, merged attribute by attribute (a notification may
/// carry only what changed).
#[derive(Resource, Default)]
struct Received(BTreeMap<String, Entity>);

/// The outbox, once the city's broker is known.
#[derive(Resource, Default)]
struct Sender {
    outbox: Option<Outbox>,
    /// Whether it was tried (a city from a file has no broker).
    tried: bool,
}

fn setup(
    settings: Res<Settings>,
    mut state: ResMut<CommentsState>,
    mut follows: ResMut<BrokerFollows>,
    mut layers: ResMut<Layers>,
    mut commands: Commands,
) {
    state.config = Some(settings.comments.clone());
    state.language = settings.ui.language();
    state.moderator = settings.comments.moderator;
    state.keyboard = settings.comments.on_screen_keyboard;
    if !follows.0.iter().any(|t| t == ENTITY_TYPE) {
        follows.0.push(ENTITY_TYPE.to_owned());
    }
    layers.register(COMMENTS_LAYER, Localized::from_catalogue("layer-comments"));
    commands.spawn((
        Transform::default(),
        Visibility::default(),
        LayerMember::of(COMMENTS_LAYER),
        Name::new("Comments"),
        pins::PinRoot,
    ));
}

/// Messages and category names follow the interface's language.
fn follow_language(language: Res<crate::scene::UiLanguage>, mut state: ResMut<CommentsState>) {
    if state.language != language.current {
        state.language = language.current;
    }
}

/// The folder comments wait in for a broker: `comments.queue_dir`, else the user's cache
/// folder, one subfolder per broker (a comment waits for the broker it was written for).
fn queue_dir(configured: &str, broker_url: &str) -> PathBuf {
    let base = if configured.is_empty() {
        crate::config::user_cache_dir().join("comments")
    } else {
        PathBuf::from(configured)
    };
    let slug: String = broker_url
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    base.join(slug.trim_matches('-'))
}

/// Starts the outbox once the city is in and came from a broker.
fn start_outbox(
    city: Res<CityState>,
    source: Option<Res<SceneSource>>,
    settings: Res<Settings>,
    mut sender: ResMut<Sender>,
    mut state: ResMut<CommentsState>,
    mut workers: ResMut<Workers>,
) {
    if sender.tried || city.model.is_none() {
        return;
    }
    sender.tried = true;
    let Some(client) = source.as_ref().and_then(|s| s.live_broker().cloned()) else {
        return;
    };
    let dir = queue_dir(&settings.comments.queue_dir, &client.url);
    let queue = match comment::queue::Queue::open(&dir) {
        Ok(q) => q,
        Err(e) => {
            warn!(
                "comments cannot wait on disk in {}: {e}; they are sent at once",
                dir.display()
            );
            match comment::queue::Queue::open(&std::env::temp_dir().join("citytwin-comments")) {
                Ok(q) => q,
                Err(_) => return,
            }
        }
    };
    let mut started = outbox::start(client, queue);
    if let Some(w) = started.take_worker() {
        workers.add("comments outbox", Stage::Writer, w);
    }
    sender.outbox = Some(started);
    state.has_broker = true;
}

/// The rules of `[comments]`.
fn limits(settings: &Settings) -> Limits {
    Limits {
        max_chars: settings.comments.max_chars,
        categories: settings
            .comments
            .categories
            .iter()
            .map(|c| c.id.clone())
            .collect(),
    }
}

#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn commands(
    mut messages: MessageReader<CommentCommand>,
    mut state: ResMut<CommentsState>,
    settings: Res<Settings>,
    sender: Res<Sender>,
    scenarios: Res<Scenarios>,
    city: Res<CityState>,
    mut set_tool: MessageWriter<SetTool>,
    mut focus: MessageWriter<FocusPoint>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    for m in messages.read() {
        redraw.write(RequestRedraw);
        match m {
            CommentCommand::Write => {
                state.writing = Writing::Open;
                state.notice = None;
                set_tool.write(SetTool(Tool::Comment));
            }
            CommentCommand::Cancel => {
                state.writing = Writing::Closed;
                state.draft = Default::default();
                state.spot = None;
                state.notice = None;
                set_tool.write(SetTool(Tool::Select));
            }
            CommentCommand::Submit => {
                if matches!(state.writing, Writing::Sending(_)) {
                    continue;
                }
                let problem = submit(&mut state, &settings, sender.outbox.as_ref(), &scenarios);
                state.notice = problem.map(CommentNotice::Problem);
            }
            CommentCommand::SetCategory(c) => state.draft.category.clone_from(c),
            CommentCommand::SetText(t) => state.draft.text.clone_from(t),
            CommentCommand::AboutScenario(b) => state.about_scenario = *b,
            CommentCommand::FilterCategory(f) => state.category_filter.clone_from(f),
            CommentCommand::FilterScenario(f) => state.scenario_filter.clone_from(f),
            CommentCommand::SetSpot(lonlat, height) => {
                let max = settings.scene.max_distance_km * 1000.0;
                let spot = city.model.as_ref().and_then(|m| {
                    let g = Georef::new(m.origin, Some(&m.crs)).ok()?;
                    let p = g
                        .lonlat_to_scene(LonLat::new(lonlat[0], lonlat[1]), *height)
                        .ok()?;
                    (p[0].hypot(p[2]) <= max).then_some(Spot {
                        scene: p,
                        lonlat: *lonlat,
                        height: height.max(0.0),
                    })
                });
                match spot {
                    Some(s) => state.spot = Some(s),
                    None => state.notice = Some(CommentNotice::Problem(Problem::OffScene)),
                }
            }
            CommentCommand::SetHidden(id, hidden) => {
                if let (true, Some(outbox)) = (state.moderator, sender.outbox.as_ref()) {
                    outbox.ask(OutboxRequest::SetHidden {
                        id: id.clone(),
                        hidden: *hidden,
                    });
                }
            }
            CommentCommand::FlyTo(id) => {
                let Some(c) = state.comments.get(id) else {
                    continue;
                };
                if let Some(p) = city.model.as_ref().and_then(|m| {
                    let g = Georef::new(m.origin, Some(&m.crs)).ok()?;
                    g.lonlat_to_scene(LonLat::new(c.lonlat[0], c.lonlat[1]), c.height)
                        .ok()
                }) {
                    focus.write(FocusPoint {
                        point: Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32),
                        distance: 150.0,
                    });
                }
                state.selected = Some(id.clone());
            }
            CommentCommand::Unpick => state.selected = None,
        }
    }
}

/// Sends the draft, or says why not (the draft stays as written).
fn submit(
    state: &mut CommentsState,
    settings: &Settings,
    outbox: Option<&Outbox>,
    scenarios: &Scenarios,
) -> Option<Problem> {
    let Some(outbox) = outbox else {
        return Some(Problem::NoBroker);
    };
    let Some(spot) = state.spot else {
        return Some(Problem::NoSpot);
    };
    let wait = Duration::from_secs_f64(settings.comments.min_interval_s);
    if let Some(since) = state.last_sent.map(|t| t.elapsed()).filter(|s| *s < wait) {
        return Some(Problem::TooSoon {
            wait_s: (wait - since).as_secs_f64().ceil() as u64,
        });
    }
    let mut draft = state.draft.clone();
    draft.lonlat = spot.lonlat;
    draft.height = spot.height;
    draft.scenario = scenarios
        .active_entry()
        .filter(|_| state.about_scenario)
        .map(|e| e.scenario.name.clone());
    let c = match Comment::from_draft(&draft, &limits(settings), crate::timestamp::now_millis()) {
        Ok(c) => c,
        Err(p) => return Some(p),
    };
    state.writing = Writing::Sending(c.id.clone());
    state.last_sent = Some(Instant::now());
    outbox.ask(OutboxRequest::Send(Box::new(c)));
    None
}

/// Takes in the comments the live feed passes on.
fn collect(
    mut changed: MessageReader<BrokerEntity>,
    mut gone: MessageReader<BrokerEntityGone>,
    mut received: ResMut<Received>,
    mut state: ResMut<CommentsState>,
) {
    for BrokerEntity(e) in changed.read() {
        if !e
            .types
            .iter()
            .any(|t| crate::ngsi_ld::short_name(t) == ENTITY_TYPE)
        {
            continue;
        }
        let merged = received
            .0
            .entry(e.id.clone())
            .or_insert_with(|| Entity::new(&e.id, ENTITY_TYPE));
        merged
            .attributes
            .extend(e.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
        match Comment::from_entity(merged) {
            Ok(c) => {
                state.comments.insert(c.id.clone(), c);
            }
            Err(why) => debug!("comment {} not shown: {why}", e.id),
        }
    }
    for BrokerEntityGone(id) in gone.read() {
        received.0.remove(id);
        state.comments.remove(id);
    }
}

/// What the outbox reports.
fn outbox_events(
    sender: Res<Sender>,
    mut state: ResMut<CommentsState>,
    mut set_tool: MessageWriter<SetTool>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let Some(outbox) = sender.outbox.as_ref() else {
        return;
    };
    for event in outbox.events.try_iter().take(64) {
        redraw.write(RequestRedraw);
        let mine = |id: &str, s: &CommentsState| s.writing == Writing::Sending(id.to_owned());
        match event {
            OutboxEvent::Accepted(c) => {
                if mine(&c.id, &state) {
                    state.writing = Writing::Closed;
                    state.draft = Default::default();
                    state.spot = None;
                    state.notice = Some(CommentNotice::Thanks(Instant::now()));
                    set_tool.write(SetTool(Tool::Select));
                }
                info!("comment {} stored in the broker", c.id);
                state.comments.entry(c.id.clone()).or_insert(*c);
            }
            OutboxEvent::Waiting { id, why } => {
                debug!("comment {id} waits: {why}");
                if mine(&id, &state) {
                    state.notice = Some(CommentNotice::Problem(Problem::Waiting));
                }
            }
            OutboxEvent::Refused {
                comment, problem, ..
            } => {
                if mine(&comment.id, &state) {
                    state.writing = Writing::Open;
                    state.draft.text = comment.text.clone();
                    state.notice = Some(CommentNotice::Problem(problem));
                }
            }
            OutboxEvent::Moderated { id, hidden, result } => match result {
                Ok(()) => {
                    if let Some(c) = state.comments.get_mut(&id) {
                        c.hidden = hidden;
                    }
                }
                Err(e) => warn!("comment {id} could not be marked: {e}"),
            },
            OutboxEvent::Queued(n) => state.queued = n,
        }
    }
}

/// A tap or click while writing a comment picks its spot.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn pick_spot(
    mut clicks: MessageReader<ViewClicked>,
    camera: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    view: ViewMapping,
    tool: Res<EditTool>,
    city: Res<CityState>,
    scenarios: Res<Scenarios>,
    settings: Res<Settings>,
    mut state: ResMut<CommentsState>,
    terrain: Option<Res<crate::scene::TerrainState>>,
) {
    let Some(at) = clicks.read().last().map(|c| c.0) else {
        return;
    };
    let Some(model) = city.model.as_ref().filter(|_| tool.tool == Tool::Comment) else {
        return;
    };
    if state.writing != Writing::Open {
        return;
    }
    let max = settings.scene.max_distance_km * 1000.0;
    let spot = point_on_view(
        at,
        &camera,
        &view,
        model,
        &scenarios,
        terrain.as_ref().and_then(|t| t.grid.as_deref()),
    )
    .map(|(p, _)| p)
    .filter(|p| p[0].hypot(p[2]) <= max)
    .and_then(|p| {
        let g = Georef::new(model.origin, Some(&model.crs)).ok()?;
        let (ll, _) = g.scene_to_lonlat(p).ok()?;
        Some(Spot {
            scene: p,
            lonlat: [ll.lon, ll.lat],
            height: p[1].max(0.0),
        })
    });
    match spot {
        Some(s) => {
            state.spot = Some(s);
            if state.notice == Some(CommentNotice::Problem(Problem::OffScene))
                || state.notice == Some(CommentNotice::Problem(Problem::NoSpot))
            {
                state.notice = None;
            }
        }
        None => state.notice = Some(CommentNotice::Problem(Problem::OffScene)),
    }
}
