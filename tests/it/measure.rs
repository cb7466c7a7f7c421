//! The Measure tool in a headless app fed input messages: a camera above the Empire State
//! Building, a click a little inside its roof's corner: the Height tool snaps onto the roof
//! corner and reads the building's height from the data.

use bevy::camera::{ComputedCameraValues, RenderTargetInfo};
use bevy::prelude::*;
use citytwin::config::Config;
use citytwin::measure::Kind;
use citytwin::scene::pointing::Snapped;
use citytwin::scene::{
    CityState, EditTool, MainCamera, MeasureCommand, MeasureState, Tool, ViewArea, ViewClicked,
};
use std::time::{Duration, Instant};

const EMPIRE_STATE: &str = "urn:ngsi-ld:Building:way-34633854";

#[test]
fn a_click_near_a_roof_corner_snaps_onto_it_in_a_headless_app() {
    let mut app = citytwin::app::headless(Config::default());
    app.add_plugins(citytwin::measuring::MeasuringPlugin);
    let deadline = Instant::now() + Duration::from_secs(90);
    while !app.world().resource::<CityState>().is_ready() {
        assert!(Instant::now() < deadline, "no city within 90 s");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    let model = app.world().resource::<CityState>().model.clone().unwrap();
    let b = model
        .buildings
        .iter()
        .find(|b| b.id == EMPIRE_STATE)
        .unwrap();
    let corner = b.footprint.polygons()[0].exterior().0[0];
    let centre = b.footprint.centroid();
    // 0.7 m from the corner towards the middle of the roof, seen from 1 km above.
    let (dx, dy) = (centre[0] - corner.x, centre[1] - corner.y);
    let len = dx.hypot(dy);
    let at = [corner.x + 0.7 * dx / len, corner.y + 0.7 * dy / len];
    let eye = Vec3::new(at[0] as f32, (b.height + 1000.0) as f32, -at[1] as f32);
    let size = 1000u32;
    let computed = ComputedCameraValues {
        clip_from_view: Mat4::perspective_infinite_reverse_rh(0.8, 1.0, 0.1),
        target_info: Some(RenderTargetInfo {
            physical_size: UVec2::splat(size),
            scale_factor: 1.0,
        }),
        ..default()
    };
    let camera = Camera {
        computed,
        ..default()
    };
    let transform = Transform::from_translation(eye).looking_at(eye - Vec3::Y, Vec3::NEG_Z);
    app.world_mut().spawn((
        camera,
        GlobalTransform::from(transform),
        transform,
        MainCamera,
    ));
    *app.world_mut().resource_mut::<ViewArea>() = ViewArea {
        min: Vec2::ZERO,
        size: Vec2::splat(size as f32),
    };
    app.world_mut()
        .write_message(MeasureCommand::Start(Kind::Height));
    app.update();
    // The editing plugin, absent here, would take the tool on from the Start message.
    app.world_mut().resource_mut::<EditTool>().tool = Tool::Measure;
    app.update();
    app.world_mut()
        .write_message(ViewClicked(Vec2::splat(size as f32 / 2.0)));
    app.update();
    let state = app.world().resource::<MeasureState>();
    assert_eq!(
        state.snapped,
        Snapped::Corner,
        "{:?} near {corner:?}",
        state.measurement.points
    );
    let p = state.measurement.points[0];
    assert!(
        (p[0] - corner.x).abs() < 1e-9 && (p[1] - corner.y).abs() < 1e-9,
        "{p:?} is not the corner {corner:?}"
    );
    assert!(
        (p[2] - 443.2).abs() < 1e-9,
        "the roof is 443.2 m high, not {}",
        p[2]
    );
}
