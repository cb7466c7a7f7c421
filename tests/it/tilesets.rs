//! 3D Tiles streamed with the camera: a real tileset's feed refines as the eye nears and
//! keeps to its memory budget; in a headless app, a click on a feature shows its properties.

use bevy::app::App;
use bevy::prelude::*;
use citytwin::config::Config;
use citytwin::georef::LonLat;
use citytwin::scene::{
    CityState, SelectBuilding, SelectedTilesetFeature, TilesetsState, ViewClicked,
};
use citytwin::tileset_feed::{TilesetFeed, TilesetMessage, TilesetSettings};
use citytwin::tilesets::{FeatureHighlight, TilesetPart};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Runs a feed for one look until every wanted tile came; the wanted tiles and the
/// triangles drawn.
fn stream(memory_mb: f64, height: f64) -> (Vec<usize>, usize) {
    let at = crate::fixture("3dtiles/amsterdam_pg2b3dm_v1.0/tileset.json");
    stream_from(&at, 11, memory_mb, height)
}

/// [`stream`] for the tileset at `at`, which lists `listed` tiles once opened.
fn stream_from(
    at: &std::path::Path,
    listed: usize,
    memory_mb: f64,
    height: f64,
) -> (Vec<usize>, usize) {
    let (feed, worker) = TilesetFeed::spawn(
        TilesetSettings {
            at: at.display().to_string(),
            origin: LonLat::new(4.9243, 52.3878),
            crs: "EPSG:32631".into(),
            ground_m: None,
            max_error_px: 16.0,
            memory_bytes: (memory_mb * 1e6) as u64,
            broker: None,
        },
        None,
    )
    .unwrap();
    feed.look(citytwin::tiles3d::select::Eye {
        at: [0.0, height, 0.0],
        forward: [0.0, -1.0, 0.0],
        // Straight down, 80° off the axis to the corners: the whole tileset in view.
        half_angle: 1.4,
        pixels_per_radian: 1000.0,
    });
    let (mut wanted, mut got) = (Vec::new(), HashMap::new());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "tiles came too slowly");
        match feed.rx.recv_timeout(Duration::from_secs(30)).unwrap() {
            TilesetMessage::Opened { tiles, version } => {
                assert_eq!(tiles, listed, "{version}");
            }
            TilesetMessage::Wanted(w) => wanted = w,
            TilesetMessage::Tile {
                index,
                meshes,
                features,
            } => {
                // pg2b3dm's tiles carry a batch table (BAG `blockid`s) and each triangle its
                // batch id.
                assert!(!features.is_empty(), "tile {index} has no batch table");
                let mut ids = meshes.iter().flat_map(|m| &m.features);
                assert!(ids.clone().count() > 0 && ids.all(|&f| (f as usize) < features.len()));
                got.insert(
                    index,
                    meshes.iter().map(|m| m.positions.len() / 3).sum::<usize>(),
                );
            }
            TilesetMessage::Missing(i, why) => panic!("tile {i}: {why}"),
            TilesetMessage::Failed(why) => panic!("{why}"),
        }
        if !wanted.is_empty() && wanted.iter().all(|i| got.contains_key(i)) {
            break;
        }
    }
    drop(worker);
    let triangles = wanted.iter().map(|i| got[i]).sum();
    (wanted, triangles)
}

#[test]
fn an_external_tileset_streams_as_part_of_the_tileset_that_names_it() {
    // An outer tileset whose root's content is Amsterdam's tileset.json in a folder beside it.
    let dir = crate::temp_dir("tileset-external");
    let city = dir.join("city");
    std::fs::create_dir_all(city.join("tiles")).unwrap();
    let source = crate::fixture("3dtiles/amsterdam_pg2b3dm_v1.0");
    std::fs::copy(source.join("tileset.json"), city.join("tileset.json")).unwrap();
    for i in 1..=10 {
        let name = format!("tiles/{i}.b3dm");
        std::fs::copy(source.join(&name), city.join(&name)).unwrap();
    }
    std::fs::write(
        dir.join("tileset.json"),
        r#"{"asset":{"version":"1.1"},"geometricError":2000,
           "root":{"boundingVolume":{"sphere":[3886500,334846,5029300,6000]},
                   "geometricError":1000,"refine":"ADD","content":{"uri":"city/tileset.json"}}}"#,
    )
    .unwrap();
    let (near, triangles) = stream_from(&dir.join("tileset.json"), 12, 512.0, 1000.0);
    assert_eq!((near.len(), triangles), (10, 35_102));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_tileset_refines_as_the_camera_nears_and_keeps_to_its_memory_budget() {
    let (far, far_triangles) = stream(512.0, 20_000.0);
    let (near, near_triangles) = stream(512.0, 1000.0);
    assert!(far.len() < near.len(), "{far:?} vs {near:?}");
    // Near, every tile with content (ADD refinement): the 35,102 triangles of the source.
    assert_eq!(near.len(), 10);
    assert_eq!(near_triangles, 35_102);
    assert!(far_triangles < near_triangles);
    // A budget of 2.3 MB (the whole tileset's meshes take 2.53, 2.7 with each triangle's
    // batch id and the batch tables): fewer tiles, whose meshes (24 bytes a vertex, three a
    // triangle) fit in it.
    let (budgeted, triangles) = stream(2.3, 1000.0);
    assert!(
        !budgeted.is_empty() && budgeted.len() < near.len(),
        "{budgeted:?}"
    );
    assert!(triangles * 3 * 24 <= 2_300_000, "{triangles} triangles");
}

/// A headless app with Delft's buildings (GeoJSON) and Amsterdam's tileset in the same scene
/// (both in the Netherlands: one CRS), a camera 2 km above Amsterdam, every tile in.
fn app_with_amsterdam() -> App {
    let dir = crate::temp_dir("tileset-pick");
    let config = dir.join("citytwin.toml");
    std::fs::write(
        &config,
        format!(
            "[data]\nsource = {:?}\n\n[tilesets.amsterdam]\npath = {:?}\n",
            crate::fixture("delft_3dbag_buildings.geojson.gz")
                .display()
                .to_string(),
            crate::fixture("3dtiles/amsterdam_pg2b3dm_v1.0")
                .display()
                .to_string(),
        ),
    )
    .unwrap();
    let overlay = citytwin::config::ConfigOverlay::command_line();
    let config = Config::load(Some(&config), overlay).unwrap();
    let mut app = citytwin::app::headless(config);
    app.add_plugins(citytwin::tilesets::TilesetsPlugin);
    let deadline = Instant::now() + Duration::from_secs(90);
    while !app.world().resource::<CityState>().is_ready() {
        assert!(Instant::now() < deadline, "no city within 90 s");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    let model = app.world().resource::<CityState>().model.clone().unwrap();
    let georef = citytwin::georef::Georef::new(model.origin, Some(&model.crs)).unwrap();
    let above = georef
        .lonlat_to_scene(LonLat::new(4.9243, 52.3878), 0.0)
        .unwrap();
    let eye = Vec3::new(above[0] as f32, 2000.0, above[2] as f32);
    aim(&mut app, eye);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        app.update();
        let state = app.world().resource::<TilesetsState>();
        if !state.loading && state.tiles_drawn > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "tiles: {state:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    app
}

/// Puts the main camera at `eye`, looking straight down.
fn aim(app: &mut App, eye: Vec3) {
    let transform = Transform::from_translation(eye).looking_at(eye - Vec3::Y, Vec3::NEG_Z);
    crate::aim_main_camera(app, transform);
}

fn click_middle(app: &mut App) {
    app.world_mut()
        .write_message(ViewClicked(Vec2::splat(crate::VIEW_PX as f32 / 2.0)));
    app.update();
    app.update();
}

#[test]
fn a_click_on_a_tileset_feature_shows_its_batch_table_properties_and_highlights_it() {
    let mut app = app_with_amsterdam();
    // The highest roof triangle of the tileset, found in the tiles as drawn; the camera
    // 300 m straight above its middle.
    let (roof, feature, blockid) = {
        let world = app.world_mut();
        let mut q = world.query::<(&TilesetPart, &GlobalTransform)>();
        let mut best: Option<(Vec3, u32, String)> = None;
        for (part, at) in q.iter(world) {
            for (i, t) in part.positions.chunks_exact(3).enumerate() {
                let mid = at.translation()
                    + (Vec3::from(t[0]) + Vec3::from(t[1]) + Vec3::from(t[2])) / 3.0;
                let flat = (Vec3::from(t[1]) - Vec3::from(t[0]))
                    .cross(Vec3::from(t[2]) - Vec3::from(t[0]))
                    .normalize()
                    .y
                    .abs()
                    > 0.99;
                if flat && best.as_ref().is_none_or(|(b, _, _)| mid.y > b.y) {
                    let f = part.features[i];
                    let id = part.table.properties(f)[0].1.clone();
                    best = Some((mid, f, id));
                }
            }
        }
        best.unwrap()
    };
    assert!(
        blockid.starts_with("0363"),
        "an Amsterdam BAG id: {blockid}"
    );
    aim(&mut app, roof + Vec3::Y * 300.0);
    click_middle(&mut app);
    let selected = app.world().resource::<SelectedTilesetFeature>().0.clone();
    let f = selected.expect("the click picks the roof's feature");
    assert_eq!(
        (f.tileset.as_str(), f.feature),
        ("amsterdam", Some(feature))
    );
    assert_eq!(f.properties, vec![("blockid".to_owned(), blockid)]);
    let world = app.world_mut();
    assert_eq!(world.query::<&FeatureHighlight>().iter(world).count(), 1);
    // Nothing under the click (the sky, 10 km east): the selection goes, and its highlight.
    aim(&mut app, roof + Vec3::new(10_000.0, 300.0, 0.0));
    click_middle(&mut app);
    assert_eq!(app.world().resource::<SelectedTilesetFeature>().0, None);
    let world = app.world_mut();
    assert_eq!(world.query::<&FeatureHighlight>().iter(world).count(), 0);
    // Picked again, then a building selected: one thing in the inspector at a time.
    aim(&mut app, roof + Vec3::Y * 300.0);
    click_middle(&mut app);
    assert!(app.world().resource::<SelectedTilesetFeature>().0.is_some());
    app.world_mut().write_message(SelectBuilding(Some(0)));
    app.update();
    assert_eq!(app.world().resource::<SelectedTilesetFeature>().0, None);
}
