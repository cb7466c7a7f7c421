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
