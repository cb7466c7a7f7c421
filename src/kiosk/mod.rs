//! The kiosk: counts the time without a touch; past `kiosk.reset_after_s` it asks "Are you
//! still there?" (the UI's notice, [`KioskState::phase`]), and when the countdown runs out it
//! sends everything back to the home state through the other plugins' messages: the home
//! view, the layers as they were at start, no scenario, no selection, no measurement, no
//! comment being written, the clock live. Nothing about the visitor is kept.

use crate::idle::Phase;
use crate::scene::{
    self, ActivateScenario, ClockCommand, CommentCommand, GoToView, KioskState, Layers,
    MeasureCommand, ResetKiosk, SceneSet, SelectBuilding, SelectSensor, SetLayerVisible, SetTool,
    Settings, StillHere, Tool,
};
use bevy::input::touch::Touches;
use bevy::prelude::*;
use bevy::window::{CursorMoved, RequestRedraw};

/// The kiosk's idle countdown and reset.
pub struct KioskPlugin;

impl Plugin for KioskPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        // Window messages, also in an app without a window (a headless test).
        app.add_message::<CursorMoved>()
            .init_resource::<Home>()
            .init_resource::<LastTouch>()
            .add_systems(Startup, setup)
            .add_systems(
                Update,
                (remember_home, watch, reset)
                    .chain()
                    .in_set(SceneSet::Input),
            );
    }
}

/// The layers' visibility at start, which a reset restores.
#[derive(Resource, Default)]
struct Home {
    layers: Option<Vec<(String, bool)>>,
}

/// When the last touch was (the app's real elapsed time, s: idle time is wall-clock time,
/// whatever the scene's clock does).
#[derive(Resource, Default)]
struct LastTouch(f64);

fn setup(settings: Res<Settings>, mut state: ResMut<KioskState>) {
    state.enabled = settings.kiosk.enabled;
}

/// Notes the layers as they are once they are all registered (the first frames).
fn remember_home(mut home: ResMut<Home>, layers: Res<Layers>, time: Res<Time<Real>>) {
    if home.layers.is_none() && time.elapsed_secs_f64() > 0.0 {
        home.layers = Some(layers.iter().map(|l| (l.id.clone(), l.visible)).collect());
    }
}

/// Any input counts as a touch: a key, a button, a finger, the pointer moving.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn watch(
    time: Res<Time<Real>>,
    settings: Res<Settings>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    touches: Option<Res<Touches>>,
    mut moved: MessageReader<CursorMoved>,
    mut still_here: MessageReader<StillHere>,
    mut last: ResMut<LastTouch>,
    mut state: ResMut<KioskState>,
    mut reset: MessageWriter<ResetKiosk>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let now = time.elapsed_secs_f64();
    // Every reader is read each frame (none left to pile up).
    let answered = still_here.read().count() > 0;
    let pointer = moved.read().count() > 0;
    let touched = answered
        || pointer
        || keys.is_some_and(|k| k.get_just_pressed().next().is_some())
        || buttons.is_some_and(|b| b.get_just_pressed().next().is_some())
        || touches.is_some_and(|t| t.iter().next().is_some());
    if touched {
        last.0 = now;
    }
    if !state.enabled {
        return;
    }
    let phase = settings.kiosk.idle().phase(now - last.0);
    if phase == Phase::Reset {
        reset.write(ResetKiosk);
        last.0 = now;
    }
    let shown = if phase == Phase::Reset {
        Phase::InUse
    } else {
        phase
    };
    if state.phase != shown {
        state.phase = shown;
        redraw.write(RequestRedraw);
    }
}

/// The messages that put each concern back home.
#[derive(bevy::ecs::system::SystemParam)]
struct HomeMessages<'w> {
    view: MessageWriter<'w, GoToView>,
    layer: MessageWriter<'w, SetLayerVisible>,
    scenario: MessageWriter<'w, ActivateScenario>,
    building: MessageWriter<'w, SelectBuilding>,
    sensor: MessageWriter<'w, SelectSensor>,
    measure: MessageWriter<'w, MeasureCommand>,
    comment: MessageWriter<'w, CommentCommand>,
    tool: MessageWriter<'w, SetTool>,
    clock: MessageWriter<'w, ClockCommand>,
}

/// Back to the home state.
fn reset(
    mut messages: MessageReader<ResetKiosk>,
    settings: Res<Settings>,
    home: Res<Home>,
    layers: Res<Layers>,
    mut state: ResMut<KioskState>,
    mut out: HomeMessages,
) {
    if messages.read().count() == 0 {
        return;
    }
    state.resets += 1;
    info!("kiosk: left alone, back to the home state");
    let HomeMessages {
        view,
        layer,
        scenario,
        building,
        sensor,
        measure,
        comment,
        tool,
        clock,
    } = &mut out;
    view.write(GoToView {
        name: settings.kiosk.home_view.clone(),
        instant: false,
    });
    for (id, visible) in home.layers.iter().flatten() {
        if layers.get(id).is_some_and(|l| l.visible != *visible) {
            layer.write(SetLayerVisible {
                layer: id.clone(),
                visible: *visible,
            });
        }
    }
    scenario.write(ActivateScenario(None));
    building.write(SelectBuilding(None));
    sensor.write(SelectSensor(None));
    measure.write(MeasureCommand::Stop);
    for c in [
        CommentCommand::Cancel,
        CommentCommand::Unpick,
        CommentCommand::FilterCategory(None),
        CommentCommand::FilterScenario(None),
    ] {
        comment.write(c);
    }
    tool.write(SetTool(Tool::Select));
    clock.write(ClockCommand::Live);
}
