//! The buildings layer in a headless app (`app::headless`): thematic styles re-mesh the
//! tiles with the theme's colours, and back.

use crate::fixture;
use bevy::prelude::*;
use citytwin::config::{Config, ConfigOverlay};
use citytwin::scene::CityState;
use citytwin::scene::{BuildingStyle, SetBuildingStyle};
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
        if let Some(bevy::mesh::VertexAttributeValues::Unorm8x4(colors)) =
            mesh.attribute(Mesh::ATTRIBUTE_COLOR)
        {
            out.extend(colors.iter().map(|c| c.map(u32::from)));
        }
    }
    out
}

#[test]
fn a_thematic_style_recolours_the_tiles_and_the_neutral_style_returns() {
    let file = fixture("city/3dbag_delft_v20240420.city.jsonl.gz");
    let config = Config::from_layers(vec![
        ConfigOverlay::parse(
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

#[test]
fn a_broker_holding_more_than_fits_is_loaded_by_viewport_as_the_camera_moves() {
    use citytwin::city::stream::Grid;
    use citytwin::scene::OrbitCamera;
    use citytwin::scene::orbit::OrbitState;
    // The demo's local broker (7,981 buildings) counts as big: cells of 200 m within 600 m.
    let layer = "[data]\nstream_above = 0\nstream_radius = 600.0\n[buildings]\ntile_size = 100.0\n";
    let config = Config::from_layers(vec![ConfigOverlay::parse("test", layer).unwrap()]).unwrap();
    let grid = Grid::new(600.0, 100.0);
    assert_eq!(grid.size, 200.0);
    let mut app = citytwin::app::headless(config.clone());
    let at = |focus: Vec3| OrbitState {
        focus,
        heading: 0.0,
        tilt: 0.6,
        distance: 800.0,
    };
    let camera = app
        .world_mut()
        .spawn(OrbitCamera {
            current: at(Vec3::ZERO),
            target: at(Vec3::ZERO),
        })
        .id();
    run_until(&mut app, "the buildings around the view", |app| {
        app.world().resource::<CityState>().is_ready()
    });
    let first = app.world().resource::<CityState>().model.clone().unwrap();
    let n = first.buildings.len();
    assert!(
        n > 200 && n < 7_981,
        "{n} of the 7,981 buildings around the view"
    );
    let ids: HashSet<&str> = first.buildings.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids.len(),
        n,
        "a building in several cells' answers is kept once"
    );
    let distance = |b: &citytwin::city::Building, p: [f64; 2]| {
        let c = b.footprint.center();
        (c[0] - p[0]).hypot(c[1] - p[1])
    };
    let reach = 600.0 + 200.0 * 2f64.sqrt();
    assert!(
        first
            .buildings
            .iter()
            .all(|b| distance(b, [0.0, 0.0]) <= reach)
    );

    // Every building of the whole district within the radius is there (same origin).
    let mut whole_config = config.clone();
    whole_config.data.stream_above = usize::MAX;
    whole_config.scene.origin =
        citytwin::config::OriginSetting::At([first.origin.lon, first.origin.lat]);
    let whole = citytwin::city::load(&citytwin::source::Source::Demo, &whole_config).unwrap();
    let near: Vec<&str> = whole
        .buildings
        .iter()
        .filter(|b| distance(b, [0.0, 0.0]) < 590.0)
        .map(|b| b.id.as_str())
        .collect();
    assert!(near.len() > 200);
    for id in &near {
        assert!(
            ids.contains(id),
            "{id} is within the radius but was not loaded"
        );
    }

    // Look at the building of the district farthest from here: its cells come, ours go.
    let far = whole
        .buildings
        .iter()
        .max_by(|a, b| distance(a, [0.0, 0.0]).total_cmp(&distance(b, [0.0, 0.0])))
        .unwrap();
    let c = far.footprint.center();
    assert!(distance(far, [0.0, 0.0]) > 1_500.0);
    let focus = Vec3::new(c[0] as f32, 0.0, -c[1] as f32);
    app.world_mut()
        .get_mut::<OrbitCamera>(camera)
        .unwrap()
        .target = at(focus);
    run_until(&mut app, "the buildings around the new view", |app| {
        let state = app.world().resource::<CityState>();
        state.model.as_ref().is_some_and(|m| {
            m.buildings.iter().any(|b| b.id == far.id)
                && !m.buildings.iter().any(|b| distance(b, [0.0, 0.0]) < 100.0)
        })
    });
    // Let the loads around the new view settle, then check tiles against the model.
    for _ in 0..200 {
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    let model = app.world().resource::<CityState>().model.clone().unwrap();
    assert!(
        model
            .buildings
            .iter()
            .all(|b| distance(b, c) <= 600.0 + 200.0 * 3.0 + 300.0)
    );
    let world = app.world_mut();
    let mut indices: Vec<usize> = world
        .query::<&citytwin::buildings::BuildingTile>()
        .iter(world)
        .flat_map(|t| t.buildings.clone())
        .collect();
    indices.sort_unstable();
    assert_eq!(
        indices,
        (0..model.buildings.len()).collect::<Vec<_>>(),
        "every building loaded is in exactly one tile"
    );
    // Picking from above resolves the far building among the newly loaded.
    let ray = citytwin::geometry::pick::Ray {
        origin: [c[0], 500.0, -c[1]],
        direction: [0.0, -1.0, 0.0],
    };
    let picked = model.pick(&ray).unwrap();
    assert!(model.buildings[picked].footprint.contains(c) || model.buildings[picked].id == far.id);
}

#[test]
fn a_tile_sends_its_full_mesh_to_the_gpu_only_when_the_camera_comes_near() {
    use citytwin::buildings::{BuildingTile, FarTile, NearMesh};
    use citytwin::scene::MainCamera;
    let config = Config::from_layers(Vec::new()).unwrap();
    let mut app = citytwin::app::headless(config);
    // A camera 30 km above the demo: every tile is seen from afar.
    let camera = app
        .world_mut()
        .spawn((MainCamera, Transform::from_xyz(0.0, 30_000.0, 0.0)))
        .id();
    run_until(&mut app, "the demo's tiles", |app| {
        app.world().resource::<CityState>().is_ready()
    });
    app.update();
    let world = app.world_mut();
    let tiles: Vec<(Entity, [f64; 2], bool, bool)> = world
        .query::<(Entity, &BuildingTile, Has<Mesh3d>, Has<NearMesh>)>()
        .iter(world)
        .map(|(e, t, full, waiting)| (e, t.center, full, waiting))
        .collect();
    assert!(tiles.len() > 10);
    assert!(
        tiles.iter().all(|(_, _, full, waiting)| !full && *waiting),
        "from 30 km no tile's full mesh is on the GPU"
    );
    let far_meshes = world
        .query_filtered::<&Mesh3d, With<FarTile>>()
        .iter(world)
        .count();
    assert_eq!(far_meshes, tiles.len() * 2, "two simpler meshes per tile");
    // Down to 300 m above one tile: its full mesh goes to the GPU, the farthest stay waiting.
    let (near_tile, c, _, _) = tiles[tiles.len() / 2];
    world
        .entity_mut(camera)
        .insert(Transform::from_xyz(c[0] as f32, 300.0, -c[1] as f32));
    app.update();
    app.update();
    let world = app.world_mut();
    assert!(world.entity(near_tile).contains::<Mesh3d>());
    assert!(!world.entity(near_tile).contains::<NearMesh>());
    let waiting = world
        .query_filtered::<Entity, With<NearMesh>>()
        .iter(world)
        .count();
    assert!(
        waiting > 0 && waiting < tiles.len(),
        "{waiting} of {} still waiting",
        tiles.len()
    );
}

#[test]
fn the_cameras_ground_footprint_queries_the_broker() {
    use citytwin::georef::{Georef, LonLat};
    use citytwin::ngsi_ld::client::Client;
    use citytwin::ngsi_ld::geo_query::GeoQuery;
    use citytwin::ngsi_ld::request::EntityQuery;
    use citytwin::scene::orbit::{OrbitState, ground_footprint};
    let config = Config::default();
    let demo = citytwin::demo::Demo::start(&config).unwrap();
    let source = demo.source().clone();
    // Looking down at the Empire State Building from 600 m.
    let georef = Georef::new(LonLat::new(-73.98566, 40.74844), None).unwrap();
    let view = OrbitState {
        focus: Vec3::ZERO,
        heading: 0.0,
        tilt: 80f32.to_radians(),
        distance: 600.0,
    };
    let ring: Vec<[f64; 2]> = ground_footprint(&view, 45f32.to_radians(), 1.5, 20_000.0)
        .iter()
        .map(|p| {
            let (ll, _) = georef
                .scene_to_lonlat([f64::from(p[0]), 0.0, f64::from(p[1])])
                .unwrap();
            [ll.lon, ll.lat]
        })
        .collect();
    let query = EntityQuery {
        types: vec!["Building".into()],
        geo: Some(GeoQuery::intersects_ring(&ring).unwrap()),
        ..EntityQuery::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(source.client).unwrap();
    let seen = rt
        .block_on(client.query_all(&query, &mut |_, _| {}))
        .unwrap();
    demo.stop();
    assert!(
        seen.entities
            .iter()
            .any(|e| e.id == "urn:ngsi-ld:Building:way-34633854"),
        "the Empire State Building is in view"
    );
    assert!(
        seen.entities.len() > 50 && seen.entities.len() < 2_000,
        "a block or two, not the district: {}",
        seen.entities.len()
    );
}
