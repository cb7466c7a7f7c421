use super::*;
use crate::city::decode::DecodeSettings;
use crate::city::{Building, CityModel, HeightSource, Timings};
use crate::geometry::Footprint;
use crate::georef::{Georef, LonLat};

const ORIGIN: LonLat = LonLat {
    lon: 18.07,
    lat: 59.33,
};

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
    vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
}

fn building(id: &str, rings: Vec<Vec<[f64; 2]>>, height: f64, floors: Option<&str>) -> Building {
    Building {
        id: id.to_owned(),
        name: None,
        address: None,
        height,
        base: 0.0,
        height_source: HeightSource::Default,
        footprint: Footprint::new(vec![rings]).unwrap(),
        attributes: floors
            .map(|f| vec![("floors".to_owned(), f.to_owned())])
            .unwrap_or_default(),
        shell: None,
        elevation: 0.0,
        own_ground: None,
    }
}

/// A: 20 × 10 m, 9.6 m (3 floors); B: 30 × 30 m with a 10 × 10 m courtyard, 16 m but 4
/// floors given; C: 10 × 10 m, 6.4 m (2 floors), removed by id; D: 10 × 10 m, 3.2 m
/// (1 floor), removed by `inside`.
fn baseline() -> CityModel {
    let crs = crate::georef::utm_crs_for(ORIGIN);
    CityModel {
        source_label: String::new(),
        attribution: None,
        entities_read: 4,
        entities_by_type: Default::default(),
        buildings: vec![
            building("A", vec![rect(0.0, 0.0, 20.0, 10.0)], 9.6, None),
            building(
                "B",
                vec![rect(50.0, 0.0, 80.0, 30.0), rect(60.0, 10.0, 70.0, 20.0)],
                16.0,
                Some("4"),
            ),
            building("C", vec![rect(200.0, 0.0, 210.0, 10.0)], 6.4, None),
            building("D", vec![rect(0.0, 50.0, 10.0, 60.0)], 3.2, None),
        ],
        skipped: Vec::new(),
        origin: ORIGIN,
        crs,
        bounds: [0.0, 0.0, 210.0, 60.0],
        timings: Timings::default(),
        view_points: Default::default(),
        terrain: None,
        sensors: Vec::new(),
        slow: Vec::new(),
    }
}

/// A ring in scene metres as GeoJSON longitude/latitude.
fn lonlat_ring(ring: &[[f64; 2]]) -> serde_json::Value {
    let model = baseline();
    let georef = Georef::new(model.origin, Some(&model.crs)).unwrap();
    ring.iter()
        .map(|p| {
            let (ll, _) = georef.scene_to_lonlat([p[0], 0.0, -p[1]]).unwrap();
            serde_json::json!([ll.lon, ll.lat])
        })
        .collect()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("citytwin-scenario-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The hand case's files: a site (−10,−10)–(150,40) holding A, B and the added E; an area
/// around D; E, 40 × 20 m, 20 m high, 5 floors.
fn write_case(dir: &Path) -> PathBuf {
    let polygon = |r: Vec<[f64; 2]>| {
        serde_json::json!({"type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [lonlat_ring(&r)]}})
    };
    let write = |name: &str, v: serde_json::Value| {
        std::fs::write(dir.join(name), serde_json::to_vec(&v).unwrap()).unwrap();
    };
    write(
        "site.geojson",
        serde_json::json!({"type": "FeatureCollection",
        "features": [polygon(rect(-10.0, -10.0, 150.0, 40.0))]}),
    );
    write("clear.geojson", polygon(rect(-5.0, 45.0, 15.0, 65.0)));
    write(
        "proposal.geojson",
        serde_json::json!({"type": "FeatureCollection", "features": [{
            "type": "Feature", "id": "urn:ngsi-ld:Building:E",
            "properties": {"name": "E", "height": 20.0, "floors": 5},
            "geometry": {"type": "Polygon", "coordinates": [lonlat_ring(&rect(100.0, 0.0, 140.0, 20.0))]}}]}),
    );
    let toml = dir.join("case.toml");
    std::fs::write(
        &toml,
        r##"name = "Hand case"
description = "Two rectangles, one with a courtyard"
site = "site.geojson"

[remove]
ids = ["C", "nowhere"]
inside = "clear.geojson"

[[add]]
file = "proposal.geojson"

[[restyle]]
ids = ["A"]
color = "#7b3294"
"##,
    )
    .unwrap();
    toml
}

fn settings() -> DecodeSettings {
    DecodeSettings {
        default_height: 10.0,
        storey_height: 3.2,
        max_distance_m: 50_000.0,
        limits: crate::geometry::Limits::default(),
    }
}

fn close(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: {got} where {want} was computed by hand"
    );
}

fn check_hand_case(k: &Kpis) {
    assert_eq!(k.name, "Hand case");
    assert_eq!(
        (
            k.buildings_baseline,
            k.buildings_scenario,
            k.buildings_added,
            k.buildings_removed
        ),
        (4, 3, 1, 2)
    );
    let m2 = 0.1;
    close(k.footprint_added_m2, 800.0, m2, "footprint added");
    close(k.footprint_removed_m2, 200.0, m2, "footprint removed");
    close(k.gfa_added_m2, 4000.0, m2, "GFA added");
    close(k.gfa_removed_m2, 300.0, m2, "GFA removed");
    close(k.gfa_net_m2, 3700.0, m2, "net GFA");
    close(k.site_area_m2.unwrap(), 8000.0, m2, "site area");
    close(
        k.coverage_baseline.unwrap(),
        1000.0 / 8000.0,
        0.001,
        "coverage",
    );
    close(
        k.coverage_scenario.unwrap(),
        1800.0 / 8000.0,
        0.001,
        "coverage",
    );
    close(k.far_baseline.unwrap(), 3800.0 / 8000.0, 0.001, "FAR");
    close(k.far_scenario.unwrap(), 7800.0 / 8000.0, 0.001, "FAR");
    close(k.max_height_baseline_m.unwrap(), 16.0, 0.001, "tallest");
    close(k.max_height_scenario_m.unwrap(), 20.0, 0.001, "tallest");
}

#[test]
fn kpis_of_the_hand_case() {
    let dir = temp_dir("kpi");
    let scenario = Scenario::load(&write_case(&dir)).unwrap();
    let model = baseline();
    let applied = apply(&scenario, &model, &settings()).unwrap();
    assert_eq!(applied.removed, vec![2, 3]);
    assert_eq!(
        applied.restyled.keys().copied().collect::<Vec<_>>(),
        vec![0]
    );
    assert_eq!(applied.warnings.len(), 1, "{:?}", applied.warnings);
    assert!(applied.warnings[0].contains("nowhere"));
    check_hand_case(&Kpis::of(&scenario.name, &model, &applied, 3.2));
    // The JSON has exactly the keys of the issue, site keys null without a site.
    let mut bare = scenario.clone();
    bare.site = None;
    let k = Kpis::of(
        &bare.name,
        &model,
        &apply(&bare, &model, &settings()).unwrap(),
        3.2,
    );
    let json = serde_json::to_value(&k).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 17, "{keys:?}");
    assert!(json["site_area_m2"].is_null() && json["max_height_scenario_m"].is_null());
    assert!(k.to_csv().lines().nth(1).unwrap().starts_with("buildings,"));
}

#[test]
fn a_saved_scenario_reloads_with_equal_kpis() {
    let dir = temp_dir("save");
    let scenario = Scenario::load(&write_case(&dir)).unwrap();
    let target = dir.join("copy").join("saved.toml");
    save(&scenario, &target).unwrap();
    let again = Scenario::load(&target).unwrap();
    assert_eq!(again.name, scenario.name);
    assert_eq!(again.description, scenario.description);
    assert_eq!(again.remove_ids, scenario.remove_ids);
    assert_eq!(again.restyle, scenario.restyle);
    let model = baseline();
    let k = |s: &Scenario| {
        Kpis::of(
            &s.name,
            &model,
            &apply(s, &model, &settings()).unwrap(),
            3.2,
        )
    };
    check_hand_case(&k(&again));
    assert_eq!(k(&again), k(&scenario));
}

fn error_of(dir: &Path, text: &str) -> ScenarioError {
    let path = dir.join("bad.toml");
    std::fs::write(&path, text).unwrap();
    Scenario::load(&path).unwrap_err()
}

#[test]
fn a_wrong_file_names_its_line_and_key() {
    let dir = temp_dir("errors");
    write_case(&dir);
    let e = error_of(
        &dir,
        "name = \"x\"\n\n[remove]\nids = []\nbeside = \"site.geojson\"\n",
    );
    assert_eq!((e.line, e.key.as_str()), (Some(5), "remove.beside"), "{e}");
    assert!(
        e.message.contains("ids") && e.message.contains("inside"),
        "{e}"
    );
    let e = error_of(
        &dir,
        "name = \"x\"\n[[add]]\nfile = \"proposal.geojson\"\n[[add]]\nfile = \"gone.geojson\"\n",
    );
    assert_eq!((e.line, e.key.as_str()), (Some(5), "add[2].file"), "{e}");
    assert!(
        e.message.contains("gone.geojson") && e.message.contains("relative"),
        "{e}"
    );
    let e = error_of(
        &dir,
        "name = \"x\"\n[[restyle]]\nids = [\"A\"]\ncolor = \"purple\"\n",
    );
    assert_eq!(
        (e.line, e.key.as_str()),
        (Some(4), "restyle[1].color"),
        "{e}"
    );
    assert!(
        e.to_string().starts_with(&format!(
            "{}:4: `restyle[1].color`",
            dir.join("bad.toml").display()
        )),
        "{e}"
    );
    let e = error_of(&dir, "description = \"no name\"\n");
    assert_eq!(e.key, "name", "{e}");
    let e = error_of(&dir, "name = \"x\"\ncolour = 3\n");
    assert_eq!((e.line, e.key.as_str()), (Some(2), "colour"), "{e}");
    std::fs::write(
        dir.join("point.geojson"),
        r#"{"type": "Point", "coordinates": [18, 59]}"#,
    )
    .unwrap();
    let e = error_of(&dir, "name = \"x\"\nsite = \"point.geojson\"\n");
    assert_eq!((e.line, e.key.as_str()), (Some(2), "site"), "{e}");
    assert!(e.message.contains("Polygon"), "{e}");
    // Assets are found beside the file, wherever the program runs.
    let nested = dir.join("nested");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::copy(dir.join("site.geojson"), nested.join("site.geojson")).unwrap();
    std::fs::write(
        nested.join("s.toml"),
        "name = \"n\"\nsite = \"site.geojson\"\n",
    )
    .unwrap();
    assert!(
        Scenario::load(&nested.join("s.toml"))
            .unwrap()
            .site
            .is_some()
    );
}

#[test]
fn patterns_find_scenario_files_in_name_order() {
    let dir = temp_dir("find");
    for n in ["b.toml", "a.toml", "notes.txt"] {
        std::fs::write(dir.join(n), "").unwrap();
    }
    let found = find(&["*.toml".to_owned(), "one.toml".to_owned()], &dir);
    let names: Vec<String> = found
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.toml", "b.toml", "one.toml"]);
    assert!(wildcard("s?-*.toml", "s1-harbour.toml") && !wildcard("*.toml", "a.txt"));
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod edit_tests;
