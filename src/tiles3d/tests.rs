use super::*;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/3dtiles")
        .join(name)
}

fn report(name: &str) -> TilesetReport {
    let dir = fixture(name);
    let t = Tileset::parse(&std::fs::read(dir.join("tileset.json")).unwrap()).unwrap();
    t.report(|uri| std::fs::read(dir.join(uri)).ok().map(|b| b[..4].to_vec()))
}

/// The root centres as PROJ 9.5 (pyproj 3.7, EPSG:4978 → EPSG:4979) puts them.
#[test]
fn each_fixture_tileset_reads_with_its_tiles_contents_and_root_where_proj_puts_it() {
    let cases = [
        (
            "amsterdam_pg2b3dm_v1.0",
            "1.0",
            11,
            10,
            "b3dm",
            [4.924_304_580, 52.387_832_253, 55.422_067_864],
            500.0,
            Refine::Add,
            4,
        ),
        (
            "3dbag_tyler_v1.1",
            "1.1",
            5,
            1,
            "glb",
            [5.252_326_301, 52.126_281_942, -4_404.389_501_295],
            22_020.67,
            Refine::Replace,
            5,
        ),
        (
            "agi_photogrammetry_ktx2",
            "1.0",
            2,
            1,
            "glb",
            [-75.596_706_955, 40.038_795_870, 90.626_792_140],
            777.242_383_494_478,
            Refine::Replace,
            2,
        ),
        (
            "generated_delft_3dbag_lod12_v1.0",
            "1.0",
            1,
            1,
            "b3dm",
            [4.368_990_789, 52.001_572_133, 59.380_487_815],
            4096.0,
            Refine::Add,
            1,
        ),
    ];
    for (name, version, tiles, with_content, kind, [lon, lat, h], error, refine, levels) in cases {
        let r = report(name);
        assert_eq!(r.version, version, "{name}");
        assert_eq!(
            (r.tiles, r.tiles_with_content),
            (tiles, with_content),
            "{name}"
        );
        assert_eq!(
            r.content,
            BTreeMap::from([(kind.to_owned(), with_content)]),
            "{name}"
        );
        assert!(
            (r.root_lonlat[0] - lon).abs() < 1e-8,
            "{name}: lon {}",
            r.root_lonlat[0]
        );
        assert!(
            (r.root_lonlat[1] - lat).abs() < 1e-8,
            "{name}: lat {}",
            r.root_lonlat[1]
        );
        assert!(
            (r.root_height_m - h).abs() < 1e-3,
            "{name}: h {}",
            r.root_height_m
        );
        assert_eq!(
            (r.geometric_error, r.refine, r.levels),
            (error, refine, levels),
            "{name}"
        );
    }
    assert_eq!(
        report("3dbag_tyler_v1.1").extensions_required,
        Vec::<String>::new(),
        "the tileset requires none (its glb does)"
    );
}

#[test]
fn geodetic_and_ecef_agree_both_ways_over_the_globe() {
    for lat in [-89.9, -60.0, -0.1, 0.0, 33.3, 52.387_832, 89.99] {
        for lon in [-179.9, -75.6, 0.0, 4.92, 120.0] {
            for h in [-430.0, 0.0, 55.4, 8848.0] {
                let (lo, la, hh) = ecef::to_geodetic(ecef::from_geodetic(lon, lat, h));
                assert!(
                    (lo - lon).abs() < 1e-9 && (la - lat).abs() < 1e-9,
                    "{lon} {lat}"
                );
                assert!((hh - h).abs() < 1e-4, "{lon} {lat} {h}: {hh}");
            }
        }
    }
    // The frame east-north-up: one metre up is one metre higher.
    let enu = ecef::east_north_up(4.92, 52.39, 10.0);
    let (_, _, h) = ecef::to_geodetic(ecef::apply(&enu, [0.0, 0.0, 1.0]));
    assert!((h - 11.0).abs() < 1e-6);
}

#[test]
fn a_broken_tileset_is_refused_with_what_is_wrong() {
    let e = Tileset::parse(b"{\"asset\":{\"version\":\"1.0\"},\"geometricError\":1}").unwrap_err();
    assert!(e.contains("root"), "{e}");
    let e = Tileset::parse(
        br#"{"asset":{"version":"2.0"},"geometricError":1,"root":{"boundingVolume":{"sphere":[0,0,0,1]},"geometricError":0}}"#,
    )
    .unwrap_err();
    assert!(e.contains("2.0"), "{e}");
    let e = Tileset::parse(
        br#"{"asset":{"version":"1.0"},"geometricError":1,"root":{"boundingVolume":{},"geometricError":0}}"#,
    )
    .unwrap_err();
    assert!(e.contains("bounding volume"), "{e}");
    // A tree too deep is refused, not followed.
    let mut deep = String::from(r#"{"boundingVolume":{"sphere":[0,0,0,1]},"geometricError":0}"#);
    for _ in 0..100 {
        deep = format!(
            r#"{{"boundingVolume":{{"sphere":[0,0,0,1]}},"geometricError":0,"children":[{deep}]}}"#
        );
    }
    let e = Tileset::parse(
        format!(r#"{{"asset":{{"version":"1.0"}},"geometricError":1,"root":{deep}}}"#).as_bytes(),
    )
    .unwrap_err();
    assert!(e.contains("deeper") && e.len() < 300, "{e}");
}

fn decode_all(name: &str) -> Vec<content::ContentMesh> {
    let dir = fixture(name);
    let t = Tileset::parse(&std::fs::read(dir.join("tileset.json")).unwrap()).unwrap();
    let mut out = Vec::new();
    for tile in &t.tiles {
        for uri in &tile.contents {
            let bytes = std::fs::read(dir.join(uri)).unwrap();
            out.extend(content::decode(&bytes, &tile.world, &dir).unwrap().meshes);
        }
    }
    out
}

fn triangles(meshes: &[content::ContentMesh]) -> usize {
    meshes.iter().map(|m| m.triangles.len()).sum()
}

#[test]
fn b3dm_content_decodes_to_the_triangles_its_source_counts() {
    // SOURCES.md: 35,102 triangles in Amsterdam's ten b3dm, 40,592 in Delft's LoD 1.2.
    assert_eq!(triangles(&decode_all("amsterdam_pg2b3dm_v1.0")), 35_102);
    assert_eq!(
        triangles(&decode_all("generated_delft_3dbag_lod12_v1.0")),
        40_592
    );
    // Amsterdam's buildings stand around the IJ, 0–80 m above the ellipsoid.
    for m in decode_all("amsterdam_pg2b3dm_v1.0") {
        for p in m.triangles.iter().flatten() {
            let (lon, lat, h) = ecef::to_geodetic(*p);
            assert!(
                (4.88..4.97).contains(&lon) && (52.37..52.41).contains(&lat),
                "{lon} {lat}"
            );
            assert!((-10.0..150.0).contains(&h), "{h}");
        }
    }
    // AGI's photogrammetry requires KHR_texture_basisu, for its texture only (not read): its
    // 18,916 triangles (56,748 indices) read, around Exton, Pennsylvania.
    let agi = decode_all("agi_photogrammetry_ktx2");
    assert_eq!(triangles(&agi), 18_916);
    let (lon, lat, _) = ecef::to_geodetic(agi[0].triangles[0][0]);
    assert!(
        (lon + 75.597).abs() < 0.01 && (lat - 40.039).abs() < 0.01,
        "{lon} {lat}"
    );
}

/// The triangles of feature `f`, and their vertices' mean in lon/lat/height.
fn feature_centre(meshes: &[content::ContentMesh], f: u32) -> (usize, (f64, f64, f64)) {
    let points: Vec<[f64; 3]> = meshes
        .iter()
        .flat_map(|m| m.triangles.iter().zip(&m.features))
        .filter(|(_, id)| **id == f)
        .flat_map(|(t, _)| t.iter().copied())
        .collect();
    let n = points.len() as f64;
    let mean = [0, 1, 2].map(|k| points.iter().map(|p| p[k]).sum::<f64>() / n);
    (points.len() / 3, ecef::to_geodetic(mean))
}

#[test]
fn a_3dbag_production_tile_decodes_its_compressed_geometry_and_its_features() {
    // 3D Tiles 1.1 as the 3DBAG serves it: meshopt-compressed, quantized (normalised i16
    // positions scaled by the node), EXT_mesh_features over an EXT_structural_metadata table.
    // Reference figures from an independent reading: Python with meshoptimizer's own decoder
    // (the `meshoptimizer` package) and pyproj for EPSG:4978 → 4979.
    let dir = fixture("3dbag_tyler_v1.1");
    let t = Tileset::parse(&std::fs::read(dir.join("tileset.json")).unwrap()).unwrap();
    let tile = t.tiles.iter().find(|t| !t.contents.is_empty()).unwrap();
    let c = content::decode(
        &std::fs::read(dir.join("128.glb")).unwrap(),
        &tile.world,
        &dir,
    )
    .unwrap();
    assert_eq!(triangles(&c.meshes), 51_062);
    assert_eq!(c.features.len(), 1028);
    let (n, (lon, lat, h)) = feature_centre(&c.meshes, 0);
    assert_eq!(n, 36);
    // Within a centimetre of the reference (1e-7° is 1 cm).
    assert!((lon - 3.434_011_906).abs() < 2e-7 && (lat - 51.246_528_872).abs() < 2e-7);
    assert!((h - 48.452).abs() < 0.02, "{h}");
    let (n, (lon, lat, _)) = feature_centre(&c.meshes, 500);
    assert_eq!(n, 74);
    assert!((lon - 3.446_921_000).abs() < 2e-7 && (lat - 51.247_661_954).abs() < 2e-7);
    // Properties at their noData value are left out; the booleans read bit by bit.
    let p = c.features.properties(23);
    assert_eq!(p.len(), 6, "{p:?}");
    assert!(
        p.contains(&("b3_succes".to_owned(), "false".to_owned())),
        "{p:?}"
    );
    assert!(
        c.features
            .properties(0)
            .contains(&("b3_succes".to_owned(), "true".to_owned()))
    );
}

#[test]
fn a_b3dm_keeps_each_triangles_batch_id_and_its_batch_table() {
    // Amsterdam's tile 1: 18 batch entries, a JSON batch table with `blockid`; triangles per
    // batch id counted independently (Python over the GLB's accessors): 621, 621, 757, …
    let dir = fixture("amsterdam_pg2b3dm_v1.0");
    let bytes = std::fs::read(dir.join("tiles/1.b3dm")).unwrap();
    let c = content::decode(&bytes, &ecef::IDENTITY, &dir).unwrap();
    assert_eq!(c.features.len(), 18);
    let count = |f: u32| {
        c.meshes
            .iter()
            .flat_map(|m| &m.features)
            .filter(|&&x| x == f)
            .count()
    };
    assert_eq!(
        [count(0), count(1), count(2), count(4)],
        [621, 621, 757, 332]
    );
    assert_eq!(triangles(&c.meshes), 4000);
    assert_eq!(
        c.features.properties(0),
        vec![("blockid".to_owned(), "0363100012073926".to_owned())]
    );
    // Delft's generated b3dm has no batch table: its buildings are named by their meshes.
    let dir = fixture("generated_delft_3dbag_lod12_v1.0");
    let c = content::decode(
        &std::fs::read(dir.join("delft_lod12.b3dm")).unwrap(),
        &ecef::IDENTITY,
        &dir,
    )
    .unwrap();
    assert!(c.features.is_empty() && c.meshes.iter().all(|m| m.features.is_empty()));
}

#[test]
fn a_tileset_building_lies_within_a_metre_of_the_same_building_from_geojson() {
    use crate::georef::{Georef, LonLat};
    let meshes = decode_all("generated_delft_3dbag_lod12_v1.0");
    let text = {
        let mut s = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(
                std::fs::File::open(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("tests/fixtures/delft_3dbag_buildings.geojson.gz"),
                )
                .unwrap(),
            ),
            &mut s,
        )
        .unwrap();
        s
    };
    let geojson: serde_json::Value = serde_json::from_str(&text).unwrap();
    let georef = Georef::new(LonLat::new(4.369, 52.0016), None).unwrap();
    let bbox = |points: &mut dyn Iterator<Item = [f64; 3]>| {
        points.fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[2]),
                b[2].max(p[0]),
                b[3].max(p[2]),
            ]
        })
    };
    let (mut compared, mut within) = (0, 0);
    let mut worst = Vec::new();
    for feature in geojson["features"].as_array().unwrap() {
        let id = feature["id"].as_str().unwrap();
        let Some(mesh) = meshes.iter().find(|m| m.name == format!("{id}-0")) else {
            continue;
        };
        let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
        let from_geojson = bbox(&mut ring.iter().map(|c| {
            let ll = LonLat::new(c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
            georef.lonlat_to_scene(ll, 0.0).unwrap()
        }));
        let from_tiles = bbox(&mut mesh.triangles.iter().flatten().map(|p| {
            let (lon, lat, h) = ecef::to_geodetic(*p);
            georef.lonlat_to_scene(LonLat::new(lon, lat), h).unwrap()
        }));
        let off = (0..4)
            .map(|k| (from_geojson[k] - from_tiles[k]).abs())
            .fold(0.0, f64::max);
        compared += 1;
        if off < 1.0 {
            within += 1;
        } else {
            worst.push((id.to_owned(), off));
        }
    }
    // The 3DBAG's LoD 1.2 blocks are the BAG footprints extruded; a few buildings' blocks
    // differ from their footprint (parts split or merged), so nearly all, not all, match.
    eprintln!("{within} of {compared} within 1 m");
    assert!(compared > 1000, "{compared} buildings compared");
    assert!(
        within * 100 >= compared * 95,
        "{within} of {compared} within 1 m; worst {worst:?}"
    );
}

#[test]
fn a_nearer_camera_draws_more_and_finer_tiles_within_the_budget() {
    use crate::georef::{Georef, LonLat};
    let dir = fixture("amsterdam_pg2b3dm_v1.0");
    let t = Tileset::parse(&std::fs::read(dir.join("tileset.json")).unwrap()).unwrap();
    let georef = Georef::new(LonLat::new(4.9243, 52.3878), None).unwrap();
    let placed = select::place(&t, &georef, 0.0);
    assert!(placed.iter().all(Option::is_some));
    let ppr = 800.0 / 0.8;
    let finest = |chosen: &[usize]| {
        chosen
            .iter()
            .map(|&i| t.tiles[i].geometric_error)
            .fold(f64::MAX, f64::min)
    };
    // Looking straight down with a wide view (80° off the axis to the corners).
    let down = |height: f64| select::Eye {
        at: [0.0, height, 0.0],
        forward: [0.0, -1.0, 0.0],
        half_angle: 1.4,
        pixels_per_radian: ppr,
    };
    let far = select::select(&placed, &down(60_000.0), 16.0, 100);
    let mid = select::select(&placed, &down(20_000.0), 16.0, 100);
    let near = select::select(&placed, &down(1000.0), 16.0, 100);
    assert!(
        far.len() < mid.len() && mid.len() < near.len(),
        "{far:?} {mid:?} {near:?}"
    );
    assert!(finest(&mid) > finest(&near), "finer near");
    // ADD: a refined tile stays drawn under its children.
    assert_eq!(near.len(), 10, "every tile with content: {near:?}");
    // Within a budget of tiles, the coarse ones first.
    let few = select::select(&placed, &down(1000.0), 16.0, 6);
    assert_eq!(few.len(), 5, "the root's five children: {few:?}");
    // A narrow view from 300 m: only the tiles under the eye are drawn (and read).
    let narrow = select::Eye {
        half_angle: 0.5,
        ..down(300.0)
    };
    let under = select::select(&placed, &narrow, 16.0, 100);
    assert!(!under.is_empty() && under.len() < near.len(), "{under:?}");
    assert!(finest(&few) >= finest(&near));
}

#[test]
fn an_external_tileset_is_grafted_under_its_tile_in_that_tiles_frame() {
    // An outer tileset moved 1 km east in ECEF whose root's content is Amsterdam's
    // tileset.json in a folder `city/`.
    let outer = r#"{"asset":{"version":"1.1"},"geometricError":1000,
      "root":{"boundingVolume":{"sphere":[3887500,334846,5029300,5000]},"geometricError":1000,
              "transform":[1,0,0,0, 0,1,0,0, 0,0,1,0, 1000,0,0,1],
              "content":{"uri":"city/tileset.json"}}}"#;
    let mut t = Tileset::parse(outer.as_bytes()).unwrap();
    assert_eq!(
        t.external_tilesets(),
        vec![(0, "city/tileset.json".to_owned())]
    );
    let inner = std::fs::read(fixture("amsterdam_pg2b3dm_v1.0/tileset.json")).unwrap();
    let alone = Tileset::parse(&inner).unwrap();
    assert_eq!(t.graft(0, "city/tileset.json", &inner).unwrap(), 11);
    assert_eq!(t.tiles.len(), 12);
    assert!(t.tiles[0].contents.is_empty() && t.external_tilesets().is_empty());
    assert_eq!(t.tiles[0].children, vec![1]);
    assert_eq!(t.tiles[1].parent, Some(0));
    // Contents relative to the outer tileset, refinement and geometric errors as they were.
    let contents: Vec<&String> = t.tiles.iter().flat_map(|x| &x.contents).collect();
    assert_eq!(contents.len(), 10);
    assert!(
        contents.iter().all(|c| c.starts_with("city/tiles/")),
        "{contents:?}"
    );
    assert_eq!(t.tiles[1].refine, Refine::Add);
    // Each tile where it stood alone, 1 km along ECEF x.
    for (a, b) in alone.tiles.iter().zip(&t.tiles[1..]) {
        let (p, q) = (a.centre_ecef(), b.centre_ecef());
        assert!((q[0] - p[0] - 1000.0).abs() < 1e-6 && q[1] == p[1] && q[2] == p[2]);
        assert_eq!(a.geometric_error, b.geometric_error);
    }
    // A broken external tileset is refused with the reason and grafts nothing.
    let mut t = Tileset::parse(outer.as_bytes()).unwrap();
    let e = t.graft(0, "city/tileset.json", b"{}").unwrap_err();
    assert!(e.contains("not a 3D Tiles tileset.json"), "{e}");
    assert_eq!(t.tiles.len(), 1);
}

#[test]
fn a_composite_tile_draws_its_inner_tiles_with_their_features_one_after_the_other() {
    let dir = fixture("amsterdam_pg2b3dm_v1.0");
    let (a, b) = (
        std::fs::read(dir.join("tiles/1.b3dm")).unwrap(),
        std::fs::read(dir.join("tiles/2.b3dm")).unwrap(),
    );
    let alone = |bytes: &[u8]| content::decode(bytes, &ecef::IDENTITY, &dir).unwrap();
    let (ca, cb) = (alone(&a), alone(&b));
    let mut cmpt = b"cmpt".to_vec();
    for word in [1, 16 + a.len() + b.len(), 2] {
        cmpt.extend_from_slice(&(word as u32).to_le_bytes());
    }
    cmpt.extend_from_slice(&a);
    cmpt.extend_from_slice(&b);
    let c = content::decode(&cmpt, &ecef::IDENTITY, &dir).unwrap();
    assert_eq!(
        triangles(&c.meshes),
        triangles(&ca.meshes) + triangles(&cb.meshes)
    );
    assert_eq!(c.features.len(), ca.features.len() + cb.features.len());
    // The second tile's batch 0 is the composite's feature 18, with its own blockid.
    assert_eq!(ca.features.len(), 18);
    assert_eq!(c.features.properties(18), cb.features.properties(0));
    let max_first: u32 = c.meshes[..ca.meshes.len()]
        .iter()
        .flat_map(|m| m.features.iter().copied())
        .max()
        .unwrap();
    let min_second: u32 = c.meshes[ca.meshes.len()..]
        .iter()
        .flat_map(|m| m.features.iter().copied())
        .min()
        .unwrap();
    assert!(max_first < 18 && min_second >= 18);
    // Cut short, it is refused, not read past its end.
    assert!(content::decode(&cmpt[..100], &ecef::IDENTITY, &dir).is_err());
}
