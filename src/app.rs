//! The viewer application, composition only: Bevy's plugins, citytwin's
//! [`CityTwinPlugins`] and the window.

use crate::buildings::BuildingsPlugin;
use crate::camera::CameraPlugin;
use crate::capture::{CapturePlugin, CaptureRequest, SavePicturePlugin};
use crate::config::Config;
use crate::editing::EditingPlugin;
use crate::environment::EnvironmentPlugin;
use crate::ground::GroundPlugin;
use crate::layers::LayersPlugin;
use crate::scenarios::ScenariosPlugin;
use crate::scene::{InitialSelection, SceneClock, ScenePlugin};
use crate::sensors::SensorsPlugin;
use crate::ui::UiPlugin;
use bevy::app::PluginGroupBuilder;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::window::{MonitorSelection, WindowMode, WindowResolution};
use std::path::PathBuf;
use std::sync::Arc;

/// The configuration resource. It lives in [`crate::scene`]; kept here too because
/// hackathon teams' apps (and `examples/custom_layer.rs`) insert it next to
/// [`CityTwinPlugins`].
pub use crate::scene::Settings;

/// citytwin's plugins, one per concern, over the [`ScenePlugin`] they share. Hackathon teams
/// can add them to an app of their own (after Bevy's `DefaultPlugins`, bevy_egui's
/// `EguiPlugin` and, to choose the configuration, a [`Settings`] resource), or disable some:
/// `CityTwinPlugins.build().disable::<UiPlugin>()`.
pub struct CityTwinPlugins;

impl PluginGroup for CityTwinPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>()
            .add(ScenePlugin)
            .add(LayersPlugin)
            .add(EnvironmentPlugin)
            .add(GroundPlugin)
            .add(BuildingsPlugin)
            .add(crate::tilesets::TilesetsPlugin)
            .add(SensorsPlugin)
            .add(ScenariosPlugin)
            .add(EditingPlugin)
            .add(crate::sun_study::SunStudyPlugin)
            .add(crate::measuring::MeasuringPlugin)
            .add(crate::comments::CommentsPlugin)
            .add(crate::kiosk::KioskPlugin)
            .add(CameraPlugin)
            .add(SavePicturePlugin)
            .add(UiPlugin)
    }
}

/// How the viewer runs, from the command line.
#[derive(Debug, Clone, Default)]
pub struct ViewerOptions {
    /// Write one frame to this PNG once the data is shown, then exit.
    pub screenshot: Option<PathBuf>,
    /// Window size in pixels (for screenshots, the PNG's size).
    pub size: Option<(u32, u32)>,
    /// Select this building (entity id) once loaded and bring it into view.
    pub select: Option<String>,
    /// Print frame statistics as JSON lines on standard output (and draw continuously, so
    /// that they measure drawing rather than waiting for input).
    pub frame_stats: bool,
    /// Start the time panel at this time (see [`crate::clock::model::parse_at`]), or at a
    /// wall-clock time at the scene's place (`2026-03-21T09:00`), instead of live.
    pub at: Option<String>,
    /// Start with the time panel playing (`--play`).
    pub play: bool,
    /// A sun-hours study to run once loaded (`--sun-study`).
    pub sun_study: Option<crate::scene::InitialStudy>,
    /// Open with this scenario active (its name or the start of it), compared so.
    pub show_scenario: Option<(String, crate::scene::Compare)>,
    /// The swipe's divider, a fraction of the view's width from the left.
    pub divider: Option<f32>,
    /// Write the interface's controls to this JSON file (`--controls`).
    pub controls: Option<PathBuf>,
}

/// Runs the viewer until its window closes (or the screenshot is written).
pub fn run(config: Config, options: ViewerOptions) -> AppExit {
    let kiosk = config.kiosk.enabled;
    let (width, height) = options
        .size
        .unwrap_or((config.window.width, config.window.height));
    let screenshot_mode = options.screenshot.is_some();
    let mut resolution = WindowResolution::new(width, height);
    if screenshot_mode {
        // One logical pixel per physical pixel, so the PNG has exactly the size asked for.
        resolution = resolution.with_scale_factor_override(1.0);
    }
    let window = Window {
        title: config.window.title.clone(),
        resolution,
        resizable: !screenshot_mode,
        mode: if config.window.fullscreen && !screenshot_mode {
            WindowMode::BorderlessFullscreen(MonitorSelection::Primary)
        } else {
            WindowMode::Windowed
        },
        ..default()
    };
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(window),
                ..default()
            })
            .set(RenderPlugin {
                // In screenshot mode, compile shaders before drawing, so that the first frame
                // is complete instead of black.
                synchronous_pipeline_compilation: screenshot_mode,
                ..default()
            }),
    )
    .add_plugins(bevy_egui::EguiPlugin::default())
    .insert_resource(Settings(Arc::new(config)))
    .add_plugins(CityTwinPlugins);
    if options.frame_stats {
        app.add_plugins(crate::diagnostics::FrameStatsPlugin);
    }
    if let Some(text) = &options.at {
        let now = crate::timestamp::now_millis();
        let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"));
        match (crate::clock::model::parse_at(text, now), local) {
            // A wall-clock time at the scene's place, once the place is known.
            (_, Ok(t)) => {
                app.insert_resource(crate::scene::InitialLocalTime(t));
            }
            (Some(t), Err(_)) => {
                let mut clock = SceneClock::default();
                if t >= clock.earliest(now) {
                    clock.seek(t, now);
                } else {
                    // Before the replay's day: a sun study's date.
                    clock.go_to_any(t);
                }
                app.insert_resource(clock);
            }
            (None, Err(_)) => warn!(
                "--at {text:?} is neither a time such as 2026-11-23T08:00:00Z, a time at the \
                 scene's place such as 2026-03-21T09:00, nor a duration such as PT6H; starting \
                 live"
            ),
        }
    }
    if options.play {
        let mut clock = app
            .world_mut()
            .remove_resource::<SceneClock>()
            .unwrap_or_default();
        clock.play_from_start_if_live(crate::timestamp::now_millis());
        app.insert_resource(clock);
    }
    if let Some((name, compare)) = options.show_scenario {
        app.insert_resource(crate::scene::InitialScenario {
            name,
            compare,
            divider: options.divider,
        });
    }
    if let Some(study) = options.sun_study {
        app.insert_resource(study);
    }
    if let Some(id) = options.select {
        app.insert_resource(InitialSelection(id));
    }
    if !screenshot_mode {
        // Draw only when something changes (input, camera motion, loading, UI animation):
        // an idle viewer costs no CPU or GPU, which matters on laptops, kiosks and software
        // renderers. Systems that animate write `RequestRedraw`. With --frame-stats the
        // viewer loads like this too, then draws continuously once every building is shown.
        let mut winit = bevy::winit::WinitSettings::desktop_app();
        if kiosk {
            // A kiosk counts its idle time even when nobody touches it (and it may never have
            // the focus): a frame a second at least.
            let every = bevy::winit::UpdateMode::reactive(std::time::Duration::from_secs(1));
            winit.focused_mode = every;
            winit.unfocused_mode = every;
        }
        app.insert_resource(winit);
    }
    if let Some(path) = options.controls {
        app.insert_resource(crate::scene::ControlsReport(path));
    }
    if let Some(path) = options.screenshot {
        app.add_plugins(CapturePlugin)
            .insert_resource(CaptureRequest::new(path));
    }
    app.run()
}

/// The viewer without a window or renderer: the data side (buildings loaded and meshed,
/// sensors and their live feed, layers, scenarios) on Bevy's `MinimalPlugins`. Call `update()` to run
/// a frame; dropping the app stops its services. Used by `citytwin bench live` and by tests
/// that check the ECS.
pub fn headless(config: Config) -> App {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        bevy::asset::AssetPlugin::default(),
        bevy::transform::TransformPlugin,
    ))
    .init_asset::<Mesh>()
    .init_asset::<StandardMaterial>()
    .insert_resource(Settings(Arc::new(config)))
    .add_plugins((
        ScenePlugin,
        LayersPlugin,
        BuildingsPlugin,
        SensorsPlugin,
        ScenariosPlugin,
        crate::comments::CommentsPlugin,
    ));
    app
}
