use super::cache::{Cached, TileCache, TileMeta};
use super::fetch::{HEURISTIC_FRESHNESS, policy};
use super::select::{TileView, roots, select};
use super::*;
use crate::georef::{Georef, LonLat};
use crate::terrain::HeightGrid;
use reqwest::header::{HeaderMap, HeaderValue};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[test]
fn tiles_are_numbered_as_slippy_maps_number_them() {
    // The OpenStreetMap wiki's example (Slippy map tilenames): Berlin at zoom 17.
    assert_eq!(
        TileId::containing(13.377_714_963_619_61, 52.516_280_112_623_04, 17),
        TileId {
            z: 17,
            x: 70406,
            y: 42987
        }
    );
    assert_eq!(TileId::containing(0.0, 0.0, 0), TileId { z: 0, x: 0, y: 0 });
    // Past Web Mercator's limit, and on the antimeridian: the last row and column.
    assert_eq!(
        TileId::containing(180.0, -89.0, 3),
        TileId { z: 3, x: 7, y: 7 }
    );
    let t = TileId::containing(-73.985_66, 40.748_44, 16);
    assert_eq!((t.x, t.y), (19299, 24631));
    // A tile's centre lies in it; neighbours share their corners.
    let (lon, lat) = t.lonlat_at(0.5, 0.5);
    assert_eq!(TileId::containing(lon, lat, 16), t);
    let east = TileId { x: t.x + 1, ..t };
    assert_eq!(t.lonlat_at(1.0, 0.0), east.lonlat_at(0.0, 0.0));
    assert_eq!(t.children()[3].lonlat_at(1.0, 1.0), t.lonlat_at(1.0, 1.0));
    assert!((TileId { z: 0, x: 0, y: 0 }.width_m() - EQUATOR_M).abs() < 1.0);
}

fn bilbao() -> Georef {
    Georef::new(LonLat::new(-2.934, 43.2687), None).unwrap()
}

fn looking_down(height: f64) -> TileView {
    TileView {
        eye: [0.0, height, 0.0],
        forward: [0.0, -1.0, 0.0],
        half_angle: 0.7,
        pixels_per_radian: 800.0 / 0.8,
        texel_px: 1.5,
        max_tiles: 400,
    }
}

/// The share of the Web Mercator square the tiles cover.
fn area(tiles: &[TileId]) -> f64 {
    tiles.iter().map(|t| 0.25f64.powi(i32::from(t.z))).sum()
}

#[test]
fn a_nearer_camera_gets_finer_tiles_under_it_and_the_tiles_cover_the_region_once() {
    let georef = bilbao();
    let roots = roots(-2.934, 43.2687, 19);
    let mut deepest = Vec::new();
    for height in [8000.0, 1500.0, 300.0] {
        let view = looking_down(height);
        let chosen = select(&view, &roots, 19, |t| mesh::bounds(t, &georef, None));
        let tiles: Vec<TileId> = chosen.iter().map(|(t, _)| *t).collect();
        assert!((area(&tiles) - area(&roots)).abs() < 1e-15, "covered once");
        for a in &tiles {
            for b in &tiles {
                let inside = b.z > a.z && (b.x >> (b.z - a.z), b.y >> (b.z - a.z)) == (a.x, a.y);
                assert!(!inside, "{a:?} and its descendant {b:?}");
            }
        }
        // Nearest first: the first tile is the one under the eye, the deepest.
        let under = TileId::containing(-2.934, 43.2687, tiles[0].z);
        assert_eq!(tiles[0], under);
        assert_eq!(tiles[0].z, tiles.iter().map(|t| t.z).max().unwrap());
        // One pixel of it covers at most texel_px on the screen (or it is the deepest).
        let texel = chosen[0].1.max[0] - chosen[0].1.min[0];
        let on_screen = texel / TILE_PX * view.pixels_per_radian / height;
        assert!(on_screen <= view.texel_px, "{on_screen} px at {height} m");
        assert!(on_screen > view.texel_px / 2.0, "no finer than needed");
        deepest.push(tiles[0].z);
    }
    assert!(
        deepest[0] < deepest[1] && deepest[1] < deepest[2],
        "{deepest:?}"
    );
}

#[test]
fn tiles_behind_the_camera_stay_coarse_and_the_budget_holds() {
    let georef = bilbao();
    let roots = roots(-2.934, 43.2687, 19);
    // Low, looking north along the ground.
    let view = TileView {
        eye: [0.0, 50.0, 0.0],
        forward: [0.0, -0.2, -0.98],
        ..looking_down(50.0)
    };
    let chosen = select(&view, &roots, 19, |t| mesh::bounds(t, &georef, None));
    let zoom_at = |z_offset: f64| {
        chosen
            .iter()
            .find(|(_, b)| b.distance_from([0.0, mesh::FLAT_LIFT_M, z_offset]) == 0.0)
            .map(|(t, _)| t.z)
            .unwrap()
    };
    assert!(
        zoom_at(-2000.0) > zoom_at(2000.0) + 2,
        "2 km ahead zoom {} vs behind {}",
        zoom_at(-2000.0),
        zoom_at(2000.0)
    );
    let few = TileView {
        max_tiles: 40,
        ..view
    };
    let chosen = select(&few, &roots, 19, |t| mesh::bounds(t, &georef, None));
    assert!(chosen.len() <= 40, "{} tiles", chosen.len());
}

#[test]
fn a_tile_mesh_lies_where_its_corners_project_and_drapes_on_the_terrain() {
    let georef = bilbao();
    let t = TileId::containing(-2.934, 43.2687, 17);
    let m = mesh::mesh(t, &georef, None).unwrap();
    let n = mesh::GRID + 1;
    assert_eq!(m.positions.len(), n * n);
    let (lon, lat) = t.lonlat_at(1.0, 1.0);
    let want = georef.lonlat_to_scene(LonLat::new(lon, lat), 0.0).unwrap();
    let last = m.positions[n * n - 1];
    assert!((f64::from(last[0]) + m.centre[0] - want[0]).abs() < 1e-3);
    assert!((f64::from(last[2]) + m.centre[2] - want[2]).abs() < 1e-3);
    assert_eq!(m.uvs[n * n - 1], [1.0, 1.0]);
    assert!(
        m.normals.iter().all(|v| v[1] > 0.999),
        "flat ground faces up"
    );
    // On a slope rising 1 m in 10 eastwards.
    let heights: Vec<f32> = (0..100 * 100)
        .map(|i| (i % 100) as f32 * 10.0 * 0.1)
        .collect();
    let grid = HeightGrid::new(-500.0, -500.0, 10.0, 100, 100, heights);
    let m = mesh::mesh(t, &georef, Some(&grid)).unwrap();
    for p in &m.positions {
        let (x, z) = (f64::from(p[0]) + m.centre[0], f64::from(p[2]) + m.centre[2]);
        let h = grid.height_at(x, z).unwrap() + mesh::LIFT_M;
        assert!((p[1] - h).abs() < 1e-3, "{} vs {h}", p[1]);
    }
    assert!(m.normals.iter().all(|v| v[0] < -0.09 && v[1] > 0.99));
}

fn tile(bytes: usize) -> Cached {
    Cached {
        meta: TileMeta {
            etag: Some("\"e\"".into()),
            expires: 5,
        },
        body: vec![7; bytes],
    }
}

#[test]
fn the_cache_keeps_tiles_under_its_bound_dropping_those_used_longest_ago() {
    let dir = std::env::temp_dir().join(format!("citytwin-tilecache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let at = |x| TileId { z: 10, x, y: 1 };
    let mut cache = TileCache::open(&dir, 100_000).unwrap();
    for x in 0..8 {
        cache.put("s", at(x), &tile(10_000)).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(cache.get("s", at(0)), Some(tile(10_000)), "kept as written");
    std::thread::sleep(Duration::from_millis(5));
    for x in 8..14 {
        cache.put("s", at(x), &tile(10_000)).unwrap();
        assert!(cache.size() <= 100_000, "{} bytes", cache.size());
        std::thread::sleep(Duration::from_millis(5));
    }
    // Tile 0 was used after 1..7 were written, so they went first.
    assert!(
        cache.get("s", at(0)).is_some(),
        "the tile used lately stays"
    );
    assert!(cache.get("s", at(1)).is_none(), "the oldest went");
    assert!(cache.get("s", at(13)).is_some());
    // Reopened with a smaller bound: counted from the disk, trimmed, the newest kept.
    let held = cache.len();
    drop(cache);
    let mut cache = TileCache::open(&dir, 50_000).unwrap();
    assert!(cache.len() < held && cache.size() <= 50_000);
    assert!(cache.get("s", at(13)).is_some());
    // A damaged file is no tile (and is dropped).
    let path = dir.join("s/10/13/1.tile");
    std::fs::write(&path, b"CTT1garbage").unwrap();
    assert!(cache.get("s", at(13)).is_none());
    assert!(!path.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_servers_caching_headers_decide_how_long_a_tile_is_fresh() {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let headers = |pairs: &[(&'static str, &'static str)]| {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    };
    let (meta, store) = policy(&headers(&[("cache-control", "no-store")]), now);
    assert!(!store);
    assert_eq!(meta.etag, None);
    let (meta, store) = policy(
        &headers(&[("cache-control", "no-cache"), ("etag", "W/\"1\"")]),
        now,
    );
    assert!(store);
    assert_eq!(meta.expires, 1_700_000_000, "revalidated every time");
    assert_eq!(meta.etag.as_deref(), Some("W/\"1\""));
    let (meta, _) = policy(
        &headers(&[("expires", "Tue, 14 Nov 2023 22:13:20 GMT")]),
        now,
    );
    assert_eq!(meta.expires, 1_700_000_000);
    let (meta, _) = policy(&headers(&[("expires", "0")]), now);
    assert_eq!(meta.expires, 1_700_000_000, "an invalid date is expired");
    // max-age wins over Expires.
    let (meta, _) = policy(
        &headers(&[
            ("cache-control", "max-age=60"),
            ("expires", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ]),
        now,
    );
    assert_eq!(meta.expires, 1_700_000_060);
    let (meta, _) = policy(&HeaderMap::new(), now);
    assert_eq!(meta.expires, 1_700_000_000 + HEURISTIC_FRESHNESS.as_secs());
    let fresh = Cached {
        meta,
        body: Vec::new(),
    };
    assert!(fresh.is_fresh(now) && !fresh.is_fresh(SystemTime::now() + HEURISTIC_FRESHNESS));
}

#[test]
fn a_jpeg_tile_decodes_to_its_colours_with_mip_levels() {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/maptiles/gradient-256.jpg"),
    )
    .unwrap();
    let (size, rgba) = decode::rgba(&bytes).unwrap();
    assert_eq!(size, (256, 256));
    let at = |x: usize, y: usize| &rgba[(y * 256 + x) * 4..(y * 256 + x) * 4 + 4];
    let near = |p: &[u8], q: [u8; 4]| p.iter().zip(q).all(|(a, b)| a.abs_diff(b) <= 12);
    assert!(near(at(2, 64), [253, 40, 2, 255]), "{:?}", at(2, 64));
    assert!(near(at(253, 64), [2, 40, 253, 255]), "{:?}", at(253, 64));
    assert!(near(at(128, 200), [30, 200, 30, 255]), "{:?}", at(128, 200));
    let (levels, all) = decode::with_mips(size, rgba);
    assert_eq!(levels, 9);
    // The last level is the image's mean: half red-to-blue, half green.
    let last = &all[all.len() - 4..];
    assert!(near(last, [78, 120, 78, 255]), "{last:?}");
    // A truncated JPEG is refused or decoded as far as it goes, never a panic.
    if let Ok((s, p)) = decode::rgba(&bytes[..bytes.len() / 3]) {
        assert_eq!(p.len() as u32, s.0 * s.1 * 4);
    }
}
