//! `citytwin shadow`: a sun-hours study of a box building in Stockholm, from a file, as a
//! planner runs it; and a scenario's tower taking the sun from the ground north of it.

use crate::{citytwin, run, temp_dir};
use serde_json::{Value, json};
use std::path::Path;

/// Stockholm: degrees per metre north and east there.
pub(crate) const LON: f64 = 18.07;
pub(crate) const LAT: f64 = 59.33;
pub(crate) const DLAT: f64 = 1.0 / 111_320.0;
pub(crate) const DLON: f64 = 1.0 / (111_320.0 * 0.510_543); // cos 59.33°

/// A building of `w` × `w` metres and `height` metres, its south-west corner `dx`, `dy`
/// metres from the place.
pub(crate) fn box_feature(id: &str, dx: f64, dy: f64, w: f64, height: f64) -> Value {
    let (x0, y0) = (LON + dx * DLON, LAT + dy * DLAT);
    let (x1, y1) = (x0 + w * DLON, y0 + w * DLAT);
    json!({"type": "Feature", "id": id, "properties": {"height": height},
        "geometry": {"type": "Polygon",
            "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}})
}

pub(crate) fn write(path: &Path, v: &Value) {
    std::fs::write(path, v.to_string()).unwrap();
}

fn shadow(args: &[&str]) -> Value {
    let out = run(citytwin().arg("shadow").args(args).arg("--json"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn point(dx: f64, dy: f64) -> String {
    format!("{},{}", LON + dx * DLON, LAT + dy * DLAT)
}

#[test]
fn a_box_in_stockholm_on_two_dates() {
    let dir = temp_dir("shadow-box");
    let file = dir.join("box.geojson");
    // 20 m × 20 m, 30 m high, centred on the place.
    write(
        &file,
        &json!({"type": "FeatureCollection",
        "features": [box_feature("urn:ngsi-ld:Building:box", -10.0, -10.0, 20.0, 30.0)]}),
    );
    let file = file.to_str().unwrap();
    let (south, north, inside) = (point(0.0, -15.0), point(0.0, 15.0), point(0.0, 0.0));
    let bbox = format!(
        "{},{},{},{}",
        LON - 60.0 * DLON,
        LAT - 60.0 * DLAT,
        LON + 60.0 * DLON,
        LAT + 60.0 * DLAT
    );
    let csv = dir.join("grid.csv");
    let v = shadow(&[
        "--file",
        file,
        "--date",
        "2026-03-20",
        "--bbox",
        &bbox,
        "--cell",
        "2",
        "--point",
        &south,
        "--point",
        &north,
        "--point",
        &inside,
        "--csv",
        csv.to_str().unwrap(),
    ]);
    // The building's own place fixes the time zone; Stockholm's equinox sunrise is before six (winter time).
    assert_eq!(v["time_zone"], "Europe/Stockholm");
    assert!(
        v["sunrise"].as_str().unwrap().starts_with("2026-03-20T05:"),
        "{v}"
    );
    assert!(v["sunset"].as_str().unwrap().ends_with("+01:00"), "{v}");
    let day = v["day_length_h"].as_f64().unwrap();
    assert!((12.0..12.5).contains(&day), "{day}");
    assert_eq!(v["step_min"], 10.0);
    assert_eq!(v["cell_m"], 2.0);
    let b = &v["baseline"];
    assert!(v.get("scenario").is_none());
    let hours: Vec<Option<f64>> = b["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sun_hours"].as_f64())
        .collect();
    // South of it the sun is never hidden on the equinox; north of it, for hours; under it,
    // there is no ground.
    assert!((hours[0].unwrap() - day).abs() < 0.01, "{hours:?} of {day}");
    assert!(hours[1].unwrap() < day - 4.0, "{hours:?}");
    assert_eq!(hours[2], None);
    assert_eq!(b["points"][0]["lon"].as_f64().unwrap(), LON);
    // 120 m × 120 m at 2 m: 3,600 cells, 100 of them under the building.
    let cells = b["cells"].as_u64().unwrap();
    assert!((3_380..=3_520).contains(&cells), "{cells}");
    let share = b["share_at_least_2h"].as_f64().unwrap();
    assert!(share > 0.85 && share < 1.0, "{share}");
    assert!(b["mean_sun_hours"].as_f64().unwrap() < day);
    assert!(b["share_at_least_5h_9_to_17"].as_f64().unwrap() > 0.8);
    // The grid as CSV: one line per open cell.
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().next(), Some("lon,lat,sun_hours"));
    assert_eq!(text.lines().count() as u64, cells + 1);

    // Midsummer: a longer day, and the north point sees the sun early and late.
    let june = shadow(&["--file", file, "--date", "2026-06-21", "--point", &north]);
    assert!(june["day_length_h"].as_f64().unwrap() > 18.0);
    assert!(june["baseline"]["cells"] == 0 && june["baseline"]["mean_sun_hours"].is_null());
    assert!(june["baseline"]["points"][0]["sun_hours"].as_f64().unwrap() > 6.0);
}

/// A low building 60 m east of the place, and a scenario adding an 80 m tower (20 m × 20 m)
/// on the place, its site the ground 12–60 m north of it. Returns the city file and the
/// scenario file.
pub(crate) fn tower_scenario(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    write(
        &dir.join("city.geojson"),
        &json!({"type": "FeatureCollection",
        "features": [box_feature("urn:ngsi-ld:Building:low", 60.0, 0.0, 20.0, 10.0)]}),
    );
    write(
        &dir.join("tower.geojson"),
        &json!({"type": "FeatureCollection",
        "features": [box_feature("urn:ngsi-ld:Building:tower", -10.0, -10.0, 20.0, 80.0)]}),
    );
    let d = 40.0;
    write(
        &dir.join("site.geojson"),
        &json!({"type": "Polygon", "coordinates": [[
        [LON - d * DLON, LAT + 12.0 * DLAT], [LON + d * DLON, LAT + 12.0 * DLAT],
        [LON + d * DLON, LAT + 60.0 * DLAT], [LON - d * DLON, LAT + 60.0 * DLAT],
        [LON - d * DLON, LAT + 12.0 * DLAT]]]}),
    );
    std::fs::write(
        dir.join("tower.toml"),
        "name = \"Tower\"\ndescription = \"A test tower\"\nsite = \"site.geojson\"\n\n[[add]]\nfile = \"tower.geojson\"\n",
    )
    .unwrap();
    (dir.join("city.geojson"), dir.join("tower.toml"))
}

#[test]
fn a_scenario_tower_takes_the_sun_from_the_ground_north_of_it() {
    let dir = temp_dir("shadow-scenario");
    let (city, tower) = tower_scenario(&dir);
    let v = shadow(&[
        "--file",
        city.to_str().unwrap(),
        "--scenario",
        tower.to_str().unwrap(),
        "--date",
        "2026-03-21",
        "--point",
        &point(0.0, 30.0),
    ]);
    // The site north of the tower: full sun in the baseline, much less with the tower.
    let (b, s) = (&v["baseline"], &v["scenario"]);
    assert_eq!(b["cells"], s["cells"], "the tower stands outside the site");
    assert_eq!(b["share_at_least_2h"], 1.0);
    let kept = s["share_at_least_2h"].as_f64().unwrap();
    assert!(kept < 1.0, "{v}");
    assert_eq!(s["share_at_least_2h_ratio"].as_f64().unwrap(), kept);
    let before = b["points"][0]["sun_hours"].as_f64().unwrap();
    let after = s["points"][0]["sun_hours"].as_f64().unwrap();
    assert!(after < before - 2.0, "{before} → {after}");
    assert!(s["mean_sun_hours"].as_f64().unwrap() < b["mean_sun_hours"].as_f64().unwrap());
}

#[test]
fn nothing_to_study_is_an_error_that_says_what_to_give() {
    let dir = temp_dir("shadow-nothing");
    let file = dir.join("box.geojson");
    write(
        &file,
        &json!({"type": "FeatureCollection",
        "features": [box_feature("urn:ngsi-ld:Building:box", 0.0, 0.0, 20.0, 30.0)]}),
    );
    let out = run(citytwin().args([
        "shadow",
        "--file",
        file.to_str().unwrap(),
        "--date",
        "2026-03-20",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --site, --bbox"));
}

/// The viewer's side without a window: the scene's sun follows the clock over the data's
/// place, and the study plugin traces a square around the view off the main thread.
#[test]
fn the_viewer_follows_the_sun_and_studies_the_ground_around_the_view() {
    use bevy::prelude::*;
    use citytwin::config::{Config, ConfigOverlay};
    use citytwin::scene::{
        CityState, ClockCommand, SceneSun, StudyArea, StudyStatus, SunStudy, SunStudyCommand,
    };
    use std::time::{Duration, Instant};
    let dir = temp_dir("shadow-viewer");
    let file = dir.join("box.geojson");
    write(
        &file,
        &json!({"type": "FeatureCollection",
        "features": [box_feature("urn:ngsi-ld:Building:box", -10.0, -10.0, 20.0, 30.0)]}),
    );
    let layer = format!("[data]\nsource = {:?}\n", file.display().to_string());
    let config = Config::from_layers(vec![ConfigOverlay::parse("test", &layer).unwrap()]).unwrap();
    let mut app = citytwin::app::headless(config);
    app.add_plugins(citytwin::sun_study::SunStudyPlugin);
    let run_until = |app: &mut App, what: &str, done: &dyn Fn(&App) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(app) {
            assert!(Instant::now() < deadline, "no {what} within 60 s");
            app.update();
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    run_until(&mut app, "city", &|a| {
        a.world().resource::<CityState>().is_ready()
    });
    run_until(&mut app, "place", &|a| {
        a.world().resource::<SceneSun>().lonlat.is_some()
    });
    let sun = app.world().resource::<SceneSun>().clone();
    assert_eq!(sun.time_zone.name(), "Europe/Stockholm");
    // Noon on the equinox at the place: the sun stands in the south, about 31° up.
    let noon = sun
        .at_local(
            chrono::NaiveDate::from_ymd_opt(2026, 3, 20)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap(),
        )
        .unwrap();
    app.world_mut().write_message(ClockCommand::GoToAny(noon));
    run_until(&mut app, "the sun at noon", &|a| {
        a.world()
            .resource::<SceneSun>()
            .position
            .is_some_and(|p| (p.azimuth_deg - 180.0).abs() < 5.0)
    });
    let sun = app.world().resource::<SceneSun>().clone();
    let p = sun.position.unwrap();
    assert!((p.elevation_deg - 31.0).abs() < 1.0, "{p:?}");
    let rise = sun.day.as_ref().and_then(|d| d.sunrise).unwrap();
    assert_eq!(rise.format("%H").to_string(), "05", "{rise}");
    // A study of 100 m × 100 m around the view (the camera looks at the origin headless).
    app.world_mut()
        .write_message(SunStudyCommand::Run(StudyArea::AroundView(100.0)));
    run_until(&mut app, "the study", &|a| {
        let s = a.world().resource::<SunStudy>();
        s.result.is_some() || matches!(s.status, StudyStatus::Failed(_))
    });
    let study = app.world().resource::<SunStudy>();
    let r = study.result.as_ref().expect("a result");
    assert_eq!(r.date.to_string(), "2026-03-20");
    assert!(r.scenario.is_none());
    // 50 × 50 cells, 100 of them under the box; south of it the whole day, north of it less.
    assert_eq!(r.baseline.grid.len(), 2_500);
    assert_eq!(r.baseline_summary.cells, 2_400);
    // The scene's origin is the footprint's first corner: the box spans 0–20 m east and north.
    let south = r.baseline.at([10.0, -20.0]).unwrap();
    assert!((f64::from(south) - r.day_length_h).abs() < 0.01, "{south}");
    let north = r.baseline.at([10.0, 25.0]).unwrap();
    assert!(f64::from(north) < r.day_length_h - 4.0, "{north}");
    // A rectangle drawn south of the box: sun all day everywhere in it.
    let first = std::sync::Arc::as_ptr(r);
    app.world_mut()
        .write_message(SunStudyCommand::Run(StudyArea::Rectangle([
            0.0, -30.0, 20.0, -10.0,
        ])));
    run_until(&mut app, "the second study", &|a| {
        let s = a.world().resource::<SunStudy>();
        s.result
            .as_ref()
            .is_some_and(|r| std::sync::Arc::as_ptr(r) != first)
    });
    let study = app.world().resource::<SunStudy>();
    let r = study.result.as_ref().unwrap();
    assert!(
        r.area_label
            .starts_with("The rectangle drawn (20 m × 20 m)"),
        "{}",
        r.area_label
    );
    assert_eq!(r.baseline_summary.cells, 100);
    assert_eq!(r.baseline_summary.share_at_least_2h, Some(1.0));
    let mean = r.baseline_summary.mean_sun_hours.unwrap();
    assert!((mean - r.day_length_h).abs() < 0.01, "{mean}");
}
