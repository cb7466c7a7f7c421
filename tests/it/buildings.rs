//! The buildings layer in a headless app (`app::headless`): thematic styles re-mesh the
//! tiles with the theme's colours, and back.

use crate::fixture;
use bevy::prelude::*;
use citytwin::buildings::CityState;
use citytwin::buildings::style::{BuildingStyle, SetBuildingStyle};
use citytwin::config::{Config, Layer};
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn run_until(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(app) {
        assert!(Instant::now() < deadline, "no {what} within 60 s");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The distinct vertex colours of all building tiles.
fn tile_colors(app: &mut App) -> HashSet<[u32; 4]> {
    let world = app.world_mut();
    let handles: Vec<Handle<Mesh>> = world
        .query_filtered::<&Mesh3d, With<citytwin::buildings::BuildingTile>>()
        .iter(world)
        .map(|m| m.0.clone())
        .collect();
    let meshes = world.resource::<Assets<Mesh>>();
    let mut out = HashSet::new();
    for h in handles {
        let mesh = meshes.get(&h).expect("the tile's mesh");
        if let Some(bevy::mesh::VertexAttributeValues::Float32x4(colors)) =
            mesh.attribute(Mesh::ATTRIBUTE_COLOR)
        {
            out.extend(colors.iter().map(|c| c.map(f32::to_bits)));
        }
    }
    out
}

#[test]
fn a_thematic_style_recolours_the_tiles_and_the_neutral_style_returns() {
    let file = fixture("city/3dbag_delft_v20240420.city.jsonl.gz");
    let config = Config::from_layers(vec![
        Layer::parse(
            "test",
            &format!("[data]\nsource = \"{}\"\n", file.display()),
        )
        .unwrap(),
    ])
    .unwrap();
    let mut app = citytwin::app::headless(config);
    run_until(&mut app, "city with style choices", |app| {
        app.world().resource::<CityState>().is_ready()
            && !app.world().resource::<BuildingStyle>().choices.is_empty()
    });
    let neutral = tile_colors(&mut app);
    assert!(
        neutral.len() <= 2,
        "walls and roofs: {} colours",
        neutral.len()
    );

    // The roof types of the 3DBAG (horizontal, slanted, …): one colour each, walls darker.
    app.world_mut()
        .write_message(SetBuildingStyle(Some("b3_dak_type".into())));
    run_until(&mut app, "the roof-type style", |app| {
        let s = app.world().resource::<BuildingStyle>();
        !s.busy
            && s.theme
                .as_ref()
                .is_some_and(|t| t.attribute == "b3_dak_type")
    });
    let themed = tile_colors(&mut app);
    let categories = app
        .world()
        .resource::<BuildingStyle>()
        .theme
        .as_ref()
        .unwrap()
        .categories
        .len();
    assert!(categories >= 3, "{categories} roof types");
    assert!(
        themed.len() >= 2 * categories,
        "{} colours for {categories} categories",
        themed.len()
    );
    assert!(
        themed.is_disjoint(&neutral),
        "no building keeps the neutral colours"
    );

    app.world_mut().write_message(SetBuildingStyle(None));
    run_until(&mut app, "the neutral style", |app| {
        let s = app.world().resource::<BuildingStyle>();
        !s.busy && s.theme.is_none()
    });
    assert_eq!(tile_colors(&mut app), neutral);
}
