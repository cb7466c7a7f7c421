//! The kiosk: counts the time without a touch; past `kiosk.attract_after_s` it runs the
//! guided tour until a touch; past `kiosk.reset_after_s` it asks "Are you
//! still there?" (the UI's notice, [`KioskState::phase`]), and when the countdown runs out it
//! sends everything back to the home state through the other plugins' messages: the home
//! view, the layers as they were at start, no scenario, no selection, no measurement, no
//! comment being written, the clock live, the configured language. Nothing about the visitor
//! is kept.
//!
//! Staff leave the kiosk with `kiosk.exit_chord` followed by the PIN (`kiosk.exit_pin`, kept
//! hashed; [`crate::pin`]); a wrong PIN keeps it running.

use crate::config::kiosk::Chord;
use crate::idle::Phase;
use crate::scene::{
    self, ActivateScenario, ClockCommand, CommentCommand, GoToView, KioskState, Layers, LeaveKiosk,
    MeasureCommand, ResetKiosk, SceneSet, SelectBuilding, SelectSensor, SetLayerVisible, SetTool,
    Settings, StillHere, Tool,
};
use bevy::input::touch::Touches;
use bevy::prelude::*;
use bevy::window::{CursorMoved, RequestRedraw};

mod attract;

/// The kiosk's guided tour, idle countdown and reset.
pub struct KioskPlugin;

impl Plugin for KioskPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        // Window messages, also in an app without a window (a headless test).
        app.add_message::<CursorMoved>()
            .init_resource::<Home>()
            .init_resource::<LastTouch>()
            .init_resource::<attract::Touring>()
            .add_systems(Startup, setup)
            .add_systems(
                Update,
                (
                    remember_home,
                    watch,
                    reset,
                    attract::tour,
                    exit_chord,
                    leave,
                )
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
/// whatever the scene's clock does), and whether the kiosk has reset since.
#[derive(Resource, Default)]
struct LastTouch {
    at: f64,
    reset: bool,
}

impl LastTouch {
    /// Seconds without a touch.
    fn idle_s(&self, time: &Time<Real>) -> f64 {
        time.elapsed_secs_f64() - self.at
    }
}

/// The exit chord, read from the configuration once (it was validated there).
#[derive(Resource)]
struct ExitChord {
    chord: Chord,
    key: Option<KeyCode>,
}

fn setup(settings: Res<Settings>, mut state: ResMut<KioskState>, mut commands: Commands) {
    state.enabled = settings.kiosk.enabled;
    if let Ok(chord) = Chord::parse(&settings.kiosk.exit_chord) {
        let key = key_code(&chord.key);
        commands.insert_resource(ExitChord { chord, key });
    }
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
        *last = LastTouch {
            at: now,
            reset: false,
        };
    }
    if !state.enabled {
        return;
    }
    // One reset per time alone; the tour (if it runs) goes on after it.
    let phase = settings.kiosk.idle().phase(now - last.at);
    if phase == Phase::Reset && !last.reset {
        reset.write(ResetKiosk);
        last.reset = true;
    }
    let shown = if phase == Phase::Reset || last.reset {
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
    language: MessageWriter<'w, crate::scene::SetLanguage>,
    configured: Res<'w, crate::scene::UiLanguage>,
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
    state.asking_pin = None;
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
        language,
        configured,
    } = &mut out;
    language.write(crate::scene::SetLanguage(configured.configured));
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

/// The key of a chord as Bevy names it.
fn key_code(key: &str) -> Option<KeyCode> {
    let letter = |c: char| -> Option<KeyCode> {
        Some(match c {
            'A' => KeyCode::KeyA,
            'B' => KeyCode::KeyB,
            'C' => KeyCode::KeyC,
            'D' => KeyCode::KeyD,
            'E' => KeyCode::KeyE,
            'F' => KeyCode::KeyF,
            'G' => KeyCode::KeyG,
            'H' => KeyCode::KeyH,
            'I' => KeyCode::KeyI,
            'J' => KeyCode::KeyJ,
            'K' => KeyCode::KeyK,
            'L' => KeyCode::KeyL,
            'M' => KeyCode::KeyM,
            'N' => KeyCode::KeyN,
            'O' => KeyCode::KeyO,
            'P' => KeyCode::KeyP,
            'Q' => KeyCode::KeyQ,
            'R' => KeyCode::KeyR,
            'S' => KeyCode::KeyS,
            'T' => KeyCode::KeyT,
            'U' => KeyCode::KeyU,
            'V' => KeyCode::KeyV,
            'W' => KeyCode::KeyW,
            'X' => KeyCode::KeyX,
            'Y' => KeyCode::KeyY,
            'Z' => KeyCode::KeyZ,
            '0' => KeyCode::Digit0,
            '1' => KeyCode::Digit1,
            '2' => KeyCode::Digit2,
            '3' => KeyCode::Digit3,
            '4' => KeyCode::Digit4,
            '5' => KeyCode::Digit5,
            '6' => KeyCode::Digit6,
            '7' => KeyCode::Digit7,
            '8' => KeyCode::Digit8,
            '9' => KeyCode::Digit9,
            _ => return None,
        })
    };
    let f = [
        KeyCode::F1,
        KeyCode::F2,
        KeyCode::F3,
        KeyCode::F4,
        KeyCode::F5,
        KeyCode::F6,
        KeyCode::F7,
        KeyCode::F8,
        KeyCode::F9,
        KeyCode::F10,
        KeyCode::F11,
        KeyCode::F12,
    ];
    match key {
        "ESCAPE" => Some(KeyCode::Escape),
        "HOME" => Some(KeyCode::Home),
        "END" => Some(KeyCode::End),
        "DELETE" => Some(KeyCode::Delete),
        k if k.len() == 1 => k.chars().next().and_then(letter),
        k => k
            .strip_prefix('F')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| f.get(n.wrapping_sub(1)).copied()),
    }
}

/// The exit chord: the PIN pad (or, with no PIN configured, leaving at once).
fn exit_chord(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    exit_chord: Option<Res<ExitChord>>,
    settings: Res<Settings>,
    mut state: ResMut<KioskState>,
    mut exit: MessageWriter<AppExit>,
) {
    let (Some(keys), Some(ExitChord { chord, key }), true) =
        (keys, exit_chord.as_deref(), state.enabled)
    else {
        return;
    };
    // Held, or let go within this frame (a fast chord on a slow frame).
    let held = |a: KeyCode, b: KeyCode| keys.any_pressed([a, b]) || keys.any_just_released([a, b]);
    let pressed = key.is_some_and(|k| keys.just_pressed(k))
        && (!chord.ctrl || held(KeyCode::ControlLeft, KeyCode::ControlRight))
        && (!chord.alt || held(KeyCode::AltLeft, KeyCode::AltRight))
        && (!chord.shift || held(KeyCode::ShiftLeft, KeyCode::ShiftRight));
    if !pressed {
        return;
    }
    if settings.kiosk.exit_pin.is_empty() {
        info!("kiosk: left with the exit chord");
        exit.write(AppExit::Success);
    } else {
        state.asking_pin = Some(false);
    }
}

/// A PIN entered: the right one leaves the kiosk, a wrong one keeps it running.
fn leave(
    mut messages: MessageReader<LeaveKiosk>,
    settings: Res<Settings>,
    mut state: ResMut<KioskState>,
    mut exit: MessageWriter<AppExit>,
) {
    for LeaveKiosk(pin) in messages.read() {
        let Some(pin) = pin else {
            state.asking_pin = None;
            continue;
        };
        let stored = &settings.kiosk.exit_pin;
        if stored.is_empty() || crate::pin::verify(stored, pin) {
            info!("kiosk: left with the PIN");
            state.asking_pin = None;
            exit.write(AppExit::Success);
        } else {
            // Never the PIN itself in the log.
            warn!("kiosk: a wrong exit PIN was entered");
            state.asking_pin = Some(true);
        }
    }
}
