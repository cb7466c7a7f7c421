//! `citytwin check` on real data and on bad input.

use crate::{citytwin, fixture, run, temp_dir};
use serde_json::Value;

fn check_json(args: &[&str]) -> (Value, std::process::Output) {
    let out = run(citytwin().args(["check", "--json"]).args(args));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check --json printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (report, out)
}

#[test]
fn the_demo_district_is_read_whole() {
    let (r, out) = check_json(&[]);
    assert!(out.status.success());
    // SOURCES.md of the district: 7,981 buildings (7,980 Polygons, 1 MultiPolygon), and the
    // demo's 157 simulated sensors.
    assert_eq!(r["entities_by_type"]["Building"], 7_981);
    assert_eq!(r["entities"], 7_981 + 157);
    assert_eq!(r["sensors"], 157);
    let buildings = r["buildings"].as_u64().unwrap();
    let skipped = r["skipped"].as_array().unwrap();
    assert_eq!(
        buildings + skipped.len() as u64,
        7_981,
        "every building is drawn or explained"
    );
    for s in skipped {
        assert!(
            s["id"]
                .as_str()
                .unwrap()
                .starts_with("urn:ngsi-ld:Building:"),
            "{s}"
        );
        assert!(s["reason"].as_str().unwrap().len() > 10, "{s}");
    }
    assert!(
        skipped.len() <= 10,
        "the district has 0 invalid geometries; {} skipped: {skipped:?}",
        skipped.len()
    );
    // Walls and roofs: at least a roof triangle pair and four walls per building.
    assert!(r["triangles"].as_u64().unwrap() > buildings * 10);
    assert!(r["seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(r["crs"], "EPSG:32618", "Manhattan lies in UTM zone 18N");
    // Height sources as the district's SOURCES.md counts them: every building has a height.
    assert_eq!(r["height_sources"]["data"].as_u64().unwrap(), buildings);
    // The ground from the demo's OSM extract, counted independently with pyosmium by the same
    // rules (docs/ground.md): 2,051 street ways and 9 street surfaces (5 `area=yes` service
    // ways, 4 `area:highway`) not in tunnels, under ground or without two nodes in the
    // extract; 6,216 footways, paths, steps and pedestrian streets.
    let ground = &r["ground"];
    assert_eq!(ground["streets"], 2_060, "{ground}");
    assert_eq!(ground["paths"], 6_216, "{ground}");
    assert!(ground["parks"].as_u64().unwrap() > 1_000, "{ground}");
    assert!(ground["squares"].as_u64().unwrap() >= 225, "{ground}");
    // The Hudson and the East River (one surface from the coastline) and 36 pools, ponds
    // and fountains.
    assert!(ground["water"].as_u64().unwrap() >= 37, "{ground}");
    let details = &r["ground_details"];
    assert!(details["problems"].as_array().unwrap().is_empty());
    assert!(
        details["attributions"][0]
            .as_str()
            .unwrap()
            .contains("OpenStreetMap")
    );
    assert!(details["left_out"]["in a tunnel"].as_u64().unwrap() > 100);
}

#[test]
fn ground_files_of_geojson_join_the_demo_and_a_broken_one_is_named() {
    let dir = temp_dir("ground-geojson");
    std::fs::write(
        dir.join("lanes.geojson"),
        r#"{"type": "FeatureCollection", "features": [
          {"type": "Feature", "id": "lane-1", "properties": {"name": "Hudson River Greenway"},
           "geometry": {"type": "LineString", "coordinates": [[-74.0110, 40.7400], [-74.0085, 40.7550]]}},
          {"type": "Feature", "id": "lane-2", "properties": {},
           "geometry": {"type": "LineString", "coordinates": [[-74.0110, "north"]]}}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("broken.geojson"), r#"{"type": "Feat"#).unwrap();
    std::fs::write(
        dir.join("c.toml"),
        "[ground.lanes]\nfile = \"lanes.geojson\"\nclass = \"paths\"\nattribution = \"NYC DOT\"\n\
         [ground.broken]\nfile = \"broken.geojson\"\n",
    )
    .unwrap();
    let (r, out) = check_json(&["--config", dir.join("c.toml").to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(r["ground"]["paths"], 6_216 + 1);
    let details = &r["ground_details"];
    let skipped = details["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|s| s["id"] == "lane-2"), "{skipped:?}");
    let problems = details["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].as_str().unwrap().contains("broken.geojson"));
    assert_eq!(details["attributions"][1], "NYC DOT");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn text_report_names_counts() {
    let out = run(citytwin().arg("check"));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("entities read     8,138 (AirQualityObserved 8, Building 7,981,"),
        "{text}"
    );
    assert!(
        text.contains("buildings meshed  7,981 in 68 tiles"),
        "{text}"
    );
    // The demo's simulated sensors, by layer.
    assert!(
        text.contains("sensors placed    157 (Air quality (NO₂) 8, Devices (battery) 10,"),
        "{text}"
    );
}

#[test]
fn bad_buildings_are_skipped_with_reasons() {
    let (r, out) = check_json(&[
        "--file",
        fixture("bad_buildings.ngsild.json").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "bad items are reported, not fatal");
    assert_eq!(
        r["entities"], 11,
        "the entity without a type is not an entity"
    );
    assert_eq!(r["buildings"], 1, "only the intact Grand Madison is drawn");
    let reasons: std::collections::BTreeMap<String, String> = r["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = [
        ("urn:ngsi-ld:Building:bad-empty", "empty"),
        ("urn:ngsi-ld:Building:bad-unclosed", "not closed"),
        (
            "urn:ngsi-ld:Building:bad-self-intersecting",
            "self-intersection",
        ),
        ("urn:ngsi-ld:Building:bad-nan-coordinate", "not two numbers"),
        ("urn:ngsi-ld:Building:bad-out-of-range", "outside longitude"),
        ("urn:ngsi-ld:Building:bad-swapped-lonlat", "swapped"),
        ("urn:ngsi-ld:Building:bad-negative-height", "not positive"),
        ("urn:ngsi-ld:Building:bad-absurd-height", "absurd"),
        ("urn:ngsi-ld:Building:bad-point-location", "Point"),
        ("urn:ngsi-ld:Building:bad-no-location", "no location"),
        ("item 11", "no `type`"),
    ];
    for (id, words) in expect {
        let reason = reasons
            .get(id)
            .unwrap_or_else(|| panic!("{id} not reported: {reasons:?}"));
        assert!(reason.contains(words), "{id}: {reason}");
    }
    assert_eq!(reasons.len(), expect.len());
    // --strict turns skipped items into a failing exit status for pipelines.
    let strict = run(citytwin()
        .args(["check", "--strict", "--file"])
        .arg(fixture("bad_buildings.ngsild.json")));
    assert_eq!(strict.status.code(), Some(3));
}

#[test]
fn a_file_that_is_not_json_gives_one_clear_line() {
    // A real Smart Data Models example that is invalid JSON upstream: the comma missing at
    // the end of line 42 is noticed at the start of line 43.
    let out = run(citytwin()
        .args(["check", "--file"])
        .arg(fixture("ngsi-ld/sdm-PointOfInterest-keyvalues.jsonld")));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("error: ")
            && lines[0].contains("is not JSON")
            && lines[0].contains("line 43"),
        "{err}"
    );
    let missing = run(citytwin().args(["check", "--file", "/nonexistent/city.json"]));
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("cannot read /nonexistent/city.json")
    );
}

#[test]
fn plain_geojson_footprints_load() {
    // A plain (not NGSI-LD) GeoJSON footprint file of another city, gzip-compressed.
    let (r, out) = check_json(&[
        "--file",
        fixture("delft_3dbag_buildings.geojson.gz")
            .to_str()
            .unwrap(),
    ]);
    assert!(out.status.success());
    // SOURCES.md: 1,115 footprints in the 3DBAG Delft tile, all with measured heights.
    assert_eq!(r["entities"], 1_115);
    let skipped = r["skipped"].as_array().unwrap();
    assert_eq!(
        r["buildings"].as_u64().unwrap() + skipped.len() as u64,
        1_115
    );
    assert!(skipped.len() <= 5, "{skipped:?}");
    assert_eq!(r["crs"], "EPSG:32631", "Delft lies in UTM zone 31N");
    assert_eq!(
        r["height_sources"]["data"].as_u64().unwrap(),
        r["buildings"].as_u64().unwrap()
    );
}

#[test]
fn proj_database_is_found_without_a_system_proj() {
    // EPSG:32118 (NAD83 / New York Long Island, metres) can only be resolved through PROJ's
    // database. No system PROJ is installed for the build; and a PROJ_DATA pointing at a
    // broken proj.db must not matter, because citytwin uses the copy compiled into PROJ.
    let home = temp_dir("proj-home");
    std::fs::write(home.join("proj.db"), b"not a database").unwrap();
    let out = run(citytwin()
        .args(["check", "--json", "--crs", "EPSG:32118"])
        .env("HOME", &home)
        .env("PROJ_DATA", &home)
        .env("PROJ_LIB", &home));
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["crs"], "EPSG:32118");
    assert_eq!(r["buildings"], 7_981);
    // A CRS in US feet would make a scene in the wrong unit: refused with advice.
    let feet = run(citytwin().args(["check", "--crs", "EPSG:2263"]));
    assert_eq!(feet.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&feet.stderr).contains("does not measure in metres"));
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn cityjson_files_and_streams_load_with_their_buildings() {
    // SOURCES.md: the 3DBAG tile has 1,115 buildings (each a Building with one part); the
    // Zürich file 49 buildings with 161 parts; the Delft LoD1 file 160 buildings among 570
    // objects.
    for (file, buildings, objects, crs) in [
        (
            "city/3dbag_delft_v20240420.city.jsonl.gz",
            1_115,
            1_115,
            "EPSG:32631",
        ),
        ("city/zurich_subset_lod2.city.json.gz", 49, 49, "EPSG:32632"),
        ("city/delft_lod1_bgt.city.json.gz", 160, 570, "EPSG:32631"),
    ] {
        let (r, out) = check_json(&["--file", fixture(file).to_str().unwrap()]);
        assert!(out.status.success(), "{file}");
        assert_eq!(r["buildings"], buildings, "{file}");
        assert_eq!(r["entities"], objects, "{file}");
        assert_eq!(
            r["skipped"].as_array().unwrap().len(),
            0,
            "{file}: {}",
            r["skipped"]
        );
        assert_eq!(r["height_sources"]["model"], buildings, "{file}");
        assert_eq!(r["crs"], crs, "{file}");
        assert!(r["triangles"].as_u64().unwrap() > 4 * buildings, "{file}");
    }
    // LoD 1.2 of the 3DBAG: flat roofs, far fewer triangles than LoD 2.2.
    let (lod22, _) = check_json(&[
        "--file",
        fixture("city/3dbag_delft_v20240420.city.jsonl.gz")
            .to_str()
            .unwrap(),
    ]);
    let dir = crate::temp_dir("cityjson-lod");
    let config = dir.join("lod.toml");
    std::fs::write(&config, "[data]\nlod = \"1.2\"\n").unwrap();
    let (lod12, out) = check_json(&[
        "--config",
        config.to_str().unwrap(),
        "--file",
        fixture("city/3dbag_delft_v20240420.city.jsonl.gz")
            .to_str()
            .unwrap(),
    ]);
    assert!(out.status.success());
    assert!(
        lod12["triangles"].as_u64().unwrap() * 2 < lod22["triangles"].as_u64().unwrap(),
        "{} vs {}",
        lod12["triangles"],
        lod22["triangles"]
    );
}

/// Hostile entities (a million-corner ring, 5,000 holes, 10⁴ parts, deep JSON, 10 MB
/// strings, NaN, self-crossing rings, …) beside real buildings, through `check --file` and
/// through a broker: every good building drawn, every bad one skipped with a reason, no panic.
#[test]
fn bench_hostile_draws_every_good_building_and_skips_every_bad_one() {
    let out = run(citytwin().args([
        "bench",
        "hostile",
        "--good",
        "300",
        "--hostile",
        "3000",
        "--no-viewer",
        "--json",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for path in ["check", "broker"] {
        let p = &r[path];
        assert_eq!(p["unexpected"], serde_json::json!([]), "{path}: {p}");
        assert_eq!(p["panics"], 0, "{path}");
        assert!(p["drawn"].as_u64().unwrap() >= 300, "{path}: {p}");
    }
    assert_eq!(r["broker"]["failures"], serde_json::json!([]));
    // Every kind of trouble was there, and each skipped kind says why.
    let kinds = r["check"]["kinds"].as_object().unwrap();
    for kind in [
        "ring_1e6_corners",
        "holes_5000",
        "parts_1e4",
        "json_10k_deep",
        "string_10mb",
        "self_crossing",
        "nan_coordinate",
        "duplicate_id",
    ] {
        assert!(kinds.contains_key(kind), "{kind} missing");
    }
    for (kind, v) in kinds {
        if ![
            "good",
            "string_10mb",
            "repeated_points",
            "collinear_points",
            "attribute_wrong_shape",
        ]
        .contains(&kind.as_str())
        {
            assert!(v["reason"].is_string(), "{kind}: {v}");
        }
    }
}

#[test]
fn bench_buildings_reports_every_figure_for_tiles_and_the_naive_scene() {
    let out = run(citytwin().args([
        "bench",
        "buildings",
        "--count",
        "9000",
        "--no-frame",
        "--json",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    for scene in [&r, &r["naive"]] {
        for key in [
            "count",
            "parse_s",
            "georef_s",
            "mesh_s",
            "first_frame_s",
            "triangles",
            "draw_calls",
            "bytes_per_building",
        ] {
            assert!(scene.get(key).is_some(), "{key} missing in {scene}");
        }
        assert_eq!(scene["count"], 9000, "every replicated building is drawn");
        assert!(scene["first_frame_s"].is_null());
    }
    assert_eq!(r["naive"]["draw_calls"], 9000, "one mesh per building");
    assert!(
        r["draw_calls"].as_u64().unwrap() <= 100,
        "{}",
        r["draw_calls"]
    );
    assert_eq!(r["triangles"], r["naive"]["triangles"]);
    assert!(
        r["data"].as_str().unwrap().contains("copied 2 times"),
        "{}",
        r["data"]
    );
}

#[test]
fn a_scenario_adds_its_kpis_and_a_wrong_one_names_file_line_and_key() {
    // The demo's example scenario comes with the demo: the bus terminal (one building,
    // removed by the site polygon it fills) replaced by a podium and two towers.
    let (r, out) = check_json(&[]);
    assert!(out.status.success());
    let k = &r["scenario"];
    let keys: Vec<&str> = k.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec![
        "name",
        "buildings_baseline",
        "buildings_scenario",
        "buildings_added",
        "buildings_removed",
        "footprint_added_m2",
        "footprint_removed_m2",
        "gfa_added_m2",
        "gfa_removed_m2",
        "gfa_net_m2",
        "site_area_m2",
        "coverage_baseline",
        "coverage_scenario",
        "far_baseline",
        "far_scenario",
        "max_height_baseline_m",
        "max_height_scenario_m",
    ];
    let mut got = keys.clone();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    assert!(k["name"].as_str().unwrap().starts_with("Example"), "{k}");
    assert_eq!(
        (
            k["buildings_added"].as_u64(),
            k["buildings_removed"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(k["buildings_scenario"], 7_981 + 3 - 1);
    assert_eq!(k["max_height_scenario_m"], 248.0);
    // The podium fills the terminal's footprint around the towers: coverage unchanged.
    let c = k["coverage_scenario"].as_f64().unwrap();
    assert!(
        (c - k["coverage_baseline"].as_f64().unwrap()).abs() < 1e-6,
        "{k}"
    );

    // A file of one's own, given relative to the working folder, comes first.
    let dir = temp_dir("check-scenario");
    std::fs::write(
        dir.join("mine.toml"),
        "name = \"Mine\"\n[remove]\nids = [\"urn:ngsi-ld:Building:way-34633854\"]\n",
    )
    .unwrap();
    let out =
        run(citytwin()
            .current_dir(&dir)
            .args(["check", "--json", "--scenario", "mine.toml"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["scenario"]["name"], "Mine");
    assert_eq!(r["scenario"]["buildings_removed"], 1);
    assert!(r["scenario"]["site_area_m2"].is_null());
    assert_eq!(r["scenarios"].as_array().unwrap().len(), 2);

    std::fs::write(
        dir.join("bad.toml"),
        "name = \"Bad\"\n\n[[add]]\nfile = \"nowhere.geojson\"\n",
    )
    .unwrap();
    let out = run(citytwin()
        .current_dir(&dir)
        .args(["check", "--scenario", "bad.toml"]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:4: `add[1].file`") && err.contains("nowhere.geojson"),
        "{err}"
    );
}

#[test]
fn a_dem_is_reported_with_its_crs_size_and_heights() {
    let dem = fixture("terrain/bilbao_pnoa_dem_5m_epsg25830.tif");
    let delft = fixture("delft_3dbag_buildings.geojson.gz");
    let (r, out) = check_json(&[
        "--file",
        delft.to_str().unwrap(),
        "--dem",
        dem.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = &r["dem"];
    // As GDAL reads the file (tests/fixtures/SOURCES.md): 680 × 680 Int16, −2 … 103 m.
    assert_eq!(d["crs"], "EPSG:25830");
    assert_eq!(
        (d["width"].as_u64(), d["height"].as_u64()),
        (Some(680), Some(680))
    );
    assert_eq!(
        (d["min_m"].as_f64(), d["max_m"].as_f64()),
        (Some(-2.0), Some(103.0))
    );
    let c = d["center_lonlat"].as_array().unwrap();
    assert!((c[0].as_f64().unwrap() + 2.9864).abs() < 1e-3, "{c:?}");
    assert!((c[1].as_f64().unwrap() - 43.3123).abs() < 1e-3, "{c:?}");
    // Bilbao is not under Delft: said, and the terrain is still made around its own centre.
    let away = d["away_from_city_km"].as_f64().unwrap();
    assert!((1_000.0..1_300.0).contains(&away), "{away} km");
    assert!(d["tiles"].as_u64().unwrap() > 100);

    // A file that is not a GeoTIFF: one line naming it and why, and a failing status.
    let dir = temp_dir("bad-dem");
    let bad = dir.join("dem.tif");
    std::fs::write(&bad, b"II*\0 not really").unwrap();
    let out = run(citytwin().args([
        "check",
        "--file",
        delft.to_str().unwrap(),
        "--dem",
        bad.to_str().unwrap(),
    ]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dem.tif") && err.contains("TIFF"), "{err}");
}

#[test]
fn a_3d_tiles_tileset_is_reported_from_its_folder_and_over_http() {
    let dir = crate::fixture("3dtiles/amsterdam_pg2b3dm_v1.0");
    let (v, out) = check_json(&[
        "--file",
        crate::fixture("delft_3dbag_buildings.geojson.gz")
            .to_str()
            .unwrap(),
        "--tileset",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let t = &v["tileset"];
    assert_eq!(t["version"], "1.0");
    assert_eq!(t["tiles"], 11);
    assert_eq!(t["content"], serde_json::json!({"b3dm": 10}));
    assert_eq!(t["geometric_error"], 500.0);
    assert_eq!(t["refine"], "ADD");
    // The root's centre as PROJ puts it (pyproj, EPSG:4978 → EPSG:4979).
    assert!((t["root_lonlat"][0].as_f64().unwrap() - 4.924_304_58).abs() < 1e-7);
    assert!((t["root_lonlat"][1].as_f64().unwrap() - 52.387_832_25).abs() < 1e-7);
    // The same tileset.json from a server on loopback: kinds from the content's names.
    let json = std::fs::read(dir.join("tileset.json")).unwrap();
    let (port, server) = serve_once(json, None);
    let url = format!("http://127.0.0.1:{port}/cesium/tileset.json");
    let delft = crate::fixture("delft_3dbag_buildings.geojson.gz");
    let (v, out) = check_json(&["--file", delft.to_str().unwrap(), "--tileset", &url]);
    assert!(out.status.success());
    assert_eq!(v["tileset"]["tiles"], 11);
    assert_eq!(v["tileset"]["content"], serde_json::json!({"b3dm": 10}));
    assert!(server.join().unwrap()[0].starts_with("GET /cesium/tileset.json "));
    // Not a tileset: one clear line, status 1.
    let out = crate::run(crate::citytwin().args([
        "check",
        "--file",
        delft.to_str().unwrap(),
        "--tileset",
        crate::fixture("maptiles/SOURCES.md").to_str().unwrap(),
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a 3D Tiles tileset.json"), "{err}");
}

/// Serves `json` once on loopback (with a `token`, answering 401 unless the request carries
/// `Bearer token`); returns the port and the request's head lines.
fn serve_once(
    json: Vec<u8>,
    token: Option<&'static str>,
) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::Write;
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
        let (head, _) = crate::read_request(&mut reader).unwrap().unwrap();
        let authorised = token.is_none_or(|token| {
            head.iter()
                .any(|l| l.eq_ignore_ascii_case(&format!("authorization: Bearer {token}")))
        });
        let (status, body) = if authorised {
            ("200 OK", json)
        } else {
            ("401 Unauthorized", Vec::new())
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(&body);
        head
    });
    (port, server)
}

#[test]
fn a_tileset_on_the_brokers_server_is_read_with_the_brokers_token_and_no_other_gets_it() {
    let dir = crate::temp_dir("check-tileset-auth");
    let json = std::fs::read(crate::fixture(
        "3dtiles/amsterdam_pg2b3dm_v1.0/tileset.json",
    ))
    .unwrap();
    std::fs::write(dir.join("token"), "tile-secret\n").unwrap();
    let delft = crate::fixture("delft_3dbag_buildings.geojson.gz");
    let (port, server) = serve_once(json.clone(), Some("tile-secret"));
    let config = dir.join("c.toml");
    std::fs::write(
        &config,
        format!(
            "[broker]\nurl = \"http://127.0.0.1:{port}\"\ntoken_file = {:?}\n",
            dir.join("token").display().to_string()
        ),
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{port}/tiles/tileset.json");
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--file",
        delft.to_str().unwrap(),
    ];
    let (v, out) = check_json(&[&args[..], &["--tileset", &url]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(v["tileset"]["tiles"], 11);
    server.join().unwrap();
    // Another server is not the broker's: the token is not sent, the server refuses, the
    // error says so without naming the URL.
    let (other, server) = serve_once(json, Some("tile-secret"));
    let url = format!("http://127.0.0.1:{other}/tiles/tileset.json?key=k");
    let out = crate::run(
        crate::citytwin()
            .args(["check"])
            .args(args)
            .args(["--tileset", &url]),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("401") && !err.contains("key=k"), "{err}");
    let head = server.join().unwrap();
    assert!(
        !head
            .iter()
            .any(|l| l.to_ascii_lowercase().starts_with("authorization")),
        "{head:?}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("tile-secret"));
    let _ = std::fs::remove_dir_all(&dir);
}
