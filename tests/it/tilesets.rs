//! 3D Tiles streamed with the camera: a real tileset's feed refines as the eye nears and
//! keeps to its memory budget.

use citytwin::georef::LonLat;
use citytwin::tileset_feed::{TilesetFeed, TilesetMessage, TilesetSettings};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Runs a feed for one look until every wanted tile came; the wanted tiles and the
/// triangles drawn.
fn stream(memory_mb: f64, height: f64) -> (Vec<usize>, usize) {
    let at = crate::fixture("3dtiles/amsterdam_pg2b3dm_v1.0/tileset.json");
    let (feed, worker) = TilesetFeed::spawn(
        TilesetSettings {
            at: at.display().to_string(),
            origin: LonLat::new(4.9243, 52.3878),
            crs: "EPSG:32631".into(),
            ground_m: None,
            max_error_px: 16.0,
            memory_bytes: (memory_mb * 1e6) as u64,
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
                assert_eq!((tiles, version.as_str()), (11, "1.0"));
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
