//! The fuzz targets: citytwin's readers of outside data, each with seeds from the fixtures.

use super::{Rng, fuzz};
use citytwin::config::Config;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

fn fixture_bytes(path: &str) -> Vec<u8> {
    let bytes = std::fs::read(crate::fixture(path)).unwrap();
    if path.ends_with(".gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .unwrap();
        out
    } else {
        bytes
    }
}

/// A few real NGSI-LD buildings and payloads.
fn ngsi_seeds() -> Vec<Vec<u8>> {
    let all: Vec<Value> =
        serde_json::from_slice(&fixture_bytes("delft_3dbag_buildings.ngsild.json.gz")).unwrap();
    let mut seeds: Vec<Vec<u8>> = all
        .chunks(3)
        .take(4)
        .map(|c| serde_json::to_vec(c).unwrap())
        .collect();
    for f in [
        "bad_buildings.ngsild.json",
        "ngsi-ld/etsi-building-location-polygon.jsonld",
        "ngsi-ld/etsi-subscription-showChanges.jsonld",
    ] {
        seeds.push(fixture_bytes(f));
    }
    seeds
}

#[test]
fn fuzz_ngsi_ld_payloads_into_buildings() {
    let config = Config::default();
    fuzz("ngsi_ld", ngsi_seeds(), &|data| {
        if let Ok(parsed) = citytwin::source::parse_bytes(data, Path::new("fuzz.json")) {
            let model = citytwin::city::from_entities(parsed.entities, &config, &mut |_| {});
            if let Ok(model) = model {
                let palette = citytwin::geometry::extrude::Palette::default();
                let _ = citytwin::city::tiles::build_configured(
                    &model.buildings,
                    &config.buildings,
                    &palette,
                );
            }
        }
    });
}

#[test]
fn fuzz_queries() {
    let seeds: Vec<Vec<u8>> = [
        "height>40;category==\"shop\"",
        "height==1..10|name",
        "(a==1;b!=2)|c~=\"x.*\"",
        "address[streetAddress]==\"Main\";a.b>=2026-01-01T00:00:00Z",
        "near;maxDistance==800\u{1}Point\u{1}[13.3777,52.5162]",
        "within\u{1}Polygon\u{1}[[[13.3,52.5],[13.4,52.5],[13.4,52.6],[13.3,52.5]]]",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let entity = citytwin::ngsi_ld::parse_entity(
        &serde_json::json!({"id": "urn:a", "type": "Building", "height": 50, "name": "x",
            "address": {"streetAddress": "Main"}, "location": {"type": "Point", "coordinates": [13.35, 52.55]}}),
        citytwin::ngsi_ld::Representation::Simplified,
    )
    .unwrap()
    .0;
    fuzz("query", seeds, &|data| {
        let text = String::from_utf8_lossy(data);
        if let Ok(q) = citytwin::ngsi_ld::query::Query::parse(&text) {
            let _ = q.matches(&entity);
        }
        let mut parts = text.split('\u{1}');
        let (r, g, c) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        if let Ok(q) = citytwin::ngsi_ld::geo_query::GeoQuery::parse(r, g, c, None) {
            let _ = q.matches(&entity);
            let _ = q.candidate_bbox();
        }
        let params = vec![
            ("q".to_owned(), text.to_string()),
            ("georel".to_owned(), r.to_owned()),
        ];
        let _ = citytwin::ngsi_ld::request::EntityQuery::from_params(&params);
    });
}

#[test]
fn fuzz_footprints_extrusion_and_triangulation() {
    // Bytes as rings: a count of polygons and rings, then small signed coordinates (many
    // touch, cross and repeat) and sometimes extreme ones.
    let seeds = vec![
        vec![1, 1, 4, 0, 0, 10, 0, 10, 10, 0, 10],
        vec![
            1, 2, 4, 0, 0, 20, 0, 20, 20, 0, 20, 4, 5, 5, 5, 10, 10, 10, 10, 5,
        ],
        vec![
            2, 1, 3, 0, 0, 5, 0, 0, 5, 1, 4, 0, 0, 246, 0, 246, 246, 0, 246,
        ],
    ];
    fuzz("footprint", seeds, &|data| {
        let mut bytes = data.iter().copied();
        let mut next = || bytes.next();
        let mut polygons = Vec::new();
        for _ in 0..next().unwrap_or(1) % 4 {
            let mut rings = Vec::new();
            for _ in 0..next().unwrap_or(1) % 4 {
                let n = next().unwrap_or(3) as usize;
                let mut ring: Vec<[f64; 2]> = Vec::with_capacity(n + 1);
                for _ in 0..n {
                    let (Some(x), Some(y)) = (next(), next()) else {
                        break;
                    };
                    let c = |v: u8| match v {
                        127 => 1e308,
                        128 => f64::NAN,
                        v => f64::from(v as i8) * 0.5,
                    };
                    ring.push([c(x), c(y)]);
                }
                if let Some(first) = ring.first().copied() {
                    ring.push(first);
                }
                rings.push(ring);
            }
            polygons.push(rings);
        }
        if let Ok(f) = citytwin::geometry::Footprint::new(polygons) {
            let mut buffers = citytwin::geometry::extrude::MeshBuffers::default();
            let palette = citytwin::geometry::extrude::Palette::default();
            citytwin::geometry::extrude::extrude_into(
                &mut buffers,
                &f,
                0.0,
                10.0,
                [0.0, 0.0],
                &palette,
            );
            assert!(buffers.positions.iter().flatten().all(|v| v.is_finite()));
            assert!(
                buffers
                    .indices
                    .iter()
                    .all(|&i| (i as usize) < buffers.positions.len())
            );
            let _ = f.simplified(2.0);
            let _ = f.contains([1.0, 1.0]);
        }
    });
}

#[test]
fn fuzz_cityjson() {
    let seeds = vec![
        fixture_bytes("city/zurich_subset_lod2.city.json.gz")[..].to_vec(),
        br#"{"type":"CityJSON","version":"2.0","transform":{"scale":[0.001,0.001,0.001],"translate":[1000,2000,0]},
"metadata":{"referenceSystem":"https://www.opengis.net/def/crs/EPSG/0/7415"},
"CityObjects":{"b1":{"type":"Building","attributes":{"h":5},"geometry":[{"type":"Solid","lod":"2.2","boundaries":[[[[0,1,2,3]],[[4,5,6,7]]]],
"semantics":{"surfaces":[{"type":"RoofSurface"},{"type":"WallSurface"}],"values":[[0,1]]}}]}},
"vertices":[[0,0,0],[10000,0,0],[10000,10000,0],[0,10000,0],[0,0,5000],[10000,0,5000],[10000,10000,5000],[0,10000,5000]]}"#.to_vec(),
    ];
    let config = Config::default();
    fuzz("cityjson", seeds, &|data| {
        let text = String::from_utf8_lossy(data);
        if let Ok(doc) = citytwin::city::cityjson::read(&text, None) {
            let _ = citytwin::city::from_cityjson(doc, &config, &mut |_| {});
        }
    });
}

/// A cube as a GLB: the JSON chunk, then the binary one with its positions and indices.
fn cube_glb() -> Vec<u8> {
    let positions: [[f32; 3]; 8] = [
        [0., 0., 0.],
        [1., 0., 0.],
        [1., 1., 0.],
        [0., 1., 0.],
        [0., 0., 1.],
        [1., 0., 1.],
        [1., 1., 1.],
        [0., 1., 1.],
    ];
    let indices: [u16; 36] = [
        0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4, 1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6,
        3, 0, 4, 3, 4, 7,
    ];
    let mut bin: Vec<u8> = positions
        .iter()
        .flatten()
        .flat_map(|f| f.to_le_bytes())
        .collect();
    bin.extend(indices.iter().flat_map(|i| i.to_le_bytes()));
    let mut json = format!(
        r#"{{"asset":{{"version":"2.0"}},"scene":0,"scenes":[{{"nodes":[0]}}],"nodes":[{{"mesh":0}}],
"meshes":[{{"primitives":[{{"attributes":{{"POSITION":0}},"indices":1}}]}}],
"buffers":[{{"byteLength":{}}}],
"bufferViews":[{{"buffer":0,"byteOffset":0,"byteLength":96}},{{"buffer":0,"byteOffset":96,"byteLength":72}}],
"accessors":[{{"bufferView":0,"componentType":5126,"count":8,"type":"VEC3","min":[0,0,0],"max":[1,1,1]}},
{{"bufferView":1,"componentType":5123,"count":36,"type":"SCALAR"}}]}}"#,
        bin.len()
    )
    .into_bytes();
    while !json.len().is_multiple_of(4) {
        json.push(b' ');
    }
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    let mut out = b"glTF".to_vec();
    out.extend(2u32.to_le_bytes());
    out.extend(((12 + 8 + json.len() + 8 + bin.len()) as u32).to_le_bytes());
    out.extend((json.len() as u32).to_le_bytes());
    out.extend(b"JSON");
    out.extend(json);
    out.extend((bin.len() as u32).to_le_bytes());
    out.extend(b"BIN\0");
    out.extend(bin);
    out
}

#[test]
fn fuzz_gltf() {
    let dir = crate::temp_dir("fuzz-gltf");
    let file = dir.join("model.glb");
    let georef =
        citytwin::georef::Georef::new(citytwin::georef::LonLat::new(4.3, 52.07), None).unwrap();
    let model: citytwin::config::ModelConfig =
        toml::from_str("file = \"model.glb\"\nlongitude = 4.3\nlatitude = 52.07\n").unwrap();
    // The seed itself is a model citytwin reads.
    std::fs::write(&file, cube_glb()).unwrap();
    let cube = citytwin::city::gltf::read(&file).unwrap();
    assert_eq!(cube.iter().map(|m| m.triangles.len()).sum::<usize>(), 12);
    fuzz("gltf", vec![cube_glb()], &|data| {
        std::fs::write(&file, data).unwrap();
        if let Ok(meshes) = citytwin::city::gltf::read(&file) {
            let _ = citytwin::city::gltf::model_building("m", &meshes, &model, &georef);
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fuzz_scenario_files() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/scenarios");
    let seeds = vec![std::fs::read(demo.join("example.toml")).unwrap()];
    let path = demo.join("fuzz.toml");
    fuzz("scenario", seeds, &|data| {
        let _ = citytwin::scenario::Scenario::parse(&path, &String::from_utf8_lossy(data));
    });
}

#[test]
fn fuzz_the_brokers_http_handlers() {
    use std::io::{Read, Write};
    let broker = citytwin::broker::Broker::new(citytwin::broker::ServerConfig {
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        database: PathBuf::from(":memory:"),
        ..citytwin::broker::ServerConfig::default()
    })
    .unwrap()
    .spawn()
    .unwrap();
    let addr = broker.url().trim_start_matches("http://").to_owned();
    let mut seeds = ngsi_seeds();
    seeds.push(b"type=Building&q=height>10&georel=near;maxDistance==100&geometry=Point&coordinates=[4.3,52]&limit=5".to_vec());
    let paths = [
        "/ngsi-ld/v1/entities",
        "/ngsi-ld/v1/entities/urn:a",
        "/ngsi-ld/v1/entities/urn:a/attrs",
        "/ngsi-ld/v1/entityOperations/upsert",
        "/ngsi-ld/v1/entityOperations/query",
        "/ngsi-ld/v1/subscriptions",
        "/ngsi-ld/v1/temporal/entities",
        "/ngsi-ld/v1/types",
    ];
    let methods = ["GET", "POST", "PATCH", "PUT", "DELETE"];
    let picker = Mutex::new(Rng::new());
    fuzz("broker", seeds, &|data| {
        let (method, path, json) = {
            let mut r = picker.lock().unwrap();
            (
                methods[r.below(methods.len())],
                paths[r.below(paths.len())],
                r.below(2) == 0,
            )
        };
        let query: String = String::from_utf8_lossy(&data[..data.len().min(300)])
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && c != '#' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let head = format!(
            "{method} {path}?{query} HTTP/1.1\r\nHost: x\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            if json {
                "application/json"
            } else {
                "application/ld+json"
            },
            data.len()
        );
        let mut s = std::net::TcpStream::connect(&addr).expect("the broker accepts connections");
        s.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(data);
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        let status = String::from_utf8_lossy(&answer[..answer.len().min(12)]).to_string();
        assert!(
            status.starts_with("HTTP/1.1 "),
            "no answer to {method} {path}"
        );
        assert!(
            !status.starts_with("HTTP/1.1 500"),
            "500 to {method} {path}"
        );
    });
    drop(broker);
}
