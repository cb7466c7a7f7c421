//! `citytwin bench scenario --count N`: what switching a scenario costs on a big city.
//!
//! The demo district replicated to `count` buildings (as `bench buildings` does) in a headless
//! viewer, with the demo's example scenario (it removes the bus terminal, adds three
//! buildings and restyles three landmarks, all in the first copy). Figures: `place_ms`
//! (the scenario placed against the city and its KPIs, in core), `activate_ms` (from asking
//! for the scenario to its tiles in the scene: the changed baseline tiles meshed again off
//! the main thread, the added buildings' tiles, swapped in), `activate_frame_ms` (the same,
//! seen from the frame loop), `back_to_baseline_ms` (leaving it: no meshing, its tiles
//! despawned and the changed tiles shared again), `move_building_ms` (an added building moved
//! while the scenario is shown: the edit applied and placed with its KPIs, and only its tile
//! meshed again and swapped in), `tiles_meshed` and `tiles_in_city`.
//! Switching sides once a scenario is active (the toggle, the swipe, side by side) changes
//! which render layers each camera draws and meshes nothing.

use super::buildings::replicate;
use crate::config::{Config, ConfigOverlay};
use crate::scene::{ActivateScenario, CityState, Scenarios};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Runs the benchmark on `count` buildings.
pub fn run(count: usize, log: &mut dyn FnMut(&str)) -> Result<Value, String> {
    log(&format!(
        "replicating the demo district to {count} buildings"
    ));
    let (bytes, how) = replicate(count)?;
    let dir = std::env::temp_dir().join(format!("citytwin-bench-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join("city.ngsild.json");
    std::fs::write(&file, &bytes).map_err(|e| e.to_string())?;
    let example = crate::scenario::demo_example(&dir.join("example")).map_err(|e| e.to_string())?;
    let result = measure(&file, example.file.clone().unwrap_or_default(), log);
    let _ = std::fs::remove_dir_all(&dir);
    let mut report = result?;
    report["data"] = json!(how);
    report["buildings"] = json!(count);
    Ok(report)
}

fn measure(
    file: &std::path::Path,
    scenario: std::path::PathBuf,
    log: &mut dyn FnMut(&str),
) -> Result<Value, String> {
    let text = format!(
        "scenarios = [{}]\n[data]\nsource = {}\n",
        toml::Value::String(scenario.display().to_string()),
        toml::Value::String(file.display().to_string())
    );
    let config = Config::from_layers(vec![
        ConfigOverlay::parse("bench", &text).map_err(|e| e.to_string())?,
    ])
    .map_err(|e| e.to_string())?;
    let mut app = crate::app::headless(config.clone());
    let wait = |app: &mut bevy::app::App, what: &str, done: &dyn Fn(&bevy::app::App) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(600);
        while !done(app) {
            if Instant::now() > deadline {
                return Err(format!("no {what} within 600 s"));
            }
            app.update();
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    };
    log("loading the city in a headless viewer");
    wait(&mut app, "city with its scenario placed", &|app| {
        app.world().resource::<CityState>().is_ready()
            && app
                .world()
                .resource::<Scenarios>()
                .list
                .first()
                .is_some_and(|e| e.applied.is_some())
    })?;
    let model = app
        .world()
        .resource::<CityState>()
        .model
        .clone()
        .ok_or("no city")?;
    let tiles_in_city = app.world().resource::<CityState>().tiles_total;
    let scenario = app.world().resource::<Scenarios>().list[0].scenario.clone();
    let decode = crate::city::decode::DecodeSettings::from_config(&config);
    let started = Instant::now();
    let evaluation = crate::scenario::evaluate(&scenario, &model, &decode)?;
    let place_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (applied, kpis) = (evaluation.applied, evaluation.kpis);
    log("activating the scenario");
    let mut activate = Vec::new();
    let mut frames = Vec::new();
    let mut back = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        app.world_mut().write_message(ActivateScenario(Some(0)));
        wait(&mut app, "scenario drawn", &|app| {
            let s = app.world().resource::<Scenarios>();
            s.active == Some(0) && !s.busy && s.last_switch_s.is_some()
        })?;
        frames.push(started.elapsed().as_secs_f64() * 1000.0);
        activate.push(
            app.world_mut()
                .resource_mut::<Scenarios>()
                .last_switch_s
                .take()
                .unwrap_or_default()
                * 1000.0,
        );
        let started = Instant::now();
        app.world_mut().write_message(ActivateScenario(None));
        wait(&mut app, "the baseline alone", &|app| {
            app.world().resource::<Scenarios>().active.is_none()
        })?;
        app.update();
        back.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    // Editing: one added building moved 10 m east, three times, with the scenario shown.
    log("moving an added building");
    app.world_mut().write_message(ActivateScenario(Some(0)));
    wait(&mut app, "scenario drawn", &|app| {
        let s = app.world().resource::<Scenarios>();
        s.active == Some(0) && !s.busy && s.last_switch_s.is_some()
    })?;
    let target = crate::scene::scenarios::target(
        &model,
        app.world().resource::<Scenarios>(),
        model.buildings.len(),
    )
    .ok_or("the example adds no building")?;
    let mut edits = Vec::new();
    for _ in 0..3 {
        app.world_mut()
            .resource_mut::<Scenarios>()
            .last_switch_s
            .take();
        let started = Instant::now();
        app.world_mut()
            .write_message(crate::scene::EditScenario(crate::scenario::Edit::Move {
                target: target.clone(),
                by: [10.0, 0.0],
            }));
        wait(&mut app, "the moved building drawn", &|app| {
            let s = app.world().resource::<Scenarios>();
            !s.working && !s.busy && s.last_switch_s.is_some()
        })?;
        edits.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let changed: std::collections::HashSet<usize> = applied
        .removed
        .iter()
        .chain(applied.restyled.keys())
        .copied()
        .collect();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2] * 10.0).round() / 10.0
    };
    Ok(json!({
        "scenario": scenario.name,
        "place_ms": (place_ms * 10.0).round() / 10.0,
        "activate_ms": median(&mut activate),
        "activate_frame_ms": median(&mut frames),
        "back_to_baseline_ms": median(&mut back),
        "move_building_ms": median(&mut edits),
        "buildings_changed": changed.len(),
        "buildings_added": applied.added.len(),
        "tiles_in_city": tiles_in_city,
        "kpis": kpis,
        "runs": 3,
    }))
}
