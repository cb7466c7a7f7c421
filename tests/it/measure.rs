//! The Measure tool in the demo, in a headless app fed input messages: a camera above the
//! Empire State Building, a click a little inside its roof's corner snaps onto the corner and
//! reads the building's height; the distance from that corner to a corner of the Chrysler
//! Building equals the one PROJ gives for the data's coordinates, to the centimetre.

use bevy::app::App;
use bevy::prelude::*;
use citytwin::config::Config;
use citytwin::measure::Kind;
use citytwin::scene::pointing::Snapped;
use citytwin::scene::{CityState, EditTool, MeasureCommand, MeasureState, Tool, ViewClicked};
use std::time::{Duration, Instant};

/// The Empire State Building (443.2 m) and the Chrysler Building (319 m) in the demo.
const EMPIRE_STATE: &str = "urn:ngsi-ld:Building:way-34633854";

const CHRYSLER: &str = "urn:ngsi-ld:Building:way-42500770";

/// A footprint corner of each, as the demo's data give it (longitude, latitude).
const EMPIRE_STATE_CORNER: [f64; 2] = [-73.9865012, 40.748491];
const CHRYSLER_CORNER: [f64; 2] = [-73.9758501, 40.7514887];

/// The demo in a headless app with the Measure tool and a camera looking straight down.
fn app_with_camera() -> App {
    let mut app = citytwin::app::headless(Config::default());
    app.add_plugins(citytwin::measuring::MeasuringPlugin);
    let deadline = Instant::now() + Duration::from_secs(90);
    while !app.world().resource::<CityState>().is_ready() {
        assert!(Instant::now() < deadline, "no city within 90 s");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    crate::aim_main_camera(&mut app, Transform::default());
    app
}

/// Starts measuring `kind` (as the editing plugin, absent here, would take the tool on).
fn start(app: &mut App, kind: Kind) {
    app.world_mut().write_message(MeasureCommand::Start(kind));
    app.update();
    app.world_mut().resource_mut::<EditTool>().tool = Tool::Measure;
    app.update();
}

/// Puts the camera 1 km above a point 0.7 m inside the building's roof corner nearest
/// `lonlat`, clicks the middle of the view, and returns that corner (scene `[east, north]`).
fn click_near_corner(app: &mut App, id: &str, lonlat: [f64; 2]) -> [f64; 2] {
    let model = app.world().resource::<CityState>().model.clone().unwrap();
    let b = model.buildings.iter().find(|b| b.id == id).unwrap();
    let georef = citytwin::georef::Georef::new(model.origin, Some(&model.crs)).unwrap();
    let s = georef
        .lonlat_to_scene(citytwin::georef::LonLat::new(lonlat[0], lonlat[1]), 0.0)
        .unwrap();
    let corner = b.footprint.polygons()[0]
        .exterior()
        .0
        .iter()
        .min_by(|p, q| {
            let d = |c: &&geo::Coord| (c.x - s[0]).hypot(c.y + s[2]);
            d(p).total_cmp(&d(q))
        })
        .copied()
        .unwrap();
    assert!(
        (corner.x - s[0]).hypot(corner.y + s[2]) < 0.001,
        "{id}: the data's corner"
    );
    let centre = b.footprint.centroid();
    let (dx, dy) = (centre[0] - corner.x, centre[1] - corner.y);
    let len = dx.hypot(dy);
    let at = [corner.x + 0.7 * dx / len, corner.y + 0.7 * dy / len];
    let eye = Vec3::new(at[0] as f32, (b.height + 1000.0) as f32, -at[1] as f32);
    let transform = Transform::from_translation(eye).looking_at(eye - Vec3::Y, Vec3::NEG_Z);
    crate::aim_main_camera(app, transform);
    app.world_mut()
        .write_message(ViewClicked(Vec2::splat(crate::VIEW_PX as f32 / 2.0)));
    app.update();
    [corner.x, corner.y]
}

#[test]
fn clicks_near_roof_corners_snap_onto_them_in_a_headless_app() {
    let mut app = app_with_camera();
    // The Empire State Building's height: a click near its roof's corner.
    start(&mut app, Kind::Height);
    let corner = click_near_corner(&mut app, EMPIRE_STATE, EMPIRE_STATE_CORNER);
    let state = app.world().resource::<MeasureState>();
    assert_eq!(
        state.snapped,
        Snapped::Corner,
        "{:?}",
        state.measurement.points
    );
    let p = state.measurement.points[0];
    assert_eq!([p[0], p[1]], corner, "on the corner");
    assert!((p[2] - 443.2).abs() < 1e-9, "443.2 m high, not {}", p[2]);

    // The distance to the Chrysler Building, corner to corner, against PROJ on the data.
    start(&mut app, Kind::Distance);
    click_near_corner(&mut app, EMPIRE_STATE, EMPIRE_STATE_CORNER);
    click_near_corner(&mut app, CHRYSLER, CHRYSLER_CORNER);
    let state = app.world().resource::<MeasureState>();
    assert_eq!(state.measurement.points.len(), 2);
    assert_eq!(state.snapped, Snapped::Corner);
    let measured = state.measurement.total();
    let model = app.world().resource::<CityState>().model.clone().unwrap();
    let georef = citytwin::georef::Georef::new(model.origin, Some(&model.crs)).unwrap();
    let projected = |c: [f64; 2]| {
        georef
            .lonlat_to_projected(citytwin::georef::LonLat::new(c[0], c[1]))
            .unwrap()
    };
    let (a, b) = (projected(EMPIRE_STATE_CORNER), projected(CHRYSLER_CORNER));
    let expected = (b.0 - a.0).hypot(b.1 - a.1);
    eprintln!(
        "Empire State to Chrysler, corner to corner: {:.3} m measured, {expected:.3} m from PROJ",
        measured.horizontal
    );
    assert!((measured.horizontal - expected).abs() < 0.01);
    assert!((measured.rise - (319.0 - 443.2)).abs() < 1e-6);
}
