//! A kiosk left alone, in a headless app with a fake clock (a second a frame): past
//! `kiosk.reset_after_s` it asks "Are you still there?", a touch keeps the visitor's state,
//! and when the countdown runs out the selection, the measurement, the half-written comment
//! a hidden layer and the language go back to the home state. Staff leave with the exit chord and the PIN;
//! a wrong PIN keeps the kiosk running.

use bevy::app::App;
use bevy::time::TimeUpdateStrategy;
use citytwin::config::{Config, ConfigOverlay};
use citytwin::idle::Phase;
use citytwin::language::Language;
use citytwin::measure::Kind;
use citytwin::scene::{
    CityState, CommentCommand, CommentsState, KioskState, Layers, LeaveKiosk, MeasureCommand,
    MeasureState, SelectBuilding, Selection, SetLanguage, SetLayerVisible, StillHere, UiLanguage,
    Writing,
};
use std::time::{Duration, Instant};

fn kiosk(extra: &str) -> App {
    kiosk_app(
        &format!("reset_after_s = 10\nwarning_s = 20\n{extra}"),
        false,
    )
}

/// A headless kiosk with `[kiosk]` as given; `camera`: with the orbit camera and its views (a
/// primary window entity, no window system).
fn kiosk_app(kiosk: &str, camera: bool) -> App {
    let config = Config::from_layers(vec![
        ConfigOverlay::parse(
            "test",
            &format!("[ui]\nlanguage = \"en\"\n[kiosk]\nenabled = true\n{kiosk}"),
        )
        .unwrap(),
    ])
    .unwrap();
    let mut app = citytwin::app::headless(config);
    app.add_plugins((
        citytwin::measuring::MeasuringPlugin,
        citytwin::kiosk::KioskPlugin,
    ));
    if camera {
        app.add_plugins((bevy::input::InputPlugin, citytwin::camera::CameraPlugin))
            .init_resource::<bevy_egui::input::EguiWantsInput>();
        app.world_mut()
            .spawn((bevy::window::Window::default(), bevy::window::PrimaryWindow));
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    while !app.world().resource::<CityState>().is_ready() {
        assert!(Instant::now() < deadline, "no city within 90 s");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    // From now on the clock moves a second a frame.
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs(1)));
    app.world_mut().write_message(StillHere);
    app.update();
    app
}

fn phase(app: &App) -> Phase {
    app.world().resource::<KioskState>().phase
}

/// A visitor selects a building, hides a layer, starts measuring and writing a comment.
fn visit(app: &mut App) {
    let w = app.world_mut();
    w.write_message(SelectBuilding(Some(0)));
    w.write_message(SetLayerVisible {
        layer: "comments".into(),
        visible: false,
    });
    w.write_message(MeasureCommand::Start(Kind::Distance));
    w.write_message(CommentCommand::Write);
    w.write_message(CommentCommand::SetText("Half written".into()));
    w.write_message(SetLanguage(Language::Swedish));
    w.write_message(StillHere);
    app.update();
    app.update();
}

fn language(app: &App) -> Language {
    app.world().resource::<UiLanguage>().current
}

fn comments_layer_visible(app: &App) -> bool {
    app.world().resource::<Layers>().is_visible("comments")
}

#[test]
fn a_kiosk_left_alone_warns_then_goes_home_and_a_touch_keeps_the_visit() {
    let mut app = kiosk("");
    visit(&mut app);
    assert_eq!(app.world().resource::<Selection>().building, Some(0));
    assert!(app.world().resource::<MeasureState>().active);
    assert_eq!(
        app.world().resource::<CommentsState>().writing,
        Writing::Open
    );
    assert!(!comments_layer_visible(&app));
    assert_eq!(language(&app), Language::Swedish);
    assert_eq!(
        app.world().resource::<CommentsState>().language,
        Language::Swedish,
        "the comments follow the language"
    );

    // Ten seconds alone: the notice, counting down from 20.
    let mut frames = 0;
    while phase(&app) == Phase::InUse {
        app.update();
        frames += 1;
        assert!(frames < 30, "no warning after {frames} s alone");
    }
    assert!(matches!(phase(&app), Phase::Warning { left_s } if (19..=20).contains(&left_s)));
    // A touch: the visit goes on.
    app.world_mut().write_message(StillHere);
    app.update();
    assert_eq!(phase(&app), Phase::InUse);
    assert_eq!(app.world().resource::<Selection>().building, Some(0));

    // Left alone again until the countdown runs out: everything back home.
    let mut frames = 0;
    while app.world().resource::<KioskState>().resets == 0 {
        app.update();
        frames += 1;
        assert!(frames < 60, "no reset after {frames} s alone");
    }
    assert!(
        frames >= 30,
        "the reset came after {frames} s, before 10 + 20"
    );
    app.update();
    app.update();
    assert_eq!(app.world().resource::<Selection>().building, None);
    assert!(!app.world().resource::<MeasureState>().active);
    let comments = app.world().resource::<CommentsState>();
    assert_eq!(comments.writing, Writing::Closed);
    assert!(
        comments.draft.text.is_empty(),
        "the half-written comment is gone"
    );
    assert!(comments_layer_visible(&app), "the layers as at start");
    assert_eq!(language(&app), Language::English, "the configured language");
    assert_eq!(phase(&app), Phase::InUse);
}

#[test]
fn the_exit_chord_asks_for_the_pin_and_only_the_right_one_leaves() {
    use bevy::input::ButtonInput;
    use bevy::prelude::{AppExit, KeyCode};
    let stored = citytwin::pin::hash("2468");
    let mut app = kiosk(&format!("exit_pin = \"{stored}\"\n"));
    // Ctrl+Alt+Shift+Q, the default chord.
    let mut keys = ButtonInput::<KeyCode>::default();
    for k in [
        KeyCode::ControlLeft,
        KeyCode::AltLeft,
        KeyCode::ShiftLeft,
        KeyCode::KeyQ,
    ] {
        keys.press(k);
    }
    app.insert_resource(keys);
    app.update();
    let asking = |app: &App| app.world().resource::<KioskState>().asking_pin;
    assert_eq!(asking(&app), Some(false), "the PIN pad is shown");
    assert!(app.should_exit().is_none());
    app.world_mut()
        .write_message(LeaveKiosk(Some("1111".into())));
    app.update();
    assert_eq!(asking(&app), Some(true), "a wrong PIN is said so");
    assert!(app.should_exit().is_none(), "and the kiosk runs on");
    app.world_mut()
        .write_message(LeaveKiosk(Some("2468".into())));
    app.update();
    assert_eq!(app.should_exit(), Some(AppExit::Success));
}

fn camera_target(app: &mut App) -> citytwin::scene::orbit::OrbitState {
    let mut q = app.world_mut().query::<&citytwin::scene::OrbitCamera>();
    q.single(app.world()).unwrap().target
}

fn view(app: &App, name: &str) -> citytwin::scene::orbit::OrbitState {
    let views = app.world().resource::<citytwin::scene::Views>();
    views.views.iter().find(|v| v.0 == name).unwrap().1
}

#[test]
fn left_alone_the_tour_starts_flies_its_stops_and_a_touch_stops_it() {
    let mut app = kiosk_app(
        "attract_after_s = 20\nreset_after_s = 60\nwarning_s = 20\nfly_s = 4\n\
         [[kiosk.tour]]\nview = \"empire-state\"\nen = \"The Empire State\"\nsv = \"Empire State\"\nstay_s = 6\n\
         [[kiosk.tour]]\nview = \"times-square\"\nen = \"Times Square\"\nsv = \"Times Square\"\nstay_s = 6\n\
         layers = [\"buildings\", \"air-quality\"]\n",
        true,
    );
    let kiosk = |app: &App| app.world().resource::<KioskState>().clone();
    let mut frames = 0;
    while !kiosk(&app).touring {
        app.update();
        frames += 1;
        assert!(frames < 40, "no tour after {frames} s alone");
    }
    assert!(
        (19..=21).contains(&frames),
        "the tour began after {frames} s, not 20"
    );
    assert_eq!(kiosk(&app).stop, Some(0));
    // The flight (4 s), then at the Empire State turning slowly.
    for _ in 0..6 {
        app.update();
    }
    let esb = view(&app, "empire-state");
    let at = camera_target(&mut app);
    assert!(
        at.focus.distance(esb.focus) < 1.0,
        "at the first stop: {at:?} vs {esb:?}"
    );
    assert!(at.heading != esb.heading, "turning slowly round it");
    app.update();
    let later = camera_target(&mut app);
    assert!(later.heading != at.heading, "still turning");
    // On to Times Square: its layers only.
    let mut frames = 0;
    while kiosk(&app).stop != Some(1) {
        app.update();
        frames += 1;
        assert!(frames < 20, "never left the first stop");
    }
    app.update();
    app.update();
    let layers = app.world().resource::<Layers>();
    assert!(layers.is_visible("air-quality") && layers.is_visible("buildings"));
    assert!(
        !layers.is_visible("comments"),
        "the layers the stop does not name are hidden"
    );

    // A touch: the tour stops where it is and says how to explore, for a while.
    app.world_mut().write_message(StillHere);
    app.update();
    let k = kiosk(&app);
    assert!(!k.touring && k.hints && k.stop.is_none());
    let held = camera_target(&mut app);
    app.world_mut().write_message(StillHere);
    app.update();
    assert_eq!(
        camera_target(&mut app),
        held,
        "the camera is the visitor's again"
    );
    for _ in 0..10 {
        app.world_mut().write_message(StillHere);
        app.update();
    }
    assert!(!kiosk(&app).hints, "the hints go away");

    // Left alone again: the tour comes back, and goes on after the reset.
    let mut frames = 0;
    while kiosk(&app).resets == 0 {
        app.update();
        frames += 1;
        assert!(frames < 120, "no reset after {frames} s alone");
    }
    app.update();
    assert!(kiosk(&app).touring, "the tour goes on after the reset");
}
