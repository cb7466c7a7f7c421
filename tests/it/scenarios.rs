//! Scenarios in a headless app: activating the demo's example hides the building it removes
//! (its tile moves to the baseline side, meshed again without it for the scenario side) and
//! shows the ones it adds; picking on the scenario side finds them; back to the baseline
//! restores the tiles.

use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;
use citytwin::buildings::{BuildingTile, ScenarioTile};
use citytwin::config::Config;
use citytwin::geometry::pick::Ray;
use citytwin::scene::scenarios::{BASELINE_ONLY, SCENARIO_ONLY};
use citytwin::scene::{ActivateScenario, CityState, Scenarios};
use std::time::{Duration, Instant};

fn run_until(app: &mut App, what: &str, done: impl Fn(&mut App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done(app) {
        assert!(Instant::now() < deadline, "no {what} within 90 s");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
}

const TERMINAL: &str = "urn:ngsi-ld:Building:way-108160358";

type Tile = ((i32, i32), Vec<usize>, Option<RenderLayers>);

/// The scenario's tiles, and the baseline tiles holding the terminal: cell, members, layers.
fn tiles(app: &mut App, terminal: usize) -> (Vec<Tile>, Vec<Tile>) {
    let world = app.world_mut();
    let mut scenario = Vec::new();
    let mut baseline = Vec::new();
    let mut q = world.query::<(&BuildingTile, Option<&RenderLayers>, Has<ScenarioTile>)>();
    for (t, layers, is_scenario) in q.iter(world) {
        let tile = (t.cell, t.buildings.clone(), layers.cloned());
        if is_scenario {
            scenario.push(tile);
        } else if t.buildings.contains(&terminal) {
            baseline.push(tile);
        }
    }
    (scenario, baseline)
}

#[test]
fn activating_the_example_hides_what_it_removes_and_shows_what_it_adds() {
    let mut app = citytwin::app::headless(Config::default());
    run_until(
        &mut app,
        "the demo with its example scenario placed",
        |app| {
            app.world().resource::<CityState>().is_ready()
                && app
                    .world()
                    .resource::<Scenarios>()
                    .list
                    .first()
                    .is_some_and(|e| e.applied.is_some())
        },
    );
    let model = app.world().resource::<CityState>().model.clone().unwrap();
    let terminal = model
        .buildings
        .iter()
        .position(|b| b.id == TERMINAL)
        .unwrap();
    let (scenario, baseline) = tiles(&mut app, terminal);
    assert!(scenario.is_empty());
    assert_eq!(baseline.len(), 1, "one tile holds the terminal");
    let (cell, members, layers) = baseline[0].clone();
    assert_eq!(layers, None, "drawn on both sides");

    app.world_mut().write_message(ActivateScenario(Some(0)));
    run_until(&mut app, "the scenario's tiles", |app| {
        let s = app.world().resource::<Scenarios>();
        s.active == Some(0) && !s.busy && s.last_switch_s.is_some()
    });
    app.update();
    let (scenario, baseline) = tiles(&mut app, terminal);
    assert_eq!(
        baseline[0].2,
        Some(RenderLayers::layer(BASELINE_ONLY)),
        "the terminal's tile is drawn on the baseline side only"
    );
    for (_, _, layers) in &scenario {
        assert_eq!(layers.as_ref(), Some(&RenderLayers::layer(SCENARIO_ONLY)));
    }
    // Its tile meshed again for the scenario side: the same buildings but the terminal.
    let kept: Vec<usize> = members.iter().copied().filter(|i| *i != terminal).collect();
    assert!(
        scenario.iter().any(|(c, m, _)| *c == cell && *m == kept),
        "no scenario tile holds the terminal's neighbours without it"
    );
    let applied = app
        .world()
        .resource::<Scenarios>()
        .active_applied()
        .unwrap()
        .clone();
    assert_eq!(applied.added.len(), 3);
    // Only the tiles it changes (the terminal's, the restyled landmarks') are meshed again.
    let world = app.world_mut();
    let moved: Vec<usize> = world
        .query_filtered::<(&BuildingTile, &RenderLayers), Without<ScenarioTile>>()
        .iter(world)
        .filter(|(_, l)| **l == RenderLayers::layer(BASELINE_ONLY))
        .map(|(t, _)| t.buildings.len())
        .collect();
    assert!(
        moved.len() <= 4,
        "{} baseline tiles moved to the baseline side",
        moved.len()
    );
    let drawn: usize = scenario.iter().map(|(_, m, _)| m.len()).sum();
    assert_eq!(
        drawn,
        moved.iter().sum::<usize>() - 1 + 3,
        "the scenario side draws the moved tiles' buildings less the terminal, and the 3 added"
    );

    // Straight down onto the middle of the site: the terminal in the baseline, an added
    // building of the scenario there.
    let site = applied.site.as_ref().unwrap().centroid();
    let ray = Ray {
        origin: [site[0], 1_000.0, -site[1]],
        direction: [0.0, -1.0, 0.0],
    };
    assert_eq!(model.pick(&ray), Some(terminal));
    let hit = applied.pick(&model, &ray).expect("an added building");
    assert!(hit >= model.buildings.len(), "{hit} is a baseline building");
    let scenarios = app.world().resource::<Scenarios>();
    let (b, placed) = citytwin::scene::scenarios::building(&model, scenarios, hit).unwrap();
    assert!(
        b.id.starts_with("urn:ngsi-ld:Building:example-") && placed.is_some(),
        "{}",
        b.id
    );

    // Back to the baseline: the scenario's tiles go, the terminal's tile is shared again.
    app.world_mut().write_message(ActivateScenario(None));
    run_until(&mut app, "the baseline alone", |app| {
        tiles(app, terminal).0.is_empty()
    });
    app.update();
    assert_eq!(tiles(&mut app, terminal).1[0].2, None);
}

/// The active scenario's entry, once no edit is under way.
fn settled(app: &mut App) -> bool {
    let s = app.world().resource::<Scenarios>();
    !s.working && !s.busy && s.active_entry().is_some_and(|e| e.applied.is_some())
}

/// Runs frames until no edit is under way and the active scenario, placed, is as `want` says.
fn run_until_placed(
    app: &mut App,
    what: &str,
    want: impl Fn(&citytwin::scenario::Applied) -> bool,
) {
    run_until(app, what, |app| {
        settled(app)
            && app
                .world()
                .resource::<Scenarios>()
                .active_applied()
                .is_some_and(|a| want(a))
    });
}

/// Straight down onto a point (scene metres), on the scenario side.
fn pick_scenario_side(app: &App, at: [f64; 2]) -> Option<usize> {
    let model = app.world().resource::<CityState>().model.clone().unwrap();
    let ray = Ray {
        origin: [at[0], 2_000.0, -at[1]],
        direction: [0.0, -1.0, 0.0],
    };
    app.world()
        .resource::<Scenarios>()
        .active_applied()
        .unwrap()
        .pick(&model, &ray)
}

#[test]
fn edits_remove_and_add_buildings_and_undo_restores_them() {
    use citytwin::scenario::Edit;
    use citytwin::scene::{EditScenario, RedoEdit, UndoEdit};
    let mut app = citytwin::app::headless(Config::default());
    run_until(&mut app, "the demo city", |app| {
        app.world().resource::<CityState>().is_ready()
    });
    let model = app.world().resource::<CityState>().model.clone().unwrap();
    // A building in the middle of the list; with no scenario active, removing it starts one.
    let gone = model.buildings.len() / 2;
    let id = model.buildings[gone].id.clone();
    let centre = model.buildings[gone].footprint.centroid();
    assert_eq!(pick_scenario_side_baseline(&model, centre), Some(gone));
    app.world_mut()
        .write_message(EditScenario(Edit::RemoveBaseline { id: id.clone() }));
    run_until_placed(&mut app, "the removal placed and drawn", |a| {
        a.is_removed(gone)
    });
    run_until(&mut app, "its tile on the baseline side only", |app| {
        tiles(app, gone).1[0].2 == Some(RenderLayers::layer(BASELINE_ONLY))
    });
    let (scenario, _) = tiles(&mut app, gone);
    assert!(
        scenario.iter().all(|(_, m, _)| !m.contains(&gone)),
        "no scenario tile draws it"
    );
    assert_ne!(pick_scenario_side(&app, centre), Some(gone));

    // A building drawn beside the district, 30 × 20 m, 6 floors.
    let [_, _, east, north] = model.bounds;
    let (x, y) = (east + 300.0, north + 300.0);
    app.world_mut()
        .write_message(EditScenario(Edit::AddFootprint {
            corners: vec![[x, y], [x + 30.0, y], [x + 30.0, y + 20.0], [x, y + 20.0]],
            height: 19.2,
            floors: Some(6.0),
        }));
    run_until_placed(&mut app, "the drawn building placed", |a| {
        a.added.len() == 1
    });
    run_until(&mut app, "its tile", |app| {
        tiles(app, gone).0.iter().any(|(_, m, _)| m == &vec![0])
    });
    let hit = pick_scenario_side(&app, [x + 15.0, y + 10.0]).expect("the drawn building");
    assert_eq!(hit, model.buildings.len(), "the first added building");
    let kpis = app
        .world()
        .resource::<Scenarios>()
        .active_entry()
        .unwrap()
        .kpis
        .clone()
        .unwrap();
    assert!((kpis.footprint_added_m2 - 600.0).abs() < 0.05, "{kpis:?}");
    assert!((kpis.gfa_added_m2 - 3600.0).abs() < 0.5, "{kpis:?}");

    // Undo: the drawn building goes; undo again: the removed one is back.
    app.world_mut().write_message(UndoEdit);
    run_until_placed(&mut app, "the drawing undone", |a| a.added.is_empty());
    run_until(&mut app, "its tile gone", |app| {
        tiles(app, gone).0.iter().all(|(_, m, _)| m != &vec![0])
    });
    assert_eq!(pick_scenario_side(&app, [x + 15.0, y + 10.0]), None);
    app.world_mut().write_message(UndoEdit);
    run_until_placed(&mut app, "the removal undone", |a| a.removed.is_empty());
    run_until(&mut app, "its tile shared again", |app| {
        tiles(app, gone).1[0].2.is_none()
    });
    assert_eq!(pick_scenario_side(&app, centre), Some(gone));
    // Redo removes it again.
    app.world_mut().write_message(RedoEdit);
    run_until_placed(&mut app, "the removal redone", |a| a.is_removed(gone));
}

/// Straight down onto a point (scene metres), in the baseline.
fn pick_scenario_side_baseline(model: &citytwin::city::CityModel, at: [f64; 2]) -> Option<usize> {
    model.pick(&Ray {
        origin: [at[0], 2_000.0, -at[1]],
        direction: [0.0, -1.0, 0.0],
    })
}

/// Two viewers of one broker: the first draws a building, removes one and publishes; the
/// second lists the scenario with the same buildings, and follows when the first moves its
/// building and publishes again; the second moves it too and publishes, and the first
/// follows. The baseline's `type=Building` query is the same after.
#[test]
fn a_published_scenario_reaches_a_second_viewer_and_leaves_the_baseline_alone() {
    use citytwin::ngsi_ld::client::{Client, ClientConfig};
    use citytwin::ngsi_ld::request::EntityQuery;
    use citytwin::scenario::Edit;
    use citytwin::scene::{EditScenario, PublishScenario};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let buildings = crate::fixture("delft_3dbag_buildings.ngsild.json.gz");
    let broker = crate::broker::start(
        &[
            "--db",
            ":memory:",
            "--seed",
            &buildings.display().to_string(),
        ],
        crate::broker::free_port(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(ClientConfig::new(&broker.url)).unwrap();
    let ids_of = |t: &str| -> Vec<String> {
        let q = EntityQuery {
            types: vec![t.to_owned()],
            ..EntityQuery::default()
        };
        let mut ids: Vec<String> = runtime
            .block_on(client.query_all(&q, &mut |_, _| {}))
            .unwrap()
            .entities
            .into_iter()
            .map(|e| e.id)
            .collect();
        ids.sort();
        ids
    };
    let baseline_before = ids_of("Building");
    assert!(baseline_before.len() > 100);

    let viewer = crate::live::headless_viewer;
    let mut a = viewer(&broker.url);
    let mut b = viewer(&broker.url);
    for app in [&mut a, &mut b] {
        run_until(app, "the city", |app| {
            app.world().resource::<CityState>().is_ready()
        });
    }
    let model = a.world().resource::<CityState>().model.clone().unwrap();
    let removed = model.buildings[0].id.clone();
    let [_, _, east, north] = model.bounds;
    let (x, y) = (east + 200.0, north + 200.0);
    a.world_mut()
        .write_message(EditScenario(Edit::AddFootprint {
            corners: vec![[x, y], [x + 25.0, y], [x + 25.0, y + 25.0], [x, y + 25.0]],
            height: 30.0,
            floors: None,
        }));
    a.world_mut()
        .write_message(EditScenario(Edit::RemoveBaseline {
            id: removed.clone(),
        }));
    run_until_placed(&mut a, "the first viewer's edits", |x| {
        x.added.len() == 1 && x.removed.len() == 1
    });
    let published = |app: &mut App| {
        app.world_mut().write_message(PublishScenario);
        run_until(app, "the publication", |app| {
            app.world()
                .resource::<Scenarios>()
                .notice
                .as_ref()
                .is_some_and(|n| n.text.key() == "published")
        });
        let s = app.world_mut().resource_mut::<Scenarios>().notice.take();
        assert!(!s.unwrap().error);
    };
    published(&mut a);
    // The second viewer lists it, as the first drew it.
    let shared = |app: &App| -> Option<(usize, std::sync::Arc<citytwin::scenario::Applied>)> {
        let s = app.world().resource::<Scenarios>();
        s.list.iter().enumerate().find_map(|(i, e)| {
            (e.from_broker && e.scenario.name == "New scenario")
                .then(|| e.applied.clone().map(|x| (i, x)))
                .flatten()
        })
    };
    run_until(&mut b, "the scenario in the second viewer", |app| {
        shared(app).is_some()
    });
    let (_, seen) = shared(&b).unwrap();
    assert_eq!(seen.added.len(), 1);
    assert_eq!(seen.removed, vec![0]);
    let c = seen.added[0].building.footprint.centroid();
    assert!((c[0] - (x + 12.5)).abs() < 0.01 && (c[1] - (y + 12.5)).abs() < 0.01);

    // The first moves its building 100 m east and publishes again: the second follows.
    let target = {
        let s = a.world().resource::<Scenarios>();
        citytwin::scene::scenarios::target(&model, s, model.buildings.len()).unwrap()
    };
    a.world_mut().write_message(EditScenario(Edit::Move {
        target,
        by: [100.0, 0.0],
    }));
    run_until(&mut a, "the move", |app| {
        settled(app)
            && app
                .world()
                .resource::<Scenarios>()
                .active_entry()
                .is_some_and(|e| e.history.next_undo() == Some("move"))
    });
    published(&mut a);
    run_until(&mut b, "the move in the second viewer", |app| {
        shared(app).is_some_and(|(_, s)| {
            s.added
                .first()
                .is_some_and(|p| (p.building.footprint.centroid()[0] - (x + 112.5)).abs() < 0.01)
        })
    });
    let list = b.world().resource::<Scenarios>().list.len();
    assert_eq!(
        list, 1,
        "one scenario, followed, not a copy per publication"
    );

    // The second moves it 50 m north and publishes: the first, which published it, follows.
    let (i, _) = shared(&b).unwrap();
    b.world_mut()
        .write_message(citytwin::scene::ActivateScenario(Some(i)));
    run_until_placed(&mut b, "the shared scenario active", |_| true);
    let target = {
        let s = b.world().resource::<Scenarios>();
        citytwin::scene::scenarios::target(&model, s, model.buildings.len()).unwrap()
    };
    b.world_mut().write_message(EditScenario(Edit::Move {
        target,
        by: [0.0, 50.0],
    }));
    run_until(&mut b, "the second viewer's move", |app| {
        settled(app)
            && app
                .world()
                .resource::<Scenarios>()
                .active_entry()
                .is_some_and(|e| e.history.next_undo() == Some("move"))
    });
    published(&mut b);
    run_until_placed(&mut a, "the second viewer's move in the first", |s| {
        s.added
            .first()
            .is_some_and(|p| (p.building.footprint.centroid()[1] - (y + 62.5)).abs() < 0.01)
    });
    assert_eq!(a.world().resource::<Scenarios>().list.len(), 1);

    // The baseline is untouched: the same buildings answer `type=Building`.
    assert_eq!(ids_of("Building"), baseline_before);
    assert_eq!(ids_of("ProposedBuilding").len(), 1);
    assert_eq!(
        ids_of("PlanningScenario"),
        ["urn:ngsi-ld:PlanningScenario:new-scenario"]
    );
    drop(a);
    drop(b);
}

/// A GeoJSON file dropped onto the window joins the active scenario (a new one, with the
/// baseline shown) where it was dropped: here, with no camera, the scene's origin.
#[test]
fn a_dropped_file_joins_a_new_scenario() {
    use bevy::window::FileDragAndDrop;
    let dir = crate::temp_dir("dropped");
    let file = dir.join("kiosk.geojson");
    // 0.0001° square near Midtown (8.4 m east-west, 11.1 m north-south), 9 m high.
    let (lon, lat, d) = (-73.97, 40.76, 0.0001);
    let square = serde_json::json!({"type": "FeatureCollection", "features": [{
        "type": "Feature", "id": "urn:ngsi-ld:Building:kiosk",
        "properties": {"name": "Kiosk", "height": 9.0},
        "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat],
            [lon + d, lat + d], [lon, lat + d], [lon, lat]]]}}]});
    std::fs::write(&file, square.to_string()).unwrap();
    let mut app = citytwin::app::headless(Config::default());
    app.add_plugins((bevy::input::InputPlugin, citytwin::editing::EditingPlugin));
    run_until(&mut app, "the demo city", |app| {
        app.world().resource::<CityState>().is_ready()
    });
    app.world_mut().write_message(FileDragAndDrop::DroppedFile {
        window: Entity::PLACEHOLDER,
        path_buf: file,
    });
    run_until_placed(&mut app, "the dropped file placed", |a| a.added.len() == 1);
    let s = app.world().resource::<Scenarios>();
    let entry = s.active_entry().unwrap();
    assert_eq!(entry.scenario.name, "New scenario");
    let b = &entry.applied.as_ref().unwrap().added[0].building;
    assert_eq!(b.id, "urn:ngsi-ld:Building:kiosk");
    let c = b.footprint.centroid();
    assert!(c[0].abs() < 0.01 && c[1].abs() < 0.01, "{c:?}");
    assert!(
        (b.footprint.area() - 93.6).abs() < 1.0,
        "{}",
        b.footprint.area()
    );
    assert_eq!(entry.history.next_undo(), Some("add a file"));
}

#[test]
fn on_a_terrain_a_scenarios_building_stands_where_the_baselines_does() {
    // A 30 m square on Bilbao's hillside (38 m up) in the baseline, and the same square as
    // a scenario's addition: both stand at the lowest terrain under them.
    let dir = crate::temp_dir("scenario-terrain");
    let square = |id: &str| {
        let feature = crate::bilbao_square(id, 502_403.24, 4_796_947.54, 30.0, r#"{"height":12}"#);
        format!(r#"{{"type":"FeatureCollection","features":[{feature}]}}"#)
    };
    std::fs::write(dir.join("city.geojson"), square("hill")).unwrap();
    std::fs::write(dir.join("added.geojson"), square("added")).unwrap();
    let mut config = Config::default();
    config.terrain.file = crate::fixture("terrain/bilbao_pnoa_dem_5m_epsg25830.tif")
        .display()
        .to_string();
    let model = citytwin::city::load(
        &citytwin::source::Source::File(dir.join("city.geojson")),
        &config,
    )
    .unwrap();
    let hill = model.buildings[0].elevation;
    assert!((34.0..=38.0).contains(&hill), "{hill}");
    let scenario = citytwin::scenario::Scenario::parse(
        &dir.join("s.toml"),
        "name = \"On the hill\"\n[[add]]\nfile = \"added.geojson\"\n",
    )
    .unwrap();
    let settings = citytwin::city::decode::DecodeSettings::from_config(&config);
    let applied = citytwin::scenario::apply(&scenario, &model, &settings).unwrap();
    assert_eq!(applied.added.len(), 1, "{:?}", applied.skipped);
    assert!(
        (applied.added[0].building.elevation - hill).abs() < 1e-6,
        "{} vs {hill}",
        applied.added[0].building.elevation
    );
    let _ = std::fs::remove_dir_all(&dir);
}
