use super::mesh::{Quadtree, TILE_CELLS};
use super::*;
use crate::georef::{Georef, LonLat};

fn bilbao() -> Dem {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/terrain/bilbao_pnoa_dem_5m_epsg25830.tif");
    read_file(&path, None).expect("the Bilbao DEM reads")
}

/// Pixel centres and heights as GDAL 3.9 reads the same file (rasterio 1.4:
/// `d.xy(row, col)` and `d.read(1)[row, col]`).
const GDAL_PIXELS: [(usize, usize, f64, f64, f32); 6] = [
    (0, 0, 499_402.500_619_187_8, 4_797_197.500_393_366, 6.0),
    (679, 679, 502_798.341_476_204_2, 4_793_803.034_584_975, 9.0),
    (340, 340, 501_102.921_666_883_75, 4_795_497.767_882_537, 0.0),
    (100, 500, 499_902.624_456_745_4, 4_794_697.893_759_794, 4.0),
    (600, 50, 502_403.243_644_533_6, 4_796_947.539_730_01, 38.0),
    (
        659,
        490,
        502_698.316_708_692_64,
        4_794_747.885_892_466,
        103.0,
    ),
];

#[test]
fn the_bilbao_dem_reads_with_its_crs_size_and_heights_as_gdal_reads_them() {
    let dem = bilbao();
    assert_eq!(dem.crs, "EPSG:25830");
    assert_eq!((dem.width, dem.height), (680, 680));
    assert_eq!((dem.min_m, dem.max_m), (-2.0, 103.0));
    for (col, row, x, y, h) in GDAL_PIXELS {
        assert_eq!(dem.pixel(col, row), h, "pixel {col},{row}");
        let (cx, cy) = dem.pixel_centre(col as f64, row as f64);
        assert!(
            (cx - x).abs() < 1e-6 && (cy - y).abs() < 1e-6,
            "centre of {col},{row}"
        );
        // Sampled at the pixel's centre, the height is the pixel's.
        assert!((dem.sample(x, y).expect("on the DEM") - h).abs() < 1e-3);
    }
    let report = dem.report();
    assert_eq!(report.nodata_pixels, 0);
    assert!((report.pixel_size[0] - 5.001_238).abs() < 1e-5);
    // Off the DEM there is no height.
    assert_eq!(dem.sample(499_000.0, 4_795_000.0), None);
}

#[test]
fn a_tiff_that_is_not_georeferenced_or_not_a_tiff_is_refused_with_the_reason() {
    assert!(matches!(
        read(b"not a tiff", None),
        Err(DemError::Invalid(_))
    ));
    let mut bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/terrain/bilbao_pnoa_dem_5m_epsg25830.tif"),
    )
    .expect("fixture");
    bytes.truncate(bytes.len() / 2);
    assert!(read(&bytes, None).is_err(), "a cut file is refused");
}

fn scene() -> Georef {
    // The DEM's centre: (-2.98640, 43.31231) in WGS84 (rasterio's transform).
    Georef::new(LonLat::new(-2.986_4, 43.312_31), None).expect("georef")
}

#[test]
fn the_grid_in_scene_metres_holds_the_dems_heights_where_its_pixels_are() {
    let dem = bilbao();
    let georef = scene();
    let grid = HeightGrid::from_dem(&dem, &georef, None).expect("grid");
    assert!((grid.spacing - 5.0).abs() < 0.05, "about one node a pixel");
    assert!(grid.cols >= 680 && grid.cols < 700, "{} columns", grid.cols);
    let to_scene = georef.transformer_from("EPSG:25830").expect("PROJ");
    for (col, row, x, y, h) in GDAL_PIXELS {
        let (e, n) = to_scene.convert(x, y).expect("converts");
        let p = georef.projected_to_scene(e, n, 0.0);
        let got = grid.height_at(p[0], p[2]).expect("on the terrain");
        // Resampled at 5 m: within the spread of the pixel and its neighbours.
        let around: Vec<f32> = (col.saturating_sub(1)..=(col + 1).min(679))
            .flat_map(|c| (row.saturating_sub(1)..=(row + 1).min(679)).map(move |r| (c, r)))
            .map(|(c, r)| dem.pixel(c, r))
            .collect();
        let lo = around.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = around.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        assert!(
            got >= lo - 0.01 && got <= hi + 0.01,
            "pixel {col},{row}: {got} m in the scene, {h} m in the file ({lo}…{hi} around)"
        );
    }
    assert!(grid.height_at(-5_000.0, 0.0).is_none(), "off the terrain");
}

#[test]
fn tiles_of_one_level_share_their_edges_and_coarse_tiles_carry_their_error() {
    let dem = bilbao();
    let grid = HeightGrid::from_dem(&dem, &scene(), None).expect("grid");
    let tree = Quadtree::new(&grid);
    let root = &tree.tiles[0];
    assert!(root.step > 1 && root.geometric_error > 1.0, "{root:?}");
    let leaves: Vec<usize> = (0..tree.tiles.len())
        .filter(|&i| tree.tiles[i].step == 1)
        .collect();
    assert!(leaves.len() >= 100, "{} finest tiles", leaves.len());
    // Leaves side by side: the east edge of one is the west edge of the next, vertex by vertex.
    let mut shared = 0;
    for &a in &leaves {
        let ta = &tree.tiles[a];
        let Some(&b) = leaves.iter().find(|&&b| {
            tree.tiles[b].row0 == ta.row0 && tree.tiles[b].col0 == ta.col0 + TILE_CELLS
        }) else {
            continue;
        };
        let (ma, mb) = (tree.mesh(&grid, a), tree.mesh(&grid, b));
        // Vertices a row (a tile at the grid's east or south edge has fewer).
        let across = |t: usize| TILE_CELLS.min(grid.cols - 1 - tree.tiles[t].col0) + 1;
        let rows = TILE_CELLS.min(grid.rows - 1 - ta.row0) + 1;
        let east: Vec<[f32; 3]> = (0..rows)
            .map(|r| ma.positions[r * across(a) + across(a) - 1])
            .collect();
        let west: Vec<[f32; 3]> = (0..rows).map(|r| mb.positions[r * across(b)]).collect();
        assert_eq!(east, west, "tiles {a} and {b}");
        shared += 1;
    }
    assert!(shared >= 50, "{shared} pairs compared");
    // Every finest tile's mesh is the grid itself: no error.
    assert!(leaves.iter().all(|&i| tree.tiles[i].geometric_error == 0.0));
    // Each tile hangs a skirt: more vertices than its grid.
    let m = tree.mesh(&grid, leaves[0]);
    assert!(m.positions.len() > (TILE_CELLS + 1).pow(2));
    assert!(m.normals.iter().all(|n| n[1] > 0.0));
}

#[test]
fn nearer_the_ground_more_and_finer_tiles_are_drawn() {
    let dem = bilbao();
    let grid = HeightGrid::from_dem(&dem, &scene(), None).expect("grid");
    let tree = Quadtree::new(&grid);
    let far = tree.select([0.0, 20_000.0, 0.0], 1000.0, 2.0);
    let near = tree.select([0.0, 150.0, 0.0], 1000.0, 2.0);
    assert!(
        near.len() > far.len(),
        "{} near, {} far",
        near.len(),
        far.len()
    );
    let finest = |sel: &[usize]| sel.iter().map(|&i| tree.tiles[i].step).min().unwrap_or(0);
    assert_eq!(finest(&near), 1);
    assert!(finest(&far) > 1);
    let worst = |sel: &[usize]| {
        sel.iter()
            .map(|&i| tree.tiles[i].geometric_error)
            .fold(0.0f32, f32::max)
    };
    assert!(worst(&near) <= worst(&far));
    // The selection covers the terrain once: its tiles' areas add up to the root's.
    let area = |sel: &[usize]| -> f64 {
        sel.iter()
            .map(|&i| {
                let t = &tree.tiles[i];
                (t.max[0] - t.min[0]) * (t.max[2] - t.min[2])
            })
            .sum()
    };
    let root = &tree.tiles[0];
    let whole = (root.max[0] - root.min[0]) * (root.max[2] - root.min[2]);
    assert!((area(&near) - whole).abs() < 1.0 && (area(&far) - whole).abs() < 1.0);
}

#[test]
fn a_building_stands_at_the_lowest_terrain_under_its_footprint() {
    // A slope rising 1 m a metre eastwards: a 10 m square from x = 20 to 30 stands at 20 m.
    let heights: Vec<f32> = (0..50).flat_map(|_| (0..50).map(|c| c as f32)).collect();
    let grid = HeightGrid::new(0.0, 0.0, 1.0, 50, 50, heights);
    let square = [[20.0, 10.0], [30.0, 10.0], [30.0, 20.0], [20.0, 20.0]];
    assert_eq!(grid.lowest_under(&square), Some(20.0));
    // A valley under the middle of a footprint counts, though no corner is in it.
    let mut heights: Vec<f32> = vec![10.0; 2_500];
    heights[15 * 50 + 25] = 4.0;
    let grid = HeightGrid::new(0.0, 0.0, 1.0, 50, 50, heights);
    assert_eq!(grid.lowest_under(&square), Some(4.0));
    // Off the terrain: none.
    assert_eq!(
        grid.lowest_under(&[[100.0, 100.0], [110.0, 100.0], [110.0, 110.0]]),
        None
    );
    assert_eq!(grid.height_at(25.5, 15.0), Some(7.0));
}
